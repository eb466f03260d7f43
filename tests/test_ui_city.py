"""The 军分区 in the app (issue 17): one units tree 军分区 > county > town > 民兵营连 (the
counties still fold, filter and name the rows on screen), the 全市汇总 page with its
county table over storage.rollup.city_rollup, its two painted charts, and a county
clicked in the table selected in the tree."""

from __future__ import annotations

import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor  # noqa: E402

from checklists.numbers import display  # noqa: E402
from storage import Workspace, assessments, checklist_store, units  # noqa: E402
from storage.generate import CHECKLIST, fill_assessment  # noqa: E402
from storage.rollup import city_rollup  # noqa: E402

CITY = "某市军分区"
COUNTIES = ("城关区人武部", "东山县人武部", "西河县人武部")


def _city_workspace(folder):
    """A 军分区 with three counties of three towns each (one 民兵连 under each town), a
    2027 assessment per town, most of them finished (results the roll-up counts)."""
    ws = Workspace.open(folder, backup=False)
    checklist_store.ensure_bundled(ws)
    version = checklist_store.latest_version(ws, CHECKLIST)
    rnd = random.Random(3)
    made = {"city": units.add_unit(ws, CITY, "city")["id"], "counties": [], "towns": [], "militia": [],
            "assessments": []}
    for c, county_name in enumerate(COUNTIES):
        county = units.add_unit(ws, county_name, "county", made["city"])
        made["counties"].append(county["id"])
        for t in range(3):
            town = units.add_unit(ws, f"{county_name[:2]}{'东西南'[t]}镇", "town", county["id"])
            made["towns"].append(town["id"])
            made["militia"].append(units.add_unit(ws, f"{county_name[:2]}{'东西南'[t]}镇民兵连", "militia",
                                                  town["id"])["id"])
            a = assessments.new_assessment(ws, town["id"], CHECKLIST, version, 2027)
            fill_assessment(ws, a, rnd, "final" if (c + t) % 4 else "reviewed")
            made["assessments"].append(a["id"])
    return ws, made


@pytest.fixture
def city(tmp_path):
    ws, made = _city_workspace(tmp_path / "ws")
    yield ws, made
    ws.close()


def _pane(qtbot, ws):
    from ui.units_pane import UnitsPane

    pane = UnitsPane(ws)
    qtbot.addWidget(pane)
    pane.resize(320, 600)
    pane.show()
    qtbot.waitUntil(lambda: not pane.model.badges_pending(), timeout=60000)
    qtbot.waitUntil(lambda: pane._worker is None, timeout=10000)
    return pane


def _shown(pane) -> list[str]:
    """Column-0 texts of the rows on display, top to bottom."""
    out, index = [], pane.model.index(0, 0)
    while index.isValid():
        out.append(index.data())
        index = pane.view.indexBelow(index)
    return out


def _view(qtbot, ws, size=(1000, 650)):
    from ui.city_view import CityView

    view = CityView(ws)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=60000):
        view.refresh()
    return view


# ------------------------------------------------------------------------------ the tree

def test_tree_is_city_over_counties_over_towns_over_militia(qtbot, city):
    ws, made = city
    pane = _pane(qtbot, ws)
    model, view = pane.model, pane.view
    assert model.rowCount() == 1
    top = model.index(0, 0)
    assert top.data() == CITY and view.isExpanded(top)
    counties = [model.index(r, 0, top) for r in range(model.rowCount(top))]
    assert [c.data() for c in counties] == list(COUNTIES)
    # the counties fold (collapsed: nothing selected yet) and are the county bar's rows
    assert [view.isExpanded(c) for c in counties] == [False, False, False]
    assert _shown(pane) == [CITY, *COUNTIES]
    assert [model.node_index(n.nid) for n in model.county_nodes()] == counties
    # town > its assessment and its 民兵连, under the county
    aid = made["assessments"][4]
    index = model.index_of(aid)
    town = index.parent()
    assert town.parent() == counties[1] and town.parent().parent() == top
    assert model.index_of(made["militia"][4]).parent() == town
    assert model.root_of(index) == counties[1] and model.root_of(top) == top
    pane.select(aid)
    assert view.isExpanded(counties[1]) and not view.isExpanded(counties[0])
    pane.resize(320, 200)  # shorter than the rows: the county can be scrolled to the top
    qtbot.wait(10)
    view.scrollTo(counties[1], view.ScrollHint.PositionAtTop)
    pane._update_county()
    assert pane.county.text() == f"▾ {COUNTIES[1]}"
    assert model.holds_counties()


