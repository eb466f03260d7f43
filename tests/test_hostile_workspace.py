"""Issue 13 §3, §4, §5: read-only and damaged workspaces, the lock, leftovers of killed
imports. Every hostile case ends with one clear line (no traceback), a non-zero exit,
the workspace byte-identical (every file hashed), within seconds."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

import main
from storage import Workspace, backup, check, checklist_store, units
from storage.errors import StorageError, WorkspaceLocked
from storage.exchange.export import export_bundle
from storage.lock import WorkspaceLock
from storage.workspace import DamagedWorkspace

from wsutil import open_ws, town_assessment

FAST = 10


def file_hashes(folder: Path) -> list:
    """Every file under the folder with its SHA-256 (the database included)."""
    out = []
    for p in sorted(Path(folder).rglob("*")):
        if p.is_file():
            out.append((p.relative_to(folder).as_posix(), hashlib.sha256(p.read_bytes()).hexdigest()))
        elif p.is_dir():
            out.append((p.relative_to(folder).as_posix(), "dir"))
    return out


def cli(capsys, *argv):
    started = time.monotonic()
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert time.monotonic() - started < FAST, argv
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A closed workspace with a town assessment, a good backup and a submission bundle."""
    root = tmp_path_factory.mktemp("hostile-ws")
    folder = root / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
        from storage import answer_store

        answer_store.set_answer(ws, a["id"], "1.1", "self", 2)
        backup.make_backup(ws)
        export_bundle(ws, "submission", [a["id"]], root / "s.dabiao")
    (folder / "dabiao.lock").unlink()
    return {"folder": folder, "aid": a["id"], "bundle": root / "s.dabiao"}


@pytest.fixture
def ws_copy(made, tmp_path):
    dst = tmp_path / "ws"
    shutil.copytree(made["folder"], dst)
    return dst


# ---------------------------------------------------------------------- read-only


