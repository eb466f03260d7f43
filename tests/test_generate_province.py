"""storage.generate_province: a province-size 军分区 for benchmarks and demos — its
structure, its determinism by seed, answers valid for their criteria, photos that are
real evidence, 整改 on last year's gaps, and levels spread like a real year's."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from checklists.scoring import FAIL_KEY
from storage import Workspace, answer_store, evidence, scores
from storage.errors import StorageError
from storage.generate import CRITERIA_BY_TYPE, generate_province

SMALL = {"counties": 3, "towns_per_county": 4, "years": (2026, 2027), "enterprises_per_county": 1,
         "militia_per_town": 1, "photos_per_assessment": 2}


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    ws = Workspace.open(tmp_path_factory.mktemp("province"), backup=False)
    made = generate_province(ws, seed=5, **SMALL)
    yield ws, made
    ws.close()


def dump(ws) -> str:
    """Everything generated, without ids and timestamps: names, types, parents, each
    assessment's rows, answers, photos and actions, keyed by unit name and year."""
    units = {r[0]: r for r in ws.db.execute("SELECT id, name, type, parent_id FROM units")}
    name = {uid: r[1] for uid, r in units.items()}
    out = {"units": sorted((r[1], r[2], name.get(r[3])) for r in units.values())}
    key = {r[0]: f"{name[r[1]]}/{r[2]}" for r in ws.db.execute("SELECT id, unit_id, year FROM assessments")}
    out["assessments"] = sorted(
        (key[r[0]], *r[1:]) for r in ws.db.execute(
            "SELECT id, checklist_id, checklist_version, status, assessor, reviewer, conclusion, signed_by, "
            "signed_at, submitted_at, reviewed_at FROM assessments"))
    out["answers"] = sorted((key[r[0]], *r[1:]) for r in ws.db.execute(
        "SELECT assessment_id, code, role, value, note, documents, who FROM answers"))
    out["photos"] = sorted((key[r[0]], *r[1:]) for r in ws.db.execute(
        "SELECT t.assessment_id, t.code, t.role, t.sha256, t.caption, e.taken_at, e.size FROM attachments t "
        "JOIN evidence e ON e.sha256 = t.sha256"))
    out["actions"] = sorted((key[r[0]], *r[1:]) for r in ws.db.execute(
        "SELECT assessment_id, code, description, owner, due_date, status, closed_at IS NULL FROM actions"))
    return json.dumps(out, ensure_ascii=False)


def test_structure_one_city_its_counties_and_their_units(province):
    ws, made = province
    rows = {r[0]: r for r in ws.db.execute("SELECT id, name, type, parent_id FROM units")}
    assert Counter(r[2] for r in rows.values()) == {"city": 1, "county": 3, "town": 12, "militia": 12,
                                                    "enterprise": 3}
    city = rows[made.city]
    assert city[2] == "city" and city[3] is None and city[1].endswith("军分区")
    assert all(rows[c][3] == made.city for c in made.counties)
    assert all(rows[t][3] in made.counties for t in made.towns + made.enterprises)
    assert all(rows[m][3] in made.towns for m in made.militia)
    assert Counter(rows[t][3] for t in made.towns) == {c: 4 for c in made.counties}
    assert len({r[1] for r in rows.values()}) == len(rows)  # every name unique: a name finds its unit
    assert all(rows[t][1].endswith(("镇", "乡", "街道")) for t in made.towns)
    assert all(rows[c][1].endswith(("县", "区", "市")) for c in made.counties)


def test_every_unit_is_assessed_each_year_on_its_criteria_in_both_roles(province):
    ws, made = province
    per_unit = Counter((r[0], r[1]) for r in ws.db.execute("SELECT unit_id, year FROM assessments"))
    units = made.towns + made.militia + made.enterprises
    assert per_unit == {(u, y): 1 for u in units for y in (2026, 2027)}
    for unit_type, checklist_id, status, year in ws.db.execute(
            "SELECT u.type, a.checklist_id, a.status, a.year FROM assessments a JOIN units u ON u.id = a.unit_id"):
        assert checklist_id == CRITERIA_BY_TYPE[unit_type]
        assert status == "final" if year == 2026 else status in ("reviewed", "final")
    items = {cid: n for cid, n in ws.db.execute(
        "SELECT a.checklist_id, count(DISTINCT x.code) FROM answers x JOIN assessments a ON a.id = x.assessment_id "
        "GROUP BY a.checklist_id")}
    for aid, role, n, cid in ws.db.execute(
            "SELECT x.assessment_id, x.role, count(*), a.checklist_id FROM answers x "
            "JOIN assessments a ON a.id = x.assessment_id GROUP BY x.assessment_id, x.role"):
        assert n == items[cid], (aid, role)
    roles = Counter(r[0] for r in ws.db.execute("SELECT role FROM answers"))
    assert set(roles) == {"self", "review"} and roles["self"] == roles["review"]
    revs = ws.db.execute("SELECT count(*) FROM assessments WHERE self_rev = 0 OR review_rev = 0").fetchone()[0]
    assert revs == 0


def test_stored_answers_are_valid_and_score_in_both_roles(province):
    ws, made = province
    for aid in [a for ids in made.assessments.values() for a in ids]:
        for role in ("self", "review"):
            result = answer_store.score_assessment(ws, aid, role)  # decodes and validates every stored value
            assert not result.unanswered, (aid, role)
            assert result.level in {lv.key for lv in result.levels} | {FAIL_KEY}, (aid, role)


