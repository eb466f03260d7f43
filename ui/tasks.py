"""Background work for documents, bundles and criteria: a report with hundreds of photos,
a bundle of thousands, a large workbook must never freeze the window.

`TaskWorker` runs one function in its own thread (the pattern of workers.py) and hands
back its result or its error; `thread_workspace()` gives the function its own SQLite
connection (the UI thread keeps reading on its own). `BusyIndicator` is the small
"正在生成……" box shown while a worker runs.
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog

from checklists.errors import DabiaoError


def thread_workspace(ws):
    """A connection of its own for a worker thread (Workspace.for_thread), or the workspace
    itself when this storage has no such call (its connection allows other threads)."""
    make = getattr(ws, "for_thread", None)
    return make() if make is not None else ws


def close_thread_workspace(ws, tws) -> None:
    if tws is not None and tws is not ws:
        tws.close()


def error_lines(exc: BaseException) -> list[str]:
    """What to show for an error raised in a worker: a DabiaoError's own lines (every
    problem of a criteria file, with its cell), else one line with the exception."""
    if isinstance(exc, DabiaoError):
        return exc.lines()
    return [f"程序错误：{exc.__class__.__name__}: {exc}"]


def collect_garbage_here() -> None:
    """Collect garbage now, on the UI thread, before a worker thread starts. Python collects
    in whichever thread happens to allocate; a window or dialog left in a reference cycle
    (closed, not yet collected) must not be destroyed from a worker thread, where deleting
    its Qt objects crashes. What is garbage by the time the worker starts is gone first."""
    gc.collect()


class TaskWorker(QThread):
    """Runs fn(progress) in a thread; progress(done, total, text) may be called from fn.
    Exactly one of succeeded / failed is emitted, then the thread ends."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)  # the exception

    def __init__(self, fn: Callable, parent=None):
        super().__init__(parent)
        self.fn = fn
        self.result = None
        self.error: BaseException | None = None

    def start(self, *args) -> None:
        collect_garbage_here()
        super().start(*args)

    def _progress(self, done: int, total: int, text: str = "") -> None:
        self.progress.emit(int(done), int(total), str(text or ""))

    def run(self) -> None:
        try:
            self.result = self.fn(self._progress)
        except Exception as exc:  # noqa: BLE001 - never let a worker die silently
            if not isinstance(exc, DabiaoError):
                traceback.print_exc()
            self.error = exc
            self.failed.emit(exc)
            return
        self.succeeded.emit(self.result)


def with_workspace(ws, fn: Callable) -> Callable:
    """fn(tws, progress) -> a TaskWorker function that opens and closes its own connection."""

    def run(progress):
        tws = thread_workspace(ws)
        try:
            return fn(tws, progress)
        finally:
            close_thread_workspace(ws, tws)

    return run


class BusyIndicator(QObject):
    """A window-modal "please wait" box for a running worker: shown only when the work
    takes longer than a moment, with a bar that moves by the worker's progress when it
    reports any, and no cancel button (the work cannot be stopped half way)."""

    def __init__(self, parent, title: str, text: str, delay_ms: int = 250):
        super().__init__(parent)
        self.box = QProgressDialog(parent)
        self.box.setLabelText(text)
        self.box.setCancelButton(None)
        self.box.setRange(0, 0)
        self.box.setWindowTitle(title)
        self.box.setWindowModality(Qt.WindowModality.WindowModal)
        self.box.setMinimumDuration(10 ** 7)  # shown by our timer, never by QProgressDialog itself
        self.box.setAutoClose(False)
        self.box.setAutoReset(False)
        self.box.setMinimumWidth(380)
        self.box.reset()
        self.box.hide()
        self.text = text
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.box.show)
        self._timer.start(delay_ms)

    def progress(self, done: int, total: int, text: str = "") -> None:
        if total > 0:
            self.box.setMaximum(total)
            self.box.setValue(min(done, total))
        if text:
            self.box.setLabelText(f"{self.text}\n{text}")

    def close(self) -> None:
        self._timer.stop()
        self.box.hide()
        self.box.deleteLater()
        self.deleteLater()
