"""Left pane: units (county > town > 营连) and their assessments by year, with level badges."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QStyledItemDelegate, QTreeView,
                               QVBoxLayout, QWidget)

from .models.units_model import BadgeColorRole, BadgePendingRole, IdRole, NodeKindRole, UnitsModel

# A badge not scored yet takes the room of this one, so the column does not jump when
# the badges arrive (most are as wide or narrower: "达标 86.5", "未填").
PENDING_BADGE = "未达标 88.5"


class BadgeDelegate(QStyledItemDelegate):
    """Paints column 1 as a rounded pill in the row's badge colour."""

    def initStyleOption(self, option, index):  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        if index.data(BadgePendingRole):
            option.text = PENDING_BADGE  # sized as a badge, painted empty (see paint)

    def paint(self, painter: QPainter, option, index):
        pending = index.data(BadgePendingRole)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        color = index.data(BadgeColorRole)
        if not pending and (not text or not isinstance(color, QColor)):
            super().paint(painter, option, index)
            return
        painter.save()
        # Selected, asked of the view rather than of option.state: reading a QStyle flag
        # from Python makes PySide build all of QStyle's enums (about 15 ms at first paint).
        view = option.widget
        if view is not None and view.selectionModel().isSelected(index):
            painter.fillRect(option.rect, option.palette.highlight())
        if pending:
            painter.restore()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = option.fontMetrics
        w = min(option.rect.width() - 4, fm.horizontalAdvance(text) + 14)
        h = min(option.rect.height() - 4, fm.height() + 4)
        rect = QRectF(option.rect.left() + 2, option.rect.center().y() - h / 2 + 1, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        return QSize(size.width() + 14, max(size.height(), option.fontMetrics.height() + 8))


class UnitsPane(QWidget):
    assessmentSelected = Signal(str)
    unitSelected = Signal(str)
    newUnitRequested = Signal()
    newAssessmentRequested = Signal()
    enterPressed = Signal()

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        # Badges are scored once the tree has been painted (the window shows first).
        self.model = UnitsModel(ws, self, defer_badges=True)
        self.view = _UnitsView()
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setItemDelegateForColumn(1, BadgeDelegate(self.view))
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setIndentation(14)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.enterPressed.connect(self.enterPressed.emit)
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.timeout.connect(self._fill_badges)
        self.view.firstPainted.connect(self._fill_timer.start)
        self.view.expandAll()

        title = QLabel("单位与考评")
        title.setStyleSheet("font-weight: bold;")
        self.new_unit = QPushButton("新建单位…")
        self.new_unit.clicked.connect(self.newUnitRequested.emit)
        self.new_assessment = QPushButton("新建考评…")
        self.new_assessment.clicked.connect(self.newAssessmentRequested.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_unit)
        buttons.addWidget(self.new_assessment)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.model.modelReset.connect(self.view.expandAll)

    def _fill_badges(self) -> None:
        """A slice of the start-up badges; again on the next turn while some are left
        and the tree is on screen (a hidden tree is painted, and so restarted, when shown)."""
        if self.isVisible() and self.model.fill_badges():
            self._fill_timer.start()

    def _current_changed(self, current: QModelIndex, _previous) -> None:
        if not current.isValid():
            return
        kind = current.data(NodeKindRole)
        record_id = current.data(IdRole)
        if kind == "assessment":
            self.assessmentSelected.emit(record_id)
        elif kind == "unit":
            self.unitSelected.emit(record_id)

    def current_unit_id(self) -> str | None:
        """The selected unit, or the unit of the selected assessment."""
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        index = index.siblingAtColumn(0)
        if index.data(NodeKindRole) == "assessment":
            row = index.data(Qt.ItemDataRole.UserRole + 4)
            return row["unit_id"]
        return index.data(IdRole)

    def select(self, record_id: str) -> None:
        index = self.model.index_of(record_id)
        if index.isValid():
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def reload(self, select_id: str | None = None) -> None:
        current = select_id or self.view.currentIndex().data(IdRole)
        blocker = self.view.selectionModel().blockSignals(True)
        self.model.reload()
        self.view.selectionModel().blockSignals(blocker)
        if current:
            index = self.model.index_of(current)
            if index.isValid():
                self.view.selectionModel().blockSignals(True)
                self.view.setCurrentIndex(index)
                self.view.selectionModel().blockSignals(False)
                self.view.scrollTo(index)
        if select_id:
            self._current_changed(self.model.index_of(select_id), None)


class _UnitsView(QTreeView):
    enterPressed = Signal()
    firstPainted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._painted = False

    def paintEvent(self, event):  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.firstPainted.emit()

    def hideEvent(self, event):  # noqa: N802 - Qt's name
        super().hideEvent(event)
        self._painted = False  # shown again: the next paint resumes any badges left

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enterPressed.emit()
            return
        super().keyPressEvent(event)
