"""The `.dabiao` exchange bundle on disk: a zip, checked member by member before anything
in it is believed.

Layout (every name fixed by its content, so nothing in a bundle chooses a path):

    manifest.json                         format, kind, who made it, every other member's SHA-256 and size
    manifest.sig                          Ed25519 signature of manifest.json's exact bytes (base64)
    data.json                             the records (see records.py)
    checklists/<sha256>.txt               criteria source texts, named by their hash
    evidence/<ab>/<sha256>.<jpg|png|heic> photos, stored (not recompressed), named by their hash

`BundleReader` opens a bundle and refuses, with one line naming the reason, anything
that is not exactly that: unknown or duplicate members, absolute or `..` paths, links,
encrypted or oddly compressed members, sizes over the limits, compression ratios of a
zip bomb, a manifest that does not list exactly the members present, a signature that
does not verify. Member contents are read in bounded chunks, never whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StorageError
from ..photos import MAX_BYTES as MAX_PHOTO_BYTES
from . import signing
from .bundle_kinds import KIND_LABELS, KINDS  # noqa: F401 - part of this module's API

FORMAT = "dabiao-bundle/1"
SUFFIX = ".dabiao"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
DATA = "data.json"
PHOTO_EXTS = ("jpg", "png", "heic")
CHUNK = 1 << 20

EVIDENCE_RE = re.compile(r"evidence/([0-9a-f]{2})/([0-9a-f]{64})\.(jpg|png|heic)")
CHECKLIST_RE = re.compile(r"checklists/([0-9a-f]{64})\.txt")
SHA_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold. A bundle over any of these is refused before it is read."""

    max_members: int = 200_000
    max_total: int = 64 * 1024 ** 3          # all members, uncompressed
    max_manifest: int = 64 * 1024 ** 2
    max_signature: int = 4096
    max_data: int = 512 * 1024 ** 2
    max_checklist: int = 16 * 1024 ** 2
    max_photo: int = MAX_PHOTO_BYTES
    max_ratio: int = 100                     # uncompressed / compressed, for members over ratio_floor
    ratio_floor: int = 1024 ** 2


LIMITS = Limits()


class BundleRefused(StorageError):
    """A bundle that will not be imported; `code` is a short machine-readable reason
    (path, link, member, size, bomb, hash, damaged, signature, format, checklist, trust…)."""

    def __init__(self, message: str, code: str = "refused"):
        super().__init__(message)
        self.code = code


def refuse(source, reason: str, code: str):
    name = Path(source).name if source else "交换包"
    raise BundleRefused(f"{name}：已拒绝导入（工作区未作任何改动）：{reason}", code)


def path_problem(name: str) -> tuple[str, str] | None:
    """(code, reason) when a member name could leave the bundle or is not a plain file path."""
    if not name:
        return "path", "成员名为空"
    if "\x00" in name or any(ord(c) < 32 for c in name):
        return "path", f"成员名含控制字符：{name!r}"
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "path", f"成员使用绝对路径：{name}"
    if "\\" in name:
        return "path", f"成员名含反斜杠：{name}"
    parts = name.split("/")
    if ".." in parts:
        return "path", f"成员路径含“..”，会写到交换包之外：{name}"
    if name.endswith("/"):
        return "member", f"交换包中不应有文件夹成员：{name}"
    if any(p in ("", ".") for p in parts):
        return "path", f"成员路径不规范：{name}"
    return None


def member_kind(name: str) -> str | None:
    """'manifest', 'signature', 'data', 'checklist', 'evidence' or None (not allowed)."""
    if name == MANIFEST:
        return "manifest"
    if name == SIGNATURE:
        return "signature"
    if name == DATA:
        return "data"
    if CHECKLIST_RE.fullmatch(name):
        return "checklist"
    m = EVIDENCE_RE.fullmatch(name)
    if m and m.group(2).startswith(m.group(1)):
        return "evidence"
    return None


def evidence_member(sha256: str, ext: str) -> str:
    return f"evidence/{sha256[:2]}/{sha256}.{ext}"


def checklist_member(sha256: str) -> str:
    return f"checklists/{sha256}.txt"


def _strict_object(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"重复的键 {key!r}")
        out[key] = value
    return out


