"""A photo printed in a box (the gap report's evidence), or a framed note saying why not.

Placed on the page by `rl_speedups.jpeg` (the file's own JPEG bytes, read once, passed
through as the PDF image); this module decides size, resolution and the notes.
"""

from __future__ import annotations

import math
from pathlib import Path

from reportlab.platypus import Flowable

from .cjk import CJKParagraph
from .rl_speedups.jpeg import jpeg_info, place_jpeg

# Photo resolution on paper, in pixels per inch of the printed size. Below MIN_PPI a photo
# (a 100-pixel thumbnail blown up to 35 ppi) shows nothing a reader could check: a framed
# note says so instead. Report images are made for print (storage.photos.REPORT_SIDE,
# 400 - 550 ppi in the gap report's box) and go in as they are; one far finer than that
# (MAX_PPI: the 1600-pixel report images of earlier versions) is wasted bytes and is
# scaled down to PRINT_PPI, plenty for an office printer.
MIN_PPI, PRINT_PPI, MAX_PPI = 90, 300, 600
PRINT_QUALITY = 80


class JpegPhoto(Flowable):
    """A JPEG drawn from its own file bytes (DCTDecode passthrough), fitted in a box.

    The flowable is always the box's height, the photo sitting on its bottom edge, so the
    captions of a row of photos line up. A missing or unreadable file, or one with too few
    pixels to print (MIN_PPI), prints a framed note instead, so the report still shows which
    photo is absent and why. `problem` gives that note from the start (e.g. the report
    image could not be made); `name` is the photo's own file name, for the note; `styles`
    the document's Styles (the note is set in its caption style).

    The file is read once, here: its size comes from the JPEG's SOF header and the same
    bytes become the PDF image (not decoded, not read a second time at drawing), unless
    they are far finer than the print needs (MAX_PPI): then they are scaled down once.
    """

    def __init__(self, path, max_w: float, max_h: float, styles, *, name: str = "",
                 problem: str | None = None):
        super().__init__()
        self.path = path if isinstance(path, Path) else Path(path)
        self.styles = styles
        self.problem = problem
        self.box_h = max_h
        self.data = None
        self.scaled = False  # the bytes were scaled down for print (MAX_PPI)
        px_w = px_h = None
        named = f"（{name}）" if name else ""
        if problem is None:
            try:
                with open(self.path, "rb") as fh:
                    data = fh.read()
                px_w, px_h, self.components = jpeg_info(data)
                self.data = data
            except Exception:  # noqa: BLE001 - missing, not a JPEG, truncated header: all print a note
                self.problem = f"照片文件缺失或损坏，无法打印{named}"
        if px_w:
            scale = min(max_w / px_w, max_h / px_h)
            w, h = px_w * scale, px_h * scale
            ppi = px_w / (w / 72)
            if ppi < MIN_PPI:
                self.problem = (f"照片像素过低（{px_w}×{px_h}），打印出来无法辨认，未予打印{named}；"
                                "请补充清晰的原始照片")
                self.data = None
            else:
                if ppi > MAX_PPI:
                    px_w, px_h = self._scaled_down(math.ceil(w / 72 * PRINT_PPI), math.ceil(h / 72 * PRINT_PPI),
                                                   px_w, px_h)
                self.px_w, self.px_h = px_w, px_h
                self.w, self.h = w, h
        if self.problem:
            self.w, self.h = max_w, max_h * 0.5

    def _scaled_down(self, want_w: int, want_h: int, px_w: int, px_h: int) -> tuple[int, int]:
        """Replace the bytes by the photo at about want_w x want_h pixels (decoded at 1/2,
        1/4 or 1/8 scale by the JPEG decoder itself, then resampled). Keeps the original
        bytes if Pillow cannot read them (the PDF viewer may still)."""
        import io

        try:
            from PIL import Image

            with Image.open(io.BytesIO(self.data)) as im:
                im.draft("RGB" if self.components == 3 else im.mode, (want_w, want_h))
                im = im.convert("RGB") if im.mode not in ("RGB", "L") else im
                if im.width > want_w * 1.15:
                    im = im.resize((want_w, max(1, round(im.height * want_w / im.width))),
                                   Image.Resampling.BICUBIC)
                out = io.BytesIO()
                im.save(out, "JPEG", quality=PRINT_QUALITY)
                size, components = im.size, (3 if im.mode == "RGB" else 1)
        except Exception:  # noqa: BLE001 - an odd JPEG: print it as it is
            return px_w, px_h
        self.data, self.components, self.scaled = out.getvalue(), components, True
        return size

    def wrap(self, availWidth, availHeight):
        return self.w, self.box_h

    def drawOn(self, canvas, x, y, _sW=0):
        if self.problem:
            return super().drawOn(canvas, x, y, _sW)
        self._place(canvas, self._hAlignAdjust(x, _sW), y)

    def draw(self):
        if self.problem:
            self.canv.setLineWidth(0.5)
            self.canv.rect(0, 0, self.w, self.h)
            p = CJKParagraph(self.problem, self.styles.caption)
            p.wrap(self.w - 8, self.h)
            p.drawOn(self.canv, 4, self.h / 2 - p.height / 2)
            return
        self._place(self.canv, 0.0, 0.0)

    def _place(self, canv, x: float, y: float):
        """What canvas.drawImage(path, x, y, w, h) writes, from the bytes already read
        (named as drawImage names the file; the scaled-down bytes by their resolution)."""
        key = f"{self.path}None" if not self.scaled else f"{self.path}@{PRINT_PPI}ppi"
        place_jpeg(canv, key, self.data, self.px_w, self.px_h, self.components, x, y, self.w, self.h)
