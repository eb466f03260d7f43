"""A county's year bundle (`bundle export --kind year`, 县年度数据包) to its 军分区: with
and without photos, the same figures and answers on arrival, idempotent, never older over
newer, tampering refused, photos filled in later, absent photos in db check, the county
placed under the 军分区, two counties side by side, and the 军分区's 复核 left alone."""

from __future__ import annotations

import json
import random
import shutil
import zipfile
from pathlib import Path

import pytest

import main as app_main
from storage import actions, answer_store, assessments, evidence, generate, recheck, scores, units
from storage.check import absent_photos, check_workspace, file_sha256
from storage.exchange import signing
from storage.exchange.bundle_format import BundleRefused
from storage.exchange.export import export_bundle
from storage.exchange.importer import import_bundle

from conftest import photo
from wsutil import open_ws, workspace_dump

YEAR = 2027
PHOTOS = ["jpg/Canon_40D.jpg", "jpg/Kodak_CX7530.jpg"]
MILITIA = "militia-2027-company"


def make_county(ws, name: str, statuses: tuple, seed: int) -> dict:
    """A county with one town per status (2026 final, 2027 in that status), a 民兵连 under
    the first town, photos on the first town's 2027 assessment, and an action of 2026
    carried into 2027 (回头看)."""
    from storage import checklist_store

    checklist_store.ensure_bundled(ws)
    version = checklist_store.latest_version(ws, generate.CHECKLIST)
    rnd = random.Random(seed)
    county = units.add_unit(ws, name, "county")
    out = {"county": county["id"], "towns": [], "2027": [], "2026": []}
    taken: set = set()
    for i, status in enumerate(statuses):
        town = units.add_unit(ws, generate.town_name(rnd, taken), "town", county["id"])
        out["towns"].append(town["id"])
        old = assessments.new_assessment(ws, town["id"], generate.CHECKLIST, version, YEAR - 1)
        generate.fill_assessment(ws, old, rnd, "final")
        a = assessments.new_assessment(ws, town["id"], generate.CHECKLIST, version, YEAR)
        if i == 0:
            code = next(iter(assessments.checklist_of(ws, a).item_index()))
            evidence.add_photos(ws, a["id"], code, [photo(p) for p in PHOTOS], caption="训练场")
            out["photo_code"] = code
            action = actions.add_action(ws, old["id"], code, "完善训练场地", owner="李四")
            actions.carry_forward(ws, old["id"], a["id"])
            out["earlier_action"] = action["id"]
        generate.fill_assessment(ws, a, rnd, status)
        out["2026"].append(old["id"])
        out["2027"].append(a["id"])
    militia = units.add_unit(ws, f"{name}民兵连", "militia", out["towns"][0])
    m = assessments.new_assessment(ws, militia["id"], MILITIA, None, YEAR)
    generate.fill_assessment(ws, m, rnd, "reviewed")
    out["2027"].append(m["id"])
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("year")
    out = {"root": root}
    with open_ws(root / "county") as ws:
        signing.set_workspace_name(ws, "城关县人武部")
        out["a"] = make_county(ws, "城关县", ("final", "reviewed", "draft"), 1)
        export_bundle(ws, "year", out=root / "photos.dabiao", year=YEAR)
        export_bundle(ws, "year", out=root / "nophotos.dabiao", year=YEAR, photos=False)
        # later the county goes on with its draft town: a newer bundle
        draft = out["a"]["2027"][2]
        code = next(iter(assessments.checklist_of(ws, assessments.get_assessment(ws, draft)).item_index()))
        item = assessments.checklist_of(ws, assessments.get_assessment(ws, draft)).item_index()[code]
        answer_store.set_answer(ws, draft, code, "self", generate.best_value(item), note="改过")
        out["changed"] = (draft, code)
        export_bundle(ws, "year", out=root / "newer.dabiao", year=YEAR, photos=False)
    with open_ws(root / "county2") as ws:
        signing.set_workspace_name(ws, "东山县人武部")
        out["b"] = make_county(ws, "东山县", ("final", "final"), 2)
        export_bundle(ws, "year", out=root / "county2.dabiao", year=YEAR, photos=False)
    return out


@pytest.fixture
def city(tmp_path):
    """A fresh 军分区 workspace with its city unit."""
    with open_ws(tmp_path / "city") as ws:
        units.add_unit(ws, "某军分区", "city")
        yield ws


def copy_of(world, tmp_path, name) -> Path:
    dst = tmp_path / f"{name}.dabiao"
    shutil.copyfile(world["root"] / f"{name}.dabiao", dst)
    return dst


def figures(ws, ids) -> dict:
    got = scores.scores(ws, ids)
    return {aid: (s.role, s.final, s.level, s.answered) for aid, s in got.items()}


