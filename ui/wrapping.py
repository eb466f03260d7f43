"""Widgets for the narrow item pane (1024×768 screens): radio buttons and check boxes
whose text wraps instead of being clipped, and a focus ring that shows plainly which
control the keyboard is on."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QCheckBox, QLayout, QLineEdit, QRadioButton,
                               QSizePolicy, QStyle, QStyleOptionButton, QStylePainter, QWidget)

MARGIN = 2  # around the indicator and the text, room for the focus ring
FOCUS_COLOR = QColor("#1a73e8")


class _Wrapping:
    """Shared by WrapRadioButton and WrapCheckBox: the text wraps to the width the layout
    gives; the indicator sits on the first line; a click anywhere on the text toggles."""

    _INDICATOR: tuple  # (width metric, height metric, spacing metric, primitive)

    def _setup(self) -> None:
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def _metrics(self) -> tuple[int, int, int]:
        w_metric, h_metric, s_metric, _ = self._INDICATOR
        style = self.style()
        return (style.pixelMetric(w_metric, None, self), style.pixelMetric(h_metric, None, self),
                style.pixelMetric(s_metric, None, self))

    def _text_width(self, width: int) -> int:
        iw, _ih, spacing = self._metrics()
        return max(1, width - iw - spacing - 2 * MARGIN)

    def _text_height(self, text_width: int) -> int:
        flags = int(Qt.TextFlag.TextWordWrap) | int(Qt.AlignmentFlag.AlignLeft)
        return self.fontMetrics().boundingRect(QRect(0, 0, text_width, 100_000), flags, self.text()).height()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        _iw, ih, _s = self._metrics()
        return max(ih, self._text_height(self._text_width(width))) + 2 * MARGIN

    def sizeHint(self) -> QSize:  # noqa: N802
        iw, _ih, spacing = self._metrics()
        one_line = iw + spacing + self.fontMetrics().horizontalAdvance(self.text()) + 2 * MARGIN + 2
        width = min(one_line, 420)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        iw, _ih, spacing = self._metrics()
        width = iw + spacing + self.fontMetrics().horizontalAdvance("国国国国国") + 2 * MARGIN
        return QSize(width, self.heightForWidth(width))

    def hitButton(self, pos: QPoint) -> bool:  # noqa: N802
        return self.rect().contains(pos)

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QStylePainter(self)
        iw, ih, spacing = self._metrics()
        option = QStyleOptionButton()
        option.initFrom(self)
        option.state |= QStyle.StateFlag.State_On if self.isChecked() else QStyle.StateFlag.State_Off
        if self.isDown():
            option.state |= QStyle.StateFlag.State_Sunken
        line = self.fontMetrics().height()
        option.rect = QRect(MARGIN, MARGIN + max(0, (line - ih) // 2), iw, ih)
        painter.drawPrimitive(self._INDICATOR[3], option)
        text_rect = QRect(MARGIN + iw + spacing, MARGIN, self._text_width(self.width()), self.height() - 2 * MARGIN)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(Qt.TextFlag.TextWordWrap)
        self.style().drawItemText(painter, text_rect, flags, self.palette(), self.isEnabled(), self.text(),
                                  QPalette.ColorRole.WindowText)


class WrapRadioButton(_Wrapping, QRadioButton):
    _INDICATOR = (QStyle.PixelMetric.PM_ExclusiveIndicatorWidth, QStyle.PixelMetric.PM_ExclusiveIndicatorHeight,
                  QStyle.PixelMetric.PM_RadioButtonLabelSpacing, QStyle.PrimitiveElement.PE_IndicatorRadioButton)

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._setup()


class WrapCheckBox(_Wrapping, QCheckBox):
    _INDICATOR = (QStyle.PixelMetric.PM_IndicatorWidth, QStyle.PixelMetric.PM_IndicatorHeight,
                  QStyle.PixelMetric.PM_CheckBoxLabelSpacing, QStyle.PrimitiveElement.PE_IndicatorCheckBox)

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._setup()


class FocusRing(QWidget):
    """A blue frame drawn around whichever control inside `area` has the keyboard focus
    (Qt's own focus marks are faint or missing in some styles: a person pressing Space
    must see what it will press). Transparent to the mouse; follows the control when
    it moves, resizes or hides."""

    def __init__(self, area: QWidget):
        super().__init__(area)
        self.area = area
        self.target: QWidget | None = None
        self._watched: list[QWidget] = []
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.hide()
        self._watcher = _Watcher(self)
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old, new) -> None:
        target = new if new is not None and new is not self.area and self.area.isAncestorOf(new) else None
        if isinstance(target, QLineEdit) and isinstance(target.parentWidget(), QAbstractSpinBox):
            target = target.parentWidget()  # ring the whole spin box
        for widget in self._watched:
            try:
                widget.removeEventFilter(self._watcher)
            except RuntimeError:  # already deleted (an item's editor is rebuilt per item)
                pass
        self._watched = []
        self.target = target
        # the control, and every box between it and the pane: any of them may move it
        widget = target
        while widget is not None and widget is not self.area:
            widget.installEventFilter(self._watcher)
            self._watched.append(widget)
            widget = widget.parentWidget()
        self.place()

    def place(self) -> None:
        t = self.target
        try:
            visible = t is not None and t.isVisible() and self.area.isAncestorOf(t)
        except RuntimeError:  # deleted
            visible = False
        if not visible:
            self.hide()
            return
        top_left = t.mapTo(self.area, QPoint(0, 0))
        self.setGeometry(QRect(top_left, t.size()).adjusted(-3, -3, 3, 3))
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(FOCUS_COLOR, 2))
        painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 4, 4)


class _Watcher(QObject):
    MOVES = {QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide}

    def __init__(self, ring: FocusRing):
        super().__init__(ring)
        self.ring = ring

    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() in self.MOVES:
            self.ring.place()
        return False


class FlowLayout(QLayout):
    """Widgets side by side, going on to the next line when the width runs out (the
    answer buttons, 不涉及 and 清除 on a narrow pane). Left-aligned; height for width."""

    def __init__(self, parent=None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        width = sum(i.sizeHint().width() for i in self._visible()) + self._spacing * max(0, len(self._visible()) - 1)
        height = max((i.sizeHint().height() for i in self._visible()), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._visible():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _visible(self) -> list:
        return [i for i in self._items if not (i.widget() is not None and i.widget().isHidden())]

    def _arrange(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._visible():
            hint = item.sizeHint()
            if x > area.x() and x + hint.width() > area.right() + 1:
                x, y, line_height = area.x(), y + line_height + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), QSize(min(hint.width(), area.width()), hint.height())))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + m.bottom()
