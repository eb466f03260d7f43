"""Exchange bundles: the round trip town -> inspector -> town -> county with real photos,
idempotency, revisions and ownership, trust, and every kind of hostile bundle refused
with the workspace left exactly as it was."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import stat
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from storage import assessments, checklist_store, evidence, units
from storage import answer_store
from storage.check import check_workspace
from storage.errors import StorageError
from storage.exchange import signing, staging
from storage.exchange.bundle_format import BundleRefused
from storage.exchange.export import export_bundle
from storage.exchange.importer import import_bundle, prepare_import, summarize
from storage.exchange.plan import Change
from storage.exchange.trust import trust_signer

from conftest import LIBRARY, photo
from wsutil import open_ws, workspace_dump

PHOTO_NAMES = ["jpg/Canon_40D.jpg", "jpg/Kodak_CX7530.jpg", "jpg/orientation/landscape_3.jpg",
               "jpg/orientation/landscape_8.jpg"]
CHECKLIST = "city-2027-town"
SELF_CODES = ["1.1", "1.2", "1.3", "1.5", "2.1", "3.1", "3.3.2", "4.1", "5.1", "6.4", "C1.1"]
REVIEW_CODES = ["1.1", "1.2", "1.3", "2.1", "3.1", "3.3.2", "4.1"]


def value_for(item, variant: int = 0):
    if item.kind == "check":
        return variant % 2 == 0
    if item.kind == "rubric":
        return item.options[variant % len(item.options)].label
    if item.kind == "deduct":
        return variant
    if item.kind == "score":
        return item.points if variant == 0 else 0
    return 2 + variant


def fill(ws, aid, role, codes, variant=0):
    index = assessments.checklist_of(ws, assessments.get_assessment(ws, aid)).item_index()
    for code in codes:
        answer_store.set_answer(ws, aid, code, role, value_for(index[code], variant), note=f"{role} {code}")


def evidence_set(ws, aid):
    return sorted((r["code"], r["role"], r["sha256"], r["caption"]) for r in evidence.list_evidence(ws, aid))


def scores(ws, aid):
    return {role: answer_store.score_assessment(ws, aid, role).to_json() for role in ("self", "review")}


def copy_ws(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    (dst / "dabiao.lock").unlink(missing_ok=True)
    return dst


# ---------------------------------------------------------------------- the world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """county -> criteria -> town -> submission -> inspector -> review, built once; tests
    work on copies of the workspace folders and bundles."""
    root = tmp_path_factory.mktemp("world")
    out = {"root": root}
    with open_ws(root / "county") as ws:
        signing.set_workspace_name(ws, "某县人武部")
        checklist_store.import_checklist_file(ws, LIBRARY / f"{CHECKLIST}.yaml")
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"])
        units.add_unit(ws, "河口镇", "town", county["id"])
        export_bundle(ws, "criteria", [CHECKLIST], root / "criteria.dabiao")
        out["county_fp"] = signing.identity(ws).fingerprint
    with open_ws(root / "town") as ws:
        signing.set_workspace_name(ws, "城关镇")
        import_bundle(ws, root / "criteria.dabiao")
        a = assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
        aid = out["aid"] = a["id"]
        assessments.update_review_info(ws, aid, assessor="张三")
        fill(ws, aid, "self", SELF_CODES)
        evidence.add_photos(ws, aid, "3.1", [photo(PHOTO_NAMES[0]), photo(PHOTO_NAMES[1])], caption="训练场")
        evidence.add_photos(ws, aid, "3.3.2", [photo(PHOTO_NAMES[2])], caption="民兵之家")
        from storage import actions

        actions.add_action(ws, aid, "1.4", "组织中心组学习", owner="李四", due_date="2027-12-31")
        assessments.set_status(ws, aid, "submitted")
        export_bundle(ws, "submission", [aid], root / "submission.dabiao")
        out["town_fp"] = signing.identity(ws).fingerprint
    with open_ws(root / "inspector") as ws:
        signing.set_workspace_name(ws, "县考评组")
        result = import_bundle(ws, root / "submission.dabiao")
        assert result.changed
        fill(ws, aid, "review", REVIEW_CODES, variant=1)
        evidence.add_photos(ws, aid, "3.1", [photo(PHOTO_NAMES[3])], role="review", caption="现场核查")
        # the inspectors reviewed part of the items on site: signing and marking it reviewed
        # need the confirmation, which the log keeps
        assessments.update_review_info(ws, aid, reviewer="王五", conclusion="基本达标，训练场地需完善",
                                       signed_by="王五", signed_at="2027-11-20T10:00:00", confirm_incomplete=True)
        assessments.set_status(ws, aid, "reviewed", confirm_incomplete=True)
        export_bundle(ws, "review", [aid], root / "review.dabiao")
        out["inspector_fp"] = signing.identity(ws).fingerprint
    return out


@pytest.fixture
def place(world, tmp_path):
    """place(name) -> a fresh copy of one of the world's workspaces, opened."""
    opened = []

    def _place(name):
        ws = open_ws(copy_ws(world["root"] / name, tmp_path / f"{name}-{len(opened)}"))
        opened.append(ws)
        return ws

    yield _place
    for ws in opened:
        ws.close()


