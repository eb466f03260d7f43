"""storage/models.py against the real thing: every table row type has exactly the columns
of its table (storage/schema.py), and every row type has exactly the keys, with values of
the declared types, of the rows the storage functions return on a demo workspace taken a
little further (submitted, reviewed, signed, an action closed and one carried into the
next year, an answer damaged). A column added to the schema or a key added to a query
fails here until storage/models.py says what it is."""

from __future__ import annotations

import types
import typing
from pathlib import Path

import pytest

from checklists.library import bundled_files
from storage import actions, answer_store, assessments, audit, checklist_store, evidence, models, scores, units
from storage.demo import DEMO_CHECKLIST, build_demo
from storage.workspace import Workspace, now

# table -> the type of its rows as stored (every column)
TABLES = {
    "units": models.UnitRow,
    "assessments": models.AssessmentRow,
    "answers": models.AnswerRow,
    "evidence": models.EvidenceRow,
    "attachments": models.AttachmentRow,
    "actions": models.ActionRow,
    "events": models.StoredEventRow,
    "checklists": models.ChecklistRow,
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """(ws, ids, made): the demo workspace, build_demo's ids, and what the writing
    functions returned on the way (their rows are checked as well)."""
    tmp = tmp_path_factory.mktemp("models")
    made: dict = {}
    with Workspace.open(tmp / "fresh", backup=False) as fresh:  # a criteria text stored for the first time
        made["imported"], added = checklist_store.import_checklist_file(fresh, bundled_files()[0])
        assert added
    with Workspace.open(tmp / "demo", backup=False) as ws:
        ids = build_demo(ws)
        a = ids["assessment"]
        made["reimported"], added = checklist_store.import_checklist_file(ws, bundled_files()[0])
        assert not added
        made["unit"] = units.add_unit(ws, "城关镇民兵排", "militia", ids["towns"][0])
        code, value = next((c, r["value"]) for c, r in answer_store.list_answers(ws, a, "self").items())
        made["noted"] = answer_store.set_note(ws, a, code, "self", None)
        photo = evidence.list_evidence(ws, a)[0]
        made["removed"] = evidence.remove_attachment(ws, photo["id"])
        evidence.restore_attachment(ws, made["removed"])
        made["submitted"] = assessments.set_status(ws, a, "submitted")
        made["answer"] = answer_store.set_answer(ws, a, code, "review", value, "现场核实", ["会议纪要"])
        made["signed"] = assessments.conclude(ws, a, "基本符合规范化建设要求。", "王刚", reviewer="考评组",
                                              confirm_incomplete=True)
        made["next_year"] = assessments.new_assessment(ws, ids["towns"][0], DEMO_CHECKLIST, None, 2028)
        assert actions.carry_forward(ws, a, made["next_year"]["id"]) > 0
        first = actions.list_actions(ws, assessment_id=a)[0]
        made["action"] = actions.add_action(ws, a, None, "补齐民兵训练登记簿", "武装部部长", "2027-11-30")
        made["closed"] = actions.update_action(ws, first["id"], status="done")
        with ws.transaction() as db:
            made["event"] = audit.append(db, at=now(), who=ws.who, entity="workspace", entity_id="", action="test",
                                         detail={"by": "test_models"})
        # an assessment whose only answer cannot be read: list_scores names it (`problem`)
        other = assessments.new_assessment(ws, ids["towns"][1], DEMO_CHECKLIST, None, 2027)
        answer_store.set_answer(ws, other["id"], code, "self", value)
        ws.db.execute("UPDATE answers SET value = '{' WHERE assessment_id = ?", [other["id"]])
        yield ws, ids, made


def _rows_of(ws, table: str) -> list[dict]:
    return list(ws.db.query(f"SELECT * FROM {table}"))


# row type -> the rows to check it against, from the demo fixture
SOURCES = {
    models.UnitRow: lambda ws, ids, made: [made["unit"], units.get_unit(ws, ids["county"]),
                                           units.find_unit(ws, "城关镇"), units.find_county(ws, "某县"),
                                           *_rows_of(ws, "units")],
    models.UnitTreeRow: lambda ws, ids, made: units.list_units(ws),
    models.UnitRef: lambda ws, ids, made: list(units.county_of_units(ws).values()),
    models.AssessmentRow: lambda ws, ids, made: _rows_of(ws, "assessments"),
    models.AssessmentDetail: lambda ws, ids, made: [made["submitted"], made["signed"], made["next_year"],
                                                    assessments.get_assessment(ws, ids["assessment"])],
    models.AssessmentListRow: lambda ws, ids, made: assessments.list_assessments(ws),
    # twice: scored and remembered, then read from the cache
    models.ScoredAssessmentRow: lambda ws, ids, made: scores.list_scores(ws) + scores.list_scores(ws, 2027),
    models.AnswerRow: lambda ws, ids, made: [made["answer"], made["noted"],
                                             *answer_store.list_answers(ws, ids["assessment"], "self").values(),
                                             *answer_store.list_answers(ws, ids["assessment"], "review").values()],
    models.EvidenceRow: lambda ws, ids, made: [evidence.stored_photo(ws, sha) for (sha,) in ws.db.execute(
        "SELECT sha256 FROM evidence")],
    models.AttachmentRow: lambda ws, ids, made: [made["removed"], *_rows_of(ws, "attachments")],
    models.AttachedPhoto: lambda ws, ids, made: evidence.list_evidence(ws, ids["assessment"]),
    models.ActionRow: lambda ws, ids, made: [made["action"], made["closed"], *_rows_of(ws, "actions")],
    models.ActionListRow: lambda ws, ids, made: actions.list_actions(ws),
    models.StoredEventRow: lambda ws, ids, made: [made["event"], *_rows_of(ws, "events")],
    models.EventRow: lambda ws, ids, made: audit.events_for(ws.db, ids["assessment"]),
    models.ChecklistListRow: lambda ws, ids, made: checklist_store.list_checklists(ws),
    models.ChecklistRow: lambda ws, ids, made: [made["imported"], made["reimported"], *_rows_of(ws, "checklists")],
    models.DemoIds: lambda ws, ids, made: [ids],
}


def _row_types() -> list[type]:
    return [t for name, t in vars(models).items() if not name.startswith("_") and typing.is_typeddict(t)]


def _conforms(value, hint) -> bool:
    """Whether `value` is of the declared type (unions, list[X] and plain classes)."""
    if hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, h) for h in typing.get_args(hint))
    if origin is list:
        return isinstance(value, list) and all(_conforms(v, typing.get_args(hint)[0]) for v in value)
    if origin is not None:
        return isinstance(value, origin)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def test_every_row_type_is_checked_here():
    assert set(_row_types()) == set(SOURCES)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_table_row_types_have_exactly_the_columns_of_the_schema(demo, table):
    ws, _, _ = demo
    columns = {r[1] for r in ws.db.execute(f"PRAGMA table_info({table})")}
    declared = set(typing.get_type_hints(TABLES[table]))
    assert declared == columns, (f"{TABLES[table].__name__}: not in the table {sorted(declared - columns)}, "
                                 f"not in the type {sorted(columns - declared)}")


