"""The score of an assessment (storage/scores.py): one rule for `assessment list` and the
county summary, the score cache and everything that must invalidate it, the summary over
several counties (所属县, --county), and the O(n log n) competition ranking."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import main as app_main
from checklists.numbers import to_json_number
from exports.data import competition_ranks
from storage import Workspace, answer_store, assessments, evidence, scores, units
from storage.generate import generate_workspace

from answers_util import answer_all_best
from wsutil import open_ws, town_assessment

STRICT = "3.3.4.2"  # prov-2027-town: deduct item, 2 photos or no points (strict evidence)


def run(capsys, *argv):
    code = app_main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cached_rows(ws) -> int:
    return ws.db.execute("SELECT count(*) FROM score_cache").fetchone()[0]


def listed(ws, aid: str) -> dict:
    return next(r for r in scores.list_scores(ws) if r["id"] == aid)


@pytest.fixture
def county_ws(tmp_path):
    """Two generated counties of four towns: drafts, submitted, reviews begun and done."""
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        generate_workspace(ws, 2, 4, (2027,), seed=3)
        # one town that has answered nothing yet: not scored, no rank
        county = units.find_county(ws, "城关县")
        town = units.add_unit(ws, "未填镇", "town", county["id"])
        assessments.new_assessment(ws, town["id"], "prov-2027-town", None, 2027)
    return folder


@pytest.fixture
def strict_ws(tmp_path):
    """One town on the province criteria, every item answered for full points."""
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws, "prov-2027-town")
        answer_all_best(ws, a["id"])
    return folder, a["id"]


def jpeg(path, colour) -> str:
    from PIL import Image

    Image.new("RGB", (64, 48), colour).save(path, "JPEG")
    return path


# --------------------------------------------------------------------------- one rule


def test_list_and_summary_judge_each_assessment_by_the_same_score(county_ws, capsys):
    from exports.collect import summary_data

    with open_ws(county_ws) as ws:
        rows = scores.list_scores(ws, 2027)
        data = summary_data(ws, 2027)
        for r in rows:
            role, result = scores.final_score(ws, r["id"])
            assert r["score_role"] == role == scores.score_role(ws, r["id"])
            has_review = ws.db.execute("SELECT 1 FROM answers WHERE assessment_id = ? AND role = 'review'",
                                       [r["id"]]).fetchone() is not None
            assert role == ("review" if has_review else "self")
            if scores.is_scored(result):
                assert (r["final"], r["level"], r["level_label"]) == (
                    result.to_json()["final"], result.level, result.level_label)
            else:
                assert (r["final"], r["level"], r["level_label"]) == (None, None, "")
    assert {r["score_role"] for r in rows} == {"self", "review"}
    by_name = {(row.county, row.unit_name): row for row in data.rows}
    county_of = {}
    with open_ws(county_ws) as ws:
        for unit_id, county in units.county_of_units(ws).items():
            county_of[unit_id] = county["name"]
    for r in rows:
        row = by_name[(county_of[r["unit_id"]], r["unit_name"])]
        shown = None if row.final is None else to_json_number(row.final)
        assert shown == r["final"]  # the same score; a level only where it is a result (reviewed, final)
        assert row.level_label == (r["level_label"] if row.result else "")
    assert by_name[("城关县", "未填镇")].rank is None

    # the command line says whose score it lists
    code, out, err = run(capsys, "--data-dir", county_ws, "assessment", "list", "--json")
    assert code == 0, err
    assert [(x["id"], x["score_role"], x["final"]) for x in json.loads(out)] == [
        (r["id"], r["score_role"], r["final"]) for r in rows]
    code, out, _ = run(capsys, "--data-dir", county_ws, "assessment", "list")
    assert "考评\t" in out and "自评\t" in out and "未填镇" in out and "尚未填写" in out


def test_summary_does_not_load_review_answers_to_see_whether_a_review_began(county_ws, monkeypatch):
    from exports.collect import summary_data

    def refuse(*args, **kwargs):
        raise AssertionError("list_answers called")

    monkeypatch.setattr(answer_store, "list_answers", refuse)
    with Workspace.open(county_ws, readonly=True) as ws:
        assert len(summary_data(ws, 2027).rows) == 9


# --------------------------------------------------------------------------- the cache


def test_scores_are_remembered_and_not_computed_again(county_ws, monkeypatch):
    computed = []
    real = scores._compute
    monkeypatch.setattr(scores, "_compute", lambda ws, rows: computed.extend(rows) or real(ws, rows))
    with open_ws(county_ws) as ws:
        first = scores.list_scores(ws)
        assert len(computed) == 9 and cached_rows(ws) == 9
        assert scores.list_scores(ws) == first and len(computed) == 9
        # the summary reads the same rows
        summary = scores.scores(ws, [r["id"] for r in first])
        assert len(computed) == 9
        assert {aid: s.shown for aid, s in summary.items()} == {r["id"]: r["final"] for r in first}
        # a row is used only under its exact key: the same score under another criteria hash is not
        ws.db.execute("UPDATE score_cache SET shown = 1234")
        assert {r["final"] for r in scores.list_scores(ws)} == {1234}
        ws.db.execute("UPDATE score_cache SET criteria = 'other'")
        assert scores.list_scores(ws) == first and len(computed) == 18


def test_an_answer_change_is_seen_at_once(strict_ws):
    folder, aid = strict_ws
    with open_ws(folder) as ws:
        before = listed(ws, aid)
        assert before["score_role"] == "self" and cached_rows(ws) == 1
        answer_store.set_answer(ws, aid, "1.2", "self", False)
        assert cached_rows(ws) == 0  # the trigger dropped it
        after = listed(ws, aid)
        assert after["final"] < before["final"] and after["self_rev"] == before["self_rev"] + 1
        assert after["final"] == answer_store.score_assessment(ws, aid).to_json()["final"]


def test_an_answer_changed_without_a_new_revision_is_seen(strict_ws):
    """A bundle import may take an item's newer answer while keeping the assessment's own
    (higher) revision: the cache must not trust the revision alone."""
    folder, aid = strict_ws
    with open_ws(folder) as ws:
        before = listed(ws, aid)
        ws.db.execute("UPDATE answers SET value = 'false', rev = rev + 1 WHERE assessment_id = ? AND code = '1.2' "
                      "AND role = 'self'", [aid])
        after = listed(ws, aid)
        assert (after["self_rev"], after["review_rev"]) == (before["self_rev"], before["review_rev"])
        assert after["final"] < before["final"]
        assert after["final"] == answer_store.score_assessment(ws, aid).to_json()["final"]


def test_photos_change_the_cached_score_under_strict_evidence(strict_ws, tmp_path):
    folder, aid = strict_ws
    with open_ws(folder) as ws:
        item = assessments.checklist_of(ws, assessments.get_assessment(ws, aid)).item_index()[STRICT]
        assert item.evidence.strict and item.evidence.photos == 2
        without = listed(ws, aid)["final"]
        outcomes = evidence.add_photos(ws, aid, STRICT, [jpeg(tmp_path / "a.jpg", "red"),
                                                         jpeg(tmp_path / "b.jpg", "blue")])
        assert all(o.ok for o in outcomes)
        with_photos = listed(ws, aid)["final"]
        assert with_photos > without
        assert with_photos == answer_store.score_assessment(ws, aid).to_json()["final"]
        evidence.remove_attachment(ws, outcomes[0].attachment_id)
        assert listed(ws, aid)["final"] == without
        # moving a photo to another item (same count in the assessment) is seen too
        evidence.add_photos(ws, aid, STRICT, [jpeg(tmp_path / "c.jpg", "green")])
        assert listed(ws, aid)["final"] == with_photos
        ws.db.execute("UPDATE attachments SET code = '1.1' WHERE id = ?", [outcomes[1].attachment_id])
        assert listed(ws, aid)["final"] == without


def test_a_review_begun_switches_the_role_and_the_score(strict_ws):
    folder, aid = strict_ws
    with open_ws(folder) as ws:
        assert listed(ws, aid)["score_role"] == "self"
        assessments.set_status(ws, aid, "submitted")
        answer_store.set_answer(ws, aid, "1.2", "review", False)
        row = listed(ws, aid)
        assert row["score_role"] == "review" and scores.score_role(ws, aid) == "review"
        assert row["final"] == answer_store.score_assessment(ws, aid, "review").to_json()["final"]


def test_criteria_or_scoring_code_changes_invalidate(strict_ws, monkeypatch):
    folder, aid = strict_ws
    with open_ws(folder) as ws:
        first = listed(ws, aid)
        assert cached_rows(ws) == 1
        # a criteria text replaced under its (id, version): every cached score goes
        ws.db.execute("UPDATE checklists SET imported_at = imported_at")
        assert cached_rows(ws) == 0
        listed(ws, aid)
        assert cached_rows(ws) == 1
        # the assessment pointed at other criteria
        ws.db.execute("UPDATE assessments SET checklist_version = checklist_version WHERE id = ?", [aid])
        assert cached_rows(ws) == 0
        listed(ws, aid)
        # another version of the scoring code: the stored row is not used, and is replaced
        ws.db.execute("UPDATE score_cache SET shown = 1234")
        monkeypatch.setattr(scores, "_ENGINE", "another-version")
        assert listed(ws, aid)["final"] == first["final"]
        assert ws.db.execute("SELECT engine FROM score_cache").fetchall() == [("another-version",)]


def test_engine_fingerprint_covers_the_scoring_code():
    from pathlib import Path

    import checklists

    scores._ENGINE = None
    one = scores.engine_fingerprint()
    assert one == scores.engine_fingerprint() and len(one) == 32
    assert (Path(checklists.__file__).parent / "scoring.py").exists()


def test_read_only_workspace_scores_without_writing(strict_ws):
    folder, aid = strict_ws
    with Workspace.open(folder, readonly=True) as ws:
        row = listed(ws, aid)
        assert row["final"] == answer_store.score_assessment(ws, aid).to_json()["final"]
        assert cached_rows(ws) == 0
    # an older workspace opened read-only, before the migration adding the cache ran
    with open_ws(folder) as ws:
        ws.db.execute("DROP TABLE score_cache")
    with Workspace.open(folder, readonly=True) as ws:
        assert listed(ws, aid)["final"] == row["final"]
        assert scores.scores(ws, [aid])[aid].shown == row["final"]


def test_a_failed_cache_write_only_loses_the_cache(strict_ws):
    folder, aid = strict_ws
    with open_ws(folder) as ws:
        ws.db.execute("PRAGMA query_only = ON")  # every write fails, as on a read-only disk
        row = listed(ws, aid)
        assert row["final"] == answer_store.score_assessment(ws, aid).to_json()["final"]
        ws.db.execute("PRAGMA query_only = OFF")
        assert cached_rows(ws) == 0


def test_a_concurrent_change_is_not_cached_as_the_old_score(strict_ws, monkeypatch):
    """Another connection changes an answer after the key was read and before the score is
    stored: SQLite refuses the write (snapshot), the next listing scores afresh."""
    folder, aid = strict_ws
    real = scores._compute

    def compute_then_someone_writes(ws, rows):
        out = real(ws, rows)
        other = sqlite3.connect(str(ws.db_path), timeout=1)
        other.execute("UPDATE answers SET value = 'false' WHERE assessment_id = ? AND code = '1.2' "
                      "AND role = 'self'", [aid])
        other.commit()
        other.close()
        return out

    with open_ws(folder) as ws:
        before = scores.list_scores(ws)[0]["final"]
        ws.db.execute("DELETE FROM score_cache")
        monkeypatch.setattr(scores, "_compute", compute_then_someone_writes)
        assert scores.list_scores(ws)[0]["final"] == before  # what was read
        monkeypatch.setattr(scores, "_compute", real)
        assert scores.list_scores(ws)[0]["final"] < before  # not the stale row
        assert scores.list_scores(ws)[0]["final"] == answer_store.score_assessment(ws, aid).to_json()["final"]


def test_batched_scoring_inputs_equal_one_by_one(county_ws, tmp_path):
    with open_ws(county_ws) as ws:
        rows = assessments.list_assessments(ws)
        draft = next(r["id"] for r in rows if r["unit_name"] == "未填镇")
        [added] = evidence.add_photos(ws, draft, STRICT, [jpeg(tmp_path / "a.jpg", "red")], role="self")
        reviewed = next(r["id"] for r in rows if scores.score_role(ws, r["id"]) == "review")
        for n, (aid, code, role) in enumerate([(draft, "1.1", "self"), (reviewed, STRICT, "review"),
                                               (reviewed, STRICT, "self"), (reviewed, "1.1", "review")]):
            ws.db.execute("INSERT INTO attachments (id, assessment_id, code, role, sha256) VALUES (?, ?, ?, ?, ?)",
                          [f"t{n}", aid, code, role, added.sha256])
        ws.db.execute("UPDATE answers SET documents = '[\"记录\"]' WHERE assessment_id = ? AND code = '1.1'",
                      [reviewed])
        wanted = [(r["id"], role) for r in rows for role in ("self", "review")]
        batch = answer_store.scoring_inputs(ws, wanted, chunk=3)
        for aid_, role in wanted:
            one = answer_store.scoring_input(ws, aid_, role)
            assert batch[(aid_, role)] == one
            assert one.photos == answer_store.photo_counts(ws, aid_, role)


# --------------------------------------------------------------------------- ranks


def reference_ranks(scores_in: list) -> list:
    """The original definition: 1 + position of the first equal score in the sorted list."""
    ranked = sorted((s for s in scores_in if s is not None), reverse=True)
    return [None if s is None else ranked.index(s) + 1 for s in scores_in]


_score = st.one_of(st.none(), st.fractions(min_value=0, max_value=100, max_denominator=8),
                   st.integers(min_value=0, max_value=100))


@settings(max_examples=300, deadline=None)
@given(st.lists(_score, max_size=60))
def test_competition_ranks_equal_the_simple_definition(values):
    assert competition_ranks(values) == reference_ranks(values)


def test_competition_ranks_examples_and_scale():
    import time

    assert competition_ranks([]) == []
    assert competition_ranks([None, None]) == [None, None]
    assert competition_ranks([90, None, 95, 90, 80]) == [2, None, 1, 2, 4]
    assert competition_ranks([Fraction(181, 2), 90.5, 90]) == [1, 1, 3]
    many = [Fraction(i % 997, 3) for i in range(60_000)]
    start = time.perf_counter()
    ranks = competition_ranks(many)
    assert time.perf_counter() - start < 5  # the quadratic version took minutes
    assert ranks[996] == 1 and ranks[0] == len(many) - 60  # 0 is last, shared by 61 scores


# --------------------------------------------------------------------------- summary over counties


def test_summary_over_several_counties_has_a_county_column(county_ws, capsys, tmp_path):
    import openpyxl

    out = tmp_path / "all.xlsx"
    code, _, err = run(capsys, "--data-dir", county_ws, "report", "summary", "--year", 2027, "--out", out)
    assert code == 0, err
    def table(sheet):
        """The header (the row under the title block that starts with 名次) and the unit rows
        (after the header's second row)."""
        head = next(r[0].row for r in sheet.iter_rows() if r[0].value == "名次")
        return [c.value for c in sheet[head]], [[c.value for c in r] for r in sheet.iter_rows(min_row=head + 2)]

    sheet = openpyxl.load_workbook(out).worksheets[0]
    header, rows = table(sheet)
    assert header[:3] == ["名次", "单位", "所属县"]
    assert len(rows) == 9 and {r[2] for r in rows} == {"城关县", "东山县"}
    status, score = header.index("状态"), header.index("考评得分")
    for r in rows:  # results ranked with their score; the others neither
        assert (isinstance(r[0], int) and isinstance(r[score], (int, float))) == (r[status] in ("已考评", "已定稿"))

    out = tmp_path / "one.xlsx"
    code, _, err = run(capsys, "--data-dir", county_ws, "report", "summary", "--year", 2027, "--county", "东山县",
                       "--out", out)
    assert code == 0, err
    header, rows = table(openpyxl.load_workbook(out).worksheets[0])
    assert "所属县" not in header
    assert len(rows) == 4

    code, _, err = run(capsys, "--data-dir", county_ws, "report", "summary", "--year", 2027, "--county", "西河县",
                       "--out", tmp_path / "x.pdf")
    assert code == 1 and "找不到县（市、区）“西河县”" in err and "城关县" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_summary_data_filters_by_county_and_says_how_many_counties(county_ws):
    from exports.collect import summary_data
    from exports.summary import _overview

    with Workspace.open(county_ws, readonly=True) as ws:
        everything = summary_data(ws, 2027)
        one = summary_data(ws, 2027, "城关县")
        untitled = summary_data(ws, 2027, "")
    assert everything.spans_counties and everything.counties == ["东山县", "城关县"]
    assert everything.county_name == "" and everything.issuer == ""
    assert _overview(everything).startswith("共2个县（市、区）9个单位参加2027年度考评")
    assert not one.spans_counties and one.county_name == "城关县" and one.issuer == "城关县人民武装部"
    assert {r.county for r in one.rows} == {"城关县"} and len(one.rows) == 5
    assert _overview(one).startswith("全县共5个单位参加2027年度考评")
    ranked = [r.rank for r in one.rows if r.rank is not None]
    assert ranked[0] == 1 and ranked == sorted(ranked)
    assert [r.unit_name for r in untitled.rows] == [r.unit_name for r in everything.rows]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_summary_pdf_over_several_counties(county_ws, capsys, tmp_path):
    out = tmp_path / "all.pdf"
    code, _, err = run(capsys, "--data-dir", county_ws, "report", "summary", "--year", 2027, "--out", out)
    assert code == 0, err
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    assert "共2个县（市、区）9个单位参加2027年度考评" in flat and "所属县" in flat and "东山县" in flat
    assert "全县" not in flat


def test_list_json_is_what_print_json_writes(strict_ws, monkeypatch):
    """bench/listing.py measures `assessment list --json` as commands.workspace_cmds runs it."""
    import argparse
    import sys

    from commands import workspace_cmds

    folder, aid = strict_ws
    buffer = io.StringIO()
    monkeypatch.setattr(sys, "stdout", buffer)
    workspace_cmds.assessment_list(argparse.Namespace(data_dir=str(folder), year=None, json=True))
    rows = json.loads(buffer.getvalue())
    assert [r["id"] for r in rows] == [aid] and rows[0]["score_role"] == "self"
