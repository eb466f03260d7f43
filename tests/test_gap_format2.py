"""The gap report of a format 2 assessment, read back from the PDF: the reasons, elements
and documents that lost points with the engine's figures, a voided score stated before
the level conclusion, the items the unit's tags leave out named in a note and not listed,
and a town's 民兵营连 with their own figures (issue 17)."""

from __future__ import annotations

import re
import subprocess

import pytest

from checklists.numbers import display
from checklists.wording import element_text
from exports.collect import gap_report_data
from exports.gap_report import render_gap_report
from format2_text import SET2
from storage import answer_store, assessments, checklist_store, scores, units
from wsutil import open_ws

# 1.1 two scoring points counted, 1.2 one element of three, 3.1 a 0.2 document missing,
# 3.2 (voids_score) answered and not met: the score is voided
VALUES = {"1.1": {"a": 1, "b": 3}, "1.2": ["plan"], "1.3": 8, "2.1": 95, "2.3": 2, "3.1": True, "3.2": False,
          "3.3": 1, "3.4": 1}
DOCS = {"3.1": ["会议记录", "会议纪要"]}


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_flat(path) -> str:
    return flat(subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True,
                               check=True).stdout)


def militia_checklist_answers(ws, aid):
    """Answer the checks of a bundled militia set true (enough for a figure)."""
    a = assessments.get_assessment(ws, aid)
    for item in assessments.checklist_of(ws, a).items():
        if item.kind == "check" and item.points > 0:
            answer_store.set_answer(ws, aid, item.code, "self", True)


@pytest.fixture
def town_report(tmp_path):
    """(workspace, assessment id, report text) of a 小镇 with answers that use every /2
    rule, three 民兵营连 under it (one answered, one opened, one without an assessment)
    and one under another town."""
    with open_ws(tmp_path / "ws") as ws:
        checklist_store.import_checklist_text(ws, SET2, "t2.yaml")
        checklist_store.ensure_bundled(ws)
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"], tags=["small"])
        other = units.add_unit(ws, "河西镇", "town", county["id"])
        aid = assessments.new_assessment(ws, town["id"], "t2-base", "1", 2027)["id"]
        for code, value in VALUES.items():
            answer_store.set_answer(ws, aid, code, "self", value, documents=DOCS.get(code))
        answered = units.add_unit(ws, "城关镇民兵应急连", "militia", town["id"])
        opened = units.add_unit(ws, "城关镇基干民兵排", "militia", town["id"])
        units.add_unit(ws, "城关镇无考评连", "militia", town["id"])
        elsewhere = units.add_unit(ws, "河西镇民兵连", "militia", other["id"])
        mid = assessments.new_assessment(ws, answered["id"], "militia-2027-company", None, 2027)["id"]
        militia_checklist_answers(ws, mid)
        assessments.new_assessment(ws, opened["id"], "militia-2027-company", None, 2027)
        assessments.new_assessment(ws, elsewhere["id"], "militia-2027-company", None, 2027)
        out = render_gap_report(gap_report_data(ws, aid, photos=False), tmp_path / "gap.pdf", photos=False)
        yield ws, aid, mid, pdf_flat(out)


def test_gap_list_names_reasons_elements_and_documents_with_the_engines_figures(town_report):
    ws, aid, _, text = town_report
    result = answer_store.score_assessment(ws, aid, "self")
    gap = {g.code: g for g in result.gap}
    item = result.checklist.item_index()
    reasons = gap["1.1"].reasons
    assert len(reasons) == 2
    for r in reasons:
        unit = item["1.1"].reason(r.key).unit
        assert flat(f"{r.text}×{r.count}{unit}，扣{display(r.lost)}分") in text
    assert display(reasons[1].lost) == "0.6"  # 3 × 0.2, exactly
    missing = gap["1.2"].elements_missing
    assert missing == ("notes", "review")
    assert flat("未做到的要素：" + "；".join(element_text(item["1.2"].element(k)) for k in missing)) in text
    (doc,) = gap["3.1"].documents_lost
    assert (doc.name, display(doc.lost)) == ("签到表", "0.2")
    assert flat(f"缺少资料失分：{doc.name}，扣{display(doc.lost)}分") in text
    assert "照片不足2张，本条记0分" in text  # strict photos zeroed 3.1 after the document


def test_voided_score_is_stated_before_the_level_conclusion(town_report):
    ws, aid, _, text = town_report
    result = answer_store.score_assessment(ws, aid, "self")
    assert result.voided_by == ("3.2",) and result.final == 0
    conclusion = text[text.index("一、考评结论"):text.index("二、分类得分情况")]
    veto = conclusion.index("一票否决：3.2无空白村，总分记0分")
    assert veto < conclusion.index("评定等级为“未达标”（一票否决）")
    # the figures the items give are still shown, for comparison
    unvoided = result.base + result.bonus - result.penalty
    assert f"按各条目计算的得分为{display(unvoided)}分" in conclusion
    # the lowest level's line says 否决 and names the veto
    assert "达标20否决" in conclusion and "3.2无空白村（总分记0分）" in conclusion


def test_items_left_out_by_tags_are_named_in_a_note_not_listed(town_report):
    ws, aid, _, text = town_report
    result = answer_store.score_assessment(ws, aid, "self")
    assert result.not_applicable == ("2.2",)
    assert "2.2征兵宣传（大镇）：仅适用于大镇（人口5万以上），本单位不适用" in text
    assert text.count("征兵宣传（大镇）") == 1  # the note only: no row in the category table
    assert "本单位类型标签为“小镇”" in text


def test_town_report_lists_its_militia_with_their_own_figures(town_report):
    ws, _, mid, text = town_report
    section = text[text.index("所属民兵营（连）考评情况"):text.index("整改事项")]
    figure = scores.scores(ws, [mid])[mid]
    assert figure.final is not None and figure.role == "self"
    assert f"城关镇民兵应急连自评中{display(figure.final)}（自评）" in section
    assert "城关镇基干民兵排自评中—" in section
    assert "城关镇无考评连本年度未考评" in section
    assert "河西镇民兵连" not in section
    order = [section.index(n) for n in ("城关镇民兵应急连", "城关镇基干民兵排", "城关镇无考评连")]
    assert order == sorted(order)


def test_reviewed_militia_shows_its_level_and_no_militia_no_section(tmp_path):
    with open_ws(tmp_path / "ws") as ws:
        checklist_store.ensure_bundled(ws)
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"])
        aid = assessments.new_assessment(ws, town["id"], "city-2027-town", None, 2027)["id"]
        plain = pdf_flat(render_gap_report(gap_report_data(ws, aid, photos=False), tmp_path / "a.pdf", photos=False))
        assert "民兵营（连）考评情况" not in plain
        company = units.add_unit(ws, "应急连", "militia", town["id"])
        mid = assessments.new_assessment(ws, company["id"], "militia-2027-company", None, 2027)["id"]
        militia_checklist_answers(ws, mid)
        for status in ("submitted", "reviewing"):
            assessments.set_status(ws, mid, status)
        answer_store.adopt_self(ws, mid)
        assessments.set_status(ws, mid, "reviewed", confirm_incomplete=True)
        figure = scores.scores(ws, [mid])[mid]
        assert figure.role == "review" and figure.level_label
        text = pdf_flat(render_gap_report(gap_report_data(ws, aid, photos=False), tmp_path / "b.pdf", photos=False))
        section = text[text.index("民兵营（连）考评情况"):]
        assert f"应急连已考评{display(figure.final)}{figure.level_label}" in section
