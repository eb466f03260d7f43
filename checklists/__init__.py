"""The criteria model: loading, validating, merging and scoring checklists.

Pure code: no database, no Qt, no files other than the ones it is asked to read.
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
