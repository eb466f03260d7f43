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

# Each kind's editor module is imported when an item of that kind is first shown (an
# assessment opens on one item: the window shows without the others). The names stay
# importable from here (module __getattr__ below).
EDITOR_MODULES = {"CheckEditor": "choice", "RubricEditor": "choice", "ElementsEditor": "elements",
                  "ReasonsEditor": "reasons", "DeductEditor": "spin", "NumberEditor": "spin", "ScoreEditor": "spin"}
KIND_EDITORS = {"check": "CheckEditor", "rubric": "RubricEditor", "number": "NumberEditor", "score": "ScoreEditor",
                "deduct": "DeductEditor", "elements": "ElementsEditor"}

__all__ = ["NA", "EDITORS", "CheckEditor", "DeductEditor", "ElementsEditor", "NumberEditor", "ReasonsEditor",
           "RubricEditor", "ScoreEditor", "ValueEditor", "make_editor", "to_fraction"]


def editor_class(name: str) -> type[ValueEditor]:
    """The editor class `name` (a key of EDITOR_MODULES), its module imported on first use."""
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{EDITOR_MODULES[name]}"), name)


def __getattr__(name: str):
    """`from ui.editors import ScoreEditor` and `EDITORS` (kind -> class) still work:
    imported when asked for."""
    if name in EDITOR_MODULES:
        return editor_class(name)
    if name == "EDITORS":
        return {kind: editor_class(cls) for kind, cls in KIND_EDITORS.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_editor(item: Item, parent=None) -> ValueEditor:
    """The editor for an item's kind (a deduct item with scoring points: one count each)."""
    if item.kind == "deduct" and item.reasons:
        return editor_class("ReasonsEditor")(item, parent)
    return editor_class(KIND_EDITORS[item.kind])(item, parent)
