"""Issue 16, the app, offscreen: the editors of the format 2 rules on the bundled
county-2027-town sample. Each saves the stored shape at once (read back from storage),
shows the engine's figures for the same answer, and the items a unit's tags leave out
are shown as 不适用 with nothing to answer; a voided score says so in the score bar."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from checklists import Answers, score  # noqa: E402
from checklists.numbers import display  # noqa: E402
from checklists.scoring import item_score, value_score  # noqa: E402
from checklists.wording import linear_text  # noqa: E402
from storage import Workspace, answer_store, assessments, checklist_store, units  # noqa: E402

from uiutil import copy_workspace, make_window  # noqa: E402

CHECKLIST = "county-2027-town"
F = Fraction

pytestmark = pytest.mark.usefixtures("no_blocking_boxes")


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    """Bundled criteria, 某县 > 小镇甲 (tag small), one 2027 draft on the format 2 sample."""
    folder = tmp_path_factory.mktemp("format2ui") / "ws"
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


@pytest.fixture
def w(qtbot, ws):
    return make_window(qtbot, ws, size=(1366, 768))


def show(w, code):
    assert w.checklist_pane.select_code(code)
    assert w.item_pane.code == code
    w.checklist_pane.view.setFocus()
    return w.item_pane.editor


def stored(w, code):
    """The value as storage has it (read back, not the session's copy)."""
    row = answer_store.list_answers(w.ws, w.session.id, "self").get(code)
    return row["value"] if row else None


def stored_json(w, code) -> str | None:
    row = w.ws.db.execute("SELECT value FROM answers WHERE assessment_id = ? AND code = ? AND role = 'self'",
                          [w.session.id, code]).fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------- reasons (评分点)

def test_reasons_editor_saves_counts_at_once_and_shows_the_engines_figures(qtbot, w):
    from ui.editors import ReasonsEditor

    ed = show(w, "1.1")
    item = w.session.index["1.1"]
    assert isinstance(ed, ReasonsEditor) and len(ed.spins) == len(item.reasons) == 3
    assert "1. 议军会议少于2次，每次扣1分（最多2次）" in ed.findChild(type(ed.total), "reasonText_fewer").text()
    assert "尚未填写" in ed.total.text()

    ed.spins[1].setValue(3)  # 会议无记录或纪要 ×3: saved at once
    assert stored(w, "1.1") == {"minutes": 3}
    assert '"counts"' in stored_json(w, "1.1")
    assert ed.costs[1].text() == "扣 1.5 分" and ed.costs[0].text() == "—"
    expected = value_score(item, {"minutes": 3})
    assert f"按评分点得 <b>{display(expected)}</b> / 3 分" in ed.total.text()

    # counts capped by max_count: the box cannot go past 2 (fewer) or 1 (chair)
    ed.spins[0].setValue(5)
    ed.spins[2].setValue(4)
    assert ed.spins[0].value() == 2 and ed.spins[2].value() == 1
    assert stored(w, "1.1") == {"fewer": 2, "minutes": 3, "chair": 1}
    # 2 + 1.5 + 0.5 = 4 > 3: 扣完为止, and the pane's result is the storage score
    assert "合计扣 4 分" in ed.total.text() and "扣完为止" in ed.total.text()
    assert "按评分点得 <b>0</b>" in ed.total.text()
    assert w.session.result("1.1", "self").score == 0

    # the score the pane shows is checklists' for the same answer (documents included)
    ed.spins[0].setValue(0)
    ed.spins[2].setValue(0)
    ed.spins[1].setValue(1)
    r = w.session.result("1.1", "self")
    assert r.score == item_score(item, {"minutes": 1}, photos=0, documents=None) == F(2)  # 3 - 0.5 - 0.5 (纪要)
    assert f"得分 {display(r.score)} / 3" in w.item_pane.result.text()


def test_reasons_by_keyboard_no_deduction_and_undo(qtbot, w):
    ed = show(w, "2.4")
    view = w.checklist_pane.view
    qtbot.keyClick(view, Qt.Key.Key_0)  # 无扣分: answered, full marks
    assert stored(w, "2.4") == {}
    assert ed.none_button.isChecked()
    assert w.session.result("2.4", "self").status == "full"
    qtbot.keyClick(view, Qt.Key.Key_2)  # to the count of reason 2
    assert ed.spins[1].hasFocus()
    qtbot.keyClick(ed.spins[1], Qt.Key.Key_Up)  # ↑ steps and saves at once
    assert stored(w, "2.4") == {"training": 1}
    qtbot.keyClicks(ed.spins[1].lineEdit(), "")
    ed.spins[1].lineEdit().selectAll()
    qtbot.keyClicks(ed.spins[1].lineEdit(), "3")
    qtbot.keyClick(ed.spins[1].lineEdit(), Qt.Key.Key_Tab)  # Tab: saved, on to the next box
    assert stored(w, "2.4") == {"training": 3}
    assert ed.spins[2].hasFocus()
    qtbot.keyClick(ed.spins[2], Qt.Key.Key_Return)  # Enter: back to the list
    assert view.hasFocus()
    w.undo()
    assert stored(w, "2.4") == {"training": 1}
    assert ed.spins[1].value() == 1


def test_a_count_typed_without_enter_is_kept_when_the_item_is_left(qtbot, w):
    ed = show(w, "5.3")
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_1)
    line = ed.spins[0].lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "2")
    assert stored(w, "5.3") is None
    show(w, "5.4")  # leaves 5.3 by the list
    assert stored(w, "5.3") == {"lost": 2}


