"""Issue 17's 复核 in the app, offscreen: 复核模式 offered only for an assessment drawn for
复核 whose county review is done (a tooltip says why not); a value entered there is stored
as the recheck role and leaves the county's 考评 alone; the score bar shows 复核分 beside
考评分; the tree marks an item where 复核 differs from 考评; 抽取复核单位 draws the same
units from the same seed and asks before a redraw; a photo known only by its record shows
照片未随数据包传送 as its thumbnail and in the viewer."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from checklists.numbers import display  # noqa: E402
from storage import Workspace, answer_store, assessments, checklist_store, evidence, recheck, units  # noqa: E402
from storage.demo import draw_photo  # noqa: E402

from review_ws import SELF  # noqa: E402
from uiutil import copy_workspace, make_window, menu_texts  # noqa: E402

CHECKLIST = "city-2027-town"
VALUES = SELF  # the county workspace's self answers (review_ws)
TOWNS = ("一镇", "二镇", "三镇")
SEED = "2027"


@pytest.fixture(autouse=True)
def boxes(no_blocking_boxes):
    return no_blocking_boxes


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """某县 with three towns, each reviewed (self and review answers VALUES); nothing drawn."""
    folder = tmp_path_factory.mktemp("recheck") / "ws"
    with Workspace.open(folder, backup=False) as ws:
        checklist_store.ensure_bundled(ws)
        county = units.add_unit(ws, "某县", "county")
        for name in TOWNS:
            town = units.add_unit(ws, name, "town", county["id"])
            a = assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
            for code, value in VALUES.items():
                answer_store.set_answer(ws, a["id"], code, "self", value)
            assessments.set_status(ws, a["id"], "submitted")
            for code, value in VALUES.items():
                answer_store.set_answer(ws, a["id"], code, "review", value)
            assessments.set_status(ws, a["id"], "reviewed", confirm_incomplete=True)
        ws.set_meta("ui.onboarded", "1")
    return folder


def copy(template, tmp_path, name="ws") -> Path:
    return copy_workspace(template, tmp_path / name)


@pytest.fixture
def ws(template, tmp_path):
    w = Workspace.open(copy(template, tmp_path), backup=False)
    yield w
    w.close()


@pytest.fixture
def drawn(ws) -> tuple[str, str]:
    """Two of the three towns drawn for 复核: (a drawn assessment id, the undrawn one)."""
    ids = recheck.draw(ws, 2027, per_county=2, seed=SEED).ids
    rest = [a["id"] for a in assessments.list_assessments(ws, 2027) if a["id"] not in ids]
    assert len(ids) == 2 and len(rest) == 1
    return ids[0], rest[0]


def open_in(w, aid: str) -> None:
    w.units_pane.select(aid)
    w.open_assessment(aid)
    assert w.session.id == aid


# ---------------------------------------------------------------- offered only where it applies

def test_recheck_mode_is_offered_only_for_a_drawn_reviewed_assessment(qtbot, ws, drawn):
    chosen, left = drawn
    w = make_window(qtbot, ws)
    assert "复核模式(&H)" in menu_texts(w, "考评(&A)")
    open_in(w, left)
    assert not w.act_recheck_mode.isEnabled()
    assert "未被抽中复核" in w.act_recheck_mode.toolTip()
    w.toggle_recheck_mode(True)  # the shortcut on a disabled action does nothing; a direct call is refused
    assert w.mode == "review" and not w.act_recheck_mode.isChecked()
    assert "未被抽中复核" in w.statusBar().currentMessage()

    open_in(w, chosen)
    assert w.act_recheck_mode.isEnabled()
    assert w.enter_recheck_mode()
    assert w.item_pane.role == "recheck"
    # the county's review reopened (unlock): 复核 closes again and the window leaves it
    assert w.session.unlock("补充考评")
    assert w.mode == "review"
    assert not w.act_recheck_mode.isEnabled()
    assert "县级考评未完成" in w.act_recheck_mode.toolTip()


# ---------------------------------------------------------------- entering 复核 values

def test_an_edit_in_recheck_mode_is_stored_as_recheck_and_the_review_stays(qtbot, ws, drawn):
    chosen, _ = drawn
    w = make_window(qtbot, ws)
    open_in(w, chosen)
    assert w.enter_recheck_mode()
    review_before = w.session.results["review"].final
    w.jump_to("1.2")
    pane = w.item_pane
    assert pane.code == "1.2"
    # the county's 考评 read-only above the 复核 editor
    assert pane.self_box.isVisible() and pane.self_box.title().startswith("考评")
    assert "是" in pane.self_summary.text()
    assert pane.answer_box.title().startswith("复核")
    assert w.session.editable("recheck") and not w.session.editable("review")

    assert pane.handle_key(Qt.Key.Key_N, "n")  # 1.2: 否
    assert answer_store.get_answer(ws, chosen, "1.2", "recheck")["value"] is False
    assert answer_store.get_answer(ws, chosen, "1.2", "review")["value"] is True
    assert w.session.results["review"].final == review_before

    # score bar: 复核分 big, 考评分 beside it
    bar = w.score_bar
    recheck_score = answer_store.score_assessment(ws, chosen, "recheck").final
    assert bar.role_label.text() == "复核得分"
    assert bar.final_label.text() == display(recheck_score)
    assert recheck_score < review_before
    assert "考评分" in bar.other.text()

    # the tree: columns 考评 / 复核, the differing item tinted and its tooltip says so
    from ui import theme
    from ui.models.checklist_model import COL_REVIEW, COL_SELF

    model = w.checklist_pane.model
    assert model.headerData(COL_SELF, Qt.Orientation.Horizontal) == "考评"
    assert model.headerData(COL_REVIEW, Qt.Orientation.Horizontal) == "复核"
    idx = model.index_of("1.2", COL_REVIEW)
    assert model.data(idx, Qt.ItemDataRole.BackgroundRole) == theme.DIFF_BACKGROUND
    assert "复核与县级考评不一致" in model.data(model.index_of("1.2"), Qt.ItemDataRole.ToolTipRole)
    same = model.index_of("1.1", COL_REVIEW)  # no 复核 value there: not marked
    assert model.data(same, Qt.ItemDataRole.BackgroundRole) is None
    assert "不一致" in pane.self_box.title()

    # back to 考评模式: 自评 / 考评 again, the review untouched and not marked different
    w.enter_review_mode()
    assert w.mode == "review" and bar.role_label.text() == "考评得分"
    assert model.headerData(COL_SELF, Qt.Orientation.Horizontal) == "自评"
    assert model.data(model.index_of("1.2", COL_REVIEW), Qt.ItemDataRole.BackgroundRole) is None


def test_recheck_mode_stays_on_through_the_sample(qtbot, ws, drawn):
    """Going from one drawn unit to the next keeps 复核模式; an undrawn one leaves it."""
    chosen, left = drawn
    other = next(i for i in recheck.drawn(ws, 2027) if i != chosen)
    w = make_window(qtbot, ws)
    open_in(w, chosen)
    assert w.enter_recheck_mode()
    open_in(w, other)
    assert w.mode == "recheck" and w.act_recheck_mode.isChecked()
    open_in(w, left)
    assert w.mode == "review" and not w.act_recheck_mode.isChecked()


# ---------------------------------------------------------------- the draw

def test_the_draw_dialog_draws_the_same_units_from_the_same_seed(qtbot, template, tmp_path):
    from ui.dialogs.recheck_dialog import RecheckDrawDialog

    drawn_ids = []
    for name in ("a", "b"):
        with Workspace.open(copy(template, tmp_path, name), backup=False) as ws:
            d = RecheckDrawDialog(ws, 2027)
            qtbot.addWidget(d)
            assert "尚未抽取" in d.info.text()
            d.count.setValue(1)
            d.seed.setText("abc")
            assert d.draw()
            assert "abc" in d.info.text() and "每县抽取 1 个" in d.info.text()
            assert len(d.drawn_ids()) == 1
            assert d.drawn_ids() == recheck.drawn(ws, 2027)
            drawn_ids.append(d.drawn_ids())
    assert drawn_ids[0] == drawn_ids[1]


def test_a_redraw_asks_first_and_an_empty_seed_is_made_and_shown(qtbot, ws, monkeypatch):
    from ui.dialogs.recheck_dialog import RecheckDrawDialog

    d = RecheckDrawDialog(ws, 2027)
    qtbot.addWidget(d)
    d.by_share.setChecked(True)
    d.share.setValue(50)  # 3 towns: 1.5 rounds half up to 2
    assert d.draw()
    first = recheck.draw_info(ws, 2027)
    assert first.rule == "share:0.5" and len(first.ids) == 2
    assert d.seed.text() == first.seed and first.seed in d.info.text()  # the made seed is shown

    asked = []
    monkeypatch.setattr(d, "confirm", lambda title, text, yes: asked.append(text) or False)
    d.by_count.setChecked(True)
    d.count.setValue(1)
    assert not d.draw()  # declined: the draw stays
    assert asked and first.seed in asked[0]
    assert recheck.draw_info(ws, 2027).id == first.id

    monkeypatch.setattr(d, "confirm", lambda title, text, yes: True)
    assert d.draw()
    again = recheck.draw_info(ws, 2027)
    assert again.rule == "per_county:1" and len(again.ids) == 1 and len(d.drawn_ids()) == 1


def test_the_draw_from_the_menu_opens_recheck_for_the_open_assessment(qtbot, ws):
    from uiutil import answer_modal

    w = make_window(qtbot, ws)
    assert "抽取复核单位(&W)…" in menu_texts(w, "考评(&A)")
    assert not w.act_recheck_mode.isEnabled()

    def draw_all(d):
        d.count.setValue(3)
        d.seed.setText("x")
        assert d.draw()
        d.reject()

    answer_modal(draw_all)
    w.act_recheck_draw.trigger()
    assert w.act_recheck_mode.isEnabled()  # every town drawn, the open one too
    assert w.session.drawn


# ---------------------------------------------------------------- absent photos

def test_an_absent_photo_says_it_did_not_travel(qtbot, ws, drawn, tmp_path):
    from ui.models.evidence_model import THUMB, EvidenceModel
    from ui.photo_viewer import PhotoViewer

    chosen, _ = drawn
    shot = draw_photo(tmp_path / "IMG_01.jpg", "照片", "2027-03-01 09:30", 1)
    evidence.add_photos(ws, chosen, "1.2", [shot], role="recheck")
    row = evidence.list_evidence(ws, chosen, "1.2")[0]
    # as a year bundle without photos leaves it: the record here, the bytes not
    with ws.transaction() as db:
        db.execute("UPDATE evidence SET absent = 1 WHERE sha256 = ?", [row["sha256"]])
    for path in (row["original"], row["thumb"], row["report"]):
        Path(path).unlink(missing_ok=True)
    rows = evidence.list_evidence(ws, chosen, "1.2")
    assert evidence.is_absent(ws, rows[0])

    model = EvidenceModel()
    model.set_rows(rows)
    index = model.index(0, 0)
    thumb = model.data(index, Qt.ItemDataRole.DecorationRole)
    assert thumb.size() == THUMB
    assert model.thumbnails_ready()  # no loading box waiting forever
    assert evidence.ABSENT_TEXT in model.data(index, Qt.ItemDataRole.ToolTipRole)
    image = thumb.toImage()  # the card carries words: dark text pixels on its light ground
    assert any(image.pixelColor(x, y).lightness() < 140 for x in range(10, THUMB.width() - 10)
               for y in range(10, THUMB.height() - 10))

    viewer = PhotoViewer(rows)
    qtbot.addWidget(viewer)
    assert viewer.image.text() == evidence.ABSENT_TEXT

    # the gap report prints the same words in place of the photo
    from exports.collect import gap_report_data

    assert [p.problem for p in gap_report_data(ws, chosen).photos["1.2"]] == [evidence.ABSENT_TEXT]

    # a present photo that cannot be shown keeps its own words
    viewer = PhotoViewer([dict(rows[0], absent=0)])
    qtbot.addWidget(viewer)
    assert viewer.image.text() == "无法显示该照片"


# ---------------------------------------------------------------- a year bundle's import preview

def test_the_import_preview_lists_answers_per_role_and_photos_only_recorded():
    from types import SimpleNamespace

    from storage.exchange.plan import Change
    from ui.dialogs.import_bundle_dialog import preview_nodes

    def answer(side, code, value):
        return Change("answers", code, None, group="一镇 2027 年", code=code, side=side,
                      new={"value": value, "note": None, "documents": None})

    plan = SimpleNamespace(
        changes=[answer("review", "1.1", True), answer("recheck", "1.1", False), answer("recheck", "1.2", True),
                 Change("files_filled", "照片 0123456789ab", None)],
        skipped=[], counts={"files_absent": 3, "files_filled": 1})
    nodes = preview_nodes(plan)
    texts = [n.text for n in nodes]
    assert "补入此前未随包的照片（1 张）" in texts
    assert any(t.startswith("3 张照片只有记录") and evidence.ABSENT_TEXT in t for t in texts)
    unit = next(n for n in nodes if n.text.startswith("一镇 2027 年"))
    assert [n.text for n in unit.children] == ["考评答案（1 项）", "复核答案（2 项）"]
