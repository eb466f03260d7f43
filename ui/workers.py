"""Background work: importing a batch of photos without freezing the window.

The worker calls storage.evidence.add_photos in its own thread, on its own SQLite
connection (Workspace.for_thread): each good photo is committed on its own, so
cancelling keeps what was already imported and a crash loses at most the photo being read.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread, Signal

from checklists.errors import DabiaoError
from storage import evidence

from .tasks import collect_garbage_here


class PhotoImportWorker(QThread):
    progress = Signal(int, int, str)  # done, total, file name
    failed = Signal(str)  # the whole batch was refused (e.g. locked answers)
    done = Signal(object)  # list[PhotoOutcome]

    def __init__(self, ws, assessment_id: str, code: str, paths, role: str, caption: str | None = None,
                 parent=None):
        super().__init__(parent)
        self.ws, self.assessment_id, self.code, self.role = ws, assessment_id, code, role
        self.paths = [str(p) for p in paths]
        self.caption = caption
        self._cancel = threading.Event()
        self.by_user = False  # cancelled with 取消导入 (they see the result), not by quitting
        self.outcomes: list = []

    def start(self, *args) -> None:
        collect_garbage_here()  # Qt objects must not be collected in the worker thread
        super().start(*args)

    def cancel(self, by_user: bool = True) -> None:
        """Stop after the photo being read. Stopped by the person (取消导入), the batch is
        over; stopped by quitting, it stays journaled and the next start reports it."""
        self.by_user = self.by_user or by_user
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        def progress(done, total, outcome):
            self.progress.emit(done, total, outcome.path)

        try:
            ws = self.ws.for_thread()  # its own SQLite connection: the UI thread keeps reading
        except DabiaoError as exc:
            self.failed.emit(str(exc))
            self.done.emit([])
            return
        try:
            self.outcomes = evidence.add_photos(ws, self.assessment_id, self.code, self.paths, self.role,
                                                self.caption, progress=progress, cancelled=self._cancel.is_set,
                                                keep_stopped=lambda: not self.by_user)
        except DabiaoError as exc:
            self.failed.emit(str(exc))
            # a batch stopped by a full disk: the photos done before it still show as done
            self.outcomes = list(getattr(exc, "outcomes", []))
        except Exception as exc:  # noqa: BLE001 - never let a worker die silently
            self.failed.emit(f"导入照片时出错：{exc}")
            self.outcomes = []
        finally:
            ws.close()
        self.done.emit(self.outcomes)
