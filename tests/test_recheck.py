"""复核 (recheck): the 军分区's draw of the towns it re-checks (storage/recheck.py), the
recheck role in storage (who may answer, the result role recheck > review > self, the
score cache), the command line (`recheck draw/list`, `--role recheck`), and a workspace
made before migration m006 upgrading in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import main as app_main
from storage import Workspace, answer_store, assessments, check, evidence, recheck, schema, scores, units
from storage.errors import LockedAnswers, StorageError
from storage.generate import generate_workspace

from answers_util import answer_all_best
from wsutil import open_ws, workspace_dump

YEAR = 2027


def run(capsys, *argv):
    code = app_main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Three generated counties of seven towns, 2027 statuses mixed (drafts to final)."""
    folder = tmp_path_factory.mktemp("recheck") / "ws"
    with open_ws(folder) as ws:
        generate_workspace(ws, 3, 7, (YEAR,), seed=11)
    return folder


@pytest.fixture
def ws_dir(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "ws", ignore=shutil.ignore_patterns("dabiao.lock")))


@pytest.fixture
def ws(ws_dir):
    w = open_ws(ws_dir)
    yield w
    w.close()


def statuses(ws) -> dict[str, str]:
    return {r[0]: r[1] for r in ws.db.execute("SELECT id, status FROM assessments")}


def county_by_assessment(ws) -> dict[str, str]:
    county = units.county_of_units(ws)
    return {aid: county[uid]["id"] for aid, uid in ws.db.execute("SELECT id, unit_id FROM assessments")}


def events(ws, action="draw") -> list[dict]:
    return [json.loads(r[0]) for r in ws.db.execute(
        "SELECT detail FROM events WHERE entity = 'recheck' AND action = ? ORDER BY seq", [action])]


def unit_of(ws, aid: str) -> str:
    return assessments.get_assessment(ws, aid)["unit_name"]


# --------------------------------------------------------------------------- the draw


def test_only_reviewed_or_final_towns_are_drawn_and_counts_follow_the_rule(ws):
    done = {aid for aid, s in statuses(ws).items() if s in ("reviewed", "final")}
    assert 0 < len(done) < len(statuses(ws))  # the generated mix has both
    pool = recheck.candidates(ws, YEAR)
    assert {aid for ids in pool.values() for aid in ids} == done
    county = county_by_assessment(ws)
    d = recheck.draw(ws, YEAR, per_county=2, seed="7")
    assert set(d.ids) <= done and len(set(d.ids)) == len(d.ids)
    per = {}
    for aid in d.ids:
        per[county[aid]] = per.get(county[aid], 0) + 1
    assert per == {c: min(2, len(ids)) for c, ids in pool.items()}
    assert recheck.drawn(ws, YEAR) == list(d.ids)
    assert all(recheck.is_drawn(ws, aid) for aid in d.ids)
    assert not any(recheck.is_drawn(ws, aid) for aid in set(statuses(ws)) - set(d.ids))
    assert recheck.draw_info(ws, YEAR).seed == "7" and recheck.draw_info(ws, YEAR + 1) is None


@pytest.mark.parametrize(("share", "available", "expected"), [
    ("0.2", 7, 1), ("0.25", 2, 1), ("0.5", 5, 3), ("0.5", 3, 2), ("0.1", 3, 1), ("0.3", 5, 2), ("1", 4, 4),
    ("0.35", 10, 4), ("0.05", 30, 2), ("0.2", 0, 0)])
def test_share_rounds_half_up_and_takes_at_least_one(share, available, expected):
    assert recheck.how_many(recheck.make_rule(share=share), available) == expected


def test_per_county_never_exceeds_what_a_county_has():
    assert recheck.how_many(recheck.make_rule(per_county=3), 2) == 2
    assert recheck.how_many(recheck.make_rule(per_county=3), 9) == 3


@pytest.mark.parametrize("bad", [{"per_county": 0}, {"per_county": -1}, {"share": "0"}, {"share": "1.5"},
                                 {"share": "abc"}, {"share": "nan"}, {}, {"per_county": 1, "share": "0.2"}])
def test_a_bad_rule_is_one_clear_line(bad):
    with pytest.raises(StorageError) as exc:
        recheck.make_rule(**bad)
    assert "\n" not in str(exc.value) and "抽取" in str(exc.value)


