"""The startup floor: a bare PySide6 QMainWindow shown, then quit once the event loop runs."""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1366, 740)
    window.show()
    QTimer.singleShot(0, app.quit)
    sys.exit(app.exec())
