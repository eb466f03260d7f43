"""(/2) A deduct item with scoring points (评分点): a row per reason with its rule in words,
a count box (0..max_count) and what that count costs now; under them the total taken
and the item's score, capped at 0 (扣完为止). The answer is {reason key: count}; every
change is saved at once."""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import QEvent, QLocale, Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QSpinBox, QWidget

from checklists.numbers import display
from checklists.scoring import value_score
from checklists.wording import reason_text

from ..wrapping import FlowLayout
from .base import DIGIT_KEYS, ValueEditor, focus_leaving, hint_label

UNBOUNDED = 999  # a reason without max_count: the box still needs a top


class ReasonsEditor(ValueEditor):
    """Counts per scoring point. From the list: 1..9 goes to the count of reason n, 0 is
    无扣分 (answered, nothing taken). In a count box: digits type, ↑ / ↓ step (saved at
    once), Tab goes to the next box, Enter saves and returns to the list."""

    def build(self):
        self.spins: list[QSpinBox] = []
        self._pending: set[QSpinBox] = set()  # boxes typed into, not yet confirmed
        self.costs: list[QLabel] = []
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(0, 1)
        for row, reason in enumerate(self.item.reasons):
            hint = f"{row + 1}. " if row < 9 else ""
            text = QLabel(hint + reason_text(reason))
            text.setWordWrap(True)
            text.setObjectName(f"reasonText_{reason.key}")
            spin = QSpinBox()
            spin.setLocale(QLocale.c())
            spin.setRange(0, reason.max_count if reason.max_count is not None else UNBOUNDED)
            spin.setSuffix(f" {reason.unit or '处'}")
            spin.setKeyboardTracking(False)  # typed digits are saved on Enter / Tab / focus out
            spin.setMinimumWidth(84)
            spin.setToolTip(f"{reason.text}：次数（↑/↓ 增减，数字直接输入）")
            spin.valueChanged.connect(lambda _v, i=row: self._count_changed(i))
            spin.lineEdit().textEdited.connect(lambda _t, b=spin: self._pending.add(b))
            spin.installEventFilter(self)
            spin.lineEdit().installEventFilter(self)
            text.setBuddy(spin)
            cost = QLabel("")
            cost.setMinimumWidth(cost.fontMetrics().horizontalAdvance("扣 10.25 分") + 4)
            cost.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(text, row, 0)
            grid.addWidget(spin, row, 1, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(cost, row, 2, Qt.AlignmentFlag.AlignTop)
            self.spins.append(spin)
            self.costs.append(cost)
        self.layout_.addLayout(grid)
        self.total = hint_label("")
        self.total.setObjectName("reasonsTotal")
        self.total.setTextFormat(Qt.TextFormat.RichText)
        self.layout_.addWidget(self.total)
        row = FlowLayout()
        self.none_button = QPushButton("无扣分 (0)")
        self.none_button.setCheckable(True)
        self.none_button.setToolTip("各评分点都没有扣分：本项得满分")
        self.none_button.clicked.connect(lambda: self.choose({}))
        row.addWidget(self.none_button)
        self.layout_.addLayout(row)
        self.first_row = row

    # ---------------------------------------------------------------- values

    def counts(self) -> dict[str, int]:
        """What the boxes show, as the stored shape: {reason key: count}, zeros left out."""
        return {r.key: s.value() for r, s in zip(self.item.reasons, self.spins) if s.value()}

    def _count_changed(self, _row: int) -> None:
        self._show_costs()
        if self._updating:
            return
        counts = self.counts()
        if counts != self.value or not isinstance(self.value, dict):
            self.choose(counts)

    def show_value(self, value):
        self._pending.clear()
        counts = value if isinstance(value, dict) else {}
        for reason, spin in zip(self.item.reasons, self.spins):
            spin.setValue(int(counts.get(reason.key, 0)))
        self.none_button.setChecked(value == {})
        self._show_costs()

    def _show_costs(self) -> None:
        """Each row's cost (per × count) and, under them, the total and the capped score;
        the score is the engine's for these counts (documents and photos: the result line)."""
        taken = Fraction(0)
        for reason, spin, cost in zip(self.item.reasons, self.spins, self.costs):
            lost = reason.per * spin.value()
            taken += lost
            cost.setText(f"扣 {display(lost)} 分" if lost else "—")
            cost.setStyleSheet("color: #c5221f; font-weight: bold;" if lost else "color: #9aa0a6;")
        points = self.item.points
        if not isinstance(self.value, dict):
            self.total.setText(f"尚未填写。满分 {display(points)} 分，各评分点扣分合计，扣完为止。")
            return
        score = value_score(self.item, self.counts())
        text = f"评分点合计扣 {display(taken)} 分，按评分点得 <b>{display(score)}</b> / {display(points)} 分"
        if taken > points:
            text += "（扣完为止）"
        if self.item.role == "penalty":
            text += f"；从总分中扣 {display(points - score)} 分"
        self.total.setText(text)

    # ---------------------------------------------------------------- keyboard

    def inputs(self):
        return list(self.spins) + [self.none_button]

    def focus_input(self) -> None:
        if self.spins:
            self.spins[0].setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.spins[0].selectAll()

    def key(self, key, text):
        n = DIGIT_KEYS.get(key)
        if n == 0:
            self.choose({})
            return True
        if n is not None and n <= len(self.spins):
            spin = self.spins[n - 1]
            spin.setFocus(Qt.FocusReason.ShortcutFocusReason)
            spin.selectAll()
            return True
        return False

    def commit_pending(self) -> None:
        """A count typed and not yet confirmed (no Enter, no Tab) is saved before the item is left."""
        pending, self._pending = self._pending, set()
        for spin in self.spins:
            if spin in pending and self.editable:
                spin.interpretText()  # emits valueChanged -> saved when the count changed

    def eventFilter(self, obj, event):
        if focus_leaving(obj, event):
            self.commit_pending()
        elif event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.commit_pending()
                self.finished.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.set_value(self.value)
                self.finished.emit()
                return True
        return QWidget.eventFilter(self, obj, event)
