"""Answers in format 2: counts per reason, the elements met, documents presented, the unit's
tags; in the answers file (each problem naming the code) and through `main.py checklist
score FILE --answers FILE`."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
import yaml

import main
from checklists import ChecklistError, load_answers
from checklists.answers import check_value
from checklists.loader import load_checklist_text

from format2_text import SET2

F = Fraction


@pytest.fixture(scope="module")
def c2():
    return load_checklist_text(SET2, "t2.yaml")


@pytest.fixture
def files(tmp_path):
    criteria = tmp_path / "t2.yaml"
    criteria.write_text(SET2, encoding="utf-8")

    def write(data, name="a.yaml"):
        f = tmp_path / name
        f.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return criteria, f

    return write


GOOD = """\
checklist: {id: t2-base, version: "1"}
unit_tags: [big]
answers:
  "1.1": {a: 2, b: 1}
  "1.2": [review, plan]
  "1.3": 9
  "2.1": 97
  "2.2": true
  "3.1": true
  "3.2": true
photos: {"3.1": 2}
documents:
  "3.1": [会议记录, 会议纪要]
"""


def test_a_format2_answers_file(files, c2):
    _, f = files(GOOD)
    a = load_answers(f, c2)
    assert a.unit_tags == {"big"}
    assert a.values["1.1"] == {"a": 2, "b": 1} and a.values["1.2"] == ["plan", "review"]  # the elements' order
    assert a.values["1.3"] == 9 and a.documents == {"3.1": ["会议记录", "会议纪要"]}


@pytest.mark.parametrize("value,normal", [
    ({}, {}), ({"a": 0, "b": 3}, {"b": 3}), ({"c": 1, "a": 1}, {"a": 1, "c": 1}), ({"a": None}, {}),
    ({"a": F(2)}, {"a": 2}), ({" b ": 1}, {"b": 1}),
])
def test_counts_per_reason_are_normalised(c2, value, normal):
    assert check_value(c2.item("1.1"), value) == (normal, None)


@pytest.mark.parametrize("value,words", [
    ({"d": 1}, ("未知的评分点", "a、b、c")),
    ({"a": -1}, ("整数",)), ({"a": 1.5}, ("整数",)), ({"a": "二"}, ("整数",)), ({"a": True}, ("整数",)),
    ({"c": 2}, ("最多 1 次",)),
    (3, ("评分点",)), ([1], ("评分点",)), ("na", ("不涉及",)),
])
def test_bad_counts_per_reason(c2, value, words):
    normal, message = check_value(c2.item("1.1"), value)
    assert normal is None and all(w in message for w in words), message
    assert "Fraction" not in message


@pytest.mark.parametrize("value,words", [
    (["plan", "plan"], ("重复",)), (["lesson"], ("未知的要素", "plan、notes、review")), ("plan", ("列表",)),
    ({"plan": 1}, ("列表",)), ([1], ("未知的要素",)),
])
def test_bad_elements(c2, value, words):
    normal, message = check_value(c2.item("1.2"), value)
    assert normal is None and all(w in message for w in words), message


def test_a_plain_deduct_count_is_still_a_number(c2):
    assert check_value(c2.item("3.4"), 2) == (2, None)
    assert check_value(c2.item("3.4"), {"a": 1})[0] is None


def test_every_answer_problem_at_once(files, c2):
    _, f = files({
        "unit_tags": ["big", "huge"],
        "answers": {"1.1": {"x": 1}, "1.2": ["plan", "lesson"], "2.3": 2, "3.1": True, "1.3": -1},
        "documents": {"3.1": ["会议记录", "会议照片"], "1.2": ["计划"]},
    })
    with pytest.raises(ChecklistError) as info:
        load_answers(f, c2)
    problems = {p.path: p.message for p in info.value.problems}
    assert set(problems) == {"unit_tags[1]", "answers.1.1", "answers.1.2", "answers.2.3", "answers.1.3",
                             "documents.3.1", "documents.1.2"}, problems
    assert "huge" in problems["unit_tags[1]"] and "big、small" in problems["unit_tags[1]"]
    assert "不适用于本单位" in problems["answers.2.3"] and "大镇" in problems["answers.2.3"]
    assert "会议照片" in problems["documents.3.1"] and "会议纪要" in problems["documents.3.1"]
    assert "不要求资料" in problems["documents.1.2"]
    assert all(p.file == str(f) and p.line for p in info.value.problems)


def test_an_item_for_big_towns_cannot_be_answered_by_another_unit(files, c2):
    _, f = files({"answers": {"2.2": True}})
    with pytest.raises(ChecklistError) as info:
        load_answers(f, c2)
    assert "仅适用于大镇（人口5万以上）" in info.value.problems[0].message


def test_a_format1_set_declares_no_tags(files):
    from checklists.library import LIBRARY_DIR
    from checklists import load_checklist

    prov = load_checklist(LIBRARY_DIR / "prov-2027-town.yaml")
    _, f = files({"unit_tags": ["big"], "answers": {}})
    with pytest.raises(ChecklistError) as info:
        load_answers(f, prov)
    assert "未声明任何单位标签" in info.value.problems[0].message
    # a format 1 set keeps accepting document names it does not list, as before
    _, f = files({"answers": {"1.1": 2}, "documents": {"1.1": ["别的资料"]}})
    assert load_answers(f, prov).documents == {"1.1": ["别的资料"]}


# --------------------------------------------------------------------------- the command line


def run(capsys, *argv):
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_checklist_score_json_of_a_format2_set(capsys, files):
    criteria, f = files(GOOD.replace('"3.2": true', '"3.2": false') + "  \n")
    code, out, err = run(capsys, "checklist", "score", criteria, "--answers", f, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["final"] == 0 and data["voided_by"] == ["3.2"] and data["not_applicable"] == ["2.3"]
    assert data["level"] == "fail"
    gap = {g["code"]: g for g in data["gap"]}
    assert gap["1.1"]["reasons"] == [{"key": "a", "text": "专武干部缺编", "count": 2, "lost": 2},
                                     {"key": "b", "text": "会议无记录", "count": 1, "lost": 0.2}]
    assert gap["1.2"]["elements_missing"] == ["notes"]
    assert gap["3.1"]["documents_lost"] == [{"name": "签到表", "lost": 0.2}]
    assert gap["1.3"]["lost"] == 0.1 and "reasons" not in gap["1.3"]


def test_checklist_score_text_states_the_veto_first(capsys, files):
    criteria, f = files(GOOD.replace('"3.2": true', '"3.2": false'))
    code, out, _ = run(capsys, "checklist", "score", criteria, "--answers", f)
    lines = out.splitlines()
    assert code == 0 and lines[1] == "一票否决：3.2 无空白村，总分记0分"
    assert "总分 0（一票否决）" in lines[2]
    assert "不适用本单位 1 项：2.3" in out
    assert "专武干部缺编 2 人，扣 2" in out and "未做到：有教案" in out and "缺签到表，扣 0.2" in out


def test_checklist_score_refuses_bad_format2_answers(capsys, files):
    criteria, f = files({"unit_tags": ["huge"], "answers": {"1.1": {"c": 3}}})
    code, out, err = run(capsys, "checklist", "score", criteria, "--answers", f)
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 2 and "huge" in err and "最多 1 次" in err


def test_checklist_show_names_the_format2_rules(capsys, files):
    criteria, _ = files(GOOD)
    code, out, _ = run(capsys, "checklist", "show", criteria)
    assert code == 0 and "扣分上限 3" in out and "单位标签：big 大镇（人口5万以上），small 小镇" in out
    assert "一票否决，总分记零" in out and "仅适用于大镇（人口5万以上）" in out
    code, out, _ = run(capsys, "checklist", "show", criteria, "--json")
    assert json.loads(out)["format"] == "dabiao-checklist/2"
