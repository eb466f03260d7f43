"""Issue 12 in the app, offscreen: 标记已考评 and sign-off of an unfinished review list the
unreviewed items and need the box ticked; 采用自评 from the 考评 menu; quitting during a
photo import asks, and the next start says what went in; 文件 → 备份与恢复 restores after
confirming and keeps the current state. (The exchange dialogs: test_ui_exchange.py.)"""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest

pytest.importorskip("pytestqt")

from storage import Workspace, assessments, backup, evidence, import_journal  # noqa: E402
from storage import answer_store  # noqa: E402
from storage.demo import draw_photo  # noqa: E402

from review_ws import SELF, aid, template, ws, ws_dir  # noqa: E402,F401 - fixtures
from uiutil import answer_modal, make_window, menu_texts  # noqa: E402


@pytest.fixture(autouse=True)
def boxes(no_blocking_boxes):
    """The message boxes shown and the questions asked (conftest.no_blocking_boxes)."""
    return no_blocking_boxes


# ---------------------------------------------------------------- statuses mean what they say

def test_mark_reviewed_lists_unreviewed_items_and_needs_the_box_ticked(qtbot, ws, aid, boxes):
    from ui.dialogs.incomplete_dialog import IncompleteDialog

    answer_store.set_answer(ws, aid, "1.2", "review", True)
    w = make_window(qtbot, ws)
    s = w.session
    assert w.act_reviewed.isEnabled()
    seen = {}

    def look_and_cancel(d):
        assert isinstance(d, IncompleteDialog)
        seen["count"] = d.list.count()
        seen["first"] = d.list.item(0).text()
        seen["ok"] = d.ok.isEnabled()
        d.accept()  # without the box ticked: nothing happens
        seen["still_open"] = d.isVisible()
        d.reject()

    answer_modal(look_and_cancel)
    w.act_reviewed.trigger()
    total = len(s.index)
    assert seen["count"] == total - 1 and seen["first"].startswith("1.1 ")
    assert seen["ok"] is False and seen["still_open"] is True
    assert s.status == "reviewing" and not boxes.asked

    def confirm(d):
        d.confirm.setChecked(True)
        assert d.ok.isEnabled()
        d.accept()

    def sign(d):
        d.conclusion.setPlainText("基本达标，其余条目下次复核。")
        d.signed_by.setText("王五")
        d.signed.setChecked(True)
        d.accept()  # already confirmed once: not asked again

    answer_modal(confirm, sign)
    w.act_reviewed.trigger()
    assert s.status == "reviewed"
    a = assessments.get_assessment(ws, aid)
    assert a["signed_by"] == "王五" and a["signed_at"]
    events = [json.loads(d) for (d,) in ws.db.execute(
        "SELECT detail FROM events WHERE assessment_id = ? AND action IN ('status', 'info') ORDER BY seq", [aid])]
    assert events[-1]["new"] == "reviewed" and events[-1]["confirm_incomplete"] is True
    assert len(events[-1]["unanswered"]) == total - 1
    assert any(e.get("confirm_incomplete") and "signed_by" in e for e in events[:-1])


def test_signoff_of_an_incomplete_review_asks_first(qtbot, ws, aid):
    from ui.dialogs.signoff_dialog import SignoffDialog

    answer_store.set_answer(ws, aid, "1.2", "review", True)
    w = make_window(qtbot, ws)
    dialog = SignoffDialog(w.session, w)
    qtbot.addWidget(dialog)
    assert "还有" in dialog.progress.text() and "项未考评" in dialog.progress.text()
    dialog.conclusion.setPlainText("基本达标")
    dialog.signed_by.setText("王五")
    dialog.signed.setChecked(True)
    answer_modal(lambda d: d.reject())  # the list of unreviewed items: not confirmed
    dialog.accept()
    assert assessments.get_assessment(ws, aid)["signed_at"] is None
    # the conclusion alone (not signed) needs no confirmation
    dialog.signed.setChecked(False)
    dialog.accept()
    a = assessments.get_assessment(ws, aid)
    assert a["conclusion"] == "基本达标" and a["signed_at"] is None