def test_filter_keeps_the_city_and_county_above_a_match(qtbot, city):
    ws, made = city
    pane = _pane(qtbot, ws)
    town = units.get_unit(ws, made["towns"][7])["name"]  # 西河 西镇
    pane.set_filter(town)
    shown = _shown(pane)
    assert shown[:3] == [CITY, COUNTIES[2], town]
    assert f"{town}民兵连" in shown and not any(t.startswith(COUNTIES[0][:2]) for t in shown[1:])
    # by level: every row kept is a match or above / under one; clearing folds the counties again
    pane.set_filter("")
    assert _shown(pane) == [CITY, *COUNTIES]


def test_workspace_without_a_city_keeps_the_counties_on_top(qtbot, tmp_path):
    from storage.generate import generate_workspace

    ws = Workspace.open(tmp_path / "ws", backup=False)
    try:
        generate_workspace(ws, 2, 2, (2027,), seed=2)
        pane = _pane(qtbot, ws)
        model = pane.model
        assert model.rowCount() == 2 and not model.city_nodes()
        assert [n.parent for n in model.county_nodes()] == [None, None]
        assert _shown(pane) == [model.index(r, 0).data() for r in range(2)]
        assert model.holds_counties()
    finally:
        ws.close()


# ------------------------------------------------------------------------------ county table

def test_county_table_rows_equal_the_rollup(qtbot, city):
    from ui.models.county_model import HEADERS

    ws, _made = city
    view = _view(qtbot, ws)
    rollup = city_rollup(ws, 2027)
    proxy = view.proxy
    assert view.stack.currentWidget() is view.table
    assert proxy.rowCount() == len(rollup["counties"]) == 3
    assert [proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(proxy.columnCount())] == list(HEADERS)
    failed = {}
    for f in rollup["failed"]:
        failed.setdefault(f["county"], []).append(f["unit"])
    for r, county in enumerate(rollup["counties"]):  # the rank order, as sorted on 排名
        f = county["figures"]
        cells = [proxy.index(r, c).data() for c in range(proxy.columnCount())]
        rate = f"{display(f['pass_rate'] * 100, 1)}%"
        top = f"{display(f['top_rate'] * 100, 1)}%"
        assert cells[:8] == [str(county["rank"]), county["county"], str(f["assessed"]), str(f["passed"]), rate, top,
                             display(f["average"]), display(f["stdev"])]
        assert cells[8] == ("、".join(failed[county["county"]]) if county["county"] in failed else "无")
        assert cells[9] == "未复核"
    assert view.year.currentData() == 2027 and "1 个考评" not in view.year.currentText()
    assert str(rollup["figures"]["assessed"]) in view.city.text()


def test_county_table_sorts_on_numbers(qtbot, city):
    from ui.models.county_model import AVERAGE, COUNTY, RANK

    ws, _made = city
    view = _view(qtbot, ws)
    proxy = view.proxy

    def column(col):
        return [proxy.index(r, col).data() for r in range(proxy.rowCount())]

    view.table.sortByColumn(AVERAGE, Qt.SortOrder.AscendingOrder)
    averages = [float(v) for v in column(AVERAGE)]
    assert averages == sorted(averages)
    view.table.sortByColumn(AVERAGE, Qt.SortOrder.DescendingOrder)
    assert [float(v) for v in column(AVERAGE)] == sorted(averages, reverse=True)
    view.table.sortByColumn(RANK, Qt.SortOrder.AscendingOrder)
    rollup = city_rollup(ws, 2027)
    assert column(COUNTY) == [c["county"] for c in rollup["counties"]]


def test_table_waits_then_fills_and_an_empty_workspace_says_so(qtbot, tmp_path):
    from ui.city_view import WAITING, CityView

    ws = Workspace.open(tmp_path / "ws", backup=False)
    try:
        view = CityView(ws)
        qtbot.addWidget(view)
        view.show()
        with qtbot.waitSignal(view.loaded, timeout=30000):
            view.refresh()
            assert view.stack.currentWidget() is view.waiting and view.waiting.text() == WAITING
        assert view.rollup is None and view.waiting.text() == "工作区中还没有考评"
        assert view.model.rowCount() == 0
    finally:
        ws.close()


