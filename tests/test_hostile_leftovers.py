"""Issue 13, what was left: an older workspace opened read-only lists without the score
cache; stored answer values out of range are named, not converted for minutes; nothing
is written into a read-only workspace before its refusal; a photo batch stopped by a
full disk says which photos went in."""

from __future__ import annotations

import errno
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from storage import Workspace, answer_store, backup, evidence, schema, scores, units
from storage import assessments as assessment_store
from storage.errors import StorageError
from storage.exchange.export import export_bundle
from storage.exchange.importer import prepare_import

from test_hostile_workspace import FAST, cli, file_hashes, read_only
from wsutil import open_ws, town_assessment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def two_towns(tmp_path_factory):
    """A closed workspace: 城关镇 and 东风镇 with a 2027 assessment each, a few self
    answers, a backup and a submission bundle of 城关镇."""
    root = tmp_path_factory.mktemp("leftovers")
    folder = root / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
        county = units.find_unit(ws, "某县")
        other = units.add_unit(ws, "东风镇", "town", county["id"])
        b = assessment_store.new_assessment(ws, other["id"], "city-2027-town", None, 2027)
        for aid in (a["id"], b["id"]):
            answer_store.set_answer(ws, aid, "1.1", "self", 2)
            answer_store.set_answer(ws, aid, "1.2", "self", True)
        scores.list_scores(ws)  # the cache holds both
        backup.make_backup(ws)
        export_bundle(ws, "submission", [a["id"]], root / "s.dabiao")
    (folder / "dabiao.lock").unlink(missing_ok=True)
    return {"folder": folder, "damaged": a["id"], "other": b["id"], "bundle": root / "s.dabiao"}


@pytest.fixture
def copy(two_towns, tmp_path):
    return Path(shutil.copytree(two_towns["folder"], tmp_path / "ws"))


def sql(folder: Path, *statements) -> None:
    conn = sqlite3.connect(folder / "dabiao.sqlite")
    for statement, *params in statements:
        conn.execute(statement, *params)
    conn.commit()
    conn.close()


def run_main(*argv, timeout: float = 3 * FAST):
    """main.py in its own process, killed if it hangs (a huge number converted for minutes)."""
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, argv)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


# ---------------------------------------------------------------------- 4: no score cache yet


def _without_cache(folder: Path) -> None:
    """The workspace as an older Dabiao left it: no score cache, no migration m004."""
    conn = sqlite3.connect(folder / "dabiao.sqlite")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'score_cache%'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE score_cache")
    conn.execute("DROP INDEX idx_answers_assessment_role")
    conn.execute(f"DELETE FROM {schema.MIGRATIONS_TABLE} WHERE name = 'm004_score_cache'")
    conn.commit()
    conn.close()


def _older_cache_layout(folder: Path) -> None:
    """A score table of an older layout (no `judged`), the migration not recorded."""
    _without_cache(folder)
    sql(folder, ("CREATE TABLE score_cache (assessment_id TEXT, role TEXT, self_rev INTEGER, review_rev INTEGER, "
                 "criteria TEXT, engine TEXT, final TEXT, shown NUMERIC, level TEXT, level_label TEXT, detail TEXT)",))


def _stale_cache_without_triggers(folder: Path) -> None:
    """The table as m004 makes it, holding a score, but the migration not recorded and no
    triggers: then an answer changed (its revisions untouched). Nothing keeps that table
    true, so its score must not be shown."""
    conn = sqlite3.connect(folder / "dabiao.sqlite")
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'score_cache%'"):
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(f"DELETE FROM {schema.MIGRATIONS_TABLE} WHERE name = 'm004_score_cache'")
    assert conn.execute("SELECT count(*) FROM score_cache WHERE judged = 1").fetchone()[0] == 2
    conn.execute("UPDATE answers SET value = 'false' WHERE code = '1.2'")
    conn.commit()
    conn.close()


OLDER = {"no cache table": _without_cache, "older cache layout": _older_cache_layout,
         "cache table nothing keeps true": _stale_cache_without_triggers}


