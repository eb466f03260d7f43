"""The 交换 and 标准 menus' flows: exchange bundles on USB sticks (export, import with a
summary before applying, the inspector's overview) and criteria files (import after
validation, export as a workbook, the blank template). Dialogs live in dialogs/; the
work itself in storage/ and checklists/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from checklists.errors import DabiaoError

from .errors import show_error

if TYPE_CHECKING:
    from .dialogs.criteria_import_dialog import CriteriaImportDialog
    from .dialogs.export_bundle_dialog import ExportBundleDialog
    from .dialogs.import_bundle_dialog import ImportBundleDialog
    from .dialogs.received_dialog import ReceivedDialog
    from .dialogs.year_bundle_dialog import YearBundleDialog

# Each flow imports its dialog (and checklists.workbook, which loads openpyxl; the file
# dialogs and ui.files) when it is used: the main window makes this object at start-up,
# and need not load them to show.

CRITERIA_FILTER = "考评标准 (*.yaml *.yml *.json *.xlsx);;Excel 工作簿 (*.xlsx);;YAML / JSON (*.yaml *.yml *.json)"


class ExchangeFlows(QObject):
    """Opens the dialogs for the main window (window-modal, not blocking) and refreshes it after."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.ws = window.ws
        self.dialog = None  # the dialog last opened (tests look at it)

    def _show(self, dialog):
        self.dialog = dialog
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # ---------------------------------------------------------------- bundles

    def export_bundle(self, kind: str) -> ExportBundleDialog:
        from .dialogs.export_bundle_dialog import ExportBundleDialog

        w = self.window
        w.item_pane.flush()
        if kind == "criteria":
            preselect = [f"{w.session.checklist.id}@{w.session.checklist.version}"] if w.session else []
        else:
            preselect = [w.session.id] if w.session else []
        return self._show(ExportBundleDialog(self.ws, kind, preselect, w))

    def export_year_bundle(self) -> YearBundleDialog:
        """导出县年度数据包（报军分区）: the county's whole year; the result also goes to the status bar."""
        from .dialogs.year_bundle_dialog import YearBundleDialog

        w = self.window
        w.item_pane.flush()
        dialog = YearBundleDialog(self.ws, w)
        dialog.exported.connect(lambda _result: w.statusBar().showMessage(dialog.message, 10000))
        return self._show(dialog)

    def import_bundle(self, path: str | None = None) -> ImportBundleDialog | None:
        from PySide6.QtWidgets import QFileDialog

        from . import files
        from .dialogs.import_bundle_dialog import ImportBundleDialog

        w = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(w, "导入交换包", str(files.start_dir()),
                                                  "达标交换包 (*.dabiao);;所有文件 (*)")
        if not path:
            return None
        files.remember(path)
        w.item_pane.flush()
        dialog = ImportBundleDialog(self.ws, path, w)
        dialog.imported.connect(w.refresh_after_import)
        return self._show(dialog)

    def received(self) -> ReceivedDialog:
        from .dialogs.received_dialog import ReceivedDialog

        w = self.window
        dialog = ReceivedDialog(self.ws, w.session.id if w.session else None, w)
        dialog.openRequested.connect(w.open_from_list)
        return self._show(dialog)

    # ---------------------------------------------------------------- criteria

    def import_criteria(self, path: str | None = None) -> CriteriaImportDialog | None:
        from PySide6.QtWidgets import QFileDialog

        from . import files
        from .dialogs.criteria_import_dialog import CriteriaImportDialog

        w = self.window
        if path is None:
            path, _ = QFileDialog.getOpenFileName(w, "导入考评标准", str(files.start_dir()), CRITERIA_FILTER)
        if not path:
            return None
        files.remember(path)
        dialog = CriteriaImportDialog(self.ws, path, w)
        dialog.imported.connect(lambda row: w.statusBar().showMessage(
            f"已导入考评标准 {row['title']}（{row['id']}@{row['version']}）", 6000))
        return self._show(dialog)

    def export_criteria_workbook(self) -> None:
        w = self.window
        checklist = w.session.checklist if w.session else None
        if checklist is None:
            from .dialogs.checklist_choice import choose_checklist

            checklist = choose_checklist(self.ws, "导出为 Excel", "选择要导出为 Excel 工作簿的考评标准：", w, ok_text="导出")
            if checklist is None:
                return

        def write(target: Path) -> str:
            from checklists.workbook import write_workbook

            write_workbook(checklist, target)
            return f"已导出 {checklist.ref} 到 {target}（合并后的完整标准，可在 Excel/WPS 中修改后导入）"

        self._save_workbook("导出为 Excel", f"{checklist.title}.xlsx", write)

    def write_template(self) -> None:
        def write(target: Path) -> str:
            from checklists.workbook import write_template

            write_template(target)
            return f"已保存空白模板：{target}（“说明”工作表解释每一列）"

        self._save_workbook("下载空白模板", "考评标准模板.xlsx", write)

    def _save_workbook(self, title: str, name: str, write: Callable[[Path], str]) -> None:
        """Ask where to save the workbook `name`, then write(path) it there; its message goes
        to the status bar, a problem to a message box."""
        from . import files

        w = self.window
        target = files.ask_save_path(w, title, name, "Excel 工作簿 (*.xlsx)")
        if target is None:
            return
        try:
            message = write(target)
        except DabiaoError as exc:
            show_error(w, "\n".join(exc.lines()), title)
            return
        w.statusBar().showMessage(message, 8000)
