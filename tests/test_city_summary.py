"""The 军分区 summary printed (exports/city_summary.py), as Excel (exports/city_excel.py) and
from the command line (`report city`), on the 军分区 of tests/city_ws.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from city_ws import city, city_dir  # noqa: F401 - fixtures
from openpyxl import load_workbook
from reportlab.graphics.shapes import Drawing
from test_exports import flat, needs_poppler, pdf_fonts, pdf_text

from exports.city_excel import write_city_excel
from exports.city_summary import NO_PHOTOS, city_story, render_city_summary
from exports.document import resolve_styles
from storage.rollup import city_rollup

ROOT = Path(__file__).resolve().parents[1]


def test_story_has_both_charts(city):
    data = city_rollup(city, 2027)
    drawings = [f for f in city_story(data, resolve_styles(None)) if isinstance(f, Drawing)]
    assert len(drawings) == 2  # 达标率 by county (one chart for three counties), the histogram
    bars, hist = drawings
    texts = [s.text for s in bars.contents if hasattr(s, "text")]
    assert "甲县" in texts and "66.7%" in texts and "50%" in texts and "丙县" not in texts  # 丙县: nothing assessed
    counts = [s.text for s in hist.contents if hasattr(s, "text")]
    assert "达标线" in counts


@needs_poppler
def test_pdf_holds_the_tables(city, tmp_path):
    data = city_rollup(city, 2027)
    out = render_city_summary(data, tmp_path / "city.pdf")
    text = flat("".join(pdf_text(out)))
    assert "某某军分区2027年度基层武装部规范化建设考评情况汇总" in text
    assert "1甲县3266.7%133.3%91.5" in text  # rank, county, assessed, 达标, 达标率, 达优, 达优率, average
    assert "2乙县2150%0" in text
    assert "—丙县0" in text
    assert "三镇" in text and "7.2征兵任务完成（达标必备条目未达到，失4分）" in text
    assert "五镇" in text and "13.1民兵纪律（失分最多，失6分）" in text
    assert "13.3.2民兵之家510" in text  # most lost: No., code, title, units, points
    assert "乙县2126-2-2" in text  # 复核: drawn, rechecked, items differing, points, net, per unit
    assert "四镇81.583.5-2" in text
    assert "甲县66.7%50%+16.791.594.5-3" in text  # 同比
    assert "甲县2101" in text and "50%" in text  # 回头看
    assert "民兵营（连）" in text
    assert NO_PHOTOS not in text.replace("，", ",")  # all photos travelled
    assert all(f["emb"] == "yes" for f in pdf_fonts(out))


@needs_poppler
def test_pdf_says_when_photos_did_not_travel(city, tmp_path):
    data = city_rollup(city, 2027) | {"photos_absent": True}
    text = flat("".join(pdf_text(render_city_summary(data, tmp_path / "c.pdf"))))
    assert flat(NO_PHOTOS) in text


def test_excel_sheets_hold_the_same_numbers(city, tmp_path):
    data = city_rollup(city, 2027)
    wb = load_workbook(write_city_excel(data, tmp_path / "city.xlsx"))
    assert wb.sheetnames == ["说明", "县排名", "未达标单位", "分类型", "各县分类型", "失分条目", "复核偏差", "复核单位",
                             "同比", "回头看"]
    rows = list(wb["县排名"].iter_rows(min_row=3, values_only=True))
    assert rows[0][:9] == (1, "甲县", 3, 2, 0.6667, 1, 0.3333, 91.5, 4.55)
    assert rows[1][:5] == (2, "乙县", 2, 1, 0.5) and rows[2][:3] == (None, "丙县", 0)
    assert rows[-1][1:4] == ("全区", 5, 3)
    assert wb["县排名"]["E3"].number_format == "0.0%"
    failed = list(wb["未达标单位"].iter_rows(min_row=3, values_only=True))
    assert [(r[2], r[6], r[8], r[9]) for r in failed] == [("三镇", "7.2", "达标必备条目未达到", 4), ("五镇", "13.1", "失分最多", 6)]
    dev = {r[0]: r for r in wb["复核偏差"].iter_rows(min_row=3, values_only=True)}
    assert dev["乙县"][1:8] == (2, 1, 2, 6, 81.5, 83.5, -2)
    assert list(wb["复核单位"].iter_rows(min_row=3, values_only=True)) == [("乙县", "四镇", 81.5, 83.5, -2, 2, 6)]
    yoy = {r[0]: r for r in wb["同比"].iter_rows(min_row=3, values_only=True)}
    assert yoy["甲县"] == ("甲县", 0.6667, 0.5, 16.7, 91.5, 94.5, -3)
    back = {r[0]: r for r in wb["回头看"].iter_rows(min_row=3, values_only=True)}
    assert back["甲县"] == ("甲县", 2, 1, 0, 1, 0.5)
    kinds = {(r[0], r[1]): r for r in wb["各县分类型"].iter_rows(min_row=3, values_only=True)}
    assert kinds[("甲县", "民兵营（连）")][2] == 1
    lost = list(wb["失分条目"].iter_rows(min_row=3, max_row=3, values_only=True))
    assert lost == [(1, "3.3.2", "民兵之家", 5, 10)]


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "main.py", *args], capture_output=True, text=True, cwd=cwd)


def test_command_line(city_dir, tmp_path):
    pdf, xlsx = tmp_path / "c.pdf", tmp_path / "c.xlsx"
    got = run("--data-dir", str(city_dir), "report", "city", "--year", "2027", "--out", str(pdf))
    assert got.returncode == 0, got.stderr
    assert got.stdout.strip() == str(pdf) and pdf.read_bytes().startswith(b"%PDF")
    got = run("--data-dir", str(city_dir), "report", "city", "--year", "2027", "--out", str(xlsx))
    assert got.returncode == 0 and load_workbook(xlsx)["县排名"]["B3"].value == "甲县"
    empty = run("--data-dir", str(city_dir), "report", "city", "--year", "2031", "--out", str(tmp_path / "e.pdf"))
    assert empty.returncode == 1 and "2031 年没有考评记录" in empty.stderr and "Traceback" not in empty.stderr
    assert len(empty.stderr.strip().splitlines()) == 1 and not (tmp_path / "e.pdf").exists()
    wrong = run("--data-dir", str(city_dir), "report", "city", "--year", "2027", "--out", str(tmp_path / "c.doc"))
    assert wrong.returncode != 0 and "Traceback" not in wrong.stderr


@needs_poppler
def test_county_summary_marks_the_recheck(city, tmp_path):
    from exports.collect import summary_data
    from exports.summary import RECHECK_NOTE, render_summary_pdf, render_summary_xlsx

    data = summary_data(city, 2027, "乙县")
    text = flat("".join(pdf_text(render_summary_pdf(data, tmp_path / "s.pdf"))))
    assert "四镇83.5（复核）达标" in text and "五镇78.5未达标" in text and flat(RECHECK_NOTE) in text
    sheet = load_workbook(render_summary_xlsx(data, tmp_path / "s.xlsx")).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    head = next(r for r in rows if "得分来源" in r)
    four = next(r for r in rows if "四镇" in r)
    assert four[head.index("考评得分")] == 83.5 and four[head.index("得分来源")] == "复核"
    # a county without 复核: no note
    jia = flat("".join(pdf_text(render_summary_pdf(summary_data(city, 2027, "甲县"), tmp_path / "j.pdf"))))
    assert flat(RECHECK_NOTE) not in jia and "（复核）" not in jia


def test_excel_styles_cell_by_cell(city, tmp_path):
    """Every cell carries its style, the first of a kind and those copied from it
    (exports.city_excel.set_styles_as): title, headers with a grid, body cells with the
    column's number format and a grid."""
    wb = load_workbook(write_city_excel(city_rollup(city, 2027), tmp_path / "city.xlsx"))
    for name in ("县排名", "未达标单位", "同比"):
        sheet = wb[name]
        title = sheet["A1"]
        assert (title.font.name, title.font.sz, title.alignment.wrap_text) == ("黑体", 12, True)
        rows = list(sheet.iter_rows(min_row=2))
        assert len(rows) >= 3
        for c in rows[0]:
            assert (c.font.name, c.font.sz, c.alignment.horizontal, c.border.left.style) == ("黑体", 10, "center", "thin")
        formats = [c.number_format for c in rows[1]]
        for row in rows[1:]:
            assert [c.number_format for c in row] == formats  # each column keeps its format
            for c in row:
                assert (c.font.name, c.font.sz, c.alignment.vertical) == ("仿宋", 10, "center")
                assert c.border.left.style == c.border.bottom.style == "thin"
    ranking = list(wb["县排名"].iter_rows(min_row=3, max_row=3))[0]
    assert [c.number_format for c in ranking[:5]] == ["0", "General", "0", "0", "0.0%"]
    assert ranking[7].number_format == "0.00"