@pytest.mark.parametrize("row_type", list(SOURCES), ids=lambda t: t.__name__)
def test_rows_returned_match_their_type(demo, row_type):
    rows = SOURCES[row_type](*demo)
    assert rows, f"no {row_type.__name__} rows to check"
    hints = typing.get_type_hints(row_type)
    required, optional = row_type.__required_keys__, row_type.__optional_keys__
    for row in rows:
        missing, unknown = required - set(row), set(row) - required - optional
        assert not missing and not unknown, (f"{row_type.__name__}: missing {sorted(missing)}, "
                                             f"not in the type {sorted(unknown)}")
        wrong = {k: v for k, v in row.items() if not _conforms(v, hints[k])}
        assert not wrong, f"{row_type.__name__}: values not of the declared types: {wrong}"


def test_the_optional_keys_are_seen_too(demo):
    """`problem` is on the row of an assessment whose answer cannot be read, on no other."""
    ws, ids, _ = demo
    rows = scores.list_scores(ws, 2027)
    assert [r["unit_name"] for r in rows if "problem" in r] == ["东风镇"]
    assert all(isinstance(r["final"], (int, float)) for r in rows if r["id"] == ids["assessment"])


def test_answer_values_come_decoded(demo):
    ws, ids, _ = demo
    rows = answer_store.list_answers(ws, ids["assessment"], "self").values()
    assert any(isinstance(r["value"], bool) for r in rows)
    assert any(isinstance(r["documents"], list) for r in rows)
    assert all(isinstance(p["report"], Path) for p in evidence.list_evidence(ws, ids["assessment"]))
