"""Pieces every form dialog uses: the OK / 取消 buttons and the red error line."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

OK = QDialogButtonBox.StandardButton.Ok
CANCEL = QDialogButtonBox.StandardButton.Cancel


def ok_cancel(dialog: QDialog, ok_text: str) -> QDialogButtonBox:
    """OK / 取消 wired to the dialog's accept / reject, OK labelled `ok_text`."""
    buttons = QDialogButtonBox(OK | CANCEL)
    buttons.button(OK).setText(ok_text)
    buttons.button(CANCEL).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def error_label() -> QLabel:
    """A hidden, wrapping red line for what is wrong with the form."""
    label = QLabel()
    label.setStyleSheet("color: #c5221f;")
    label.setWordWrap(True)
    label.hide()
    return label
