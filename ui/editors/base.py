"""The base of every value editor: it emits `valueChosen(code, value)` the moment a value
is chosen (the item pane saves it at once); `None` clears, "na" is 不涉及. The code is the
editor's own item: a value is always saved to the item it was typed into, even when it
arrives late (a number still being typed when the person moves on is committed by
`commit_pending()` before the next item is shown)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from fractions import Fraction

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from checklists.model import Item

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


def focus_leaving(obj, event) -> bool:
    """Whether `event` means the focus leaves an input (a click elsewhere, a dialog, another
    window): what was typed is saved then, or Qt would reset the box and drop it."""
    kind = event.type()
    return ((kind == QEvent.Type.FocusOut and event.reason() != Qt.FocusReason.PopupFocusReason)
            or (kind == QEvent.Type.ActivationChange and not obj.isActiveWindow()))


def hint_label(text: str = "") -> QLabel:
    """A grey, wrapping line under an input (bands, range, rule in words)."""
    hint = QLabel(text)
    hint.setWordWrap(True)
    hint.setStyleSheet("color: #5f6368;")
    return hint
