"""The units tree at the size of a county and a 军分区 (issue 11): badges scored in a worker
without Qt measuring every row through the Python delegate, counties collapsed but for the
current one, the filter box, and the county of the rows on screen."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

from storage import Workspace, assessments  # noqa: E402
from storage.generate import generate_workspace  # noqa: E402


def _workspace(folder, counties, towns):
    ws = Workspace.open(folder, backup=False)
    made = generate_workspace(ws, counties, towns, (2027,), seed=5)
    return ws, made


@pytest.fixture
def small(tmp_path):
    ws, made = _workspace(tmp_path / "ws", 3, 6)
    yield ws, made
    ws.close()


def _pane(qtbot, ws, select=None):
    from ui.units_pane import UnitsPane

    pane = UnitsPane(ws)
    qtbot.addWidget(pane)
    pane.resize(320, 600)
    if select:
        pane.select(select)
    pane.show()
    qtbot.waitUntil(lambda: not pane.model.badges_pending(), timeout=60000)
    qtbot.waitUntil(lambda: pane._worker is None, timeout=10000)
    return pane


def type_text(widget, text: str) -> None:
    """Type Chinese text key by key (QTest.keyClicks knows ASCII keys only)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    widget.setFocus()
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))


def _shown(pane) -> list[str]:
    """Column-0 texts of every row on display (expanded and not filtered out), top to bottom."""
    view = pane.view
    out, index = [], pane.model.index(0, 0)
    while index.isValid() and view.isRowHidden(index.row(), index.parent()):
        index = pane.model.index(index.row() + 1, 0)
    while index.isValid():
        out.append(index.data())
        index = view.indexBelow(index)
    return out


def test_badges_fill_off_the_ui_thread_without_measuring_every_row(qtbot, tmp_path, monkeypatch):
    """300 assessments: every badge is filled by the worker (none scored on the UI thread),
    and the delegate's sizeHint is called a few times, not once per row per batch."""
    import ui.badge_worker
    from ui.models.units_model import BadgePendingRole
    from ui.units_pane import BadgeDelegate

    ws, made = _workspace(tmp_path / "ws", 2, 150)
    assert len(made.assessments) == 300
    main_thread = threading.current_thread()
    scored_in = []
    real_score = ui.badge_worker.score_badges
    monkeypatch.setattr(ui.badge_worker, "score_badges",
                        lambda ws, rows: scored_in.extend([threading.current_thread()] * len(rows))
                        or real_score(ws, rows))
    hints = []
    real_hint = BadgeDelegate.sizeHint
    monkeypatch.setattr(BadgeDelegate, "sizeHint", lambda self, o, i: hints.append(1) or real_hint(self, o, i))
    try:
        pane = _pane(qtbot, ws, select=made.assessments[-1])
        model = pane.model
        for aid in made.assessments:
            cell = model.index_of(aid).siblingAtColumn(1)
            assert cell.data() and cell.data(BadgePendingRole) is None, aid
            assert cell.data() == model.badge(aid)[0]
        assert len(scored_in) == 300 and main_thread not in scored_in
        assert len(hints) <= 20, f"{len(hints)} sizeHint calls for 300 badges"
        # the badge column is as wide as its widest badge
        widest = max(pane.view.fontMetrics().horizontalAdvance(model.badge(a)[0]) for a in made.assessments)
        assert pane.view.columnWidth(1) >= widest + 14
    finally:
        ws.close()


def test_counties_start_collapsed_but_the_current_one(qtbot, small):
    ws, made = small
    from ui.main_window import LAST_ASSESSMENT, MainWindow

    target = made.assessments[8]  # the third town of the second county
    ws.set_meta(LAST_ASSESSMENT, target)
    w = MainWindow(ws)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.session is not None and w.session.id == target, timeout=10000)
    view, model = w.units_pane.view, w.units_pane.model
    counties = [model.index(r, 0) for r in range(model.rowCount())]
    assert len(counties) == 3
    expanded = [view.isExpanded(c) for c in counties]
    current_county = model.root_of(model.index_of(target))
    assert expanded == [c == current_county for c in counties]
    town = model.index_of(target).parent()
    assert view.isExpanded(town) and view.currentIndex() == model.index_of(target)
    # expanding another county shows its towns with their assessments at once
    view.expand(counties[0])
    assert view.isExpanded(model.index(0, 0, counties[0]))
    qtbot.waitUntil(lambda: not model.badges_pending(), timeout=30000)
    w.close()


