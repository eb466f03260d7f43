"""Pieces the dialogs share: a form's OK / 取消 buttons and red error line, and the
read-only table of rows that the list dialogs show."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableView

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


def row_table(table: QTableView, stretch: int | None = None) -> QHeaderView:
    """Set up a list dialog's table: read-only, chosen a whole row at a time, one line
    (26 px) a row, columns as wide as their contents but `stretch`, which takes the width
    left. Returns the column header, for what a dialog sets besides."""
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(26)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return header
