"""Criteria format 2 in the workspace (issue 16, storage and command line): the new answer
shapes (counts per reason, elements met, documents per item) stored, read back and
scored exactly as `checklist score` does; unit tags (only_for / not_for) on units, in
the score cache's key, in answers files and in exchange bundles; older workspaces
upgrading in place."""

from __future__ import annotations

import json
import sqlite3
import time
from fractions import Fraction

import pytest

import main as app_main
from checklists import Answers, load_checklist_text, score
from format2_text import SET2
from storage import answer_store, assessments, checklist_store, schema, scores, units
from storage.answer_store import decode_value, encode_value
from storage.errors import StorageError
from storage.exchange.export import export_bundle
from storage.exchange.importer import import_bundle
from storage.exchange.records import check_answer_value
from wsutil import open_ws

SET_ID = "t2-base"

# every new shape: counts per reason, elements met, a linear number, documents presented
ANSWERS = {"1.1": {"a": 1, "b": 3}, "1.2": ["plan", "review"], "1.3": 8, "2.1": 97, "3.1": True, "3.2": True,
           "3.3": 1, "3.4": 1}
DOCS = {"3.1": ["会议记录", "签到表"]}


@pytest.fixture
def ws(tmp_path):
    with open_ws(tmp_path / "ws") as ws:
        checklist_store.import_checklist_text(ws, SET2, "t2.yaml")
        yield ws


def town(ws, name="城关镇", tags=()):
    county = ws.db.execute("SELECT id FROM units WHERE type = 'county'").fetchone()
    county_id = county[0] if county else units.add_unit(ws, "某县", "county")["id"]
    return units.add_unit(ws, name, "town", county_id, tags=list(tags))


def new_assessment(ws, unit):
    return assessments.new_assessment(ws, unit["id"], SET_ID, "1", 2027)["id"]


def fill(ws, aid, values=ANSWERS, docs=DOCS):
    for code, value in values.items():
        answer_store.set_answer(ws, aid, code, "self", value, documents=docs.get(code))


def engine(tags=(), values=ANSWERS, docs=DOCS):
    return score(load_checklist_text(SET2, "t2.yaml"), Answers(values=dict(values), documents=dict(docs),
                                                               unit_tags=frozenset(tags)))


def test_new_shapes_round_trip_and_score_as_the_engine(ws):
    aid = new_assessment(ws, town(ws, tags=["small"]))
    fill(ws, aid)
    got = answer_store.list_answers(ws, aid, "self")
    assert got["1.1"]["value"] == {"a": 1, "b": 3}
    assert got["1.2"]["value"] == ["plan", "review"]
    assert got["3.1"]["documents"] == ["会议记录", "签到表"]
    assert answer_store.scoring_input(ws, aid).unit_tags == frozenset({"small"})
    mine = answer_store.score_assessment(ws, aid)
    theirs = engine(tags=["small"])
    assert mine.final == theirs.final and mine.level == theirs.level
    assert mine.to_json() == theirs.to_json()
    assert scores.scores(ws, [aid])[aid].final == theirs.final
    assert scores.scores(ws, [aid])[aid].final == theirs.final  # from the cache


def test_values_encode_unambiguously():
    for value in ({"n": 2}, {"a": 0, "counts": 5}, [], ["plan"], Fraction(1, 3), True, "良好", "na"):
        assert decode_value(encode_value(value)) == value
        check_answer_value(encode_value(value))
    for bad in ('{"counts": {"a": -1}}', '{"counts": {"a": 1.5}}', '{"counts": [1]}', '["a", "a"]', '[1]',
                '{"counts": {"a": 1e999}}', '[' + ",".join([f'"x{i}"' for i in range(600)]) + "]"):
        with pytest.raises(ValueError):
            decode_value(bad)
        with pytest.raises(ValueError):
            check_answer_value(bad)


def test_invalid_new_values_refused(ws):
    aid = new_assessment(ws, town(ws))
    for code, value in (("1.1", {"zz": 1}), ("1.1", {"c": 2}), ("1.1", {"a": -1}), ("1.1", 3),
                        ("1.2", ["plan", "nope"]), ("1.2", "plan")):
        with pytest.raises(StorageError, match=f"条目 {code}"):
            answer_store.set_answer(ws, aid, code, "self", value)


