"""One value editor per item kind (check, rubric, number, score, deduct, and in format 2
deduct with scoring points and weighted elements). Each emits `valueChosen(code, value)`
the moment a value is chosen; the item pane saves it at once through the session.

Keys typed in the checklist tree are passed to `handle_key` so a keyboard user never
has to move the focus: Y/N for a check, 1..9 picks a rubric option, ticks element n or
goes to the count of scoring point n, 0 answers 无扣分 / 均未做到, digits start typing a
number / score / deficiency count (Enter saves and returns to the list), "-" is 不涉及
where allowed, Delete clears.
"""

from __future__ import annotations

from checklists.model import Item

from .base import NA, ValueEditor, to_fraction
from .choice import CheckEditor, RubricEditor
from .elements import ElementsEditor
from .reasons import ReasonsEditor
from .spin import DeductEditor, NumberEditor, ScoreEditor

EDITORS = {"check": CheckEditor, "rubric": RubricEditor, "number": NumberEditor, "score": ScoreEditor,
           "deduct": DeductEditor, "elements": ElementsEditor}

__all__ = ["NA", "EDITORS", "CheckEditor", "DeductEditor", "ElementsEditor", "NumberEditor", "ReasonsEditor",
           "RubricEditor", "ScoreEditor", "ValueEditor", "make_editor", "to_fraction"]


def make_editor(item: Item, parent=None) -> ValueEditor:
    """The editor for an item's kind (a deduct item with scoring points: one count each)."""
    if item.kind == "deduct" and item.reasons:
        return ReasonsEditor(item, parent)
    return EDITORS[item.kind](item, parent)