def test_photos_are_attached_evidence_with_their_files(province):
    ws, made = province
    total = 0
    for aid in made.assessments[2027] + made.assessments[2026]:
        photos = evidence.list_evidence(ws, aid)
        assert len(photos) >= 2
        assert len({(p["code"], p["sha256"]) for p in photos}) == len(photos)  # no photo twice on an item
        for p in photos:
            assert p["original"].is_file() and p["thumb"].is_file() and p["report"].is_file()
            assert p["caption"]
        total += len(photos)
    assert total == made.attachments
    assert ws.db.execute("SELECT count(*) FROM evidence WHERE width = 160 AND height = 120").fetchone()[0] == \
        ws.db.execute("SELECT count(*) FROM evidence").fetchone()[0]


def test_no_photos_when_asked(tmp_path):
    ws = Workspace.open(tmp_path, backup=False)
    try:
        made = generate_province(ws, counties=1, towns_per_county=2, years=(2027,), photos_per_assessment=0)
        assert made.attachments == 0
        assert ws.db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
        assert ws.db.execute("SELECT count(*) FROM evidence").fetchone()[0] == 0
    finally:
        ws.close()


def test_actions_on_last_years_gaps_some_closed(province):
    ws, made = province
    rows = list(ws.db.execute(
        "SELECT x.assessment_id, x.code, x.status, x.closed_at, a.year, x.unit_id = a.unit_id, "
        "(SELECT value FROM answers WHERE assessment_id = x.assessment_id AND code = x.code AND role = 'review') "
        "FROM actions x JOIN assessments a ON a.id = x.assessment_id"))
    assert rows
    assert {r[4] for r in rows} == {2026}  # on last year's assessments
    assert all(r[5] for r in rows)
    statuses = Counter(r[2] for r in rows)
    assert statuses["open"] and statuses["done"] + statuses["verified"]
    assert all((r[3] is None) == (r[2] == "open") for r in rows)
    for aid, code, *_ in rows:  # each on an item the review found short (a 0-point veto: failed)
        item = scores.final_score(ws, aid)[1].items[code]
        assert item.status in ("partial", "zero"), (aid, code, item.status)


def test_levels_spread_like_a_real_year(tmp_path):
    ws = Workspace.open(tmp_path, backup=False)
    try:
        made = generate_province(ws, counties=8, towns_per_county=15, years=(2027,), militia_per_town=0,
                                 enterprises_per_county=0, photos_per_assessment=2, seed=3)
        got = scores.scores(ws, made.assessments[2027])
    finally:
        ws.close()
    levels = Counter(s.level for s in got.values())
    n = len(got)
    assert n == 120
    assert levels["pass"] > 0.25 * n  # many reach 达标 only
    assert 0.1 * n < levels["excellent"] < 0.65 * n  # some 达优
    assert 0.03 * n < levels["fail"] < 0.3 * n  # some fail, most do not
    finals = sorted(s.final for s in got.values())
    assert finals[0] < 80 < finals[-1]


def test_vetoes_fail_a_few(tmp_path):
    ws = Workspace.open(tmp_path, backup=False)
    try:
        made = generate_province(ws, counties=10, towns_per_county=15, years=(2027,), militia_per_town=0,
                                 enterprises_per_county=0, photos_per_assessment=0, seed=8)
        vetoed = [aid for aid in made.assessments[2027]
                  if any(code in ("4.5", "6.7", "7.2", "7.6", "8.5", "9.4") and value == "false"
                         for code, value in ws.db.execute(
                             "SELECT code, value FROM answers WHERE assessment_id = ? AND role = 'review'", [aid]))]
        assert 0 < len(vetoed) < 0.1 * len(made.assessments[2027])
        assert all(scores.final_score(ws, aid)[1].level == "fail" for aid in vetoed)
    finally:
        ws.close()


def test_same_seed_same_data_other_seed_other_data(tmp_path, province):
    ws, _ = province
    again = Workspace.open(tmp_path / "again", backup=False)
    other = Workspace.open(tmp_path / "other", backup=False)
    try:
        generate_province(again, seed=5, **SMALL)
        generate_province(other, seed=6, **SMALL)
        assert dump(again) == dump(ws)
        assert dump(other) != dump(ws)
    finally:
        again.close()
        other.close()


def test_refuses_a_workspace_with_units(tmp_path):
    ws = Workspace.open(tmp_path, backup=False)
    try:
        generate_province(ws, counties=1, towns_per_county=1, years=(2027,), photos_per_assessment=0)
        with pytest.raises(StorageError, match="空工作区"):
            generate_province(ws, counties=1, towns_per_county=1, years=(2027,))
    finally:
        ws.close()


def test_audit_chain_and_db_check_stay_clean(province):
    from storage import audit
    from storage.check import check_workspace

    ws, _ = province
    assert audit.verify(ws.db) == []
    assert check_workspace(ws) == []


def test_demo_province_command(tmp_path, capsys):
    import main

    folder = tmp_path / "ws"
    code = main.main(["--data-dir", str(folder), "demo", "province", "--counties", "2", "--towns", "3",
                      "--seed", "4", "--no-photos"])
    out = capsys.readouterr()
    assert code == 0
    assert "2 个县（市、区）、6 个乡镇（街道）" in out.out and "共 28 个考评" in out.out
    assert "已生成 2/2 个县" in out.err
    ws = Workspace.open(folder, readonly=True)
    try:
        assert ws.db.execute("SELECT count(*) FROM assessments").fetchone()[0] == 28
        assert ws.db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
    finally:
        ws.close()
    assert main.main(["--data-dir", str(folder), "demo", "province"]) == 1  # not an empty workspace
    assert "空工作区" in capsys.readouterr().err
    assert main.main(["--data-dir", str(tmp_path / "other"), "demo", "--counties", "3"]) == 1
    assert "只用于 demo province" in capsys.readouterr().err
