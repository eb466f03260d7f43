"""Issue 13: hostile bundles beyond those of test_bundles.py — numbers that would hang
the exact-fraction conversion, deep nesting, an attachment id that belongs to another
assessment, out-of-range fields. Each is refused with one line, quickly, and the
workspace is left byte-identical (tables, and every file with its hash)."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest

from storage import assessments, checklist_store, evidence, units
from storage.exchange import signing
from storage.exchange.bundle_format import BundleRefused
from storage.exchange.export import export_bundle
from storage.exchange.importer import import_bundle

from conftest import LIBRARY
from test_bundles import CHECKLIST, PHOTO_NAMES, SELF_CODES, copy_ws, fill, photo, rebuild
from wsutil import open_ws, workspace_dump


def full_dump(ws) -> dict:
    """workspace_dump plus the SHA-256 of every file (evidence included)."""
    dump = workspace_dump(ws)
    hashes = []
    for p in sorted(ws.folder.rglob("*")):
        rel = p.relative_to(ws.folder).as_posix()
        if p.is_file() and not rel.startswith(("backups/", "derived/criteria")) and not rel.startswith("dabiao."):
            hashes.append((rel, hashlib.sha256(p.read_bytes()).hexdigest()))
    dump["_hashes"] = hashes
    return dump


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """county -> criteria -> town -> submission -> inspector -> review (not signed off)."""
    root = tmp_path_factory.mktemp("hostile-world")
    out = {"root": root}
    with open_ws(root / "county") as ws:
        signing.set_workspace_name(ws, "某县人武部")
        checklist_store.import_checklist_file(ws, LIBRARY / f"{CHECKLIST}.yaml")
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"])
        export_bundle(ws, "criteria", [CHECKLIST], root / "criteria.dabiao")
        out["county_fp"] = signing.identity(ws).fingerprint
    with open_ws(root / "town") as ws:
        signing.set_workspace_name(ws, "城关镇")
        import_bundle(ws, root / "criteria.dabiao")
        a = assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
        aid = out["aid"] = a["id"]
        fill(ws, aid, "self", SELF_CODES)
        added = evidence.add_photos(ws, aid, "3.1", [photo(PHOTO_NAMES[0]), photo(PHOTO_NAMES[1])], caption="训练场")
        assert [o.ok for o in added] == [True, True], [o.refused for o in added]
        assessments.set_status(ws, aid, "submitted")
        export_bundle(ws, "submission", [aid], root / "submission.dabiao")
        out["town_fp"] = signing.identity(ws).fingerprint
    with open_ws(root / "inspector") as ws:
        signing.set_workspace_name(ws, "县考评组")
        import_bundle(ws, root / "submission.dabiao")
        fill(ws, aid, "review", ["1.1", "1.2"], variant=1)
        evidence.add_photos(ws, aid, "3.1", [photo(PHOTO_NAMES[3])], role="review", caption="现场核查")
        export_bundle(ws, "review", [aid], root / "review.dabiao")
        out["inspector_fp"] = signing.identity(ws).fingerprint
    return out


@pytest.fixture
def place(world, tmp_path):
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


def identity_of(world, tmp_path, name="town"):
    """The signing identity of one of the world's workspaces (read from a copy)."""
    with open_ws(copy_ws(world["root"] / name, tmp_path / f"{name}-key-{time.time_ns()}")) as ws:
        return signing.identity(ws)


# ---------------------------------------------------------------------- hostile data, signed


def _answer(data, code="1.1"):
    return next(a for a in data["assessments"][0]["answers"] if a["code"] == code)


def _set_value(text, code="1.1"):
    def fn(data):
        _answer(data, code)["value"] = text
    return fn


def _set_field(where, key, value):
    def fn(data):
        target = {"assessment": lambda d: d["assessments"][0], "answer": lambda d: d["assessments"][0]["answers"][0],
                  "event": lambda d: d["assessments"][0]["events"][0], "evidence": lambda d: d["evidence"][0]}[where](data)
        target[key] = value
    return fn


def _attachment_of_another_assessment(data):
    """The same photos under a new assessment (another year): their attachment ids are
    already used by the assessment imported before."""
    a = data["assessments"][0]
    a["id"] = "00000000-0000-4000-8000-000000000001"
    a["year"] = 2028
    a["events"] = []