def test_item_not_for_the_unit_refused_and_left_out(ws):
    big = new_assessment(ws, town(ws, "大镇甲", ["big"]))
    small = new_assessment(ws, town(ws, "小镇乙", ["small"]))
    with pytest.raises(StorageError, match="条目 2.3 不适用于本单位"):
        answer_store.set_answer(ws, big, "2.3", "self", 3)
    with pytest.raises(StorageError, match="条目 2.2 不适用于本单位"):
        answer_store.set_answer(ws, small, "2.2", "self", True)
    answer_store.set_answer(ws, big, "2.2", "self", True)
    answer_store.set_answer(ws, small, "2.3", "self", 3)
    result = answer_store.score_assessment(ws, big)
    assert "2.3" in result.not_applicable and "2.2" not in result.not_applicable
    assert answer_store.score_assessment(ws, small).not_applicable == ("2.2",)


def test_changing_tags_changes_the_cached_score(ws):
    unit = town(ws, tags=["big"])
    aid = new_assessment(ws, unit)
    fill(ws, aid, {"1.1": {}, "2.2": True})
    before = scores.scores(ws, [aid])[aid]
    assert ws.db.execute("SELECT count(*) FROM score_cache WHERE assessment_id = ?", [aid]).fetchone()[0]
    units.set_tags(ws, unit["id"], ["small"])
    assert not ws.db.execute("SELECT count(*) FROM score_cache WHERE assessment_id = ?", [aid]).fetchone()[0]
    after = scores.scores(ws, [aid])[aid]
    assert after.final != before.final
    assert after.final == engine(["small"], {"1.1": {}, "2.2": True}, {}).final
    listed = {r["id"]: r for r in scores.list_scores(ws)}
    assert listed[aid]["final"] == after.shown
    units.set_tags(ws, unit["id"], [])
    assert scores.scores(ws, [aid])[aid].final == engine((), {"1.1": {}, "2.2": True}, {}).final


def test_tags_by_label_and_unknown_refused(ws):
    unit = town(ws, tags=["大镇（人口5万以上）"])
    assert units.decode_tags(units.get_unit(ws, unit["id"])["tags"]) == ("big",)
    with pytest.raises(StorageError, match="未在工作区的任何标准中声明"):
        units.set_tags(ws, unit["id"], ["huge"])
    assert units.set_tags(ws, unit["id"], ["small", "big"])["tags"] == json.dumps(["big", "small"])


def test_answers_file_with_new_shapes(ws, tmp_path):
    aid = new_assessment(ws, town(ws, tags=["big"]))
    path = tmp_path / "answers.yaml"
    values = {k: v for k, v in ANSWERS.items() if k != "3.3"} | {"2.2": True}
    path.write_text(json.dumps({"checklist": {"id": SET_ID, "version": "1"}, "answers": values,
                                "documents": DOCS | {"3.3": []}}, ensure_ascii=False), encoding="utf-8")
    # every value, and the documents of 3.3 (no value in the file) ticked on its own
    assert answer_store.import_answers_file(ws, aid, path) == len(values) + 1
    assert answer_store.get_answer(ws, aid, "3.3", "self")["documents"] == []
    mine = answer_store.score_assessment(ws, aid)
    assert mine.to_json() == engine(["big"], values, DOCS | {"3.3": []}).to_json()
    assert answer_store.get_answer(ws, aid, "1.1", "self")["value"] == {"a": 1, "b": 3}
    # the file's unit_tags must be the unit's
    path.write_text(json.dumps({"unit_tags": ["small"], "answers": {"2.3": 1}}), encoding="utf-8")
    with pytest.raises(StorageError, match="单位标签"):
        answer_store.import_answers_file(ws, aid, path)
    # an item not for the unit: refused, naming it
    path.write_text(json.dumps({"answers": {"2.3": 1}}), encoding="utf-8")
    with pytest.raises(Exception, match="2.3"):
        answer_store.import_answers_file(ws, aid, path)


