"""(/2) An elements item (每做到一项得X分): a tick per element with its points, the sum
earned and, when the elements add up to more than the item ("any 3 of 4"), that rule in
words. The answer is the list of element keys met; every tick is saved at once."""

from __future__ import annotations

import math
from fractions import Fraction

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from checklists.model import Item
from checklists.numbers import display
from checklists.scoring import value_score
from checklists.wording import element_text

from ..wrapping import FlowLayout, WrapCheckBox
from .base import DIGIT_KEYS, ValueEditor, hint_label


def any_of_text(item: Item) -> str:
    """The rule of an item whose elements add up to more than its points: 任做到 3 项即得满分
    （共 4 项） when they weigh the same, else 各要素合计 S 分，本项最高 P 分; '' otherwise."""
    total = sum((e.points for e in item.elements), Fraction(0))
    if total <= item.points:
        return ""
    weights = {e.points for e in item.elements}
    if len(weights) == 1:
        k = math.ceil(item.points / weights.pop())
        return f"任做到 {k} 项即得满分（共 {len(item.elements)} 项）"
    return f"各要素合计 {display(total)} 分，本项最高 {display(item.points)} 分"


class ElementsEditor(ValueEditor):
    """Ticks per element. From the list: 1..9 toggles element n, 0 answers 均未做到."""

    def build(self):
        self.boxes: list[WrapCheckBox] = []
        rule = any_of_text(self.item)
        if rule:
            self.rule = hint_label(rule)
            self.rule.setObjectName("anyOfLabel")
            self.layout_.addWidget(self.rule)
        for i, element in enumerate(self.item.elements):
            hint = f"{i + 1}  " if i < 9 else ""
            box = WrapCheckBox(hint + element_text(element))
            box.setObjectName(f"element_{element.key}")
            box.toggled.connect(self._toggled)
            self.layout_.addWidget(box)
            self.boxes.append(box)
        self.total = hint_label("")
        self.total.setObjectName("elementsTotal")
        self.total.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(self.total)
        row = FlowLayout()
        self.none_button = QPushButton("均未做到 (0)")
        self.none_button.setCheckable(True)
        self.none_button.setToolTip("一项也未做到：本项 0 分")
        self.none_button.clicked.connect(lambda: self.choose([]))
        row.addWidget(self.none_button)
        self.layout_.addLayout(row)
        self.first_row = row

    def met(self) -> list[str]:
        """The keys ticked, in the elements' order (the stored shape)."""
        return [e.key for e, b in zip(self.item.elements, self.boxes) if b.isChecked()]

    def _toggled(self, _checked) -> None:
        self._show_total()
        if not self._updating:
            self.choose(self.met())

    def show_value(self, value):
        met = set(value) if isinstance(value, (list, tuple)) else set()
        for element, box in zip(self.item.elements, self.boxes):
            box.setChecked(element.key in met)
        self.none_button.setChecked(isinstance(value, (list, tuple)) and not value)
        self._show_total()

    def _show_total(self) -> None:
        """已做到 k 项，合计 X 分，本项得 Y 分: Y is the engine's for these ticks."""
        points = self.item.points
        if not isinstance(self.value, (list, tuple)) and not self.met():
            self.total.setText(f"尚未填写。每做到一项得相应分值，满分 {display(points)} 分。")
            return
        met = self.met()
        summed = sum((e.points for e in self.item.elements if e.key in met), Fraction(0))
        score = value_score(self.item, met)
        text = (f"已做到 {len(met)} / {len(self.boxes)} 项，合计 {display(summed)} 分，"
                f"按要素得 <b>{display(score)}</b> / {display(points)} 分")
        if summed > points:
            text += "（已满分）"
        self.total.setText(text)

    def inputs(self):
        return list(self.boxes) + [self.none_button]

    def key(self, key, text):
        n = DIGIT_KEYS.get(key)
        if n == 0:
            self.choose([])
            return True
        if n is not None and n <= len(self.boxes):
            self.boxes[n - 1].toggle()  # saved through _toggled
            return True
        return False