def test_filter_by_name_status_and_level_keeps_parents(qtbot, small):
    ws, made = small
    pane = _pane(qtbot, ws)
    model = pane.model
    rows = {aid: assessments.get_assessment(ws, aid) for aid in made.assessments}
    county_names = [model.index(r, 0).data() for r in range(model.rowCount())]
    assert _shown(pane) == county_names  # all collapsed (nothing selected yet)

    # by a town's name, typed: its county, the town and its assessment; nothing else
    town = next(iter(rows.values()))["unit_name"]
    type_text(pane.filter, town)
    qtbot.waitUntil(lambda: pane._kept is not None and len(_shown(pane)) == 3, timeout=3000)
    first = next(iter(rows))
    status = assessments.STATUS_LABELS[rows[first]["status"]]
    assert _shown(pane) == [model.root_of(model.index_of(first)).data(), town, f"2027 年 · {status}"]

    # by status: every 自评中 assessment, with its town and county, and only those
    pane.set_filter("自评中")
    drafts = [aid for aid, a in rows.items() if a["status"] == "draft"]
    assert drafts
    shown = _shown(pane)
    assert shown.count("2027 年 · 自评中") == len(drafts) == sum(t.startswith("2027") for t in shown)
    for aid in drafts:
        assert rows[aid]["unit_name"] in shown
    assert all(name in shown for name in {model.root_of(model.index_of(a)).data() for a in drafts})

    # by level: 未达标 and 达标 are told apart ("达标" is not in "未达标" for the filter)
    levels = {aid: model.badge(aid)[3] for aid in made.assessments}
    for level in set(levels.values()):
        pane.set_filter(level)
        expected = sorted(rows[a]["unit_name"] for a, lv in levels.items() if lv.startswith(level))
        shown = _shown(pane)
        towns = sorted(t for t in shown if t in {r["unit_name"] for r in rows.values()})
        assert towns == expected, level

    # two words: a county and a status
    county = county_names[1]
    pane.set_filter(f"{county} 自评中")
    shown = _shown(pane)
    assert shown[0] == county and all(t == county or t not in county_names for t in shown)

    # nothing matches: the header says so
    pane.set_filter("没有这个乡镇")
    assert _shown(pane) == [] and "没有匹配" in pane.county.text()

    # cleared (Esc): every row back, counties collapsed again but for the current one
    pane.select(made.assessments[0])
    pane.set_filter("自评中")
    pane.filter.setFocus()
    qtbot.keyClick(pane.filter, Qt.Key.Key_Escape)
    assert pane.filter.text() == "" and pane._hidden == set()
    counties = [model.index(r, 0) for r in range(model.rowCount())]
    assert [pane.view.isExpanded(c) for c in counties] == [True, False, False]


def test_filter_keeps_working_after_a_reload_and_select_clears_it(qtbot, small):
    ws, made = small
    pane = _pane(qtbot, ws)
    pane.set_filter("自评中")
    draft = next(a for a in made.assessments if assessments.get_assessment(ws, a)["status"] == "draft")
    other = next(a for a in made.assessments if assessments.get_assessment(ws, a)["status"] != "draft")
    before = _shown(pane)
    pane.reload()
    assert _shown(pane) == before  # the same filter applied to the new rows
    qtbot.waitUntil(lambda: not pane.model.badges_pending(), timeout=30000)
    pane.select(draft)
    assert pane.filter.text() == "自评中"  # it is on display: the filter stays
    pane.select(other)  # filtered out: the filter is cleared so that it can be shown
    assert pane.filter.text() == "" and pane.view.currentIndex() == pane.model.index_of(other)


def test_header_names_the_county_of_the_rows_on_screen(qtbot, tmp_path):
    ws, made = _workspace(tmp_path / "ws", 3, 30)
    try:
        pane = _pane(qtbot, ws)
        model, view = pane.model, pane.view
        counties = [model.index(r, 0) for r in range(model.rowCount())]
        for c in counties:
            view.expand(c)
        qtbot.waitUntil(lambda: counties[0].data() in pane.county.text(), timeout=3000)
        view.scrollTo(model.index_of(made.assessments[45]), view.ScrollHint.PositionAtTop)  # second county
        qtbot.waitUntil(lambda: counties[1].data() in pane.county.text(), timeout=3000)
        assert view.verticalScrollBar().value() > 0
        view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
        qtbot.waitUntil(lambda: counties[2].data() in pane.county.text(), timeout=3000)
        pane.county.click()  # back to the county's own row
        assert view.indexAt(view.viewport().rect().topLeft()) == counties[2]
    finally:
        ws.close()


def test_reload_keeps_the_old_badges_on_show_until_rescored(qtbot, small):
    from ui.models.units_model import BadgePendingRole

    ws, made = small
    pane = _pane(qtbot, ws)
    cell = lambda: pane.model.index_of(made.assessments[3]).siblingAtColumn(1)  # noqa: E731
    before = cell().data()
    pane.reload()
    assert pane.model.badges_pending()  # a new fill is running ...
    assert cell().data() == before and cell().data(BadgePendingRole) is None  # ... the old badge shows meanwhile
    qtbot.waitUntil(lambda: not pane.model.badges_pending(), timeout=30000)
    assert cell().data() == before


def test_badges_are_filled_even_when_the_worker_cannot_open_a_connection(qtbot, small, monkeypatch):
    import ui.badge_worker
    from ui.models.units_model import BadgePendingRole

    def refuse(ws):
        raise OSError("no second connection here")

    monkeypatch.setattr(ui.badge_worker, "thread_workspace", refuse)
    ws, made = small
    pane = _pane(qtbot, ws)  # waits until no badge is pending
    for aid in made.assessments:
        cell = pane.model.index_of(aid).siblingAtColumn(1)
        assert cell.data() and cell.data(BadgePendingRole) is None  # scored here, when shown
