"""The rows storage hands to the other layers, as documented types (like Vorta's
`store/models.py`): what each key of a dict from `storage.units`, `assessments`,
`answers`, `evidence`, `actions`, `audit`, `checklist_store` and `scores` holds.

These are TypedDicts: at run time the rows stay the plain dicts SQLite gives (no copy, no
cost); the types are for the reader and for a type checker. The table rows match the
columns of storage/schema.py exactly, and the joined rows say which query adds what;
tests/test_models.py checks every type against the rows the functions really return, so
a column added to the schema must be added here too.

Modules import these names under `if TYPE_CHECKING:` only: nothing here is loaded when
the app starts. Times are local ISO 8601 text to the second ("2027-03-18T09:30:12",
storage.workspace.now) unless said otherwise; ids are random UUID text.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TypedDict

# --------------------------------------------------------------------------- units


class UnitRow(TypedDict):
    """A row of `units` (被考评单位): storage.units.get_unit, find_unit, find_county, add_unit."""

    id: str
    name: str  # unique among the units under the same parent
    type: str  # 'city' | 'county' | 'town' | 'enterprise' | 'militia' (storage.units.UNIT_TYPES_ALL)
    parent_id: str | None  # the unit above (a county's 军分区, a town's county, a militia company's town); None at the top
    created_at: str
    updated_at: str
    tags: str | None  # (criteria format 2) JSON list of unit tag keys, sorted (storage.units.decode_tags); None: none


class UnitTreeRow(UnitRow):
    """storage.units.list_units: a unit in tree order, parents before children."""

    depth: int  # 0 for a unit at the top (or whose parent is missing), its parent's + 1 below
    parent_name: str | None  # the parent's name (None at the top)


class UnitRef(TypedDict):
    """storage.units.county_of_units: the county a unit belongs to."""

    id: str
    name: str


# --------------------------------------------------------------------------- assessments


class AssessmentRow(TypedDict):
    """A row of `assessments`: one unit x checklist version x year."""

    id: str
    unit_id: str
    checklist_id: str
    checklist_version: str  # the exact criteria version it is scored against, fixed when made
    year: int
    status: str  # 'draft' -> 'submitted' -> 'reviewing' -> 'reviewed' -> 'final' (storage.assessments.STATUSES)
    assessor: str | None  # 自评人: who filled in the self-assessment
    reviewer: str | None  # 考评人 / 考评组: the inspectors
    conclusion: str | None  # the inspectors' conclusion (考评结论)
    signed_by: str | None  # who signed the review off
    signed_at: str | None  # the signing date, YYYY-MM-DD; set: the review is signed off
    baseline_id: str | None  # the assessment (last year's) whose self answers it started from (copy_from)
    created_at: str
    updated_at: str
    submitted_at: str | None  # when the self-assessment was submitted
    reviewed_at: str | None  # when it was marked reviewed (已考评)
    self_rev: int  # revision counter of the self answers: +1 on every saved change (the score cache's key)
    review_rev: int  # the same for the review answers
    recheck_rev: int  # the same for the 复核 (recheck) answers (m006)


class AssessmentDetail(AssessmentRow):
    """storage.assessments.get_assessment (and what changes an assessment return): the row
    with its unit's name, type and parent."""

    unit_name: str
    unit_type: str  # as UnitRow.type
    unit_parent_id: str | None


class AssessmentListRow(AssessmentRow):
    """storage.assessments.list_assessments: the row with its unit and criteria titles."""

    unit_name: str
    unit_type: str  # as UnitRow.type
    checklist_title: str | None  # None when the criteria version is not stored


class _ScoredAssessment(AssessmentListRow):
    score_role: str  # the role it is judged on: 'recheck' once any 复核 answer is stored, else 'review' once any
    # review answer is, else 'self' (storage.scores.ROLE_SQL)
    final: int | float | None  # the score as JSON shows it (rounded half-up); None when nothing is answered
    level: str | None  # the level key reached; None when not scored
    level_label: str  # the level as shown; "" when not scored


class ScoredAssessmentRow(_ScoredAssessment, total=False):
    """storage.scores.list_scores: a list_assessments row with the score it is judged on."""

    problem: str  # only on a row that could not be scored: the stored answer that cannot be read


# --------------------------------------------------------------------------- answers

# An answer value as the scoring engine takes it: True/False (check items), an option label
# (rubric items), an exact number, "na" (不涉及), or None (not answered).
# (criteria format 2) dict: {reason key: whole count} of a deduct item with reasons;
# list: the element keys met of an elements item
AnswerValue = bool | str | Fraction | dict | list | None


class AnswerRow(TypedDict):
    """A row of `answers`, decoded: storage.answer_store.get_answer, list_answers, set_answer."""

    assessment_id: str
    code: str  # the item code, e.g. "3.3.1"
    role: str  # 'self' (自评, the unit) | 'review' (考评, the inspectors)
    value: AnswerValue  # stored as JSON text (answers.encode_value), given back decoded
    note: str | None  # 说明
    documents: list[str] | None  # the item's documents ticked as presented; None: none ticked yet
    who: str  # who saved it (Workspace.who)
    updated_at: str
    rev: int  # revision counter of this answer: 1 when first saved, +1 on each change