def _deep(raw_member: str, depth: int = 100_000):
    def fn(members):
        members[raw_member] = b"[" * depth + b"]" * depth
    return fn


# name -> (data_fn, expected code, words in the message, needs the submission imported first)
SIGNED = {
    "answer 1e100000000 (fraction text)": (_set_value('{"n": "1e100000000"}'), "data", "指数", False),
    "answer 1e10000000 (JSON float)": (_set_value("1e10000000", "2.1"), "data", "指数", False),
    "answer of 5000 digits": (_set_value("1" + "0" * 5000, "2.1"), "data", "过长", False),
    "answer 1e-30": (_set_value('{"n": "1e-30"}', "2.1"), "data", "精度", False),
    "answer nested 3000 deep": (_set_value("[" * 3000 + "]" * 3000), "data", "嵌套", False),
    "answer of 100000 characters": (_set_value("[" * 50_000 + "]" * 50_000), "data", "过长", False),
    "year 10^17": (_set_field("assessment", "year", 10 ** 17), "data", "范围", False),
    "year -1": (_set_field("assessment", "year", -1), "data", "范围", False),
    "revision -5": (_set_field("answer", "rev", -5), "data", "范围", False),
    "self revision 10^17": (_set_field("assessment", "self_rev", 10 ** 17), "data", "范围", False),
    "photo size -1": (_set_field("evidence", "size", -1), "data", "范围", False),
    "latitude 1000": (_set_field("evidence", "gps_lat", 1000.0), "data", "范围", False),
    "attachment id of another assessment": (_attachment_of_another_assessment, "data", "照片附件编号", True),
}


@pytest.mark.parametrize("case", list(SIGNED))
def test_signed_bundle_with_hostile_data_is_refused_quickly(case, world, place, tmp_path):
    data_fn, code, words, first = SIGNED[case]
    county = place("county")
    if first:
        import_bundle(county, bundle(world, tmp_path, "submission"))
    hostile = rebuild(bundle(world, tmp_path, "submission"), tmp_path / "h.dabiao", identity_of(world, tmp_path),
                      data_fn=data_fn)
    before = full_dump(county)
    started = time.monotonic()
    with pytest.raises(BundleRefused) as exc:
        import_bundle(county, hostile)
    assert time.monotonic() - started < 10
    assert exc.value.code == code and words in str(exc.value), str(exc.value)
    assert len(exc.value.lines()) == 1 and "已拒绝" in str(exc.value)
    assert full_dump(county) == before


def _raw_member(name, raw):
    """Replace one member's bytes, leaving the manifest as it was (unsigned damage)."""
    from test_bundles import members_of, write_zip

    def make(src, dst):
        return write_zip(dst, [(info, raw if info.filename == name else body) for info, body in members_of(src)])
    return make


def _deep_data(src, dst, identity):
    """data.json nested 100 000 deep, listed and signed: only the nesting check stops it."""
    from test_bundles import members_of, write_zip

    deep = b"[" * 100_000 + b"]" * 100_000
    members = {info.filename: (info, raw) for info, raw in members_of(src)}
    members["data.json"] = (members["data.json"][0], deep)
    manifest = json.loads(members["manifest.json"][1])
    for m in manifest["members"]:
        if m["path"] == "data.json":
            m.update(sha256=hashlib.sha256(deep).hexdigest(), size=len(deep))
    manifest["signer"] = {"algorithm": "ed25519", "public_key": identity.public_key_b64,
                          "fingerprint": signing.pretty(identity.fingerprint)}
    raw = json.dumps(manifest).encode()
    members["manifest.json"] = (members["manifest.json"][0], raw)
    import base64

    members["manifest.sig"] = (members["manifest.sig"][0], base64.b64encode(identity.sign(raw)))
    return write_zip(dst, members.values())


