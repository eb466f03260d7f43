"""New assessment: unit, criteria version (from the workspace), year, optional start
from last year's self-assessment."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QSpinBox,
                               QVBoxLayout)

from checklists.errors import DabiaoError
from storage import answer_store
from storage import assessments, checklist_store, units
from .common import ok_cancel


def applicable_checklists(ws, unit_type: str) -> list[dict]:
    """Stored checklist versions that apply to a unit type (those without applies_to apply to all)."""
    out = []
    for row in checklist_store.list_checklists(ws):
        try:
            checklist = checklist_store.load(ws, row["id"], row["version"])
        except DabiaoError:
            continue
        if not checklist.applies_to or unit_type in checklist.applies_to:
            out.append(row | {"year": checklist.year or row.get("year")})
    return out


class NewAssessmentDialog(QDialog):
    def __init__(self, ws, unit_id: str | None = None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.created: dict | None = None
        self.setWindowTitle("新建考评")
        self.unit_box = QComboBox()
        for u in units.list_units(ws):
            if u["type"] != "county":
                self.unit_box.addItem("　" * u["depth"] + u["name"], u["id"])
        if unit_id:
            i = self.unit_box.findData(unit_id)
            if i >= 0:
                self.unit_box.setCurrentIndex(i)
        self.checklist_box = QComboBox()
        self.checklist_box.setMinimumWidth(420)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.setGroupSeparatorShown(False)
        self.copy = QCheckBox("以上一年度自评为起点（复制相同条目的答案）")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #5f6368;")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c5221f;")
        self.error.hide()
        self.unit_box.currentIndexChanged.connect(self._fill_checklists)
        self.checklist_box.currentIndexChanged.connect(self._checklist_changed)
        self.year.valueChanged.connect(self._update_copy)

        form = QFormLayout()
        form.addRow("被考评单位(&U)：", self.unit_box)
        form.addRow("考评标准(&C)：", self.checklist_box)
        form.addRow("年度(&Y)：", self.year)
        form.addRow("", self.copy)
        self.buttons = ok_cancel(self, "创建")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self._fill_checklists()

    def _unit(self) -> dict | None:
        uid = self.unit_box.currentData()
        return units.get_unit(self.ws, uid) if uid else None

    def _fill_checklists(self) -> None:
        self.checklist_box.clear()
        unit = self._unit()
        rows = applicable_checklists(self.ws, unit["type"]) if unit else []
        for row in rows:
            self.checklist_box.addItem(f"{row['title']}（{row['id']}@{row['version']}）", row)
        ok = bool(rows)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        if unit is None:
            self.hint.setText("请先新建单位（乡镇、企业或民兵营连）。")
        elif not ok:
            self.hint.setText("工作区中没有适用于该类单位的考评标准，请先从“文件 → 导入考评标准”导入。")
        else:
            self.hint.setText("")
        self._checklist_changed()

    def _checklist_changed(self) -> None:
        row = self.checklist_box.currentData()
        if row and row.get("year"):
            self.year.setValue(int(row["year"]))
        self._update_copy()

    def previous(self) -> dict | None:
        unit = self._unit()
        if unit is None:
            return None
        older = [a for a in assessments.list_assessments(self.ws, unit_id=unit["id"]) if a["year"] < self.year.value()]
        return older[0] if older else None

    def _update_copy(self) -> None:
        prev = self.previous()
        self.copy.setEnabled(prev is not None)
        self.copy.setChecked(prev is not None)
        self.copy.setText(f"以 {prev['year']} 年度自评为起点（复制相同条目的答案）" if prev
                          else "以上一年度自评为起点（无）")

    def accept(self) -> None:
        unit = self._unit()
        row = self.checklist_box.currentData()
        if unit is None or row is None:
            return
        try:
            created = assessments.new_assessment(self.ws, unit["id"], row["id"], row["version"], self.year.value())
            prev = self.previous()
            if self.copy.isChecked() and prev is not None:
                answer_store.copy_from(self.ws, prev["id"], created["id"])
        except DabiaoError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.created = created
        super().accept()