def rows(ws, table, ids, key="assessment_id") -> list:
    marks = ",".join("?" * len(ids))
    return sorted(tuple(r) for r in ws.db.execute(f"SELECT * FROM {table} WHERE {key} IN ({marks})", ids))


# ---------------------------------------------------------------------- export


def test_export_with_and_without_photos(world):
    with zipfile.ZipFile(world["root"] / "photos.dabiao") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
        data = json.loads(zf.read("data.json"))
    assert manifest["kind"] == "year" and manifest["photos"] is True
    assert len([n for n in names if n.startswith("evidence/")]) == len(PHOTOS)
    assert not any(e.get("absent") for e in data["evidence"])
    a = data["assessments"]
    assert len(a) == 4  # three towns and the 民兵连, 2027 only
    assert {r["role"] for x in a for r in x["answers"]} == {"self", "review"}
    assert {u["type"] for u in data["units"]} == {"county", "town", "militia"}
    first = next(x for x in a if x["id"] == world["a"]["2027"][0])
    assert [act["id"] for act in first["earlier_actions"]] == [world["a"]["earlier_action"]]
    assert first["actions"][0]["carried_from"] == world["a"]["earlier_action"]

    with zipfile.ZipFile(world["root"] / "nophotos.dabiao") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = zf.namelist()
        data = json.loads(zf.read("data.json"))
    assert manifest["photos"] is False
    assert not [n for n in names if n.startswith("evidence/")]
    assert len(data["evidence"]) == len(PHOTOS) and all(e["absent"] is True for e in data["evidence"])
    assert sum(len(x["attachments"]) for x in data["assessments"]) == len(PHOTOS)


def test_export_needs_the_county_when_there_are_several(tmp_path):
    from storage.errors import StorageError

    with open_ws(tmp_path / "two") as ws:
        make_county(ws, "甲县", ("final",), 3)
        make_county(ws, "乙县", ("final",), 4)
        with pytest.raises(StorageError, match="--county"):
            export_bundle(ws, "year", out=tmp_path / "x.dabiao", year=YEAR)
        result = export_bundle(ws, "year", out=tmp_path / "x.dabiao", year=YEAR, county="乙县", photos=False)
        assert result.counts["assessments"] == 2
        with pytest.raises(StorageError, match="2031"):
            export_bundle(ws, "year", out=tmp_path / "y.dabiao", year=2031, county="乙县")


# ---------------------------------------------------------------------- import


@pytest.mark.parametrize("name", ["photos", "nophotos"])
def test_import_gives_the_same_figures_and_answers(world, tmp_path, city, name):
    ids = world["a"]["2027"]
    with open_ws(world["root"] / "county") as src:
        want_figures = figures(src, ids)
        # the county went on after exporting: compare with the bundle's own state
        draft, code = world["changed"]
        want_answers = [r for r in rows(src, "answers", ids) if not (r[0] == draft and r[1] == code and r[2] == "self")]
        want_atts = rows(src, "attachments", ids)
        want_actions = rows(src, "actions", ids)
        earlier = rows(src, "actions", [world["a"]["earlier_action"]], key="id")
    result = import_bundle(city, copy_of(world, tmp_path, name))
    assert result.changed
    got = figures(city, ids)
    assert {k: v for k, v in got.items() if k != draft} == {k: v for k, v in want_figures.items() if k != draft}
    assert [r for r in rows(city, "answers", ids) if not (r[0] == draft and r[1] == code and r[2] == "self")] \
        == want_answers
    assert rows(city, "attachments", ids) == want_atts
    assert rows(city, "actions", ids) == want_actions
    assert rows(city, "actions", [world["a"]["earlier_action"]], key="id") == earlier
    absent = [bool(r[0]) for r in city.db.execute("SELECT absent FROM evidence")]
    assert absent == [name == "nophotos"] * len(PHOTOS)
    assert check_workspace(city) == []
    assert absent_photos(city) == (len(PHOTOS) if name == "nophotos" else 0)


def test_reimport_changes_nothing(world, tmp_path, city):
    path = copy_of(world, tmp_path, "nophotos")
    import_bundle(city, path)
    before = workspace_dump(city)
    again = import_bundle(city, path)
    assert not again.changed
    assert workspace_dump(city) == before


def test_import_leaves_the_scores_in_the_cache(world, tmp_path, city):
    """The 军分区's lists and county table after 100 imports must not score everything at
    once: an applied bundle's assessments are scored and cached as part of the import."""
    ids = world["b"]["2027"]
    assert not city.db.execute("SELECT COUNT(*) FROM score_cache").fetchone()[0]
    import_bundle(city, copy_of(world, tmp_path, "county2"))
    cached = {r[0]: r[1] for r in city.db.execute(
        f"SELECT assessment_id, final FROM score_cache WHERE judged = 1 AND assessment_id IN ({','.join('?' * len(ids))})",
        ids)}
    assert set(cached) == set(ids)
    for aid in ids:
        role, result = scores.final_score(city, aid)
        num, den = map(int, cached[aid].split("/"))
        assert (num, den) == (result.final.numerator, result.final.denominator), aid


