"""Middle pane: the checklist tree. Arrows move between items; value keys (Y/N, digits,
"-", Delete) typed here go straight to the item's value editor."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTreeView, QVBoxLayout, QWidget

from .models.checklist_model import (COL_POINTS, COL_REVIEW, COL_SELF, COL_TITLE, ChecklistModel, CodeRole,
                                     NodeKindRole)

VALUE_KEYS = {Qt.Key.Key_Y, Qt.Key.Key_N, Qt.Key.Key_Space, Qt.Key.Key_Minus, Qt.Key.Key_Plus, Qt.Key.Key_Period,
              Qt.Key.Key_Delete, Qt.Key.Key_Backspace} | {getattr(Qt.Key, f"Key_{i}") for i in range(10)}


class ChecklistView(QTreeView):
    enterPressed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.key_handler = None  # callable(key, text) -> bool, set by the main window
        # the current row stays plainly marked while the focus is in the item pane
        # (Qt's inactive highlight is a faint grey there)
        palette = self.palette()
        palette.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight, QColor("#c6dafc"))
        palette.setColor(QPalette.ColorGroup.Inactive, QPalette.ColorRole.HighlightedText, QColor("#202124"))
        self.setPalette(palette)

    def moveCursor(self, action, modifiers):
        """↑ / ↓ go from item to item: an open section's header row is passed over (its
        items follow it); a closed one is a stop, so → can open it."""
        index = super().moveCursor(action, modifiers)
        if action not in (QAbstractItemView.CursorAction.MoveDown, QAbstractItemView.CursorAction.MoveUp):
            return index
        current = self.currentIndex()
        down = action == QAbstractItemView.CursorAction.MoveDown
        while index.isValid() and self._is_open_section(index):
            following = self.indexBelow(index) if down else self.indexAbove(index)
            if not following.isValid():  # a header at the very top: stay where we are
                return current if current.isValid() else index
            index = following
        return index

    def _is_open_section(self, index) -> bool:
        first = index.siblingAtColumn(0)
        return first.data(NodeKindRole) == "category" and self.isExpanded(first)

    def keyPressEvent(self, event):
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier & ~Qt.KeyboardModifier.ShiftModifier
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not mods:
            self.enterPressed.emit()
            return
        if not mods and event.key() in VALUE_KEYS and self.key_handler is not None:
            if self.key_handler(event.key(), event.text()):
                event.accept()
                return
        super().keyPressEvent(event)


class ChecklistPane(QWidget):
    currentCodeChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = ChecklistModel(parent=self)
        self.title = QLabel("条目")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)
        self.view = ChecklistView()
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setAlternatingRowColors(True)
        self.view.setExpandsOnDoubleClick(True)
        self.view.setIndentation(14)  # four levels deep leaves room for the item names
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_TITLE, QHeaderView.ResizeMode.Stretch)
        for col in (COL_POINTS, COL_SELF, COL_REVIEW):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.view, 1)
        self.set_mode("self")

    def set_session(self, session, title: str = "") -> None:
        self.model.set_session(session)
        self.title.setText(title or "条目")
        self.view.expandAll()

    def set_mode(self, mode: str) -> None:
        self.model.set_mode(mode)
        self.view.setColumnHidden(COL_REVIEW, mode == "self")  # 考评 (复核 mode: 复核) beside
        # side by side the two score columns are compact (a section shows its points, its
        # answered count is in the tooltip), so the item names keep their room
        fm = self.view.fontMetrics()
        sample = "99.5/100" if mode != "self" else "99.5/100 · 99/99"
        self.view.setColumnWidth(COL_POINTS, fm.horizontalAdvance("分值") + 20)
        for col in (COL_SELF, COL_REVIEW):
            self.view.setColumnWidth(col, fm.horizontalAdvance(sample) + 14)

    def _current_changed(self, current: QModelIndex, _previous) -> None:
        code = current.data(CodeRole) if current.isValid() else None
        if code:
            self.currentCodeChanged.emit(code)

    def current_code(self) -> str | None:
        index = self.view.currentIndex()
        return index.data(CodeRole) if index.isValid() else None

    def select_code(self, code: str) -> bool:
        index = self.model.index_of(code)
        if not index.isValid():
            return False
        parent = index.parent()
        while parent.isValid():
            self.view.expand(parent)
            parent = parent.parent()
        self.view.setCurrentIndex(index)
        self.view.scrollTo(index, QTreeView.ScrollHint.PositionAtCenter)
        return True
