"""County summary, issue 12: only results (已考评 / 已定稿) are ranked, given a level and counted
in 达标率 / 达优率; a unit still in self-assessment, submitted or under review is listed apart
with its status and its figure labelled as what it is. The same in the PDF and the Excel file,
and the rule said once (exports.data.is_result, RESULT_RULE) and printed as the note."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from fractions import Fraction

import openpyxl
import pytest

from checklists.numbers import round_half_up
from exports.collect import summary_data
from exports.data import RESULT_RULE, is_result
from exports.document import chinese_date
from exports.summary import current_figure, render_summary_pdf, render_summary_xlsx
from storage import answer_store, assessments, units
from storage.generate import generate_workspace

from answers_util import answer_all_best
from wsutil import open_ws

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """One generated county of 12 towns in every status (seed 7), where two drafts have the
    best self scores of all (达优 on their own figures) and one draft, filled just as well,
    has been reviewed: it is the only 达优 result."""
    folder = tmp_path_factory.mktemp("summary") / "ws"
    with open_ws(folder) as ws:
        generate_workspace(ws, 1, 12, (2027,), seed=7)
        drafts = [a for a in assessments.list_assessments(ws, 2027) if a["status"] == "draft"]
        assert len(drafts) == 2
        county = units.find_county(ws, "城关县")
        for name in ("高分镇", "复核镇"):
            town = units.add_unit(ws, name, "town", county["id"])
            drafts.append(assessments.new_assessment(ws, town["id"], "prov-2027-town", None, 2027))
        for a in drafts:
            answer_all_best(ws, a["id"])
        done = drafts[-1]["id"]  # 复核镇: submitted, reviewed (the inspectors agree), marked reviewed
        assessments.set_status(ws, done, "submitted")
        assessments.set_status(ws, done, "reviewing")
        answer_store.adopt_self(ws, done)
        assessments.set_status(ws, done, "reviewed")
    return folder


def test_the_rule_is_one_function():
    assert [s for s in assessments.STATUSES if is_result(s)] == ["reviewed", "final"]
    assert "已考评（含已定稿）" in RESULT_RULE


def test_only_results_are_ranked_levelled_and_counted(county):
    with open_ws(county) as ws:
        data = summary_data(ws, 2027)
    statuses = {r.status_key for r in data.rows}
    assert statuses == {"draft", "submitted", "reviewing", "reviewed", "final"}
    for r in data.rows:
        assert r.result == (r.status_key in ("reviewed", "final"))
        assert (r.rank is not None) == r.result, r  # every result is scored here
        assert bool(r.level_label) == r.result, r  # no level on a draft figure
    # the drafts filled for full points have the best figures of all, yet rank nowhere
    top = {r.unit_name: r for r in data.rows}
    best = max(r.final for r in data.rows if r.final is not None)
    assert top["高分镇"].status == "自评中" and top["高分镇"].final == best == Fraction(203, 2)  # bonus included
    assert top["高分镇"].rank is None and top["高分镇"].level_label == ""
    assert current_figure(top["高分镇"]) == "自评 101.5（未考评）"
    # the one reviewed unit with full points is first, and the only 达优
    results = data.results
    assert [r.unit_name for r in data.rows[:len(results)]] == [r.unit_name for r in results]
    assert results[0].unit_name == "复核镇" and results[0].rank == 1 and results[0].level_label == "达优"
    assert [r.rank for r in results] == sorted(r.rank for r in results)
    assert data.level_rates() == [("达优", 1, Fraction(1, len(results))), ("达标", 1, Fraction(1, len(results)))]
    # units under review show the review's figure so far, labelled as unfinished
    reviewing = [r for r in data.rows if r.status_key == "reviewing"]
    assert reviewing and all(current_figure(r).startswith("考评 ") and current_figure(r).endswith("（考评未完成）")
                             for r in reviewing)
    # the items most lost are counted over the results only
    assert data.most_lost and max(item.units for item in data.most_lost) <= len(results)


@needs_poppler
def test_pdf_counts_results_apart_and_says_the_rule(county, tmp_path):
    with open_ws(county) as ws:
        data = summary_data(ws, 2027)
    out = render_summary_pdf(data, tmp_path / "summary.pdf")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = "".join(text.split())
    n = len(data.results)
    finals = sum(1 for r in data.rows if r.status_key == "final")
    count = {key: sum(1 for r in data.rows if r.status_key == key) for key in ("reviewing", "submitted", "draft")}
    assert (f"全县共{len(data.rows)}个单位参加2027年度考评，其中已考评{n}个（含已定稿{finals}个），"
            f"考评中{count['reviewing']}个，已提交{count['submitted']}个，自评中{count['draft']}个。") in flat
    rate = f"{round(100 / n, 1):g}%"
    assert f"已考评的{n}个单位中，达优1个、未达标{n - 1}个，达标率{rate}，达优率{rate}" in flat
    assert "说明：" + "".join(RESULT_RULE.split()) in flat
    # the ranked table holds the results only; the others are listed apart, figures labelled
    ranked = flat.split("（一）已考评单位")[1].split("（二）未完成考评的单位")[0]
    pending = flat.split("（二）未完成考评的单位")[1].split("三、失分较多的条目")[0]
    for r in data.rows:
        assert (r.unit_name in ranked) == r.result, r.unit_name
        assert (r.unit_name in pending) == (not r.result), r.unit_name
    assert "自评101.5（未考评）" in pending and "达优" not in pending
    # 成文日期 as GB/T 9704 writes it
    assert chinese_date(date.today()) in flat and date.today().isoformat() not in flat


def test_excel_follows_the_same_rule(county, tmp_path):
    with open_ws(county) as ws:
        data = summary_data(ws, 2027)
    sheet = openpyxl.load_workbook(render_summary_xlsx(data, tmp_path / "summary.xlsx")).worksheets[0]
    head = next(r[0].row for r in sheet.iter_rows() if r[0].value == "名次")
    header = [c.value for c in sheet[head]]
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=head + 2)}
    assert len(rows) == len(data.rows)
    rank, score, level = header.index("名次"), header.index("考评得分"), header.index("等级")
    current, source = header.index("当前得分（未考评，仅供参考）"), header.index("当前得分来源")
    ratios = [c.column - 1 for c in sheet[head + 1] if c.value and "\n" in str(c.value)]
    assert len(ratios) == len(data.categories)
    for r in data.rows:
        cells = rows[r.unit_name]
        assert cells[header.index("状态")].value == r.status
        if r.result:
            assert cells[rank].value == r.rank and cells[score].value == float(round_half_up(r.final, 2))
            assert cells[level].value == r.level_label
            assert cells[current].value is None and cells[source].value is None
            assert all(isinstance(cells[k].value, (int, float)) for k in ratios)
        else:  # its figure only in the columns that say what it is; no rank, level or ratios
            assert cells[rank].value is None and cells[score].value is None and cells[level].value is None
            assert cells[current].value == float(round_half_up(r.final, 2))
            assert cells[source].value == ("自评" if r.score_role == "self" else "考评（未完成）")
            assert all(cells[k].value is None for k in ratios)
    block = " ".join(str(c.value) for row in sheet.iter_rows(max_row=head - 1) for c in row if c.value)
    assert "其中已考评" in block and "达标率" in block and RESULT_RULE in block