UNSIGNED = {
    "manifest nested 100000 deep": lambda src, dst, world, tmp: _raw_member(
        "manifest.json", b"[" * 100_000 + b"]" * 100_000)(src, dst),
    "manifest nested 900 deep": lambda src, dst, world, tmp: _raw_member(
        "manifest.json", b'{"a":' * 900 + b"1" + b"}" * 900)(src, dst),
    "manifest number of 5000 digits": lambda src, dst, world, tmp: _raw_member(
        "manifest.json", b'{"format": ' + b"1" * 5000 + b"}")(src, dst),
    "data.json nested 100000 deep, signed": lambda src, dst, world, tmp: _deep_data(src, dst, identity_of(world, tmp)),
}


@pytest.mark.parametrize("case", list(UNSIGNED))
def test_deeply_nested_or_huge_json_is_refused_before_anything(case, world, place, tmp_path):
    hostile = UNSIGNED[case](bundle(world, tmp_path, "submission"), tmp_path / "h.dabiao", world, tmp_path)
    county = place("county")
    before = full_dump(county)
    started = time.monotonic()
    with pytest.raises(BundleRefused) as exc:
        import_bundle(county, hostile)
    assert time.monotonic() - started < 10
    assert exc.value.code == "format", str(exc.value)
    assert len(exc.value.lines()) == 1
    assert full_dump(county) == before


def test_cli_hostile_number_is_one_line_and_exit_1(world, tmp_path, capsys):
    from main import main

    county = copy_ws(world["root"] / "county", tmp_path / "county")
    hostile = rebuild(bundle(world, tmp_path, "submission"), tmp_path / "h.dabiao", identity_of(world, tmp_path),
                      data_fn=_set_value('{"n": "1e100000000"}'))
    with open_ws(county) as ws:
        before = full_dump(ws)
    started = time.monotonic()
    assert main(["--data-dir", str(county), "bundle", "import", str(hostile)]) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "已拒绝" in err[0] and "Traceback" not in err[0]
    with open_ws(county) as ws:
        assert full_dump(ws) == before


def _criteria_with(world, tmp_path, old: str, new: str) -> Path:
    """The criteria bundle with the city checklist's text changed (and its hash, member
    name and listing with it), signed again by the county: authentic, hostile content."""
    from test_bundles import members_of, write_zip

    src = bundle(world, tmp_path, "criteria")
    members = {info.filename: (info, raw) for info, raw in members_of(src)}
    data = json.loads(members["data.json"][1])
    entry = next(c for c in data["checklists"] if c["id"] == CHECKLIST)
    name = f"checklists/{entry['sha256']}.txt"
    text = members.pop(name)[1].decode("utf-8")
    assert old in text
    raw = text.replace(old, new, 1).encode("utf-8")
    entry["sha256"] = hashlib.sha256(raw).hexdigest()
    import zipfile

    members[f"checklists/{entry['sha256']}.txt"] = (zipfile.ZipInfo(f"checklists/{entry['sha256']}.txt"), raw)
    members["data.json"] = (members["data.json"][0], json.dumps(data, ensure_ascii=False).encode())
    write_zip(tmp_path / "tmp.dabiao", members.values())
    return rebuild(tmp_path / "tmp.dabiao", tmp_path / "hostile-criteria.dabiao", identity_of(world, tmp_path, "county"))


CARRIED = {
    "total 1.0e+100000000": ("\ntotal: 100\n", "\ntotal: 1.0e+100000000\n", "指数"),
    "total of 5000 digits": ("\ntotal: 100\n", "\ntotal: 1" + "0" * 5000 + "\n", "过长"),
    "nested 100000 deep": ("\ntotal: 100\n", "\ntotal: 100\nx: " + "[" * 100_000 + "]" * 100_000 + "\n", "YAML"),
}


@pytest.mark.parametrize("case", list(CARRIED))
def test_carried_criteria_with_hostile_numbers_are_refused_quickly(case, world, tmp_path):
    old, new, words = CARRIED[case]
    hostile = _criteria_with(world, tmp_path, old, new)
    with open_ws(tmp_path / "fresh") as ws:
        before = full_dump(ws)
        started = time.monotonic()
        with pytest.raises(BundleRefused) as exc:
            import_bundle(ws, hostile)
        assert time.monotonic() - started < 10
        assert exc.value.code == "checklist" and words in str(exc.value), str(exc.value)
        assert len(exc.value.lines()) == 1
        assert full_dump(ws) == before
