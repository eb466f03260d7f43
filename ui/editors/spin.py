"""Editors around a spin box: a number (with its bands or linear rate), a score, a
count of deficiencies. Enter saves and returns to the list; ↑ / ↓ save and move on."""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QLabel, QPushButton, QSpinBox, QWidget

from checklists.numbers import display
from checklists.scoring import value_score
from checklists.wording import linear_text

from ..format import bands_text, deduct_text
from ..wrapping import FlowLayout
from .base import DIGIT_KEYS, NA, ValueEditor, focus_leaving, hint_label, to_fraction

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
        if focus_leaving(obj, event):
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
        hint = hint_label(text)
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
    """A number: its bands (≥2 次得 2 分) or (/2) its linear rate in words (96% 得15分，
    每提高1%加5分), and the score the number in the box gives, updated while it is typed."""

    def build(self):
        spin = _DisplaySpin()
        spin.setDecimals(2)
        spin.setRange(-1, 9_999_999)
        spin.setSingleStep(1)
        if self.item.unit:
            spin.setSuffix(f" {self.item.unit}")
        self._spin_row(spin)
        if self.item.linear is not None:
            self._hint(linear_text(self.item)).setObjectName("linearLabel")
        else:
            self._hint(bands_text(self.item)).setObjectName("bandsLabel")
        self.live = self._hint("")
        self.live.setObjectName("liveScoreLabel")
        spin.lineEdit().textEdited.connect(lambda _t: self._show_live())
        spin.valueChanged.connect(lambda _v: self._show_live())

    def _typed(self) -> Fraction | None:
        """The number in the box now (typed or stored); None when empty or 未填写."""
        text = self.spin.cleanText().strip()
        try:
            value = to_fraction(float(text))
        except ValueError:
            return None
        return value if value >= 0 else None

    def _show_live(self) -> None:
        """按当前数值得 X 分: the engine's score of the number alone (documents and photos
        are in the item's result line below)."""
        value = self._typed()
        if value is None:
            self.live.setText("")
            return
        unit = self.item.unit or ""
        score = value_score(self.item, value)
        self.live.setText(f"{display(value)}{unit} → 得 {display(score)} 分（满分 {display(self.item.points)} 分）")

    def show_value(self, value):
        super().show_value(value)
        self._show_live()


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
