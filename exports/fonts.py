"""Find TrueType Chinese fonts for the four roles of an official document and register them.

Roles: song (宋体/小标宋, titles), fang (仿宋, body), hei (黑体, 一、 headings), kai (楷体,
(一) headings). Sources, best first: a folder the user sets (argument or DABIAO_FONT_DIR),
the Windows / Kylin / UOS / Linux system fonts, then a font package installed with the app.
Only TrueType (glyf) outlines are used: reportlab cannot embed CFF fonts such as Noto CJK.
reportlab embeds each font as a subset of the glyphs a document uses; each face is
registered once per process as an `EmbeddedTTFont`, which makes those subsets at less cost
(exports/rl_speedups/font_subsets.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFontFile

from checklists.errors import DabiaoError

from .rl_speedups.font_subsets import EmbeddedTTFont

ROLES = ("song", "fang", "hei", "kai")
ROLE_LABELS = {"song": "宋体", "fang": "仿宋", "hei": "黑体", "kai": "楷体"}
ENV_VAR = "DABIAO_FONT_DIR"

# Known font files (lower-case name -> class), best first within a class.
KNOWN_FILES: dict[str, str] = {}
for _cls, _names in {
    "song": ["cesi_xbs_gb18030.ttf", "cesi_xbs_gb13000.ttf", "cesi_xbs_gb2312.ttf",  # CESI 小标宋 (UOS/Kylin)
             "fzxbsjw.ttf", "fzxbsk.ttf",  # 方正小标宋 (WPS)
             "simsun.ttc", "simsun.ttf", "stsong.ttf",
             "cesi_ss_gb18030.ttf", "cesi_ss_gb13000.ttf", "cesi_ss_gb2312.ttf", "fzssk.ttf",
             "uming.ttc", "uming.ttf", "notoserifsc-regular.ttf"],
    "fang": ["simfang.ttf", "cesi_fs_gb18030.ttf", "cesi_fs_gb13000.ttf", "cesi_fs_gb2312.ttf",
             "fzfsk.ttf", "fzfsjw.ttf", "stfangso.ttf"],
    "hei": ["simhei.ttf", "cesi_ht_gb18030.ttf", "cesi_ht_gb13000.ttf", "cesi_ht_gb2312.ttf",
            "fzhtk.ttf", "fzhtjw.ttf", "stheiti.ttf", "msyh.ttc", "msyh.ttf",
            "wqy-zenhei.ttc", "wqy-zenhei.ttf", "wqy-microhei.ttc", "wqy-microhei.ttf",
            "notosanssc-regular.ttf"],  # static Google Fonts builds are TrueType
    "kai": ["simkai.ttf", "cesi_kt_gb18030.ttf", "cesi_kt_gb13000.ttf", "cesi_kt_gb2312.ttf",
            "fzktk.ttf", "fzktjw.ttf", "stkaiti.ttf", "ukai.ttc", "ukai.ttf"],
}.items():
    for _name in _names:
        KNOWN_FILES[_name] = _cls
_RANK = {name: i for i, name in enumerate(KNOWN_FILES)}

# When a role has no font of its own class, the nearest face that is there.
SUBSTITUTES = {
    "song": ("song", "fang", "kai", "hei", "other"),
    "fang": ("fang", "song", "kai", "hei", "other"),
    "hei": ("hei", "song", "fang", "kai", "other"),
    "kai": ("kai", "fang", "song", "hei", "other"),
}

# Python packages that ship a TrueType CJK font, as (module, path inside it). The last
# resort on a fresh machine; absent packages are skipped.
PACKAGED_FONTS = (("paperang_p2_fonts_cjk", "fonts/wqy-microhei.ttc"),)
# Shipped with Dabiao itself, so a fresh machine always has one embeddable CJK face:
# WenQuanYi Micro Hei (Apache-2.0 or GPL-3+ with font exception; see COPYING in that folder).
SHIPPED_FONT_DIR = Path(__file__).resolve().parent / "fonts"

# Every usable font must draw these (common in every report).
_PROBE = "规范化建设考评达标一二三四（），。：0123456789"


class FontMissingError(DabiaoError):
    """No usable TrueType Chinese font: the message says what to install or copy where."""


@dataclass(frozen=True)
class FontFace:
    path: Path
    index: int  # sub-font of a .ttc collection
    family: str
    cls: str  # song | fang | hei | kai | other
    tier: int  # 0 user folder, 1 system, 2 packaged

    @property
    def reg_name(self) -> str:
        digest = hashlib.sha1(str(self.path.resolve()).encode("utf-8")).hexdigest()[:6]
        return f"DB-{self.path.stem}-{self.index}-{digest}"


@dataclass(frozen=True)
class FontSet:
    """Registered reportlab font names per role, and the faces they come from."""

    song: str
    fang: str
    hei: str
    kai: str
    faces: dict = field(default_factory=dict, compare=False)  # role -> FontFace

    def name(self, role: str) -> str:
        return getattr(self, role)

    @property
    def fallbacks(self) -> tuple[str, ...]:
        """Every registered face once, for characters a role's face lacks."""
        return tuple(dict.fromkeys(self.name(r) for r in ("fang", "song", "hei", "kai")))

    def describe(self) -> str:
        return "；".join(f"{ROLE_LABELS[r]}：{self.faces[r].family}（{self.faces[r].path}）"
                        for r in ROLES if r in self.faces)


