"""单位标签: the unit tags the workspace's criteria declare (大镇 / 小镇 …), one check box
each, for a new unit (NewUnitDialog) and for changing a unit's tags (UnitTagsDialog,
saved at once on OK through storage.units.set_tags)."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QVBoxLayout, QWidget

from checklists.errors import DabiaoError
from storage import units

from ..errors import show_error
from .common import ok_cancel

# The unit types a criteria set scores (a town, an enterprise, a 民兵营连): only these carry tags.
TAGGED_TYPES = ("town", "enterprise", "militia")


class TagBoxes(QWidget):
    """One check box per declared tag, its label shown (大镇（街道）（常住人口5万以上）),
    ticked for `ticked` (keys)."""

    def __init__(self, declared: dict[str, str], ticked=(), parent=None):
        super().__init__(parent)
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for key, label in declared.items():
            box = QCheckBox(label)
            box.setToolTip(f"标签 {key}：考评标准中仅适用于或不适用于此类单位的条目据此确定")
            box.setChecked(key in ticked)
            self.boxes[key] = box
            layout.addWidget(box)

    def chosen(self) -> list[str]:
        """The keys of the ticked tags, in the order declared."""
        return [key for key, box in self.boxes.items() if box.isChecked()]


class UnitTagsDialog(QDialog):
    """Change one unit's tags: saved (and logged) at once on OK; `changed` says whether
    they differ from before, so the window re-reads what depends on them."""

    def __init__(self, ws, unit_id: str, parent=None):
        super().__init__(parent)
        self.ws, self.unit_id = ws, unit_id
        self.changed = False
        unit = units.get_unit(ws, unit_id) or {"name": unit_id}
        try:
            self.before = list(units.unit_tags(ws, unit_id))
        except ValueError:  # damaged in the database: ticking them again is the repair
            self.before = []
        self.setWindowTitle("单位标签")
        declared = units.declared_tags(ws)
        note = QLabel(f"“{unit['name']}”属于哪类单位：考评标准中仅适用于（或不适用于）某类单位的条目，"
                      "按这里勾选的标签计为适用或不适用。")
        note.setWordWrap(True)
        self.tags = TagBoxes(declared, self.before)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.tags)
        if not declared:
            layout.addWidget(QLabel("工作区中的考评标准都未声明单位标签。"))
        layout.addWidget(ok_cancel(self, "保存"))
        self.resize(420, self.sizeHint().height())

    def accept(self) -> None:
        chosen = self.tags.chosen()
        try:
            units.set_tags(self.ws, self.unit_id, chosen)
        except DabiaoError as exc:
            show_error(self, exc)
            return
        self.changed = sorted(chosen) != sorted(self.before)
        super().accept()
