"""The GB/T 9704-2012 page: A4, 版心 156 x 225 mm, official type sizes, `— 1 —` page numbers.

Every document in exports/ is a list of flowables built with the helpers here and
written by `build_pdf`, so margins, faces, tables and page numbers are the same everywhere.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfutils
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Table,
    TableStyle,
)

from .cjk import CENTER, JUSTIFY, LEFT, CJKParagraph, TextStyle
from .fonts import FontSet, discover_fonts

# Binary streams: photos go in as their own JPEG bytes (DCTDecode), not ASCII85 text.
rl_config.useA85 = 0

# Chinese type sizes (字号) in points.
SIZE = {"初号": 42, "一号": 26, "二号": 22, "三号": 16, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9}

PAGE_W, PAGE_H = A4
TOP, LEFT_MARGIN = 37 * mm, 28 * mm
BODY_W, BODY_H = 156 * mm, 225 * mm
BOTTOM = PAGE_H - TOP - BODY_H  # 35 mm
CHAR = SIZE["三号"]  # one body character, for indents


@dataclass(frozen=True)
class Styles:
    """The text styles of an official document, built for one FontSet."""

    fonts: FontSet
    title: TextStyle  # 2号 宋/小标宋, centred
    subtitle: TextStyle  # 3号 楷体, centred
    body: TextStyle  # 3号 仿宋, justified, first line indented two characters
    plain: TextStyle  # 3号 仿宋, no indent
    h1: TextStyle  # 3号 黑体 (一、)
    h2: TextStyle  # 3号 楷体 ((一))
    cell: TextStyle  # 小四 仿宋 (tables)
    cell_head: TextStyle  # 小四 黑体 (table headers)
    small: TextStyle  # 五号 仿宋 (dense tables)
    small_head: TextStyle  # 五号 黑体
    caption: TextStyle  # 五号 楷体 (photo captions)
    page_number: TextStyle  # 4号 宋体


def make_styles(fonts: FontSet) -> Styles:
    fb = fonts.fallbacks
    body = TextStyle(fonts.fang, SIZE["三号"], 29, JUSTIFY, first_indent=2 * CHAR, fallbacks=fb)
    cell = TextStyle(fonts.fang, SIZE["小四"], 17, LEFT, fallbacks=fb)
    small = TextStyle(fonts.fang, SIZE["五号"], 14.5, LEFT, fallbacks=fb)
    return Styles(
        fonts=fonts,
        title=TextStyle(fonts.song, SIZE["二号"], 36, CENTER, space_after=14, fallbacks=fb, balance=True),
        subtitle=TextStyle(fonts.kai, SIZE["三号"], 29, CENTER, space_after=6, fallbacks=fb),
        body=body,
        plain=body.but(first_indent=0, align=LEFT),
        h1=body.but(font=fonts.hei, align=LEFT, space_before=6, space_after=4),
        h2=body.but(font=fonts.kai, align=LEFT, space_after=2, keep_with_next=True),
        cell=cell,
        cell_head=cell.but(font=fonts.hei, align=CENTER),
        small=small,
        small_head=small.but(font=fonts.hei, align=CENTER),
        caption=small.but(font=fonts.kai, align=CENTER, leading=14),
        page_number=TextStyle(fonts.song, SIZE["四号"], 20, CENTER, fallbacks=fb),
    )


# --------------------------------------------------------------------------- text helpers

def para(text, style: TextStyle, **changes) -> CJKParagraph:
    """A paragraph with the document's Chinese line breaking."""
    return CJKParagraph(text, style.but(**changes) if changes else style)


def heading(text, style: TextStyle, room: float = 50 * mm) -> list:
    """A section heading that starts a new page when less than `room` is left below it, so it
    never ends a page, while the long table after it may still start on the same page."""
    return [CondPageBreak(room), CJKParagraph(text, style)]


def table(rows, widths, styles: Styles, *, head_rows: int = 1, dense: bool = False, align=None,
          spans=(), extra=()) -> Table:
    """A ruled table (仿宋, header row in 黑体) that repeats its header on every page.

    rows: lists of str / Flowable; widths in points; align: per column 'left'/'center'/'right'.
    """
    text, head = (styles.small, styles.small_head) if dense else (styles.cell, styles.cell_head)
    data = []
    for r, row in enumerate(rows):
        out = []
        for c, value in enumerate(row):
            if isinstance(value, (Flowable, list)):
                out.append(value)
            elif r < head_rows:
                out.append(CJKParagraph(value, head))
            else:
                a = align[c] if align else LEFT
                out.append(CJKParagraph(value, text.but(align=a)))
        data.append(out)
    t = Table(data, colWidths=widths, repeatRows=head_rows, hAlign="CENTER")
    commands = [
        ("FONT", (0, 0), (-1, -1), styles.fonts.fang, text.size),  # else reportlab names Helvetica
        ("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0)),
        ("BOX", (0, 0), (-1, -1), 1.0, (0, 0, 0)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for a, b in spans:
        commands.append(("SPAN", a, b))
    commands.extend(extra)
    t.setStyle(TableStyle(commands))
    return t


def layout_table(rows, widths, styles: Styles, extra=()) -> Table:
    """An unruled table used only to place flowables side by side."""
    t = Table(rows, colWidths=widths)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), styles.fonts.fang, SIZE["五号"]),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           *extra]))
    return t


