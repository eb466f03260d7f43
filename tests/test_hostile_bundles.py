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

from storage import assessments, bundles, checklist_store, evidence, signing, units
from storage.bundle_format import BundleRefused

from conftest import LIBRARY, PHOTOS
from test_bundles import SELF_CODES, CHECKLIST, copy_ws, fill, photo, rebuild
from wsutil import open_ws

PHOTO_NAMES = ["Fujifilm_FinePix_E500.jpg", "Olympus_C8080WZ.jpg", "Sony_HDR-HC3.jpg", "Ricoh_Caplio_RR330.jpg"]


def full_dump(ws) -> dict:
    """workspace_dump plus the SHA-256 of every file (evidence included)."""
    dump = bundles.workspace_dump(ws)
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
    if not (PHOTOS / "jpg").is_dir():
        pytest.skip("shared photo fixtures not present")
    root = tmp_path_factory.mktemp("hostile-world")
    out = {"root": root}
    with open_ws(root / "county") as ws:
        signing.set_workspace_name(ws, "某县人武部")
        checklist_store.import_checklist_file(ws, LIBRARY / f"{CHECKLIST}.yaml")
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"])
        bundles.export_bundle(ws, "criteria", [CHECKLIST], root / "criteria.dabiao")
        out["county_fp"] = signing.identity(ws).fingerprint
    with open_ws(root / "town") as ws:
        signing.set_workspace_name(ws, "城关镇")
        bundles.import_bundle(ws, root / "criteria.dabiao")
        a = assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
        aid = out["aid"] = a["id"]
        fill(ws, aid, "self", SELF_CODES)
        evidence.add_photos(ws, aid, "3.1", [photo(PHOTO_NAMES[0]), photo(PHOTO_NAMES[1])], caption="训练场")
        assessments.set_status(ws, aid, "submitted")
        bundles.export_bundle(ws, "submission", [aid], root / "submission.dabiao")
        out["town_fp"] = signing.identity(ws).fingerprint
    with open_ws(root / "inspector") as ws:
        signing.set_workspace_name(ws, "县考评组")
        bundles.import_bundle(ws, root / "submission.dabiao")
        fill(ws, aid, "review", ["1.1", "1.2"], variant=1)
        evidence.add_photos(ws, aid, "3.1", [photo(PHOTO_NAMES[3])], role="review", caption="现场核查")
        bundles.export_bundle(ws, "review", [aid], root / "review.dabiao")
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