_CACHE: dict = {}


def discover_fonts(font_dir=None, *, system: bool = True, packaged: bool = True) -> FontSet:
    """Find, check and register a face for each role; raise FontMissingError if none.

    font_dir: a folder the user chose (default: the DABIAO_FONT_DIR environment variable).
    system / packaged: also look at the system font folders / font packages (tests turn
    them off to simulate a bare machine).
    """
    if font_dir is None and os.environ.get(ENV_VAR):
        font_dir = os.environ[ENV_VAR]
    key = (str(Path(font_dir).resolve()) if font_dir else None, system, packaged)
    cached = _CACHE.get(key)
    if cached is not None:
        return cached
    skipped: list[str] = []
    faces = _candidates(font_dir, system, packaged, skipped)
    chosen: dict[str, FontFace] = {}
    for role in ROLES:
        face = _choose(role, faces, skipped)
        if face is not None:
            chosen[role] = face
    if not chosen:
        raise FontMissingError(_missing_message(font_dir, skipped))
    # A role without its own face borrows one (only possible if every face failed to load).
    first = next(iter(chosen.values()))
    for role in ROLES:
        chosen.setdefault(role, first)
    result = FontSet(**{r: chosen[r].reg_name for r in ROLES}, faces=chosen)
    _CACHE[key] = result
    return result


def _choose(role: str, faces: list[FontFace], skipped: list[str]) -> FontFace | None:
    for cls in SUBSTITUTES[role]:
        for face in sorted((f for f in faces if f.cls == cls), key=lambda f: (f.tier, _RANK.get(f.path.name.lower(), 999))):
            if _register(face, skipped):
                return face
    return None


def _register(face: FontFace, skipped: list[str]) -> bool:
    """Register a face with reportlab once; False (and a note) when it cannot be used."""
    if face.reg_name in pdfmetrics.getRegisteredFontNames():
        return True
    try:
        font = EmbeddedTTFont(face.reg_name, str(face.path), subfontIndex=face.index)
    except (TTFError, OSError, struct.error, ValueError, KeyError, IndexError) as exc:
        skipped.append(f"{face.path.name}：无法使用（{exc}）")
        return False
    cmap = font.face.charToGlyph
    lacking = [ch for ch in _PROBE if ord(ch) not in cmap]
    if lacking:
        skipped.append(f"{face.path.name}：缺少常用汉字或标点（{''.join(lacking)}）")
        return False
    pdfmetrics.registerFont(font)
    return True


