"""Issue 12, offscreen: every value lands on the item it was typed into, whichever way the
person leaves the item (F8, arrows, find, gap list, a click in the tree, switching mode
or assessment, closing the window); no internal repr reaches a message; ↓ skips section
rows and the keyboard focus is visible; locked notes are read-only; the item pane
scrolls and wraps at 1024×768; Qt's own dialogs speak Chinese; the first-run guide,
the empty window and the print preview say what a person needs."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402

from storage import Workspace, assessments, checklist_store, units  # noqa: E402
from storage import answer_store  # noqa: E402

from uiutil import answer_modal, copy_workspace, make_window  # noqa: E402

CHECKLIST = "city-2027-town"


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    """Bundled criteria, 某县 > 城关镇 and 东风镇, one 2027 draft each."""
    folder = tmp_path_factory.mktemp("values") / "ws"
    ws = Workspace.open(folder, backup=False)
    checklist_store.ensure_bundled(ws)
    county = units.add_unit(ws, "某县", "county")
    for name in ("城关镇", "东风镇"):
        town = units.add_unit(ws, name, "town", county["id"])
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
def ids(ws) -> dict:
    """unit name -> assessment id"""
    return {a["unit_name"]: a["id"] for a in assessments.list_assessments(ws)}


@pytest.fixture(autouse=True)
def shown(no_blocking_boxes):
    """The texts of the message boxes shown (conftest.no_blocking_boxes)."""
    return no_blocking_boxes


def select(w, code):
    assert w.checklist_pane.select_code(code)
    assert w.item_pane.code == code
    w.checklist_pane.view.setFocus()


def type_digits(qtbot, w, digits: str):
    """Type a number in the list (the first digit starts the editor), no Enter."""
    view = w.checklist_pane.view
    qtbot.keyClick(view, digits[0])
    line = w.item_pane.editor.spin.lineEdit()
    for ch in digits[1:]:
        qtbot.keyClick(line, ch)
    assert w.item_pane.editor.spin.cleanText() == digits


# ---------------------------------------------------------------- values land on the right item

def test_pending_number_is_saved_to_its_own_item_on_f8(qtbot, ws, shown):
    w = make_window(qtbot, ws)
    s = w.session
    select(w, "6.1")
    type_digits(qtbot, w, "96")
    w.act_next_open.trigger()
    assert s.value("6.1", "self") == 96
    assert s.value("6.2", "self") is None
    assert w.checklist_pane.current_code() == "6.2"
    assert not shown


def _leave_by(qtbot, w, way: str, other_id: str | None = None) -> None:
    view = w.checklist_pane.view
    if way == "f8":
        w.act_next_open.trigger()
    elif way == "shift-f8":
        w.act_prev_open.trigger()
    elif way == "down":
        qtbot.keyClick(w.item_pane.editor.spin.lineEdit(), Qt.Key.Key_Down)
    elif way == "find":
        answer_modal(lambda d: (d.query.setText("民兵之家"), d.accept()))
        w.act_find.trigger()
    elif way == "gap":
        answer_modal(lambda d: d.jump())
        w.act_gap.trigger()
    elif way == "click":
        index = w.checklist_pane.model.index_of("7.1")
        rect = view.visualRect(index)
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert w.checklist_pane.current_code() == "7.1"
    elif way == "mode":
        w.act_review_mode.trigger()
    elif way == "assessment":
        assert w.open_assessment(other_id)
    elif way == "close":
        w.close()
    else:  # pragma: no cover
        raise AssertionError(way)


WAYS = ("f8", "shift-f8", "down", "find", "gap", "click", "mode", "assessment", "close")


@pytest.mark.parametrize("way", WAYS)
def test_pending_number_stays_with_its_item_however_the_item_is_left(qtbot, ws, ids, shown, way):
    """96 typed into 6.1 without Enter is saved to 6.1 (self), whichever way the person
    leaves: never to the item or role shown next, never lost, no message."""
    first, other = ids["城关镇"], ids["东风镇"]
    w = make_window(qtbot, ws)
    if w.session.id != first:
        assert w.open_assessment(first)
    select(w, "6.1")
    type_digits(qtbot, w, "96")
    _leave_by(qtbot, w, way, other)
    values = {c: (answer_store.get_answer(ws, first, c, "self") or {}).get("value")
              for c in ("6.1", "6.2", "5.6", "7.1", "3.3.2")}
    assert values == {"6.1": 96, "6.2": None, "5.6": None, "7.1": None, "3.3.2": None}
    assert all(answer_store.get_answer(ws, first, c, "review") is None for c in values)
    assert not shown


def test_review_mode_f8_onto_a_rubric_item_keeps_the_number(qtbot, ws, ids, shown):
    """考评模式: 缺 1 项 typed into 9.1, then F8 onto the 评级 item 9.2: 9.1 gets it, 9.2 stays
    empty, no error (and never a `Fraction(1, 1)`)."""
    first = ids["城关镇"]
    assessments.set_status(ws, first, "submitted")
    w = make_window(qtbot, ws)
    if w.session.id != first:
        assert w.open_assessment(first)
    assert w.mode == "review"
    s = w.session
    select(w, "9.1")
    type_digits(qtbot, w, "1")
    w.act_next_open.trigger()
    assert w.checklist_pane.current_code() == "9.2"
    assert s.value("9.1", "review") == 1 and s.value("9.2", "review") is None
    assert s.value("9.1", "self") is None
    assert not shown
    # and the item now shown takes its own keys
    qtbot.keyClick(w.checklist_pane.view, Qt.Key.Key_2)
    assert s.value("9.2", "review") == s.index["9.2"].options[1].label


def test_a_late_value_from_a_replaced_editor_goes_to_its_own_item(qtbot, ws, shown):
    """The value carries its item's code: even if an editor speaks after the next item is
    shown, it writes to its own item."""
    w = make_window(qtbot, ws)
    select(w, "6.1")
    editor = w.item_pane.editor
    select(w, "6.3")
    editor.blockSignals(False)  # as if it were still connected
    editor.valueChosen.connect(w.item_pane._value_chosen)
    editor.choose(Fraction(80))
    assert w.session.value("6.1", "self") == 80
    assert w.session.value("6.3", "self") is None
    assert not shown


def test_no_internal_repr_in_value_messages():
    from checklists.answers import check_value
    from checklists.loader import load_checklist
    from checklists.library import bundled_files

    files = {p.stem: p for p in bundled_files()}
    checklist = load_checklist(files[CHECKLIST], [files[CHECKLIST].parent])
    index = checklist.item_index()
    for code, value in (("9.2", Fraction(1)), ("1.2", Fraction(96)), ("1.2", Fraction(1, 3)), ("1.1", [1]),
                        ("1.1", "九十六"), ("9.2", True)):
        _, message = check_value(index[code], value)
        assert message and "Fraction" not in message and "(" not in message.split("：")[0], message
    assert "“九十六”" in check_value(index["1.1"], "九十六")[1]
    assert check_value(index["9.2"], Fraction(1))[1].startswith("评级 1 不存在")


# ---------------------------------------------------------------- moving and seeing where you are

def test_down_passes_over_section_rows_and_the_current_row_stays_marked(qtbot, ws):
    from PySide6.QtGui import QPalette

    w = make_window(qtbot, ws)
    view = w.checklist_pane.view
    select(w, "1.5")
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.checklist_pane.current_code() == "2.1"  # not the header row "2 机构与队伍"
    select(w, "3.5")
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.checklist_pane.current_code() == "3.3.1"  # over "3.3" into its first item
    select(w, "3.3.3")
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.checklist_pane.current_code() == "3.3.4.1"
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert w.checklist_pane.current_code() == "3.3.3"
    select(w, "2.1")
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert w.checklist_pane.current_code() == "1.5"
    select(w, "1.1")
    qtbot.keyClick(view, Qt.Key.Key_Up)  # nothing above but the header: stay
    assert w.checklist_pane.current_code() == "1.1"
    # a closed section is a stop (→ opens it)
    view.collapse(w.checklist_pane.model.index_of("3.3"))
    select(w, "3.5")
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert w.checklist_pane.current_code() == "3.3"
    # the editor's pending value still goes with ↓ (and lands on its own item)
    select(w, "2.3")
    type_digits(qtbot, w, "1")
    qtbot.keyClick(w.item_pane.editor.spin.lineEdit(), Qt.Key.Key_Down)
    assert w.session.value("2.3", "self") == 1 and w.checklist_pane.current_code() == "2.4"

    # the current row is plainly marked while the focus is in the item pane
    palette = view.palette()
    inactive = palette.color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Highlight)
    base = palette.color(QPalette.ColorGroup.Inactive, QPalette.ColorRole.Base)
    assert abs(inactive.lightness() - base.lightness()) >= 25 and inactive.saturation() > 40


def test_the_focused_control_in_the_item_pane_has_a_visible_ring(qtbot, ws):
    w = make_window(qtbot, ws)
    w.activateWindow()
    select(w, "1.2")  # a 是 / 否 item
    ring = w.item_pane.focus_ring
    w.focus_item()  # Enter in the list: into the editor
    qtbot.waitUntil(lambda: ring.isVisible(), timeout=2000)
    editor = w.item_pane.editor
    assert ring.target is editor.yes
    body = w.item_pane.widget()
    target_rect = editor.yes.rect().translated(editor.yes.mapTo(body, editor.yes.rect().topLeft()))
    assert ring.geometry().contains(target_rect)
    qtbot.keyClick(editor.yes, Qt.Key.Key_Tab)
    qtbot.keyClick(w.focusWidget(), Qt.Key.Key_Tab)
    assert ring.target is editor.clear_button  # Space here would clear: the ring says so
    assert ring.geometry().contains(editor.clear_button.geometry().translated(
        editor.clear_button.parentWidget().mapTo(body, editor.clear_button.parentWidget().rect().topLeft())))
    w.focus_list()
    qtbot.waitUntil(lambda: not ring.isVisible(), timeout=2000)


def test_locked_notes_are_read_only_and_look_it(qtbot, ws, ids):
    from PySide6.QtGui import QPalette

    first = ids["城关镇"]
    answer_store.set_answer(ws, first, "1.1", "self", Fraction(3), note="全年三次")
    w = make_window(qtbot, ws)
    if w.session.id != first:
        assert w.open_assessment(first)
    select(w, "1.1")
    note = w.item_pane.note
    editable_base = note.palette().color(QPalette.ColorRole.Base)
    assert not note.isReadOnly()

    w.act_submit.trigger()  # submitted: the self-assessment is locked
    assert w.session.status == "submitted"
    w.act_review_mode.setChecked(False)
    w.toggle_review_mode(False)
    select(w, "1.1")
    assert note.isReadOnly()
    assert note.palette().color(QPalette.ColorRole.Base) != editable_base  # greyed
    assert "锁定" in note.placeholderText()
    assert not note.focusPolicy() & Qt.FocusPolicy.TabFocus  # Tab passes over it
    # in review mode the inspector's own note is editable again, and not grey
    w.act_review_mode.setChecked(True)
    w.toggle_review_mode(True)
    select(w, "1.1")
    assert not note.isReadOnly()
    assert note.palette().color(QPalette.ColorRole.Base) == editable_base


# ---------------------------------------------------------------- the window at the sizes people have

LONG = "、".join(["按照上级规定的标准和程序组织实施并有完整的文字和照片记录"] * 3)
LONG_CRITERIA = f"""
format: dabiao-checklist/1
id: long-2027-town
version: "1"
title: 长文本测试标准（2027年）
level: county
year: 2027
applies_to: [town]
total: 10
levels:
  - {{key: pass, label: 达标, min_score: 60}}
