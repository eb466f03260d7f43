"""`main.py` with no arguments (the app), on the workspace given, quitting as soon as the
main window has been shown and the event loop has run once (the window's own start-up
work queued before the quit, such as opening the last assessment, is counted).

    QT_QPA_PLATFORM=offscreen python bench/startup_app.py WS_DIR

The app is not changed for the bench: a QApplication made here first (run_app() uses the
existing instance) carries an event filter that quits when a main window is shown.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import main  # noqa: E402

if __name__ == "__main__":
    # main.main() imports every command module before Qt; do the same here first, so that
    # making the QApplication early does not change what is imported after PySide6.
    main.build_parser()
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    class QuitWhenShown(QObject):
        shown = False

        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Show and isinstance(obj, QMainWindow) and not self.shown:
                self.shown = True
                QTimer.singleShot(0, QApplication.quit)
            return False

    app = QApplication(sys.argv[:1])
    hook = QuitWhenShown()
    app.installEventFilter(hook)
    code = main.main(["--data-dir", sys.argv[1]])
    if not hook.shown:
        sys.exit(f"startup_app: the main window was never shown (exit code {code})")
    sys.exit(code)