def test_share_draw_per_county(ws):
    pool = recheck.candidates(ws, YEAR)
    county = county_by_assessment(ws)
    d = recheck.draw(ws, YEAR, share="0.3", seed="x")
    per = {}
    for aid in d.ids:
        per[county[aid]] = per.get(county[aid], 0) + 1
    assert per == {c: recheck.how_many("share:0.3", len(ids)) for c, ids in pool.items()}


def test_the_draw_is_reproducible_from_its_seed_and_differs_across_seeds(template, tmp_path):
    drawn = {}
    for n, seed in enumerate(["42", "42", "43", "44", "45"]):
        folder = shutil.copytree(template, tmp_path / f"ws{n}", ignore=shutil.ignore_patterns("dabiao.lock"))
        with open_ws(folder) as w:
            drawn.setdefault(seed, []).append(recheck.draw(w, YEAR, share="0.4", seed=seed).ids)
    assert drawn["42"][0] == drawn["42"][1]
    assert len({ids[0] for ids in drawn.values()}) > 1  # four seeds do not all draw the same towns
    # and the ids are what the documented rule gives: Random(seed/county) over each county's sorted ids
    import random

    with Workspace.open(template, readonly=True) as w:
        pool = recheck.candidates(w, YEAR)
    expected = []
    for county_id in sorted(pool):
        ids = sorted(pool[county_id])
        expected += random.Random(f"42/{county_id}").sample(ids, recheck.how_many("share:0.4", len(ids)))
    assert list(drawn["42"][0]) == expected


def test_no_seed_makes_one_records_and_logs_it(ws):
    d = recheck.draw(ws, YEAR, per_county=1)
    assert d.seed.isdigit() and d.made
    (logged,) = events(ws)
    assert logged["seed"] == d.seed and logged["ids"] == list(d.ids) and logged["rule"] == "per_county:1"
    assert logged["year"] == YEAR and logged["replaces"] is None
    assert check.check_workspace(ws) == []
    # the drawn ids are exactly what the recorded seed gives
    assert [a for _, a in recheck.choose(recheck.candidates(ws, YEAR), d.rule, d.seed)] == list(d.ids)


def test_drawing_again_the_same_way_changes_nothing(ws):
    d = recheck.draw(ws, YEAR, per_county=2, seed="5")
    before = workspace_dump(ws)
    again = recheck.draw(ws, YEAR, per_county=2, seed="5")
    same = recheck.draw(ws, YEAR, per_county=2)  # no seed: the recorded one
    assert again.ids == same.ids == d.ids and not again.made and not same.made
    assert workspace_dump(ws) == before


def test_another_rule_or_seed_needs_redraw(ws):
    d = recheck.draw(ws, YEAR, per_county=1, seed="5")
    before = workspace_dump(ws)
    for kwargs in ({"per_county": 1, "seed": "6"}, {"per_county": 2, "seed": "5"}, {"share": "0.5"}):
        with pytest.raises(StorageError, match="--redraw"):
            recheck.draw(ws, YEAR, **kwargs)
    assert workspace_dump(ws) == before
    new = recheck.draw(ws, YEAR, per_county=2, seed="6", redraw=True)
    assert new.made and new.id != d.id and recheck.drawn(ws, YEAR) == list(new.ids) and len(new.ids) > len(d.ids)
    assert ws.db.execute("SELECT count(*) FROM recheck_draws").fetchone()[0] == 1
    assert set(recheck.drawn(ws, YEAR)) == set(new.ids)
    second = events(ws)[-1]
    assert second["replaces"] == {"id": d.id, "rule": "per_county:1", "seed": "5", "ids": list(d.ids)}
    assert check.check_workspace(ws) == []


def test_redraw_refused_when_a_leaving_town_has_recheck_answers(ws):
    d = recheck.draw(ws, YEAR, per_county=1, seed="5")
    pool = recheck.candidates(ws, YEAR)
    began = next(aid for aid in d.ids if any(aid in ids and len(ids) > 1 for ids in pool.values()))
    answer_store.set_answer(ws, began, first_check_item(ws, began), "recheck", False)
    # find a seed whose draw leaves `began` out
    seed = next(s for s in map(str, range(100)) if began not in
                [a for _, a in recheck.choose(recheck.candidates(ws, YEAR), "per_county:1", s)])
    before = workspace_dump(ws)
    with pytest.raises(StorageError, match=unit_of(ws, began)):
        recheck.draw(ws, YEAR, per_county=1, seed=seed, redraw=True)
    assert workspace_dump(ws) == before
    # a redraw that keeps it is allowed
    keeps = next(s for s in map(str, range(100)) if began in
                 [a for _, a in recheck.choose(recheck.candidates(ws, YEAR), "per_county:2", s)])
    assert began in recheck.draw(ws, YEAR, per_county=2, seed=keeps, redraw=True).ids