def test_with_two_cities_a_county_stays_at_the_top_and_the_notice_says_how_to_move_it(world, tmp_path, city):
    units.add_unit(city, "另一军分区", "city")
    result = import_bundle(city, copy_of(world, tmp_path, "nophotos"))
    tree = {u["name"]: u for u in units.list_units(city)}
    assert tree["城关县"]["parent_id"] is None
    notice = [line for line in result.plan.lines("applied") if "城关县" in line and "军分区" in line]
    assert len(notice) == 1 and "unit move 城关县 --parent 军分区名" in notice[0] and "2 个军分区" in notice[0]


def test_county_goes_under_the_city_and_two_counties_sit_side_by_side(world, tmp_path, city):
    import_bundle(city, copy_of(world, tmp_path, "nophotos"))
    import_bundle(city, copy_of(world, tmp_path, "county2"))
    tree = {u["name"]: u for u in units.list_units(city)}
    city_id = tree["某军分区"]["id"]
    assert tree["城关县"]["parent_id"] == city_id and tree["东山县"]["parent_id"] == city_id
    assert tree["城关县民兵连"]["type"] == "militia"
    got = {r[0] for r in city.db.execute("SELECT id FROM assessments WHERE year = ?", [YEAR])}
    assert got == set(world["a"]["2027"]) | set(world["b"]["2027"])
    county_of = units.county_of_units(city)
    assert {county_of[uid]["name"] for uid in world["b"]["towns"]} == {"东山县"}


def test_older_never_over_newer_item_by_item(world, tmp_path, city):
    import_bundle(city, copy_of(world, tmp_path, "newer"))
    before = workspace_dump(city)
    result = import_bundle(city, copy_of(world, tmp_path, "nophotos"))
    draft, code = world["changed"]
    assert not result.changed
    assert any(f"条目 {code}（自评）" in line and "较新" in line for line in result.skipped), result.skipped
    assert workspace_dump(city) == before
    # and the newer one after the older one takes the change
    with open_ws(tmp_path / "city2") as other:
        import_bundle(other, copy_of(world, tmp_path, "nophotos"))
        result = import_bundle(other, copy_of(world, tmp_path, "newer"))
        assert result.changed and result.counts.get("self_updated") == 1
        note = other.db.execute("SELECT note FROM answers WHERE assessment_id = ? AND code = ? AND role = 'self'",
                                [draft, code]).fetchone()[0]
        assert note == "改过"


def test_tampered_bundle_is_refused_and_changes_nothing(world, tmp_path, city):
    src = copy_of(world, tmp_path, "nophotos")
    bad = tmp_path / "bad.dabiao"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            raw = zin.read(info.filename)
            if info.filename == "data.json":
                raw = raw.replace(b'"final"', b'"draft"', 1)
            zout.writestr(info, raw)
    before = workspace_dump(city)
    with pytest.raises(BundleRefused) as err:
        import_bundle(city, bad)
    assert err.value.code == "hash"
    assert workspace_dump(city) == before


def test_photos_are_filled_in_by_a_later_bundle_with_photos(world, tmp_path, city):
    import_bundle(city, copy_of(world, tmp_path, "nophotos"))
    shas = [r[0] for r in city.db.execute("SELECT sha256 FROM evidence")]
    assert all(evidence.is_absent(city, sha) for sha in shas)
    photos = evidence.list_evidence(city, world["a"]["2027"][0])
    assert len(photos) == len(PHOTOS) and all(evidence.is_absent(city, p) for p in photos)
    assert not any(p["original"].exists() for p in photos)
    assert check_workspace(city) == []

    result = import_bundle(city, copy_of(world, tmp_path, "photos"))
    assert result.changed and result.counts["files_filled"] == len(PHOTOS)
    for p in evidence.list_evidence(city, world["a"]["2027"][0]):
        assert not evidence.is_absent(city, p)
        assert file_sha256(p["original"]) == p["sha256"]
    assert absent_photos(city) == 0 and check_workspace(city) == []

    # a bundle without photos never marks present photos absent
    before = workspace_dump(city)
    import_bundle(city, copy_of(world, tmp_path, "newer"))
    assert absent_photos(city) == 0
    assert workspace_dump(city)["evidence"] == before["evidence"]


