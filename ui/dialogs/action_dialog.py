"""Turn a gap item into a corrective action (整改任务): what, who, by when."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QDateEdit, QDialog, QFormLayout, QLineEdit, QPlainTextEdit,
                               QVBoxLayout)

from checklists.errors import DabiaoError
from checklists.numbers import display
from storage import actions as action_store

from .common import error_label, ok_cancel
from ..format import evidence_text


def default_description(item, result) -> str:
    text = f"{item.code} {item.title}：{item.requirement}"
    if result is not None and result.status not in ("unanswered", "na"):
        text += f"（当前得 {display(result.score)}/{display(item.points)} 分）"
    missing = evidence_text(result)
    if missing:
        text += f"；{missing}"
    return text


class ActionDialog(QDialog):
    def __init__(self, session, code: str, role: str = "self", parent=None):
        super().__init__(parent)
        self.session = session
        self.code = code
        self.created: dict | None = None
        item = session.index[code]
        self.setWindowTitle(f"生成整改任务 — {code} {item.title}")
        self.description = QPlainTextEdit(default_description(item, session.result(code, role)))
        self.description.setTabChangesFocus(True)
        self.owner = QLineEdit()
        self.owner.setPlaceholderText("例如：武装部部长 张三")
        self.due = QDateEdit(QDate.currentDate().addDays(30))
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("yyyy-MM-dd")
        self.error = error_label()
        form = QFormLayout()
        form.addRow("整改内容(&D)：", self.description)
        form.addRow("责任人(&O)：", self.owner)
        form.addRow("整改期限(&T)：", self.due)
        buttons = ok_cancel(self, "创建任务")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(520, 300)
        self.owner.setFocus()

    def accept(self) -> None:
        try:
            self.created = action_store.add_action(self.session.ws, self.session.id, self.code,
                                                   self.description.toPlainText(), self.owner.text(),
                                                   self.due.date().toString("yyyy-MM-dd"))
        except DabiaoError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()
