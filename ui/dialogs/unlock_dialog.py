"""Unlock submitted answers: a reason is required and goes into the audit log."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout


class UnlockDialog(QDialog):
    def __init__(self, status_label: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("解锁考评")
        info = QLabel(f"当前状态：{status_label}。解锁后可以重新修改，解锁原因将记入操作日志。")
        info.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText("请填写解锁原因，例如：补充上传民兵之家照片")
        self.reason.setTabChangesFocus(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("解锁")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.ok.setEnabled(False)
        self.reason.textChanged.connect(lambda: self.ok.setEnabled(bool(self.text())))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(QLabel("解锁原因（必填）："))
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.resize(460, 240)

    def text(self) -> str:
        return self.reason.toPlainText().strip()
