"""The app's 文书 / 交换 / 标准 menus, offscreen: a report is rendered in a worker and
previewed (printed to a PDF file, saved as); a submission bundle exported from a town's
workspace is imported into an inspector's through the dialog, with its summary shown
first; a broken criteria workbook lists its cells and adds nothing; a valid YAML is added
only after confirmation. File dialogs are monkeypatched."""

from __future__ import annotations

import textwrap
from fractions import Fraction
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QFileDialog  # noqa: E402

from storage import Workspace, actions, assessments, checklist_store, evidence, units  # noqa: E402
from storage import answer_store  # noqa: E402
from storage.demo import draw_photo  # noqa: E402

from uiutil import copy_workspace, make_window  # noqa: E402

pytestmark = pytest.mark.usefixtures("no_blocking_boxes")

CHECKLIST = "city-2027-town"


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def town_template(tmp_path_factory) -> Path:
    """A town's workspace: bundled criteria, 某县 > 城关镇, a 2027 assessment with a few
    answers, two photos and an open corrective action; named 城关镇 for its bundles."""
    folder = tmp_path_factory.mktemp("town") / "ws"
    ws = Workspace.open(folder, backup=False)
    checklist_store.ensure_bundled(ws)
    county = units.add_unit(ws, "某县", "county")
    town = units.add_unit(ws, "城关镇", "town", county["id"])
    a = assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
    answer_store.set_answer(ws, a["id"], "1.2", "self", True)
    answer_store.set_answer(ws, a["id"], "1.1", "self", Fraction(3))
    shots = tmp_path_factory.mktemp("shots")
    photos = [draw_photo(shots / f"p{i}.jpg", f"现场照片{i}", "2027-03-0{i} 09:30", i) for i in (1, 2)]
    evidence.add_photos(ws, a["id"], "3.1", photos, "self", caption="民兵器材室")
    actions.add_action(ws, a["id"], "1.1", "每季度召开议军会议", "张三", "2027-12-31")
    from storage.exchange import signing

    signing.set_workspace_name(ws, "城关镇")
    ws.set_meta("ui.onboarded", "1")
    ws.close()
    return folder


@pytest.fixture
def town_ws(town_template, tmp_path):
    ws = Workspace.open(copy_workspace(town_template, tmp_path / "town"), backup=False)
    yield ws
    ws.close()


def save_to(monkeypatch, path: Path):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def open_from(monkeypatch, path: Path):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))


# ---------------------------------------------------------------- reports

def test_gap_report_renders_in_worker_and_previews(qtbot, town_ws, tmp_path, monkeypatch, no_blocking_boxes):
    from ui.dialogs.preview_dialog import HAVE_QTPDF, PreviewDialog

    w = make_window(qtbot, town_ws)
    docs = w.documents
    assert w.act_doc_gap.isEnabled()
    w.act_doc_gap.trigger()
    assert docs.running()  # the UI thread is free while the report renders
    qtbot.waitUntil(lambda: docs.last_preview is not None, timeout=60000)
    assert not docs.running() and docs.last_error is None, docs.last_error
    pdf = docs.last_output
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.name == "城关镇2027年度差距分析报告.pdf"
    preview = docs.last_preview
    assert preview.isVisible()

    # 另存为: a copy where the person chose
    target = tmp_path / "out" / "报告"
    target.parent.mkdir()
    save_to(monkeypatch, target)
    preview.save_button.click()
    assert (tmp_path / "out" / "报告.pdf").read_bytes() == pdf.read_bytes()
    assert "已保存到" in preview.info.text()

    if HAVE_QTPDF:
        from PySide6.QtPrintSupport import QPrinter

        from ui.dialogs.preview_dialog import prepare_printer, print_pdf

        pages = preview.page_count()
        assert pages >= 2 and preview.page.maximum() == pages and preview.page.isEnabled()
        preview.page.setValue(2)  # jump to a page
        qtbot.waitUntil(lambda: preview.view.pageNavigator().currentPage() == 1, timeout=3000)
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printed = tmp_path / "printed.pdf"
        printer.setOutputFileName(str(printed))
        prepare_printer(printer, preview.document)
        assert print_pdf(preview.document, printer) == pages
        assert printed.stat().st_size > 1000
        printer.setFromTo(2, 2)  # a page range from the print dialog
        printer.setOutputFileName(str(tmp_path / "page2.pdf"))
        assert print_pdf(preview.document, printer) == 1
    preview.close()

    # without QtPdf: where the file is, and the system's program to open it
    fallback = PreviewDialog(pdf, "差距分析报告", pdf.name, w, use_qtpdf=False)
    qtbot.addWidget(fallback)
    assert not fallback.print_button.isEnabled()
    assert fallback.open_button.isVisible() or fallback.open_button.text() == "用系统程序打开(&O)"
    opened = []
    monkeypatch.setattr("ui.files.QDesktopServices.openUrl", staticmethod(lambda url: opened.append(url) or True))
    fallback.open_button.click()
    assert opened and opened[0].toLocalFile() == str(pdf)
    assert not no_blocking_boxes