MAX_JSON_DEPTH = 32       # data.json nests 4 levels (assessments, answers, ...); the manifest 3
MAX_NUMBER_TEXT = 40      # characters in one JSON number (sizes, revisions, years, GPS)


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_TEXT:
        raise ValueError(f"数字过长（{len(text)} 位）")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_TEXT:
        raise ValueError(f"数字过长（{len(text)} 个字符）")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"数字超出范围：{text[:20]}")
    return value


# A JSON string, escapes included (the unrolled form: runs of plain bytes, not one
# alternation per byte), and every byte that is not a bracket.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def nesting_over(raw: bytes, limit: int) -> bool:
    """Whether JSON brackets nest deeper than `limit`, counted on the bytes before parsing
    (a deeply nested file would end the parser in a RecursionError). Brackets inside
    strings are skipped: the text between quotes (escapes included) is removed first,
    then everything but the brackets, and only those are walked."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    depth = 0
    for b in brackets:
        if b == 0x5B or b == 0x7B:  # [ {
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def loads_strict(raw: bytes, what: str, source) -> object:
    """JSON with no duplicate keys, no NaN, numbers of sane length, nesting of sane depth
    (checked first: before the signature is, so any file could carry it); refuses with a
    one-line reason."""
    if nesting_over(raw, MAX_JSON_DEPTH):
        refuse(source, f"{what} 嵌套层数超过 {MAX_JSON_DEPTH} 层，不是达标交换包的内容", "format")
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_strict_object, parse_int=_int,
                          parse_float=_float, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (UnicodeDecodeError, ValueError) as exc:
        refuse(source, f"{what} 不是有效的 JSON（{str(exc)[:80]}）", "format")
    except RecursionError:
        refuse(source, f"{what} 嵌套层数过多，不是达标交换包的内容", "format")


def _limit_for(kind: str, limits: Limits) -> int:
    return {"manifest": limits.max_manifest, "signature": limits.max_signature, "data": limits.max_data,
            "checklist": limits.max_checklist, "evidence": limits.max_photo}[kind]


@dataclass
class Signer:
    public_key: bytes
    fingerprint: str
    workspace_id: str
    workspace_name: str

    @property
    def short(self) -> str:
        return signing.short(self.fingerprint)


@dataclass
class BundleReader:
    """An open bundle whose structure, manifest and signature have been checked.
    Member contents are checked by `read_member` / `copy_member` as they are read."""

    path: Path
    zf: zipfile.ZipFile
    manifest: dict
    manifest_sha256: str
    signer: Signer
    members: dict = field(default_factory=dict)   # name -> {"sha256", "size", "kind"}
    limits: Limits = LIMITS

    @property
    def kind(self) -> str:
        return self.manifest["kind"]

    def close(self) -> None:
        self.zf.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _stream(self, name: str):
        """Yield the member's bytes in chunks, refusing when its size or hash is not the
        manifest's (a flipped byte, a truncated or lying member)."""
        expected = self.members[name]
        digest = hashlib.sha256()
        seen = 0
        try:
            with self.zf.open(name) as f:
                while True:
                    chunk = f.read(CHUNK)
                    if not chunk:
                        break
                    seen += len(chunk)
                    if seen > expected["size"]:
                        refuse(self.path, f"成员 {name} 比清单所记的 {expected['size']} 字节更大", "size")
                    digest.update(chunk)
                    yield chunk
        except BundleRefused:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                NotImplementedError) as exc:
            refuse(self.path, f"成员 {name} 已损坏或不完整（{str(exc)[:80] or exc.__class__.__name__}）", "damaged")
        except Exception as exc:  # noqa: BLE001 - zlib.error and friends from a hostile stream
            refuse(self.path, f"成员 {name} 无法解压（{str(exc)[:80] or exc.__class__.__name__}）", "damaged")
        if seen != expected["size"]:
            refuse(self.path, f"成员 {name} 不完整：应为 {expected['size']} 字节，实为 {seen} 字节", "damaged")
        if digest.hexdigest() != expected["sha256"]:
            refuse(self.path, f"成员 {name} 的 SHA-256 与清单不符（文件在签名后被改动或已损坏）", "hash")

    def read_member(self, name: str) -> bytes:
        """A small member (data, checklist), verified; the size limit was checked on open."""
        return b"".join(self._stream(name))

    def copy_member(self, name: str, out) -> int:
        """Stream a member into a binary file object, verifying size and hash."""
        n = 0
        for chunk in self._stream(name):
            out.write(chunk)
            n += len(chunk)
        return n

    def hash_member(self, name: str) -> None:
        for _ in self._stream(name):
            pass


