"""Two painted charts for the 军分区 view (QPainter only: no web engine, no QtCharts).

Both take plain data — a list of (label, value) — and know nothing of the workspace:

- `BarChart`: one horizontal bar per label (a county's 达标率), labels on the left so that
  Chinese names stay upright and whole; one row per label, so with many counties the
  chart grows taller and its scroll area scrolls (`sizeHint`). An optional reference
  line (the city's rate) is drawn across all bars.
- `Histogram`: vertical bars of counts per bin (scores 90–100, 80–89 …), the few bin
  labels under them (a label too wide for its bar, "85–90", goes on two lines at "–").

Empty data paints a one-line message instead of an empty frame.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_COLOR = QColor("#1a73e8")
LOW_COLOR = QColor("#d93025")  # a bar below the reference line
GRID_COLOR = QColor("#dadce0")
TEXT_COLOR = QColor("#202124")
MUTED_COLOR = QColor("#5f6368")
EMPTY_TEXT = "暂无数据"

def _percent(value: float) -> str:
    """87.5 -> '87.5%', 100.0 -> '100%' (as the county table shows rates)."""
    text = f"{value:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


class _Chart(QWidget):
    """Shared: the data, a title, the empty message, white background."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(parent)
        self.title = title
        self.data: list[tuple[str, float]] = []
        self.empty_text = EMPTY_TEXT
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor("white"))
        self.setPalette(pal)

    def set_data(self, data: Sequence[tuple[str, float]], empty_text: str = EMPTY_TEXT) -> None:
        """Show these (label, value) pairs; none: `empty_text`."""
        self.data = [(str(label), float(value)) for label, value in data]
        self.empty_text = empty_text
        self.updateGeometry()
        self.update()

    def _title_height(self) -> int:
        return self.fontMetrics().height() + 8 if self.title else 4

    def _paint_frame(self, p: QPainter) -> bool:
        """Title and, without data, the empty message; False when there is nothing more to draw."""
        fm = self.fontMetrics()
        if self.title:
            font = p.font()
            font.setBold(True)
            p.setFont(font)
            p.setPen(TEXT_COLOR)
            p.drawText(QRectF(8, 4, self.width() - 16, fm.height()), Qt.AlignmentFlag.AlignLeft, self.title)
            font.setBold(False)
            p.setFont(font)
        if not self.data:
            p.setPen(MUTED_COLOR)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return False
        return True


