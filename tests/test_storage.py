"""The workspace: schema, locking, backups, records, status flow, audit chain."""

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from fractions import Fraction

import pytest

from checklists.library import bundled_files
from storage import Workspace, actions, assessments, audit, backup, checklist_store, units
from storage import answer_store
from storage.check import check_workspace
from storage.restore import restore_backup
from storage.errors import LockedAnswers, StorageError

from conftest import ROOT
from wsutil import open_ws, town_assessment


def test_new_workspace_has_schema_wal_and_foreign_keys(tmp_path):
    with open_ws(tmp_path) as ws:
        assert ws.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert {"units", "assessments", "answers", "evidence", "attachments", "actions", "events"} <= set(
            ws.db.table_names())
    for sub in ("evidence", "derived", "backups"):
        assert (tmp_path / sub).is_dir()


def test_workspace_from_newer_version_is_refused_untouched(tmp_path):
    with open_ws(tmp_path) as ws:
        ws.db["_sqlite_migrations"].insert({"migration_set": "dabiao", "name": "m999_future",
                                            "applied_at": "2030-01-01"})
    before = (tmp_path / "dabiao.sqlite").read_bytes()
    with pytest.raises(StorageError, match="更新版本"):
        Workspace.open(tmp_path, backup=False)
    assert (tmp_path / "dabiao.sqlite").read_bytes() == before


def test_older_workspace_is_upgraded(tmp_path):
    """A database made by an older version (fewer migrations) is upgraded on open."""
    from sqlite_utils import Database

    from storage import schema

    names = [m.name for m in schema.migrations._migrations]
    assert len(names) >= 2
    old = Database(tmp_path / "dabiao.sqlite")
    schema.migrations.apply(old, stop_before=names[-1])
    assert [m.name for m in schema.migrations.applied(old)] == names[:-1]
    old.close()
    with open_ws(tmp_path) as ws:
        assert [m.name for m in schema.migrations.applied(ws.db)] == names


def test_second_process_is_refused_naming_the_holder(tmp_path):
    ws = open_ws(tmp_path)
    try:
        code = textwrap.dedent(f"""
            import sys; sys.path.insert(0, {str(ROOT)!r})
            from storage import Workspace
            from storage.errors import WorkspaceLocked
            try:
                Workspace.open({str(tmp_path)!r}, wait=0.2)
            except WorkspaceLocked as exc:
                print("LOCKED", exc); sys.exit(3)
            """)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert out.returncode == 3, out.stderr
        assert "正被另一个达标程序使用" in out.stdout and str(tmp_path) in out.stdout
        # read-only access still works while it is locked
        ro = Workspace.open(tmp_path, readonly=True)
        assert ro.db["units"].count == 0
        with pytest.raises(StorageError, match="只读"):
            units.add_unit(ro, "x", "town")
        ro.close()
    finally:
        ws.close()
    open_ws(tmp_path).close()  # released


def test_lock_is_released_when_the_holder_dies(tmp_path):
    code = textwrap.dedent(f"""
        import os, sys; sys.path.insert(0, {str(ROOT)!r})
        from storage import Workspace
        Workspace.open({str(tmp_path)!r}, backup=False)
        os._exit(9)  # crash without closing
        """)
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 9
    open_ws(tmp_path).close()


def test_checklist_versions_are_kept_and_pinned(tmp_path, write):
    base = (ROOT / "checklists/library/prov-2027-town.yaml").read_text(encoding="utf-8")
    with open_ws(tmp_path / "ws") as ws:
        a = town_assessment(ws, "prov-2027-town")
        answer_store.set_answer(ws, a["id"], "1.2", "self", True)
        before = answer_store.score_assessment(ws, a["id"]).to_json()
        # a newer version with 1.2 worth more: the old assessment still scores the same
        newer = base.replace('version: "2027.1"', 'version: "2027.2"')
        path = write("prov-2.yaml", newer)
        row, added = checklist_store.import_checklist_file(ws, path)
        assert added and row["version"] == "2027.2"
        assert answer_store.score_assessment(ws, a["id"]).to_json() == before
        # same text twice: no-op; different text under the same version: refused
        assert checklist_store.import_checklist_file(ws, path)[1] is False
        changed = write("prov-3.yaml", newer.replace("某省军区", "另一个省军区", 1))
        with pytest.raises(StorageError, match="内容不同"):
            checklist_store.import_checklist_file(ws, changed)
        assert {r["version"] for r in checklist_store.list_checklists(ws) if r["id"] == "prov-2027-town"} == {
            "2027.1", "2027.2"}


