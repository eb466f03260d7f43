"""备份与恢复 from the 文件 menu: the backup dialog, what work in progress a restore must
wait for, and reading everything again after a restore. A mixin of MainWindow
(ui/main_window.py); the backups themselves are storage's."""

from __future__ import annotations


class BackupFlow:
    """备份与恢复 for MainWindow."""

    def busy_reason(self) -> str | None:
        """Work in progress that a restore must not pull the data from under."""
        if self.item_pane.evidence.busy():
            return "正在导入照片，请等导入完成后再恢复备份。"
        if self.documents.running():
            return "正在生成文书，请等生成完成后再恢复备份。"
        try:
            open_dialog = self.exchange.dialog is not None and self.exchange.dialog.isVisible()
        except RuntimeError:  # closed and deleted
            open_dialog = False
        if open_dialog:
            return "交换包或标准导入窗口还开着，请先关闭后再恢复备份。"
        return None

    def show_backups(self) -> None:
        from .dialogs.backup_dialog import BackupDialog

        self.item_pane.flush()
        dialog = BackupDialog(self.ws, self, busy=self.busy_reason)
        dialog.restored.connect(lambda _r: self.reload_workspace())
        self.backup_dialog = dialog  # tests look at it
        dialog.exec()

    def reload_workspace(self) -> None:
        """The whole database changed (a backup restored): read everything again."""
        current = self.session.id if self.session is not None else None
        self.units_pane.reload()
        self.units_pane.model.refresh_actions()
        ids = self.units_pane.model.assessment_ids()
        if current in ids:
            self.units_pane.select(current)
            self.open_assessment(current, force=True)
        elif ids:
            self.units_pane.select(ids[0])
            self.open_assessment(ids[0], force=True)
        self.update_title()
        self.update_actions()
        self.statusBar().showMessage("已恢复备份，界面已按恢复后的数据刷新", 8000)
