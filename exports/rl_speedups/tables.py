"""Table cell drawing and measuring without reportlab's per-cell work.

A gap report has some 600 table cells and 350 ruled segments, and reportlab's Table
measures its cells again each time it is measured: when kept with its heading, at each
page split and when drawn. What is replaced, and by what:

* `FastCellTable._drawCell` replaces `Table._drawCell` for a cell holding one flowable of
  the classes named in `fast_cells`: the same placement, step for step (its branch for a
  list of flowables, `_listCellGeom` included), without the lists it builds for any cell.
  Other cells (strings, lists, links) go to reportlab's own `_drawCell`.
* `FastCellTable._drawLines` runs reportlab's `_drawLines` with `canv.line` swapped for a
  function writing the same `n x1 y1 m x2 y2 l S` with remembered number formatting
  (reportlab swaps `canv.line` itself the same way while it draws rounded corners).
* `shared_cell_styles` applies the cell-level commands (font, alignment, padding) as
  `Table.setStyle` would (through reportlab's own `_setCellStyle`) but makes one
  `CellStyle` per distinct combination instead of one per cell: the Table then switches
  fill colour and font when the style changes, not at every cell.
* `row_heights` computes each row's height exactly as `Table._calc_height` does from the
  cells, once; given to the Table as `rowHeights`, no cell is wrapped again when measured.
* `CellRow` is one row of an unruled layout Table (VALIGN TOP, ALIGN CENTER) as a
  flowable of its own: the gap report's photo pages are a list of these, which flow and
  break between pages exactly as the Table's rows would, without the Table re-measuring
  at every page split.

Reaches into (checked against reportlab 5.1.0; the guard test lists them):
`Table._drawCell(cellval, cellstyle, pos, size)` and `Table._drawLines()` (overridden),
`Table._curcellstyle` (the style last drawn, reset by `Table.draw`), `Table.canv`,
`Canvas.line` (swapped on the canvas instance) and `Canvas._code`, `CellStyle(name)` and
its fields, `tables._setCellStyle(cellStyles, i, j, op, values)`, `Table(...,
rowHeights=, cellStyles=)`.

If reportlab changes: should `_drawCell` place cells differently, ours would still place
them the old way (the guard test fingerprints the functions followed here and fails);
should `_setCellStyle` start copying styles, or a command after construction change one
cell's style in place, every cell sharing that CellStyle would change with it (cell-level
commands are therefore applied here, before the Table exists); should the Table stop
calling `canv.line` for rules, rules would be drawn by reportlab as before (slower, same).
"""

from __future__ import annotations

from reportlab.platypus import Flowable, Spacer, Table
from reportlab.platypus.tables import CellStyle, _setCellStyle

from .caches import num

CALLS = {
    "reportlab.platypus.tables.Table._drawCell": "self cellval cellstyle pos size",
    "reportlab.platypus.tables.Table._drawLines": "self",
    "reportlab.platypus.tables.Table.__init__": "self data colWidths rowHeights repeatRows hAlign cellStyles "
                                                "rowSplitRange",
    "reportlab.platypus.tables.CellStyle.__init__": "self name",
    "reportlab.platypus.tables._setCellStyle": "cellStyles i j op values",
    "reportlab.pdfgen.canvas.Canvas.line": "self x1 y1 x2 y2",
    "reportlab.pdfgen.canvas.Canvas.setFillColor": "self aColor",
    "reportlab.pdfgen.canvas.Canvas.setFont": "self psfontname size leading",
}
ATTRIBUTES = {
    "reportlab.platypus.tables.Table": ("_curcellstyle", "canv", "_cellvalues", "_cellStyles", "_argH"),
    "reportlab.platypus.tables.CellStyle": ("color", "leading", "fontname", "fontsize", "topPadding",
                                            "bottomPadding", "leftPadding", "rightPadding", "valign", "alignment",
                                            "href", "destination"),
    "reportlab.pdfgen.canvas.Canvas": ("_code",),
}
FOLLOWS = {
    "reportlab.platypus.tables.Table._drawCell": "14bd82ec5fd6",  # FastCellTable._drawCell, CellRow
    "reportlab.platypus.tables.Table._listCellGeom": "c5766a6cd692",  # row_heights, CellRow
    "reportlab.platypus.tables.Table._calc_height": "8ed4c3fce73e",  # row_heights
    "reportlab.platypus.tables.Table.draw": "9d67df280df9",  # resets _curcellstyle, draws cells then lines
    "reportlab.platypus.tables.Table.setStyle": "935a037188f1",  # shared_cell_styles
    "reportlab.pdfgen.canvas.Canvas.line": "bfe9dde26ad1",  # FastCellTable._drawLines
}


class FastCellTable(Table):
    """reportlab's Table, drawing cells of one of `fast_cells` (exact classes: flowables
    whose drawOn sets its own state) and its rules without reportlab's per-cell overhead;
    cells of `blank_cells` draw nothing (only the cell style is switched, as reportlab
    does before drawing any cell)."""

    fast_cells: tuple = ()
    blank_cells: tuple = ()

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
        """A cell holding one flowable, placed as reportlab's Table._drawCell places it,
        step for step, without building the lists it makes for any cell."""
        if type(cellval) not in self.fast_cells or cellstyle.href or cellstyle.destination:
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
        if type(cellval) in self.blank_cells:
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


_CELL_OPS = frozenset({"FONT", "FONTNAME", "FACE", "SIZE", "FONTSIZE", "LEADING", "TEXTCOLOR", "ALIGN", "ALIGNMENT",
                       "VALIGN", "LEFTPADDING", "RIGHTPADDING", "TOPPADDING", "BOTTOMPADDING"})


def shared_cell_styles(nrows: int, ncols: int, commands) -> tuple[list, list]:
    """The cell style of every cell, applying the cell-level commands (font, alignment,
    padding) as reportlab's Table.setStyle would, but one CellStyle per distinct
    combination shared by the cells that have it instead of one per cell. Returns the
    styles (for Table(cellStyles=...)) and the other commands (rules, spans) for setStyle."""
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


def row_heights(data, widths, spans, pad) -> list[float] | None:
    """Each row's height exactly as reportlab's Table computes it from its cells: the
    flowables of a cell stacked (their space before/after included, less the first one's
    before and the last one's after) plus top and bottom padding, the tallest cell of the
    row; a cell spanning columns wraps at their total width, the cells it covers do not
    count. Given to the Table, it no longer wraps every cell again each time it is
    measured, kept together with its heading, split at a page end and measured again.
    pad: (left, right, top, bottom), the same for every cell. None (reportlab computes
    them) for spans over several rows."""
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
            h = max(h, t)
        heights.append(h)
    return heights


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