def open_bundle(path, limits: Limits = LIMITS) -> BundleReader:
    """Open and check a bundle's structure, manifest and signature (not yet the member
    hashes: those are checked while each member is read)."""
    path = Path(path)
    try:
        if not path.is_file():
            refuse(path, "文件不存在或不是文件", "missing")
        zf = zipfile.ZipFile(path)
    except BundleRefused:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        refuse(path, f"不是有效的达标交换包（文件不完整、已损坏或不是 zip：{str(exc)[:60]}）", "damaged")
    try:
        return _check(path, zf, limits)
    except BaseException:
        zf.close()
        raise


def _check(path: Path, zf: zipfile.ZipFile, limits: Limits) -> BundleReader:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        refuse(path, f"成员过多（{len(infos)} 个，上限 {limits.max_members}）", "size")
    seen: dict[str, zipfile.ZipInfo] = {}
    folded: set[str] = set()
    total = 0
    kinds: dict[str, str] = {}
    for info in infos:
        name = info.filename
        problem = path_problem(name)
        if problem:
            refuse(path, problem[1], problem[0])
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            refuse(path, f"成员 {name} 是符号链接", "link")
        if mode and stat.S_IFMT(mode) and not stat.S_ISREG(mode):
            refuse(path, f"成员 {name} 不是普通文件", "link")
        key = unicodedata.normalize("NFC", name).casefold()
        if name in seen or key in folded:
            refuse(path, f"成员 {name} 重复出现", "duplicate")
        seen[name] = info
        folded.add(key)
        kind = member_kind(name)
        if kind is None:
            refuse(path, f"交换包中有不应出现的成员：{name}", "member")
        kinds[name] = kind
        if info.flag_bits & 0x1:
            refuse(path, f"成员 {name} 已加密", "member")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            refuse(path, f"成员 {name} 使用了不支持的压缩方式（{info.compress_type}）", "member")
        if info.file_size > _limit_for(kind, limits):
            refuse(path, f"成员 {name} 过大（{info.file_size} 字节，上限 {_limit_for(kind, limits)}）", "size")
        if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
            refuse(path, f"成员 {name} 的大小记录自相矛盾", "damaged")
        if (info.file_size > limits.ratio_floor
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            refuse(path, f"成员 {name} 压缩比异常（{info.file_size} / {info.compress_size} 字节，疑似压缩炸弹）", "bomb")
        total += info.file_size
        if total > limits.max_total:
            refuse(path, f"解压后总大小超过上限（{limits.max_total // 1024 ** 3} GB）", "size")
    for required in (MANIFEST, SIGNATURE, DATA):
        if required not in seen:
            refuse(path, f"缺少 {required}", "member")

    pre = BundleReader(path, zf, {}, "", Signer(b"", "", "", ""), limits=limits)
    pre.members = {n: {"sha256": None, "size": seen[n].file_size, "kind": kinds[n]}
                   for n in (MANIFEST, SIGNATURE)}
    raw_manifest = _read_unverified(pre, MANIFEST)
    raw_sig = _read_unverified(pre, SIGNATURE)
    manifest = loads_strict(raw_manifest, MANIFEST, path)
    if not isinstance(manifest, dict):
        refuse(path, "manifest.json 不是对象", "format")
    fmt = manifest.get("format")
    if fmt != FORMAT:
        if isinstance(fmt, str) and fmt.startswith("dabiao-bundle/"):
            refuse(path, f"交换包格式为 {fmt}，本程序只认识 {FORMAT}；请升级达标程序后再导入", "format")
        refuse(path, f"不是达标交换包（格式标记为 {fmt!r}）", "format")
    if manifest.get("kind") not in KINDS:
        refuse(path, f"未知的交换包类型 {manifest.get('kind')!r}", "format")

    signer = _check_signature(path, manifest, raw_manifest, raw_sig)

    listed = manifest.get("members")
    if not isinstance(listed, list):
        refuse(path, "manifest.json 缺少成员清单", "format")
    members: dict[str, dict] = {}
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            refuse(path, "manifest.json 的成员清单格式不对", "format")
        name, digest, size = entry["path"], entry.get("sha256"), entry.get("size")
        if name in members:
            refuse(path, f"清单中成员 {name} 重复", "duplicate")
        if name in (MANIFEST, SIGNATURE) or member_kind(name) is None:
            refuse(path, f"清单中有不应出现的成员：{name}", "member")
        if not (isinstance(digest, str) and SHA_RE.fullmatch(digest)) or not (
                isinstance(size, int) and not isinstance(size, bool) and size >= 0):
            refuse(path, f"清单中成员 {name} 的哈希或大小格式不对", "format")
        if name not in seen:
            refuse(path, f"清单中的成员 {name} 不在交换包里（文件不完整）", "damaged")
        if seen[name].file_size != size:
            refuse(path, f"成员 {name} 大小为 {seen[name].file_size} 字节，清单记为 {size} 字节", "size")
        kind = kinds[name]
        if kind in ("evidence", "checklist"):
            named = (EVIDENCE_RE.fullmatch(name) or CHECKLIST_RE.fullmatch(name))
            named_sha = named.group(2) if kind == "evidence" else named.group(1)
            if named_sha != digest:
                refuse(path, f"成员 {name} 的名称与清单中的哈希不符", "hash")
        members[name] = {"sha256": digest, "size": size, "kind": kind}
    extra = sorted(set(seen) - set(members) - {MANIFEST, SIGNATURE})
    if extra:
        refuse(path, f"交换包中有清单未列出的成员：{extra[0]}" + (f" 等 {len(extra)} 个" if len(extra) > 1 else ""),
               "member")
    if DATA not in members:
        refuse(path, "清单未列出 data.json", "member")
    return BundleReader(path, zf, manifest, hashlib.sha256(raw_manifest).hexdigest(), signer, members, limits)


def _read_unverified(reader: BundleReader, name: str) -> bytes:
    """manifest.json and manifest.sig: bounded by the limits, checked by the signature."""
    limit = reader.members[name]["size"]
    out = bytearray()
    try:
        with reader.zf.open(name) as f:
            while True:
                chunk = f.read(CHUNK)
                if not chunk:
                    break
                out += chunk
                if len(out) > limit:
                    refuse(reader.path, f"{name} 比记录的大小更大", "size")
    except BundleRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - zipfile/zlib errors on a damaged member
        refuse(reader.path, f"{name} 已损坏或不完整（{str(exc)[:80] or exc.__class__.__name__}）", "damaged")
    return bytes(out)


def _check_signature(path: Path, manifest: dict, raw_manifest: bytes, raw_sig: bytes) -> Signer:
    who = manifest.get("workspace")
    sig_info = manifest.get("signer")
    if not isinstance(who, dict) or not isinstance(sig_info, dict):
        refuse(path, "manifest.json 未注明由哪个工作区签名", "signature")
    try:
        public_key = base64.b64decode(str(sig_info.get("public_key", "")), validate=True)
        signature = base64.b64decode(raw_sig.strip(), validate=True)
    except (ValueError, TypeError):
        refuse(path, "签名或公钥格式不对", "signature")
    if sig_info.get("algorithm") != "ed25519" or len(public_key) != 32 or len(signature) != 64:
        refuse(path, "签名或公钥格式不对（应为 Ed25519）", "signature")
    fp = signing.fingerprint(public_key)
    if signing.normalize(str(sig_info.get("fingerprint", ""))) != fp:
        refuse(path, "清单中的密钥指纹与公钥不符", "signature")
    name = str(who.get("name") or "?")
    if not signing.verify(public_key, signature, raw_manifest):
        refuse(path, f"签名无效：清单在签名后被改动，或签名是伪造的（声称来自“{name}”，密钥 {signing.short(fp)}）",
               "signature")
    return Signer(public_key, fp, str(who.get("id") or ""), name)
