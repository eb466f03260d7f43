"""Benchmark `city_app`: the app opened on a 军分区 workspace of 1,500 assessments
(100 counties x 15 towns, one year; 20 x 15 with --quick) until the county table of
全市汇总 is on screen. Target: on screen under one second after the program starts.

ours:  `main.py --data-dir WS` (the real entry, as bench/startup_app.py), a QApplication
       made here first with the same zero-interval probe as bench/shown.py; once the main
       window is visible, `show_county_table` opens 全市汇总 (视图 → 全市汇总, Ctrl+4:
       `MainWindow.act_city`) and the run ends when its county table holds the roll-up
       (`CityView.loaded`) and the event loop has turned once more.
floor: bench/startup_floor.py, a bare PySide6 QMainWindow shown (the start-up floor).

Both are child processes timed from launch to exit, warm (bytecode cached, one untimed
run each first), offscreen; the score cache is filled (as after the first listing).
Printed: the ratio of the medians, and from ours the seconds from launch until the
main window was shown and until the county table was on screen, and from the moment
全市汇总 was asked for (`act_city` triggered, right after the window is shown: the units
tree's badge fill is still running then and shares Python with the roll-up's worker)
until the table was on screen.

    uv run python bench/run.py city_app [--quick]
    QT_QPA_PLATFORM=offscreen uv run python bench/city_app.py WS_DIR   # one run, JSON out
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
TARGET_SECONDS = 1.0


def show_county_table(window, done) -> None:
    """Put the county table on screen and call done() once it shows the roll-up: the
    part of the probe that knows the UI (全市汇总's CityView)."""
    window.act_city.trigger()
    view = window.city.view
    if view.rollup is not None and not view.busy():
        done()
    else:
        view.loaded.connect(done)


def child(ws_dir: str, launched: float) -> None:
    """One run in this process; prints {"window": s, "asked": s, "table": s} after launch
    (asked: when 全市汇总 was asked for)."""
    sys.path.insert(0, str(ROOT))
    import main
    from ui import startup

    startup.import_before_qt()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    state: dict = {"window": None, "asked": None, "table": None}

    def finish() -> None:
        state["table"] = time.time() - launched
        QTimer.singleShot(0, app.quit)  # one more turn of the event loop: painted

    def look() -> None:
        shown = [w for w in app.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
        if shown:
            probe.stop()
            state["window"] = state["asked"] = time.time() - launched
            show_county_table(shown[0], finish)

    probe = QTimer(app)
    probe.setInterval(0)
    probe.timeout.connect(look)
    probe.start()
    code = main.main(["--data-dir", ws_dir])
    if state["table"] is None:
        sys.exit(f"city_app: the county table was never shown (exit code {code})")
    print(json.dumps(state))


def bench(quick: bool, work: Path) -> None:
    """Registered in bench/run.py: ours and the floor alternated, warm."""
    from province import make_province

    ws_dir = make_province(work / "ws", 20 if quick else 100, 15, years=(2027,))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"QT_QPA_PLATFORM": "offscreen", "PYTHONPYCACHEPREFIX": str(work / "pycache")}
    bare = [sys.executable, str(ROOT / "bench" / "startup_floor.py")]

    def run(cmd) -> tuple[float, dict]:
        start = time.time()
        done = subprocess.run(cmd(start) if callable(cmd) else cmd, env=env, capture_output=True, text=True)
        seconds = time.time() - start
        if done.returncode:
            raise RuntimeError((done.stderr.strip().splitlines() or ["?"])[-1])
        last = done.stdout.strip().splitlines()[-1:] or ["{}"]
        return seconds, json.loads(last[0]) if last[0].startswith("{") else {}

    app = lambda start: [sys.executable, str(Path(__file__).resolve()), str(ws_dir), repr(start)]  # noqa: E731
    run(app)  # untimed: bytecode, the OS file cache
    run(bare)
    ours, floor, shown = [], [], []
    for i in range(3 if quick else 7):
        for side in ((0, 1) if i % 2 == 0 else (1, 0)):
            if side == 0:
                seconds, state = run(app)
                ours.append(seconds)
                shown.append(state)
            else:
                floor.append(run(bare)[0])
    a, b = statistics.median(ours), statistics.median(floor)
    ratio = a / b if b else float("inf")
    table = statistics.median(s["table"] for s in shown)
    window = statistics.median(s["window"] for s in shown)
    asked = statistics.median(s["table"] - s["asked"] for s in shown)
    mark = "  ok" if table < TARGET_SECONDS else f"  MISSES target {TARGET_SECONDS:.0f} s"
    print(f"city_app: ratio {ratio:.2f} (ours {a:.3f} s, floor {b:.3f} s); main window shown {window:.2f} s, "
          f"county table on screen {table:.2f} s after launch{mark}, {asked:.2f} s after 全市汇总 was asked for",
          flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    child(sys.argv[1], float(sys.argv[2]))
