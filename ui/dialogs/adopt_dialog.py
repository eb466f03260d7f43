"""采用自评（所有未考评条目）: the items the unit answered and the inspectors have not
reviewed yet, each with the unit's value, all ticked; untick the ones to check on site.
采用 takes the ticked ones as review answers of this inspector (one transaction, logged)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from ..format import value_text
from .common import OK, ok_cancel


class AdoptSelfDialog(QDialog):
    def __init__(self, session, codes, parent=None):
        super().__init__(parent)
        self.session = session
        self.setWindowTitle("采用自评")
        who = session.ws.who
        head = QLabel(f"以下 {len(codes)} 项已有自评结果、尚未考评。勾选的条目将采用被考评单位的自评结果，"
                      f"作为考评人 {who} 的考评结果（每项记入操作日志，可撤销）。"
                      "需要现场核实的条目请取消勾选。")
        head.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setHeaderLabels(["条目", "名称", "自评结果"])
        for code in codes:
            item = session.index[code]
            row = QTreeWidgetItem([code, item.title, value_text(item, session.value(code, "self"))])
            row.setData(0, Qt.ItemDataRole.UserRole, code)
            row.setCheckState(0, Qt.CheckState.Checked)
            self.tree.addTopLevelItem(row)
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(1, 330)
        self.tree.itemChanged.connect(lambda *_: self._update())
        all_button = QPushButton("全选")
        all_button.clicked.connect(lambda: self._check_all(True))
        none_button = QPushButton("全不选")
        none_button.clicked.connect(lambda: self._check_all(False))
        self.buttons = ok_cancel(self, "采用")
        self.ok = self.buttons.button(OK)
        row = QHBoxLayout()
        row.addWidget(all_button)
        row.addWidget(none_button)
        row.addStretch(1)
        row.addWidget(self.buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(self.tree, 1)
        layout.addLayout(row)
        self.resize(680, 520)
        self._update()
        self.tree.setFocus()

    def _rows(self):
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def _check_all(self, on: bool) -> None:
        for row in self._rows():
            row.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        return [row.data(0, Qt.ItemDataRole.UserRole) for row in self._rows()
                if row.checkState(0) == Qt.CheckState.Checked]

    def _update(self) -> None:
        n = len(self.chosen())
        self.ok.setText(f"采用 {n} 项")
        self.ok.setEnabled(n > 0)
