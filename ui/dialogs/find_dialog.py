"""Ctrl+F: find an item by code or by words in its title and texts."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListView, QVBoxLayout

CodeRole = Qt.ItemDataRole.UserRole + 1


def find_items(checklist, query: str, limit: int = 200) -> list:
    """Items whose code starts with the query, then those containing every word of it."""
    q = query.strip()
    if not q:
        return list(checklist.items())[:limit]
    words = q.lower().split()
    exact, prefix, words_hit = [], [], []
    for item in checklist.items():
        if item.code == q:
            exact.append(item)
        elif item.code.startswith(q):
            prefix.append(item)
        else:
            hay = " ".join((item.code, item.title, item.requirement, item.excellent or "", item.guidance or "")).lower()
            if all(w in hay for w in words):
                words_hit.append(item)
    return (exact + prefix + words_hit)[:limit]


class FindDialog(QDialog):
    def __init__(self, checklist, parent=None):
        super().__init__(parent)
        self.checklist = checklist
        self.chosen: str | None = None
        self.setWindowTitle("查找条目")
        self.query = QLineEdit()
        self.query.setPlaceholderText("输入编号（如 3.3）或关键词（如 民兵之家）")
        self.query.setClearButtonEnabled(True)
        self.model = QStandardItemModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)
        self.list.activated.connect(lambda _i: self.accept())
        self.count = QLabel()
        self.count.setStyleSheet("color: #5f6368;")
        self.query.textChanged.connect(self.search)
        self.query.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.count)
        self.resize(520, 420)
        self.search("")

    def search(self, text: str) -> None:
        self.model.clear()
        hits = find_items(self.checklist, text)
        for item in hits:
            row = QStandardItem(f"{item.code}  {item.title}")
            row.setData(item.code, CodeRole)
            row.setToolTip(item.requirement)
            row.setEditable(False)
            self.model.appendRow(row)
        self.count.setText(f"找到 {len(hits)} 项；↑↓ 选择，回车跳转" if text.strip() else "↑↓ 选择，回车跳转")
        if hits:
            self.list.setCurrentIndex(self.model.index(0, 0))

    def eventFilter(self, obj, event):
        if obj is self.query and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.list.keyPressEvent(event)  # move in the list while typing
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.accept()
                return True
        return super().eventFilter(obj, event)

    def accept(self) -> None:
        index = self.list.currentIndex()
        if not index.isValid():
            return
        self.chosen = index.data(CodeRole)
        super().accept()