def test_other_documents(qtbot, town_ws, tmp_path, monkeypatch, no_blocking_boxes):
    from ui.dialogs.summary_dialog import SummaryDialog

    w = make_window(qtbot, town_ws)
    docs = w.documents
    # 整改清单 of the current unit, and the blank checklist of the current criteria
    for act, name in ((w.act_doc_list, "城关镇整改清单.pdf"), (w.act_doc_blank, "（空白检查表）.pdf")):
        before = docs.last_output
        act.trigger()
        qtbot.waitUntil(lambda: not docs.running(), timeout=60000)
        assert docs.last_error is None, docs.last_error
        assert docs.last_output != before and docs.last_output.name.endswith(name)
        assert docs.last_output.read_bytes().startswith(b"%PDF")
        docs.last_preview.close()

    # the county summary as Excel goes straight to the file chosen
    monkeypatch.setattr(SummaryDialog, "exec", lambda self: 1)
    monkeypatch.setattr(SummaryDialog, "chosen", lambda self: (2027, "某县", "xlsx"))
    save_to(monkeypatch, tmp_path / "汇总")
    w.act_doc_summary.trigger()
    qtbot.waitUntil(lambda: not docs.running(), timeout=60000)
    assert docs.last_error is None, docs.last_error
    assert (tmp_path / "汇总.xlsx").exists()

    # a year without assessments: one clear message, no file
    monkeypatch.setattr(SummaryDialog, "chosen", lambda self: (2031, "", "pdf"))
    w.act_doc_summary.trigger()
    qtbot.waitUntil(lambda: not docs.running(), timeout=60000)
    assert no_blocking_boxes and "2031 年没有考评记录" in no_blocking_boxes[-1]


# ---------------------------------------------------------------- bundles

def test_submission_bundle_round_trip_through_dialogs(qtbot, town_ws, tmp_path, monkeypatch, no_blocking_boxes):
    aid = assessments.list_assessments(town_ws)[0]["id"]
    town = make_window(qtbot, town_ws)
    out = tmp_path / "usb" / "城关镇上报"
    out.parent.mkdir()
    save_to(monkeypatch, out)
    dialog = town.exchange.export_bundle("submission")
    assert dialog.chosen() == [aid]  # the open assessment is ticked
    assert dialog.name.text() == "城关镇"
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
    bundle = tmp_path / "usb" / "城关镇上报.dabiao"
    assert bundle.exists() and dialog.result.path == bundle
    assert "2 张照片" in dialog.log.toPlainText()
    dialog.accept()
    town.close()

    # the inspector's workspace: empty, never saw this town
    inspector = Workspace.open(tmp_path / "inspector", backup=False)
    try:
        w = make_window(qtbot, inspector, wait_session=False)
        qtbot.wait(50)
        assert w.session is None and not w.units_pane.model.assessment_ids()
        open_from(monkeypatch, bundle)
        w.act_import_bundle.trigger()
        dialog = w.exchange.dialog
        qtbot.waitUntil(lambda: dialog.plan is not None or dialog.refused is not None, timeout=30000)
        assert dialog.refused is None, dialog.refused
        summary = dialog.summary.text()
        assert summary.startswith("此交换包将新增 1 个考评、2 张照片")
        assert "签名：城关镇 工作区，密钥" in summary and "未信任" in summary
        lines = "\n".join(dialog.detail_lines())
        assert "城关镇 2027 年考评（新增）" in lines and "新增照片（2 张）" in lines
        assert "未被信任" in lines  # the notice, item by item with the rest
        assert dialog.trust_button.isVisible() and dialog.import_button.isEnabled()
        assert not inspector.db.execute("SELECT count(*) FROM assessments").fetchone()[0]  # nothing yet

        # trust the signer (after comparing the fingerprint): checked again, now trusted
        assert dialog.trust_signer()
        qtbot.waitUntil(lambda: dialog.plan is not None, timeout=30000)
        assert "已信任" in dialog.summary.text() and not dialog.trust_button.isVisible()

        dialog.import_button.click()
        qtbot.waitUntil(lambda: dialog.result is not None, timeout=30000)
        assert dialog.result.changed
        assert dialog.summary.text().startswith("已导入：新增 1 个考评")
        assert aid in w.units_pane.model.assessment_ids()
        assert w.session is not None and w.session.id == aid  # opened: nothing was open before
        assert w.session.value("1.2", "self") is True
        assert len(evidence.list_evidence(inspector, aid)) == 2
        dialog.accept()

        # the same bundle again: nothing to do, said so, import not offered
        w.act_import_bundle.trigger()
        again = w.exchange.dialog
        qtbot.waitUntil(lambda: again.plan is not None or again.refused is not None, timeout=30000)
        assert "已于" in again.summary.text() and "导入过" in again.summary.text()
        assert not again.import_button.isEnabled()
        again.reject()

        # the inspector's overview: the submission and its progress; double-click opens it
        dialog = w.exchange.received()
        assert dialog.received.rowCount() == 1
        assert dialog.received.item(0, 2).text() == "城关镇"
        assert "新增 1 个考评" in dialog.received.item(0, 4).text()
        assert dialog.progress.rowCount() == 1 and dialog.current_id() == aid
        from ui.dialogs.received_dialog import PROGRESS_COLUMNS

        assert dialog.progress.item(0, PROGRESS_COLUMNS.index("自评")).text().startswith("2/")
        opened = []
        dialog.openRequested.connect(opened.append)
        dialog.open_current()
        assert opened == [aid]
        w.close()
    finally:
        inspector.close()


