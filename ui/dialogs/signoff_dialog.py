"""Review conclusion and sign-off (考评结论与签字)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (QCheckBox, QDateEdit, QDialog, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QVBoxLayout)

from checklists.numbers import display
from storage.assessments import signs_off

from .common import ok_cancel
from .incomplete_dialog import confirm_incomplete


class SignoffDialog(QDialog):
    """Signing a review with items still unreviewed asks for an explicit confirmation
    (listing them) first, unless the caller already had it confirmed."""

    jumpRequested = Signal(str)  # go to an unreviewed item (the conclusion is kept, unsigned)

    def __init__(self, session, parent=None, incomplete_confirmed: bool = False):
        super().__init__(parent)
        self.session = session
        self.incomplete_confirmed = incomplete_confirmed
        self.confirmed = False  # signed with the review incomplete, confirmed
        a = session.assessment
        r = session.results["review"]
        s = session.results["self"]
        self.setWindowTitle("考评结论与签字")
        head = QLabel(f"{a['unit_name']} {a['year']} 年度：自评 {display(s.final)} 分（{s.level_label}），"
                      f"考评 {display(r.final)} 分（{r.level_label}）")
        head.setWordWrap(True)
        missing = len(session.unanswered("review"))
        total = len(session.index)
        self.progress = QLabel(f"考评进度：已考评 {total - missing} / {total} 项"
                               + (f"，还有 {missing} 项未考评；签字前须确认" if missing else "，已全部考评"))
        self.progress.setStyleSheet("color: #b06000;" if missing else "color: #1e8e3e;")
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
        self.locked = a["status"] == "final"
        if self.locked:  # 已定稿: shown as it was signed, nothing to type into
            for field in (self.assessor, self.reviewer, self.conclusion, self.signed_by):
                field.setReadOnly(True)
                field.setStyleSheet("background: #f1f3f4; color: #5f6368;")
            self.signed.setEnabled(False)
            self.signed_at.setEnabled(False)
            buttons.button(buttons.StandardButton.Ok).hide()
            buttons.button(buttons.StandardButton.Cancel).setText("关闭")
            self.progress.setText("已定稿：考评结论与签字不能再修改（如需修改，请先解锁并说明原因）")
            self.progress.setStyleSheet("color: #5f6368;")
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.progress)
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
        values = self.values()
        confirm = self.incomplete_confirmed
        if not confirm and signs_off(self.session.assessment, values):
            answer = confirm_incomplete(self, self.session, "签字确认", "签字", "仍然签字", jump=self._jump)
            if answer is False:
                return
            confirm = bool(answer)
        if self.session.update_review_info(confirm_incomplete=confirm, **values):
            self.confirmed = confirm
            super().accept()

    def _jump(self, code: str) -> None:
        """Keep what was typed, without the signature, and go to the item."""
        a = self.session.assessment
        values = self.values() | {"signed_at": a.get("signed_at")}
        if a.get("signed_at"):
            values["signed_by"] = a.get("signed_by")
        if self.session.update_review_info(**values):
            super().reject()
            self.jumpRequested.emit(code)