def test_signoff_of_a_final_assessment_is_shown_read_only(qtbot, ws, aid):
    from ui.dialogs.signoff_dialog import SignoffDialog

    ws.db.execute("UPDATE assessments SET status = 'final', conclusion = '经考评，达标。', signed_by = '王五', "
                  "signed_at = '2027-05-01' WHERE id = ?", [aid])
    w = make_window(qtbot, ws)
    dialog = SignoffDialog(w.session, w)
    qtbot.addWidget(dialog)
    assert dialog.locked and "已定稿" in dialog.progress.text()
    assert dialog.conclusion.isReadOnly() and dialog.signed_by.isReadOnly() and dialog.reviewer.isReadOnly()
    assert not dialog.signed.isEnabled() and not dialog.signed_at.isEnabled()
    qtbot.keyClicks(dialog.conclusion, "x")
    assert dialog.conclusion.toPlainText() == "经考评，达标。"


# ---------------------------------------------------------------- 采用自评

def test_adopt_self_from_the_review_menu(qtbot, ws, aid, monkeypatch):
    monkeypatch.setattr(ws, "who", "考评员李四")
    w = make_window(qtbot, ws)
    s = w.session
    titles = menu_texts(w, "考评(&A)")
    assert "采用自评（当前条目）(&O)" in titles and "采用自评（所有未考评条目）(&M)…" in titles
    assert w.act_adopt.shortcut().toString() == "Ctrl+Shift+A"
    assert w.checklist_pane.select_code("1.2")
    w.act_adopt.trigger()
    assert s.value("1.2", "review") is True
    assert answer_store.get_answer(ws, aid, "1.2", "review")["who"] == "考评员李四"
    assert s.status == "reviewing" and w.mode == "review"
    w.act_undo.trigger()  # one undo step
    assert s.value("1.2", "review") is None

    answer_store.set_answer(ws, aid, "1.1", "review", Fraction(1))  # already reviewed: not offered
    s.reload()
    offered = {}

    def untick_one(d):
        offered["codes"] = [d.tree.topLevelItem(i).text(0) for i in range(d.tree.topLevelItemCount())]
        offered["button"] = d.ok.text()
        d.tree.topLevelItem(0).setCheckState(0, d.tree.topLevelItem(0).checkState(0).Unchecked)
        offered["after"] = d.ok.text()
        d.accept()

    answer_modal(untick_one)
    w.act_adopt_all.trigger()
    expected = [c for c in ("1.2", "1.5", "2.4", "10.1") if c in s.index]
    assert offered["codes"] == expected
    assert offered["button"] == f"采用 {len(expected)} 项" and offered["after"] == f"采用 {len(expected) - 1} 项"
    review = answer_store.list_answers(ws, aid, "review")
    assert (review.get(expected[0]) or {}).get("value") is None  # unticked: left for the inspectors
    for code in expected[1:]:
        assert review[code]["value"] == SELF[code] and review[code]["who"] == "考评员李四"
    assert review["1.1"]["value"] == 1
    adopted = [json.loads(d)["codes"] for (d,) in ws.db.execute(
        "SELECT detail FROM events WHERE action = 'adopt_self' ORDER BY seq")]
    assert adopted == [["1.2"], expected[1:]]


# ---------------------------------------------------------------- quitting during a photo import

