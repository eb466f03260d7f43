"""文件 → 备份与恢复: the workspace's backups with their dates, 立即备份, and 恢复 of a
chosen one after a confirmation; the current state is kept as a backup first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout

from checklists.errors import DabiaoError
from storage import backup
from storage.timefmt import local_time

from .. import files
from ..errors import ask, show_error
from .common import row_table


def size_text(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, round(n / 1024))} KB"


class BackupDialog(QDialog):
    restored = Signal(object)  # storage.backup.Restored

    def __init__(self, ws, parent=None, busy=None):
        """busy(): why a restore cannot run now (work in progress), or None."""
        super().__init__(parent)
        self.ws = ws
        self.busy = busy or (lambda: None)
        self.result = None
        self.setWindowTitle("备份与恢复")
        head = QLabel("达标每天第一次打开工作区时自动备份数据库，保留最近 10 个。恢复会用所选备份替换当前数据；"
                      "恢复前，当前数据会先另存为一个备份（“恢复前的数据”），恢复之后仍可改回。照片文件不受影响。")
        head.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["备份时间", "类型", "大小", "文件"])
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        row_table(self.table).setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._update)
        self.table.doubleClicked.connect(lambda _i: self.restore_current())
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.backup_button = QPushButton("立即备份(&B)")
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("恢复所选备份(&R)…")
        self.restore_button.clicked.connect(self.restore_current)
        folder = QPushButton("打开备份文件夹")
        folder.clicked.connect(lambda: files.open_external(self.ws.folder / "backups"))
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.backup_button)
        buttons.addWidget(folder)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.info)
        layout.addLayout(buttons)
        self.resize(720, 420)
        if ws.readonly:
            self.backup_button.setEnabled(False)
            self.info.setText("工作区以只读方式打开：只能查看备份，不能备份或恢复。")
        self.reload()

    def reload(self, select=None) -> None:
        self.rows = backup.list_backups(self.ws)
        t = self.table
        t.setRowCount(len(self.rows))
        for r, b in enumerate(self.rows):
            for c, text in enumerate((local_time(b.made_at, seconds=True), b.kind_label, size_text(b.size), b.name)):
                item = QTableWidgetItem(text)
                item.setToolTip(str(b.path))
                t.setItem(r, c, item)
        if self.rows:
            names = [b.path for b in self.rows]
            t.selectRow(names.index(select) if select in names else 0)
        elif not self.ws.readonly:
            self.info.setText("还没有备份。点“立即备份”做一个。")
        self._update()

    def current(self):
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _update(self) -> None:
        self.restore_button.setEnabled(self.current() is not None and not self.ws.readonly)

    def backup_now(self) -> None:
        try:
            path = backup.make_backup(self.ws, backup.MANUAL)
        except DabiaoError as exc:
            show_error(self, exc)
            return
        self.reload(select=path)
        self.info.setText(f"已备份：{path.name}")

    def restore_current(self) -> None:
        b = self.current()
        if b is None or self.ws.readonly:
            return
        reason = self.busy()
        if reason:
            show_error(self, reason, "备份与恢复")
            return
        text = (f"用 {local_time(b.made_at)} 的{b.kind_label}（{b.name}）替换当前数据？\n\n"
                "此后所做的修改将不在恢复后的数据中；恢复前，当前数据会先另存为一个备份（“恢复前的数据”），"
                "需要时可以再恢复回来。恢复记入操作日志。")
        if not ask(self, "恢复备份", text, "恢复"):
            return
        self.restore(b.path)

    def restore(self, path) -> bool:
        try:
            self.result = backup.restore(self.ws, path)
        except DabiaoError as exc:
            show_error(self, exc, "恢复失败")
            return False
        saved = self.result.saved.name if self.result.saved else ""
        self.reload(select=self.result.saved)
        self.info.setText(f"已恢复到 {local_time(describe_time(path))} 的数据。恢复前的数据已另存为 {saved}。")
        self.restored.emit(self.result)
        return True


def describe_time(path):
    return backup.describe(path).made_at
