"""The application object, kept thin: fonts and translations, open the workspace (with a
clear choice when another copy holds it, and when its database is damaged: restore the
newest good backup, or quit), the first-run guide, then the main window."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import PySide6
from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QMessageBox

from checklists.errors import DabiaoError
from storage import Workspace, checklist_store, units
from storage.errors import WorkspaceLocked
from storage.timefmt import local_time
from storage.workspace import DamagedWorkspace, default_data_dir

from .errors import install_excepthook, show_error
from .main_window import MainWindow
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
    if getattr(PySide6, "__file__", None):  # a frozen build may have none
        dirs.append(Path(PySide6.__file__).resolve().parent / "Qt" / "translations")
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
    """Open the workspace; when another copy of the app holds it, offer read-only or quit;
    when its database is damaged, offer the newest good backup or quit (never a new one)."""
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
            ws = Workspace.open(folder, readonly=True)
        except DabiaoError as exc2:
            show_error(parent, exc2)
            return None
        if ws.readonly_reason is None:  # the title bar and the status bar say why
            ws.readonly_reason = f"另一个达标程序正在写入此工作区：{getattr(exc, 'holder_text', '持有者未知')}"
        return ws
    except DamagedWorkspace as exc:
        return offer_restore(exc, folder, parent)
    except DabiaoError as exc:
        show_error(parent, exc)
        return None


def damaged_box(exc: DamagedWorkspace, parent=None):
    """(box, restore button or None): what is wrong with the database, that nothing was
    changed, and the newest good backup to restore (storage found it), or that there is none."""
    from storage import backup  # only for a damaged database

    what = f"数据库 {exc.path} {exc.problem}" if exc.path and exc.problem else str(exc)
    text = (f"无法打开工作区：{what}。\n\n为免丢失数据，达标没有改动任何文件，也不会新建空白的工作区。")
    good = exc.good_backup
    if good is not None:
        b = backup.describe(good)
        text += (f"\n\n最近一个完好的备份是 {local_time(b.made_at)} 的{b.kind_label}（{good.name}）。"
                 "恢复它时，当前的数据库文件会先另存到 backups/ 文件夹（“恢复前的数据”），需要时仍可找回；"
                 "照片不受影响；此备份之后所做的修改不在其中。\n\n恢复此备份，还是退出？")
    else:
        text += "\n\nbackups/ 中没有可用的完好备份。请不要删除或移动此文件，联系技术人员处理。"
    box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME, text, parent=parent)
    restore = box.addButton("恢复此备份", QMessageBox.ButtonRole.AcceptRole) if good is not None else None
    leave = box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore or leave)
    return box, restore


def offer_restore(exc: DamagedWorkspace, folder=None, parent=None) -> Workspace | None:
    """The database is damaged: say so and offer its newest good backup. Restoring uses
    storage.restore.restore_backup (as `db restore`: the current file is kept first), then
    opens the workspace; quitting changes nothing."""
    from storage import backup  # only for a damaged database
    from storage.restore import restore_backup

    box, restore = damaged_box(exc, parent)
    box.exec()
    if restore is None or box.clickedButton() is not restore:
        return None
    place = exc.path.parent if exc.path is not None else (Path(folder) if folder else default_data_dir())
    try:
        result = restore_backup(place, str(exc.good_backup))
    except DabiaoError as exc2:
        show_error(parent, f"恢复失败：{exc2}")
        return None
    saved = f"恢复前的数据库文件已另存为 backups/{result.saved.name}。" if result.saved else ""
    QMessageBox.information(parent, APP_NAME, f"已恢复到 {local_time(backup.describe(result.restored).made_at)} "
                                              f"的备份（{result.restored.name}）。{saved}")
    try:
        return Workspace.open(place, wait=1.0)
    except DabiaoError as exc3:
        show_error(parent, exc3)
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


def preload_for_editing(ws) -> None:
    """A moment after start-up, load what the first edit needs and start-up did not:
    sqlite-utils (the table helpers every save uses, about 0.1 s to import), so that the
    first answer is saved as quickly as the next."""
    if not ws.readonly:
        ws.db.utils  # noqa: B018 - imports sqlite-utils and wraps the connection once


def preload_when_badges_done(window, ws) -> None:
    """Preload once the units tree's badges are scored: importing sqlite-utils on the UI
    thread while the badge worker runs shares Python with it and stalled the window for
    0.2-0.5 s on a 1,500-town workspace."""
    if window.units_pane.badges_busy():
        QTimer.singleShot(PRELOAD_AFTER_MS // 4, window, lambda: preload_when_badges_done(window, ws))
        return
    preload_for_editing(ws)


def run_app(argv: list[str] | None = None, settle_heap: Callable[[], None] | None = None) -> int:
    """Open the app; returns the exit code. Work is saved as it happens, so closing never asks.
    settle_heap: the garbage collector's part (ui.startup.open_app), called when the window's
    start-up work is done, or before the first-run guide waits for the person."""
    settle_heap = settle_heap or (lambda: None)
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
            from .dialogs.first_run import FirstRunDialog  # only on a first run: builds the demo (Pillow)

            settle_heap()  # the person reads, then maybe builds the demo: a while
            dialog = FirstRunDialog(ws)
            dialog.exec()
            if dialog.open_assessment:
                ws.set_meta("ui.last_assessment", dialog.open_assessment)
        window = MainWindow(ws)
        QTimer.singleShot(0, settle_heap)  # after the window's own start-up work, queued before it
        QTimer.singleShot(PRELOAD_AFTER_MS, window, lambda: preload_when_badges_done(window, ws))
        show_fitted(window)
        return app.exec()
    finally:
        ws.close()