def test_unit_tags_and_answers_travel_in_bundles(tmp_path):
    with open_ws(tmp_path / "county") as ws:
        checklist_store.import_checklist_text(ws, SET2, "t2.yaml")
        unit = town(ws, tags=["big"])
        plain = town(ws, "河口镇")
        export_bundle(ws, "criteria", [SET_ID], tmp_path / "criteria.dabiao")
        data = json.loads(_member(tmp_path / "criteria.dabiao", "data.json"))
        carried = {u["id"]: u for u in data["units"]}
        assert carried[unit["id"]]["tags"] == '["big"]'
        assert "tags" not in carried[plain["id"]]  # as before tags existed
    with open_ws(tmp_path / "town") as ws:
        import_bundle(ws, tmp_path / "criteria.dabiao")
        assert units.unit_tags(ws, unit["id"]) == ("big",)
        assert units.unit_tags(ws, plain["id"]) == ()
        aid = new_assessment(ws, units.get_unit(ws, unit["id"]))
        fill(ws, aid, ANSWERS | {"2.2": True})
        assessments.set_status(ws, aid, "submitted")
        export_bundle(ws, "submission", [aid], tmp_path / "submission.dabiao")
        expected = answer_store.score_assessment(ws, aid).final
    with open_ws(tmp_path / "county") as ws:
        import_bundle(ws, tmp_path / "submission.dabiao")
        assert answer_store.list_answers(ws, aid, "self")["1.2"]["value"] == ["plan", "review"]
        assert answer_store.score_assessment(ws, aid).final == expected == engine(
            ["big"], ANSWERS | {"2.2": True}, DOCS).final
        # tags changed at the county travel with a newer criteria bundle (times are to the second)
        time.sleep(1.05)
        units.set_tags(ws, unit["id"], ["small"])
        export_bundle(ws, "criteria", [SET_ID], tmp_path / "criteria2.dabiao")
    with open_ws(tmp_path / "town") as ws:
        import_bundle(ws, tmp_path / "criteria2.dabiao")
        assert units.unit_tags(ws, unit["id"]) == ("small",)


def test_bundle_with_bad_tags_or_values_refused(tmp_path):
    with open_ws(tmp_path / "county") as ws:
        checklist_store.import_checklist_text(ws, SET2, "t2.yaml")
        town(ws, tags=["big"])
        export_bundle(ws, "criteria", [SET_ID], tmp_path / "criteria.dabiao")
    from storage.exchange.records import Bad, validate_data

    data = json.loads(_member(tmp_path / "criteria.dabiao", "data.json"))

    class Reader:
        manifest = {"bundle_id": data["bundle_id"]}

    validate_data(json.loads(json.dumps(data)), "criteria", Reader())
    for bad in ('["big", "big"]', '"big"', '[["big"]]', '[1]', '["small", "big"]', "[]", "{"):
        broken = json.loads(json.dumps(data))
        next(u for u in broken["units"] if u["type"] == "town")["tags"] = bad
        with pytest.raises(Bad, match="标签"):
            validate_data(broken, "criteria", Reader())
    old = json.loads(json.dumps(data))
    for u in old["units"]:
        u.pop("tags", None)
    validate_data(old, "criteria", Reader())  # an older bundle: units without tags


def _member(path, name) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def test_older_workspace_upgrades_in_place(tmp_path):
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        checklist_store.import_checklist_text(ws, SET2, "t2.yaml")
        unit = town(ws)
        aid = new_assessment(ws, unit)
        fill(ws, aid, {"1.1": {"a": 1}})
    conn = sqlite3.connect(folder / "dabiao.sqlite")
    conn.execute("DROP TRIGGER score_cache_units_tags")
    conn.execute("DROP TRIGGER score_cache_assessments_unit")
    conn.execute("ALTER TABLE units DROP COLUMN tags")
    conn.execute(f"DELETE FROM {schema.MIGRATIONS_TABLE} WHERE name = 'm005_unit_tags'")
    conn.commit()
    conn.close()
    from storage.workspace import Workspace

    with Workspace.open(folder, readonly=True) as ws:  # read-only: not upgraded, still scores
        assert "m005_unit_tags" not in schema.applied_names(ws.db)
        assert units.unit_tags(ws, unit["id"]) == ()
        assert answer_store.score_assessment(ws, aid).final == engine((), {"1.1": {"a": 1}}, {}).final
    with open_ws(folder) as ws:
        assert "m005_unit_tags" in schema.applied_names(ws.db)
        assert units.get_unit(ws, unit["id"])["tags"] is None
        assert answer_store.get_answer(ws, aid, "1.1", "self")["value"] == {"a": 1}
        units.set_tags(ws, unit["id"], ["big"])
        assert answer_store.scoring_input(ws, aid).unit_tags == frozenset({"big"})


