"""Helpers of the app's offscreen tests (test_ui*.py): a workspace copied from a module's
template, the main window on it, modal dialogs answered. Message boxes: the
no_blocking_boxes fixture in conftest.py."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMenu


def copy_workspace(source: Path, target: Path) -> Path:
    """A copy of a template workspace (without its lock file) to change in one test."""
    return Path(shutil.copytree(source, target, ignore=shutil.ignore_patterns("dabiao.lock")))


def make_window(qtbot, ws, wait_session: bool = True, size=None):
    """The main window on `ws`, shown; by default once it has opened the last assessment."""
    from ui.main_window import MainWindow

    w = MainWindow(ws)
    qtbot.addWidget(w)
    if size:
        w.resize(*size)
    w.show()
    if wait_session:
        qtbot.waitUntil(lambda: w.session is not None, timeout=5000)
    return w


def answer_modal(*fills):
    """Run each `fill(dialog)` on the next modal dialogs, in turn, once shown."""
    pending = list(fills)
    seen = set()

    def attempt():
        dialog = QApplication.activeModalWidget()
        if dialog is None or id(dialog) in seen:
            QTimer.singleShot(20, attempt)
            return
        seen.add(id(dialog))
        pending.pop(0)(dialog)
        if pending:
            QTimer.singleShot(20, attempt)

    QTimer.singleShot(0, attempt)


def menu_texts(w, title: str) -> list[str]:
    """The texts of the actions of the window's menu called `title`."""
    menu = next(m for m in w.findChildren(QMenu) if m.title() == title)
    return [a.text() for a in menu.actions()]
