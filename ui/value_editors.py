"""One value editor per item kind. Each emits `valueChosen(code, value)` the moment a value
is chosen (the item pane saves it at once); `None` clears, "na" is 不涉及. The code is the
editor's own item: a value is always saved to the item it was typed into, even when it
arrives late (a number still being typed when the person moves on is committed by
`commit_pending()` before the next item is shown).

Keys typed in the checklist tree are passed to `handle_key` so a keyboard user never
has to move the focus: Y/N for a check, 1..9 picks a rubric option, digits start
typing a number / score / deficiency count (Enter saves and returns to the list),
"-" is 不涉及 where allowed, Delete clears.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from PySide6.QtCore import QEvent, QLocale, Qt, Signal
from PySide6.QtWidgets import (QAbstractSpinBox, QButtonGroup, QDoubleSpinBox, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from checklists.model import Item
from checklists.numbers import display

from .format import bands_text, deduct_text
from .wrapping import FlowLayout, WrapRadioButton

NA = "na"
DIGIT_KEYS = {getattr(Qt.Key, f"Key_{i}"): i for i in range(10)}


def to_fraction(value: float, places: int = 2) -> Fraction:
    """A spin box float as the exact decimal the person typed (2 places)."""
    try:
        return Fraction(Decimal(f"{value:.{places}f}"))
    except InvalidOperation:  # pragma: no cover - spin boxes only give finite numbers
        return Fraction(0)


class ValueEditor(QWidget):
    valueChosen = Signal(str, object)  # (item code, value)
    finished = Signal()  # Enter / Escape inside the editor: back to the list
    moveRequested = Signal(int)  # ↑ / ↓ inside a number box: save, then previous / next item

    def __init__(self, item: Item, parent=None):
        super().__init__(parent)
        self.item = item
        self.value = None
        self.editable = True
        self._updating = False
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(6)
        self.build()
        # na / clear sit on the input row when there is one (saves height), else below
        first_row = getattr(self, "first_row", None)
        self.bottom = QHBoxLayout()
        self.na_button = None
        if item.na_allowed:
            self.na_button = QPushButton("不涉及 (-)")
            self.na_button.setCheckable(True)
            self.na_button.setToolTip("此条目对本单位不适用（不计入应得分）")
            self.na_button.clicked.connect(lambda checked: self.choose(NA if checked else None))
        self.clear_button = QPushButton("清除 (Del)")
        self.clear_button.setToolTip("清除本条目的填写（可用 Ctrl+Z 撤销）")
        self.clear_button.clicked.connect(lambda: self.choose(None))
        extra = ([self.na_button] if self.na_button else []) + [self.clear_button]
        if first_row is not None:  # a flow: on a narrow pane the buttons go on to the next line
            for w in extra:
                first_row.addWidget(w)
        else:
            for w in extra:
                self.bottom.addWidget(w)
            self.bottom.addStretch(1)
            self.layout_.addLayout(self.bottom)

    # subclasses
    def build(self) -> None:
        raise NotImplementedError

    def show_value(self, value) -> None:
        raise NotImplementedError

    def inputs(self) -> list[QWidget]:
        return []

    def key(self, key: int, text: str) -> bool:
        return False

    def focus_chain(self) -> list[QWidget]:
        """Inputs, then 不涉及 and 清除, in the order Tab visits them."""
        return self.inputs() + ([self.na_button] if self.na_button else []) + [self.clear_button]

    def focus_input(self) -> None:
        widgets = self.inputs()
        if widgets:
            widgets[0].setFocus(Qt.FocusReason.ShortcutFocusReason)

    # shared
    def choose(self, value) -> None:
        if self._updating or not self.editable:
            return
        self.valueChosen.emit(self.item.code, value)

    def commit_pending(self) -> None:
        """Save what was typed and not yet confirmed (a number before Enter); no-op when
        nothing is pending. Called before the person leaves the item, whichever way."""

    def set_value(self, value) -> None:
        """Show the stored value (never emits)."""
        self.value = value
        self._updating = True
        try:
            if self.na_button is not None:
                self.na_button.setChecked(value == NA)
            self.show_value(value)
        finally:
            self._updating = False

    def set_editable(self, editable: bool) -> None:
        self.editable = editable
        for w in self.inputs() + [self.clear_button] + ([self.na_button] if self.na_button else []):
            w.setEnabled(editable)

    def handle_key(self, key: int, text: str) -> bool:
        """A key typed in the checklist list; True when it was used."""
        if not self.editable:
            return False
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.choose(None)
            return True
        if key == Qt.Key.Key_Minus and self.item.na_allowed:
            self.choose(None if self.value == NA else NA)
            return True
        return self.key(key, text)


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


class _Spin:
    """Shared by the three spin-box editors: Enter saves and hands the focus back."""

    spin: QAbstractSpinBox

    def _setup_spin(self, spin: QAbstractSpinBox):
        self.spin = spin
        spin.setLocale(QLocale.c())
        spin.setKeyboardTracking(False)  # save on Enter / focus out / arrows, not on every digit
        spin.setSpecialValueText("未填写")
        spin.setMinimumWidth(150)
        spin.setAccelerated(True)
        spin.installEventFilter(self)
        spin.lineEdit().installEventFilter(self)

    def eventFilter(self, obj, event):
        kind = event.type()
        if ((kind == QEvent.Type.FocusOut and event.reason() != Qt.FocusReason.PopupFocusReason)
                or (kind == QEvent.Type.ActivationChange and not obj.isActiveWindow())):
            # the focus leaves (a click elsewhere, a dialog, another window): save what was
            # typed first; Qt would otherwise reset the box and drop it
            self.commit_pending()
        if event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.spin.interpretText()
                self._commit_spin()
                self.finished.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.set_value(self.value)
                self.finished.emit()
                return True
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and not (
                    event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
                # like a spreadsheet: save what was typed and go on (PgUp / PgDn still step the value)
                self.spin.interpretText()
                self._commit_spin()
                self.finished.emit()
                self.moveRequested.emit(-1 if event.key() == Qt.Key.Key_Up else 1)
                return True
            if event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self.spin.stepBy(1 if event.key() == Qt.Key.Key_PageUp else -1)
                return True
        return QWidget.eventFilter(self, obj, event)

    def commit_pending(self) -> None:
        if self.editable and self.spin.lineEdit().isModified():
            self.spin.interpretText()  # emits valueChanged -> saved when the value changed
            self.spin.lineEdit().setModified(False)

    def start_typing(self, text: str) -> None:
        self.spin.setFocus(Qt.FocusReason.ShortcutFocusReason)
        line = self.spin.lineEdit()
        line.setText(text)
        line.setModified(True)  # pending until Enter, an arrow, or leaving the item
        line.setCursorPosition(len(text))

    def _spin_row(self, spin: QAbstractSpinBox, *extra) -> None:
        """The spin box (and any buttons) on the first row; saving is wired here."""
        row = FlowLayout()
        self._setup_spin(spin)
        spin.valueChanged.connect(self._commit_spin)
        for widget in (spin,) + extra:
            row.addWidget(widget)
        self.layout_.addLayout(row)
        self.first_row = row

    def _hint(self, text: str) -> QLabel:
        """The grey line under the spin box (bands, range, deduction rule)."""
        hint = QLabel(text)
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #5f6368;")
        self.layout_.addWidget(hint)
        return hint

    def _spin_value(self, v) -> Fraction:
        """The answer for what the spin box shows (v >= 0)."""
        return to_fraction(v)

    def _commit_spin(self, *_):
        v = self.spin.value()
        if v < 0:  # below the range: "未填写"
            if self.value not in (None, NA):
                self.choose(None)
            return
        value = self._spin_value(v)
        if value != self.value or self.value == NA:
            self.choose(value)

    def inputs(self):
        return [self.spin]

    def show_value(self, value):
        self.spin.setValue(float(value) if value not in (None, NA) else self.spin.minimum())

    def key(self, key, text):
        return self.spin_key(key, text)

    def spin_key(self, key, text) -> bool:
        if key in DIGIT_KEYS or (text == "." and isinstance(self.spin, QDoubleSpinBox)):
            self.start_typing(text)
            return True
        if key == Qt.Key.Key_Plus or text == "+":
            self.spin.stepUp()
            return True
        return False


class _DisplaySpin(QDoubleSpinBox):
    """Shows 3 and 96.5, not 3.00 and 96.50."""

    def textFromValue(self, value):
        return display(to_fraction(value, self.decimals()))


class NumberEditor(_Spin, ValueEditor):
    def build(self):
        spin = _DisplaySpin()
        spin.setDecimals(2)
        spin.setRange(-1, 9_999_999)
        spin.setSingleStep(1)
        if self.item.unit:
            spin.setSuffix(f" {self.item.unit}")
        self._spin_row(spin)
        self._hint(bands_text(self.item)).setObjectName("bandsLabel")


class ScoreEditor(_Spin, ValueEditor):
    def build(self):
        step = self.item.step
        spin = _DisplaySpin()
        spin.setDecimals(2)
        spin.setRange(-float(step), float(self.item.points))
        spin.setSingleStep(float(step))
        spin.setSuffix(" 分")
        self._spin_row(spin)
        self._hint(f"0 – {display(self.item.points)} 分，按 {display(step)} 分一档")

    def _spin_value(self, v) -> Fraction:
        """Snap what was typed to the item's step, within 0..points."""
        step = self.item.step
        value = min(max(round(to_fraction(v) / step) * step, Fraction(0)), self.item.points)
        if value != to_fraction(v):
            self._updating = True
            self.spin.setValue(float(value))
            self._updating = False
        return Fraction(value)