def signature_block(styles: Styles, left: tuple[str, str], right: tuple[str, str]) -> Flowable:
    """Two signature columns: (party, signer label) each, with lines for signature and date."""
    s = styles.plain.but(leading=34)
    cells = []
    for party, signer in (left, right):
        cells.append([para(party, s), para(f"{signer}：________________", s), para("日期：______年____月____日", s)])
    t = layout_table([cells], [BODY_W / 2] * 2, styles)
    t.spaceBefore = 12  # a one-row table never splits; no KeepTogether (they do not nest)
    return t


# --------------------------------------------------------------------------- photos

class JpegPhoto(Flowable):
    """A JPEG drawn from its own file bytes (DCTDecode passthrough), fitted in a box.

    The flowable is always the box's height, the photo sitting on its bottom edge, so the
    captions of a row of photos line up. A missing or unreadable file prints a framed note
    instead, so the report still shows which photo is absent.
    """

    def __init__(self, path, max_w: float, max_h: float, styles: Styles):
        super().__init__()
        self.path = Path(path)
        self.styles = styles
        self.problem = None
        self.box_h = max_h
        try:
            with open(self.path, "rb") as fh:
                px_w, px_h = pdfutils.readJPEGInfo(fh)[:2]
        except Exception:  # noqa: BLE001 - missing, not a JPEG, truncated header: all print a note
            px_w = px_h = None
            self.problem = f"照片文件缺失或损坏：{self.path.name}"
        if px_w:
            scale = min(max_w / px_w, max_h / px_h)
            self.w, self.h = px_w * scale, px_h * scale
        else:
            self.w, self.h = max_w, max_h * 0.5

    def wrap(self, availWidth, availHeight):
        return self.w, self.box_h

    def draw(self):
        if self.problem:
            self.canv.setLineWidth(0.5)
            self.canv.rect(0, 0, self.w, self.h)
            p = para(self.problem, self.styles.caption)
            p.wrap(self.w - 8, self.h)
            p.drawOn(self.canv, 4, self.h / 2 - p.height / 2)
            return
        self.canv.drawImage(str(self.path), 0, 0, self.w, self.h)


# --------------------------------------------------------------------------- pages

class _Doc(BaseDocTemplate):
    """A4 documents with the GB/T 9704 版心 and page numbers on every page."""

    def __init__(self, filename, styles: Styles, **kw):
        self.styles = styles
        super().__init__(filename, pagesize=A4, leftMargin=LEFT_MARGIN, rightMargin=PAGE_W - LEFT_MARGIN - BODY_W,
                         topMargin=TOP, bottomMargin=BOTTOM, **kw)
        portrait = Frame(LEFT_MARGIN, BOTTOM, BODY_W, BODY_H, id="body", leftPadding=0, rightPadding=0,
                         topPadding=0, bottomPadding=0)
        lw, lh = landscape(A4)
        land = Frame((lw - BODY_H) / 2, (lh - BODY_W) / 2 + 4 * mm, BODY_H, BODY_W, id="land", leftPadding=0,
                     rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("portrait", [portrait], onPage=self._page_number, pagesize=A4),
            PageTemplate("landscape", [land], onPage=self._page_number, pagesize=landscape(A4)),
        ])

    def _page_number(self, canv, doc):
        """`— N —` in 4号宋体, 7 mm under the 版心, outer edge (odd right, even left), one 字 in."""
        n = canv.getPageNumber()
        s = self.styles.page_number
        text = f"— {n} —"
        frame = doc.pageTemplate.frames[0]
        y = frame._y1 - 7 * mm - 0.36 * s.size
        canv.saveState()
        canv.setFont(s.font, s.size)
        if n % 2:
            canv.drawRightString(frame._x1 + frame._width - s.size, y, text)
        else:
            canv.drawString(frame._x1 + s.size, y, text)
        canv.restoreState()


def publish(tmp, out: Path):
    """Move a finished temporary file into place with ordinary permissions (mkstemp makes 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, out)


def landscape_pages():
    """Flowables that continue the document on landscape pages (wide tables)."""
    return [NextPageTemplate("landscape"), PageBreak()]


def portrait_pages():
    return [NextPageTemplate("portrait"), PageBreak()]


def resolve_styles(fonts: FontSet | None) -> Styles:
    """Styles for the given fonts, discovering them when not given (FontMissingError if none)."""
    return make_styles(fonts or discover_fonts())


def build_pdf(out_path, story: list, styles: Styles, *, title: str, subject: str = "") -> Path:
    """Lay out `story` and write the PDF atomically (a half-written file never appears)."""
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".dabiao-", suffix=".pdf", dir=out.parent)
    os.close(fd)
    try:
        doc = _Doc(tmp, styles, title=title, author="达标", subject=subject, creator="Dabiao 达标",
                   pageCompression=1, invariant=1, lang="zh-CN", displayDocTitle=1,
                   initialFontName=styles.fonts.fang, initialFontSize=SIZE["三号"])
        doc.build(story)
        publish(tmp, out)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return out


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 25 -> 二十五 (for 一、 and (一) headings)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
