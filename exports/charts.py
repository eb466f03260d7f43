"""Charts for the printed summaries, drawn with reportlab.graphics (vector, fonts embedded):
horizontal bars of a rate per county, and a histogram of scores.

Hand-drawn shapes rather than reportlab's chart widgets: Chinese labels in our registered
faces, labels that never overlap however many counties, and bars in chunks that fit a
page (a Drawing does not split across pages).
"""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics

from checklists.numbers import display

BAR = colors.Color(0.30, 0.45, 0.70)
BAR_LOW = colors.Color(0.80, 0.35, 0.30)  # a rate under the line drawn (e.g. the city's)
GRID = colors.Color(0.75, 0.75, 0.75)
INK = colors.black


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text cut (with …) to fit in `width` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _drawing(width: float, height: float, font: str, size: float) -> Drawing:
    """A Drawing that starts in our font (else reportlab sets Helvetica, not embedded)."""
    d = Drawing(width, height)
    d.initialFontName, d.initialFontSize = font, size
    return d


def rate_bars(rows: list, font: str, width: float, *, mark=None, mark_label: str = "", per_chart: int = 36,
              bar_h: float = 4.6 * mm, size: float = 9) -> list[Drawing]:
    """Horizontal bars of a rate (0..1, or None: no bar, “—”) per label, in the order given,
    in Drawings of at most `per_chart` bars each. `mark`: a rate drawn as a dashed line
    (the city's), bars below it in another colour."""
    out = []
    label_w = min(36 * mm, max((pdfmetrics.stringWidth(str(r[0]), font, size) for r in rows), default=0) + 4)
    value_w = pdfmetrics.stringWidth("100.0%", font, size) + 6
    plot_w = width - label_w - value_w
    size_each = -(-len(rows) // -(-len(rows) // per_chart)) if rows else per_chart  # charts of even size
    for start in range(0, len(rows), size_each):
        part = rows[start:start + size_each]
        axis_h = size + 6
        height = len(part) * bar_h + axis_h + (size + 4 if mark is not None else 0)
        d = _drawing(width, height, font, size)
        top = height - (size + 4 if mark is not None else 0)
        x0 = label_w
        for k in range(0, 11, 2):  # grid and axis labels at 0, 20 ... 100 %
            x = x0 + plot_w * k / 10
            d.add(Line(x, axis_h, x, top, strokeColor=GRID, strokeWidth=0.4))
            d.add(String(x, 1, f"{k * 10}%", fontName=font, fontSize=size - 1, textAnchor="middle"))
        for n, (label, rate) in enumerate(part):
            y = top - (n + 1) * bar_h
            d.add(String(x0 - 3, y + bar_h * 0.3, _fit(str(label), font, size, label_w - 4), fontName=font,
                         fontSize=size, textAnchor="end"))
            if rate is None:
                d.add(String(x0 + 2, y + bar_h * 0.3, "—", fontName=font, fontSize=size))
                continue
            w = plot_w * float(rate)
            low = mark is not None and rate < mark
            d.add(Rect(x0, y + bar_h * 0.15, w, bar_h * 0.7, fillColor=BAR_LOW if low else BAR, strokeColor=None))
            d.add(String(x0 + w + 2, y + bar_h * 0.3, f"{display(rate * 100, 1)}%", fontName=font, fontSize=size))
        d.add(Line(x0, axis_h, x0, top, strokeColor=INK, strokeWidth=0.6))
        if mark is not None:
            x = x0 + plot_w * float(mark)
            d.add(Line(x, axis_h, x, top + 2, strokeColor=INK, strokeWidth=0.6, strokeDashArray=[2, 2]))
            d.add(String(x, top + 3, mark_label, fontName=font, fontSize=size - 1, textAnchor="middle"))
        out.append(d)
    return out


def nice_step(most: int, lines: int = 5) -> int:
    """A grid step of 1, 2 or 5 times a power of ten giving about `lines` lines up to `most`."""
    raw, power = max(1, most / lines), 1
    while power * 10 <= raw:
        power *= 10
    return next(power * m for m in (1, 2, 5, 10) if power * m >= raw)


def histogram(bins: list, font: str, width: float, height: float = 60 * mm, *, size: float = 9,
              x_label: str = "得分", y_label: str = "单位数", mark=None, mark_label: str = "") -> Drawing:
    """Vertical bars of a histogram: bins are (lower, upper, count); the count over each
    bar, the bin's edges under it. `mark`: a score drawn as a dashed line (the 达标 line)."""
    d = _drawing(width, height, font, size)
    left, bottom, top_pad = pdfmetrics.stringWidth("0000", font, size) + 8, 2 * size + 8, size + 6
    plot_w, plot_h = width - left - 4, height - bottom - top_pad
    most = max((c for _, _, c in bins), default=0) or 1
    step = nice_step(most)
    ceiling = step * -(-most // step)
    for k in range(0, ceiling + 1, step):
        y = bottom + plot_h * k / ceiling
        d.add(Line(left, y, left + plot_w, y, strokeColor=GRID, strokeWidth=0.4))
        d.add(String(left - 3, y - size * 0.35, str(k), fontName=font, fontSize=size - 1, textAnchor="end"))
    scale = plot_h / ceiling
    n = len(bins) or 1
    bw = plot_w / n
    for k, (lo, _, count) in enumerate(bins):
        x = left + k * bw
        if count:
            d.add(Rect(x + bw * 0.08, bottom, bw * 0.84, count * scale, fillColor=BAR, strokeColor=None))
            d.add(String(x + bw / 2, bottom + count * scale + 2, str(count), fontName=font, fontSize=size - 1,
                         textAnchor="middle"))
        d.add(String(x, bottom - size - 1, display(lo), fontName=font, fontSize=size - 1, textAnchor="middle"))
    if bins:
        d.add(String(left + plot_w, bottom - size - 1, display(bins[-1][1]), fontName=font, fontSize=size - 1,
                     textAnchor="middle"))
        if mark is not None and bins[0][0] <= mark <= bins[-1][1]:
            span = bins[-1][1] - bins[0][0]
            x = left + plot_w * float((mark - bins[0][0]) / span) if span else left
            d.add(Line(x, bottom, x, bottom + plot_h + 2, strokeColor=BAR_LOW, strokeWidth=0.8,
                       strokeDashArray=[3, 2]))
            d.add(String(x, bottom + plot_h + 3, mark_label, fontName=font, fontSize=size - 1, textAnchor="middle"))
    d.add(Line(left, bottom, left + plot_w, bottom, strokeColor=INK, strokeWidth=0.6))
    d.add(String(left + plot_w / 2, 1, x_label, fontName=font, fontSize=size, textAnchor="middle"))
    d.add(String(left, height - size, y_label, fontName=font, fontSize=size - 1, textAnchor="middle"))
    return d