def bundle(world, tmp_path, name) -> Path:
    dst = tmp_path / f"{name}.dabiao"
    shutil.copyfile(world["root"] / f"{name}.dabiao", dst)
    return dst


# ---------------------------------------------------------------------- round trip


def test_round_trip_town_inspector_town_county(world, place, tmp_path):
    aid = world["aid"]
    inspector = place("inspector")
    town = place("town")
    county = place("county")

    r = import_bundle(town, bundle(world, tmp_path, "review"))
    assert r.changed and r.counts["review_updated"] == 1 and r.counts["photos_added"] == 1
    r = import_bundle(county, bundle(world, tmp_path, "submission"))
    assert r.changed and r.counts["assessments_added"] == 1 and r.counts["photos_added"] == 3
    r = import_bundle(county, bundle(world, tmp_path, "review"))
    assert r.changed and r.counts["review_updated"] == 1

    reference = scores(inspector, aid)
    assert reference["self"]["final"] > 0 and reference["review"]["final"] > 0
    assert reference["self"] != reference["review"]
    for ws in (town, county):
        assert scores(ws, aid) == reference
        assert evidence_set(ws, aid) == evidence_set(inspector, aid)
        a = assessments.get_assessment(ws, aid)
        assert (a["status"], a["reviewer"], a["conclusion"], a["signed_by"], a["signed_at"]) == (
            "reviewed", "王五", "基本达标，训练场地需完善", "王五", "2027-11-20T10:00:00")
        assert a["assessor"] == "张三"
        assert check_workspace(ws) == []
        # the photos are the originals, byte for byte
        for row in evidence.list_evidence(ws, aid):
            assert hashlib.sha256(row["original"].read_bytes()).hexdigest() == row["sha256"]
            evidence.ensure_derived(ws, row["sha256"], row["ext"])  # made on first use
            assert row["thumb"].exists() and row["report"].exists()
    assert len(evidence_set(county, aid)) == 4
    # the action and the town's history travelled with the submission
    from storage import actions

    assert [x["description"] for x in actions.list_actions(county, assessment_id=aid)] == ["组织中心组学习"]
    origins = {r[0] for r in county.db.execute("SELECT DISTINCT origin FROM bundle_events").fetchall()}
    assert origins == {signing.workspace_id(town), signing.workspace_id(inspector)}
    # every import is in the local audit chain
    assert county.db.execute("SELECT count(*) FROM events WHERE entity = 'bundle' AND action = 'import'"
                             ).fetchone()[0] == 2


def test_export_stores_photos_uncompressed_and_lists_every_member(world, tmp_path):
    path = bundle(world, tmp_path, "submission")
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
        listed = {m["path"]: m for m in manifest["members"]}
        assert names == set(listed) | {"manifest.json", "manifest.sig"}
        for name, m in listed.items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == m["sha256"]
            assert zf.getinfo(name).file_size == m["size"]
            if name.startswith("evidence/"):
                assert zf.getinfo(name).compress_type == zipfile.ZIP_STORED
    assert manifest["format"] == "dabiao-bundle/1" and manifest["kind"] == "submission"
    assert manifest["workspace"]["name"] == "城关镇" and manifest["app"]["version"]
    assert sum(n.startswith("evidence/") for n in names) == 3
    assert sum(n.startswith("checklists/") for n in names) == 2   # the city overlay and its province base


