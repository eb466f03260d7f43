"""The criteria model: loading, validating, merging and scoring checklists.

Pure code: no database, no Qt, no files other than the ones it is asked to read; it
imports nothing of storage, exports or ui (tests/test_architecture.py).

  format.py     the format's vocabulary: FORMAT, kinds, roles, levels, every key set
  model.py      the immutable Checklist, Category, Item... (format 1 and 2)
  source.py     YAML / JSON text -> Document (plain data, the line of each key)
  loader.py     load_checklist: a file -> validated, merged Checklist (the order of work,
                the whole-set rules); with
    checker.py    the problem-collecting Checker
    elements.py   the checks of a document's parts (header, unit tags, levels, categories)
    items.py      the checks of one item (each kind's parts, evidence)
    overlay.py    extends / replace / remove / add merged onto the base
    library.py    bases found by (id, version): bundled samples, neighbouring files
  workbook/     the same criteria as Excel sheets (layout, read, write)
  serialize.py  a Checklist back to plain data
  answers.py    answers files, each value checked against its item
  scoring.py    score(): exact scores, levels and the gap
  numbers.py    exact numbers, their limits and how they are shown
  errors.py     Problem, ChecklistError, DabiaoError
"""

from .errors import ChecklistError, DabiaoError, Problem
from .model import Band, Category, Checklist, Evidence, Item, Level, Option
from .loader import load_checklist, load_checklist_text
from .answers import Answers, load_answers, parse_answers
from .scoring import ScoreResult, score

__all__ = [
    "Answers",
    "Band",
    "Category",
    "Checklist",
    "ChecklistError",
    "DabiaoError",
    "Evidence",
    "Item",
    "Level",
    "Option",
    "Problem",
    "ScoreResult",
    "load_answers",
    "load_checklist",
    "load_checklist_text",
    "parse_answers",
    "score",
]