def test_nothing_to_draw_is_one_line(ws):
    with pytest.raises(StorageError, match="无可抽取"):
        recheck.draw(ws, YEAR + 1, per_county=1)


# --------------------------------------------------------------------------- who may answer


def first_check_item(ws, aid: str) -> str:
    checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, aid))
    return next(item.code for item in checklist.items() if item.kind == "check")


def test_recheck_answers_only_for_drawn_assessments_after_the_review(ws, tmp_path):
    d = recheck.draw(ws, YEAR, per_county=1, seed="3")
    done = [aid for aid, s in statuses(ws).items() if s in ("reviewed", "final")]
    undrawn = next(aid for aid in done if aid not in d.ids)
    code = first_check_item(ws, undrawn)
    with pytest.raises(LockedAnswers, match="未被抽中复核"):
        answer_store.set_answer(ws, undrawn, code, "recheck", True)
    photo = tmp_path / "p.jpg"
    from PIL import Image

    Image.new("RGB", (64, 48), "red").save(photo, "JPEG")
    with pytest.raises(StorageError, match="未被抽中复核"):
        evidence.add_photos(ws, undrawn, code, [photo], role="recheck")
    aid = d.ids[0]
    assert "recheck" in assessments.roles_open(ws, assessments.get_assessment(ws, aid))
    answer_store.set_answer(ws, aid, code, "recheck", False)
    assert evidence.add_photos(ws, aid, code, [photo], role="recheck")[0].ok
    # the county reopens its review: no 复核 until it is done again
    if assessments.get_assessment(ws, aid)["status"] == "final":
        assessments.unlock(ws, aid, "县级考评需更正")  # final -> reviewed
    assessments.unlock(ws, aid, "县级考评需更正")  # reviewed -> reviewing
    assert assessments.get_assessment(ws, aid)["status"] in ("reviewing", "draft")
    with pytest.raises(LockedAnswers, match="县级考评完成"):
        answer_store.set_answer(ws, aid, code, "recheck", True)
    # self and review locks are as before: a drawn, reviewed assessment takes neither
    other = d.ids[1]
    for role in ("self", "review"):
        with pytest.raises(LockedAnswers):
            answer_store.set_answer(ws, other, code, role, True)
    assert assessments.editable_roles("reviewed") == ()
    assert assessments.editable_roles("reviewed", drawn=True) == ("recheck",)
    assert assessments.editable_roles("reviewing", drawn=True) == ("review",)


def test_a_recheck_answer_raises_its_own_revision_and_is_logged(ws):
    aid = recheck.draw(ws, YEAR, per_county=1, seed="3").ids[0]
    a = assessments.get_assessment(ws, aid)
    code = first_check_item(ws, aid)
    answer_store.set_answer(ws, aid, code, "recheck", False, note="现场未见")
    b = assessments.get_assessment(ws, aid)
    assert b["recheck_rev"] == a["recheck_rev"] + 1
    assert (b["self_rev"], b["review_rev"], b["status"]) == (a["self_rev"], a["review_rev"], a["status"])
    (logged,) = [json.loads(r[0]) for r in ws.db.execute(
        "SELECT detail FROM events WHERE entity = 'answer' AND entity_id = ? AND assessment_id = ?",
        [f"{code}/recheck", aid])]
    assert logged["new"]["note"] == "现场未见"
    assert check.check_workspace(ws) == []


# --------------------------------------------------------------------------- the result role