def test_headers_fit_and_recheck_is_marked(city):
    """名次 and 县（市、区） on one line (columns at least their header's width); a 复核 score
    marked with * and explained under the table, the signature kept with the last section."""
    from reportlab.pdfbase import pdfmetrics

    from exports.city_summary import RECHECK_MARK, column_widths, failed_rows, ranking_rows
    from exports.document import CELL_PAD, KeepTail

    st = resolve_styles(None)
    data = city_rollup(city, 2027)
    rows = ranking_rows(data)
    widths = column_widths(rows, [6, 16, 8, 7, 10, 7, 10, 9, 8, 9, 9], st)
    for c, text in ((0, "名次"), (1, "县（市、区）")):
        assert widths[c] >= pdfmetrics.stringWidth(text, st.small_head.font, st.small_head.size) + CELL_PAD[0] + CELL_PAD[1]
    assert abs(sum(widths) - sum(column_widths(rows, [1] * 11, st))) < 1e-6  # the body's width
    marked = data | {"failed": [f | {"role": "recheck"} for f in data["failed"]]}
    assert failed_rows(marked)[1][4].endswith(RECHECK_MARK)
    story = city_story(marked, st)
    assert isinstance(story[-1], KeepTail) and len(story[-1].tail) == 3  # 回头看's rows + issuer and date


@needs_poppler
def test_county_summary_lists_a_militia_company_under_its_town(city, tmp_path):
    """A 民兵营连 is a row of its own with its own level, and its 单位类别 names its town."""
    from exports.collect import summary_data
    from exports.summary import render_summary_pdf, render_summary_xlsx

    data = summary_data(city, 2027)
    company = next(r for r in data.rows if r.unit_name == "二镇民兵连")
    town = next(r for r in data.rows if r.unit_name == "二镇")
    assert company.unit_type == "民兵营（连）（二镇）" and town.unit_type == "乡镇（街道）武装部"
    assert company.result and company.level_label  # reviewed on its own (star) criteria: its own level
    text = flat("".join(pdf_text(render_summary_pdf(data, tmp_path / "s.pdf"))))
    assert "民兵营（连）（二镇）" in text
    sheet = load_workbook(render_summary_xlsx(data, tmp_path / "s.xlsx")).active
    row = next([c.value for c in r] for r in sheet.iter_rows() if any(c.value == "二镇民兵连" for c in r))
    assert "民兵营（连）（二镇）" in row and company.level_label in row