# --------------------------------------------------------------------------- candidates

def system_font_dirs() -> list[Path]:
    """Folders where Windows, Kylin / UOS and other Linux desktops keep fonts."""
    home = Path.home()
    dirs = []
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot") or r"C:\Windows"
    dirs.append(Path(windir) / "Fonts")
    if os.environ.get("LOCALAPPDATA"):
        dirs.append(Path(os.environ["LOCALAPPDATA"]) / "Microsoft" / "Windows" / "Fonts")
    dirs += [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), home / ".local/share/fonts",
             home / ".fonts", Path("/opt/kingsoft/wps-office/office6/fonts"),
             Path("/Library/Fonts"), home / "Library/Fonts"]
    return dirs


def packaged_font_paths() -> list[Path]:
    """Font files shipped with Dabiao and by installed Python packages (see PACKAGED_FONTS)."""
    out = sorted(SHIPPED_FONT_DIR.glob("*.tt[fc]"))
    for module, rel in PACKAGED_FONTS:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        for base in spec.submodule_search_locations:
            path = Path(base) / rel
            if path.is_file():
                out.append(path)
    return out


def _candidates(font_dir, system: bool, packaged: bool, skipped: list[str]) -> list[FontFace]:
    faces: list[FontFace] = []
    seen: set = set()

    def add(path: Path, tier: int, any_name: bool):
        key = path.name.lower()
        if key in seen and tier > 0:
            return
        cls = KNOWN_FILES.get(key)
        if cls is None and not any_name:
            return
        outline = _outline(path)
        if outline != "glyf":
            if outline == "cff" and (any_name or cls):
                skipped.append(f"{path.name}：CFF 轮廓（如 Noto/思源 .otf），无法嵌入 PDF")
            elif outline == "variable" and (any_name or cls):
                skipped.append(f"{path.name}：可变字体，无法按常规字重嵌入 PDF")
            return
        family = _family(path)
        if family is None:
            skipped.append(f"{path.name}：无法读取")
            return
        if cls is None:
            cls = _classify(family + " " + path.stem)
        seen.add(key)
        faces.append(FontFace(path, 0, family, cls, tier))

    if font_dir:
        folder = Path(font_dir)
        if not folder.is_dir():
            skipped.append(f"字体文件夹 {folder} 不存在")
        else:
            for path in sorted(_walk(folder)):
                add(path, 0, any_name=True)
    if system:
        for folder in system_font_dirs():
            for path in sorted(_walk(folder)):
                add(path, 1, any_name=False)
    if packaged:
        for path in packaged_font_paths():
            add(path, 2, any_name=True)
    return faces


def _walk(folder: Path):
    if not folder.is_dir():
        return
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.lower().endswith((".ttf", ".ttc", ".otf", ".otc")):
                yield Path(root) / name