def test_result_role_is_recheck_over_review_over_self_and_the_cache_follows(ws, monkeypatch):
    aid = recheck.draw(ws, YEAR, per_county=1, seed="3").ids[0]
    listed = {r["id"]: r for r in scores.list_scores(ws, YEAR)}
    assert listed[aid]["score_role"] == "review"
    review_final = listed[aid]["final"]
    cached = ws.db.execute("SELECT count(*) FROM score_cache").fetchone()[0]
    assert cached == len(listed)
    computed = []
    real = scores._compute
    monkeypatch.setattr(scores, "_compute", lambda w, rows: computed.extend(r["id"] for r in rows) or real(w, rows))
    # the 复核 finds every check item not met: its score is the result
    checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, aid))
    answer_all_best(ws, aid, "recheck")
    for item in checklist.items():
        if item.kind == "check":
            answer_store.set_answer(ws, aid, item.code, "recheck", False)
    again = {r["id"]: r for r in scores.list_scores(ws, YEAR)}
    assert computed == [aid]  # only the re-checked assessment was scored again
    expected = answer_store.score_assessment(ws, aid, "recheck").to_json()["final"]
    assert again[aid]["score_role"] == "recheck" and again[aid]["final"] == expected != review_final
    assert scores.score_role(ws, aid) == "recheck" and scores.final_score(ws, aid)[0] == "recheck"
    assert scores.scores(ws, [aid])[aid].role == "recheck"
    assert len(computed) == 1
    # the cache key carries recheck_rev: a stale row under another revision is not used
    ws.db.execute("UPDATE score_cache SET recheck_rev = recheck_rev - 1 WHERE assessment_id = ?", [aid])
    assert {r["id"]: r["final"] for r in scores.list_scores(ws, YEAR)}[aid] == expected and len(computed) == 2
    # the other assessments keep their roles
    for other, row in again.items():
        if other != aid:
            assert row["score_role"] == listed[other]["score_role"]


def test_recheck_photos_do_not_change_the_county_review(ws, tmp_path):
    aid = recheck.draw(ws, YEAR, per_county=1, seed="3").ids[0]
    before = answer_store.score_assessment(ws, aid, "review").to_json()
    photo = tmp_path / "p.jpg"
    from PIL import Image

    Image.new("RGB", (64, 48), "blue").save(photo, "JPEG")
    code = first_check_item(ws, aid)
    evidence.add_photos(ws, aid, code, [photo], role="recheck")
    assert answer_store.photo_counts(ws, aid, "review").get(code, 0) + 1 == \
        answer_store.photo_counts(ws, aid, "recheck")[code]
    assert answer_store.score_assessment(ws, aid, "review").to_json() == before


# --------------------------------------------------------------------------- command line


def test_cli_draw_list_import_show(ws_dir, tmp_path, capsys):
    d = ("--data-dir", ws_dir)
    code, out, err = run(capsys, *d, "recheck", "draw", "--year", YEAR, "--per-county", 1, "--seed", "9")
    assert code == 0, err
    ids = out.split()
    assert ids and all(len(i) == 36 for i in ids) and out == "".join(f"{i}\n" for i in ids)
    assert "随机种子 9" in err
    code, again, err = run(capsys, *d, "recheck", "draw", "--year", YEAR, "--per-county", 1, "--seed", "9")
    assert code == 0 and again == out and "未改动" in err
    code, _, err = run(capsys, *d, "recheck", "draw", "--year", YEAR, "--share", "0.5")
    assert code != 0 and "--redraw" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, *d, "recheck", "draw", "--year", YEAR, "--share", "2", "--redraw")
    assert code != 0 and "比例" in err and "Traceback" not in err
    code, listing, err = run(capsys, *d, "recheck", "list", "--year", YEAR)
    assert code == 0 and "随机种子 9" in listing and all(i in listing for i in ids) and "未复核" in listing
    with Workspace.open(ws_dir, readonly=True) as w:
        names = {units.county_of_units(w)[assessments.get_assessment(w, i)["unit_id"]]["name"] for i in ids}
        checklist = assessments.checklist_of(w, assessments.get_assessment(w, ids[0]))
    assert all(n in listing for n in names)
    aid = ids[0]
    lines = [f'checklist: {{id: {checklist.id}, version: "{checklist.version}"}}', "answers:"]
    lines += [f'  "{item.code}": false' for item in checklist.items() if item.kind == "check"]
    answers = tmp_path / "recheck.yaml"
    answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, *d, "answer", "import", aid, answers, "--role", "recheck")
    assert code == 0 and "已导入" in out, err
    code, out, err = run(capsys, *d, "answer", "import", ids[-1] if len(ids) > 1 else aid, answers)
    assert code != 0 and "Traceback" not in err  # self answers of a reviewed assessment stay locked
    code, shown, err = run(capsys, *d, "assessment", "show", aid, "--role", "recheck", "--json")
    assert code == 0, err
    shown = json.loads(shown)
    with Workspace.open(ws_dir, readonly=True) as w:
        expected = answer_store.score_assessment(w, aid, "recheck").to_json()
        status = assessments.get_assessment(w, aid)["status"]
    assert {k: v for k, v in shown.items() if k not in ("status", "evidence")} == expected
    assert shown["status"] == status
    code, out, _ = run(capsys, *d, "assessment", "list", "--year", YEAR)
    row = next(line for line in out.splitlines() if line.startswith(aid))
    assert "\t复核\t" in row and f"\t{expected['final']}\t" in row
    code, out, _ = run(capsys, *d, "recheck", "list", "--year", YEAR, "--json")
    listed = json.loads(out)
    assert listed["draw"]["seed"] == "9" and {r["id"]: r["recheck_begun"] for r in listed["sample"]}[aid] == 1
    # not drawn: refused, one line
    with Workspace.open(ws_dir, readonly=True) as w:
        undrawn = next(r["id"] for r in assessments.list_assessments(w, YEAR)
                       if r["status"] in ("reviewed", "final") and r["id"] not in ids)
    code, _, err = run(capsys, *d, "answer", "import", undrawn, answers, "--role", "recheck")
    assert code != 0 and "未被抽中复核" in err and "Traceback" not in err
    for extra in (("--json",), ()):  # no 复核 result to show: one line, not a full zero score
        code, out, err = run(capsys, *d, "assessment", "show", undrawn, "--role", "recheck", *extra)
        assert code == 1 and out == "" and "未被抽中复核" in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, *d, "assessment", "show", undrawn, "--role", "review", "--json")
    assert code == 0 and json.loads(out)["final"] is not None, err
    code, out, err = run(capsys, *d, "db", "check")
    assert code == 0, err


