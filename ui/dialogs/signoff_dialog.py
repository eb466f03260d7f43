"""Review conclusion and sign-off (考评结论与签字)."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QDialog, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QVBoxLayout)

from checklists.numbers import display
from .common import ok_cancel


class SignoffDialog(QDialog):
    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        a = session.assessment
        r = session.results["review"]
        s = session.results["self"]
        self.setWindowTitle("考评结论与签字")
        head = QLabel(f"{a['unit_name']} {a['year']} 年度：自评 {display(s.final)} 分（{s.level_label}），"
                      f"考评 {display(r.final)} 分（{r.level_label}）")
        head.setWordWrap(True)
        self.assessor = QLineEdit(a.get("assessor") or "")
        self.assessor.setPlaceholderText("自评填报人")
        self.reviewer = QLineEdit(a.get("reviewer") or "")
        self.reviewer.setPlaceholderText("考评组组长及成员")
        self.conclusion = QPlainTextEdit(a.get("conclusion") or "")
        self.conclusion.setTabChangesFocus(True)
        self.conclusion.setPlaceholderText(
            f"例如：经考评，该单位得分 {display(r.final)} 分，{r.level_label}。主要问题：……整改要求：……")
        self.signed_by = QLineEdit(a.get("signed_by") or "")
        self.signed_by.setPlaceholderText("签字人")
        self.signed = QCheckBox("已签字，签字日期：")
        self.signed_at = QDateEdit(QDate.fromString(a["signed_at"], "yyyy-MM-dd") if a.get("signed_at")
                                   else QDate.currentDate())
        self.signed_at.setDisplayFormat("yyyy-MM-dd")
        self.signed_at.setCalendarPopup(True)
        self.signed.setChecked(bool(a.get("signed_at")))
        self.signed_at.setEnabled(self.signed.isChecked())
        self.signed.toggled.connect(self.signed_at.setEnabled)
        form = QFormLayout()
        form.addRow("自评填报人(&A)：", self.assessor)
        form.addRow("考评组(&R)：", self.reviewer)
        form.addRow("考评结论(&C)：", self.conclusion)
        form.addRow("签字人(&S)：", self.signed_by)
        form.addRow(self.signed, self.signed_at)
        buttons = ok_cancel(self, "保存")
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(560, 420)

    def values(self) -> dict:
        return {
            "assessor": self.assessor.text().strip() or None,
            "reviewer": self.reviewer.text().strip() or None,
            "conclusion": self.conclusion.toPlainText().strip() or None,
            "signed_by": self.signed_by.text().strip() or None,
            "signed_at": self.signed_at.date().toString("yyyy-MM-dd") if self.signed.isChecked() else None,
        }

    def accept(self) -> None:
        if self.session.update_review_info(**self.values()):
            super().accept()