def test_the_citys_recheck_answers_are_left_alone(world, tmp_path, city):
    import_bundle(city, copy_of(world, tmp_path, "nophotos"))
    drawn = recheck.draw(city, YEAR, share="1", seed="7")
    aid = next(a for a in world["a"]["2027"][:2] if a in recheck.drawn(city, YEAR))
    checklist = assessments.checklist_of(city, assessments.get_assessment(city, aid))
    code = next(iter(checklist.item_index()))
    answer_store.set_answer(city, aid, code, "recheck", generate.best_value(checklist.item_index()[code]),
                            note="复核")
    assert drawn is not None
    mine = rows(city, "answers", [aid])
    result = import_bundle(city, copy_of(world, tmp_path, "newer"))
    assert result.changed
    assert [r for r in rows(city, "answers", [aid]) if r[2] == "recheck"] == [r for r in mine if r[2] == "recheck"]
    assert scores.scores(city, [aid])[aid].role == "recheck"


def test_command_line(world, tmp_path, capsys):
    d = ["--data-dir", str(tmp_path / "c")]
    shutil.copytree(world["root"] / "county2", tmp_path / "c")
    (tmp_path / "c" / "dabiao.lock").unlink(missing_ok=True)
    out = tmp_path / "y.dabiao"
    assert app_main.main([*d, "bundle", "export", "--kind", "year", "--year", str(YEAR), "--county", "东山县",
                          "--no-photos", "--out", str(out)]) == 0
    assert "照片文件未随包" in capsys.readouterr().out
    assert app_main.main([*d, "bundle", "export", "--kind", "submission", "--year", str(YEAR), "--out",
                          str(out)]) == 1
    assert "--kind year" in capsys.readouterr().err
    city = ["--data-dir", str(tmp_path / "city")]
    assert app_main.main([*city, "unit", "add", "某军分区", "--type", "city"]) == 0
    assert app_main.main([*city, "bundle", "import", str(out)]) == 0
    assert "归入本工作区的军分区" in capsys.readouterr().out
    assert app_main.main([*city, "db", "check"]) == 0
    assert f"另有 {len(PHOTOS)} 张照片只有记录" in capsys.readouterr().out


def _no_photos_claim(manifest):
    manifest["photos"] = False


def _unmark_absent(data):
    data["evidence"][0].pop("absent")


def _stray_earlier_action(data):
    a = data["assessments"][0]
    a["earlier_actions"].append(dict(a["actions"][0], id="stray", assessment_id="older", carried_from=None))


HOSTILE = {
    "photos claimed absent but carried": ("photos", None, _no_photos_claim, "未注明照片未随包传送"),
    "absent photo without its mark": ("nophotos", _unmark_absent, None, "未注明照片未随包传送"),
    "earlier action not carried from": ("photos", _stray_earlier_action, None, "不是考评"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_signed_hostile_year_bundles_are_refused(case, world, tmp_path, city):
    from test_bundles import rebuild

    name, data_fn, manifest_fn, words = HOSTILE[case]
    shutil.copytree(world["root"] / "county", tmp_path / "key")
    (tmp_path / "key" / "dabiao.lock").unlink(missing_ok=True)
    with open_ws(tmp_path / "key") as ws:
        identity = signing.identity(ws)
    hostile = rebuild(copy_of(world, tmp_path, name), tmp_path / "h.dabiao", identity, data_fn=data_fn,
                      manifest_fn=manifest_fn)
    before = workspace_dump(city)
    with pytest.raises(BundleRefused) as err:
        import_bundle(city, hostile)
    assert words in str(err.value), str(err.value)
    assert workspace_dump(city) == before


def test_a_new_assessment_is_one_audit_event_counting_its_answers_and_photos(world, tmp_path, city):
    """Nothing here is overwritten when an assessment arrives new: one event per assessment
    counts its answers and photos per role (no event per photo or answer), and the audit
    chain and db check stay clean."""
    import_bundle(city, copy_of(world, tmp_path, "photos"))
    ids = world["a"]["2027"]
    marks = ",".join("?" * len(ids))
    per_record = city.db.execute(f"SELECT count(*) FROM events WHERE assessment_id IN ({marks}) "
                                 "AND entity IN ('answer', 'attachment')", ids).fetchone()[0]
    assert per_record == 0
    logged = {r[0]: json.loads(r[1]) for r in city.db.execute(
        f"SELECT entity_id, detail FROM events WHERE entity = 'assessment' AND action = 'import' "
        f"AND assessment_id IN ({marks})", ids)}
    assert set(logged) == set(ids)
    for aid in ids:
        answers = dict(city.db.execute("SELECT role, count(*) FROM answers WHERE assessment_id = ? GROUP BY role",
                                       [aid]).fetchall())
        photos = dict(city.db.execute("SELECT role, count(*) FROM attachments WHERE assessment_id = ? "
                                      "GROUP BY role", [aid]).fetchall())
        assert logged[aid]["answers"] == answers, aid
        assert logged[aid].get("photos", {}) == photos, aid
    assert logged[ids[0]]["photos"] == {"self": len(PHOTOS)}
    assert check_workspace(city) == []