class DeductEditor(_Spin, ValueEditor):
    def build(self):
        spin = QSpinBox()
        spin.setRange(-1, 999)
        spin.setPrefix("缺 ")
        spin.setSuffix(" 项")
        self.minus = QPushButton("−1")
        self.plus = QPushButton("+1")
        for b in (self.minus, self.plus):
            b.setFixedWidth(48)
        self.minus.setToolTip("少一项")
        self.plus.setToolTip("多一项（或按 +）")
        self.minus.clicked.connect(lambda: self._step(-1))
        self.plus.clicked.connect(lambda: self._step(1))
        self._spin_row(spin, self.minus, self.plus)
        self._hint(deduct_text(self.item))

    def _step(self, delta):
        current = self.spin.value()
        self.spin.setValue(max(0, current + delta) if current >= 0 else max(0, delta))

    def _spin_value(self, v) -> Fraction:
        return Fraction(v)

    def inputs(self):
        return [self.spin, self.minus, self.plus]

    def show_value(self, value):
        self.spin.setValue(int(value) if value not in (None, NA) else -1)


class CommandLineOnlyEditor(ValueEditor):
    """A format 2 item the window cannot answer yet (weighted elements, deductions counted
    per scoring point): the stored answer is shown and kept, and the person is told how to
    enter it (an answers file on the command line), instead of an editor that would store
    the wrong shape."""

    def build(self):
        how = QLabel("这类条目（" + ("要素得分" if self.item.kind == "elements" else "分项扣分")
                     + "）暂不能在窗口中填写，已填写的内容照常保存和计分。"
                     "请用答案文件导入：main.py answer import 考评编号 答案文件.yaml")
        how.setWordWrap(True)
        how.setStyleSheet("color: #5f6368;")
        self.shown = QLabel()
        self.shown.setWordWrap(True)
        self.layout_.addWidget(self.shown)
        self.layout_.addWidget(how)

    def show_value(self, value):
        from .format import value_text

        self.shown.setText("当前填写：" + (value_text(self.item, value) if value is not None else "未填写"))

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        self.clear_button.setEnabled(editable and self.value is not None)


EDITORS = {"check": CheckEditor, "rubric": RubricEditor, "number": NumberEditor, "score": ScoreEditor,
           "deduct": DeductEditor}


def make_editor(item: Item, parent=None) -> ValueEditor:
    """The editor for an item's kind; format 2 kinds the window cannot answer yet get a
    read-only view that says how to enter them."""
    if item.kind == "elements" or (item.kind == "deduct" and item.reasons):
        return CommandLineOnlyEditor(item, parent)
    return EDITORS[item.kind](item, parent)