def test_summary_before_applying_names_counts_and_signer(world, place, tmp_path):
    county = place("county")
    before = workspace_dump(county)
    text = summarize(county, bundle(world, tmp_path, "submission"))
    assert "新增 1 个考评" in text and "3 张照片" in text
    assert "城关镇 工作区" in text and signing.short(world["town_fp"]) in text and "未信任" in text
    assert workspace_dump(county) == before


def test_criteria_bundle_brings_checklists_and_units(world, tmp_path):
    with open_ws(tmp_path / "fresh") as ws:
        r = import_bundle(ws, bundle(world, tmp_path, "criteria"))
        assert r.counts["checklists_added"] == 2 and r.counts["units_added"] == 3
        assert {u["name"] for u in units.list_units(ws)} == {"某县", "城关镇", "河口镇"}
        assert checklist_store.load(ws, CHECKLIST, "1").title


# ---------------------------------------------------------------------- idempotency, revisions


def test_importing_the_same_bundle_twice_changes_nothing(world, place, tmp_path):
    inspector = place("inspector")
    before = workspace_dump(inspector)
    r = import_bundle(inspector, bundle(world, tmp_path, "submission"))
    assert not r.changed and not r.skipped
    assert any("导入过" in line for line in r.lines())
    assert workspace_dump(inspector) == before

    county = place("county")
    path = bundle(world, tmp_path, "review")
    assert import_bundle(county, path).changed
    middle = workspace_dump(county)
    r = import_bundle(county, path)
    assert not r.changed
    assert workspace_dump(county) == middle


def test_older_submission_never_overwrites_newer_answers(world, place, tmp_path):
    aid = world["aid"]
    town = place("town")
    assessments.unlock(town, aid, "补充材料")
    answer_store.set_answer(town, aid, "1.1", "self", 4)
    assessments.set_status(town, aid, "submitted")
    newer = tmp_path / "s2.dabiao"
    export_bundle(town, "submission", [aid], newer)

    # the town re-imports its own old submission: nothing changes, the item is listed
    before = workspace_dump(town)
    r = import_bundle(town, bundle(world, tmp_path, "submission"))
    assert not r.changed
    assert any("条目 1.1" in s and "较新" in s for s in r.skipped)
    assert workspace_dump(town) == before

    # the inspector gets the newer one, then the old one again
    inspector = place("inspector")
    r = import_bundle(inspector, newer)
    assert r.changed and r.counts["self_updated"] == 1
    assert answer_store.get_answer(inspector, aid, "1.1", "self")["value"] == 4
    before = workspace_dump(inspector)
    r = import_bundle(inspector, bundle(world, tmp_path, "submission"))
    assert not r.changed
    assert any("条目 1.1" in s for s in r.skipped)
    assert any("未应用" in line for line in r.lines())
    assert workspace_dump(inspector) == before
    assert answer_store.get_answer(inspector, aid, "1.1", "self")["value"] == 4
    # the inspector's review work is untouched by either submission
    assert answer_store.get_answer(inspector, aid, "1.1", "review") is not None
    assert assessments.get_assessment(inspector, aid)["status"] == "reviewed"


def test_removed_photo_follows_and_is_not_restored_by_an_old_bundle(world, place, tmp_path):
    aid = world["aid"]
    town = place("town")
    assessments.unlock(town, aid, "换照片")
    gone = evidence.list_evidence(town, aid, "3.3.2")[0]
    evidence.remove_attachment(town, gone["id"])
    assessments.set_status(town, aid, "submitted")
    newer = tmp_path / "s2.dabiao"
    export_bundle(town, "submission", [aid], newer)

    inspector = place("inspector")
    r = import_bundle(inspector, newer)
    assert r.counts.get("photos_removed") == 1
    assert not evidence.list_evidence(inspector, aid, "3.3.2")
    before = workspace_dump(inspector)
    r = import_bundle(inspector, bundle(world, tmp_path, "submission"))
    assert not r.changed and any("已在本工作区删除" in s for s in r.skipped)
    assert workspace_dump(inspector) == before


# ---------------------------------------------------------------------- trust


