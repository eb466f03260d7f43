"""An unfinished review: lists the items without a review result, and goes on only after
an explicit confirmation (a box to tick), which storage records in the audit log."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from .common import OK, ok_cancel


class IncompleteDialog(QDialog):
    """`items`: (code, title) without a review result. Double-click an item to go to it
    (the dialog closes without confirming)."""

    jumpRequested = Signal(str)

    def __init__(self, title: str, what: str, items, confirm_text: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        head = QLabel(f"<b>考评尚未完成：还有 {len(items)} 项没有考评结果。</b><br>"
                      f"可以先把这些条目考评完（双击转到该条目）；确需在考评未完成时{what}，"
                      "请勾选下面的确认，此确认连同未考评的条目记入操作日志。")
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        self.list = QListWidget()
        for code, name in items:
            row = QListWidgetItem(f"{code}  {name}")
            row.setData(Qt.ItemDataRole.UserRole, code)
            self.list.addItem(row)
        self.list.itemDoubleClicked.connect(self._jump)
        self.confirm = QCheckBox(f"我确认：考评未完成（{len(items)} 项未考评），仍然{what}")
        self.buttons = ok_cancel(self, confirm_text)
        self.ok = self.buttons.button(OK)
        self.ok.setEnabled(False)
        self.confirm.toggled.connect(self.ok.setEnabled)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.confirm)
        layout.addWidget(self.buttons)
        self.resize(560, 440)
        self.list.setFocus()

    def _jump(self, item: QListWidgetItem) -> None:
        self.jumpRequested.emit(item.data(Qt.ItemDataRole.UserRole))
        self.reject()

    def accept(self) -> None:
        if self.confirm.isChecked():
            super().accept()


def confirm_incomplete(parent, session, title: str, what: str, confirm_text: str, jump=None) -> bool | None:
    """None when the review is complete (nothing to confirm), True when the person
    confirmed going on with it incomplete, False when they did not."""
    items = session.unanswered("review")
    if not items:
        return None
    dialog = IncompleteDialog(title, what, items, confirm_text, parent)
    if jump is not None:
        dialog.jumpRequested.connect(jump)
    return bool(dialog.exec())
