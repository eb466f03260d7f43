"""New unit: name, type, parent. A new 军分区 can take the counties that stand at the top
of the workspace under it (ticked, all by default); a new town, enterprise or 民兵营连 can
carry the unit tags (大镇 / 小镇 …) the workspace's criteria declare."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from checklists.errors import DabiaoError
from storage import units

from .common import error_label, ok_cancel
from .unit_tags_dialog import TAGGED_TYPES, TagBoxes

# Which types may sit under which (军分区 > county > town/enterprise > militia): the
# hierarchy storage.units.PARENT_TYPES enforces, read from below.
CHILD_TYPES = {None: ("city", "county", "town", "enterprise"), "city": ("county",), "county": ("town", "enterprise"),
               "town": ("militia",), "enterprise": ("militia",), "militia": ()}


class NewUnitDialog(QDialog):
    def __init__(self, ws, parent_id: str | None = None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.created: dict | None = None
        self.moved: list[str] = []  # counties put under a new 军分区
        self.setWindowTitle("新建单位")
        self.name = QLineEdit()
        self.name.setPlaceholderText("例如：城关镇武装部")
        self.parent_box = QComboBox()
        self.parent_box.addItem("（无上级，顶层单位）", None)
        rows = units.list_units(ws)
        for u in rows:
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
        self.counties_label = QLabel("下辖县（市、区）人武部(&C)：")
        self.counties = QListWidget()
        self.counties.setToolTip("勾选的县（市、区）人武部移到新建的军分区之下")
        for u in rows:
            if u["type"] == "county" and not u["parent_id"]:
                item = QListWidgetItem(u["name"])
                item.setData(Qt.ItemDataRole.UserRole, u["id"])
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.counties.addItem(item)
        self.counties.setMaximumHeight(160)
        self.counties_label.setBuddy(self.counties)
        self.tags_label = QLabel("单位标签：")
        self.tags = TagBoxes(units.declared_tags(ws))
        self.tags.setToolTip("考评标准中仅适用于（或不适用于）某类单位的条目，按这里勾选的标签确定")
        self.parent_box.currentIndexChanged.connect(self._fill_types)
        self.type_box.currentIndexChanged.connect(self._show_counties)
        self.type_box.currentIndexChanged.connect(self._show_tags)
        self.error = error_label()

        form = QFormLayout()
        form.addRow("单位名称(&N)：", self.name)
        form.addRow("上级单位(&P)：", self.parent_box)
        form.addRow("单位类型(&T)：", self.type_box)
        form.addRow(self.counties_label, self.counties)
        form.addRow(self.tags_label, self.tags)
        buttons = ok_cancel(self, "创建")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._fill_types()
        self.resize(420, self.sizeHint().height())

    def _fill_types(self) -> None:
        parent_id = self.parent_box.currentData()
        parent_type = units.get_unit(self.ws, parent_id)["type"] if parent_id else None
        self.type_box.clear()
        for t in CHILD_TYPES.get(parent_type, ()):
            self.type_box.addItem(units.UNIT_TYPE_LABELS[t], t)
        if parent_type is None:  # at the top: a county by default, as before the 军分区
            self.type_box.setCurrentIndex(max(0, self.type_box.findData("county")))
        self._show_counties()
        self._show_tags()

    def _show_counties(self) -> None:
        """The counties to take under a new 军分区: only for a 军分区, and only when there are any."""
        shown = self.type_box.currentData() == "city" and self.counties.count() > 0
        self.counties_label.setVisible(shown)
        self.counties.setVisible(shown)

    def _show_tags(self) -> None:
        """The tag boxes: for a unit a criteria set scores, when the criteria declare tags."""
        shown = self.type_box.currentData() in TAGGED_TYPES and bool(self.tags.boxes)
        self.tags_label.setVisible(shown)
        self.tags.setVisible(shown)

    def chosen_tags(self) -> list[str]:
        """The tags ticked for the new unit (none for a type that carries no tags)."""
        return self.tags.chosen() if self.type_box.currentData() in TAGGED_TYPES else []

    def chosen_counties(self) -> list[str]:
        """Ids of the counties ticked to go under the new 军分区."""
        if self.type_box.currentData() != "city":
            return []
        return [self.counties.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.counties.count())
                if self.counties.item(i).checkState() == Qt.CheckState.Checked]

    def accept(self) -> None:
        if self.created is not None:  # made already; a county that could not move was said
            super().accept()
            return
        try:
            self.created = units.add_unit(self.ws, self.name.text(), self.type_box.currentData(),
                                          self.parent_box.currentData(), tags=self.chosen_tags())
        except DabiaoError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.name.setFocus()
            return
        try:
            for county_id in self.chosen_counties():  # each move saved (and logged) on its own
                units.move_unit(self.ws, county_id, self.created["id"])
                self.moved.append(county_id)
        except DabiaoError as exc:
            # The 军分区 is made and the counties moved so far stay under it: say what did not.
            self.error.setText(f"已新建“{self.created['name']}”，但有县（市、区）未能移到其下：{exc}")
            self.error.show()
            self.counties.setEnabled(False)
            return
        super().accept()
