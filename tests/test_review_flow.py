"""Issue 12 in storage and on the command line: an unfinished review is marked reviewed or
signed only with a confirmation the log keeps; 采用自评 takes the unit's values as the
inspector's in one transaction; notes, conclusion, sign-off and corrective actions run
headless; backups are listed and restored (the current state kept first); a photo import
stopped half way is reported with what went in. (The README's commands: test_docs.py.)"""

from __future__ import annotations

import json
import re
import sqlite3
from fractions import Fraction
from pathlib import Path

import pytest

import main as app_main
from storage import Workspace, actions, assessments, audit, backup, evidence, import_journal
from storage import answer_store
from storage.errors import IncompleteReview, LockedAnswers, StorageError

from review_ws import aid, template, ws, ws_dir  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parent.parent


def last_event(ws, action=None):
    sql = "SELECT * FROM events" + (" WHERE action = ?" if action else "") + " ORDER BY seq DESC LIMIT 1"
    row = next(ws.db.query(sql, [action] if action else []))
    row["detail"] = json.loads(row["detail"])
    return row


def run(capsys, *argv):
    code = app_main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- statuses mean what they say

def test_unanswered_lists_items_in_checklist_order(ws, aid):
    checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, aid))
    codes = [i.code for i in checklist.items()]
    missing = assessments.unanswered(ws, aid, "review")
    assert [c for c, _ in missing] == codes  # nothing reviewed yet
    assert all(title for _, title in missing)
    own = [c for c, _ in assessments.unanswered(ws, aid, "self")]
    assert "1.1" not in own and "1.2" not in own
    assert len(own) == len(codes) - len(answer_store.list_answers(ws, aid, "self"))


def test_marking_an_incomplete_review_reviewed_needs_a_logged_confirmation(ws, aid):
    answer_store.set_answer(ws, aid, "1.2", "review", True)
    with pytest.raises(IncompleteReview) as caught:
        assessments.set_status(ws, aid, "reviewed")
    missing = caught.value.items
    assert missing and missing[0][0] == "1.1" and "1.2" not in [c for c, _ in missing]
    assert "没有考评结果" in str(caught.value) and "1.1" in str(caught.value)
    assert assessments.get_assessment(ws, aid)["status"] == "reviewing"  # unchanged
    a = assessments.set_status(ws, aid, "reviewed", confirm_incomplete=True)
    assert a["status"] == "reviewed"
    event = last_event(ws, "status")
    assert event["detail"]["new"] == "reviewed" and event["detail"]["confirm_incomplete"] is True
    assert event["detail"]["unanswered"] == [c for c, _ in missing]
    assert not audit.verify(ws.db)


def test_a_complete_review_needs_no_confirmation(ws, aid):
    import random

    from storage.generate import random_value

    checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, aid))
    rnd = random.Random(12)
    with ws.transaction():
        for item in checklist.items():
            answer_store.set_answer(ws, aid, item.code, "review", random_value(item, rnd))
    assert assessments.unanswered(ws, aid, "review") == []
    assessments.set_status(ws, aid, "reviewed")
    assert "confirm_incomplete" not in last_event(ws, "status")["detail"]


def test_signing_off_an_incomplete_review_needs_a_logged_confirmation(ws, aid):
    # the conclusion alone is not a signature
    assessments.update_review_info(ws, aid, conclusion="基本达标", reviewer="考评组 王五")
    with pytest.raises(IncompleteReview):
        assessments.update_review_info(ws, aid, signed_by="王五", signed_at="2027-11-20")
    assert assessments.get_assessment(ws, aid)["signed_at"] is None
    with pytest.raises(IncompleteReview):
        assessments.conclude(ws, aid, "基本达标", "王五")
    a = assessments.conclude(ws, aid, "基本达标，限期整改", "王五", signed_at="2027-11-20", confirm_incomplete=True)
    assert (a["conclusion"], a["signed_by"], a["signed_at"]) == ("基本达标，限期整改", "王五", "2027-11-20")
    event = last_event(ws, "info")
    assert event["detail"]["confirm_incomplete"] is True and "1.1" in event["detail"]["unanswered"]
    assert event["detail"]["signed_by"] == {"old": None, "new": "王五"}