# ------------------------------------------------------------------------------ charts

def _painted(widget, rect) -> int:
    """How many pixels inside `rect` are not the white background."""
    image = widget.grab().toImage()
    ratio = image.devicePixelRatio()
    white = QColor("white").rgb()
    count = 0
    r = rect.toRect()
    for x in range(max(0, r.left()), min(image.width(), r.right())):
        for y in range(max(0, r.top()), min(image.height(), r.bottom())):
            if image.pixel(int(x * ratio), int(y * ratio)) != white:
                count += 1
    return count


def test_bar_chart_paints_a_bar_per_county_as_long_as_its_rate(qtbot):
    from ui.charts import BarChart

    chart = BarChart("达标率")
    qtbot.addWidget(chart)
    data = [(f"第{i}县人武部", v) for i, v in enumerate((100.0, 50.0, 0.0, 87.5, 25.0))]
    chart.set_data(data)
    chart.set_reference("全市", 60.0)
    chart.resize(500, chart.sizeHint().height())
    chart.show()
    rects = chart.bar_rects()
    assert len(rects) == 5
    assert rects[0].width() == pytest.approx(2 * rects[1].width(), rel=0.02) and rects[2].width() == 0
    for rect, (_label, value) in zip(rects, data):
        if value:
            assert _painted(chart, rect.adjusted(1, 1, -1, -1)) >= 0.9 * (rect.width() - 2) * (rect.height() - 2)
    # 15+ counties: one row each, taller than the screen, scrolled in the view
    chart.set_data([(f"县{i}", i * 5.0) for i in range(40)])
    assert chart.sizeHint().height() >= 40 * chart.fontMetrics().height()


def test_histogram_paints_bars_and_empty_charts_a_message(qtbot):
    from ui.charts import BarChart, Histogram

    chart = Histogram("得分分布")
    qtbot.addWidget(chart)
    chart.resize(400, 240)
    chart.set_data([("60–65", 2), ("65–70", 0), ("70–75", 6)])
    chart.show()
    rects = chart.bar_rects()
    assert rects[1].height() == 0 and rects[2].height() == pytest.approx(3 * rects[0].height(), rel=0.02)
    assert _painted(chart, rects[2].adjusted(1, 1, -1, -1)) > 0.9 * (rects[2].width() - 2) * (rects[2].height() - 2)
    for empty in (Histogram("空"), BarChart("空")):
        qtbot.addWidget(empty)
        empty.resize(300, 200)
        empty.set_data([])
        empty.show()
        assert empty.bar_rects() == []
        middle = QRectF(empty.rect().adjusted(40, 60, -40, -60))
        assert _painted(empty, middle) > 20  # the message


def test_view_charts_show_the_rollup(qtbot, city):
    ws, _made = city
    view = _view(qtbot, ws)
    rollup = city_rollup(ws, 2027)
    assert [label for label, _ in view.bars.data] == [c["county"] for c in rollup["counties"]]
    assert [v for _, v in view.bars.data] == [float(c["figures"]["pass_rate"] * 100) for c in rollup["counties"]]
    assert sum(n for _, n in view.histogram.data) == len(rollup["scores"]) == rollup["figures"]["assessed"]


# ------------------------------------------------------------------------------ in the window

def test_clicking_a_county_selects_it_in_the_tree(qtbot, city):
    from uiutil import make_window

    ws, made = city
    w = make_window(qtbot, ws, size=(1366, 740))
    assert w.act_city.isVisible()
    w.act_city.trigger()
    view = w.city.view
    qtbot.waitUntil(lambda: view.rollup is not None, timeout=60000)
    assert view.isVisible() and not w.checklist_pane.isVisible() and not w.item_pane.isVisible()
    assert w.units_pane.isVisible()
    row = next(r for r in range(view.proxy.rowCount()) if view.proxy.index(r, 1).data() == COUNTIES[2])
    rect = view.table.visualRect(view.proxy.index(row, 1))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.units_pane.view.currentIndex() == w.units_pane.model.index_of(made["counties"][2])
    assert w.units_pane.current_unit_id() == made["counties"][2]
    # Ctrl+2: back to the assessment panes
    w.act_list.trigger()
    assert not view.isVisible() and w.checklist_pane.isVisible() and not w.act_city.isChecked()
    w.close()