def test_untrusted_signer_is_accepted_with_a_notice_unless_trusted_is_required(world, place, tmp_path):
    county = place("county")
    path = bundle(world, tmp_path, "submission")
    before = workspace_dump(county)
    with pytest.raises(BundleRefused) as exc:
        import_bundle(county, path, require_trusted=True)
    assert exc.value.code == "trust" and signing.short(world["town_fp"]) in str(exc.value)
    assert workspace_dump(county) == before

    r = import_bundle(county, path, dry_run=True)
    assert r.plan.trust == "new" and any("未被信任" in n for n in r.plan.notices)
    assert workspace_dump(county) == before

    r = import_bundle(county, path)
    assert r.changed
    assert "城关镇" in r.plan.signer_line() and signing.short(world["town_fp"]) in r.plan.signer_line()
    row = signing.trust_key(county, signing.short(world["town_fp"]), label="城关镇武装部")
    assert row["trusted"] == 1
    r = import_bundle(county, bundle(world, tmp_path, "review"), dry_run=True)
    assert r.plan.trust == "new"
    r = import_bundle(county, path, require_trusted=True)   # trusted now: passes the check
    assert r.plan.trust == "trusted" and not r.changed
    with pytest.raises(StorageError, match="至少 8 位"):
        signing.trust_key(county, "3F2A")


def test_bundle_signed_by_another_key_in_the_towns_name_is_flagged(world, place, tmp_path):
    county = place("county")
    assert import_bundle(county, bundle(world, tmp_path, "submission")).changed
    signing.trust_key(county, world["town_fp"])
    impostor = place("inspector")   # any workspace with its own key, claiming to be the town
    forged = rebuild(bundle(world, tmp_path, "review"), tmp_path / "forged.dabiao", signing.identity(impostor),
                     manifest_fn=lambda m: m["workspace"].update(
                         id=json.loads(zipfile.ZipFile(bundle(world, tmp_path, "submission")).read("manifest.json"))
                         ["workspace"]["id"], name="城关镇"))
    r = import_bundle(county, forged, dry_run=True)
    assert r.plan.trust == "new"
    assert any("此前使用密钥" in n for n in r.plan.notices)
    with pytest.raises(BundleRefused):
        import_bundle(county, forged, require_trusted=True)


# ---------------------------------------------------------------------- hostile bundles