# ---------------------------------------------------------------- 采用自评

def test_adopt_self_takes_the_units_values_as_the_inspectors(ws, aid, monkeypatch):
    monkeypatch.setattr(ws, "who", "考评员李四")
    answer_store.set_answer(ws, aid, "1.2", "review", False)  # already reviewed: kept
    before = ws.db.execute("SELECT max(seq) FROM events").fetchone()[0]
    result = answer_store.adopt_self(ws, aid)
    self_codes = sorted(answer_store.list_answers(ws, aid, "self"), key=lambda c: [int(x) for x in c.split(".")])
    assert result.adopted == [c for c in self_codes if c != "1.2"]
    assert result.already == ["1.2"]
    review = answer_store.list_answers(ws, aid, "review")
    own = answer_store.list_answers(ws, aid, "self")
    for code in result.adopted:
        assert review[code]["value"] == own[code]["value"] and review[code]["who"] == "考评员李四"
    assert review["1.2"]["value"] is False
    events = list(ws.db.query("SELECT * FROM events WHERE seq > ? ORDER BY seq", [before]))
    sets = [e for e in events if e["entity"] == "answer"]
    assert sorted(e["entity_id"] for e in sets) == sorted(f"{c}/review" for c in result.adopted)
    assert all(e["who"] == "考评员李四" for e in events)
    summary = [e for e in events if e["action"] == "adopt_self"]
    assert len(summary) == 1 and json.loads(summary[0]["detail"])["codes"] == result.adopted
    assert assessments.get_assessment(ws, aid)["status"] == "reviewing"
    # again: nothing left to take; with overwrite the reviewed item too
    assert answer_store.adopt_self(ws, aid).adopted == []
    assert answer_store.adopt_self(ws, aid, ["1.2"], overwrite=True).adopted == ["1.2"]
    assert answer_store.get_answer(ws, aid, "1.2", "review")["value"] is True


def test_adopt_self_is_one_transaction(ws, aid, monkeypatch):
    calls = []
    real = answer_store.set_answer

    def failing(ws_, a, code, role, value, *args, **kw):
        calls.append(code)
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")
        return real(ws_, a, code, role, value, *args, **kw)

    monkeypatch.setattr(answer_store, "set_answer", failing)
    with pytest.raises(StorageError):  # the transaction's sqlite3 error, in words
        answer_store.adopt_self(ws, aid)
    assert answer_store.list_answers(ws, aid, "review") == {}  # nothing half done
    assert not ws.db.execute("SELECT 1 FROM events WHERE action = 'adopt_self'").fetchone()


def test_adopt_self_only_while_the_review_is_open(ws, aid):
    assessments.unlock(ws, aid, "补充")
    with pytest.raises(LockedAnswers):
        answer_store.adopt_self(ws, aid)
    assessments.set_status(ws, aid, "submitted")
    with pytest.raises(Exception, match="不在标准"):
        answer_store.adopt_self(ws, aid, ["99.9"])


# ---------------------------------------------------------------- headless flows

