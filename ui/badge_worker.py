"""Scoring the units tree's level badges off the UI thread.

`BadgeWorker` takes the jobs of `UnitsModel.badge_jobs()` (assessment id, stamp, row),
reads their scores on its own SQLite connection (Workspace.for_thread, as the photo and
document workers do) through storage.scores — one query for the scores the cache holds,
batched reads and scoring for the others, which the cache then keeps — and hands the
badges back in batches of about BATCH_SECONDS of work, so that the UI thread applies a
few dozen at a time (`UnitsModel.apply_badges`) and never spends long on them. The batch
grows while the scores come from the cache. `prioritise()` moves ids to the front (a
county the person just opened).

Both threads run Python, one at a time; the worker lets go of the interpreter at every
SQLite query, so the window is served between them (measured while the tree scrolls
every 16 ms during a 1,500-badge fill: no paint of the tree over 10 ms). A pause after
each assessment was tried: no better for the window, and half as fast again.
"""

from __future__ import annotations

import atexit
import threading
import time
import traceback
from collections import deque

from PySide6.QtCore import QThread, Signal

from .models.units_model import UNSCORABLE, score_badges
from .tasks import close_thread_workspace, collect_garbage_here, thread_workspace

BATCH_SECONDS = 0.03  # of work per batch handed to the UI thread
FIRST_BATCH, MAX_BATCH = 8, 400  # assessments

_running: set = set()  # held here until finished: a QThread must not be destroyed while it runs


class BadgeWorker(QThread):
    """Signals carry the worker's `token`, so that the pane tells its current worker from
    one it has cancelled (whose last batch may still be on its way)."""

    scored = Signal(object)  # (token, [(assessment id, stamp, (text, colour name, tooltip, level)), ...])
    done = Signal(object)  # (token, cancelled): the last batch has been sent

    def __init__(self, ws, jobs, token=None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.token = token
        self._jobs = deque(jobs)
        self._lock = threading.Lock()
        self._cancel = threading.Event()

    def start(self, *args) -> None:
        collect_garbage_here()  # Qt objects must not be collected in the worker thread
        for done in [w for w in _running if w.isFinished()]:
            done.wait()
            _running.discard(done)
        _running.add(self)
        super().start(*args)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def prioritise(self, ids) -> None:
        """Score these assessment ids next (those still waiting), in this order."""
        wanted = set(ids)
        with self._lock:
            first = [j for j in self._jobs if j[0] in wanted]
            if first:
                rest = [j for j in self._jobs if j[0] not in wanted]
                self._jobs = deque(first + rest)

    def _take(self, n: int) -> list:
        with self._lock:
            if self._cancel.is_set():
                return []
            return [self._jobs.popleft() for _ in range(min(n, len(self._jobs)))]

    def run(self) -> None:
        try:
            ws = thread_workspace(self.ws)
        except Exception:  # noqa: BLE001 - the UI scores the badges left when shown
            traceback.print_exc()
            self.done.emit((self.token, self.cancelled))
            return
        try:
            size = FIRST_BATCH
            while chunk := self._take(size):
                start = time.perf_counter()
                try:
                    badges = score_badges(ws, [row for _, _, row in chunk])
                except Exception:  # noqa: BLE001 - never let a worker die silently
                    traceback.print_exc()
                    badges = {}
                if self._cancel.is_set():
                    break
                self.scored.emit((self.token, [(aid, stamp, badges.get(aid, UNSCORABLE)) for aid, stamp, _ in chunk]))
                took = max(time.perf_counter() - start, 0.001)
                size = max(FIRST_BATCH, min(MAX_BATCH, int(size * BATCH_SECONDS / took)))
        finally:
            close_thread_workspace(self.ws, ws)
        self.done.emit((self.token, self.cancelled))


def stop_all(ms: int = 10000) -> None:
    """Cancel every running badge worker and wait for it (the app is closing)."""
    for worker in list(_running):
        worker.cancel()
        worker.wait(ms)


atexit.register(stop_all)