def test_quitting_during_a_photo_import_asks_and_the_next_start_reports(qtbot, ws_dir, tmp_path, boxes):
    shots = [draw_photo(tmp_path / f"IMG_{i:02d}.jpg", f"照片{i}", "2027-03-01 09:30", i) for i in range(6)]
    ws = Workspace.open(ws_dir, backup=False)
    aid = assessments.list_assessments(ws)[0]["id"]
    w = make_window(qtbot, ws)
    assert w.mode == "review"
    pane = w.item_pane.evidence

    # a slow import: each photo waits until the test lets it go
    import threading

    import storage.evidence as ev

    gate = threading.Semaphore(0)
    real = ev.prepare_photo

    def slow(data):
        gate.acquire(timeout=10)
        return real(data)

    ev_prepare = pytest.MonkeyPatch()
    ev_prepare.setattr(ev, "prepare_photo", slow)
    try:
        assert w.checklist_pane.select_code("3.1")
        assert pane.import_photos([str(p) for p in shots])
        gate.release()
        gate.release()
        qtbot.waitUntil(lambda: pane.progress.value() == 2, timeout=10000)

        boxes.answer = False  # 继续导入
        w.close()
        assert w.isVisible() and pane.busy()
        assert "照片还在导入（已导入 2 / 6 张）" in boxes.asked[-1]

        boxes.answer = True  # 停止导入并退出
        gate.release()  # the photo being read finishes; the rest are not read
        w.close()
        assert not w.isVisible()
        assert pane.worker is None or pane.worker.isFinished()  # stopped, not left running
        qtbot.waitUntil(lambda: not pane.busy(), timeout=5000)
    finally:
        ev_prepare.undo()
        for _ in range(10):
            gate.release()
    went = len(evidence.list_evidence(ws, aid, "3.1"))
    assert 2 <= went < 6
    assert list((ws_dir / "journal").glob("photos-*.jsonl")), list((ws_dir / "journal").iterdir())
    ws.close()

    # the next start: said once, with what went in and what did not
    ws = Workspace.open(ws_dir, backup=False)
    try:
        boxes.clear()
        w = make_window(qtbot, ws)
        qtbot.waitUntil(lambda: bool(boxes), timeout=5000)
        text = boxes[-1]
        assert f"共 6 张，已导入 {went} 张" in text and f"未导入 {6 - went} 张" in text
        assert "IMG_05.jpg" in text and "条目 3.1（考评）" in text
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 开始的照片导入没有完成", text)
        assert import_journal.interrupted(ws) == []  # told once
        w.close()
    finally:
        ws.close()


# ---------------------------------------------------------------- 文件 → 备份与恢复

def test_backup_and_restore_from_the_file_menu(qtbot, ws, aid, boxes):
    w = make_window(qtbot, ws)
    assert "备份与恢复(&B)…" in menu_texts(w, "文件(&F)")
    answer_store.set_answer(ws, aid, "1.1", "review", Fraction(1))
    seen = {}

    def use(d):
        d.backup_now()
        seen["rows"] = d.table.rowCount()
        seen["first"] = [d.table.item(0, c).text() for c in range(4)]
        answer_store.set_answer(ws, aid, "1.1", "review", Fraction(3))  # a change after the backup
        boxes.answer = False
        d.restore_current()  # asked, said no: nothing changes
        seen["kept"] = answer_store.get_answer(ws, aid, "1.1", "review")["value"]
        boxes.answer = True
        d.restore_current()
        seen["info"] = d.info.text()
        seen["after"] = [d.table.item(r, 1).text() for r in range(d.table.rowCount())]
        d.reject()

    answer_modal(use)
    w.act_backups.trigger()
    assert seen["rows"] == 1 and seen["first"][1] == "手动备份" and re.match(r"\d{4}年", seen["first"][0])
    assert seen["kept"] == 3
    assert "替换当前数据" in boxes.asked[-1] and "恢复前" in boxes.asked[-1]
    assert "已恢复到" in seen["info"] and "before-restore" in seen["info"]
    assert seen["after"][0] == "恢复前的数据"
    assert answer_store.get_answer(ws, aid, "1.1", "review")["value"] == 1
    assert w.session is not None and w.session.value("1.1", "review") == 1  # the window re-read it
    listed = backup.list_backups(ws)
    assert listed[0].kind == backup.BEFORE_RESTORE
