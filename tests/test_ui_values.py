"""Issue 12, offscreen: every value lands on the item it was typed into, whichever way the
person leaves the item (F8, arrows, find, gap list, a click in the tree, switching mode
or assessment, closing the window); no internal repr reaches a message; ↓ skips section
rows and the keyboard focus is visible; locked notes are read-only; the item pane
scrolls and wraps at 1024×768; Qt's own dialogs speak Chinese; the first-run guide,
the empty window and the print preview say what a person needs."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from storage import Workspace, assessments, checklist_store, units  # noqa: E402
from storage import answers as answer_store  # noqa: E402

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
    folder = tmp_path / "ws"
    shutil.copytree(template_dir, folder, ignore=shutil.ignore_patterns("dabiao.lock"))
    w = Workspace.open(folder, backup=False)
    yield w
    w.close()


@pytest.fixture
def ids(ws) -> dict:
    """unit name -> assessment id"""
    return {a["unit_name"]: a["id"] for a in assessments.list_assessments(ws)}


@pytest.fixture(autouse=True)
def shown(monkeypatch):
    """Message boxes would block an offscreen test: record them instead."""
    texts = []

    def fake(parent, title, text, *a, **k):
        texts.append(text)
        return QMessageBox.StandardButton.Ok

    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(fake))
    monkeypatch.setattr("ui.main_window.ask", lambda *a, **k: True)
    return texts


def make_window(qtbot, ws, size=None):
    from ui.main_window import MainWindow

    w = MainWindow(ws)
    qtbot.addWidget(w)
    if size:
        w.resize(*size)
    w.show()
    qtbot.waitUntil(lambda: w.session is not None, timeout=5000)
    return w


def answer_modal(fill):
    """Run `fill(dialog)` on the next modal dialog, once it is shown."""

    def attempt():
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, attempt)
            return
        fill(dialog)

    QTimer.singleShot(0, attempt)


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
    from checklists.loader import bundled_files

    files = {p.stem: p for p in bundled_files()}
    checklist = load_checklist(files[CHECKLIST], [files[CHECKLIST].parent])
    index = checklist.item_index()
    for code, value in (("9.2", Fraction(1)), ("1.2", Fraction(96)), ("1.2", Fraction(1, 3)), ("1.1", [1]),
                        ("1.1", "九十六"), ("9.2", True)):
        _, message = check_value(index[code], value)
        assert message and "Fraction" not in message and "(" not in message.split("：")[0], message
    assert "“九十六”" in check_value(index["1.1"], "九十六")[1]
    assert check_value(index["9.2"], Fraction(1))[1].startswith("评级 1 不存在")
