""""Main window shown, event loop ran": detected the same way in the app and in its floor.

A zero-interval timer started before the event loop looks, on each turn of the loop,
for a visible QMainWindow among the top-level widgets and quits the application once it
finds one. Both programs pay the same small cost. (The earlier harness installed a
Python event filter on the whole application: every event of the app then crossed into
Python, and PySide built ~145 enum types on the first tree view, a cost paid by our side
only.)
"""

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow


def quit_when_main_window_shown(app: QApplication) -> QTimer:
    """Start the probe; keep the returned timer alive. `timer.property("shown")` is True
    once it quit the app because a main window was visible."""
    timer = QTimer(app)
    timer.setInterval(0)
    timer.setProperty("shown", False)

    def look() -> None:
        if any(isinstance(w, QMainWindow) and w.isVisible() for w in app.topLevelWidgets()):
            timer.stop()
            timer.setProperty("shown", True)
            app.quit()

    timer.timeout.connect(look)
    timer.start()
    return timer