@pytest.mark.parametrize("case", list(OLDER))
def test_read_only_workspace_older_than_the_score_cache_lists_and_reports(case, two_towns, copy, tmp_path, capsys):
    OLDER[case](copy)
    with Workspace.open(copy, readonly=True) as ws:
        expected = {aid: answer_store.score_assessment(ws, aid, "self")
                    for aid in (two_towns["damaged"], two_towns["other"])}
    before = file_hashes(copy)
    with read_only(copy) as place:
        code, out, err = cli(capsys, "--data-dir", place, "assessment", "list", "--json")
        assert code == 0, err
        rows = {r["id"]: r for r in json.loads(out)}
        assert set(rows) == set(expected)
        for aid, result in expected.items():
            assert rows[aid]["final"] == scores.summarize("self", result).shown
            assert rows[aid]["level_label"] == result.level_label
        code, out, err = cli(capsys, "--data-dir", place, "report", "summary", "--year", "2027",
                             "--out", tmp_path / "汇总.xlsx")
        assert code == 0, err
    assert file_hashes(copy) == before   # nothing cached, nothing upgraded


# ---------------------------------------------------------------------- 6: huge stored values

HUGE = {
    "exponent": "1e100000000",
    "fraction with an exponent": json.dumps({"n": "1e100000000"}),
    "5,000 digits": "1" + "0" * 5000,
    "nested": "[" * 3000 + "]" * 3000,
    "not a number": json.dumps({"n": "一二三"}),
}


@pytest.mark.parametrize("case", list(HUGE))
def test_huge_stored_value_is_named_and_the_rest_keeps_working(case, two_towns, copy, tmp_path, capsys):
    """An older version may have stored an answer such as 1e100000000: it is checked like
    every number that enters, the record is named, and the other assessments list, score
    and print as usual; setting the item again repairs it."""
    damaged, other = two_towns["damaged"], two_towns["other"]
    sql(copy, ("UPDATE answers SET value = ? WHERE assessment_id = ? AND code = '1.1' AND role = 'self'",
               [HUGE[case], damaged]))
    named = "城关镇 2027 年考评 条目 1.1 的自评答案"

    code, out, err = run_main("--data-dir", copy, "assessment", "list")
    assert code == 0, err
    lines = {line.split("\t")[0]: line for line in out.splitlines()}
    assert "无法计分" in lines[damaged] and "东风镇" in lines[other] and "无法计分" not in lines[other]
    assert named in err and len(err.strip().splitlines()) == 1, err

    code, out, err = cli(capsys, "--data-dir", copy, "assessment", "show", damaged)
    assert code == 1 and len(err.strip().splitlines()) == 1 and named in err, err
    code, out, err = cli(capsys, "--data-dir", copy, "assessment", "show", other)
    assert code == 0, err
    code, out, err = cli(capsys, "--data-dir", copy, "report", "summary", "--year", "2027",
                         "--out", tmp_path / "汇总.xlsx")
    assert code == 0, err
    code, out, err = cli(capsys, "--data-dir", copy, "report", "gap", other, "--out", tmp_path / "差距.pdf")
    assert code == 0, err
    code, out, err = cli(capsys, "--data-dir", copy, "db", "check")
    assert code == 1 and named in err, err

    with open_ws(copy) as ws:   # a new value repairs it; the event keeps the old text
        answer_store.set_answer(ws, damaged, "1.1", "self", 3)
        assert answer_store.get_answer(ws, damaged, "1.1", "self")["value"] == 3
        assert all(r["final"] is not None and not r.get("problem") for r in scores.list_scores(ws))
        detail = ws.db.execute("SELECT detail FROM events WHERE entity = 'answer' ORDER BY seq DESC").fetchone()[0]
        assert json.loads(detail)["old"]["value"] == HUGE[case]


# ---------------------------------------------------------------------- 5: read-only, nothing written first


def photos(folder: Path, n: int, size=(160, 120)) -> list[Path]:
    """n different JPEGs (noise: about 1.3 bytes a pixel)."""
    import random

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"现场{i + 1}.jpg"
        rnd = random.Random(i)
        img = Image.frombytes("RGB", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1] * 3)))
        img.save(path, "JPEG", quality=90)
        out.append(path)
    return out


def test_read_only_workspace_gets_no_photo_file_and_no_staging(two_towns, copy, tmp_path):
    """Opened read-only because another Dabiao is writing (the place itself is writable):
    a photo batch and a bundle import refuse before writing a single file."""
    shots = photos(tmp_path / "shots", 2)
    with open_ws(copy) as writer:
        with Workspace.open(copy, if_locked="readonly", wait=0.2) as ws:
            assert ws.readonly and "另一个达标程序" in ws.readonly_reason
            before = file_hashes(copy)
            with pytest.raises(StorageError, match="只读") as exc:
                evidence.add_photos(ws, two_towns["other"], "3.1", shots)
            assert len(exc.value.lines()) == 1
            with pytest.raises(StorageError, match="只读"):
                prepare_import(ws, two_towns["bundle"], stage=True)
            prepare_import(ws, two_towns["bundle"], stage=False).discard()  # a preview still works
            assert file_hashes(copy) == before
            assert not (copy / ".incoming").exists() and not (copy / "journal").exists()
        assert writer.db.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0


