"""Draw the app icon: a red rounded square with 达 in white, in the shipped font (WenQuanYi
Micro Hei, exports/fonts/). Writes packaging/icons/dabiao.png (256 px) and dabiao.ico
(16-256 px); both are committed, so builds do not need to run this.

    uv run python packaging/make_icon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "exports" / "fonts" / "wqy-microhei.ttc"
OUT = Path(__file__).resolve().parent / "icons"
RED = (200, 30, 35, 255)
SIZE = 1024  # drawn large, scaled down for each size


def draw(size: int = SIZE) -> Image.Image:
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    pad = size // 32
    d.rounded_rectangle([pad, pad, size - pad - 1, size - pad - 1], radius=size // 5, fill=RED)
    font = ImageFont.truetype(str(FONT), int(size * 0.68))
    # Centre the glyph's ink, not its advance box.
    left, top, right, bottom = d.textbbox((0, 0), "达", font=font)
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top)) / 2 - top
    d.text((x, y), "达", font=font, fill=(255, 255, 255, 255))
    return img


def main() -> None:
    OUT.mkdir(exist_ok=True)
    big = draw()
    big.resize((256, 256), Image.LANCZOS).save(OUT / "dabiao.png", optimize=True)
    sizes = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
    big.resize((256, 256), Image.LANCZOS).save(OUT / "dabiao.ico", sizes=sizes)
    print(f"wrote {OUT / 'dabiao.png'} and {OUT / 'dabiao.ico'}")


if __name__ == "__main__":
    main()