def _outline(path: Path) -> str | None:
    """'glyf' for TrueType outlines, 'cff' for PostScript ones, 'variable' for variable
    fonts, None if not a font."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            offset = 0
            if head[:4] == b"ttcf":
                fh.seek(12)
                offset = struct.unpack(">I", fh.read(4))[0]
                fh.seek(offset)
                head = fh.read(12)
            if head[:4] not in (b"\x00\x01\x00\x00", b"true", b"OTTO"):
                return None
            count = struct.unpack(">H", head[4:6])[0]
            fh.seek(offset + 12)
            table = fh.read(16 * count)
    except (OSError, struct.error):
        return None
    tags = {table[i:i + 4] for i in range(0, len(table), 16)}
    if b"fvar" in tags:  # reportlab would embed the default instance, often Thin
        return "variable"
    if b"glyf" in tags and b"loca" in tags:
        return "glyf"
    if b"CFF " in tags or b"CFF2" in tags:
        return "cff"
    return None


def _family(path: Path) -> str | None:
    try:
        ttf = TTFontFile(str(path), charInfo=0, subfontIndex=0)
    except Exception:  # noqa: BLE001 - any parse failure means "not usable"
        return None
    name = ttf.familyName or path.stem
    return name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)


def _classify(name: str) -> str:
    """Guess the role class of a face from its family and file name."""
    n = name.lower().replace(" ", "")
    if any(k in n for k in ("fangsong", "仿宋", "_fs_", "fzfs")):
        return "fang"
    if any(k in n for k in ("kai", "楷", "_kt_")):
        return "kai"
    if any(k in n for k in ("hei", "黑", "_ht_", "yahei", "gothic", "sans")):
        return "hei"
    if any(k in n for k in ("song", "sun", "ming", "宋", "_ss_", "_xbs_", "serif")):
        return "song"
    return "other"


def user_font_dir() -> Path:
    """The folder of the current user's own fonts, where a font copied in is found without
    administrator rights (Windows 10+: %LOCALAPPDATA%\\Microsoft\\Windows\\Fonts)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "Microsoft" / "Windows" / "Fonts"
    if sys.platform == "darwin":
        return Path.home() / "Library/Fonts"
    return Path.home() / ".local/share/fonts"


# What a role's face stands in for when it is missing, in the warning (宋体 last: titles
# take 黑体 well; 仿宋 / 黑体 / 楷体 are what the official layout asks for).
_WARN_ROLES = ("fang", "hei", "kai", "song")
_FONT_FILES = {"fang": "simfang.ttf", "hei": "simhei.ttf", "kai": "simkai.ttf", "song": "simsun.ttc"}


def font_warning(fonts: FontSet | None = None) -> str | None:
    """A warning to show with a printed report when some of 仿宋 / 黑体 / 楷体 / 宋体 are
    not on this machine and other faces stand in for them (on a bare machine all four are
    the shipped sans WenQuanYi Micro Hei): the report prints, but not in the official faces.
    None when every role has a face of its own kind. Says how to add the fonts.

    fonts: the FontSet a report used (default: the one discover_fonts() finds)."""
    if fonts is None:
        try:
            fonts = discover_fonts()
        except FontMissingError:
            return None  # no report at all: FontMissingError says what to do
    missing = [r for r in _WARN_ROLES if r in fonts.faces and fonts.faces[r].cls != r]
    if not missing:
        return None
    used = "、".join(dict.fromkeys(fonts.faces[r].family for r in missing))
    labels = "、".join(ROLE_LABELS[r] for r in missing)
    files = "、".join(_FONT_FILES[r] for r in missing)
    env = os.environ.get(ENV_VAR)
    where = f"环境变量 {ENV_VAR} 指定的文件夹（{env}）" if env else f"环境变量 {ENV_VAR} 指定的文件夹"
    return (f"本机没有{labels}字体，报告中暂用{used}代替，版式与公文格式（GB/T 9704）的字体要求不一致。"
            f"如需标准字体，请把{labels}的 TrueType 字体文件（如 Windows 电脑 C:\\Windows\\Fonts 中的 {files}）"
            f"复制到{where}或用户字体文件夹 {user_font_dir()}，然后重新生成报告。")


def _missing_message(font_dir, skipped: list[str]) -> str:
    where = f"字体文件夹 {font_dir}" if font_dir else f"一个文件夹（用环境变量 {ENV_VAR} 指定）"
    lines = ["没有找到可用的中文 TrueType 字体，无法生成 PDF。",
             ("请把 simfang.ttf、simhei.ttf、simkai.ttf、simsun.ttc（可从 Windows 电脑的 C:\\Windows\\Fonts 复制）"
              f"放入{where}，或在 Linux 上安装文泉驿（fonts-wqy-microhei）或文鼎（fonts-arphic-uming）字体。")]
    if skipped:
        lines.append("找到但不能用的字体：" + "；".join(dict.fromkeys(skipped)))
    return "\n".join(lines)
