"""Choose one or several of the criteria versions kept in the workspace."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout)

from checklists.errors import DabiaoError
from storage import checklist_store

from ..errors import show_error

LEVEL_LABELS = {"province": "省标", "city": "市标", "county": "县标"}


class ChecklistChoiceDialog(QDialog):
    """rows: checklist_store.list_checklists(); `multiple` shows check boxes, else one is chosen."""

    def __init__(self, ws, title: str, text: str, *, multiple: bool = False, preselect=(), ok_text: str = "确定",
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.multiple = multiple
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["标准", "编号@版本", "级别", "年度"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        preselect = set(preselect)
        first = None
        for row in checklist_store.list_checklists(ws):
            ref = f"{row['id']}@{row['version']}"
            item = QTreeWidgetItem([row["title"] or row["id"], ref, LEVEL_LABELS.get(row["level"], row["level"] or ""),
                                    str(row["year"] or "")])
            item.setData(0, Qt.ItemDataRole.UserRole, ref)
            if row["extends_id"]:
                item.setToolTip(0, f"在 {row['extends_id']}@{row['extends_version']} 基础上增删改")
            if multiple:
                item.setCheckState(0, Qt.CheckState.Checked if ref in preselect else Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(item)
            if ref in preselect and first is None:
                first = item
        self.tree.setCurrentItem(first or self.tree.topLevelItem(0))
        self.tree.itemDoubleClicked.connect(lambda *_: None if multiple else self.accept())
        label = QLabel(text)
        label.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.ok.setEnabled(self.tree.topLevelItemCount() > 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(700, 420)

    def chosen(self) -> list[str]:
        """The refs (ID@VERSION) chosen: the ticked ones, or the current one."""
        if self.multiple:
            return [self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                    for i in range(self.tree.topLevelItemCount())
                    if self.tree.topLevelItem(i).checkState(0) == Qt.CheckState.Checked]
        item = self.tree.currentItem()
        return [item.data(0, Qt.ItemDataRole.UserRole)] if item else []


def choose_checklist(ws, title: str, text: str, parent=None, ok_text: str = "确定"):
    """One checklist of the workspace, chosen by the person and loaded; None when cancelled
    or when it cannot be loaded (said in a message box)."""
    dialog = ChecklistChoiceDialog(ws, title, text, ok_text=ok_text, parent=parent)
    if not dialog.exec() or not dialog.chosen():
        return None
    set_id, version = checklist_store.parse_ref(dialog.chosen()[0])
    try:
        return checklist_store.load(ws, set_id, version)
    except DabiaoError as exc:
        show_error(parent, "\n".join(exc.lines()))
        return None
