"""Opening the app from main.py: what is imported before Qt, and the garbage collector's
part in start-up, all of it here. This module imports no Qt (main.py imports it for
every run, commands included).
"""

from __future__ import annotations

import gc


def import_before_qt() -> None:
    """What the app needs from storage and checklists, imported before PySide6: PySide6's
    import hook reads the source of every module imported after it (about 0.3 ms a module).
    bench/startup_app.py calls this too, so that its early QApplication changes nothing."""
    import storage.answer_store  # noqa: F401
    import storage.evidence  # noqa: F401


def open_app() -> int:
    """main.py without a command: run the app; returns its exit code.

    The garbage collector while starting: off from the first import on, since nothing made
    while starting is garbage yet and every automatic collection would walk all the
    modules, classes and widgets made so far. `settle_heap` turns it back on, once the
    window's own start-up work is done (ui.app.run_app queues it then), or earlier when
    the first-run guide waits for the person (a while; building the demo makes garbage).
    It freezes what exists first (gc.freeze): modules, classes, Qt's enum types, the
    window and its panes live as long as the app, so no later collection walks them again
    (no pauses while typing, no walk at exit). Calling it again freezes what was made since.
    """
    gc.disable()

    def settle_heap() -> None:
        gc.freeze()
        gc.enable()

    import_before_qt()
    from .app import run_app  # Qt is imported only to open the app, never for a command

    return run_app(settle_heap=settle_heap)