def test_a_single_county_workspace_does_not_offer_the_page(qtbot, tmp_path):
    from storage.generate import generate_workspace
    from uiutil import make_window

    ws = Workspace.open(tmp_path / "ws", backup=False)
    try:
        generate_workspace(ws, 1, 2, (2027,), seed=2)
        w = make_window(qtbot, ws)
        assert not w.act_city.isVisible()
        w.close()
    finally:
        ws.close()


def test_city_table_at_1024_shows_every_column_header(qtbot, city):
    """At 1024x768 the page beside the units tree has a horizontal scroll bar rather than
    cut columns; the charts keep a usable size."""
    from uiutil import make_window

    ws, _made = city
    w = make_window(qtbot, ws, size=(1024, 740))
    w.act_city.trigger()
    view = w.city.view
    qtbot.waitUntil(lambda: view.rollup is not None, timeout=60000)
    header = view.table.horizontalHeader()
    total = sum(header.sectionSize(c) for c in range(header.count()))
    fits = total <= view.table.viewport().width()
    assert fits or view.table.horizontalScrollBar().maximum() > 0
    assert view.bars_scroll.height() >= 120 and view.histogram.height() >= 120
    w.close()


def test_rollup_result_for_an_older_year_is_dropped(qtbot, city):
    ws, _made = city
    view = _view(qtbot, ws)
    token = view._token
    view.refresh(2027)
    view.refresh(2027)
    assert view._token == token + 2
    qtbot.waitUntil(lambda: view._worker is None, timeout=60000)
    qtbot.waitUntil(lambda: view.stack.currentWidget() is view.table, timeout=60000)
    assert view.rollup["year"] == 2027


def test_print_button_previews_the_city_summary(qtbot, city):
    from uiutil import make_window

    ws, _made = city
    w = make_window(qtbot, ws)
    w.act_city.trigger()
    view = w.city.view
    qtbot.waitUntil(lambda: view.rollup is not None, timeout=60000)
    view.print_pdf.click()
    qtbot.waitUntil(lambda: w.documents.last_preview is not None or w.documents.last_error is not None,
                    timeout=120000)
    assert w.documents.last_error is None
    out = w.documents.last_output
    assert out.suffix == ".pdf" and out.read_bytes().startswith(b"%PDF") and "2027" in out.name
    w.documents.last_preview.close()
    w.close()


# ------------------------------------------------------------------------------ the unit dialog

def test_unit_dialog_adds_a_city_over_the_top_counties(qtbot, tmp_path):
    from storage.generate import generate_workspace
    from ui.dialogs.unit_dialog import NewUnitDialog

    ws = Workspace.open(tmp_path / "ws", backup=False)
    try:
        made = generate_workspace(ws, 3, 1, (2027,), seed=2)
        dialog = NewUnitDialog(ws)
        qtbot.addWidget(dialog)
        dialog.show()
        assert dialog.type_box.currentData() == "county" and not dialog.counties.isVisible()
        dialog.type_box.setCurrentIndex(dialog.type_box.findData("city"))
        assert dialog.counties.isVisible() and dialog.counties.count() == 3
        dialog.counties.item(2).setCheckState(Qt.CheckState.Unchecked)  # one county stays apart
        qtbot.keyClicks(dialog.name, "Junfenqu")
        dialog.accept()
        assert dialog.result() == dialog.DialogCode.Accepted
        city_id = dialog.created["id"]
        assert units.get_unit(ws, city_id)["type"] == "city"
        parents = [units.get_unit(ws, c)["parent_id"] for c in made.counties]
        assert parents == [city_id, city_id, None]
        # under a 军分区 only a county can be made
        dialog = NewUnitDialog(ws, city_id)
        qtbot.addWidget(dialog)
        assert [dialog.type_box.itemData(i) for i in range(dialog.type_box.count())] == ["county"]
    finally:
        ws.close()
