"""Showing problems to people: one message box with the words storage gave us."""

from __future__ import annotations

import sys
import traceback

from PySide6.QtWidgets import QApplication, QMessageBox

from checklists.errors import DabiaoError


def show_error(parent, message, title: str = "达标") -> None:
    text = str(message)
    if QApplication.instance() is None:
        print(text, file=sys.stderr)
        return
    QMessageBox.warning(parent, title, text)


def ask(parent, title: str, text: str, yes: str = "确定", no: str = "取消") -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(ok)
    box.exec()
    return box.clickedButton() is ok


def install_excepthook() -> None:
    """Unexpected errors in a slot: show them instead of silently printing (work is already saved)."""
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, DabiaoError):
            show_error(QApplication.activeWindow(), exc)
            return
        text = "".join(traceback.format_exception(exc_type, exc, tb))
        print(text, file=sys.stderr)
        if QApplication.instance() is not None:
            box = QMessageBox(QMessageBox.Icon.Critical, "达标 — 程序错误",
                              "程序遇到意外错误。已保存的内容不受影响。\n请把下面的信息告诉维护人员。",
                              parent=QApplication.activeWindow())
            box.setDetailedText(text)
            box.exec()
        else:
            previous(exc_type, exc, tb)

    sys.excepthook = hook
