"""`main.py` with no arguments (the app), on the workspace given, quitting as soon as the
main window has been shown and the event loop has run once (the window's own start-up
work queued before the quit, such as opening the last assessment, is counted).

    QT_QPA_PLATFORM=offscreen python bench/startup_app.py WS_DIR

The app is not changed for the bench: a QApplication made here first (run_app() uses the
existing instance) carries a zero-interval timer that quits once a main window is visible
(bench/shown.py, the same probe as the floor's).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import main  # noqa: E402

if __name__ == "__main__":
    # main.main() imports what the app needs from storage before Qt (PySide6's import hook
    # reads the source of every module imported after it); do the same here first, so
    # that making the QApplication early does not change what is imported after PySide6.
    # (The command parsers are not built to open the app: main.app_data_dir.)
    from ui import startup

    startup.import_before_qt()
    from PySide6.QtWidgets import QApplication

    from shown import quit_when_main_window_shown

    app = QApplication(sys.argv[:1])
    probe = quit_when_main_window_shown(app)
    code = main.main(["--data-dir", sys.argv[1]])
    if not probe.property("shown"):
        sys.exit(f"startup_app: the main window was never shown (exit code {code})")
    sys.exit(code)
