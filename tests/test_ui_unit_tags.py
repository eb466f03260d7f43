"""Issue 16, the app, offscreen: a unit's tags (大镇 / 小镇 of the bundled county-2027-town
criteria) ticked in 新建单位 and changed with 单位标签…: stored at once (read back from
storage), the open assessment shows the items that now (no longer) apply straight away,
and the units tree names the tags in a unit's tooltip."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication  # noqa: E402

from storage import Workspace, assessments, checklist_store, units  # noqa: E402

from uiutil import answer_modal, copy_workspace, make_window, menu_texts  # noqa: E402

CHECKLIST = "county-2027-town"

pytestmark = pytest.mark.usefixtures("no_blocking_boxes")


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    """Bundled criteria, 某县 > 小镇甲 (tag small), one 2027 draft on the format 2 sample."""
    folder = tmp_path_factory.mktemp("unittags") / "ws"
    ws = Workspace.open(folder, backup=False)
    checklist_store.ensure_bundled(ws)
    county = units.add_unit(ws, "某县", "county")
    town = units.add_unit(ws, "小镇甲", "town", county["id"], tags=["small"])
    assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
    ws.set_meta("ui.onboarded", "1")
    ws.close()
    return folder


@pytest.fixture
def ws(template_dir, tmp_path):
    w = Workspace.open(copy_workspace(template_dir, tmp_path / "ws"), backup=False)
    yield w
    w.close()


def unit_named(ws, name: str) -> dict:
    return next(u for u in units.list_units(ws) if u["name"] == name)


def test_new_unit_dialog_stores_the_tags_ticked(qtbot, ws):
    from ui.dialogs.unit_dialog import NewUnitDialog

    county = unit_named(ws, "某县")
    dialog = NewUnitDialog(ws, county["id"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.type_box.currentData() == "town"
    assert dialog.tags.isVisible()
    boxes = dialog.tags.boxes
    assert [b.text() for b in boxes.values()] == ["大镇（街道）（常住人口5万以上）", "小镇（常住人口5万以下）"]
    assert not any(b.isChecked() for b in boxes.values())
    qtbot.keyClicks(dialog.name, "Dazhen")
    boxes["big"].setChecked(True)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    assert units.unit_tags(ws, dialog.created["id"]) == ("big",)


def test_new_unit_dialog_shows_the_tags_only_for_a_unit_the_criteria_score(qtbot, ws):
    from ui.dialogs.unit_dialog import NewUnitDialog

    dialog = NewUnitDialog(ws, None)  # at the top: a county by default
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.type_box.currentData() == "county"
    assert not dialog.tags.isVisible() and not dialog.tags_label.isVisible()
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("enterprise"))
    assert dialog.tags.isVisible()
    dialog.tags.boxes["big"].setChecked(True)
    dialog.type_box.setCurrentIndex(dialog.type_box.findData("county"))
    dialog.name.setText("Xin xian")
    dialog.accept()  # a tag ticked while it was an enterprise is not given to a county
    assert units.unit_tags(ws, dialog.created["id"]) == ()


def test_no_tags_declared_no_tag_boxes(qtbot, tmp_path):
    from ui.dialogs.unit_dialog import NewUnitDialog
    from ui.dialogs.unit_tags_dialog import UnitTagsDialog

    ws = Workspace.open(tmp_path / "empty", backup=False)
    try:
        county = units.add_unit(ws, "某县", "county")
        dialog = NewUnitDialog(ws, county["id"])
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.type_box.currentData() == "town"
        assert dialog.tags.boxes == {}
        assert not dialog.tags.isVisible() and not dialog.tags_label.isVisible()
        dialog.name.setText("Zhen")
        dialog.accept()
        assert units.unit_tags(ws, dialog.created["id"]) == ()
        tags = UnitTagsDialog(ws, dialog.created["id"])
        qtbot.addWidget(tags)
        assert tags.tags.boxes == {}
    finally:
        ws.close()


def test_tags_dialog_changes_the_tags_and_the_open_assessment_at_once(qtbot, ws):
    from ui.models.checklist_model import COL_SELF

    w = make_window(qtbot, ws, size=(1366, 768))
    town = unit_named(ws, "小镇甲")
    model = w.checklist_pane.model
    assert model.index_of("2.2", COL_SELF).data() == "不适用"  # 仅适用于大镇
    assert model.index_of("2.3", COL_SELF).data() == "—"
    assert w.session.results["self"].not_applicable == ("2.2",)
    assert w.checklist_pane.select_code("2.3") and w.item_pane.editor is not None
    assert "单位标签(&T)…" in menu_texts(w, "编辑(&E)")
    assert w.units_pane.current_unit_id() == town["id"]

    def retag(dialog):
        assert dialog.tags.boxes["small"].isChecked() and not dialog.tags.boxes["big"].isChecked()
        dialog.tags.boxes["small"].setChecked(False)
        dialog.tags.boxes["big"].setChecked(True)
        dialog.accept()

    answer_modal(retag)
    w.act_unit_tags.trigger()
    assert units.unit_tags(ws, town["id"]) == ("big",)
    assert model.index_of("2.3", COL_SELF).data() == "不适用"  # 不适用于大镇, right after
    assert model.index_of("2.2", COL_SELF).data() == "—"
    assert w.session.results["self"].not_applicable == ("2.3",)
    assert w.item_pane.code == "2.3" and w.item_pane.editor is None
    assert w.item_pane.excluded_notice.isVisibleTo(w.item_pane)
    assert "1 项不适用" in w.score_bar.breakdown.text()
    tip = w.units_pane.unit_tooltip(w.units_pane.model.index_of(town["id"]))
    assert tip.endswith("标签：大镇")
    assert w.units_pane.model.badge(w.session.id)  # rescored, not left pending


def test_tags_dialog_from_the_context_menu_signal_and_cancel_keeps_them(qtbot, ws):
    w = make_window(qtbot, ws, size=(1366, 768))
    town = unit_named(ws, "小镇甲")
    answer_modal(lambda d: d.reject())
    w.units_pane.unitTagsRequested.emit(town["id"])
    assert units.unit_tags(ws, town["id"]) == ("small",)
    tip = w.units_pane.unit_tooltip(w.units_pane.model.index_of(town["id"]))
    assert "小镇甲（乡镇（街道）武装部）" in tip and tip.endswith("标签：小镇")
    county = unit_named(ws, "某县")
    assert "标签" not in w.units_pane.unit_tooltip(w.units_pane.model.index_of(county["id"]))


def test_tags_dialog_says_in_one_line_when_the_unit_is_gone(qtbot, ws, no_blocking_boxes):
    from ui.dialogs.unit_tags_dialog import UnitTagsDialog

    county = units.add_unit(ws, "别县", "county")
    town = units.add_unit(ws, "镇乙", "town", county["id"])
    dialog = UnitTagsDialog(ws, town["id"])
    qtbot.addWidget(dialog)
    dialog.show()
    with ws.transaction() as db:
        db.execute("DELETE FROM units WHERE id = ?", [town["id"]])
    dialog.tags.boxes["big"].setChecked(True)
    dialog.accept()
    assert no_blocking_boxes and "\n" not in no_blocking_boxes[-1] and "不存在" in no_blocking_boxes[-1]
    assert dialog.isVisible() and not dialog.changed
    assert QApplication.activeModalWidget() is None


def test_hovering_a_unit_row_shows_its_tags(qtbot, ws):
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    w = make_window(qtbot, ws, size=(1366, 768))
    pane = w.units_pane
    rect = pane.view.visualRect(pane.model.index_of(unit_named(ws, "小镇甲")["id"]))
    viewport = pane.view.viewport()
    pos = rect.center()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: QToolTip.isVisible(), timeout=2000)
    assert QToolTip.text().endswith("标签：小镇")
    QToolTip.hideText()
