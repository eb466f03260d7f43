"""Issue 13 in the app: a key conflict decided by a person in the import dialog, a
read-only workspace saying why (editing off), and a damaged database at start offering
its newest good backup (never a new, empty workspace)."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from storage import backup, units  # noqa: E402
from storage import answer_store  # noqa: E402
from storage.exchange import signing  # noqa: E402

from test_hostile_bundles import place, world  # noqa: E402,F401 - fixtures
from test_hostile_trust import _county_trusting_town, _forged, _impostor  # noqa: E402
from test_hostile_workspace import file_hashes, read_only  # noqa: E402
from wsutil import open_ws, town_assessment, workspace_dump  # noqa: E402


class Boxes:
    """QMessageBox.exec replaced: records each box's text and presses the button named."""

    def __init__(self, monkeypatch, press: str | None = None):
        self.texts: list[str] = []
        self.buttons: list[list[str]] = []
        self.press = press
        boxes = self

        def exec_(box):
            boxes.texts.append(box.text())
            boxes.buttons.append([b.text() for b in box.buttons()])
            chosen = next((b for b in box.buttons() if b.text() == boxes.press), None)
            if chosen is not None:
                chosen.click()
            return 0

        def plain(parent, title, text, *a, **k):
            boxes.texts.append(text)
            return QMessageBox.StandardButton.Ok

        monkeypatch.setattr(QMessageBox, "exec", exec_)
        monkeypatch.setattr(QMessageBox, "warning", staticmethod(plain))
        monkeypatch.setattr(QMessageBox, "information", staticmethod(plain))


def joined(text: str) -> str:
    """Text with a fingerprint split over lines put back together."""
    return re.sub(r"-\n\s*", "-", text)


# ---------------------------------------------------------------------- 1: key conflict


def test_key_conflict_is_shown_and_decided_by_a_person(qtbot, world, place, tmp_path, monkeypatch):
    from ui.dialogs.import_bundle_dialog import ImportBundleDialog

    county = _county_trusting_town(world, place, tmp_path)
    impostor = _impostor(tmp_path)
    forged = _forged(world, tmp_path, impostor)
    before = workspace_dump(county)
    boxes = Boxes(monkeypatch, press="不接受")

    dialog = ImportBundleDialog(county, forged)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.plan is not None or dialog.refused is not None, timeout=30000)
    assert dialog.refused is None, dialog.refused
    # plainly: a panel naming the assessment and both full fingerprints; 导入 is off
    shown = joined(dialog.conflict.text())
    assert dialog.conflict.isVisibleTo(dialog) and "密钥冲突" in shown and "城关镇 2027 年考评的自评" in shown
    assert signing.pretty(world["town_fp"]) in shown and signing.pretty(impostor.fingerprint) in shown
    assert not dialog.import_button.isEnabled() and dialog.key_button.isVisibleTo(dialog)
    dialog.apply()   # 导入 itself never gives way
    assert dialog.worker is None and dialog.result is None

    # not accepted: nothing changes, the dialog stays open to be cancelled
    assert not dialog.confirm_key_change()
    assert boxes.buttons[-1] == ["核对一致，接受并导入", "不接受"]
    confirm = joined(boxes.texts[-1])
    assert signing.pretty(world["town_fp"]) in confirm and signing.pretty(impostor.fingerprint) in confirm
    assert workspace_dump(county) == before and dialog.result is None

    # accepted after the confirmation: imported, and the audit log says so with both keys
    boxes.press = "核对一致，接受并导入"
    assert dialog.confirm_key_change()
    qtbot.waitUntil(lambda: dialog.result is not None or dialog.refused is not None, timeout=30000)
    assert dialog.refused is None, dialog.refused
    assert dialog.result.changed and not dialog.conflict.isVisibleTo(dialog)
    assert answer_store.get_answer(county, world["aid"], "1.2", "self")["value"] is False
    detail = json.loads(county.db.execute("SELECT detail FROM events WHERE entity = 'bundle' AND action = 'import' "
                                          "ORDER BY seq DESC").fetchone()[0])
    assert detail["key_change_accepted"] == ["城关镇 2027 年考评"]
    assert detail["key_change_previous"] == [world["town_fp"]] and detail["fingerprint"] == impostor.fingerprint
    dialog.accept()


def test_key_conflict_cancelled_changes_nothing(qtbot, world, place, tmp_path, monkeypatch):
    from ui.dialogs.import_bundle_dialog import ImportBundleDialog

    county = _county_trusting_town(world, place, tmp_path)
    forged = _forged(world, tmp_path, _impostor(tmp_path))
    before = workspace_dump(county)
    Boxes(monkeypatch)
    dialog = ImportBundleDialog(county, forged)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30000)
    assert dialog.cancel_button.text() == "不接受，取消"
    dialog.cancel_button.click()
    assert workspace_dump(county) == before
    assert not (county.folder / ".incoming").exists() or not any((county.folder / ".incoming").iterdir())


# ---------------------------------------------------------------------- 2: read-only says why


