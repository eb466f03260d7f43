"""Photos for a generated province (storage/generate.py): small JPEGs drawn with Pillow,
stored in the workspace as real evidence (original, thumbnail, report image, evidence
row), so that each generated attachment names a photo whose files are there."""

from __future__ import annotations

import io
import random
from typing import TYPE_CHECKING

from .workspace import now

if TYPE_CHECKING:
    from .workspace import Workspace


def _tiny_photo(rnd: random.Random, year: int, k: int) -> bytes:
    """A small JPEG (160 x 120) that looks like a room: a few coloured blocks, EXIF time."""
    from PIL import Image, ImageDraw

    base = tuple(rnd.randrange(60, 200) for _ in range(3))
    img = Image.new("RGB", (160, 120), base)
    d = ImageDraw.Draw(img)
    d.rectangle([0, 84, 160, 120], fill=tuple(c // 2 for c in base))
    for _ in range(4):
        x, y = rnd.randrange(0, 130), rnd.randrange(10, 80)
        d.rectangle([x, y, x + rnd.randrange(10, 40), y + rnd.randrange(8, 30)],
                    fill=tuple(rnd.randrange(256) for _ in range(3)))
    exif = Image.Exif()
    exif[0x010F] = "Dabiao"
    exif[0x0110] = "Generated"
    exif[0x0132] = f"{year}:{rnd.randint(3, 10):02d}:{rnd.randint(1, 28):02d} {9 + k % 8:02d}:{rnd.randint(0, 59):02d}:00"
    out = io.BytesIO()
    img.save(out, "JPEG", quality=70, exif=exif)
    return out.getvalue()


def photo_pool(ws: Workspace, rnd: random.Random, n: int, year: int) -> list[str]:
    """n distinct photos stored in the workspace (files and evidence rows): their sha256.
    Files are written plainly (no fsync: generated, not precious)."""
    from .evidence import derived_path, original_path
    from .photos import prepare_photo

    out = []
    for k in range(n):
        prepared = prepare_photo(_tiny_photo(rnd, year, k))
        for path, data in ((original_path(ws, prepared.sha256, prepared.ext), prepared.data),
                           (derived_path(ws, prepared.sha256, "thumb"), prepared.thumb),
                           (derived_path(ws, prepared.sha256, "report"), prepared.report)):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        ws.db.execute(
            "INSERT OR IGNORE INTO evidence (sha256, ext, original_name, size, width, height, mime, taken_at, "
            "gps_lat, gps_lon, camera, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
            [prepared.sha256, prepared.ext, f"IMG_{year}{k:04d}.jpg", len(prepared.data), prepared.width,
             prepared.height, prepared.mime, prepared.taken_at, prepared.camera, now()])
        out.append(prepared.sha256)
    return out