def test_hostile_bundle_is_refused_in_the_dialog(qtbot, town_ws, tmp_path, monkeypatch):
    bad = tmp_path / "bad.dabiao"
    bad.write_bytes(b"PK\x03\x04 this is not a bundle")
    w = make_window(qtbot, town_ws)
    before = town_ws.db.execute("SELECT count(*) FROM events").fetchone()[0]
    open_from(monkeypatch, bad)
    w.act_import_bundle.trigger()
    dialog = w.exchange.dialog
    qtbot.waitUntil(lambda: dialog.refused is not None, timeout=30000)
    assert "不能导入" in dialog.heading.text()
    assert dialog.refused and "\n" not in dialog.refused.strip()  # one line naming the reason
    assert not dialog.import_button.isVisible()
    assert town_ws.db.execute("SELECT count(*) FROM events").fetchone()[0] == before
    dialog.reject()


# ---------------------------------------------------------------- criteria

def test_broken_workbook_shows_cells_and_adds_nothing(qtbot, town_ws, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from checklists import load_checklist
    from checklists.workbook import write_workbook

    base = load_checklist(Path(__file__).resolve().parent.parent / "checklists" / "library" / "prov-2027-town.yaml")
    path = tmp_path / "标准.xlsx"
    write_workbook(base, path)
    wb = load_workbook(path)
    sheet = next(s for s in wb.worksheets if s.title.startswith("设置"))
    for row in sheet.iter_rows(min_row=2):
        if str(row[0].value or "").endswith(" id"):
            row[1].value = "prov-2027-broken"
    items = next(s for s in wb.worksheets if s.title.startswith("条目"))
    header = [c.value for c in items[1]]
    points_col = next(i for i, h in enumerate(header) if h and h.endswith(" points")) + 1
    kind_col = next(i for i, h in enumerate(header) if h and h.endswith(" kind")) + 1
    items.cell(row=3, column=points_col).value = -2
    items.cell(row=5, column=kind_col).value = "guess"
    wb.save(path)

    w = make_window(qtbot, town_ws)
    count = len(checklist_store.list_checklists(town_ws))
    open_from(monkeypatch, path)
    w.act_import.trigger()
    dialog = w.exchange.dialog
    qtbot.waitUntil(lambda: bool(dialog.problems), timeout=30000)
    text = "\n".join(dialog.problems)
    assert "标准.xlsx 条目!" in text
    assert any("条目!" in line and line.split("条目!")[1][:1].isalpha() for line in dialog.problems)
    assert len(dialog.problems) >= 2 and dialog.problem_list.count() == len(dialog.problems)
    assert dialog.banner.text().startswith("✗ 发现")
    assert not dialog.import_button.isVisible()
    assert len(checklist_store.list_checklists(town_ws)) == count
    dialog.reject()


def test_valid_yaml_is_imported_after_confirmation(qtbot, town_ws, tmp_path, monkeypatch):
    path = tmp_path / "county.yaml"
    path.write_text(textwrap.dedent("""\
        format: dabiao-checklist/1
        id: county-2027-test
        version: "1"
        title: 某县民兵连考评细则（试行）
        issuer: 某县人民武装部
        level: county
        year: 2027
        levels:
          - {key: pass, label: 达标, min_score: 6}
          - {key: excellent, label: 达优, min_score: 9}
        categories:
          - code: "1"
            title: 组织建设
            items:
              - {code: "1.1", title: 编组, requirement: 按要求编组, points: 6, kind: check}
              - {code: "1.2", title: 点验, requirement: 每年点验, points: 4, kind: check}
        """), encoding="utf-8")
    w = make_window(qtbot, town_ws)
    open_from(monkeypatch, path)
    w.act_import.trigger()
    dialog = w.exchange.dialog
    qtbot.waitUntil(lambda: dialog.checklist is not None, timeout=30000)
    assert dialog.banner.text() == "✓ 标准有效：某县民兵连考评细则（试行）"
    facts = [dialog.facts.itemAt(i).widget().text() for i in range(dialog.facts.count())
             if dialog.facts.itemAt(i).widget() is not None]
    assert "county-2027-test@1" in facts
    assert any("共 2 项" in f for f in facts) and "10 分" in facts
    assert any("达标 ≥ 6 分" in f and "达优 ≥ 9 分" in f for f in facts)
    assert checklist_store.get_row(town_ws, "county-2027-test", "1") is None  # not before confirming
    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.added is not None, timeout=30000)
    assert dialog.added is True
    assert checklist_store.get_row(town_ws, "county-2027-test", "1")["title"] == "某县民兵连考评细则（试行）"
    dialog.accept()