@contextmanager
def read_only(folder: Path):
    """The folder as a read-only place: a read-only bind mount when running as root (root
    ignores permissions), else permissions taken away."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            yield folder
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    target = folder.with_name(folder.name + "-ro")
    target.mkdir()
    ok = subprocess.run(["mount", "--bind", str(folder), str(target)], capture_output=True).returncode == 0
    ok = ok and subprocess.run(["mount", "-o", "remount,ro,bind", str(target)], capture_output=True).returncode == 0
    if not ok:
        subprocess.run(["umount", str(target)], capture_output=True)
        pytest.skip("cannot make a read-only place here (root without mount)")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


READING = {
    "unit list": lambda m, out: ["unit", "list"],
    "assessment show": lambda m, out: ["assessment", "show", m["aid"]],
    "db check": lambda m, out: ["db", "check"],
    "bundle keys": lambda m, out: ["bundle", "keys"],
    "bundle export": lambda m, out: ["bundle", "export", "--kind", "submission", m["aid"], "--out", out / "e.dabiao"],
    "bundle import --dry-run": lambda m, out: ["bundle", "import", m["bundle"], "--dry-run"],
    "bundle received": lambda m, out: ["bundle", "received"],
    "assessment list": lambda m, out: ["assessment", "list"],
    "report gap": lambda m, out: ["report", "gap", m["aid"], "--out", out / "差距.pdf"],
    "report summary": lambda m, out: ["report", "summary", "--year", "2027", "--out", out / "汇总.xlsx"],
}
WRITING = {
    "unit add": lambda m, out: ["unit", "add", "新镇", "--type", "town"],
    "assessment new": lambda m, out: ["assessment", "new", "--unit", "城关镇", "--checklist", "city-2027-town",
                                      "--year", "2028"],
    "assessment submit": lambda m, out: ["assessment", "submit", m["aid"]],
    "bundle import": lambda m, out: ["bundle", "import", m["bundle"]],
    "bundle name": lambda m, out: ["bundle", "name", "新名字"],
}


@pytest.mark.parametrize("case", list(READING) + list(WRITING))
def test_read_only_workspace_reads_and_refuses_writes_in_one_line(case, made, ws_copy, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    before = file_hashes(ws_copy)
    with read_only(ws_copy) as place:
        argv = (READING.get(case) or WRITING[case])(made, out)
        code, stdout, err = cli(capsys, "--data-dir", place, *argv)
        if case in READING:
            assert code == 0, err
            if case == "db check":
                assert "通过" in stdout
        else:
            assert code == 1 and len(err.strip().splitlines()) == 1 and "只读" in err, err
        with Workspace.open(place) as ws:
            assert ws.readonly and "只读" in ws.readonly_reason
    assert file_hashes(ws_copy) == before


def test_read_only_place_with_a_pending_wal_shows_the_last_changes(made, ws_copy, tmp_path, capsys):
    """A stick pulled out while Dabiao ran: the -wal holds the last saved changes and the
    stick is now write-protected. They are shown (from a temporary copy), nothing written."""
    ws = open_ws(ws_copy)
    ws.db.execute("PRAGMA wal_autocheckpoint = 0")
    units.add_unit(ws, "河口镇", "town")
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for p in ws_copy.iterdir():
        if p.name not in ("dabiao.sqlite-shm", "dabiao.lock"):
            (shutil.copytree if p.is_dir() else shutil.copyfile)(p, crashed / p.name)
    ws.close()
    assert (crashed / "dabiao.sqlite-wal").stat().st_size > 0
    before = file_hashes(crashed)
    with read_only(crashed) as place:
        for _ in range(2):
            code, out, err = cli(capsys, "--data-dir", place, "unit", "list")
            assert code == 0 and "河口镇" in out, err
    assert file_hashes(crashed) == before


# ---------------------------------------------------------------------- damaged databases


def _zero(folder):
    (folder / "dabiao.sqlite").write_bytes(b"")


def _truncate(folder):
    db = folder / "dabiao.sqlite"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


def _garbage_header(folder):
    db = folder / "dabiao.sqlite"
    raw = bytearray(db.read_bytes())
    raw[:16] = b"\0" * 16
    db.write_bytes(bytes(raw))


def _missing(folder):
    (folder / "dabiao.sqlite").unlink()


def _foreign(folder):
    db = folder / "dabiao.sqlite"
    db.unlink()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()


def _folder_as_db(folder):
    db = folder / "dabiao.sqlite"
    db.unlink()
    db.mkdir()


DAMAGED = {"0 bytes": _zero, "truncated to half": _truncate, "header destroyed": _garbage_header,
           "database missing, backups there": _missing, "another program's database": _foreign,
           "a folder named dabiao.sqlite": _folder_as_db}


@pytest.mark.parametrize("case", list(DAMAGED))
def test_damaged_database_is_never_reinitialised(case, made, ws_copy, capsys):
    DAMAGED[case](ws_copy)
    good = sorted((ws_copy / "backups").glob("dabiao-*.sqlite"))[-1]
    before = file_hashes(ws_copy)
    for argv in (["unit", "list"], ["unit", "add", "x", "--type", "town"], ["db", "check"]):
        code, out, err = cli(capsys, "--data-dir", ws_copy, *argv)
        assert code == 1 and len(err.strip().splitlines()) == 1, err
        if case != "a folder named dabiao.sqlite":
            assert good.name in err and "未作任何改动" in err, err
    with pytest.raises(StorageError) as exc:
        Workspace.open(ws_copy)
    if isinstance(exc.value, DamagedWorkspace):
        assert exc.value.good_backup == good
    assert file_hashes(ws_copy) == before


def test_an_empty_database_in_a_fresh_folder_is_still_created(tmp_path):
    folder = tmp_path / "new"
    folder.mkdir()
    (folder / "dabiao.sqlite").write_bytes(b"")
    with open_ws(folder) as ws:
        units.add_unit(ws, "某县", "county")


def test_rotation_never_drops_the_last_good_backup(made, ws_copy):
    with open_ws(ws_copy) as ws:
        good = backup.backups(ws)[-1]
        ws.db.execute("PRAGMA foreign_keys = OFF")
        for table in ("answers", "assessments", "units"):
            ws.db.execute(f"DELETE FROM {table}")
        for _ in range(backup.KEEP + 3):
            backup.make_backup(ws)
        kept = backup.backups(ws)
        assert good in kept and len(kept) == backup.KEEP + 1
        units.add_unit(ws, "又有数据了", "county")   # a good backup again: the old one may go
        backup.make_backup(ws)
        assert good not in backup.backups(ws) and len(backup.backups(ws)) == backup.KEEP


# ---------------------------------------------------------------------- a deleted -wal


def test_check_reports_a_database_older_than_its_backup(made, ws_copy, tmp_path):
    """Changes committed into the -wal, backed up, then the -wal deleted (as the old
    by-hand restore said): SQLite finds nothing wrong; db check does."""
    ws = open_ws(ws_copy)
    ws.db.execute("PRAGMA wal_autocheckpoint = 0")
    units.add_unit(ws, "河口镇", "town")
    backup.make_backup(ws)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for p in ws_copy.iterdir():   # the folder as a crash leaves it, minus the -wal
        if p.name in ("dabiao.sqlite-wal", "dabiao.sqlite-shm", "dabiao.lock"):
            continue
        (shutil.copytree if p.is_dir() else shutil.copyfile)(p, crashed / p.name)
    ws.close()
    with open_ws(crashed) as lost:
        assert not any(u["name"] == "河口镇" for u in units.list_units(lost))
        problems = check.check_workspace(lost)
    assert any("比备份" in p and "-wal" in p for p in problems), problems


# ---------------------------------------------------------------------- damaged records


def _flip_criteria(folder, aid):
    conn = sqlite3.connect(folder / "dabiao.sqlite")
    conn.execute("UPDATE checklists SET source_text = CAST(substr(CAST(source_text AS BLOB), 1, 200) || x'ff' || "
                 "substr(CAST(source_text AS BLOB), 202) AS TEXT) WHERE id = 'city-2027-town'")
    conn.commit()
    conn.close()
    return "city-2027-town"


def _flip_event(folder, aid):
    conn = sqlite3.connect(folder / "dabiao.sqlite")
    seq = conn.execute("SELECT max(seq) FROM events WHERE assessment_id = ?", [aid]).fetchone()[0]
    conn.execute("UPDATE events SET detail = CAST(x'7bff22' || substr(CAST(detail AS BLOB), 3) AS TEXT) "
                 "WHERE seq = ?", [seq])
    conn.commit()
    conn.close()
    return f"第 {seq} 条"


FLIPPED = {"criteria text": _flip_criteria, "event detail": _flip_event}


@pytest.mark.parametrize("case", list(FLIPPED))
def test_flipped_byte_names_the_record_and_the_rest_works(case, made, ws_copy, capsys):
    named = FLIPPED[case](ws_copy, made["aid"])
    code, out, err = cli(capsys, "--data-dir", ws_copy, "db", "check")
    assert code == 1 and named in err, err
    code, out, err = cli(capsys, "--data-dir", ws_copy, "unit", "list")
    assert code == 0 and "城关镇" in out
    code, out, err = cli(capsys, "--data-dir", ws_copy, "bundle", "export", "--kind", "submission", made["aid"],
                         "--out", ws_copy.parent / "out.dabiao")
    assert code == 1 and len(err.strip().splitlines()) == 1 and named in err and "损坏" in err, err
    assert not (ws_copy.parent / "out.dabiao").exists()
    code, out, err = cli(capsys, "--data-dir", ws_copy, "assessment", "show", made["aid"])
    if case == "criteria text":
        assert code == 1 and len(err.strip().splitlines()) == 1 and named in err and "损坏" in err, err
    else:
        assert code == 0, err
        from storage import audit

        with open_ws(ws_copy) as ws:
            assert any("damaged" in e["detail"] for e in audit.events_for(ws.db, made["aid"]))


# ---------------------------------------------------------------------- the lock


def test_lock_that_is_a_folder_is_one_line(made, ws_copy, capsys):
    (ws_copy / "dabiao.lock").mkdir()
    before = file_hashes(ws_copy)
    code, out, err = cli(capsys, "--data-dir", ws_copy, "unit", "add", "x", "--type", "town")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "dabiao.lock" in err and "文件夹" in err
    assert file_hashes(ws_copy) == before


def test_deleting_the_lock_file_does_not_let_a_second_writer_in(made, ws_copy):
    with open_ws(ws_copy):
        (ws_copy / "dabiao.lock").unlink()
        with pytest.raises(WorkspaceLocked):
            Workspace.open(ws_copy, wait=0.2)


def test_reading_commands_run_while_the_app_holds_the_workspace(made, ws_copy, capsys):
    held = WorkspaceLock(ws_copy)
    held.acquire()
    try:
        before = file_hashes(ws_copy)
        code, out, err = cli(capsys, "--data-dir", ws_copy, "unit", "list")
        assert code == 0 and "城关镇" in out
        code, out, err = cli(capsys, "--data-dir", ws_copy, "bundle", "import", made["bundle"], "--dry-run")
        assert code == 0, err
        code, out, err = cli(capsys, "--data-dir", ws_copy, "unit", "add", "x", "--type", "town")
        assert code == 1 and len(err.strip().splitlines()) == 1 and "另一个达标程序" in err
        code, out, err = cli(capsys, "--data-dir", ws_copy, "bundle", "import", made["bundle"])
        assert code == 1 and len(err.strip().splitlines()) == 1
        # (a reader leaves SQLite's own -wal / -shm beside a database that had none: the
        # app holding the workspace has them anyway)
        transient = ("dabiao.lock", "dabiao.sqlite-wal", "dabiao.sqlite-shm")
        assert [f for f in file_hashes(ws_copy) if f[0] not in transient] == \
               [f for f in before if f[0] not in transient]
        code, out, err = cli(capsys, "--data-dir", ws_copy, "db", "backup")
        assert code == 0, err
    finally:
        held.release()


# ---------------------------------------------------------------------- leftovers of killed imports


def test_leftovers_of_a_killed_import_are_removed_on_the_next_open(made, ws_copy):
    stage = ws_copy / ".incoming" / "0123abcd"
    stage.mkdir(parents=True)
    (stage / "x.jpg").write_bytes(b"\0" * 1000)
    sub = next(p for p in (ws_copy / "evidence").iterdir() if p.is_dir()) if any(
        (ws_copy / "evidence").iterdir()) else (ws_copy / "evidence" / "ab")
    sub.mkdir(exist_ok=True)
    partial = sub / ".abc.jpg.1234.tmp"
    partial.write_bytes(b"half")
    with open_ws(ws_copy):
        pass
    assert not (ws_copy / ".incoming").exists() and not partial.exists()


@contextmanager
def full_disk(tmp_path: Path):
    """A folder on a tiny file system that is already full (root: a 64 KB tmpfs)."""
    place = tmp_path / "full"
    place.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(place)],
                                           capture_output=True).returncode != 0:
        pytest.skip("cannot make a full file system here")
    try:
        fd = os.open(place / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        filler = place / "filler"
        os.truncate(filler, max(filler.stat().st_size - 1024, 0))  # less than a page left: nothing fits
        yield place
    finally:
        subprocess.run(["umount", str(place)], check=True)


FULL = {
    "report gap": lambda m, out: ["report", "gap", m["aid"], "--out", out / "差距.pdf"],
    "report summary xlsx": lambda m, out: ["report", "summary", "--year", "2027", "--out", out / "汇总.xlsx"],
    "report blank": lambda m, out: ["report", "blank", "city-2027-town", "--out", out / "空白.pdf"],
    "checklist convert": lambda m, out: ["checklist", "convert", checklist_store.bundled_files()[0], "--out",
                                         out / "标准.xlsx"],
    "bundle export": lambda m, out: ["bundle", "export", "--kind", "submission", m["aid"], "--out", out / "s.dabiao"],
}


@pytest.mark.parametrize("case", list(FULL))
def test_writing_to_a_full_disk_is_one_line(case, made, ws_copy, tmp_path, capsys):
    before = file_hashes(ws_copy)
    with full_disk(tmp_path) as out:
        code, stdout, err = cli(capsys, "--data-dir", ws_copy, *FULL[case](made, out))
        assert code == 1 and "磁盘已满" in err, err
        assert len([line for line in err.strip().splitlines() if not line.startswith("注意")]) == 1, err
        assert sorted(p.name for p in out.iterdir()) == ["filler"]   # nothing half-written left
    transient = ("dabiao.lock", "dabiao.sqlite-wal", "dabiao.sqlite-shm", "derived/", "backups/")
    assert [f for f in file_hashes(ws_copy) if not f[0].startswith(transient)] == \
           [f for f in before if not f[0].startswith(transient)]


@pytest.mark.parametrize("side", [(10000, 9800), (10000, 10100)])
def test_photo_limit_is_the_documented_100_megapixels(side):
    """A 98 MP PNG is a photo (Pillow alone would call it a bomb); 101 MP is refused."""
    import io

    from PIL import Image

    from storage.photos import PhotoRefused, prepare_photo

    buf = io.BytesIO()
    Image.new("1", side).save(buf, "PNG")
    w, h = side
    if w * h <= 100_000_000:
        assert (prepare_photo(buf.getvalue()).width, prepare_photo(buf.getvalue()).height) == side
    else:
        with pytest.raises(PhotoRefused, match="解压炸弹|尺寸异常"):
            prepare_photo(buf.getvalue())