def test_photo_add_on_a_read_only_place_is_the_usual_line(two_towns, copy, tmp_path, capsys):
    shots = photos(tmp_path / "shots", 2)
    before = file_hashes(copy)
    with read_only(copy) as place:
        code, out, err = cli(capsys, "--data-dir", place, "photo", "add", two_towns["other"], "3.1", *shots)
        assert code == 1 and len(err.strip().splitlines()) == 1 and "以只读方式打开" in err, err
    assert file_hashes(copy) == before


# ---------------------------------------------------------------------- 7: a full disk mid-batch


def test_photo_batch_stopped_by_a_full_disk_says_what_went_in(two_towns, copy, tmp_path, capsys, monkeypatch):
    """The disk fills up while the third photo is written: one line says that 2 of the 5
    went in and that the rest, from the third, did not; those 2 are attached."""
    shots = photos(tmp_path / "shots", 5)
    real = evidence.write_atomic
    written = []

    def filling(path, data):
        if len(written) >= 6:  # two photos: original, thumbnail, report image each
            from storage.errors import write_failed

            raise write_failed(OSError(errno.ENOSPC, "No space left on device"), path,
                               f"磁盘已满，无法保存 {path.name}；已保存的数据未受影响")
        written.append(path)
        real(path, data)

    monkeypatch.setattr(evidence, "write_atomic", filling)
    code, out, err = cli(capsys, "--data-dir", copy, "photo", "add", two_towns["other"], "3.1", *shots)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "磁盘已满" in lines[0] and "本批 5 张中已导入 2 张" in lines[0], lines[0]
    assert "从 现场3.jpg 起未导入" in lines[0] and "共 3 张" in lines[0], lines[0]
    with open_ws(copy) as ws:
        names = [r["original_name"] for r in evidence.list_evidence(ws, two_towns["other"], "3.1")]
        assert names == ["现场1.jpg", "现场2.jpg"]
    assert not list((copy / "journal").glob("*.jsonl"))  # told now: not reported again at the next start

    # the same from storage: the photos done are in the exception
    written.clear()
    written.extend([None] * 5)   # the next photo's second file fails
    with open_ws(copy) as ws:
        with pytest.raises(evidence.PhotoBatchStopped) as exc:
            evidence.add_photos(ws, two_towns["damaged"], "3.1", shots[2:])
    assert [Path(o.path).name for o in exc.value.outcomes] == []
    assert [Path(p).name for p in exc.value.not_in] == ["现场3.jpg", "现场4.jpg", "现场5.jpg"]
    assert "本批 3 张中已导入 0 张" in str(exc.value)


def test_photo_batch_on_a_disk_that_fills_up(two_towns, copy, tmp_path, capsys):
    """The same on a real file system: evidence/ on a small tmpfs that holds two of the
    photos (root only)."""
    import os

    shots = photos(tmp_path / "shots", 4, size=(300, 250))
    sizes = [p.stat().st_size for p in shots]
    evidence_dir = copy / "evidence"
    shutil.rmtree(evidence_dir)
    evidence_dir.mkdir()
    room = sizes[0] + sizes[1] + 8192 + 4096
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={room}", "tmpfs", str(evidence_dir)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot make a small file system here")
    try:
        code, out, err = cli(capsys, "--data-dir", copy, "photo", "add", two_towns["other"], "3.1", *shots)
        lines = err.strip().splitlines()
        assert code == 1 and len(lines) == 1, err
        assert "磁盘已满" in lines[0] and "本批 4 张中已导入 2 张" in lines[0] and "从 现场3.jpg 起未导入" in lines[0], err
        with open_ws(copy) as ws:
            names = [r["original_name"] for r in evidence.list_evidence(ws, two_towns["other"], "3.1")]
        assert names == ["现场1.jpg", "现场2.jpg"]
        assert not [p for p in evidence_dir.rglob("*") if p.name.endswith(".tmp")]   # nothing half-written
    finally:
        subprocess.run(["umount", str(evidence_dir)], check=True)