@pytest.fixture
def town_dir(tmp_path):
    folder = tmp_path / "town"
    with open_ws(folder) as ws:
        town_assessment(ws)
        ws.set_meta("ui.onboarded", "1")
    (folder / "dabiao.lock").unlink(missing_ok=True)
    return folder


def _window(qtbot, ws):
    from ui.main_window import MainWindow

    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.session is not None, timeout=5000)
    return w


def _check_read_only_window(qtbot, ws, reason: str, monkeypatch):
    from ui.dialogs import unit_dialog

    w = _window(qtbot, ws)
    assert f"只读：{reason}" in w.windowTitle()
    assert w.readonly_label.isVisibleTo(w) and reason in w.readonly_label.text()
    w.statusBar().showMessage("别的消息")   # a passing message does not hide it
    assert w.readonly_label.isVisibleTo(w)
    for act in (w.act_add_photos, w.act_new_unit, w.act_new_assessment, w.act_submit, w.act_new_action,
                w.act_import_bundle, w.act_signoff, w.act_adopt):
        assert not act.isEnabled(), act.text()
    opened = []
    monkeypatch.setattr(unit_dialog.NewUnitDialog, "exec", lambda self: opened.append(self) or 0)
    w.units_pane.newUnitRequested.emit()   # from the units pane: refused, with the reason
    assert not opened and reason in w.statusBar().currentMessage()
    w.item_pane.evidence.import_photos(["/nonexistent.jpg"])
    assert not w.item_pane.evidence.busy()
    w.close()


def test_window_on_a_workspace_another_dabiao_writes_says_so(qtbot, town_dir, monkeypatch):
    from ui.app import open_workspace

    boxes = Boxes(monkeypatch, press="以只读方式打开")
    with open_ws(town_dir):
        ws = open_workspace(town_dir)
        try:
            assert ws is not None and ws.readonly and boxes.buttons
            assert ws.readonly_reason.startswith("另一个达标程序正在写入此工作区：")
            _check_read_only_window(qtbot, ws, "另一个达标程序正在写入此工作区", monkeypatch)
        finally:
            ws.close()


def test_window_on_a_read_only_place_says_why(qtbot, town_dir, monkeypatch):
    from ui.app import open_workspace

    Boxes(monkeypatch)
    before = file_hashes(town_dir)
    with read_only(town_dir) as ro:
        ws = open_workspace(ro)
        try:
            assert ws.readonly
            _check_read_only_window(qtbot, ws, ws.readonly_reason, monkeypatch)
            assert "只读" in ws.readonly_reason
        finally:
            ws.close()
    assert file_hashes(town_dir) == before


# ---------------------------------------------------------------------- 3: damaged at start


@pytest.fixture
def damaged_dir(tmp_path):
    """A used workspace with a good backup, whose database was then emptied (0 bytes)."""
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        town_assessment(ws)
        good = backup.make_backup(ws)
    (folder / "dabiao.lock").unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        (folder / f"dabiao.sqlite{suffix}").unlink(missing_ok=True)
    (folder / "dabiao.sqlite").write_bytes(b"")
    return folder, good


def test_damaged_database_at_start_offers_the_good_backup(qtbot, damaged_dir, monkeypatch):
    from ui.app import open_workspace

    folder, good = damaged_dir
    boxes = Boxes(monkeypatch, press="恢复此备份")
    ws = open_workspace(folder)
    try:
        assert ws is not None and not ws.readonly
        asked = boxes.texts[0]
        assert "是空文件（0 字节）" in asked and good.name in asked and "不会新建" in asked
        assert boxes.buttons[0] == ["恢复此备份", "退出"]
        assert [u["name"] for u in units.list_units(ws)] == ["某县", "城关镇"]   # the backup's data
        assert ws.db.execute("SELECT count(*) FROM events WHERE entity = 'workspace' AND action = 'restore'"
                             ).fetchone()[0] == 1
        kept = [b for b in backup.list_backups(ws) if b.kind in (backup.BEFORE_RESTORE, "damaged")]
        assert kept and "已恢复到" in boxes.texts[-1] and kept[0].name in boxes.texts[-1]
    finally:
        ws.close()


def test_damaged_database_at_start_quit_changes_nothing(qtbot, damaged_dir, monkeypatch):
    from ui.app import open_workspace

    folder, good = damaged_dir
    before = file_hashes(folder)
    boxes = Boxes(monkeypatch, press="退出")
    assert open_workspace(folder) is None
    assert boxes.buttons[0] == ["恢复此备份", "退出"]
    assert file_hashes(folder) == before


def test_damaged_database_without_a_good_backup_says_so(qtbot, damaged_dir, monkeypatch):
    from ui.app import open_workspace

    folder, good = damaged_dir
    good.unlink()
    shutil.copyfile(folder / "dabiao.sqlite", folder / "backups" / good.name)  # an empty "backup": not good
    before = file_hashes(folder)
    boxes = Boxes(monkeypatch, press="退出")
    assert open_workspace(folder) is None
    assert boxes.buttons[0] == ["退出"] and "没有可用的完好备份" in boxes.texts[0]
    assert file_hashes(folder) == before