def run(capsys, *argv):
    code = app_main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_unit_tags(tmp_path, capsys):
    d = ("--data-dir", str(tmp_path / "ws"))
    (tmp_path / "t2.yaml").write_text(SET2, encoding="utf-8")
    assert run(capsys, *d, "checklist", "import", str(tmp_path / "t2.yaml"))[0] == 0
    code, uid, err = run(capsys, *d, "unit", "add", "城关镇", "--type", "town", "--tag", "big")
    assert code == 0, err
    code, out, _ = run(capsys, *d, "unit", "list")
    assert "大镇（人口5万以上）" in out
    code, out, _ = run(capsys, *d, "unit", "tag", "城关镇", "small")
    assert code == 0 and "small" in out
    code, out, _ = run(capsys, *d, "unit", "tag", "城关镇")
    assert code == 0 and "小镇" in out
    code, out, err = run(capsys, *d, "unit", "tag", "城关镇", "huge")
    assert code != 0 and "huge" in err and "Traceback" not in err
    code, out, err = run(capsys, *d, "unit", "tag", "城关镇", "big", "--clear")
    assert code != 0
    code, out, _ = run(capsys, *d, "unit", "tag", "城关镇", "--clear")
    assert code == 0 and "无标签" in out
    code, out, _ = run(capsys, *d, "unit", "list", "--json")
    assert json.loads(out)[0]["tags"] is None


def test_db_check_names_damaged_tags(ws):
    from storage.check import damaged_tags

    unit = town(ws, tags=["big"])
    aid = new_assessment(ws, unit)
    fill(ws, aid, {"1.1": {"a": 1}})
    assert damaged_tags(ws) == []
    ws.db.execute("UPDATE units SET tags = '[1' WHERE id = ?", [unit["id"]])
    assert "城关镇" in damaged_tags(ws)[0]
    assert scores.scores(ws, [aid])[aid].problem


def test_bundled_format2_sample_in_a_workspace(tmp_path):
    """The bundled /2 sample (大镇 / 小镇 rules): a big town answers 2.2 but not 2.3, and
    its score is the engine's on the same inputs."""
    with open_ws(tmp_path / "ws") as ws:
        checklist_store.ensure_bundled(ws)
        checklist = checklist_store.load(ws, "county-2027-town", "2027.1")
        unit = units.add_unit(ws, "城关镇", "town", tags=["big"])
        aid = assessments.new_assessment(ws, unit["id"], "county-2027-town", "2027.1", 2027)["id"]
        answer_store.set_answer(ws, aid, "2.2", "self", True)
        with pytest.raises(StorageError, match="条目 2.3 不适用于本单位"):
            answer_store.set_answer(ws, aid, "2.3", "self", True)
        expected = score(checklist, Answers(values={"2.2": True}, unit_tags=frozenset({"big"})))
        assert answer_store.score_assessment(ws, aid).to_json() == expected.to_json()
        assert "2.3" in expected.not_applicable


def test_unanswered_leaves_out_what_the_units_tags_exclude(ws):
    """Items a unit's tags leave out cannot be answered, so they are never "still to
    review" (else every tagged unit's sign-off would demand --confirm-incomplete)."""
    big = new_assessment(ws, town(ws, "大镇甲", ["big"]))
    codes = [c for c, _ in assessments.unanswered(ws, big, "self")]
    assert "2.2" in codes and "2.3" not in codes


def test_damaged_tags_are_one_line_and_setting_them_repairs(tmp_path, capsys):
    d = ("--data-dir", str(tmp_path / "ws"))
    (tmp_path / "t2.yaml").write_text(SET2, encoding="utf-8")
    assert run(capsys, *d, "checklist", "import", str(tmp_path / "t2.yaml"))[0] == 0
    assert run(capsys, *d, "unit", "add", "某县", "--type", "county")[0] == 0
    assert run(capsys, *d, "unit", "add", "城关镇", "--type", "town", "--parent", "某县", "--tag", "big")[0] == 0
    with open_ws(tmp_path / "ws") as w:
        w.db.execute("UPDATE units SET tags = '[[[' WHERE name = '城关镇'")
    code, _, err = run(capsys, *d, "unit", "tag", "城关镇")
    assert code == 1 and "标签已损坏" in err and "Traceback" not in err
    code, out, _ = run(capsys, *d, "unit", "tag", "城关镇", "small")
    assert code == 0 and "城关镇" in out
    with open_ws(tmp_path / "ws") as w:
        assert units.unit_tags(w, units.find_unit(w, "城关镇")["id"]) == ("small",)


