"""Soak driver, run by tests/test_soak.py in its own process (a binding that corrupts
reference counts aborts the interpreter, which must not take pytest with it).

    python tests/soak_app.py WORKSPACE SECONDS

Opens the main window on WORKSPACE as the app does, waits until every level badge of the
units tree is filled, then for about SECONDS: walks every item of a few assessments with
the Down key in the checklist list (as a person reads through them), and moves from
assessment to assessment with the Down key in the units tree. Prints one JSON line with
what it did and exits 0; a crash exits otherwise.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEvent, Qt  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from storage import Workspace  # noqa: E402


def press(widget, key) -> None:
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))
    QApplication.sendEvent(widget, QKeyEvent(QEvent.Type.KeyRelease, key, Qt.KeyboardModifier.NoModifier))
    QApplication.processEvents()


def wait_until(condition, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def main(folder: str, seconds: float) -> int:
    app = QApplication([sys.argv[0]])
    from ui.app import setup_application
    from ui.main_window import MainWindow

    setup_application(app)
    ws = Workspace.open(Path(folder), backup=False)
    window = MainWindow(ws)
    window.resize(1366, 740)
    window.show()
    started = time.monotonic()
    model = window.units_pane.model
    if not wait_until(lambda: not model.badges_pending(), 120):
        print("badges not filled within 120 s", file=sys.stderr)
        return 3
    badges_s = time.monotonic() - started
    assert wait_until(lambda: window.session is not None, 10), "no assessment opened"

    items_walked = 0
    switches = 0
    deadline = time.monotonic() + seconds
    units_view = window.units_pane.view
    checklist_view = window.checklist_pane.view
    walked_assessments = 0
    while time.monotonic() < deadline:
        if walked_assessments < 3:
            # Read through every item of this assessment with the keyboard.
            checklist_view.setFocus()
            codes = [i.code for i in window.session.checklist.items()]
            window.jump_to(codes[0])
            seen = {window.item_pane.code}
            for _ in range(len(codes) * 2):
                press(checklist_view, Qt.Key.Key_Down)
                seen.add(window.item_pane.code)
            items_walked += len(seen & set(codes))
            walked_assessments += 1
        # Next row of the units tree (towns, counties and assessments alike).
        units_view.setFocus()
        before = window.session.id
        press(units_view, Qt.Key.Key_Down)
        if window.session.id != before:
            switches += 1
        if not units_view.indexBelow(units_view.currentIndex()).isValid():
            units_view.setCurrentIndex(model.index(0, 0))
        gc.collect(0)
    window.close()
    ws.close()
    print(json.dumps({"badges_s": round(badges_s, 2), "items_walked": items_walked, "switches": switches}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))
