"""Editors that pick a value: 是 / 否 for a check, one option of a rubric."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QPushButton

from checklists.numbers import display

from ..wrapping import FlowLayout, WrapRadioButton
from .base import DIGIT_KEYS, ValueEditor

class CheckEditor(ValueEditor):
    def build(self):
        row = FlowLayout()
        self.yes = QPushButton("是 (Y)")
        self.no = QPushButton("否 (N)")
        for b, v in ((self.yes, True), (self.no, False)):
            b.setCheckable(True)
            b.setMinimumWidth(96)
            b.clicked.connect(lambda checked=False, v=v: self.choose(v))
            row.addWidget(b)
        self.yes.setObjectName("yesButton")
        self.no.setObjectName("noButton")
        self.yes.setToolTip("符合要求")
        self.no.setToolTip("不符合要求")
        self.layout_.addLayout(row)
        self.first_row = row

    def inputs(self):
        return [self.yes, self.no]

    def show_value(self, value):
        self.yes.setChecked(value is True)
        self.no.setChecked(value is False)

    def key(self, key, text):
        if key == Qt.Key.Key_Y:
            self.choose(True)
            return True
        if key == Qt.Key.Key_N:
            self.choose(False)
            return True
        if key == Qt.Key.Key_Space:
            self.choose(self.value is not True)
            return True
        return False


class RubricEditor(ValueEditor):
    def build(self):
        self.group = QButtonGroup(self)
        self.buttons = []
        for i, option in enumerate(self.item.options):
            hint = f"{i + 1}  " if i < 9 else ""
            b = WrapRadioButton(f"{hint}{option.label}（{display(option.points)} 分）")  # long options wrap
            b.setToolTip(option.label)
            self.group.addButton(b, i)
            self.buttons.append(b)
            self.layout_.addWidget(b)
        self.group.idToggled.connect(self._toggled)

    def _toggled(self, index, checked):
        if checked:
            self.choose(self.item.options[index].label)

    def inputs(self):
        return list(self.buttons)

    def show_value(self, value):
        self.group.setExclusive(False)
        for b, option in zip(self.buttons, self.item.options):
            b.setChecked(option.label == value)
        self.group.setExclusive(True)

    def focus_input(self):
        checked = self.group.checkedButton()
        (checked or self.buttons[0]).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def key(self, key, text):
        n = DIGIT_KEYS.get(key)
        if n is not None and 1 <= n <= len(self.item.options):
            self.choose(self.item.options[n - 1].label)
            return True
        return False
