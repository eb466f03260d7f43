"""Generated benchmark inputs: phone-size JPEGs (12 MP, some rotated by EXIF)."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image

PHONE_SIZE = (4000, 3000)  # 12 MP


def phone_photo(path: Path, seed: int) -> Path:
    """A 12 MP JPEG with smooth, photo-like content; every other one carries EXIF
    orientation 6 (portrait shot), as phones write them."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (64, 48))
    small.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(64 * 48)])
    img = small.resize(PHONE_SIZE, Image.Resampling.BICUBIC)
    exif = Image.Exif()
    exif[0x0110] = "Bench Phone"
    exif[0x0112] = 6 if seed % 2 else 1
    img.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def phone_photos(folder: Path, n: int) -> list[Path]:
    """n distinct phone photos in folder (made once, reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"IMG_{i:04d}.jpg"
        if not path.exists():
            phone_photo(path, i)
        out.append(path)
    return out
