"""County summary as Excel, issue 12: a title block (county, year, date, overall figures, the
rule), columns that print legibly on A4 landscape one page wide, repeated header rows, a
number format on every figure, and the criteria said once instead of on every row."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from exports.collect import summary_data
from exports.document import chinese_date
from exports.summary import render_summary_xlsx, text_width
from storage.generate import generate_workspace

from wsutil import open_ws


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    """The summary of one generated county of 12 towns in every status (11 ratio columns)."""
    folder = tmp_path_factory.mktemp("excel")
    with open_ws(folder / "ws") as ws:
        generate_workspace(ws, 1, 12, (2027,), seed=7)
        data = summary_data(ws, 2027)
    return data, openpyxl.load_workbook(render_summary_xlsx(data, folder / "summary.xlsx"))


def print_scale(sheet) -> float:
    """The scale Excel prints a fit-to-width sheet at: the printable width of the paper over
    the columns' width (Excel's pixels for a width of w characters of the default font)."""
    px = sum(int((256 * sheet.column_dimensions[get_column_letter(k)].width + 128 // 7) / 256 * 7)
             for k in range(1, sheet.max_column + 1))
    paper_in = (297 if sheet.page_setup.orientation == "landscape" else 210) / 25.4
    printable = (paper_in - sheet.page_margins.left - sheet.page_margins.right) * 72
    return min(1.0, printable / (px * 0.75))


def header_row(sheet) -> int:
    return next(r[0].row for r in sheet.iter_rows() if r[0].value in ("名次", "序号"))


def test_title_block_says_county_year_date_and_overall_figures(workbook):
    data, wb = workbook
    sheet = wb["汇总"]
    head = header_row(sheet)
    assert head > 4
    block = [sheet.cell(row=r, column=1).value for r in range(1, head)]
    assert block[0] == "城关县2027年度基层武装部规范化建设考评情况汇总"
    assert f"制表单位：城关县人民武装部　　制表日期：{chinese_date(date.today())}" in block
    overview = next(v for v in block if v and v.startswith("全县共12个单位参加2027年度考评"))
    assert f"其中已考评{len([r for r in data.rows if r.result])}个" in overview
    assert "达标率0%，达优率0%" in overview and "平均得分" in overview
    # the criteria and the unit type are the same for every row: said once, not on every row
    criteria = data.rows[0].checklist_title
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert sum(criteria in v for v in cells) == 1 and "考评标准" not in [c.value for c in sheet[head]]
    assert sum(data.rows[0].unit_type in v for v in cells) == 1
    # every merged line of the block is tall enough for its text
    for r in range(3, head - 1):
        text = sheet.cell(row=r, column=1).value
        lines = -(-text_width(text) // 150)
        assert sheet.row_dimensions[r].height >= 15 * lines, (r, text)


def test_prints_on_a4_landscape_one_page_wide_at_a_legible_scale(workbook):
    data, wb = workbook
    sheet = wb["汇总"]
    head = header_row(sheet)
    setup = sheet.page_setup
    assert (setup.orientation, int(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${head}:${head + 1}"  # both header rows on every page
    assert sheet.page_margins.left <= 0.5 and sheet.page_margins.right <= 0.5
    assert sheet.freeze_panes == f"C{head + 2}"
    assert print_scale(sheet) >= 0.8, print_scale(sheet)
    # and still wide enough for what they hold
    header = [c.value for c in sheet[head]]
    unit = sheet.column_dimensions["B"].width
    assert unit >= max(text_width(r.unit_name) for r in data.rows)
    for c in sheet[head + 1]:
        if c.value:  # a ratio column: "100.0%" and four characters of its title a line
            assert sheet.column_dimensions[c.column_letter].width >= 8
            assert c.alignment.wrap_text
    assert header.index("考评得分") and sheet.row_dimensions[head + 1].height >= 13 * 4
    lost = wb["失分条目"]
    assert lost.page_setup.fitToWidth == 1 and lost.print_title_rows == "$2:$2" and print_scale(lost) == 1.0


def test_every_figure_has_a_number_format(workbook):
    data, wb = workbook
    sheet = wb["汇总"]
    head = header_row(sheet)
    header = [c.value for c in sheet[head]]
    ratios = {c.column - 1 for c in sheet[head + 1] if c.value}
    seen = set()
    for row in sheet.iter_rows(min_row=head + 2):
        for k, c in enumerate(row):
            if not isinstance(c.value, (int, float)):
                continue
            if k == header.index("名次"):
                want = "0"
            elif k in ratios:
                want = "0.0%"
            else:
                assert header[k] in ("考评得分", "当前得分（未考评，仅供参考）"), header[k]
                want = "0.0#"  # one decimal at least, two when the score has them (as the PDF prints)
            assert c.number_format == want, (header[k], c.value, c.number_format)
            seen.add(want)
    assert seen == {"0", "0.0%", "0.0#"}
    lost = wb["失分条目"]
    for row in lost.iter_rows(min_row=3):
        assert [c.number_format for c in row] == ["0", "General", "General", "0", "0.0#"]


def test_many_categories_still_print_one_page_wide(tmp_path):
    from test_summary_appendix import MANY, summary

    sheet = openpyxl.load_workbook(render_summary_xlsx(summary(MANY), tmp_path / "s.xlsx"))["汇总"]
    assert sheet.page_setup.fitToWidth == 1 and print_scale(sheet) >= 0.65, print_scale(sheet)