categories:
  - code: "1"
    title: 很长的大项名称用来检查在窄屏上是否能够完整显示而不是只显示省略号
    items:
      - code: "1.1"
        title: 很长的条目名称用来检查在窄屏上是否能够完整显示而不是只显示省略号和被截断的文字
        requirement: {LONG}
        excellent: {LONG}
        guidance: {LONG}
        points: 4
        kind: rubric
        na_allowed: true
        options:
          - {{label: "{LONG}", points: 4}}
          - {{label: 基本规范但是部分资料不齐全需要在规定期限内补充完善并报上级备案, points: 2}}
          - {{label: 未落实, points: 0}}
        evidence: {{photos: 2, documents: [民兵整组点验工作方案及各类登记统计报表, 基干民兵花名册和应急分队编组名册, 政治审查和体格检查表, 点验讲评材料]}}
      - code: "1.2"
        title: 缺项扣分
        requirement: 每缺一项扣 1 分
        points: 6
        kind: deduct
        per: 1
        na_allowed: true
        evidence: {{photos: 1}}
"""


@pytest.fixture
def long_assessment(ws) -> str:
    from storage import checklist_store

    checklist_store.import_checklist_text(ws, LONG_CRITERIA, "long.yaml")
    town = [u for u in units.list_units(ws) if u["name"] == "城关镇"][0]
    a = assessments.new_assessment(ws, town["id"], "long-2027-town", "1", 2027)
    ws.set_meta("ui.last_assessment", a["id"])
    return a["id"]


def _inside(widget, area) -> bool:
    """The widget's whole rectangle lies within `area`'s (both visible)."""
    top_left = widget.mapTo(area, widget.rect().topLeft())
    return area.rect().contains(widget.rect().translated(top_left))


@pytest.mark.parametrize("size", [(1024, 768), (1366, 768)])
@pytest.mark.parametrize("mode", ["self", "review"])
def test_item_names_long_texts_and_buttons_fit_the_window(qtbot, ws, long_assessment, size, mode):
    if mode == "review":
        answer_store.set_answer(ws, long_assessment, "1.1", "self", "未落实")
        assessments.set_status(ws, long_assessment, "submitted")
    w = make_window(qtbot, ws, size)
    assert w.session.id == long_assessment
    qtbot.wait(50)
    assert w.mode == mode
    select(w, "1.1")
    qtbot.wait(50)
    pane = w.item_pane
    viewport = pane.viewport()

    # the list shows item names, not only "…"
    view = w.checklist_pane.view
    title_width = view.columnWidth(0) - 2 * view.indentation() - view.iconSize().width() - 8
    assert title_width >= view.fontMetrics().horizontalAdvance("国" * 7), title_width

    # the item pane: nothing wider than what it shows, long texts wrap, buttons all there
    assert pane.widget().width() <= viewport.width()
    editor = pane.editor
    long_option = editor.buttons[0]
    assert _inside(long_option, viewport) or long_option.width() <= viewport.width()
    assert long_option.height() >= 3 * long_option.fontMetrics().height()  # wrapped, not clipped
    for box in pane._doc_boxes:
        assert box.height() >= box.heightForWidth(box.width()) - 1
    for button in (editor.clear_button, editor.na_button, pane.evidence.add_button, pane.evidence.view_button,
                   pane.evidence.remove_button, pane.action_button):
        pane.ensureWidgetVisible(button)
        qtbot.wait(10)
        assert button.isVisible() and _inside(button, viewport), button.text()

    select(w, "1.2")  # the widest row: spin box, −1, +1, 不涉及, 清除
    qtbot.wait(50)
    assert pane.widget().width() <= viewport.width()
    for button in (pane.editor.spin, pane.editor.plus, pane.editor.clear_button):
        pane.ensureWidgetVisible(button)
        qtbot.wait(10)
        assert _inside(button, viewport)


# ---------------------------------------------------------------- Chinese, order, first words, preview

def test_qt_dialogs_speak_chinese_and_dates_are_chinese(qapp):
    from PySide6.QtCore import QCoreApplication, QDate, QLocale

    from ui.app import install_translations, translation_dirs

    assert any((d / "qtbase_zh_CN.qm").is_file() for d in translation_dirs())
    before = QLocale()
    installed = install_translations(qapp)
    try:
        assert installed, "qtbase_zh_CN.qm not loaded"
        # the texts of Qt's own file and print dialogs and standard buttons
        assert QCoreApplication.translate("QFileDialog", "&Open") != "&Open"
        assert "打开" in QCoreApplication.translate("QFileDialog", "&Open")
        assert "取消" in QCoreApplication.translate("QPlatformTheme", "Cancel")
        assert "打印" in QCoreApplication.translate("QPrintDialog", "Print")
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        assert QLocale().toString(QDate(2027, 3, 1), QLocale.FormatType.LongFormat).startswith("2027年3月1日")
    finally:
        for t in installed:
            qapp.removeTranslator(t)
        QLocale.setDefault(before)


def test_setup_application_installs_the_chinese_translator(qapp):
    from PySide6.QtCore import QCoreApplication, QLocale

    import ui.app

    before, font = QLocale(), qapp.font()
    installed = []
    real = ui.app.install_translations
    ui.app.install_translations = lambda app: installed.extend(real(app)) or installed
    try:
        ui.app.setup_application(qapp)
        assert installed
        assert "取消" in QCoreApplication.translate("QPlatformTheme", "Cancel")
        assert QLocale().language() == QLocale.Language.Chinese
    finally:
        ui.app.install_translations = real
        for t in installed:
            qapp.removeTranslator(t)
        QLocale.setDefault(before)
        qapp.setFont(font)


def test_units_keep_the_order_they_were_entered(tmp_path):
    with Workspace.open(tmp_path / "ws", backup=False) as ws:
        county = units.add_unit(ws, "某县", "county")
        for name in ("青山乡", "城关镇", "东风镇", "白马镇"):
            units.add_unit(ws, name, "town", county["id"])
        assert [u["name"] for u in units.list_units(ws)] == ["某县", "青山乡", "城关镇", "东风镇", "白马镇"]


def test_first_run_names_criteria_by_title_and_year(qtbot, tmp_path, template_dir):
    from ui.dialogs.first_run import FirstRunDialog

    with Workspace.open(copy_workspace(template_dir, tmp_path / "fresh"), backup=False) as ws:
        d = FirstRunDialog(ws)
        qtbot.addWidget(d)
        texts = [d.checklist.itemText(i) for i in range(d.checklist.count())]
        assert texts and all("@" not in t and "-2027-" not in t for t in texts), texts
        assert all("2027" in t for t in texts)
        assert "市乡镇" in d.checklist.currentText()  # the city's detailed criteria, preselected
        assert "city-2027-town" in d.checklist.itemData(d.checklist.currentIndex(), Qt.ItemDataRole.ToolTipRole)


def test_an_empty_workspace_says_how_to_start(qtbot, tmp_path, template_dir):
    folder = tmp_path / "empty"
    with Workspace.open(folder, backup=False) as ws:
        ws.set_meta("ui.onboarded", "1")
        from ui.main_window import MainWindow

        w = MainWindow(ws)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(lambda: "新建单位" in w.item_pane.placeholder.text(), timeout=3000)
        text = w.item_pane.placeholder.text()
        assert "请在左侧选择" not in text and "还没有考评" in text
        assert w.item_pane.placeholder.isVisible()
        # a unit, no assessment yet: the next step
        units.add_unit(ws, "某县", "county")
        w._update_start_hint()
        assert "新建考评" in w.item_pane.placeholder.text() and "新建单位" not in w.item_pane.placeholder.text()


def _pdf(path: Path, pages: int) -> Path:
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    painter = QPainter(writer)
    for n in range(pages):
        if n:
            writer.newPage()
        painter.drawText(200, 400, f"第 {n + 1} 页")
    painter.end()
    return path


def test_preview_page_counter_follows_the_scroll(qtbot, tmp_path):
    from ui.dialogs.preview_dialog import HAVE_QTPDF, PreviewDialog

    if not HAVE_QTPDF:
        pytest.skip("no QtPdf in this Qt")
    path = _pdf(tmp_path / "doc.pdf", 6)
    d = PreviewDialog(path, "测试文书")
    qtbot.addWidget(d)
    d.resize(900, 700)
    d.show()
    qtbot.waitExposed(d)
    assert d.page.value() == 1 and d.page.maximum() == 6
    bar = d.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=3000)
    bar.setValue(bar.maximum())  # scrolled to the end, as with the wheel or PgDn
    qtbot.waitUntil(lambda: d.page.value() == 6, timeout=3000)
    bar.setValue(bar.maximum() // 2)
    qtbot.waitUntil(lambda: 2 <= d.page.value() <= 5, timeout=3000)
    bar.setValue(0)
    qtbot.waitUntil(lambda: d.page.value() == 1, timeout=3000)
    # step by step through the whole document, at each zoom: the counter only goes up,
    # never back to 1 when the middle of the view is between two pages
    for zoom in range(d.zoom.count()):
        d.zoom.setCurrentIndex(zoom)
        qtbot.wait(30)
        seen = []
        for value in range(0, bar.maximum() + 1, max(1, bar.maximum() // 60)):
            bar.setValue(value)
            seen.append(d.page.value())
        bar.setValue(bar.maximum())
        seen.append(d.page.value())
        assert seen[0] == 1 and seen[-1] == 6 and seen == sorted(seen), (d.zoom.currentText(), seen)
    d.zoom.setCurrentIndex(0)
    qtbot.wait(30)
    # and typing a page still goes there
    d.page.setValue(4)
    qtbot.waitUntil(lambda: d.view.pageNavigator().currentPage() == 3, timeout=3000)
    assert d.page.value() == 4
