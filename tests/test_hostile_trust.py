"""Issue 13 §1: a bundle signed by another key must not replace a unit's data that came
under a trusted key (or was made here). Refused by default with both fingerprints; a
person may accept it (--accept-key-change) or trust the new key of the same workspace."""

from __future__ import annotations

import json
import zipfile

import pytest

from storage import answer_store
from storage.exchange import signing
from storage.exchange.bundle_format import BundleRefused
from storage.exchange.importer import import_bundle, prepare_import
from storage.exchange.trust import trust_signer

from test_bundles import rebuild
from test_hostile_bundles import bundle, identity_of, place, world  # noqa: F401 - fixtures
from wsutil import open_ws, workspace_dump


def _town_id(world, tmp_path):
    with zipfile.ZipFile(bundle(world, tmp_path, "submission")) as zf:
        return json.loads(zf.read("manifest.json"))["workspace"]["id"]


def _raise_revs(data):
    a = data["assessments"][0]
    a["self_rev"] += 10
    for ans in a["answers"]:
        ans["rev"] += 10
        if ans["code"] == "1.2":
            ans["value"] = "false"


def _forged(world, tmp_path, identity, name="forged.dabiao"):
    """A submission signed by `identity`, claiming the town's workspace id and name, with
    higher revisions and a changed self answer."""
    town_id = _town_id(world, tmp_path)
    return rebuild(bundle(world, tmp_path, "submission"), tmp_path / name, identity, data_fn=_raise_revs,
                   manifest_fn=lambda m: m["workspace"].update(id=town_id, name="城关镇"))


def _impostor(tmp_path):
    ws = open_ws(tmp_path / "impostor")
    me = signing.identity(ws)
    ws.close()
    return me


def _county_trusting_town(world, place, tmp_path):
    county = place("county")
    assert import_bundle(county, bundle(world, tmp_path, "submission")).changed
    signing.trust_key(county, world["town_fp"])
    return county


SCENARIOS = ["untrusted impostor", "trusted key of another workspace", "impostor into the town itself"]


@pytest.mark.parametrize("case", SCENARIOS)
def test_other_key_cannot_replace_data_under_a_trusted_key(case, world, place, tmp_path):
    if case == "untrusted impostor":
        target = _county_trusting_town(world, place, tmp_path)
        signer = _impostor(tmp_path)
        previous = world["town_fp"]
    elif case == "trusted key of another workspace":
        target = _county_trusting_town(world, place, tmp_path)
        signer = identity_of(world, tmp_path, "inspector")
        assert import_bundle(target, bundle(world, tmp_path, "review")).changed
        signing.trust_key(target, world["inspector_fp"])
        previous = world["town_fp"]
    else:
        target = place("town")
        signer = _impostor(tmp_path)
        previous = world["town_fp"]   # the town's own key
    forged = _forged(world, tmp_path, signer)
    before = workspace_dump(target)
    for dry_run in (True, False):
        with pytest.raises(BundleRefused) as exc:
            import_bundle(target, forged, dry_run=dry_run)
        text = str(exc.value)
        assert exc.value.code == "key" and len(exc.value.lines()) == 1
        assert signing.short(previous) in text and signing.short(signer.fingerprint) in text
        assert workspace_dump(target) == before
    # the app's plan shows the conflict with both full fingerprints, and apply() refuses
    plan = prepare_import(target, forged)
    assert plan.conflicts and any(signing.pretty(previous) in n and signing.pretty(signer.fingerprint) in n
                                  for n in plan.notices)
    assert "需人工确认" in plan.summary()
    with pytest.raises(BundleRefused):
        plan.apply()
    assert workspace_dump(target) == before
    assert not (target.folder / ".incoming").exists() or not any((target.folder / ".incoming").iterdir())


def test_a_person_may_accept_the_other_key(world, place, tmp_path):
    county = _county_trusting_town(world, place, tmp_path)
    forged = _forged(world, tmp_path, _impostor(tmp_path))
    r = import_bundle(county, forged, accept_key_change=True)
    assert r.changed
    assert answer_store.get_answer(county, world["aid"], "1.2", "self")["value"] is False
    detail = county.db.execute("SELECT detail FROM events WHERE entity = 'bundle' ORDER BY seq DESC").fetchone()[0]
    assert "key_change_accepted" in detail


def test_new_key_of_the_same_workspace_is_accepted_once_trusted(world, place, tmp_path):
    """A new PC: the town reads its new fingerprint on the phone, the county trusts it."""
    county = _county_trusting_town(world, place, tmp_path)
    new_pc = _impostor(tmp_path)
    forged = _forged(world, tmp_path, new_pc)
    with pytest.raises(BundleRefused):
        import_bundle(county, forged)
    trust_signer(county, forged, signing.short(new_pc.fingerprint))
    r = import_bundle(county, forged)
    assert r.changed and any("更换过密钥" in n for n in r.plan.notices)


def test_same_trusted_key_still_updates(world, place, tmp_path):
    county = _county_trusting_town(world, place, tmp_path)
    newer = _forged(world, tmp_path, identity_of(world, tmp_path), "newer.dabiao")
    r = import_bundle(county, newer)
    assert r.changed and not r.plan.conflicts


def test_cli_refuses_with_one_line_and_accepts_on_request(world, place, tmp_path, capsys):
    from main import main

    county = _county_trusting_town(world, place, tmp_path)
    folder = county.folder
    before = workspace_dump(county)
    county.close()
    forged = _forged(world, tmp_path, _impostor(tmp_path))
    assert main(["--data-dir", str(folder), "bundle", "import", str(forged)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "已拒绝" in err[0] and signing.short(world["town_fp"]) in err[0]
    with open_ws(folder) as ws:
        assert workspace_dump(ws) == before
    assert main(["--data-dir", str(folder), "bundle", "import", str(forged), "--accept-key-change"]) == 0