# --------------------------------------------------------------------------- photo evidence


class EvidenceRow(TypedDict):
    """A row of `evidence`: one stored photo, kept once however many items it is attached to
    (the original in evidence/<sha256[:2]>/<sha256>.<ext>): storage.evidence.stored_photo."""

    sha256: str  # of the original file's bytes: its name and its identity
    ext: str  # 'jpg', 'png', 'heic'... (no dot)
    original_name: str | None  # the file name it was first added from
    size: int  # bytes of the original
    width: int  # pixels, upright (EXIF orientation applied)
    height: int
    mime: str
    taken_at: str | None  # capture time from EXIF (ISO 8601, camera's clock); None if unknown
    gps_lat: float | None
    gps_lon: float | None
    camera: str | None
    imported_at: str
    absent: int  # 1: the bytes did not travel (a year bundle without photos, m006); the record stands


class AttachmentRow(TypedDict):
    """A row of `attachments`: a stored photo attached to an item of an assessment
    (storage.evidence.remove_attachment returns it, restore_attachment takes it back)."""

    id: str
    assessment_id: str
    code: str  # the item code
    role: str  # who attached it: 'self' (the unit) | 'review' (the inspectors)
    sha256: str  # the EvidenceRow
    caption: str | None
    added_by: str
    added_at: str


class AttachedPhoto(AttachmentRow):
    """storage.evidence.list_evidence: an attachment with its photo's metadata and files."""

    ext: str
    original_name: str | None
    size: int
    width: int
    height: int
    taken_at: str | None
    gps_lat: float | None
    gps_lon: float | None
    camera: str | None
    absent: int  # 1: only the photo's record travelled (a year bundle without photos, m006); no file yet
    original: Path  # the original file
    thumb: Path  # the thumbnail (derived, rebuildable)
    report: Path  # the report-size image that documents print (derived, rebuildable)


# --------------------------------------------------------------------------- corrective actions


class ActionRow(TypedDict):
    """A row of `actions` (整改): storage.actions.add_action, get_action, update_action."""

    id: str
    unit_id: str
    assessment_id: str  # the assessment whose gap it came from
    code: str | None  # the item code; None for a general finding
    description: str
    owner: str  # "" when nobody is named
    due_date: str | None  # YYYY-MM-DD
    status: str  # 'open' | 'done' | 'verified' (storage.actions.ACTION_STATUSES)
    created_at: str
    updated_at: str
    closed_at: str | None  # when it was set done or verified; None while open
    carried_from: str | None  # the action of last year's assessment it was carried over from (回头看)


class ActionListRow(ActionRow):
    """storage.actions.list_actions: the row with its unit's name."""

    unit_name: str


# --------------------------------------------------------------------------- audit log


class _EventFields(TypedDict):
    seq: int  # 1, 2, 3... in the order written; no gaps in an intact log
    at: str
    who: str
    entity: str  # what changed: 'unit', 'assessment', 'answer', 'attachment', 'action', 'checklist', ...
    entity_id: str  # its id ('<code>/<role>' for an answer, '' for the workspace)
    assessment_id: str | None  # the assessment it concerns, if any
    action: str  # 'add', 'set', 'status', 'import', ...
    prev_hash: str  # the previous event's hash ("0" * 64 before the first)
    hash: str  # sha256 over prev_hash and this event's fields (storage.audit.event_hash)


class StoredEventRow(_EventFields):
    """A row of `events` as stored: storage.audit.append."""

    detail: str  # JSON text


class EventRow(_EventFields):
    """storage.audit.events_for: an event with its detail decoded."""

    detail: dict  # what changed, e.g. {"old": ..., "new": ...}; {"damaged": why} when unreadable


# --------------------------------------------------------------------------- criteria


class ChecklistListRow(TypedDict):
    """storage.checklist_store.list_checklists: a stored criteria version, without its text."""

    id: str  # the criteria set's id, e.g. "city-2027-town"
    version: str
    title: str
    level: str | None  # who issued it: 'province' | 'city' | 'county' (checklists.format.SOURCE_LABELS)
    year: int | None
    extends_id: str | None  # an overlay: the base criteria it extends
    extends_version: str | None
    sha256: str  # of source_text, checked on every load
    imported_at: str


class ChecklistRow(ChecklistListRow):
    """A row of `checklists` (every column): storage.checklist_store.get_row, import_checklist_text."""

    source_name: str | None  # the file name it was imported from
    source_text: str  # the criteria text as imported (YAML / JSON), never changed


# --------------------------------------------------------------------------- demo


class DemoIds(TypedDict):
    """storage.demo.build_demo: the ids of what it made."""

    county: str
    towns: list[str]
    assessment: str  # the filled self-assessment of the first town
