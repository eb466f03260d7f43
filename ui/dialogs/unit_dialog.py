"""New unit: name, type, parent."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLineEdit, QVBoxLayout

from checklists.errors import DabiaoError
from storage import units
from .common import error_label, ok_cancel

# Which types may sit under which (county > town/enterprise > militia).
CHILD_TYPES = {None: ("county", "town", "enterprise"), "county": ("town", "enterprise"),
               "town": ("militia",), "enterprise": ("militia",), "militia": ()}


class NewUnitDialog(QDialog):
    def __init__(self, ws, parent_id: str | None = None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.created: dict | None = None
        self.setWindowTitle("新建单位")
        self.name = QLineEdit()
        self.name.setPlaceholderText("例如：城关镇武装部")
        self.parent_box = QComboBox()
        self.parent_box.addItem("（无上级，顶层单位）", None)
        for u in units.list_units(ws):
            if CHILD_TYPES.get(u["type"]):
                self.parent_box.addItem("　" * u["depth"] + u["name"], u["id"])
        if parent_id:
            i = self.parent_box.findData(parent_id)
            if i < 0:  # a militia unit cannot hold children: use its parent
                unit = units.get_unit(ws, parent_id)
                i = self.parent_box.findData(unit["parent_id"]) if unit else -1
            if i >= 0:
                self.parent_box.setCurrentIndex(i)
        self.type_box = QComboBox()
        self.parent_box.currentIndexChanged.connect(self._fill_types)
        self._fill_types()
        self.error = error_label()

        form = QFormLayout()
        form.addRow("单位名称(&N)：", self.name)
        form.addRow("上级单位(&P)：", self.parent_box)
        form.addRow("单位类型(&T)：", self.type_box)
        buttons = ok_cancel(self, "创建")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(420, self.sizeHint().height())

    def _fill_types(self) -> None:
        parent_id = self.parent_box.currentData()
        parent_type = units.get_unit(self.ws, parent_id)["type"] if parent_id else None
        self.type_box.clear()
        for t in CHILD_TYPES.get(parent_type, ()):
            self.type_box.addItem(units.UNIT_TYPE_LABELS[t], t)

    def accept(self) -> None:
        try:
            self.created = units.add_unit(self.ws, self.name.text(), self.type_box.currentData(),
                                          self.parent_box.currentData())
        except DabiaoError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.name.setFocus()
            return
        super().accept()