def test_a_count_typed_is_kept_when_another_window_takes_the_focus(qtbot, w):
    """As in the number boxes: switching to another program saves what was typed."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication, QWidget

    ed = show(w, "5.3")
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_1)
    line = ed.spins[0].lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, "2")
    assert stored(w, "5.3") is None
    other = QWidget()  # another program's window comes to the front
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: not line.isActiveWindow())
    QApplication.sendEvent(line, QEvent(QEvent.Type.ActivationChange))
    assert stored(w, "5.3") == {"lost": 2}


# ---------------------------------------------------------------- elements

def test_elements_ticks_save_the_list_and_show_the_sum(qtbot, w):
    from ui.editors import ElementsEditor

    ed = show(w, "1.2")
    item = w.session.index["1.2"]
    assert isinstance(ed, ElementsEditor)
    assert [b.text() for b in ed.boxes] == ["1  有上级任职命令（0.5分）", "2  年终述职武装工作（0.75分）",
                                            "3  述职报告存档（0.25分）"]
    assert ed.findChild(type(ed.total), "anyOfLabel") is None  # 0.5 + 0.75 + 0.25 = the item's 1.5
    ed.boxes[2].click()
    assert stored(w, "1.2") == ["filed"]
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_1)  # the list: 1 toggles element 1
    assert stored(w, "1.2") == ["order", "filed"]  # in the elements' order
    assert "已做到 2 / 3 项，合计 0.75 分" in ed.total.text()
    assert w.session.result("1.2", "self").score == value_score(item, ["order", "filed"]) == F(3, 4)
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_0)  # 均未做到: answered, 0
    assert stored(w, "1.2") == [] and w.session.result("1.2", "self").status == "zero"
    assert not any(b.isChecked() for b in ed.boxes)


def test_any_k_of_n_is_said_and_over_satisfying_stays_at_the_items_points(qtbot, w):
    ed = show(w, "2.5")  # four elements of 0.75 on a 2.25 item: any 3 of 4
    assert ed.rule.text() == "任做到 3 项即得满分（共 4 项）"
    for box in ed.boxes:
        box.click()
    assert stored(w, "2.5") == ["muster", "vetting", "register", "notice"]
    assert "合计 3 分，按要素得 <b>2.25</b> / 2.25 分（已满分）" in ed.total.text()
    assert w.session.result("2.5", "self").score == F(9, 4)
    assert show(w, "6.1").rule.text() == "任做到 5 项即得满分（共 6 项）"


# ---------------------------------------------------------------- linear rates

@pytest.mark.parametrize("code, value", [("4.1", "95"), ("4.1", "96"), ("4.1", "98"), ("4.1", "90"),
                                         ("3.2", "89"), ("6.3", "2.5"), ("6.3", "1")])
def test_linear_rule_in_words_and_the_live_score_either_side_of_at(qtbot, w, code, value):
    ed = show(w, code)
    item = w.session.index[code]
    assert ed.findChild(type(ed.live), "linearLabel").text() == linear_text(item)
    assert ed.findChild(type(ed.live), "bandsLabel") is None
    # typed, not yet saved: the score shown is already the one this value gives
    ed.start_typing(value)
    qtbot.keyClicks(ed.spin.lineEdit(), "")
    ed.spin.lineEdit().textEdited.emit(ed.spin.lineEdit().text())
    expected = value_score(item, F(value))
    assert f"→ 得 {display(expected)} 分" in ed.live.text()
    qtbot.keyClick(ed.spin.lineEdit(), Qt.Key.Key_Return)
    assert stored(w, code) == F(value)
    assert f"→ 得 {display(expected)} 分" in ed.live.text()


def test_linear_text_of_the_sample_reads_as_published(w):
    ed = show(w, "4.1")
    assert ed.findChild(type(ed.live), "linearLabel").text().startswith("96%得6分，每提高1%加2分，每降低1%扣2分")
    assert (F(95), F(4)) == (F(95), value_score(w.session.index["4.1"], F(95)))  # below at: 6 - 2


# ---------------------------------------------------------------- documents that count

def test_unticked_documents_say_what_they_cost(qtbot, w):
    show(w, "5.4")
    pane = w.item_pane
    costs = {b.property("document"): c.text() if c else None for b, c in zip(pane._doc_boxes, pane._doc_costs)}
    assert costs == {"民兵花名册": "未提供：本项不得分", "整组工作台账": "未提供：扣0.5分",
                     "教育训练台账": "未提供：扣0.5分", "征兵工作台账": None}
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_Y)
    assert w.session.result("5.4", "self").score == 0  # 花名册 not presented: the item scores 0
    pane._doc_boxes[0].click()
    assert answer_store.list_answers(w.ws, w.session.id, "self")["5.4"]["documents"] == ["民兵花名册"]
    assert pane._doc_costs[0].text() == "已提供（缺则本项不得分）"
    assert w.session.result("5.4", "self").score == F(2)  # 3 - 0.5 - 0.5
    # a document that costs nothing has no cost line
    show(w, "1.1")
    assert [c is None for c in pane._doc_costs] == [True, False]


# ---------------------------------------------------------------- not applicable by the unit's tags

def test_an_item_the_units_tags_leave_out_is_shown_and_cannot_be_answered(qtbot, w):
    from ui.models.checklist_model import COL_SELF, COL_TITLE

    model = w.checklist_pane.model
    title = model.index_of("2.2", COL_TITLE)
    assert title.data() == "2.2  民兵应急连（仅适用于大镇）"
    assert "不适用：仅适用于大镇" in title.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index_of("2.2", COL_SELF).data() == "不适用"
    assert title.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index_of("2.3", COL_SELF).data() == "—"  # for this small town: answerable

    show(w, "2.2")
    pane = w.item_pane
    assert pane.editor is None and not pane.answer_box.isVisibleTo(pane)
    assert not pane.evidence.isVisibleTo(pane) and pane.excluded_notice.isVisibleTo(pane)
    assert "不适用" in pane.excluded_notice.text() and "小镇" in pane.excluded_notice.text()
    for key in (Qt.Key.Key_Y, Qt.Key.Key_1, Qt.Key.Key_Delete):
        qtbot.keyClick(w.checklist_pane.view, key)
    assert stored(w, "2.2") is None
    assert not pane.focus_editor()
    assert not pane.evidence.can_edit()
    # and the next item is answerable again
    ed = show(w, "2.3")
    assert ed is not None and pane.answer_box.isVisibleTo(pane)


def test_in_review_mode_an_item_the_units_tags_leave_out_is_not_applicable_for_the_inspector(qtbot, ws):
    """After submission the inspector's column says 不适用 too, and the item cannot be
    given a review answer either."""
    from storage import assessments as assessments_store
    from ui.models.checklist_model import COL_REVIEW

    aid = assessments_store.list_assessments(ws, 2027)[0]["id"]
    assessments_store.set_status(ws, aid, "submitted")
    win = make_window(qtbot, ws, size=(1366, 768))
    win.enter_review_mode()
    assert win.session.editable("review")
    assert win.checklist_pane.model.index_of("2.2", COL_REVIEW).data() == "不适用"
    show(win, "2.2")
    assert win.item_pane.editor is None and win.item_pane.excluded_notice.isVisibleTo(win.item_pane)
    for key in (Qt.Key.Key_Y, Qt.Key.Key_1):
        qtbot.keyClick(win.checklist_pane.view, key)
    assert "2.2" not in answer_store.list_answers(ws, aid, "review")
    assert show(win, "2.3") is not None  # the next item takes a review answer


def test_the_score_bar_leaves_out_what_does_not_apply(w):
    r = w.session.results["self"]
    assert r.not_applicable == ("2.2",)
    count = len(r.items) - 1
    assert f"已填 0/{count} 项（1 项不适用）" in w.score_bar.breakdown.text()
    # the category shows the points that apply to this unit: 2.2 and 2.3 are alternatives
    from ui.models.checklist_model import COL_POINTS

    category = w.session.checklist.categories[1]
    applicable = sum(i.points for i in category.walk_items() if i.role == "base" and i.code != "2.2")
    assert w.checklist_pane.model.index_of(category.code, COL_POINTS).data() == display(applicable)


# ---------------------------------------------------------------- the veto

def test_veto_line_only_when_the_veto_item_is_answered_as_failed(qtbot, w):
    bar = w.score_bar
    assert not bar.veto.isVisibleTo(bar)
    show(w, "1.3")
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_1)
    assert w.session.results["self"].final > 0
    show(w, "2.8")
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_Y)  # 无空白村: met, nothing voided
    assert not bar.veto.isVisibleTo(bar)
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_N)
    r = w.session.results["self"]
    assert r.voided_by == ("2.8",) and r.final == 0
    assert bar.veto.isVisibleTo(bar)
    assert "一票否决：" in bar.veto.text() and "2.8 无民兵组织空白村" in bar.veto.text()
    assert bar.veto.text().endswith("，总分记0分")
    assert bar.final_label.text() == "0"
    # the same answers through the engine void too
    answers = Answers(values={"1.3": w.session.value("1.3", "self"), "2.8": False},
                      unit_tags=frozenset({"small"}))
    assert score(w.session.checklist, answers).voided_by == ("2.8",)
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_Delete)  # unanswered: blocks, voids nothing
    assert not bar.veto.isVisibleTo(bar)


# ---------------------------------------------------------------- opening never clobbers

def test_opening_every_item_keeps_every_stored_answer(qtbot, w):
    """Stored answers of every kind survive opening each item (no editor writes on show)."""
    values = {"1.1": {"fewer": 1, "chair": 1}, "1.2": ["report"], "2.5": [], "2.4": {},
              "4.1": F(97), "2.8": True, "7.4": {"accident": 1}}
    for code, value in values.items():
        answer_store.set_answer(w.ws, w.session.id, code, "self", value)
    w.session.reload()
    before = {c: stored_json(w, c) for c in values}
    for item in w.session.checklist.items():
        w.jump_to(item.code)
        assert w.item_pane.code == item.code
    w.item_pane.flush()
    assert {c: stored_json(w, c) for c in values} == before
    ed = show(w, "1.1")
    assert [s.value() for s in ed.spins] == [1, 0, 1]
    assert [b.isChecked() for b in show(w, "1.2").boxes] == [False, True, False]
    assert show(w, "2.5").none_button.isChecked()
    # and the undo / self-summary words of these answers
    from ui.format import value_text

    assert value_text(w.session.index["1.2"], ["report"]) == "年终述职武装工作"
    assert value_text(w.session.index["1.1"], {"minutes": 2}) == "会议无记录或纪要 2 处"


def test_locked_editors_are_read_only(qtbot, w):
    answer_store.set_answer(w.ws, w.session.id, "1.1", "self", {"minutes": 1})
    w.session.reload()
    assert w.session.submit()
    ed = show(w, "1.1")
    assert not any(s.isEnabled() for s in ed.spins) and not ed.none_button.isEnabled()
    assert not show(w, "1.2").boxes[0].isEnabled()
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_1)
    assert stored(w, "1.2") is None
