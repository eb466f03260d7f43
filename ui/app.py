"""The application object, kept thin: fonts and translations, open the workspace (with a
clear choice when another copy holds it), the first-run guide, then the main window."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from checklists.errors import DabiaoError
from storage import Workspace, checklist_store, units
from storage.errors import WorkspaceLocked

from .errors import install_excepthook, show_error
from .theme import pick_cjk_family

APP_NAME = "达标"
PRELOAD_AFTER_MS = 800  # the window is up and painted; the person has not clicked yet


def setup_application(app: QApplication) -> None:
    """Name, Chinese standard dialogs, and a font that shows Simplified Chinese."""
    app.setApplicationName("Dabiao")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("Dabiao")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))  # dates: 2027年3月1日
    install_translations(app)
    family = pick_cjk_family()
    if family:
        font = QFont(app.font())
        font.setFamily(family)
        if font.pointSizeF() < 10:
            font.setPointSizeF(10)
        app.setFont(font)


def translation_dirs() -> list[Path]:
    """Where Qt's own Chinese texts (qtbase_zh_CN.qm) may be: Qt's translations folder
    (inside the PySide6 wheel), else beside the PySide6 package or a frozen build."""
    dirs = [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))]
    try:
        import PySide6

        dirs.append(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")
    except (ImportError, TypeError):  # pragma: no cover
        pass
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:  # pragma: no cover - only in a built app
        dirs += [Path(frozen) / "PySide6" / "Qt" / "translations", Path(frozen) / "translations"]
    return dirs


def install_translations(app) -> list[QTranslator]:
    """Qt's standard dialogs (file, print, message boxes' buttons) in Simplified Chinese:
    qtbase_zh_CN from the first folder that has it. Returns the installed translators."""
    for folder in translation_dirs():
        translator = QTranslator(app)
        if translator.load("qtbase_zh_CN", str(folder)):
            app.installTranslator(translator)
            return [translator]
    return []


def open_workspace(folder=None, parent=None) -> Workspace | None:
    """Open the workspace; when another copy of the app holds it, offer read-only or quit."""
    try:
        return Workspace.open(folder, wait=1.0)
    except WorkspaceLocked as exc:
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME,
                          f"{exc}\n\n可以只读方式打开（只能查看，不能修改），或者退出。", parent=parent)
        readonly = box.addButton("以只读方式打开", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(readonly)
        box.exec()
        if box.clickedButton() is not readonly:
            return None
        try:
            return Workspace.open(folder, readonly=True)
        except DabiaoError as exc2:
            show_error(parent, exc2)
            return None
    except DabiaoError as exc:
        show_error(parent, exc)
        return None


def show_fitted(window) -> None:
    """Fill small screens (1366x768 office PCs); leave room on large ones."""
    screen = window.screen() or QApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        if area.width() <= 1440 or area.height() <= 860:
            window.setGeometry(area)
            window.showMaximized()
            return
        window.resize(min(1500, area.width() - 80), min(920, area.height() - 80))
    window.show()


def first_run_needed(ws) -> bool:
    return not ws.readonly and ws.meta("ui.onboarded") != "1" and not units.list_units(ws)


def settle_heap() -> None:
    """After start-up: what exists now (modules, classes, Qt's enum types, the window and
    its panes) lives as long as the app, so move it out of the garbage collector's way
    (gc.freeze: no later collection walks it again, so no pauses while typing and no
    walk at exit), and turn automatic collection back on (main.py turns it off while
    starting, when nothing is garbage yet)."""
    gc.freeze()
    gc.enable()


def preload_for_editing(ws) -> None:
    """A moment after start-up, load what the first edit needs and start-up did not:
    sqlite-utils (the table helpers every save uses, about 0.1 s to import), so that the
    first answer is saved as quickly as the next."""
    if not ws.readonly:
        ws.db.utils  # noqa: B018 - imports sqlite-utils and wraps the connection once


def run_app(argv: list[str] | None = None) -> int:
    """Open the app; returns the exit code. Work is saved as it happens, so closing never asks."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    setup_application(app)
    install_excepthook()
    ws = open_workspace()
    if ws is None:
        return 1
    try:
        if not ws.readonly:
            try:
                checklist_store.ensure_bundled(ws)
            except DabiaoError as exc:
                show_error(None, exc)
        if first_run_needed(ws):
            from .dialogs.first_run import FirstRunDialog

            gc.enable()  # the person reads, then maybe builds the demo: a while

            dialog = FirstRunDialog(ws)
            dialog.exec()
            if dialog.open_assessment:
                ws.set_meta("ui.last_assessment", dialog.open_assessment)
        from .main_window import MainWindow

        window = MainWindow(ws)
        QTimer.singleShot(0, settle_heap)  # after the window's own start-up work, queued before it
        QTimer.singleShot(PRELOAD_AFTER_MS, window, lambda: preload_for_editing(ws))
        show_fitted(window)
        return app.exec()
    finally:
        ws.close()
