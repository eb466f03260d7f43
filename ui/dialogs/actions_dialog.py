"""Corrective actions (整改清单) of a unit, or of every unit: open ones first."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout

from checklists.errors import DabiaoError
from storage import actions as action_store

from ..errors import show_error
from .common import row_table
from ..models.table_models import ActionsModel, RowRole


class ActionsDialog(QDialog):
    jumpRequested = Signal(str, str)  # assessment id, item code

    def __init__(self, ws, unit_id: str | None = None, unit_name: str = "", parent=None):
        super().__init__(parent)
        self.ws = ws
        self.unit_id = unit_id
        self.changed = False
        self.setWindowTitle(f"整改清单 — {unit_name}" if unit_name else "整改清单 — 全部单位")
        self.filter = QComboBox()
        self.filter.addItem("未完成的整改", "open")
        self.filter.addItem("全部整改任务", None)
        self.filter.currentIndexChanged.connect(self.reload)
        self.model = ActionsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        row_table(self.view, stretch=2)
        self.view.doubleClicked.connect(lambda _i: self.jump())
        self.count = QLabel()

        self.done_button = QPushButton("标记已整改(&D)")
        self.verify_button = QPushButton("标记已验收(&V)")
        self.reopen_button = QPushButton("重新打开(&R)")
        self.jump_button = QPushButton("转到条目(&J)")
        close = QPushButton("关闭")
        self.done_button.clicked.connect(lambda: self.set_status("done"))
        self.verify_button.clicked.connect(lambda: self.set_status("verified"))
        self.reopen_button.clicked.connect(lambda: self.set_status("open"))
        self.jump_button.clicked.connect(self.jump)
        close.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(QLabel("显示："))
        top.addWidget(self.filter)
        top.addStretch(1)
        top.addWidget(self.count)
        buttons = QHBoxLayout()
        for b in (self.done_button, self.verify_button, self.reopen_button, self.jump_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(900, 440)
        self.reload()
        self.view.setFocus()

    def reload(self) -> None:
        rows = action_store.list_actions(self.ws, unit_id=self.unit_id, status=self.filter.currentData())
        self.model.set_rows(rows)
        self.count.setText(f"共 {len(rows)} 项")
        if rows:
            self.view.selectRow(0)
        readonly = self.ws.readonly
        for b in (self.done_button, self.verify_button, self.reopen_button):
            b.setEnabled(bool(rows) and not readonly)
        self.jump_button.setEnabled(bool(rows))

    def current(self) -> dict | None:
        index = self.view.currentIndex()
        return index.siblingAtColumn(0).data(RowRole) if index.isValid() else None

    def set_status(self, status: str) -> None:
        row = self.current()
        if row is None:
            return
        try:
            action_store.update_action(self.ws, row["id"], status=status)
        except DabiaoError as exc:
            show_error(self, exc)
            return
        self.changed = True
        self.reload()

    def jump(self) -> None:
        row = self.current()
        if row and row.get("code"):
            self.jumpRequested.emit(row["assessment_id"], row["code"])
            self.accept()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.view.hasFocus():
            self.jump()
            return
        super().keyPressEvent(event)