def members_of(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def write_zip(path: Path, members) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for info, raw in members:
            zf.writestr(info, raw)
    return path


def rebuild(src: Path, dst: Path, identity=None, *, data_fn=None, manifest_fn=None) -> Path:
    """Change data.json and/or the manifest, recompute the member list and sign again with
    `identity`: an authentic-looking bundle with hostile content."""
    members = dict((info.filename, (info, raw)) for info, raw in members_of(src))
    if data_fn:
        data = json.loads(members["data.json"][1])
        data_fn(data)
        members["data.json"] = (members["data.json"][0], json.dumps(data, ensure_ascii=False).encode())
    manifest = json.loads(members["manifest.json"][1])
    manifest["members"] = [{"path": n, "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
                           for n, (_i, raw) in sorted(members.items()) if n not in ("manifest.json", "manifest.sig")]
    if identity is not None:
        manifest["signer"] = {"algorithm": "ed25519", "public_key": identity.public_key_b64,
                              "fingerprint": signing.pretty(identity.fingerprint)}
    if manifest_fn:
        manifest_fn(manifest)
    raw = json.dumps(manifest, ensure_ascii=False).encode()
    members["manifest.json"] = (members["manifest.json"][0], raw)
    if identity is not None:
        members["manifest.sig"] = (members["manifest.sig"][0], base64.b64encode(identity.sign(raw)))
    return write_zip(dst, members.values())


def _replace(name_pred, fn):
    def make(src, dst, world):
        out = []
        for info, raw in members_of(src):
            if name_pred(info.filename):
                info, raw = fn(info, raw)
            out.append((info, raw))
        return write_zip(dst, out)
    return make


def _add(info_or_name, raw=b"x"):
    def make(src, dst, world):
        return write_zip(dst, members_of(src) + [(info_or_name, raw)])
    return make


def _flip_photo(info, raw):
    raw = bytearray(raw)
    raw[len(raw) // 2] ^= 0x01
    return info, bytes(raw)


def _flip_raw(src, dst, world):
    """Flip one byte inside a stored photo in the zip file itself (its CRC no longer matches)."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("evidence/"))
    offset = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + info.file_size // 2
    data[offset] ^= 0xFF
    dst.write_bytes(bytes(data))
    return dst


def _symlink(src, dst, world):
    info = zipfile.ZipInfo("evidence/ab/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return write_zip(dst, members_of(src) + [(info, b"/etc/passwd")])


def _truncate(src, dst, world):
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) * 2 // 3])
    return dst


def _bomb(src, dst, world):
    out = []
    for info, raw in members_of(src):
        if info.filename == "data.json":
            info = zipfile.ZipInfo("data.json")
            info.compress_type = zipfile.ZIP_DEFLATED
            raw = b"\0" * (40 * 1024 * 1024)
        out.append((info, raw))
    return write_zip(dst, out)


def _forged_signature(src, dst, world):
    out = []
    for info, raw in members_of(src):
        if info.filename == "manifest.sig":
            manifest = zipfile.ZipFile(src).read("manifest.json")
            raw = base64.b64encode(Ed25519PrivateKey.generate().sign(manifest))
        out.append((info, raw))
    return write_zip(dst, out)


def _manifest_edited(src, dst, world):
    def edit(info, raw):
        m = json.loads(raw)
        m["workspace"]["name"] = "某县人武部"
        return info, json.dumps(m, ensure_ascii=False, indent=1).encode()
    return _replace(lambda n: n == "manifest.json", edit)(src, dst, world)


def _drop_photo(src, dst, world):
    members = members_of(src)
    victim = next(i for i, (info, _raw) in enumerate(members) if info.filename.startswith("evidence/"))
    return write_zip(dst, members[:victim] + members[victim + 1:])


def _duplicate(src, dst, world):
    members = members_of(src)
    first = next(m for m in members if m[0].filename.startswith("evidence/"))
    return write_zip(dst, members + [first])


def _unknown_format(src, dst, world):
    def edit(info, raw):
        m = json.loads(raw)
        m["format"] = "dabiao-bundle/2"
        return info, json.dumps(m).encode()
    return _replace(lambda n: n == "manifest.json", edit)(src, dst, world)


HOSTILE = {
    "flipped byte in a photo": (_replace(lambda n: n.startswith("evidence/"), _flip_photo), ("hash",)),
    "flipped byte in the zip": (_flip_raw, ("damaged", "hash")),
    "dotdot path": (_add("../../evil.txt"), ("path",)),
    "dotdot inside": (_add("evidence/../../evil.jpg"), ("path",)),
    "absolute path": (_add("/tmp/evil.txt"), ("path",)),
    "windows absolute path": (_add("C:/evil.txt"), ("path",)),
    "symlink member": (_symlink, ("link",)),
    "truncated file": (_truncate, ("damaged",)),
    "zip bomb": (_bomb, ("bomb",)),
    "forged signature": (_forged_signature, ("signature",)),
    "manifest edited after signing": (_manifest_edited, ("signature",)),
    "unexpected member": (_add("evidence/ab/notes.txt"), ("member",)),
    "missing photo": (_drop_photo, ("damaged",)),
    "duplicate member": (_duplicate, ("duplicate",)),
    "newer format": (_unknown_format, ("format",)),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_bundle_is_refused_and_changes_nothing(case, world, place, tmp_path):
    make, codes = HOSTILE[case]
    hostile = make(bundle(world, tmp_path, "submission"), tmp_path / "hostile.dabiao", world)
    county = place("county")
    before = workspace_dump(county)
    with pytest.raises(BundleRefused) as exc:
        import_bundle(county, hostile)
    assert exc.value.code in codes, str(exc.value)
    assert len(exc.value.lines()) == 1 and "已拒绝" in str(exc.value)
    assert workspace_dump(county) == before
    assert not (county.folder / ".incoming").exists()
    assert not (tmp_path.parent / "evil.txt").exists()


def test_photo_flipped_after_other_photos_were_staged_leaves_no_stray_file(world, place, tmp_path):
    """The last photo in the bundle is damaged: the ones before it were already copied to
    temporary files, and must be gone after the refusal."""
    src = bundle(world, tmp_path, "submission")
    names = [i.filename for i, _ in members_of(src) if i.filename.startswith("evidence/")]
    hostile = _replace(lambda n: n == names[-1], _flip_photo)(src, tmp_path / "h.dabiao", world)
    county = place("county")
    before = workspace_dump(county)
    with pytest.raises(BundleRefused):
        import_bundle(county, hostile)
    assert workspace_dump(county) == before


def test_review_bundle_cannot_change_self_answers(world, place, tmp_path):
    inspector = place("inspector")
    me = signing.identity(inspector)

    def add_self_answer(data):
        a = data["assessments"][0]
        a["answers"].append({"code": "1.4", "role": "self", "value": "0", "note": None, "documents": None,
                             "who": "x", "updated_at": "2027-12-01T00:00:00", "rev": 99})

    def add_self_field(data):
        data["assessments"][0]["self_rev"] = 999

    def add_self_photo(data):
        a = data["assessments"][0]
        a["attachments"][0]["role"] = "self"

    town = place("town")
    for fn in (add_self_answer, add_self_field, add_self_photo):
        hostile = rebuild(bundle(world, tmp_path, "review"), tmp_path / f"{fn.__name__}.dabiao", me, data_fn=fn)
        before = workspace_dump(town)
        with pytest.raises(BundleRefused) as exc:
            import_bundle(town, hostile)
        assert exc.value.code == "data", str(exc.value)
        assert "自评" in str(exc.value)
        assert workspace_dump(town) == before


def test_submission_bundle_cannot_change_review_answers(world, place, tmp_path):
    town = place("town")

    def add_review_answer(data):
        data["assessments"][0]["answers"][0]["role"] = "review"

    hostile = rebuild(bundle(world, tmp_path, "submission"), tmp_path / "h.dabiao", signing.identity(town),
                      data_fn=add_review_answer)
    inspector = place("inspector")
    before = workspace_dump(inspector)
    with pytest.raises(BundleRefused, match="考评答案"):
        import_bundle(inspector, hostile)
    assert workspace_dump(inspector) == before


def test_invalid_answer_value_in_a_signed_bundle_is_refused(world, place, tmp_path):
    town = place("town")

    def bad_value(data):
        for ans in data["assessments"][0]["answers"]:
            if ans["code"] == "1.2":
                ans["value"] = "42"   # a check item takes true/false

    hostile = rebuild(bundle(world, tmp_path, "submission"), tmp_path / "h.dabiao", signing.identity(town),
                      data_fn=bad_value)
    county = place("county")
    before = workspace_dump(county)
    with pytest.raises(BundleRefused, match="1.2"):
        import_bundle(county, hostile)
    assert workspace_dump(county) == before


def test_different_checklist_text_under_a_known_version_is_refused(world, place, tmp_path):
    county = place("county")
    prov = checklist_store.get_row(county, "prov-2027-town", "2027.1")
    changed = prov["source_text"].replace("某省乡镇", "某省某乡镇", 1)
    assert changed != prov["source_text"]
    # another county with a doctored province base under the same version
    with open_ws(tmp_path / "other") as other:
        checklist_store.import_checklist_text(other, changed, "prov-2027-town.yaml")
        checklist_store.import_checklist_text(other, checklist_store.get_row(county, CHECKLIST, "1")["source_text"],
                                              "city.yaml")
        path = export_bundle(other, "criteria", [CHECKLIST], tmp_path / "c.dabiao").path
    before = workspace_dump(county)
    with pytest.raises(BundleRefused) as exc:
        import_bundle(county, path)
    assert exc.value.code == "checklist" and "prov-2027-town" in str(exc.value)
    assert workspace_dump(county) == before


def test_apply_failure_removes_the_photos_it_put_in_place(world, place, tmp_path, monkeypatch):
    county = place("county")
    before = workspace_dump(county)
    plan = prepare_import(county, bundle(world, tmp_path, "submission"))

    def boom(ws):
        raise StorageError("磁盘已满")

    plan.changes.append(Change("boom", "boom", boom))
    with pytest.raises(StorageError, match="磁盘已满"):
        plan.apply()
    assert workspace_dump(county) == before


def test_photos_are_flushed_to_disk_before_the_import_commits(world, place, tmp_path, monkeypatch):
    """Crash safety: the photos put in place are flushed (one pass, after the last one is
    written) before the transaction naming them; if that fails, nothing is changed."""
    county = place("county")
    before = workspace_dump(county)
    seen = []
    real = staging.make_durable

    def spy(placed):
        attached = county.db.execute("SELECT count(*) FROM attachments").fetchone()[0]
        seen.append(([p.exists() for p in placed], attached))
        real(placed)

    monkeypatch.setattr(staging, "make_durable", spy)
    plan = prepare_import(county, bundle(world, tmp_path, "submission"))
    placed_count = len(plan.new_files)
    plan.apply()
    assert placed_count and seen == [([True] * placed_count, len(before["attachments"]))]

    county2 = place("county")
    before2 = workspace_dump(county2)

    def full(placed):
        raise StorageError("无法把照片写入磁盘（No space left on device）；工作区未作任何改动")

    monkeypatch.setattr(staging, "make_durable", full)
    plan = prepare_import(county2, bundle(world, tmp_path, "submission"))
    targets = [evidence.original_path(county2, sha, ext) for sha, (ext, _) in plan.new_files.items()]
    with pytest.raises(StorageError, match="写入磁盘"):
        plan.apply()
    assert workspace_dump(county2) == before2
    assert not any(t.exists() for t in targets)


def test_a_carried_checklist_is_validated_once_while_its_base_is_the_same(monkeypatch):
    text = (LIBRARY / "city-2027-town.yaml").read_text(encoding="utf-8")
    base = (LIBRARY / "prov-2027-town.yaml").read_text(encoding="utf-8")
    parsed = []
    real = checklist_store.load_checklist_text
    monkeypatch.setattr(checklist_store, "load_checklist_text",
                        lambda *a, **k: parsed.append(1) or real(*a, **k))
    bases = {("prov-2027-town", "2027.1"): (base, "prov-2027-town.yaml")}
    resolver = lambda i, v: bases.get((i, str(v)))  # noqa: E731
    first = checklist_store.load_text_cached(text, "city-bench.yaml", resolver)
    again = checklist_store.load_text_cached(text, "city-bench.yaml", resolver)
    assert again is first and len(parsed) == 1
    bases[("prov-2027-town", "2027.1")] = (base.replace("title:", "title: 改 ", 1), "prov-2027-town.yaml")
    changed = checklist_store.load_text_cached(text, "city-bench.yaml", resolver)
    assert changed is not first and len(parsed) == 2


# ---------------------------------------------------------------------- command line


def test_cli_export_import_trust_keys(world, tmp_path, capsys):
    from main import main

    town = copy_ws(world["root"] / "town", tmp_path / "town")
    county = copy_ws(world["root"] / "county", tmp_path / "county")
    out = tmp_path / "usb" / "s.dabiao"
    assert main(["--data-dir", str(town), "bundle", "export", "--kind", "submission", world["aid"],
                 "--out", str(out)]) == 0
    assert out.exists() and "城关镇" in capsys.readouterr().out

    assert main(["--data-dir", str(county), "bundle", "import", str(out), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "试运行" in text and "新增 1 个考评" in text and "未信任" in text
    assert main(["--data-dir", str(county), "bundle", "import", str(out)]) == 0
    assert "已导入" in capsys.readouterr().out
    assert main(["--data-dir", str(county), "bundle", "import", str(out)]) == 0
    assert "导入过" in capsys.readouterr().out

    assert main(["--data-dir", str(county), "bundle", "keys"]) == 0
    assert signing.short(world["town_fp"]) in capsys.readouterr().out
    assert main(["--data-dir", str(county), "bundle", "trust", signing.short(world["town_fp"])]) == 0
    assert "已信任" in capsys.readouterr().out

    bad = _truncate(out, tmp_path / "bad.dabiao", world)
    assert main(["--data-dir", str(county), "bundle", "import", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "已拒绝" in err[0] and "Traceback" not in err[0]


def test_trust_a_key_from_the_bundle_before_a_require_trusted_import(world, place, tmp_path):
    county = place("county")
    path = bundle(world, tmp_path, "submission")
    before = workspace_dump(county)
    with pytest.raises(StorageError, match="不符"):
        trust_signer(county, path, world["county_fp"][:8])
    with pytest.raises(StorageError, match="没有见过"):
        signing.trust_key(county, world["town_fp"][:8])
    assert workspace_dump(county) == before
    row = trust_signer(county, path, signing.short(world["town_fp"]), label="城关镇武装部")
    assert row["trusted"] == 1 and row["fingerprint"] == world["town_fp"]
    r = import_bundle(county, path, require_trusted=True)
    assert r.changed and r.plan.trust == "trusted"
    assert "城关镇武装部" in r.plan.signer_line() and "已信任" in r.plan.signer_line()
