"""The startup floor: a bare PySide6 QMainWindow shown, then quit once the event loop has
run and seen it (bench/shown.py, the same probe the app's side uses)."""

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

sys.path.insert(0, str(Path(__file__).resolve().parent))

from shown import quit_when_main_window_shown  # noqa: E402

if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    probe = quit_when_main_window_shown(app)
    window = QMainWindow()
    window.resize(1366, 740)
    window.show()
    sys.exit(app.exec())
