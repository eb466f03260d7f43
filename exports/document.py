"""The GB/T 9704-2012 page: A4, 版心 156 x 225 mm, official type sizes, `— 1 —` page numbers.

Every document in exports/ is a list of flowables built with the helpers here and
written by `build_pdf`, so margins, faces, tables and page numbers are the same everywhere.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import _digester
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import NoEncryption, PDFImageXObject
from reportlab.platypus.tables import CellStyle, _setCellStyle
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .cjk import CENTER, JUSTIFY, LEFT, CJKParagraph, TextStyle, draw_string, num
from .fonts import FontSet, discover_fonts

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
    cell_styles, commands = _cell_styles(len(data), len(widths), commands)
    # Never a lone row at the foot of a page or the head of the next: a table divides only
    # with at least min_rows rows (under its header) on each side; a shorter one moves whole.
    t = RuledTable(data, colWidths=widths, rowHeights=_row_heights(data, widths, spans, CELL_PAD),
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


class RuledTable(Table):
    """reportlab's Table, writing its rules with the remembered number formatting (the same
    `n x1 y1 m x2 y2 l S` as canvas.line; a report rules some 350 segments). Parts split
    off at page ends are RuledTables too, and keep min_rows rows together as well
    (reportlab does not carry the row split range over to them)."""

    min_rows = 0

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        if len(parts) > 1 and self.min_rows:
            for part in parts:
                part.min_rows = self.min_rows
                part._rowSplitRange = (_head_rows(part) + self.min_rows, len(part._cellvalues) - self.min_rows)
        return parts

    def _drawLines(self):
        canv = self.canv
        code = canv._code

        def line(x1, y1, x2, y2):
            code.append(f"n {num(x1)} {num(y1)} m {num(x2)} {num(y2)} l S")

        canv.line = line  # as reportlab itself swaps it while drawing rounded corners
        try:
            super()._drawLines()
        finally:
            del canv.line

    def _drawCell(self, cellval, cellstyle, pos, size):
        """A cell holding one paragraph (or blank), placed as reportlab's Table._drawCell
        places it, step for step, without building the lists it makes for any cell."""
        if type(cellval) not in (CJKParagraph, _Blank) or cellstyle.href or cellstyle.destination:
            return super()._drawCell(cellval, cellstyle, pos, size)
        canv = self.canv
        if self._curcellstyle is not cellstyle:
            cur = self._curcellstyle
            if cur is None or cellstyle.color != cur.color:
                canv.setFillColor(cellstyle.color)
            if (cur is None or cellstyle.leading != cur.leading or cellstyle.fontname != cur.fontname
                    or cellstyle.fontsize != cur.fontsize):
                canv.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            self._curcellstyle = cellstyle
        if type(cellval) is _Blank:
            return
        colpos, rowpos = pos
        colwidth, rowheight = size
        top, bottom = cellstyle.topPadding, cellstyle.bottomPadding
        w, vh = cellval.wrapOn(canv, colwidth - cellstyle.leftPadding - cellstyle.rightPadding, rowheight - top - bottom)
        sb, sa = cellval.getSpaceBefore(), cellval.getSpaceAfter()
        h = (vh + sa + sb) - sb - sa
        valign, just = cellstyle.valign, cellstyle.alignment
        if valign == "TOP":
            y = rowpos + rowheight - top
        elif valign == "BOTTOM":
            y = rowpos + bottom + h
        else:
            y = rowpos + (rowheight + bottom - top + h) / 2.0
        y += sb
        if just == "LEFT":
            x = colpos + cellstyle.leftPadding
        elif just == "RIGHT":
            x = colpos + colwidth - cellstyle.rightPadding - w
        elif just in ("CENTRE", "CENTER"):
            x = colpos + (colwidth + cellstyle.leftPadding - cellstyle.rightPadding - w) / 2.0
        else:
            raise ValueError(f"Invalid justification {just!a} for {type(cellval)}")
        y -= sb
        y -= vh
        cellval.drawOn(canv, x, y)


CELL_PAD = (3, 3, 2, 2)  # left, right, top, bottom padding of a ruled table's cells
_CELL_OPS = frozenset({"FONT", "FONTNAME", "FACE", "SIZE", "FONTSIZE", "LEADING", "TEXTCOLOR", "ALIGN", "ALIGNMENT",
                       "VALIGN", "LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING"})


def _cell_styles(nrows: int, ncols: int, commands) -> tuple[list, list]:
    """The cell style of every cell, applying the cell-level commands (font, alignment,
    padding) as reportlab's Table.setStyle would, but one CellStyle per distinct
    combination shared by the cells that have it instead of one per cell: the Table then
    switches fill colour and font when the style changes, not at every cell. Returns the
    styles and the other commands (rules, spans) for setStyle."""
    cell_cmds, rest = [], []
    for cmd in commands:
        if cmd[0] in _CELL_OPS and not isinstance(cmd[1][1], str) and not isinstance(cmd[2][1], str):
            cell_cmds.append(cmd)
        else:
            rest.append(cmd)
    keys = [[()] * ncols for _ in range(nrows)]
    partial = set()
    for k, (_, (sc, sr), (ec, er), *_values) in enumerate(cell_cmds):
        sc, ec = max(0, sc + ncols if sc < 0 else sc), min(ncols - 1, ec + ncols if ec < 0 else ec)
        sr, er = max(0, sr + nrows if sr < 0 else sr), min(nrows - 1, er + nrows if er < 0 else er)
        if (sc, sr, ec, er) == (0, 0, ncols - 1, nrows - 1):
            continue  # every cell: part of every style
        partial.add(k)
        for i in range(sr, er + 1):
            row = keys[i]
            for j in range(sc, ec + 1):
                row[j] = row[j] + (k,)
    made: dict = {}

    def style(key):
        try:
            return made[key]
        except KeyError:
            cs = CellStyle(repr(key))
            for k, (op, _a, _b, *values) in enumerate(cell_cmds):
                if k not in partial or k in key:
                    _setCellStyle([[cs]], 0, 0, op, values)
            made[key] = cs
            return cs

    return [[style(key) for key in row] for row in keys], rest


def _row_heights(data, widths, spans, pad) -> list[float] | None:
    """Each row's height exactly as reportlab's Table computes it from its cells: the
    flowables of a cell stacked (their space before/after included, less the first one's
    before and the last one's after) plus top and bottom padding, the tallest cell of the
    row; a cell spanning columns wraps at their total width, the cells it covers do not
    count. Given to the Table, it no longer wraps every cell again each time it is
    measured, kept together with its heading, split at a page end and measured again.
    None (reportlab computes them) for spans over several rows."""
    left, right, top, bottom = pad
    ncols, nrows = len(widths), len(data)
    positions, x = [0], 0
    for w in widths:
        x = x + w
        positions.append(x)
    span_to, covered = {}, set()
    for (c0, r0), (c1, r1) in spans:
        c0, c1 = c0 + ncols if c0 < 0 else c0, c1 + ncols if c1 < 0 else c1
        r0, r1 = r0 + nrows if r0 < 0 else r0, r1 + nrows if r1 < 0 else r1
        if r0 != r1:
            return None
        c0, c1 = min(c0, c1), max(c0, c1)
        span_to[r0, c0] = c1
        covered.update((r0, c) for c in range(c0 + 1, c1 + 1))
    heights = []
    for i, row in enumerate(data):
        h = 0
        for j, value in enumerate(row):
            if (i, j) in covered:
                continue
            w = widths[j]
            if (i, j) in span_to:
                w = max(positions[span_to[i, j] + 1] - positions[j], w)
            cell = value if isinstance(value, (list, tuple)) else (value,)
            t = 0
            if cell:
                first = None
                for f in cell:
                    fh = f.wrapOn(None, w - left - right, 72000 - top - bottom)[1]
                    before, after = f.getSpaceBefore(), f.getSpaceAfter()
                    t += fh + after + before
                    if first is None:
                        first = before
                t = t - first - after
            t += bottom + top
            if t > h:
                h = t
        heights.append(h)
    return heights


def layout_table(rows, widths, styles: Styles, extra=()) -> Table:
    """An unruled table used only to place flowables side by side."""
    t = Table(rows, colWidths=widths)
    t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), styles.fonts.fang, SIZE["五号"]),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                           *extra]))
    return t


class CellRow(Flowable):
    """One row of an unruled layout table, drawn as reportlab's Table draws it with
    VALIGN TOP and ALIGN CENTER: each cell a column of flowables stacked from the top
    padding down, each centred in its column. A list of these flows and breaks between
    pages exactly as the Table's rows would, without the Table machinery (wrapping every
    cell again at each page split and at drawing): the gap report has one per two photos.
    """

    def __init__(self, cells, widths, *, left: float = 0, right: float = 0, top: float = 0, bottom: float = 0):
        super().__init__()
        self.cells = [list(c) if isinstance(c, (list, tuple)) else ([c] if isinstance(c, Flowable) else [])
                      for c in cells]
        self.widths = list(widths)
        self.pad = left, right, top, bottom
        self.hAlign = "CENTER"
        self._placed = None

    def _layout(self):
        """[(x, y below the row's top, flowable)] and the row's height (once: the widths are fixed)."""
        left, right, top, bottom = self.pad
        placed, height, colpos = [], 0, 0
        for cell, w in zip(self.cells, self.widths):
            sizes = [v.wrapOn(None, w - left - right, 72000 - top - bottom) for v in cell]
            if cell:
                t = sum(vh + v.getSpaceAfter() + v.getSpaceBefore() for v, (_, vh) in zip(cell, sizes))
                height = max(height, t - cell[0].getSpaceBefore() - cell[-1].getSpaceAfter() + bottom + top)
            y = -top + (cell[0].getSpaceBefore() if cell else 0)
            for v, (vw, vh) in zip(cell, sizes):
                y -= v.getSpaceBefore()
                y -= vh
                placed.append((colpos + (w + left - right - vw) / 2.0, y, v))
                y -= v.getSpaceAfter()
            colpos += w
        return placed, height

    def wrap(self, availWidth, availHeight):
        if self._placed is None:
            self._placed, self.height = self._layout()
        self.width = sum(self.widths)
        return self.width, self.height

    def draw(self):
        canv, h = self.canv, self.height
        for x, y, v in self._placed:
            if type(v) is not Spacer:  # draws nothing
                v.drawOn(canv, x, h + y)


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


# --------------------------------------------------------------------------- photos

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
    image could not be made); `name` is the photo's own file name, for the note.

    The file is read once, here: its size comes from the JPEG's SOF header and the same
    bytes become the PDF image (not decoded, not read a second time at drawing), unless
    they are far finer than the print needs (MAX_PPI): then they are scaled down once.
    """

    def __init__(self, path, max_w: float, max_h: float, styles: Styles, *, name: str = "",
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
            p = para(self.problem, self.styles.caption)
            p.wrap(self.w - 8, self.h)
            p.drawOn(self.canv, 4, self.h / 2 - p.height / 2)
            return
        self._place(self.canv, 0.0, 0.0)

    def _place(self, canv, x: float, y: float):
        """What canvas.drawImage(path, x, y, w, h) writes, from the bytes already read: the
        image XObject (registered once per file, named as drawImage names it) and
        `q w 0 0 h x y cm /Name Do Q`."""
        name = _digester(f"{self.path}None" if not self.scaled else f"{self.path}@{PRINT_PPI}ppi")
        doc = canv._doc
        reg = doc.getXObjectName(name)
        if doc.idToObject.get(reg) is None:
            img = JpegXObject(name)
            img.width, img.height, img.bitsPerComponent = self.px_w, self.px_h, 8
            img.colorSpace = {1: "DeviceGray", 3: "DeviceRGB"}.get(self.components, "DeviceCMYK")
            if img.colorSpace == "DeviceCMYK":
                img._dotrans = 1  # Adobe CMYK JPEGs are stored inverted (as reportlab does)
            img.streamContent = self.data
            img._filters = ("DCTDecode",)
            img.mask = None
            canv._setXObjects(img)
            doc.Reference(img, reg)
            doc.addForm(name, img)
        canv._currentPageHasImages = 1
        canv._code.append(f"q {num(self.w)} 0 0 {num(self.h)} {num(x)} {num(y)} cm /{reg} Do Q")
        canv._formsinuse.append(name)


class JpegXObject(PDFImageXObject):
    """reportlab's image XObject for JPEG bytes passed through, written faster: the
    dictionary of an image (everything but its length) is formatted by reportlab once per
    kind of image (size, colour space, filters) and reused, where reportlab formats all of
    it, number by number, for each of a report's hundred photos. Same bytes."""

    _heads: dict = {}
    _PROBE = 271828  # a length no image dictionary otherwise contains

    def format(self, document):
        if not isinstance(document.encrypt, NoEncryption) or self.mask or getattr(self, "smask", None):
            return super().format(document)
        key = (self.width, self.height, self.bitsPerComponent, self.colorSpace, tuple(self._filters),
               getattr(self, "_dotrans", 0), tuple(getattr(self, "_decode", None) or ()))
        parts = self._heads.get(key)
        if parts is None:
            probe = PDFImageXObject(self.name)
            probe.__dict__.update(self.__dict__)
            probe.streamContent = bytes(self._PROBE)
            head = PDFImageXObject.format(probe, document)
            head = head[:head.index(b"\nstream\n")]
            at = head.index(b"/Length %d" % self._PROBE) + len(b"/Length ")
            if len(self._heads) > 256:
                self._heads.clear()
            parts = self._heads[key] = (head[:at], head[at + len(b"%d" % self._PROBE):] + b"\nstream\n")
        content = self.streamContent
        return b"".join((parts[0], b"%d" % len(content), parts[1], content, b"endstream\n"))


_SOF = (0xC0, 0xC1, 0xC2)  # baseline, extended sequential, progressive: what PDF viewers take
_SOF_UNSUPPORTED = (0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF)
_NO_LENGTH = (0x01, 0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8)


def jpeg_info(data: bytes) -> tuple[int, int, int]:
    """(width, height, components) from a JPEG's SOF header, reading marker segments the
    way reportlab's readJPEGInfo does, without decoding anything. ValueError (or
    IndexError on a truncated file) when it is not an 8-bit JPEG a PDF can carry."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    i = 2
    while True:
        i = data.index(b"\xff", i)
        marker = data[i + 1]
        i += 2
        if marker in _SOF:
            if data[i + 2] != 8:
                raise ValueError("JPEG must have 8 bits per component")
            return (data[i + 5] << 8) + data[i + 6], (data[i + 3] << 8) + data[i + 4], data[i + 7]
        if marker in _SOF_UNSUPPORTED:
            raise ValueError(f"unsupported JPEG marker {marker:02x}")
        if marker == 0xFF:  # fill byte before a marker
            i -= 1
        elif marker not in _NO_LENGTH:
            i += (data[i] << 8) + data[i + 1]


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