def test_criteria_workbook_and_template_export(qtbot, town_ws, tmp_path, monkeypatch):
    from checklists import load_checklist

    w = make_window(qtbot, town_ws)
    save_to(monkeypatch, tmp_path / "细则")
    w.act_export_xlsx.trigger()
    back = load_checklist(tmp_path / "细则.xlsx")
    assert back.ref == w.session.checklist.ref
    assert len(list(back.items())) == len(list(w.session.checklist.items()))
    save_to(monkeypatch, tmp_path / "模板.xlsx")
    w.act_template.trigger()
    assert (tmp_path / "模板.xlsx").stat().st_size > 1000


def _click_on_next_box(label: str):
    """Press the button called `label` on the next modal dialog, once it is shown."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QPushButton

    def attempt():
        box = QApplication.activeModalWidget()
        if box is None:
            QTimer.singleShot(20, attempt)
            return
        next(b for b in box.findChildren(QPushButton) if b.text() == label).click()

    QTimer.singleShot(0, attempt)


def test_gap_report_asks_about_many_photos_and_names_stand_in_fonts(qtbot, town_ws, tmp_path, monkeypatch):
    import subprocess

    from PIL import Image

    from exports import fonts
    from ui.documents import MANY_PHOTOS

    a = assessments.list_assessments(town_ws)[0]
    shots = []
    for i in range(MANY_PHOTOS):
        path = tmp_path / f"shot{i}.jpg"
        Image.new("RGB", (1200, 900), (i * 8 % 256, 90, 140)).save(path, quality=70)
        shots.append(path)
    assert all(o.ok for o in evidence.add_photos(town_ws, a["id"], "1.2", shots, "self"))
    monkeypatch.setattr(fonts, "font_warning", lambda fonts=None: "本机没有仿宋字体（测试）")

    w = make_window(qtbot, town_ws)
    docs = w.documents
    _click_on_next_box("不附照片")
    w.act_doc_gap.trigger()
    qtbot.waitUntil(lambda: docs.last_preview is not None, timeout=60000)
    assert docs.last_error is None, docs.last_error
    listed = subprocess.run(["pdfimages", "-list", str(docs.last_output)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert listed == []  # the person chose no photo appendix: not one of the 32 photos printed
    assert docs.font_box is not None and "仿宋" in docs.font_box.text()
    first_box = docs.font_box
    docs.last_preview.close()

    _click_on_next_box("附上照片")
    w.act_doc_gap.trigger()
    qtbot.waitUntil(lambda: docs.last_preview is not None and docs.last_preview.isVisible(), timeout=60000)
    qtbot.waitUntil(lambda: not docs.running(), timeout=60000)
    listed = subprocess.run(["pdfimages", "-list", str(docs.last_output)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert len(listed) == MANY_PHOTOS + 2
    assert docs.font_box is first_box  # the warning box once a session; the status bar each time
    assert "公文标准字体" in w.statusBar().currentMessage()
