"""Issue 12, the exchange dialogs, offscreen: the export dialog proposes the workspace's
own unit as signer and asks on the first export; the import preview names items, old →
new, in natural order, in local time, with the summary's counts; 已收到的上报 shows each
assessment's score and level."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from storage import Workspace, assessments, evidence  # noqa: E402
from storage import answer_store  # noqa: E402
from storage.demo import draw_photo  # noqa: E402
from storage.exchange import signing  # noqa: E402
from storage.exchange.export import export_bundle  # noqa: E402
from storage.exchange.importer import import_bundle  # noqa: E402

from review_ws import aid, template, ws, ws_dir  # noqa: E402,F401 - fixtures
from uiutil import make_window  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_blocking_boxes")


# ---------------------------------------------------------------- export: the signer's name

def test_export_proposes_the_workspaces_unit_and_asks_on_first_export(qtbot, ws, aid, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    assert ws.meta("workspace_name") is None
    w = make_window(qtbot, ws)
    dialog = w.exchange.export_bundle("submission")
    assert dialog.name.text() == "城关镇"  # the unit this submission is about, not the folder ("ws")
    assert dialog.first_name and dialog.name_hint.isVisible() and "首次导出" in dialog.name_hint.text()
    dialog.name.selectAll()
    qtbot.keyClick(dialog.name, Qt.Key.Key_Delete)
    assert not dialog.export_button.isEnabled()  # a name is required
    dialog.name.setText("城关镇武装部")  # typed (QTest cannot type Chinese)
    dialog.name.textEdited.emit("城关镇武装部")
    assert dialog.export_button.isEnabled()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(tmp_path / "b.dabiao"), "")))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
    assert signing.workspace_name(ws) == "城关镇武装部" and ws.meta("workspace_name") == "城关镇武装部"
    dialog.accept()
    again = w.exchange.export_bundle("review")
    assert again.name.text() == "城关镇武装部" and not again.name_hint.isVisible()
    again.reject()
    # with no name chosen, the workspace's own top unit, never the folder's name
    ws.db.execute("DELETE FROM meta WHERE key = 'workspace_name'")
    assert signing.workspace_name(ws) == "某县"
    criteria = w.exchange.export_bundle("criteria")
    assert criteria.name.text() == "某县" and criteria.name_hint.isVisible()
    criteria.reject()


# ---------------------------------------------------------------- import preview

@pytest.fixture
def update_bundle(ws_dir, tmp_path):
    """The town changes 1.2 and 10.1 and adds 1.10-like ordering cases, then sends an update
    to an inspector who has the first submission."""
    town = Workspace.open(ws_dir, backup=False)
    aid = assessments.list_assessments(town)[0]["id"]
    first = tmp_path / "first.dabiao"
    export_bundle(town, "submission", [aid], first)
    inspector_dir = tmp_path / "inspector"
    with Workspace.open(inspector_dir, backup=False) as inspector:
        import_bundle(inspector, first)
    assessments.unlock(town, aid, "补充")
    index = assessments.checklist_of(town, assessments.get_assessment(town, aid)).item_index()
    answer_store.set_answer(town, aid, "1.2", "self", False)
    answer_store.set_note(town, aid, "1.5", "self", "已补充议军会议纪要")
    answer_store.set_answer(town, aid, "10.1", "self", False)
    for code in ("9.3", "3.3.1"):  # new answers: "未填写 → 是"
        assert index[code].kind == "check"
        answer_store.set_answer(town, aid, code, "self", True)
    assessments.set_status(town, aid, "submitted")
    second = tmp_path / "second.dabiao"
    export_bundle(town, "submission", [aid], second)
    town.close()
    return inspector_dir, second, aid


def test_import_preview_is_readable(qtbot, update_bundle, monkeypatch):
    from ui.dialogs.import_bundle_dialog import ImportBundleDialog

    inspector_dir, second, aid = update_bundle
    with Workspace.open(inspector_dir, backup=False) as ws:
        dialog = ImportBundleDialog(ws, second)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.plan is not None or dialog.refused is not None, timeout=30000)
        assert dialog.refused is None, dialog.refused
        lines = dialog.detail_lines()
        text = "\n".join(lines)
        summary = dialog.summary.text()
        index = dialog.plan._checklists[next(iter(dialog.plan._checklists))].item_index()
        # item names and old -> new values
        assert f"1.2 {index['1.2'].title}：是 → 否" in text
        assert f"1.5 {index['1.5'].title}：1.5 分（值未变）；说明：已补充议军会议纪要" in text
        assert f"9.3 {index['9.3'].title}：未填写 → 是" in text
        # natural order: 1.x before 9.x before 10.x
        answer_lines = [x.strip() for x in lines if re.match(r"\s+\d+(\.\d+)+ ", x)]
        codes = [x.split()[0] for x in answer_lines]
        from ui.format import code_key
        assert codes == ["1.2", "1.5", "3.3.1", "9.3", "10.1"] == sorted(codes, key=code_key)
        # local time, not ISO
        heading = dialog.heading.text()
        assert "T" not in heading.split("制作于")[1] and re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", heading)
        # counts that match the summary sentence
        history = int(re.search(r"(\d+) 条历史记录", summary).group(1))
        assert f"历史记录（{history} 条）" in text
        assert "操作记录（1）" not in text and "将应用" not in text
        assert "城关镇 2027 年考评（更新）" in text and "更新 1 份自评" in summary
        dialog.reject()


def test_import_preview_counts_photos_as_the_summary(qtbot, ws, aid, tmp_path):
    from ui.dialogs.import_bundle_dialog import ImportBundleDialog

    assessments.unlock(ws, aid, "补充照片")
    shots = [draw_photo(tmp_path / f"p{i}.jpg", f"现场{i}", "2027-03-01 09:30", i) for i in range(3)]
    evidence.add_photos(ws, aid, "3.1", shots[:2], caption="器材室")
    evidence.add_photos(ws, aid, "1.1", shots[2:], caption="会议")
    assessments.set_status(ws, aid, "submitted")
    out = tmp_path / "s.dabiao"
    export_bundle(ws, "submission", [aid], out)
    with Workspace.open(tmp_path / "other", backup=False) as other:
        dialog = ImportBundleDialog(other, out)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.plan is not None or dialog.refused is not None, timeout=30000)
        text = "\n".join(dialog.detail_lines())
        assert "新增 1 个考评、3 张照片" in dialog.summary.text()
        assert "城关镇 2027 年考评（新增）" in text and "新增照片（3 张）" in text
        photo_lines = [x.strip() for x in dialog.detail_lines() if "张（" in x]
        assert photo_lines[0].startswith("1.1 ") and "1 张（会议）" in photo_lines[0]
        assert photo_lines[1].startswith("3.1 ") and "2 张（器材室）" in photo_lines[1]
        assert "照片原件" not in text  # the same photos are not listed twice
        dialog.reject()


# ---------------------------------------------------------------- received: scores and levels

def test_received_shows_each_assessments_score_and_level(qtbot, ws, aid):
    from checklists.numbers import display
    from ui.dialogs.received_dialog import PROGRESS_COLUMNS

    w = make_window(qtbot, ws)
    dialog = w.exchange.received()
    col = {name: i for i, name in enumerate(PROGRESS_COLUMNS)}
    own = answer_store.score_assessment(ws, aid, "self")
    assert dialog.progress.item(0, col["自评得分"]).text() == display(own.final)
    assert dialog.progress.item(0, col["考评得分"]).text() == "—"
    assert dialog.progress.item(0, col["等级"]).text() == f"{own.level_label}（自评）"
    dialog.reject()

    # a review under way: its score so far, the level still the self-assessment's
    answer_store.set_answer(ws, aid, "1.2", "review", False)
    partial = answer_store.score_assessment(ws, aid, "review")
    dialog = w.exchange.received()
    assert dialog.progress.item(0, col["考评得分"]).text() == display(partial.final)
    assert dialog.progress.item(0, col["等级"]).text() == f"{own.level_label}（自评）"
    dialog.reject()

    # once the review is done, its score and level
    answer_store.adopt_self(ws, aid)
    assessments.set_status(ws, aid, "reviewed", confirm_incomplete=True)
    review = answer_store.score_assessment(ws, aid, "review")
    dialog = w.exchange.received()
    assert dialog.progress.item(0, col["考评得分"]).text() == display(review.final)
    assert dialog.progress.item(0, col["等级"]).text() == f"{review.level_label}（考评）"
    dialog.reject()
