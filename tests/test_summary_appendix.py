"""County summary, issue 12: the landscape appendix of category ratios is legible however many
categories the criteria have: no figure breaks inside its cell, headers stay a few lines tall
(titles when they fit, else codes with a key), columns go over several tables rather than
shrinking, and a page holds many units."""

from __future__ import annotations

import re
import shutil
import subprocess
from fractions import Fraction

import pytest
from reportlab.lib.units import mm

from exports.cjk import CJKParagraph
from exports.data import SummaryData, SummaryRow
from exports.document import CELL_PAD, resolve_styles
from exports.summary import render_summary_pdf

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

TITLES = ["党管武装", "机构与队伍", "阵地建设", "制度建设", "民兵组织整顿", "教育训练与战备", "兵役登记与征兵",
          "装备器材", "档案资料", "经费保障", "国防教育与双拥优抚", "市级特色工作", "应急处置与抢险救灾",
          "信息化建设与网络安全", "党风廉政", "退役军人服务保障", "基层基础", "专武干部履职"]
MANY = [(str(k), t) for k, t in enumerate(TITLES, 1)] + [("X1", "县级特色工作与创新举措落实情况"), ("X2", "县级专项任务完成情况")]


def summary(categories, units: int = 40) -> SummaryData:
    """`units` reviewed towns with ratios such as 90.9% in every category."""
    rows = []
    for k in range(units):
        final = Fraction(9500 - k * 37, 100)
        ratios = {code: Fraction(909 - (k * 7 + j * 13) % 400, 1000) for j, (code, _) in enumerate(categories)}
        rows.append(SummaryRow(f"第{k + 1:02d}镇", "乡镇（街道）武装部", "某县考评标准", final,
                               "达优" if final >= 90 else "达标" if final >= 80 else "未达标", k + 1, ratios, "已考评",
                               status_key="reviewed", score_role="review"))
    return SummaryData("某县", 2027, rows, list(categories), issuer="某县人民武装部", printed_date="2026年12月1日",
                       levels=["达优", "达标"])


def pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def appendix(path) -> list[str]:
    every = pages(path)
    first = next(k for k, page in enumerate(every) if "附表" in page)
    return every[first:]


@needs_poppler
@pytest.mark.parametrize("categories", [MANY[:11], MANY], ids=["11 categories", "20 categories"])
def test_no_figure_breaks_and_many_units_a_page(tmp_path, categories):
    data = summary(categories)
    out = render_summary_pdf(data, tmp_path / "summary.pdf")
    shown = appendix(out)
    text = "\n".join(shown)
    # every ratio printed whole ("90.9%"), none broken over two lines ("90." / "9%")
    figures = re.findall(r"(?<![\d.])\d{1,3}(?:\.\d)?%", text)
    assert len(figures) == len(data.rows) * len(categories)
    assert not re.search(r"\d\.\s*$", text, re.M) and not re.search(r"^\s*\d?%", text, re.M)
    # many units a page: the appendix takes few pages
    tables = 1 if len(categories) <= 12 else 2
    assert len(shown) <= tables * 2 + 1, len(shown)
    per_page = [len(re.findall(r"第\d\d镇", page)) for page in shown]
    assert sum(per_page) == tables * len(data.rows) and max(per_page) >= 20, per_page


@needs_poppler
def test_codes_and_a_key_when_titles_do_not_fit(tmp_path):
    out = render_summary_pdf(summary(MANY), tmp_path / "summary.pdf")
    flat = "".join("".join(appendix(out)).split())
    assert "表头为分类编号" in flat  # X1's title takes four lines in its column
    for code, title in MANY:  # every title readable whole, in the key
        assert f"{code}{title}" in flat, title


def test_header_is_a_few_lines_and_figures_fit_their_columns():
    from exports.summary import ratio_tables

    st = resolve_styles(None)
    for categories in (MANY[:11], MANY[:12], MANY):
        data = summary(categories, units=5)
        tables = [f for f in ratio_tables(data, st) if hasattr(f, "_cellvalues")]
        assert sum(len(t._cellvalues[0]) - 3 for t in tables) == len(categories)
        for t in tables:
            t.wrap(225 * mm, 156 * mm)
            assert t._rowHeights[0] <= 25 * mm, (len(categories), t._rowHeights[0] / mm)
            assert sum(t._colWidths) <= 225 * mm + 0.01
            for row in t._cellvalues[1:]:
                for cell, width in zip(row, t._colWidths):
                    if isinstance(cell, CJKParagraph):
                        cell.wrap(width - CELL_PAD[0] - CELL_PAD[1], 1000)
                        assert len(cell.lines()) == 1, (cell.text, width / mm)
            for cell in t._cellvalues[0][2:-1]:  # the code, and the title in at most three lines
                assert len(cell.lines()) <= 4, cell.lines()
