"""Choices for the county summary (县级汇总): which year, which county, PDF or Excel."""

from __future__ import annotations

from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QRadioButton, QVBoxLayout)

from exports.data import RESULT_RULE
from storage import assessments, units


class SummaryDialog(QDialog):
    def __init__(self, ws, year: int | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("县级汇总")
        counts: dict = {}
        for a in assessments.list_assessments(ws):
            counts[a["year"]] = counts.get(a["year"], 0) + 1
        self.year = QComboBox()
        for y in sorted(counts, reverse=True):
            self.year.addItem(f"{y} 年度（{counts[y]} 个单位）", y)
        if year in counts:
            self.year.setCurrentIndex(self.year.findData(year))
        self.county = QComboBox()
        counties = [u["name"] for u in units.list_units(ws) if u["type"] == "county"]
        if len(counties) > 1:
            self.county.addItem(f"全部（{len(counties)} 个县、市、区）", "")
        for name in counties:
            self.county.addItem(name, name)
        if len(counties) <= 1:
            self.county.addItem("（不写县名）", "")
        self.pdf = QRadioButton("PDF（预览、打印）")
        self.xlsx = QRadioButton("Excel 表格（.xlsx）")
        self.pdf.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.pdf)
        group.addButton(self.xlsx)
        kind = QHBoxLayout()
        kind.addWidget(self.pdf)
        kind.addWidget(self.xlsx)
        kind.addStretch(1)
        form = QFormLayout()
        form.addRow("年度：", self.year)
        form.addRow("县（市、区）：", self.county)
        form.addRow("格式：", kind)
        note = QLabel("汇总该年度的考评（选定县、市、区时只含该县的单位）。" + RESULT_RULE)
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6368;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("生成")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(counts))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if not counts:
            layout.addWidget(QLabel("工作区中还没有考评，无法汇总。"))
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def chosen(self) -> tuple[int | None, str | None, str]:
        """(year, county name — only its units — or "" for every unit, 'pdf' | 'xlsx')."""
        county = self.county.currentData()
        return self.year.currentData(), county, "xlsx" if self.xlsx.isChecked() else "pdf"
