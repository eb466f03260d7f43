"""The GB/T 9704-2012 page: A4, 版心 156 x 225 mm, official type sizes, `— 1 —` page numbers.

Every document in exports/ is a list of flowables built with the helpers here and
written by `build_pdf`, so margins, faces, tables and page numbers are the same everywhere.

How tables, photos and page numbers are drawn fast (reportlab's Table cell drawing, image
placement and text output replaced) is in `exports.rl_speedups`; this module says what
goes where on the page.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
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
from .photo import JpegPhoto  # noqa: F401 - the documents and tests take these from here
from .rl_speedups.jpeg import JpegXObject, jpeg_info  # noqa: F401
from .rl_speedups.tables import CellRow, FastCellTable, row_heights, shared_cell_styles  # noqa: F401
from .rl_speedups.text import draw_string

# Binary streams: photos go in as their own JPEG bytes (DCTDecode), not ASCII85 text.
rl_config.useA85 = 0

# Chinese type sizes (字号) in points.
SIZE = {"初号": 42, "一号": 26, "二号": 22, "三号": 16, "四号": 14, "小四": 12, "五号": 10.5, "小五": 9}

PAGE_W, PAGE_H = A4
TOP, LEFT_MARGIN = 37 * mm, 28 * mm
BODY_W, BODY_H = 156 * mm, 225 * mm
BOTTOM = PAGE_H - TOP - BODY_H  # 35 mm
CHAR = SIZE["三号"]  # one body character
# GB/T 9704 7.1: 28 characters of 3号 to a line and 22 lines to a page of the 版心. 28 full
# 16 pt characters take 158 mm, so characters are set a little closer (PDF character
# spacing, as word processors do for the official layout): 28 of them fill 156 mm exactly.
LINE_CHARS, PAGE_LINES = 28, 22
TRACKING = (BODY_W - CHAR) / (LINE_CHARS - 1) - CHAR  # about -0.21 pt
BODY_LEADING = 28.99  # BODY_H / 22 = 28.9907, rounded down so that 22 lines always fit
INDENT = 2 * (CHAR + TRACKING)  # 空两字
MIN_ROWS = 2  # rows of a table that stay together at a page break, on either side


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
    body = TextStyle(fonts.fang, SIZE["三号"], BODY_LEADING, JUSTIFY, first_indent=INDENT, fallbacks=fb,
                     tracking=TRACKING)
    cell = TextStyle(fonts.fang, SIZE["小四"], 17, LEFT, fallbacks=fb)
    small = TextStyle(fonts.fang, SIZE["五号"], 14.5, LEFT, fallbacks=fb)
    return Styles(
        fonts=fonts,
        title=TextStyle(fonts.song, SIZE["二号"], 36, CENTER, space_after=14, fallbacks=fb, balance=True),
        subtitle=TextStyle(fonts.kai, SIZE["三号"], BODY_LEADING, CENTER, space_after=6, fallbacks=fb,
                           tracking=TRACKING),
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


def table_heading(text, style: TextStyle, t: Table, rows: int = 2) -> list:
    """A heading over a table: it moves to the next page with the table only when it would
    not have the table's header and first `rows` rows under it; otherwise the table starts
    under it and flows on to the next pages. (Keeping the heading with the whole table moves
    a table that does not fit in what is left of a page and leaves that page half empty.)"""
    head = CJKParagraph(text, style.but(keep_with_next=False) if style.keep_with_next else style)
    _, h = head.wrap(BODY_W, BODY_H)
    whole, t = t, t.table if isinstance(t, KeepTail) else t
    t.wrap(BODY_W, BODY_H)
    heights = t._rowHeights
    least = getattr(t, "min_rows", 1) or 1
    first = _head_rows(t) + max(rows, least)
    if len(heights) < first + least:  # a table too short to divide moves as a whole
        first = len(heights)
    need = h + head.getSpaceBefore() + head.getSpaceAfter() + sum(heights[:first])
    return [CondPageBreak(need + 1), head, whole]


def code_width(codes, style: TextStyle, least: float = 0.0) -> float:
    """A table column wide enough for the longest of `codes` (item codes such as 3.3.4.1,
    which must never break) on one line, padding included; at least `least`."""
    longest = max((pdfmetrics.stringWidth(c, style.font, style.size) for c in codes), default=0.0)
    return max(least, longest + CELL_PAD[0] + CELL_PAD[1] + 1)


def keep_rows_together(commands: list, first: int, last: int) -> None:
    """Never break a table's page between rows first and last (a sub-heading row and the row
    under it)."""
    commands.append(("NOSPLIT", (0, first), (-1, last)))


class KeepTail(Flowable):
    """A table with what comes before it (`head`: its heading, an introductory line) and what
    closes the document after it (`tail`: an attachment note, the signatures), so that
    neither the heading ends a page nor the signatures start one alone.

    The table starts where it is and flows over the pages as usual: the head stays with at
    least its first rows, and when the tail does not fit after the table, the table's last
    `rows` rows go over to the next page with it. (KeepTogether would move the whole group
    and leave the page before half empty.) A table too short to divide moves as a whole."""

    def __init__(self, t: Table, tail: list, rows: int = 1, head: list = ()):
        super().__init__()
        self.table, self.tail, self.rows, self.head = t, list(tail), rows, list(head)
        self.hAlign = "CENTER"
        self._sizes = None

    def _parts(self):
        return [*self.head, self.table, *self.tail]

    def wrap(self, availWidth, availHeight):
        parts = self._parts()
        self._sizes = [f.wrap(availWidth, availHeight) for f in parts]
        h = sum(fh for _, fh in self._sizes)
        h += sum(f.getSpaceBefore() for f in parts[1:]) + sum(f.getSpaceAfter() for f in parts[:-1])
        self.width, self.height = availWidth, h
        return availWidth, h

    def getSpaceBefore(self):
        return self._parts()[0].getSpaceBefore()

    def getSpaceAfter(self):
        return self._parts()[-1].getSpaceAfter()

    def split(self, availWidth, availHeight):
        t = self.table
        above = 0.0
        for f in self.head:
            above += f.wrap(availWidth, availHeight)[1] + f.getSpaceBefore() + f.getSpaceAfter()
        if self.head:
            above += t.getSpaceBefore()
        _, th = t.wrap(availWidth, availHeight)
        keep = sum(t._rowHeights[-self.rows:])
        if len(t._rowHeights) - self.rows <= _head_rows(t):
            return []  # too short to divide: all of it on the next page
        parts = t.split(availWidth, min(availHeight - above, th - keep) + 1e-6)
        if len(parts) < 2:
            return []
        return [*self.head, parts[0], KeepTail(parts[1], self.tail, self.rows)]

    def drawOn(self, canvas, x, y, _sW=0):
        top = y + self.height
        for k, (f, (fw, fh)) in enumerate(zip(self._parts(), self._sizes)):
            if k:
                top -= f.getSpaceBefore()
            top -= fh
            f.drawOn(canvas, x, top, _sW=self.width - fw)
            top -= f.getSpaceAfter()

    def draw(self):  # pragma: no cover - drawOn draws the parts
        pass


def _head_rows(t: Table) -> int:
    return t.repeatRows if isinstance(t.repeatRows, int) else max(t.repeatRows) + 1


def table(rows, widths, styles: Styles, *, head_rows: int = 1, dense: bool = False, align=None,
          spans=(), extra=(), min_rows: int = MIN_ROWS) -> Table:
    """A ruled table (仿宋, header row in 黑体) that repeats its header on every page.

    rows: lists of str / Flowable; widths in points; align: per column 'left'/'center'/'right'.
    min_rows: rows (under the header) that stay together on each side of a page break.
    """
    text, head = (styles.small, styles.small_head) if dense else (styles.cell, styles.cell_head)
    data = []
    for r, row in enumerate(rows):
        out = []
        for c, value in enumerate(row):
            if isinstance(value, (Flowable, list)):
                out.append(value)
            elif value == "":
                out.append(_Blank(head if r < head_rows else text))
            elif r < head_rows:
                out.append(CJKParagraph(value, head))
            else:
                a = align[c] if align else LEFT
                out.append(CJKParagraph(value, text.but(align=a)))
        data.append(out)
    commands = [
        ("FONT", (0, 0), (-1, -1), styles.fonts.fang, text.size),  # else reportlab names Helvetica
        ("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0)),
        ("BOX", (0, 0), (-1, -1), 1.0, (0, 0, 0)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD[0]),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD[1]),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PAD[2]),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PAD[3]),
    ]
    for a, b in spans:
        commands.append(("SPAN", a, b))
    commands.extend(extra)
    cell_styles, commands = shared_cell_styles(len(data), len(widths), commands)
    # Never a lone row at the foot of a page or the head of the next: a table divides only
    # with at least min_rows rows (under its header) on each side; a shorter one moves whole.
    t = RuledTable(data, colWidths=widths, rowHeights=row_heights(data, widths, spans, CELL_PAD),
                   repeatRows=head_rows, hAlign="CENTER", cellStyles=cell_styles,
                   rowSplitRange=(head_rows + min_rows, len(data) - min_rows))
    t.min_rows = min_rows
    t.setStyle(TableStyle(commands))
    return t


class _Blank(Flowable):
    """An empty cell: the size of an empty paragraph in its style (one line), nothing drawn.
    (A category table has a blank column until the review is entered.)"""

    def __init__(self, style: TextStyle):
        super().__init__()
        self.style = style

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, self.style.leading
        return self.width, self.height

    def getSpaceBefore(self):
        return self.style.space_before

    def getSpaceAfter(self):
        return self.style.space_after

    def drawOn(self, canvas, x, y, _sW=0):
        pass

    def draw(self):
        pass


class RuledTable(FastCellTable):
    """reportlab's Table (paragraph and blank cells and the rules drawn by
    rl_speedups.tables.FastCellTable). Parts split off at page ends are RuledTables too,
    and keep min_rows rows together as well (reportlab does not carry the row split range
    over to them)."""

    min_rows = 0
    fast_cells = (CJKParagraph, _Blank)
    blank_cells = (_Blank,)

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        if len(parts) > 1 and self.min_rows:
            for part in parts:
                part.min_rows = self.min_rows
                part._rowSplitRange = (_head_rows(part) + self.min_rows, len(part._cellvalues) - self.min_rows)
        return parts


CELL_PAD = (3, 3, 2, 2)  # left, right, top, bottom padding of a ruled table's cells
_row_heights = row_heights  # the name tests/test_exports.py imports


def layout_table(rows, widths, styles: Styles, extra=()) -> Table:
    """An unruled table used only to place flowables side by side. (A long list of such
    rows, the gap report's photos, is a list of `CellRow`s instead: the same placement,
    without the Table re-measuring at every page split; see rl_speedups.tables.)"""
    t = Table(rows, colWidths=widths)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), styles.fonts.fang, SIZE["五号"]),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           *extra]))
    return t


def signature_block(styles: Styles, left: tuple, right: tuple, *, leading: float = 34) -> Flowable:
    """Two signature columns, each (party, signer label[, name[, date]]): the name and date
    are printed when known (a signed review), else lines are left to sign and date by hand."""
    s = styles.plain.but(leading=leading)
    cells = []
    for party, signer, *signed in (left, right):
        name, day = (list(signed) + ["", ""])[:2]
        cells.append([para(party, s), para(f"{signer}：{name or '____________'}", s),
                      para(f"日期：{chinese_date(day) if day else '______年____月____日'}", s)])
    t = layout_table([cells], [BODY_W / 2] * 2, styles)
    t.spaceBefore = 12  # a one-row table never splits; no KeepTogether (they do not nest)
    return t


def chinese_date(value) -> str:
    """A date as GB/T 9704 writes the 成文日期: 2026年12月1日 (Arabic numerals, no leading
    zeros). Takes a date / datetime or ISO text ("2026-12-01", "2026-12-01T08:30:00");
    "" or None give ""; any other text is returned as it is (already written out)."""
    if value is None or value == "":
        return ""
    if isinstance(value, (date, datetime)):
        return f"{value.year}年{value.month}月{value.day}日"
    text = str(value).strip()
    m = _ISO_DAY.match(text)
    if not m:
        return text
    return f"{int(m.group(1))}年{int(m.group(2))}月{int(m.group(3))}日"


_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:$|[T ])")


# --------------------------------------------------------------------------- pages

class _Doc(BaseDocTemplate):
    """A4 documents with the GB/T 9704 版心 and page numbers on every page."""

    def __init__(self, filename, styles: Styles, **kw):
        self.styles = styles
        super().__init__(filename, pagesize=A4, leftMargin=LEFT_MARGIN, rightMargin=PAGE_W - LEFT_MARGIN - BODY_W,
                         topMargin=TOP, bottomMargin=BOTTOM, **kw)
        portrait = Frame(LEFT_MARGIN, BOTTOM, BODY_W, BODY_H, id="body", leftPadding=0, rightPadding=0,
                         topPadding=0, bottomPadding=0)
        # A landscape page (a wide table) is the portrait page turned: printed on the same
        # A4 paper its 版心 is the portrait one, the table's head towards the binding edge
        # (the left edge of the paper). On the landscape page as shown, the portrait
        # page's left edge is at the top and its bottom edge on the left.
        land = Frame(BOTTOM, PAGE_W - LEFT_MARGIN - BODY_W, BODY_H, BODY_W, id="land", leftPadding=0,
                     rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("portrait", [portrait], onPage=self._page_number, pagesize=A4),
            PageTemplate("landscape", [land], onPage=self._page_number, pagesize=landscape(A4)),
        ])

    def _page_number(self, canv, doc):
        """`— N —` in 4号宋体, 7 mm under the 版心, outer edge (odd right, even left), one 字 in.

        GB/T 9704 10.1: a landscape page keeps its page number where the portrait pages have
        it on the paper: drawn turned, on the left of the landscape page (odd pages at the
        table's lower left, even pages at its upper left)."""
        n = canv.getPageNumber()
        s = self.styles.page_number
        text = f"— {n} —"
        turned = doc.pageTemplate.id == "landscape"
        if turned:
            canv.saveState()
            canv.translate(0, PAGE_W)  # portrait (x, y) -> landscape (y, PAGE_W - x)
            canv.rotate(-90)
        y = BOTTOM - 7 * mm - 0.36 * s.size
        if n % 2:
            draw_string(canv, LEFT_MARGIN + BODY_W - s.size, y, text, s.font, s.size, right=True)
        else:
            draw_string(canv, LEFT_MARGIN + s.size, y, text, s.font, s.size)
        if turned:
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
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dabiao-", suffix=".pdf", dir=out.parent)
    except OSError as exc:
        raise output_failed(exc, out) from None
    os.close(fd)
    try:
        doc = _Doc(tmp, styles, title=title, author="达标", subject=subject, creator="Dabiao 达标",
                   pageCompression=1, invariant=1, lang="zh-CN", displayDocTitle=1,
                   initialFontName=styles.fonts.fang, initialFontSize=SIZE["三号"])
        doc.build(story)
        publish(tmp, out)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):  # a full disk (ENOSPC), a read-only or vanished folder
            raise output_failed(exc, out) from None
        raise
    return out


def output_failed(exc: OSError, out: Path):
    """The one-line error for a document that could not be written (nothing half-written
    is left behind)."""
    from storage.errors import write_failed

    return write_failed(exc, out, f"磁盘已满，{out.name} 未能写完；已删除未完成的文件，请清理磁盘空间或换一个位置后重试")


_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 25 -> 二十五 (for 一、 and (一) headings)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")