class BarChart(_Chart):
    """Horizontal bars, one per (label, value), values on a 0..`maximum` scale."""

    ROW = 22  # px per bar row, before the font is taken into account

    def __init__(self, title: str = "", maximum: float = 100.0, fmt: Callable[[float], str] = _percent,
                 parent=None):
        super().__init__(title, parent)
        self.maximum = maximum
        self.fmt = fmt
        self.reference: tuple[str, float] | None = None  # (label, value): a line across the bars
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_reference(self, label: str | None, value: float | None) -> None:
        """A dashed line at `value` across all bars, named by `label` (None: no line)."""
        self.reference = (label or "", float(value)) if value is not None else None
        self.update()

    def _row_height(self) -> int:
        return max(self.ROW, self.fontMetrics().height() + 6)

    def _top(self) -> int:
        return self._title_height() + (self.fontMetrics().height() + 2 if self.reference else 0)

    def sizeHint(self) -> QSize:
        rows = max(len(self.data), 3)
        return QSize(360, self._top() + rows * self._row_height() + 8)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, self.sizeHint().height())

    def label_width(self) -> int:
        """The width of the label column: the longest label, at most 40% of the chart."""
        fm = self.fontMetrics()
        widest = max((fm.horizontalAdvance(label) for label, _ in self.data), default=0)
        return min(widest + 12, int(self.width() * 0.4))

    def bar_rects(self) -> list[QRectF]:
        """Where each bar is drawn (also what the tests look at)."""
        fm = self.fontMetrics()
        left = self.label_width()
        value_room = fm.horizontalAdvance(self.fmt(self.maximum)) + 10
        span = max(10.0, self.width() - left - value_room - 8)
        row = self._row_height()
        top = self._top()
        out = []
        for i, (_label, value) in enumerate(self.data):
            share = 0.0 if self.maximum <= 0 else max(0.0, min(1.0, value / self.maximum))
            out.append(QRectF(left, top + i * row + 3, max(1.0, span * share) if value > 0 else 0.0, row - 6))
        return out

    def paintEvent(self, event):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        try:
            if not self._paint_frame(p):
                return
            fm = self.fontMetrics()
            left = self.label_width()
            value_room = fm.horizontalAdvance(self.fmt(self.maximum)) + 10
            span = max(10.0, self.width() - left - value_room - 8)
            row = self._row_height()
            top = self._top()
            bottom = top + len(self.data) * row
            p.setPen(QPen(GRID_COLOR, 1))
            for step in range(5):
                x = left + span * step / 4
                p.drawLine(int(x), top, int(x), bottom)
            ref = self.reference
            for i, ((label, value), rect) in enumerate(zip(self.data, self.bar_rects())):
                y = top + i * row
                p.setPen(TEXT_COLOR)
                shown = fm.elidedText(label, Qt.TextElideMode.ElideMiddle, left - 8)
                p.drawText(QRectF(0, y, left - 6, row), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           shown)
                low = ref is not None and value < ref[1]
                p.fillRect(rect, LOW_COLOR if low else BAR_COLOR)
                p.setPen(MUTED_COLOR)
                p.drawText(QRectF(rect.right() + 4, y, value_room, row),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.fmt(value))
            if ref is not None and self.maximum > 0:
                x = left + span * max(0.0, min(1.0, ref[1] / self.maximum))
                p.setPen(QPen(MUTED_COLOR, 1, Qt.PenStyle.DashLine))
                p.drawLine(int(x), top - 2, int(x), bottom)
                text = f"{ref[0]} {self.fmt(ref[1])}".strip()
                w = fm.horizontalAdvance(text)
                tx = min(max(left, x - w / 2), self.width() - w - 4)
                p.drawText(QRectF(tx, top - fm.height() - 2, w + 2, fm.height()), Qt.AlignmentFlag.AlignLeft, text)
        finally:
            p.end()


class Histogram(_Chart):
    """Vertical bars of counts, one per (bin label, count), the labels under them."""

    def __init__(self, title: str = "", parent=None):
        super().__init__(title, parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(360, 220)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, 150)

    def _plot(self) -> QRectF:
        """The area the bars stand in: room for the title, counts above, labels below."""
        fm = self.fontMetrics()
        top = self._title_height() + fm.height() + 2
        bottom = self.height() - 2 * fm.height() - 8
        return QRectF(8, top, max(10, self.width() - 16), max(10, bottom - top))

    def bar_rects(self) -> list[QRectF]:
        """Where each bar is drawn (also what the tests look at)."""
        if not self.data:
            return []
        plot = self._plot()
        peak = max((v for _, v in self.data), default=0) or 1
        slot = plot.width() / len(self.data)
        gap = min(8.0, slot * 0.15)
        out = []
        for i, (_label, value) in enumerate(self.data):
            h = plot.height() * max(0.0, value) / peak
            out.append(QRectF(plot.left() + i * slot + gap / 2, plot.bottom() - h, slot - gap, h))
        return out

    def paintEvent(self, event):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        try:
            if not self._paint_frame(p):
                return
            fm = self.fontMetrics()
            plot = self._plot()
            p.setPen(QPen(GRID_COLOR, 1))
            p.drawLine(int(plot.left()), int(plot.bottom()), int(plot.right()), int(plot.bottom()))
            slot = plot.width() / len(self.data)
            for (label, value), rect in zip(self.data, self.bar_rects()):
                p.fillRect(rect, BAR_COLOR)
                p.setPen(MUTED_COLOR)
                p.drawText(QRectF(rect.left() - 4, rect.top() - fm.height() - 1, rect.width() + 8, fm.height()),
                           Qt.AlignmentFlag.AlignCenter, f"{value:g}")
                p.setPen(TEXT_COLOR)
                shown = label if fm.horizontalAdvance(label) <= slot - 2 else label.replace("–", "–\n", 1)
                p.drawText(QRectF(rect.center().x() - slot / 2, plot.bottom() + 3, slot, 2 * fm.height()),
                           Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, shown)
        finally:
            p.end()
