"""Benchmark `badges`: the app opened on a generated workspace, timed from the main window
being created until every level badge in the units tree is filled and the window is idle,
at 150 and 600 assessments. Linear means the 600 / 150 ratio stays at or below 4.5.

    uv run python bench/run.py badges                     # through the harness
    QT_QPA_PLATFORM=offscreen uv run python bench/badges.py WS_DIR   # one run, JSON out

Cold: storage's score cache emptied before each start (the first start after an import or
an upgrade: every badge is scored); warm: as every later start (scores from the cache).

A run is a child process: the real `main.main(["--data-dir", WS_DIR])` (as
bench/startup_app.py), with a QApplication made here first that carries a 10 ms timer.
Once the window is up, the timer records the longest gap between its ticks (the longest
the UI thread was busy without returning to the event loop, "stall"; BADGES_TRACE=1
prints every gap over 30 ms) and polls the units model; once no badge is pending it
waits for one more empty turn of the event loop and quits. The badge delegate's sizeHint
calls are counted too (Qt measuring rows through Python).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK_MS = 10
TARGET_RATIO = 4.5
SIZES = (150, 600)  # assessments: 1 county x 150 towns, 4 counties x 150 towns


def child(ws_dir: str) -> None:
    """One run in this process; prints {"seconds", "stall", "size_hints", "assessments"}."""
    sys.path.insert(0, str(ROOT))
    import main
    from ui import startup

    startup.import_before_qt()  # as startup_app.py: the app's imports before PySide6
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    import ui.main_window
    import ui.units_pane

    app = QApplication(sys.argv[:1])
    state = {"t0": None, "end": None, "last": None, "stall": 0.0, "hints": 0, "window": None}

    original_init = ui.main_window.MainWindow.__init__

    def init(self, *args, **kwargs):
        state["t0"] = time.perf_counter()
        state["window"] = self
        original_init(self, *args, **kwargs)

    ui.main_window.MainWindow.__init__ = init
    original_hint = ui.units_pane.BadgeDelegate.sizeHint

    def size_hint(self, option, index):
        state["hints"] += 1
        return original_hint(self, option, index)

    ui.units_pane.BadgeDelegate.sizeHint = size_hint

    def finish():
        state["end"] = time.perf_counter()
        app.quit()

    def tick():
        now = time.perf_counter()
        w = state["window"]
        if w is None or not w.isVisible():
            return
        if state["last"] is not None:  # stalls counted from the first tick with the window up
            state["stall"] = max(state["stall"], now - state["last"])
            if os.environ.get("BADGES_TRACE") and now - state["last"] > 0.03:
                print(f"stall {now - state['last']:.3f} s at {state['last'] - state['t0']:.3f} s", file=sys.stderr)
        state["last"] = now
        if state["end"] is not None:
            return
        if not w.units_pane.model.badges_pending():
            state["end"] = -1.0  # seen done: one more empty turn of the event loop, then stop
            QTimer.singleShot(0, finish)

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    code = main.main(["--data-dir", ws_dir])
    if state["end"] is None or state["end"] < 0:
        sys.exit(f"badges: the badges were never all filled (exit code {code})")
    model = state["window"].units_pane.model
    print(json.dumps({"seconds": state["end"] - state["t0"], "stall": state["stall"],
                      "size_hints": state["hints"], "assessments": len(model.assessment_ids())}))


def clear_score_cache(ws_dir: Path) -> None:
    """Empty storage's score cache: the next start scores every assessment (cold)."""
    import sqlite3

    conn = sqlite3.connect(ws_dir / "dabiao.sqlite")
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'score_cache'").fetchone():
            conn.execute("DELETE FROM score_cache")
            conn.commit()
    finally:
        conn.close()


def run_once(ws_dir: Path, cold: bool) -> dict:
    if cold:
        clear_score_cache(ws_dir)
    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), str(ws_dir)], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError((done.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_badges(quick: bool, work: Path) -> None:
    """Registered in bench/run.py: both sizes, alternated, cold (the score cache emptied
    before each start: every badge scored) and warm (as every later start: read from the
    cache); medians and the 600 / 150 ratio."""
    from listing import make_workspace  # the same generated workspaces as assessment_list

    folders = {n: make_workspace(work / f"ws{n}", max(1, n // 150), min(150, n)) for n in SIZES}
    reps = 2 if quick else 5
    run_once(folders[SIZES[0]], cold=True)  # untimed: bytecode and the OS file cache
    for cold in (True, False):
        runs: dict[int, list[dict]] = {n: [] for n in SIZES}
        for i in range(reps):
            for n in (SIZES if i % 2 == 0 else SIZES[::-1]):
                runs[n].append(run_once(folders[n], cold))
        med = {n: statistics.median(r["seconds"] for r in runs[n]) for n in SIZES}
        stall = max(r["stall"] for rs in runs.values() for r in rs)
        hints = {n: max(r["size_hints"] for r in runs[n]) for n in SIZES}
        small, big = SIZES
        ratio = med[big] / med[small] if med[small] else float("inf")
        mark = "  ok" if ratio <= TARGET_RATIO else f"  MISSES target {TARGET_RATIO}"
        print(f"badges ({'cold' if cold else 'warm'}): {small} assessments {med[small]:.2f} s, "
              f"{big} assessments {med[big]:.2f} s, ratio {ratio:.2f}{mark}; "
              f"longest UI-thread stall {stall * 1000:.0f} ms; badge sizeHint calls {hints[small]} / {hints[big]}",
              flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    child(sys.argv[1])