def test_cli_review_flow_headless(ws_dir, capsys):
    d = ["--data-dir", str(ws_dir)]
    with Workspace.open(ws_dir, backup=False) as ws:
        aid = assessments.list_assessments(ws)[0]["id"]

    code, out, err = run(capsys, *d, "answer", "note", aid, "1.1", "现场查看了会议纪要", "--role", "review")
    assert code == 0 and "现场查看了会议纪要" in out, err
    code, out, err = run(capsys, *d, "answer", "adopt", aid, "1.1", "1.2")
    assert code == 0 and "已采用 2 项" in out, err
    code, out, err = run(capsys, *d, "answer", "adopt", aid)
    assert code == 1 and "--all" in err
    code, out, err = run(capsys, *d, "answer", "adopt", aid, "--all")
    assert code == 0 and "已采用" in out and "2 项已有考评结果" in out, (out, err)

    code, out, err = run(capsys, *d, "assessment", "conclude", aid, "--conclusion", "基本达标", "--signed-by", "王五",
                         "--reviewer", "考评组 王五、赵六")
    assert code == 1 and "没有考评结果" in err and "--confirm-incomplete" in err and "Traceback" not in err
    code, out, err = run(capsys, *d, "assessment", "conclude", aid, "--conclusion", "基本达标", "--signed-by", "王五",
                         "--reviewer", "考评组 王五、赵六", "--date", "2027-11-20", "--confirm-incomplete")
    assert code == 0 and "已签字：王五 2027-11-20" in out and "项未考评" in out, err
    code, out, err = run(capsys, *d, "assessment", "status", aid, "--to", "reviewed")
    assert code == 1 and "--confirm-incomplete" in err
    code, out, err = run(capsys, *d, "assessment", "status", aid, "--to", "reviewed", "--confirm-incomplete")
    assert code == 0 and out.strip() == "已考评", err

    code, out, err = run(capsys, *d, "action", "add", aid, "1.1", "--description", "每季度召开议军会议",
                         "--owner", "张三", "--due", "2027-12-31")
    action_id = out.strip()
    assert code == 0 and len(action_id) == 36, err
    code, out, err = run(capsys, *d, "action", "add", aid, "--description", "综合问题：档案不全")
    assert code == 0, err
    code, out, err = run(capsys, *d, "action", "list", "--unit", "城关镇")
    assert code == 0 and "每季度召开议军会议" in out and "整改中" in out and "张三" in out, err
    code, out, err = run(capsys, *d, "action", "close", action_id)
    assert code == 0 and "已整改" in out, err
    code, out, err = run(capsys, *d, "action", "list", "--status", "open", "--json")
    assert code == 0 and [r["description"] for r in json.loads(out)] == ["综合问题：档案不全"], err
    code, out, err = run(capsys, *d, "action", "close", "no-such-id")
    assert code == 1 and "不存在" in err

    with Workspace.open(ws_dir, readonly=True) as ws:
        a = assessments.get_assessment(ws, aid)
        assert (a["status"], a["conclusion"], a["signed_by"], a["reviewer"]) == (
            "reviewed", "基本达标", "王五", "考评组 王五、赵六")
        assert answer_store.get_answer(ws, aid, "1.1", "review")["note"] == "现场查看了会议纪要"
        assert actions.get_action(ws, action_id)["status"] == "done"
        assert not audit.verify(ws.db)


# ---------------------------------------------------------------- backups

def test_backups_are_listed_and_restored_keeping_the_current_state(ws_dir, capsys):
    d = ["--data-dir", str(ws_dir)]
    with Workspace.open(ws_dir, backup=False) as ws:
        aid = assessments.list_assessments(ws)[0]["id"]
        answer_store.set_answer(ws, aid, "1.1", "review", Fraction(1))
    code, out, err = run(capsys, *d, "db", "backup")
    assert code == 0 and out.strip().endswith("-manual.sqlite"), err
    with Workspace.open(ws_dir, backup=False) as ws:
        answer_store.set_answer(ws, aid, "1.1", "review", Fraction(3))

    code, out, err = run(capsys, *d, "db", "backups")
    assert code == 0 and out.startswith("1\t") and "手动备份" in out and "年" in out and "月" in out, err
    code, out, err = run(capsys, *d, "db", "restore", "7")
    assert code == 1 and "没有第 7 个备份" in err
    code, out, err = run(capsys, *d, "db", "restore", "1")
    assert code == 0 and "已恢复到" in out and "恢复前的数据已另存为" in out, err

    with Workspace.open(ws_dir, backup=False) as ws:
        assert answer_store.get_answer(ws, aid, "1.1", "review")["value"] == 1
        assert not audit.verify(ws.db)
        event = last_event(ws)
        assert event["action"] == "restore" and event["detail"]["backup"].endswith("-manual.sqlite")
        listed = backup.list_backups(ws)
        assert listed[0].kind == backup.BEFORE_RESTORE and listed[0].kind_label == "恢复前的数据"
        # the state before the restore is a backup like any other: restore it back, in place
        result = backup.restore(ws, listed[0].name)
        assert answer_store.get_answer(ws, aid, "1.1", "review")["value"] == 3
        assert result.saved is not None and result.saved.exists()