def test_cli_without_a_rule_is_refused(ws_dir, capsys):
    with pytest.raises(SystemExit):
        run(capsys, "--data-dir", ws_dir, "recheck", "draw", "--year", YEAR)
    code, out, _ = run(capsys, "--data-dir", ws_dir, "recheck", "list", "--year", YEAR)
    assert code == 0 and "尚未抽取" in out


# --------------------------------------------------------------------------- before m006


def test_a_workspace_made_before_m006_upgrades_in_place(tmp_path, monkeypatch):
    folder = tmp_path / "old"
    steps = list(schema._STEPS)
    assert steps[-1].__name__ == "m006_city_year"
    monkeypatch.setattr(schema, "_STEPS", steps[:-1])
    monkeypatch.setattr(schema, "_migrations", None)
    with open_ws(folder) as ws:
        generate_workspace(ws, 2, 5, (YEAR,), seed=4)
        before = {r["id"]: (r["score_role"], r["final"]) for r in scores.list_scores(ws, YEAR)}
        assert "recheck_rev" not in {r[1] for r in ws.db.execute("PRAGMA table_info(assessments)")}
    # read-only (not upgraded): listing and recheck lookups still work
    with Workspace.open(folder, readonly=True) as ro:
        assert {r["id"]: (r["score_role"], r["final"]) for r in scores.list_scores(ro, YEAR)} == before
        assert recheck.drawn(ro, YEAR) == [] and recheck.draw_info(ro, YEAR) is None
        assert not recheck.is_drawn(ro, next(iter(before)))
    monkeypatch.setattr(schema, "_STEPS", steps)
    monkeypatch.setattr(schema, "_migrations", None)
    with open_ws(folder) as ws:
        assert schema.applied_names(ws.db)[-1] == "m006_city_year"
        assert {r["id"]: (r["score_role"], r["final"]) for r in scores.list_scores(ws, YEAR)} == before
        d = recheck.draw(ws, YEAR, per_county=1, seed="1")
        aid = d.ids[0]
        answer_store.set_answer(ws, aid, first_check_item(ws, aid), "recheck", False)
        row = {r["id"]: r for r in scores.list_scores(ws, YEAR)}[aid]
        assert row["score_role"] == "recheck"
        assert row["final"] == answer_store.score_assessment(ws, aid, "recheck").to_json()["final"]
        assert check.check_workspace(ws) == []
