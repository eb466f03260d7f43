"""Issue 17 in the app: 交换 → 导出县年度数据包（报军分区）. The dialog lists the years with
assessments and the counties, says what will go and warns about unreviewed assessments;
exporting with and without photos writes a bundle whose manifest says so and that a fresh
军分区 workspace imports with the same assessment ids; an unwritable target gives one
error line naming the file, no traceback."""

from __future__ import annotations

import json
import zipfile

import pytest

pytest.importorskip("pytestqt")

from storage import assessments, units  # noqa: E402
from storage.exchange.export_year import year_overview  # noqa: E402
from storage.exchange.importer import import_bundle  # noqa: E402

from test_year_bundle import YEAR, make_county  # noqa: E402
from uiutil import copy_workspace, make_window, menu_texts  # noqa: E402
from wsutil import open_ws  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_blocking_boxes")

MENU_TEXT = "导出县年度数据包（报军分区）(&Y)…"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A county workspace: a final and a draft town in 2027 (and 2026 final), photos on the
    first town, a 民兵连; the ids of its 2027 assessments."""
    folder = tmp_path_factory.mktemp("county") / "ws"
    with open_ws(folder) as ws:
        made = make_county(ws, "城关县", ("final", "draft"), 7)
    return folder, made


@pytest.fixture
def ws(template, tmp_path):
    with open_ws(copy_workspace(template[0], tmp_path / "ws")) as w:
        yield w


def open_dialog(qtbot, ws):
    w = make_window(qtbot, ws, wait_session=False)
    assert MENU_TEXT in menu_texts(w, "交换(&X)")
    w.act_export_year.trigger()
    dialog = w.exchange.dialog
    assert dialog.windowTitle() == "导出县年度数据包"
    return w, dialog


def test_overview_counts_what_the_bundle_carries(ws, template):
    ov = year_overview(ws, YEAR, "城关县")
    assert ov["assessments"] == len(template[1]["2027"]) == 3
    assert ov["unreviewed"] == 1  # the draft town
    assert ov["photos"] == 2 and ov["files"] == 2
    assert year_overview(ws, YEAR - 1, "城关县")["assessments"] == 2
    assert year_overview(ws, 1999, "城关县")["assessments"] == 0


def test_dialog_lists_years_and_the_one_county_fixed(qtbot, ws):
    _w, dialog = open_dialog(qtbot, ws)
    assert [dialog.year.itemData(i) for i in range(dialog.year.count())] == [YEAR, YEAR - 1]  # latest first
    assert dialog.year.currentData() == YEAR
    assert dialog.county.count() == 1 and dialog.county.currentText() == "城关县"
    assert not dialog.county.isEnabled()
    assert "3 个考评" in dialog.summary.text() and "2 张照片" in dialog.summary.text()
    assert "1 个尚未考评完毕" in dialog.warning.text() and not dialog.warning.isHidden()
    dialog.no_photos.setChecked(True)
    assert "不含照片文件" in dialog.summary.text() and "张照片" not in dialog.summary.text()
    dialog.year.setCurrentIndex(1)  # 2026: all final
    assert "2 个考评" in dialog.summary.text() and dialog.warning.isHidden()
    assert dialog.ok_button.isEnabled()
    assert dialog.default_name().startswith(f"城关县-{YEAR - 1}年度数据-") and dialog.default_name().endswith(".dabiao")


def test_two_counties_to_choose_from(qtbot, ws):
    make_county(ws, "东山县", ("final",), 8)
    _w, dialog = open_dialog(qtbot, ws)
    names = [dialog.county.itemText(i) for i in range(dialog.county.count())]
    assert sorted(names) == ["东山县", "城关县"] and dialog.county.isEnabled()
    dialog.county.setCurrentIndex(names.index("东山县"))
    assert "2 个考评" in dialog.summary.text() and "东山县" in dialog.summary.text()  # a town and its 民兵连
    assert dialog.warning.isHidden()


@pytest.mark.parametrize("photos", [True, False])
def test_export_writes_a_bundle_that_imports_with_the_same_ids(qtbot, ws, template, tmp_path, monkeypatch, photos):
    target = tmp_path / "out" / "year.dabiao"
    asked = []
    monkeypatch.setattr("ui.files.ask_save_path", lambda parent, title, name, flt: asked.append(name) or target)
    w, dialog = open_dialog(qtbot, ws)
    dialog.no_photos.setChecked(not photos)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
    assert asked and asked[0].startswith(f"城关县-{YEAR}年度数据-")
    assert dialog.worker is None and dialog.busy is None
    assert str(target) in dialog.message and "3 个考评" in dialog.message
    assert ("2 张照片" in dialog.message) == photos and ("不含照片" in dialog.message) == (not photos)
    assert w.statusBar().currentMessage() == dialog.message
    with zipfile.ZipFile(target) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        photo_members = [n for n in zf.namelist() if n.startswith("evidence/")]
    assert manifest["kind"] == "year" and manifest["photos"] is photos
    assert bool(photo_members) == photos
    with open_ws(tmp_path / "city") as city:
        units.add_unit(city, "某军分区", "city")
        import_bundle(city, target)
        got = {a["id"] for a in assessments.list_assessments(city, year=YEAR)}
    assert got == set(template[1]["2027"])


def test_unwritable_target_gives_one_error_line(qtbot, ws, tmp_path, monkeypatch, no_blocking_boxes, capfd):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    target = blocker / "year.dabiao"  # its "folder" is a file: cannot be created
    monkeypatch.setattr("ui.files.ask_save_path", lambda *a: target)
    _w, dialog = open_dialog(qtbot, ws)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.worker is None and dialog.message != "", timeout=30000)
    assert dialog.result is None
    assert len(no_blocking_boxes) == 1 and "\n" not in no_blocking_boxes[0]
    assert no_blocking_boxes[0].startswith("导出失败：") and str(blocker) in no_blocking_boxes[0]
    assert "Traceback" not in capfd.readouterr().err
    assert not list(tmp_path.glob("**/*.tmp"))
    assert dialog.ok_button.isEnabled() and dialog.year.isEnabled()  # may try again elsewhere