def test_restore_refuses_what_is_not_a_backup(ws_dir, tmp_path, capsys):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    code, out, err = run(capsys, "--data-dir", str(ws_dir), "db", "restore", str(junk))
    assert code == 1 and "junk.sqlite" in err and "Traceback" not in err
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    code, out, err = run(capsys, "--data-dir", str(ws_dir), "db", "restore", str(other))
    assert code == 1 and "不是达标工作区的数据库备份" in err


def test_restore_works_when_the_database_is_damaged(ws_dir, capsys):
    with Workspace.open(ws_dir, backup=False) as ws:
        saved = backup.make_backup(ws, backup.MANUAL)
    db = ws_dir / "dabiao.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(b"\0" * 4096)  # the database is gone bad
    code, out, err = run(capsys, "--data-dir", str(ws_dir), "db", "restore", saved.name)
    assert code == 0, err
    with Workspace.open(ws_dir, backup=False) as ws:
        assert assessments.list_assessments(ws)
        assert any(b.kind in ("damaged", backup.BEFORE_RESTORE) for b in backup.list_backups(ws))


# ---------------------------------------------------------------- photo imports stopped half way

def test_a_stopped_photo_import_is_reported_with_what_went_in(ws, aid, tmp_path):
    from storage.demo import draw_photo

    assessments.unlock(ws, aid, "补充照片")
    shots = [draw_photo(tmp_path / f"IMG_{i}.jpg", f"照片{i}", "2027-03-01 09:30", i) for i in range(5)]
    stop_after = iter([False, False, True])
    outcomes = evidence.add_photos(ws, aid, "3.1", shots, cancelled=lambda: next(stop_after, True))
    assert len(outcomes) == 2
    stopped = import_journal.interrupted(ws)
    assert len(stopped) == 1
    batch = stopped[0]
    assert [Path(p).name for p in batch.went_in] == ["IMG_0.jpg", "IMG_1.jpg"]
    assert [Path(p).name for p in batch.not_in] == ["IMG_2.jpg", "IMG_3.jpg", "IMG_4.jpg"]
    text = batch.message()
    assert "城关镇 2027 年考评 条目 3.1（自评）" in text and "共 5 张，已导入 2 张" in text
    assert "未导入 3 张：IMG_2.jpg、IMG_3.jpg、IMG_4.jpg" in text and str(tmp_path) in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", text)
    import_journal.dismiss(ws, batch)
    assert import_journal.interrupted(ws) == []

    # a batch that ends, or that the person cancels themselves, leaves nothing to report
    evidence.add_photos(ws, aid, "3.2", shots[:2])
    evidence.add_photos(ws, aid, "3.5", shots, cancelled=lambda: True, keep_stopped=lambda: False)
    assert import_journal.interrupted(ws) == []


def test_a_killed_import_counts_photos_the_journal_missed(ws, aid, tmp_path):
    """The journal's last lines may not reach the disk: the audit log still knows."""
    from storage.demo import draw_photo

    assessments.unlock(ws, aid, "补充照片")
    shots = [draw_photo(tmp_path / f"P{i}.jpg", f"照片{i}", "2027-03-01 09:30", i) for i in range(3)]
    batch = import_journal.begin(ws, aid, "3.1", "self", shots)
    evidence.attach_prepared(ws, aid, "3.1", __import__("storage.photos", fromlist=["x"]).prepare_photo(
        shots[0].read_bytes()), "self", None, shots[0].name)
    batch.close()  # killed: no line written for it
    stopped = import_journal.interrupted(ws)
    assert [Path(p).name for p in stopped[0].went_in] == ["P0.jpg"]
    assert [Path(p).name for p in stopped[0].not_in] == ["P1.jpg", "P2.jpg"]


def test_a_running_import_is_not_reported_as_stopped(ws, aid, tmp_path):
    """The start-up check must not take a batch still going in this process for one that
    was stopped (and delete its record)."""
    from storage.demo import draw_photo

    assessments.unlock(ws, aid, "补充照片")
    shots = [draw_photo(tmp_path / f"R{i}.jpg", f"照片{i}", "2027-03-01 09:30", i) for i in range(3)]
    seen = []

    def look(done, total, outcome):
        seen.append(import_journal.interrupted(ws))

    evidence.add_photos(ws, aid, "3.1", shots, progress=look)
    assert seen == [[], [], []]
    assert import_journal.interrupted(ws) == []