def test_nothing_answered_is_unscored_though_tags_leave_items_out(tmp_path, capsys):
    """Items a tag leaves out are not answers: a 大镇 / 小镇 of the bundled county-2027-town
    with nothing answered is "尚未填写" (no score, no level), not "0 未达标"."""
    d = ("--data-dir", str(tmp_path / "ws"))
    with open_ws(tmp_path / "ws") as w:
        checklist_store.ensure_bundled(w)
        ids = []
        for name, tag in (("大镇甲", "big"), ("小镇乙", "small")):
            unit = units.add_unit(w, name, "town", tags=[tag])
            ids.append(assessments.new_assessment(w, unit["id"], "county-2027-town", "2027.1", 2027)["id"])
        for aid in ids:
            result = answer_store.score_assessment(w, aid)
            assert result.not_applicable and not scores.is_scored(result)
            got = scores.scores(w, [aid])[aid]
            assert got.final is None and got.level is None and got.answered == 0
            assert got.items == len(result.items) - len(result.not_applicable)
        assert [r["final"] for r in scores.list_scores(w)] == [None, None]
        answer_store.set_answer(w, ids[0], "2.2", "self", True)
        assert scores.scores(w, [ids[0]])[ids[0]].answered == 1
        assert scores.scores(w, [ids[0]])[ids[0]].final is not None
    code, out, _ = run(capsys, *d, "assessment", "list")
    assert code == 0 and out.count("尚未填写") == 1 and "未达标" not in out.split("小镇乙")[1]
    code, out, _ = run(capsys, *d, "assessment", "show", ids[1])
    assert code == 0 and "尚未填写" in out and "未达标" not in out


def test_tags_by_short_label(tmp_path, capsys):
    """`--tag 小镇` / `unit tag X 大镇`: a label up to its first "（" is enough when no
    other declared tag shares it (the bundled county-2027-town labels are long)."""
    d = ("--data-dir", str(tmp_path / "ws"))
    with open_ws(tmp_path / "ws") as w:
        checklist_store.ensure_bundled(w)
    code, _, err = run(capsys, *d, "unit", "add", "城关镇", "--type", "town", "--tag", "小镇")
    assert code == 0, err
    code, out, err = run(capsys, *d, "unit", "tag", "城关镇", "大镇")
    assert code == 0 and "big" in out, err
    with open_ws(tmp_path / "ws") as w:
        assert units.unit_tags(w, units.find_unit(w, "城关镇")["id"]) == ("big",)
    code, _, err = run(capsys, *d, "unit", "tag", "城关镇", "中镇")
    assert code == 1 and "中镇" in err and "Traceback" not in err
    # a short form two tags share names neither
    assert units.short_labels({"a": "小镇（甲）", "b": "小镇(乙)", "c": "大镇（丙）", "d": "村"}) == {"大镇": "c"}


@pytest.mark.parametrize("tag", ["big", "small"])
def test_best_values_earn_every_applicable_item_its_points(tmp_path, tag):
    """generate.best_value for every kind of the bundled county-2027-town (linear rates,
    reasons, elements): answer_all_best stores them, and with the evidence asked for, the
    engine gives each applicable item its full points; random values are all valid."""
    import random

    from answers_util import answer_all_best
    from checklists.answers import check_value
    from storage.generate import random_value
    from storage.generate_values import candidates

    with open_ws(tmp_path / "ws") as w:
        checklist_store.ensure_bundled(w)
        unit = units.add_unit(w, "城关镇", "town", tags=[tag])
        aid = assessments.new_assessment(w, unit["id"], "county-2027-town", "2027.1", 2027)["id"]
        answer_all_best(w, aid)
        checklist = checklist_store.load(w, "county-2027-town", "2027.1")
        stored = answer_store.scoring_input(w, aid)
    kinds = {(i.kind, i.linear is not None, bool(i.reasons)) for i in checklist.items()}
    assert {("number", True, False), ("deduct", False, True), ("elements", False, False)} <= kinds
    items = list(checklist.items())
    full = Answers(values=stored.values, unit_tags=stored.unit_tags,
                   photos={i.code: i.evidence.photos for i in items},
                   documents={i.code: list(i.evidence.documents) for i in items})
    result = score(checklist, full)
    applicable = [i for i in items if i.applies_to({tag})]
    assert len(stored.values) == len(applicable) < len(items)
    assert {i.code: result.items[i.code].score for i in applicable} == {i.code: i.points for i in applicable}
    rnd = random.Random(5)
    for item in items:
        for value in [random_value(item, rnd) for _ in range(20)] + candidates(item):
            assert check_value(item, value)[1] is None, (item.code, value)
