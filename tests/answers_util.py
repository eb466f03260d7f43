"""Answers for tests: every item of an assessment answered for its full points. The answer
for one item is storage.generate.best_value, which bench/ uses too."""

from __future__ import annotations

from storage import answer_store
from storage import assessments
from storage import units
from storage.generate import best_value

__all__ = ["answer_all_best", "best_value"]


def answer_all_best(ws, assessment_id: str, role: str = "self") -> None:
    """Every item of the assessment answered (as `role`) for its full points; items the
    unit's tags leave out (format 2 only_for / not_for) cannot be answered and are skipped."""
    assessment = assessments.get_assessment(ws, assessment_id)
    checklist = assessments.checklist_of(ws, assessment)
    tags = units.unit_tags(ws, assessment["unit_id"])
    for item in checklist.items():
        if not item.applies_to(tags):
            continue
        answer_store.set_answer(ws, assessment_id, item.code, role, best_value(item))
