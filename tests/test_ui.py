"""The desktop app, offscreen: models pass Qt's model tester, a whole assessment is filled
through the widgets (every kind, a real photo), submitted, unlocked with a reason and
found again after the window and the workspace are re-opened; keyboard-only use."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from storage import Workspace, actions, assessments, audit, checklist_store, evidence, units  # noqa: E402
from storage import answer_store  # noqa: E402

from conftest import PHOTOS, photo  # noqa: E402
from uiutil import answer_modal, copy_workspace, make_window  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_blocking_boxes")

CHECKLIST = "city-2027-town"
PHOTO = photo("jpg/Canon_40D.jpg")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="session")
def bundled_dir(tmp_path_factory) -> Path:
    """A workspace holding only the bundled criteria (importing them takes seconds: once)."""
    folder = tmp_path_factory.mktemp("bundled") / "ws"
    ws = Workspace.open(folder, backup=False)
    checklist_store.ensure_bundled(ws)
    ws.close()
    return folder


@pytest.fixture(scope="session")
def template_dir(bundled_dir, tmp_path_factory) -> Path:
    """Bundled criteria, 某县 > 城关镇 (> 民兵应急连) and one 2027 draft."""
    folder = copy_workspace(bundled_dir, tmp_path_factory.mktemp("template") / "ws")
    ws = Workspace.open(folder, backup=False)
    county = units.add_unit(ws, "某县", "county")
    town = units.add_unit(ws, "城关镇", "town", county["id"])
    units.add_unit(ws, "城关镇民兵应急连", "militia", town["id"])
    assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
    ws.set_meta("ui.onboarded", "1")
    ws.close()
    return folder


@pytest.fixture
def ws_dir(template_dir, tmp_path) -> Path:
    return copy_workspace(template_dir, tmp_path / "ws")


@pytest.fixture
def ws(ws_dir):
    w = Workspace.open(ws_dir, backup=False)
    yield w
    w.close()


@pytest.fixture
def assessment_id(ws) -> str:
    return assessments.list_assessments(ws)[0]["id"]


def select(w, code):
    assert w.checklist_pane.select_code(code)
    assert w.item_pane.code == code
    return w.session.index[code]


def type_into_spin(qtbot, editor, text):
    line = editor.spin.lineEdit()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


# ---------------------------------------------------------------- models

def test_models_pass_qtmodeltester(qapp, qtmodeltester, ws, assessment_id):
    from ui.models.checklist_model import ChecklistModel
    from ui.models.evidence_model import EvidenceModel
    from ui.models.table_models import ActionsModel, GapModel
    from ui.models.units_model import UnitsModel
    from ui.session import AssessmentSession

    answer_store.set_answer(ws, assessment_id, "1.2", "self", True)
    answer_store.set_answer(ws, assessment_id, "1.1", "self", Fraction(3))
    answer_store.set_answer(ws, assessment_id, "6.5", "self", "na")
    evidence.add_photos(ws, assessment_id, "3.1", [PHOTO], "self")
    actions.add_action(ws, assessment_id, "1.1", "每季度召开议军会议", "张三", "2027-12-31")

    session = AssessmentSession(ws, assessment_id)
    model = ChecklistModel(session)
    qtmodeltester.check(model, force_py=True)
    model.set_mode("review")
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == len(session.checklist.categories)
    assert model.index_of("1.2").data(Qt.ItemDataRole.DisplayRole).startswith("1.2")

    units_model = UnitsModel(ws)
    qtmodeltester.check(units_model, force_py=True)
    a_index = units_model.index_of(assessment_id)
    assert units_model.index(a_index.row(), 1, a_index.parent()).data() is not None

    ev = EvidenceModel()
    ev.set_rows(evidence.list_evidence(ws, assessment_id))
    qtmodeltester.check(ev, force_py=True)

    gap = GapModel()
    gap.set_rows(session.results["self"].gap)
    qtmodeltester.check(gap, force_py=True)

    acts = ActionsModel()
    acts.set_rows(actions.list_actions(ws))
    qtmodeltester.check(acts, force_py=True)


def test_units_badges_are_scored_after_the_tree_is_shown(qtbot, ws, assessment_id):
    """Start-up shows the tree before any badge is scored (empty cells sized like a badge),
    then fills the badges once the tree has been painted; later edits rescore at once."""
    from ui.models.units_model import BadgePendingRole
    from ui.units_pane import UnitsPane

    answer_store.set_answer(ws, assessment_id, "1.2", "self", True)
    pane = UnitsPane(ws)
    qtbot.addWidget(pane)
    model = pane.model
    cell = model.index_of(assessment_id).siblingAtColumn(1)
    assert model.badges_pending() and cell.data() == "" and cell.data(BadgePendingRole)
    assert model.rowCount() > 0 and model.assessment_ids() == [assessment_id]
    reserved = pane.view.sizeHintForColumn(1)
    pane.show()
    qtbot.waitUntil(lambda: not model.badges_pending(), timeout=5000)
    assert cell.data() == model.badge(assessment_id)[0] and cell.data(BadgePendingRole) is None
    assert "未达标" in cell.data() and pane.view.sizeHintForColumn(1) <= reserved
    answer_store.set_answer(ws, assessment_id, "1.2", "self", False)
    model.invalidate(assessment_id)
    assert cell.data() and cell.data(BadgePendingRole) is None  # scored on demand again


# ---------------------------------------------------------------- end to end

def fill_rest_by_keyboard(qtbot, w):
    """Answer every still-open item with its best value, the way a keyboard user would."""
    view = w.checklist_pane.view
    for item in w.session.checklist.items():
        if w.session.value(item.code, "self") is not None:
            continue
        select(w, item.code)
        view.setFocus()
        if item.kind == "check":
            qtbot.keyClick(view, Qt.Key.Key_Y)
        elif item.kind == "rubric":
            qtbot.keyClick(view, Qt.Key.Key_1)  # options are listed best first
        else:
            if item.kind == "number":
                best = max(item.bands, key=lambda b: b.points).at
            elif item.kind == "deduct":
                best = 0
            else:
                best = item.points
            text = format(float(best), "g")
            qtbot.keyClicks(view, text[0])  # the first digit moves into the editor...
            editor = w.item_pane.editor
            qtbot.keyClicks(editor.spin.lineEdit(), text[1:])  # ...where typing goes on
            qtbot.keyClick(editor.spin.lineEdit(), Qt.Key.Key_Return)
        assert w.session.value(item.code, "self") is not None, item.code


def test_fill_submit_unlock_and_reopen(qtbot, ws_dir, no_blocking_boxes):
    ws = Workspace.open(ws_dir, backup=False)
    w = make_window(qtbot, ws)
    s = w.session
    aid = s.id
    bar = w.score_bar
    # nothing answered yet: no score and no level (not a 0 that reads as 未达标)
    assert bar.final_label.text() == "—" and bar.level_label.isHidden()
    assert "自评尚未填写" in bar.detail.text() and not bar.gap_button.isEnabled()
    pane = w.item_pane

    # check: the 是 button
    select(w, "1.2")
    qtbot.mouseClick(pane.editor.yes, Qt.MouseButton.LeftButton)
    assert s.value("1.2", "self") is True
    first = bar.final_label.text()
    assert first != "0"

    # rubric: an option button
    item = select(w, "1.3")
    pane.editor.buttons[1].click()
    assert s.value("1.3", "self") == item.options[1].label

    # number: typed into the spin box, with the bands shown next to it
    select(w, "1.1")
    assert "≥" in pane.editor.findChild(type(pane.result), "bandsLabel").text()
    type_into_spin(qtbot, pane.editor, "3")
    assert s.value("1.1", "self") == 3
    assert s.result("1.1", "self").status == "partial"

    # score: typed, snapped to the step
    select(w, "1.5")
    type_into_spin(qtbot, pane.editor, "1.5")
    assert s.value("1.5", "self") == Fraction(3, 2)

    # deduct: the +1 counter
    select(w, "4.1")
    qtbot.mouseClick(pane.editor.plus, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(pane.editor.plus, Qt.MouseButton.LeftButton)
    assert s.value("4.1", "self") == 2
    assert s.result("4.1", "self").score == 1

    # not applicable
    select(w, "6.5")
    qtbot.mouseClick(pane.editor.na_button, Qt.MouseButton.LeftButton)
    assert s.value("6.5", "self") == "na"

    # note and document ticks on 1.1
    select(w, "1.1")
    pane.note.setFocus()
    pane.note.insertPlainText("全年召开3次")  # QTest cannot type Chinese; the edit is the same
    pane._doc_boxes[0].click()
    select(w, "1.2")  # moving on saves the note being typed
    assert s.answer("1.1", "self")["note"] == "全年召开3次"
    assert s.answer("1.1", "self")["documents"] == [w.session.index["1.1"].evidence.documents[0]]
    assert bar.final_label.text() != first

    # a real photo, imported by the worker thread
    select(w, "3.1")
    assert s.result("3.1", "self").missing_photos == 1
    assert pane.evidence.import_photos([str(PHOTO)])
    qtbot.waitUntil(lambda: not pane.evidence.busy(), timeout=10000)
    assert pane.evidence.model.rowCount() == 1
    qtbot.waitUntil(pane.evidence.model.thumbnails_ready, timeout=5000)
    assert s.result("3.1", "self").missing_photos == 0
    row = pane.evidence.model.row_at(0)
    assert row["camera"] and row["taken_at"].startswith("2008")

    # everything else by keyboard: the level in the score bar flips
    assert bar.level_label.text() == "未达标"
    fill_rest_by_keyboard(qtbot, w)
    assert s.results["self"].unanswered == ()
    assert bar.level_label.text() in ("达标", "达优")
    assert bar.level_label.text() == s.results["self"].level_label
    final = s.results["self"].final
    units_badge = w.units_pane.model.badge(aid)[0]
    assert s.results["self"].level_label in units_badge

    # submit locks the self answers
    w.act_submit.trigger()
    assert s.status == "submitted"
    select(w, "1.2")
    assert not pane.editor.yes.isEnabled()
    assert pane.banner.isVisible()
    assert w.act_review_mode.isChecked() is False or w.mode in ("self", "review")

    # unlock needs a reason
    answer_modal(lambda d: (d.reason.setPlainText("补充民兵之家照片"), d.ok.click()))
    w.act_unlock.trigger()
    assert s.status == "draft"
    assert pane.editor.yes.isEnabled()

    w.close()
    ws.close()

    # everything is in the database
    ws2 = Workspace.open(ws_dir, backup=False)
    try:
        saved = answer_store.list_answers(ws2, aid, "self")
        assert saved["1.2"]["value"] is True
        assert saved["1.1"]["value"] == 3 and saved["1.1"]["note"] == "全年召开3次"
        assert saved["6.5"]["value"] == "na"
        assert saved["4.1"]["value"] == 2
        assert len(evidence.list_evidence(ws2, aid, "3.1")) == 1
        assert assessments.get_assessment(ws2, aid)["status"] == "draft"
        unlocks = [e for e in audit.events_for(ws2.db, aid) if e["action"] == "unlock"]
        assert unlocks and unlocks[-1]["detail"]["reason"] == "补充民兵之家照片"
        assert answer_store.score_assessment(ws2, aid, "self").final == final

        # and the re-created window shows it
        w2 = make_window(qtbot, ws2)
        assert w2.session.id == aid
        assert w2.score_bar.level_label.text() == w2.session.results["self"].level_label
        select(w2, "1.1")
        assert w2.item_pane.editor.spin.value() == 3
        assert w2.item_pane.note.toPlainText() == "全年召开3次"
        w2.close()
    finally:
        ws2.close()
    assert not no_blocking_boxes


# ---------------------------------------------------------------- keyboard

def test_keyboard_only(qtbot, ws):
    w = make_window(qtbot, ws)
    s = w.session
    view = w.checklist_pane.view
    w.activateWindow()
    view.setFocus()
    select(w, "1.1")

    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.checklist_pane.current_code() == "1.2"
    qtbot.keyClick(view, Qt.Key.Key_Y)
    assert s.value("1.2", "self") is True
    qtbot.keyClick(view, Qt.Key.Key_N)
    assert s.value("1.2", "self") is False

    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.checklist_pane.current_code() == "1.3"
    qtbot.keyClick(view, Qt.Key.Key_2)
    assert s.value("1.3", "self") == s.index["1.3"].options[1].label

    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert w.checklist_pane.current_code() == "1.1"
    qtbot.keyClick(view, Qt.Key.Key_4)  # a digit starts typing in the number editor
    spin_line = w.item_pane.editor.spin.lineEdit()
    qtbot.keyClick(spin_line, Qt.Key.Key_Return)
    assert s.value("1.1", "self") == 4
    assert w.focusWidget() is view  # Enter saved and handed the focus back to the list

    # typing a number and pressing ↓ saves it and goes on to the next item
    select(w, "1.4")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_2)
    qtbot.keyClick(w.item_pane.editor.spin.lineEdit(), Qt.Key.Key_Down)
    assert s.value("1.4", "self") == 2
    assert w.checklist_pane.current_code() == "1.5"
    assert w.focusWidget() is view
    select(w, "1.1")

    # Delete clears, Ctrl+Z brings it back
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert s.value("1.1", "self") is None
    w.act_undo.trigger()
    assert s.value("1.1", "self") == 4

    # "-" marks 不涉及 where allowed
    select(w, "6.5")
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert s.value("6.5", "self") == "na"

    # F8 goes to the next unanswered item
    select(w, "1.1")
    w.act_next_open.trigger()
    assert w.checklist_pane.current_code() == "1.5"

    # Ctrl+F finds by words
    answer_modal(lambda d: (d.query.setText("民兵之家"), d.accept()))
    w.act_find.trigger()
    assert w.checklist_pane.current_code() == "3.3.2"

    # Ctrl+G lists the gap; Enter jumps to the first (largest loss)
    expected = s.results["self"].gap[0].code
    answer_modal(lambda d: d.jump())
    w.act_gap.trigger()
    assert w.checklist_pane.current_code() == expected

    # Enter in the list moves into the editor; Tab goes on to the document ticks and the note
    select(w, "1.1")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert w.item_pane.editor.isAncestorOf(w.focusWidget())
    for _ in range(8):
        if w.focusWidget() is w.item_pane.note:
            break
        qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Tab)
    assert w.focusWidget() is w.item_pane.note
    qtbot.keyClick(w.item_pane.note, Qt.Key.Key_Tab)
    assert w.focusWidget() is w.item_pane.evidence.view


def test_review_mode_side_by_side(qtbot, ws, assessment_id):
    answer_store.set_answer(ws, assessment_id, "1.2", "self", True)
    answer_store.set_answer(ws, assessment_id, "1.1", "self", Fraction(4))
    assessments.set_status(ws, assessment_id, "submitted")
    w = make_window(qtbot, ws)
    s = w.session
    assert w.mode == "review"  # a submitted assessment opens for the inspector
    assert not w.checklist_pane.view.isColumnHidden(3)
    view = w.checklist_pane.view

    select(w, "1.2")
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_N)
    assert s.value("1.2", "review") is False
    assert s.value("1.2", "self") is True
    assert s.status == "reviewing"
    assert s.differs("1.2")
    model = w.checklist_pane.model
    assert model.index_of("1.2", 3).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "不一致" in w.item_pane.self_box.title()

    select(w, "1.1")
    qtbot.keyClick(view, Qt.Key.Key_4)
    qtbot.keyClick(w.item_pane.editor.spin.lineEdit(), Qt.Key.Key_Return)
    assert not s.differs("1.1")
    assert model.index_of("1.1", 3).data(Qt.ItemDataRole.BackgroundRole) is None
    assert w.score_bar.role_label.text() == "考评得分"

    # conclusion and sign-off, then reviewed: two items reviewed, so the unreviewed rest
    # is listed and confirmed first (the confirmation is logged)
    def confirm(d):
        d.confirm.setChecked(True)
        d.accept()
        answer_modal(sign)

    def sign(d):
        d.conclusion.setPlainText("基本达标，限期整改议军会议。")
        d.signed_by.setText("王五")
        d.signed.setChecked(True)
        d.accept()

    answer_modal(confirm)
    w.act_reviewed.trigger()
    assert s.status == "reviewed"
    a = assessments.get_assessment(ws, assessment_id)
    assert a["conclusion"] == "基本达标，限期整改议军会议。" and a["signed_by"] == "王五" and a["signed_at"]

    # a gap item becomes a corrective action, listed under the unit
    answer_modal(lambda d: (d.owner.setText("张三"), d.accept()))
    w.new_action("1.2")
    open_actions = actions.list_actions(ws, unit_id=s.assessment["unit_id"], status="open")
    assert [x["code"] for x in open_actions] == ["1.2"] and open_actions[0]["owner"] == "张三"


def test_photo_drop_cancel_remove_undo_and_viewer(qtbot, ws):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    w = make_window(qtbot, ws)
    pane = w.item_pane
    select(w, "3.1")

    # several files dropped at once; cancelled straight away: the batch stops, nothing half-done
    others = sorted(PHOTOS.rglob("*.jpg"))[:6]
    assert len(others) == 6
    assert pane.evidence.import_photos([str(p) for p in others])
    pane.evidence.cancel_import()
    qtbot.waitUntil(lambda: not pane.evidence.busy(), timeout=10000)
    cancelled = pane.evidence.model.rowCount()
    assert cancelled < len(others)
    assert "已取消" in pane.evidence.message.text()
    for r in pane.evidence.model.rows():
        pane.evidence.session.remove_photo(r["id"])
    pane.evidence.reload()

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(PHOTO))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    pane.evidence.view.dropEvent(drop)
    assert pane.evidence.busy()
    qtbot.waitUntil(lambda: not pane.evidence.busy(), timeout=10000)
    assert pane.evidence.model.rowCount() == 1

    from ui.photo_viewer import PhotoViewer

    viewer = PhotoViewer(pane.evidence.model.rows(), 0, can_edit=lambda r: True)
    qtbot.addWidget(viewer)
    viewer.show()
    assert "2008" in viewer.info.text()
    viewer.step_zoom(1)
    assert viewer.zoom is not None
    viewer.fit()
    got = []
    viewer.captionChanged.connect(lambda i, c: got.append(c))
    viewer.caption.setText("武装部门牌")
    viewer.accept()
    assert got == ["武装部门牌"]

    pane.evidence.view.setCurrentIndex(pane.evidence.model.index(0, 0))
    pane.evidence.remove_selected()
    assert pane.evidence.model.rowCount() == 0
    assert w.session.result("3.1", "self").missing_photos == 1
    pane.evidence.undo_remove()
    assert pane.evidence.model.rowCount() == 1
    assert w.session.result("3.1", "self").missing_photos == 0


def test_first_run_creates_county_and_towns(qtbot, bundled_dir, tmp_path):
    from ui.app import first_run_needed
    from ui.dialogs.first_run import FirstRunDialog

    ws = Workspace.open(copy_workspace(bundled_dir, tmp_path / "fresh"), backup=False)
    try:
        assert first_run_needed(ws)
        d = FirstRunDialog(ws)
        qtbot.addWidget(d)
        d.county.setText("某某县人武部")
        d.towns.setPlainText("城关镇\n东风镇\n\n城关镇")
        d.accept()
        names = [u["name"] for u in units.list_units(ws)]
        assert names == ["某某县人武部", "城关镇", "东风镇"]  # in the order they were entered
        assert len(assessments.list_assessments(ws)) == 2
        assert d.open_assessment
        assert not first_run_needed(ws)
    finally:
        ws.close()


def test_demo_workspace_opens_filled(qtbot, bundled_dir, tmp_path):
    from storage.demo import build_demo

    ws = Workspace.open(copy_workspace(bundled_dir, tmp_path / "demo"), backup=False)
    try:
        ids = build_demo(ws)
        result = answer_store.score_assessment(ws, ids["assessment"], "self")
        assert result.unanswered == ()
        assert result.level_label == "达标" and result.next_level().short_by > 0  # a clear gap to 达优
        assert evidence.evidence_counts(ws, ids["assessment"])
        w = make_window(qtbot, ws)
        assert w.session.id == ids["assessment"]
        assert w.score_bar.level_label.text() == "达标"
        assert "示例" in w.windowTitle()
        w.close()
    finally:
        ws.close()


def test_read_only_workspace_shows_but_never_writes(qtbot, ws_dir):
    ws = Workspace.open(ws_dir, readonly=True)
    try:
        w = make_window(qtbot, ws)
        assert "只读" in w.windowTitle()
        select(w, "1.2")
        assert not w.item_pane.editor.yes.isEnabled()
        assert w.item_pane.banner.isVisible()
        assert not w.item_pane.handle_key(Qt.Key.Key_Y, "y")
        assert not w.act_submit.isEnabled() and not w.act_new_unit.isEnabled()
        assert not w.act_unit_tags.isEnabled()  # a unit's tags are a write too
        assert w.session.value("1.2", "self") is None
        w.close()
    finally:
        ws.close()
