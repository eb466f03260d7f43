"""Reading a photo: check it is a real, sane image; read its EXIF; make the thumbnail and
the report-size JPEG with the orientation applied. Pure Pillow, no database.

Pillow (and pi-heif, for HEIC) are imported by `pillow()` when a photo is first handled, not
with this module: the app does not need them to start.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

MAX_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 100_000_000  # 100 MP: larger is a decompression bomb or not a photo
MAX_SIDE = 30_000
# The report image is what the gap report prints, as it is: in its 6 x 4.6 cm box 1000
# pixels are 400 - 550 ppi, finer than any office printer; 1600 pixels at quality 85 made
# a report of 85 photos 12 MB.
REPORT_SIDE = 1000
REPORT_QUALITY = 80
THUMB_SIDE = 320
FORMATS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "HEIF": "heic"}
MIME = {"jpg": "image/jpeg", "png": "image/png", "heic": "image/heic"}


_heif_registered = False

if TYPE_CHECKING:
    from PIL import Image  # at run time through pillow(), when a photo is read


def pillow():
    """PIL.Image, with the HEIC/HEIF opener registered (phones' photos): use this rather
    than importing PIL directly wherever a photo from a user may be opened."""
    global _heif_registered
    from PIL import Image

    # Our own limit (100 MP, docs/workspace.md) decides; Pillow's default would already
    # call a 90 MP photo a decompression bomb.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS

    if not _heif_registered:
        _heif_registered = True
        try:
            import pi_heif as heif  # pillow-heif's decode-only build (pyproject.toml)
        except ImportError:  # pragma: no cover - an environment with pillow-heif instead
            try:
                import pillow_heif as heif
            except ImportError:  # pragma: no cover - declared dependency
                heif = None
        if heif is not None:
            heif.register_heif_opener()
    return Image


class PhotoRefused(Exception):
    """The file is not a photo we can keep; `reason` says why in Chinese."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class PreparedPhoto:
    data: bytes
    sha256: str
    ext: str
    width: int
    height: int
    taken_at: str | None
    gps_lat: float | None
    gps_lon: float | None
    camera: str | None
    thumb: bytes
    report: bytes

    @property
    def mime(self) -> str:
        return MIME[self.ext]


def read_photo_bytes(path: Path) -> bytes:
    """The file's bytes, refusing unreadable, empty and oversized files."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise PhotoRefused("不是文件")
        if size == 0:
            raise PhotoRefused("文件为空")
        if size > MAX_BYTES:
            raise PhotoRefused(f"文件过大（{size // (1024 * 1024)} MB，上限 {MAX_BYTES // (1024 * 1024)} MB）")
        return path.read_bytes()
    except PhotoRefused:
        raise
    except FileNotFoundError:
        raise PhotoRefused("文件不存在") from None
    except OSError as exc:
        raise PhotoRefused(f"无法读取：{exc.strerror or exc}") from None


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Validate and process one photo's bytes; raises PhotoRefused with the reason."""
    Image = pillow()  # noqa: N806 - the module, as PIL names it
    from PIL import ImageOps, UnidentifiedImageError

    digest = hashlib.sha256(data).hexdigest()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise PhotoRefused("不是可识别的图片（支持 JPEG、PNG、HEIC）") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused("图片像素数异常巨大（疑似解压炸弹），已拒绝") from None
        except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for broken headers
            raise PhotoRefused(f"图片文件已损坏：{exc}") from None
        fmt = img.format
        if fmt not in FORMATS:
            raise PhotoRefused(f"不支持的图片格式 {fmt}（支持 JPEG、PNG、HEIC）")
        width, height = img.size
        if width <= 0 or height <= 0 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
            raise PhotoRefused(f"图片尺寸异常（{width}×{height}），已拒绝")
        meta = read_exif(img)
        try:
            if fmt in ("JPEG", "MPO"):
                img.draft("RGB", (REPORT_SIDE, REPORT_SIDE))  # decode at 1/2, 1/4, 1/8 scale: much faster
            img.load()
            img = ImageOps.exif_transpose(img)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoRefused("图片像素数异常巨大（疑似解压炸弹），已拒绝") from None
        except Exception as exc:  # noqa: BLE001 - truncated / corrupt data
            raise PhotoRefused(f"图片数据不完整或已损坏（{_short(exc)}）") from None
    oriented_w, oriented_h = (height, width) if _swaps_sides(meta.get("orientation")) else (width, height)
    report = _jpeg(img, REPORT_SIDE, quality=REPORT_QUALITY)
    thumb = _jpeg(img, THUMB_SIDE, quality=80)
    return PreparedPhoto(data, digest, FORMATS[fmt], oriented_w, oriented_h, meta.get("taken_at"),
                         meta.get("gps_lat"), meta.get("gps_lon"), meta.get("camera"), thumb, report)


def _swaps_sides(orientation) -> bool:
    return orientation in (5, 6, 7, 8)


def _short(exc: Exception) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) < 80 else text[:77] + "..."


def _jpeg(img: Image.Image, side: int, quality: int) -> bytes:
    """A JPEG no larger than side x side, in RGB."""
    from PIL import Image

    copy = img.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS if side <= THUMB_SIDE else Image.Resampling.BICUBIC)
    if copy.mode not in ("RGB", "L"):
        if copy.mode in ("RGBA", "LA", "P"):
            copy = copy.convert("RGBA")
            background = Image.new("RGB", copy.size, (255, 255, 255))
            background.paste(copy, mask=copy.split()[-1])
            copy = background
        else:
            copy = copy.convert("RGB")
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()


def read_exif(img: Image.Image) -> dict:
    """Capture time, GPS, camera and orientation from EXIF; any broken part is skipped."""
    out: dict = {}
    try:
        exif = img.getexif()
    except Exception:  # noqa: BLE001 - malformed EXIF must never refuse the photo
        return out
    try:
        out["orientation"] = int(exif.get(0x0112) or 1)
    except Exception:  # noqa: BLE001
        pass
    try:
        make = str(exif.get(0x010F) or "").strip(" \x00")
        model = str(exif.get(0x0110) or "").strip(" \x00")
        if model.lower().startswith(make.lower()):
            make = ""
        camera = " ".join(p for p in (make, model) if p)
        out["camera"] = camera[:80] or None
    except Exception:  # noqa: BLE001
        pass
    try:
        sub = exif.get_ifd(0x8769)
        raw = sub.get(0x9003) or sub.get(0x9004) or exif.get(0x0132)
        out["taken_at"] = _exif_time(raw)
    except Exception:  # noqa: BLE001
        pass
    try:
        gps = exif.get_ifd(0x8825)
        lat = _dms(gps.get(2), gps.get(1))
        lon = _dms(gps.get(4), gps.get(3))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            out["gps_lat"], out["gps_lon"] = round(lat, 6), round(lon, 6)
    except Exception:  # noqa: BLE001
        pass
    return out


def _exif_time(raw) -> str | None:
    if not raw:
        return None
    text = str(raw).strip(" \x00")
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M"):
        try:
            return datetime.strptime(text[:19], fmt).isoformat(timespec="seconds")
        except ValueError:
            continue
    return None


def _dms(values, ref) -> float | None:
    if not values or len(values) != 3:
        return None
    d, m, s = (float(v) for v in values)
    value = d + m / 60 + s / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip().upper() in ("S", "W"):
        value = -value
    return value
