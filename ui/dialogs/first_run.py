"""First run: create the county and its towns (and this year's assessments), or load the
demo workspace with a filled example."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QApplication, QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox,
                               QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from checklists.errors import DabiaoError
from storage import assessments, units

from .assessment_dialog import applicable_checklists


def checklist_label(row: dict, rows: list[dict]) -> str:
    """What a person reads for a criteria version: its title and year, never its internal
    id; the version only when two stored versions share the title."""
    label = row["title"]
    year = row.get("year")
    if year and str(year) not in label:
        label += f"（{year} 年度）"
    if sum(1 for r in rows if r["title"] == row["title"]) > 1:
        label += f"，版本 {row['version']}"
    return label


class FirstRunDialog(QDialog):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.choice: str | None = None
        self.open_assessment: str | None = None
        self.setWindowTitle("欢迎使用 — 基层武装部规范化建设考评")
        intro = QLabel("<p style='font-size:12pt'><b>欢迎！</b>先建立要考评的单位。</p>"
                       "<p>示例考评标准（省标、市级细则、民兵营连和企业星级标准）已经装好。"
                       "所有填写内容都会立即自动保存，没有“保存”按钮。</p>")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.create_radio = QRadioButton("创建本县（市、区）和所属乡镇(&C)")
        self.demo_radio = QRadioButton("载入示例：某县，含一份已填写完成的考评(&D)")
        self.later_radio = QRadioButton("以后再说，直接进入(&L)")
        group = QButtonGroup(self)
        for b in (self.create_radio, self.demo_radio, self.later_radio):
            group.addButton(b)
        self.create_radio.setChecked(True)

        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(24, 0, 0, 0)
        self.county = QLineEdit()
        self.county.setPlaceholderText("例如：某某县人武部")
        self.towns = QPlainTextEdit()
        self.towns.setPlaceholderText("每行一个乡镇（街道），例如：\n城关镇\n东风镇\n青山乡")
        self.towns.setTabChangesFocus(True)
        self.towns.setFixedHeight(110)
        self.with_assessments = QCheckBox("同时为每个乡镇新建年度考评：")
        self.with_assessments.setChecked(True)
        self.checklist = QComboBox()
        rows = applicable_checklists(ws, "town")
        for row in rows:
            self.checklist.addItem(checklist_label(row, rows), row)
            self.checklist.setItemData(self.checklist.count() - 1, f"标准编号：{row['id']}，版本 {row['version']}",
                                       Qt.ItemDataRole.ToolTipRole)
        # the city overlay is the most complete sample: preselect it
        for i in range(self.checklist.count()):
            if self.checklist.itemData(i)["id"].startswith("city-"):
                self.checklist.setCurrentIndex(i)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setGroupSeparatorShown(False)
        row = self.checklist.currentData()
        self.year.setValue(int(row["year"]) if row and row.get("year") else date.today().year)
        form.addRow("县（市、区）名称(&N)：", self.county)
        form.addRow("乡镇（街道）(&T)：", self.towns)
        form.addRow(self.with_assessments)
        form.addRow("考评标准：", self.checklist)
        form.addRow("年度(&Y)：", self.year)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c5221f;")
        self.error.setWordWrap(True)
        self.error.hide()

        for b in (self.create_radio, self.demo_radio, self.later_radio):
            b.toggled.connect(self._update)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("开始")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.create_radio)
        layout.addWidget(self.form)
        layout.addWidget(self.demo_radio)
        layout.addWidget(self.later_radio)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        self._update()
        self.county.setFocus()

    def _update(self) -> None:
        self.form.setEnabled(self.create_radio.isChecked())

    def town_names(self) -> list[str]:
        seen = []
        for line in self.towns.toPlainText().splitlines():
            name = line.strip()
            if name and name not in seen:
                seen.append(name)
        return seen

    def accept(self) -> None:
        try:
            if self.demo_radio.isChecked():
                QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
                try:
                    from storage.demo import build_demo  # Pillow, for the demo's photos: only when chosen

                    self.open_assessment = build_demo(self.ws)["assessment"]
                finally:
                    QApplication.restoreOverrideCursor()
                self.choice = "demo"
            elif self.create_radio.isChecked():
                self.create_units()
                self.choice = "create"
            else:
                self.choice = "later"
            self.ws.set_meta("ui.onboarded", "1")
        except DabiaoError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()

    def create_units(self) -> None:
        name = self.county.text().strip()
        towns = self.town_names()
        if not name:
            raise DabiaoError("请填写县（市、区）名称")
        county = units.add_unit(self.ws, name, "county")
        row = self.checklist.currentData()
        first = None
        for town in towns:
            t = units.add_unit(self.ws, town, "town", county["id"])
            if self.with_assessments.isChecked() and row:
                a = assessments.new_assessment(self.ws, t["id"], row["id"], row["version"], self.year.value())
                first = first or a["id"]
        self.open_assessment = first

    def reject(self) -> None:
        # Esc: same as "later" (never leaves the person without a window)
        self.later_radio.setChecked(True)
        self.accept()