def test_units_tree_and_unique_names(tmp_path):
    with open_ws(tmp_path) as ws:
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"])
        units.add_unit(ws, "城关镇民兵连", "militia", town["id"])
        with pytest.raises(StorageError, match="已存在"):
            units.add_unit(ws, "城关镇", "town", county["id"])
        with pytest.raises(StorageError, match="类型"):
            units.add_unit(ws, "x", "village")
        rows = units.list_units(ws)
        assert [(r["name"], r["depth"]) for r in rows] == [("某县", 0), ("城关镇", 1), ("城关镇民兵连", 2)]


def test_answers_are_validated_saved_and_scored(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        answer_store.set_answer(ws, a["id"], "1.1", "self", 4, note="全年4次")
        answer_store.set_answer(ws, a["id"], "2.3", "self", Fraction(1))
        with pytest.raises(StorageError, match="1.2"):
            answer_store.set_answer(ws, a["id"], "1.2", "self", "maybe")
        with pytest.raises(StorageError, match="不在标准"):
            answer_store.set_answer(ws, a["id"], "99.9", "self", True)
        got = answer_store.get_answer(ws, a["id"], "1.1", "self")
        assert got["value"] == 4 and got["note"] == "全年4次" and got["rev"] == 1
        answer_store.set_answer(ws, a["id"], "1.1", "self", 2)
        got = answer_store.get_answer(ws, a["id"], "1.1", "self")
        assert got["value"] == 2 and got["note"] == "全年4次" and got["rev"] == 2
        result = answer_store.score_assessment(ws, a["id"])
        assert result.items["1.1"].score > 0
        answer_store.set_answer(ws, a["id"], "1.1", "self", None)
        assert answer_store.score_assessment(ws, a["id"]).items["1.1"].status == "unanswered"


def test_submit_locks_self_answers_and_unlock_needs_a_reason(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        answer_store.set_answer(ws, a["id"], "1.2", "self", True)
        assessments.set_status(ws, a["id"], "submitted")
        with pytest.raises(LockedAnswers, match="锁定"):
            answer_store.set_answer(ws, a["id"], "1.2", "self", False)
        # the inspector can answer; the first review answer moves it to reviewing
        answer_store.set_answer(ws, a["id"], "1.2", "review", False)
        assert assessments.get_assessment(ws, a["id"])["status"] == "reviewing"
        with pytest.raises(StorageError, match="原因"):
            assessments.unlock(ws, a["id"], " ")
        assessments.unlock(ws, a["id"], "补充会议纪要")
        assert assessments.get_assessment(ws, a["id"])["status"] == "draft"
        answer_store.set_answer(ws, a["id"], "1.2", "self", False)
        events = audit.events_for(ws.db, a["id"])
        unlock = [e for e in events if e["action"] == "unlock"]
        assert unlock and unlock[0]["detail"]["reason"] == "补充会议纪要"
        with pytest.raises(StorageError, match="不能从"):
            assessments.set_status(ws, a["id"], "final")


def test_every_change_writes_an_audit_event_with_old_and_new(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        n = ws.db["events"].count
        answer_store.set_answer(ws, a["id"], "1.2", "self", True)
        answer_store.set_answer(ws, a["id"], "1.2", "self", False)
        events = list(ws.db.query("SELECT * FROM events ORDER BY seq"))[n:]
        assert len(events) == 2
        second = audit.events_for(ws.db, a["id"])[-1]
        assert second["detail"]["old"]["value"] == "true" and second["detail"]["new"]["value"] == "false"
        assert second["who"] == ws.who


def test_audit_chain_detects_edits_and_deletions(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        for v in (True, False, True):
            answer_store.set_answer(ws, a["id"], "1.2", "self", v)
        assert check_workspace(ws) == []
        ws.db.execute("UPDATE events SET who = 'mallory' WHERE seq = 3")
        ws.db.conn.commit()
        assert any("第 3 条内容被改动" in p for p in check_workspace(ws))
    with open_ws(tmp_path) as ws:
        ws.db.execute("UPDATE events SET who = (SELECT who FROM events WHERE seq = 2) WHERE seq = 3")
        last = ws.db.execute("SELECT max(seq) FROM events").fetchone()[0]
        ws.db.execute("DELETE FROM events WHERE seq = ?", [last])
        ws.db.conn.commit()
        assert any("末尾记录缺失" in p for p in check_workspace(ws))


def test_actions_and_carry_forward(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws, year=2026)
        act = actions.add_action(ws, a["id"], "1.1", "每季度召开议军会议", "张部长", "2026-12-31")
        with pytest.raises(StorageError, match="日期"):
            actions.add_action(ws, a["id"], "1.1", "x", due_date="31/12/2026")
        done = actions.add_action(ws, a["id"], "1.2", "补任职命令")
        actions.update_action(ws, done["id"], status="done")
        b = assessments.new_assessment(ws, a["unit_id"], "city-2027-town", None, 2027)
        assert actions.carry_forward(ws, a["id"], b["id"]) == 1
        assert actions.carry_forward(ws, a["id"], b["id"]) == 0
        carried = actions.list_actions(ws, assessment_id=b["id"])
        assert [(x["code"], x["carried_from"]) for x in carried] == [("1.1", act["id"])]
        assert actions.get_action(ws, done["id"])["closed_at"]


def test_start_from_last_year_copies_self_answers(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws, year=2026)
        answer_store.set_answer(ws, a["id"], "1.2", "self", True, note="有命令")
        answer_store.set_answer(ws, a["id"], "1.1", "self", 4)
        b = assessments.new_assessment(ws, a["unit_id"], "city-2027-town", None, 2027)
        assert answer_store.copy_from(ws, a["id"], b["id"]) == 2
        assert answer_store.get_answer(ws, b["id"], "1.2", "self")["note"] == "有命令"
        assert assessments.get_assessment(ws, b["id"])["baseline_id"] == a["id"]


def test_backup_and_restore(tmp_path):
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
        answer_store.set_answer(ws, a["id"], "1.2", "self", True)
        saved = backup.make_backup(ws)
        answer_store.set_answer(ws, a["id"], "1.2", "self", False)
    check = sqlite3.connect(saved)
    assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check.close()
    restore_backup(folder, saved)
    with open_ws(folder) as ws:
        assert answer_store.get_answer(ws, a["id"], "1.2", "self")["value"] is True


def test_daily_backup_on_open_keeps_last_n(tmp_path):
    folder = tmp_path / "ws"
    with Workspace.open(folder) as ws:
        town_assessment(ws)
    with Workspace.open(folder) as ws:
        assert len(backup.backups(ws)) == 1  # first open with data backs up
    with Workspace.open(folder) as ws:
        assert len(backup.backups(ws)) == 1  # not again the same day
        for _ in range(backup.KEEP + 3):
            backup.make_backup(ws)
        assert len(backup.backups(ws)) == backup.KEEP


def test_overlay_workbook_is_stored_as_an_overlay(tmp_path):
    """An .xlsx city overlay keeps `extends` and each item's source in the workspace."""
    import main as app_main

    xlsx = tmp_path / "city.xlsx"
    assert app_main.main(["checklist", "convert", str(ROOT / "checklists/library/city-2027-town.yaml"),
                          "--out", str(xlsx)]) == 0
    with open_ws(tmp_path / "ws") as ws:
        row, added = checklist_store.import_checklist_file(ws, xlsx)
        assert added and row["extends_id"] == "prov-2027-town"
        merged = checklist_store.load(ws, "city-2027-town", "1")
        assert merged.item("C1.1").source.label == "市标" and merged.item("1.1").source.label == "省标"


def test_bundled_criteria_are_not_reparsed_on_every_open(tmp_path, monkeypatch):
    with open_ws(tmp_path) as ws:
        assert checklist_store.ensure_bundled(ws) > 0 and ws.db["checklists"].count == len(bundled_files())
        calls = []
        monkeypatch.setattr(checklist_store, "import_checklist_file", lambda *a, **k: calls.append(a))
        assert checklist_store.ensure_bundled(ws) == 0 and calls == []


def test_review_documents_default_to_the_units_ticks(tmp_path):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws, "prov-2027-town")
        answer_store.set_answer(ws, a["id"], "1.1", "self", 1, documents=["党委会议记录"])
        assessments.set_status(ws, a["id"], "submitted")
        answer_store.set_answer(ws, a["id"], "1.1", "review", 1)
        gap = {g.code: g for g in answer_store.score_assessment(ws, a["id"], "review").gap}
        assert "党委会议记录" not in gap["1.1"].missing_documents
        answer_store.set_answer(ws, a["id"], "1.1", "review", 1, documents=[])
        gap = {g.code: g for g in answer_store.score_assessment(ws, a["id"], "review").gap}
        assert "党委会议记录" in gap["1.1"].missing_documents


def test_worker_connection_shares_the_workspace(tmp_path):
    import threading

    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        errors = []

        def work():
            other = ws.for_thread()
            try:
                answer_store.set_answer(other, a["id"], "1.2", "self", True)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                other.close()

        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert errors == [] and answer_store.get_answer(ws, a["id"], "1.2", "self")["value"] is True
        assert check_workspace(ws) == []


def test_overlay_workbook_finds_its_base_in_the_workspace(tmp_path):
    """A city overlay workbook whose base exists only in the workspace (not beside it)."""
    import main as app_main

    base_text = (ROOT / "checklists/library/prov-2027-town.yaml").read_text(encoding="utf-8")
    base_text = base_text.replace("id: prov-2027-town", "id: prov-x").replace('version: "2027.1"', 'version: "9"')
    overlay = (ROOT / "checklists/library/city-2027-town.yaml").read_text(encoding="utf-8")
    overlay = overlay.replace('{id: prov-2027-town, version: "2027.1"}', '{id: prov-x, version: "9"}')
    assert "prov-x" in overlay
    src = tmp_path / "src"
    src.mkdir()
    (src / "base.yaml").write_text(base_text, encoding="utf-8")
    (src / "city.yaml").write_text(overlay, encoding="utf-8")
    xlsx = tmp_path / "xl" / "city.xlsx"
    xlsx.parent.mkdir()
    assert app_main.main(["checklist", "convert", str(src / "city.yaml"), "--out", str(xlsx)]) == 0
    with open_ws(tmp_path / "ws") as ws:
        checklist_store.import_checklist_file(ws, src / "base.yaml")
        assert checklist_store.check_file(ws, xlsx).extends == ("prov-x", "9")
        row, added = checklist_store.import_checklist_file(ws, xlsx)
        assert added and row["extends_id"] == "prov-x"


# ---------------------------------------------------------------- start-up costs

def test_reopening_reads_without_sqlite_utils_yaml_or_pillow(tmp_path):
    """What opening the app does (open, migrations check, daily backup, bundled criteria,
    the units and assessments, a score, remembering the last assessment) loads none of the
    heavy libraries once the workspace is set up: they are imported when first needed."""
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
        answer_store.set_answer(ws, a["id"], "1.2", "self", True)
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from storage import Workspace, answer_store, assessments, checklist_store, evidence, units
        ws = Workspace.open({str(folder)!r})
        assert checklist_store.ensure_bundled(ws) == 0
        units.list_units(ws)
        a = assessments.list_assessments(ws)[0]
        assert answer_store.score_assessment(ws, a["id"], "self").items["1.2"].status == "full"
        evidence.list_evidence(ws, a["id"])
        ws.set_meta("ui.last_assessment", a["id"])
        ws.close()
        heavy = ("sqlite_utils", "yaml", "PIL", "pillow_heif", "openpyxl", "reportlab", "cryptography")
        print(sorted(m for m in heavy if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr
    with open_ws(folder) as ws:
        assert ws.meta("ui.last_assessment") == a["id"]


def test_criteria_parse_results_are_kept_exactly(tmp_path, monkeypatch):
    from checklists.source import document_from_json, document_to_json, parse_document

    def same(x, y):
        assert type(x) is type(y), (x, y)
        if isinstance(x, dict):
            assert [(type(k), k) for k in x] == [(type(k), k) for k in y]
            for k in x:
                same(x[k], y[k])
        elif isinstance(x, list):
            assert len(x) == len(y)
            for i, j in zip(x, y):
                same(i, j)
        else:
            assert x == y

    for path in sorted((ROOT / "checklists/library").glob("*.yaml")):
        doc = parse_document(path.read_text(encoding="utf-8"), path.name)
        back = document_from_json(document_to_json(doc), path.name)
        same(doc.data, back.data)
        assert back.lines == doc.lines and back.problems == [] and back.name == path.name
    dated = parse_document("format: x\nwhen: 2027-01-01\n", "d.yaml")
    assert document_to_json(dated) is None  # a date JSON cannot give back: not kept
    assert document_from_json("{}", "x.yaml") is None and document_from_json("not json", "x.yaml") is None

    with open_ws(tmp_path / "ws") as ws:
        a = town_assessment(ws)  # city-2027-town, an overlay of prov-2027-town: two texts
        kept = sorted((tmp_path / "ws" / "derived" / "criteria").glob("*.json"))
        assert len(kept) == 2
        first = checklist_store.load(ws, a["checklist_id"], a["checklist_version"])
        checklist_store._load_cached.cache_clear()

        def no_parsing(text, name):
            raise AssertionError(f"{name} parsed again")

        monkeypatch.setattr(checklist_store, "parse_document", no_parsing)
        again = checklist_store.load(ws, a["checklist_id"], a["checklist_version"])
        assert again == first and again is not first
        kept[0].write_text("damaged", encoding="utf-8")
        checklist_store._load_cached.cache_clear()
        monkeypatch.undo()
        assert checklist_store.load(ws, a["checklist_id"], a["checklist_version"]) == first
        assert document_from_json(kept[0].read_text(encoding="utf-8"), "x") is not None  # kept again


def test_database_reads_and_transactions_without_sqlite_utils(tmp_path):
    with open_ws(tmp_path) as ws:
        db = ws.db
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO t (name) VALUES ('a')")  # outside a transaction: committed at once
        assert not db.conn.in_transaction
        with pytest.raises(RuntimeError):
            with db.atomic():
                db.execute("INSERT INTO t (name) VALUES ('b')")
                raise RuntimeError
        with db.atomic():
            db.execute("INSERT INTO t (name) VALUES ('c')")
            with pytest.raises(RuntimeError):
                with db.atomic():  # a savepoint: only its own change is undone
                    db.execute("INSERT INTO t (name) VALUES ('d')")
                    raise RuntimeError
        assert [r["name"] for r in db.query("SELECT name FROM t ORDER BY id")] == ["a", "c"]
        assert list(db.query("SELECT 1 AS x, 2 AS x")) == [{"x": 1, "x_2": 2}]
        db["t"].insert({"name": "e"})  # sqlite-utils' table helpers, on the same connection
        assert db["t"].count == 3 and db.table_exists("t") and not db.table_exists("nope")
        assert "t" in db.table_names()


def test_an_edit_is_not_lost_when_another_connection_commits_between_its_read_and_write(tmp_path):
    """A worker thread (badge scores, photo import) commits while the UI saves an answer:
    the save read the old answer, then writes. With a deferred BEGIN SQLite refuses that
    write at once (SQLITE_BUSY: the snapshot is stale) and the edit was lost; a workspace
    transaction takes the write lock at BEGIN, so the other writer waits its turn instead."""
    import threading

    with open_ws(tmp_path) as ws:
        ws.db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        worker = ws.for_thread()
        done = []

        def other_writer():
            worker.db.execute("INSERT INTO t (name) VALUES ('worker')")
            done.append(True)

        with ws.transaction() as db:
            assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 0  # the read
            thread = threading.Thread(target=other_writer)
            thread.start()
            thread.join(0.3)  # the worker commits now, unless the save holds the write lock
            db.execute("INSERT INTO t (name) VALUES ('ui')")  # the write of the same save
        thread.join(10)
        worker.close()
        assert done
        assert sorted(r[0] for r in ws.db.execute("SELECT name FROM t")) == ["ui", "worker"]


def test_backup_into_a_blocked_folder_is_one_line(tmp_path):
    """`backups` taken by a file: the backup fails with the usual one line, not an OSError."""
    with open_ws(tmp_path) as ws:
        shutil.rmtree(ws.folder / "backups", ignore_errors=True)
        (ws.folder / "backups").write_text("not a folder")
        with pytest.raises(StorageError, match="备份失败"):
            backup.make_backup(ws)
