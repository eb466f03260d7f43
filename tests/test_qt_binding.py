"""The Qt binding must not leak references to None.

PySide6 6.12.0 drops one reference to None too many on every `QModelIndex.data()` that
returns None and on every Python `initStyleOption` that calls `super()`. Python before
3.12 does not make None immortal, so after a few thousand such calls (a county's units
tree, badges filled) the interpreter aborts with "none_dealloc: deallocating None". These
tests fail on such a binding long before it would crash: they count None's references
around a few hundred calls. On Python 3.12 and later None is immortal (PEP 683), its
reference count is fixed and says nothing, and a leak there cannot crash: skipped.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QModelIndex, QSize, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTreeView

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None is immortal from Python 3.12 (PEP 683): its reference count cannot show a leak, nor can one crash",
)

CALLS = 500


def none_refs_lost(call) -> int:
    """How many references to None disappeared over CALLS calls of `call` (0 when clean)."""
    call()  # first call may create caches that hold None
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        call()
    return before - sys.getrefcount(None)


def test_index_data_returning_none_keeps_none_alive(qapp):
    model = QStandardItemModel(3, 2)
    index = model.index(0, 1)
    assert index.data(Qt.ItemDataRole.UserRole + 5) is None
    assert none_refs_lost(lambda: index.data(Qt.ItemDataRole.UserRole + 5)) <= 0


def test_invalid_index_data_keeps_none_alive(qapp):
    index = QModelIndex()
    assert none_refs_lost(lambda: index.data(Qt.ItemDataRole.DisplayRole)) <= 0


class _ReadingDelegate(QStyledItemDelegate):
    """Like the units tree's badge delegate: a Python initStyleOption calling super()
    and reading a role that holds nothing."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def initStyleOption(self, option, index):  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        self.calls += 1
        if index.data(Qt.ItemDataRole.UserRole + 7):
            option.text = "?"


def test_delegate_size_hint_through_python_init_style_option_keeps_none_alive(qtbot):
    model = QStandardItemModel(4, 2)
    model.setData(model.index(0, 1), "达标")
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = _ReadingDelegate()
    view.setItemDelegateForColumn(1, delegate)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    index = model.index(0, 1)

    assert isinstance(delegate.sizeHint(option, index), QSize)
    lost = none_refs_lost(lambda: delegate.sizeHint(option, index))
    assert delegate.calls > CALLS  # the Python initStyleOption really ran each time
    assert lost <= 0


def test_app_badge_delegate_keeps_none_alive(qtbot):
    """The delegate the units tree uses, measured the way the tree measures it."""
    from ui.units_pane import BadgeDelegate

    model = QStandardItemModel(2, 2)
    view = QTreeView()
    qtbot.addWidget(view)
    view.setModel(model)
    delegate = BadgeDelegate(view)
    option = QStyleOptionViewItem()
    option.initFrom(view)
    index = model.index(1, 1)  # holds nothing: every role read returns None
    assert none_refs_lost(lambda: delegate.sizeHint(option, index)) <= 0
