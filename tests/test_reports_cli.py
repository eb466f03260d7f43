"""Reports from a real workspace through the command line, read back from the PDF."""

import shutil
import subprocess

import openpyxl
import pytest

import main as app_main
from storage import actions, assessments, evidence, units
from storage import answer_store

from conftest import has_page_number
from answers_util import answer_all_best
from wsutil import open_ws, town_assessment

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def run(capsys, *argv):
    code = app_main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(tmp_path, photos_dir):
    """A workspace with two towns; 城关镇 answered, with photos and an action."""
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws, "city-2027-town")
        answer_all_best(ws, a["id"])
        answer_store.set_answer(ws, a["id"], "1.2", "self", False)  # a gap item
        evidence.add_photos(ws, a["id"], "1.1", [photos_dir / "jpg/Kodak_CX7530.jpg",
                                                 photos_dir / "jpg/orientation/landscape_6.jpg"],
                            caption="议军会议")
        evidence.add_photos(ws, a["id"], "3.3.2", [photos_dir / "heic/IMG_5195.HEIC"])
        actions.add_action(ws, a["id"], "1.2", "落实第一书记任职命令", "张部长", "2027-06-30")
        county = [u for u in units.list_units(ws) if u["type"] == "county"][0]
        other = units.add_unit(ws, "河西镇", "town", county["id"])
        assessments.new_assessment(ws, other["id"], "city-2027-town", None, 2027)
    return folder, a["id"]


@needs_poppler
def test_gap_report_from_workspace(filled, capsys, tmp_path):
    folder, aid = filled
    out = tmp_path / "gap.pdf"
    code, stdout, err = run(capsys, "--data-dir", str(folder), "report", "gap", aid, "--out", str(out))
    assert code == 0, err
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    assert "城关镇" in text and "差距分析报告" in text
    assert "第一书记任职与述职" in text and "落实第一书记任职命令" in text
    images = subprocess.run(["pdfimages", "-list", str(out)], capture_output=True, text=True).stdout
    # Kodak_CX7530.jpg is 100 pixels wide: a note says it is too coarse to print instead
    assert len([line for line in images.splitlines()[2:] if line.strip()]) == 2
    assert "照片像素过低" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes " in line for line in fonts)
    pages = int(subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout.split("Pages:")[1].split()[0])
    assert pages >= 2
    for page in range(1, pages + 1):
        page_text = subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(out), "-"],
                                   capture_output=True, text=True, check=True).stdout
        # each page carries its own number, not another's
        assert has_page_number(page_text, page), page_text[-200:]
        assert not any(has_page_number(page_text, other) for other in range(1, pages + 1) if other != page)


def test_summary_xlsx_and_pdf(filled, capsys, tmp_path):
    folder, aid = filled
    xlsx = tmp_path / "sum.xlsx"
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "summary", "--year", "2027", "--out", str(xlsx))
    assert code == 0, err
    sheet = openpyxl.load_workbook(xlsx).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "城关镇" in values and "河西镇" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "summary", "--year", "2027", "--out",
                       str(tmp_path / "sum.pdf"))
    assert code == 0 and (tmp_path / "sum.pdf").stat().st_size > 1000
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "summary", "--year", "1999", "--out",
                       str(tmp_path / "none.pdf"))
    assert code == 1 and "1999 年没有考评记录" in err


def test_blank_and_actions(filled, capsys, tmp_path):
    folder, aid = filled
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "blank", "city-2027-town", "--out",
                       str(tmp_path / "blank.pdf"))
    assert code == 0, err
    code, _, err = run(capsys, "report", "blank", "checklists/library/militia-2027-company.yaml", "--out",
                       str(tmp_path / "blank2.pdf"))
    assert code == 0, err
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "actions", aid, "--out",
                       str(tmp_path / "act.pdf"))
    assert code == 0, err
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(tmp_path / "act.pdf"), "-"], capture_output=True, text=True).stdout
        assert "落实第一书记任职命令" in text and "张部长" in text
    code, _, err = run(capsys, "--data-dir", str(folder), "report", "gap", aid, "--out", str(tmp_path / "x.doc"))
    assert code == 1 and "输出文件应为 .pdf" in err


def test_summary_ranks_scored_units_only(filled):
    from exports.collect import summary_data

    folder, aid = filled
    with open_ws(folder) as ws:
        data = summary_data(ws, 2027)
        # a self-assessment (自评中) has a figure but is no result: no rank, no level, not counted
        rows = {r.unit_name: r for r in data.rows}
        assert rows["城关镇"].final > 0 and rows["城关镇"].rank is None and rows["城关镇"].level_label == ""
        assert not rows["城关镇"].result and data.results == [] and data.most_lost == []
        # once the inspectors have reviewed it, it is ranked and its lost items counted
        assessments.set_status(ws, aid, "submitted")
        assessments.set_status(ws, aid, "reviewing")
        answer_store.adopt_self(ws, aid)
        assessments.set_status(ws, aid, "reviewed")
        data = summary_data(ws, 2027)
    rows = {r.unit_name: r for r in data.rows}
    assert rows["城关镇"].rank == 1 and rows["城关镇"].final > 0 and rows["城关镇"].level_label
    assert rows["河西镇"].rank is None and rows["河西镇"].final is None and rows["河西镇"].level_label == ""
    assert data.county_name == "某县" and "1.2" in [x.code for x in data.most_lost]
