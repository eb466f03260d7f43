"""Format 2 (`dabiao-checklist/2`) criteria: what the loader reads and every rule it
checks, each problem with its file, line and key path (checklist-format.md, (/2))."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checklists import load_checklist
from checklists.model import DocumentRule, Linear, Reason, UnitTag

from criteria_text import BASE, check, edit, line_no, problems_of, the  # noqa: F401 - check is a fixture
from format2_text import SET2

F = Fraction


@pytest.fixture
def set2(tmp_path):
    f = tmp_path / "t2.yaml"
    f.write_text(SET2, encoding="utf-8")
    return load_checklist(f)


def test_the_format2_set_loads_with_every_part(set2):
    c = set2
    assert c.format == 2 and c.total == F(67, 2) and c.penalty_cap == 3 and c.bonus_cap == 2
    assert c.unit_tags == (UnitTag("big", "大镇（人口5万以上）"), UnitTag("small", "小镇"))
    assert [(cat.code, cat.points) for cat in c.all_categories()] == [("1", F(13, 2)), ("2", 23), ("3", None)]
    assert c.item("1.1").reasons == (Reason("a", "专武干部缺编", 1, "人"), Reason("b", "会议无记录", F(1, 5), "次"),
                                     Reason("c", "制度未上墙", 2, None, 1))
    assert c.item("1.1").per is None
    assert [e.points for e in c.item("1.2").elements] == [F(1, 4), F(1, 4), F(1, 2)]
    assert c.item("1.3").linear == Linear(10, F(1, 2), 1, F(1, 10)) and c.item("1.3").bands == ()
    assert c.item("2.1").linear == Linear(96, 15, 1, 5)
    assert (c.item("2.2").only_for, c.item("2.3").not_for) == (("big",), ("big",))
    assert c.item("2.3").step == F(1, 100)  # the /2 default step
    ev = c.item("3.1").evidence
    assert ev.documents == ("会议记录", "会议纪要", "签到表")
    assert ev.rules == (DocumentRule("会议纪要", "zero"), DocumentRule("签到表", F(1, 5)))
    assert ev.rule("会议纪要").zero and ev.rule("会议记录") is None
    assert c.item("3.2").voids_score and c.item("3.2").points == 0


def test_json_in_format2_is_read_the_same(tmp_path, set2):
    import json

    import yaml

    f = tmp_path / "t2.json"
    f.write_text(json.dumps(yaml.safe_load(SET2), ensure_ascii=False), encoding="utf-8")
    assert load_checklist(f) == set2


# --------------------------------------------------------------------------- a /1 file using a /2 key


V1 = "format: dabiao-checklist/1"
V2 = "format: dabiao-checklist/2"


def as_v1(text: str) -> str:
    return edit(text, (V2, V1))


@pytest.mark.parametrize("marker,path", [
    ("penalty_cap: 3", "penalty_cap"),
    ("unit_tags:", "unit_tags"),
    ("    points: 6.5", "categories[0].points"),
    ("        voids_score: true", "categories[2].items[1].voids_score"),
    ("        only_for: [big]", "categories[1].items[1].only_for"),
    ("        not_for: [big]", "categories[1].items[2].not_for"),
    ("        reasons:", "categories[0].items[0].reasons"),
    ("        linear: {at: 96, points: 15, step: 1, per: 5}", "categories[1].items[0].linear"),
    ("        kind: elements", "categories[0].items[1].kind"),
    ("            - {name: 会议纪要, missing: zero}", "categories[2].items[0].evidence.documents[1]"),
])
def test_a_v1_file_using_a_v2_key_is_refused_naming_it(check, marker, path):
    p = check(as_v1(SET2), path, marker, "dabiao-checklist/2", "格式 2")
    key = path.rsplit(".", 1)[-1]
    if "[" not in key:
        assert repr(key) in p.message or key in p.message


def test_a_v1_file_lists_every_v2_key_at_once(tmp_path):
    f = tmp_path / "v1.yaml"
    f.write_text(as_v1(SET2), encoding="utf-8")
    problems = problems_of(f)
    needs = [p for p in problems if "dabiao-checklist/2" in p.message]
    # penalty_cap, unit_tags, 2 category points, reasons, elements (kind and key), 2 linear,
    # only_for, not_for, 2 documents, voids_score; plus 0.25, 0.5 (1.3) points not on the /1 grid
    assert len(needs) >= 14, [str(p) for p in problems]
    assert all(p.line for p in problems)


def test_quarter_points_in_v1_hint_at_format2(check):
    p = check(edit(BASE, ("        points: 6\n", "        points: 6.25\n")), "categories[1].items[0].points",
              "points: 6.25", "0.5 的整数倍", "dabiao-checklist/2")
    assert "6.25" in p.message


def test_an_unknown_format_names_both(check):
    check(edit(SET2, (V2, "format: dabiao-checklist/9")), "format", "format:", "dabiao-checklist/1",
          "dabiao-checklist/2")


# --------------------------------------------------------------------------- decimals


@pytest.mark.parametrize("old,new,path", [
    ("        points: 5\n        kind: deduct\n        reasons:", "        points: 5.125\n        kind: deduct\n        reasons:",
     "categories[0].items[0].points"),
    ("per: 0.2, unit: 次", "per: 0.205, unit: 次", "categories[0].items[0].reasons[1].per"),
    ("{key: plan, text: 有年度教育计划, points: 0.25}", "{key: plan, text: 有年度教育计划, points: 0.255}",
     "categories[0].items[1].elements[0].points"),
    ("step: 1, per: 0.1}", "step: 1, per: 0.125}", "categories[0].items[2].linear.per"),
    ("{at: 96, points: 15, step: 1, per: 5}", "{at: 96, points: 15, step: 0.001, per: 5}",
     "categories[1].items[0].linear.step"),
    ("{name: 签到表, missing: 0.2}", "{name: 签到表, missing: 0.333}",
     "categories[2].items[0].evidence.documents[2].missing"),
    ("        per: 2.5", "        per: 2.555", "categories[2].items[3].per"),
])
def test_at_most_two_decimals_in_format2(check, old, new, path):
    p = check(edit(SET2, (old, new)), path, new.strip().split("\n")[0], "两位小数")
    assert "1/" not in p.message  # the number as written


def test_two_decimals_are_fine_everywhere(tmp_path):
    text = edit(SET2, ("        per: 2.5", "        per: 0.01"), ("step: 1, per: 0.1}", "step: 0.25, per: 0.05}"))
    f = tmp_path / "ok.yaml"
    f.write_text(text, encoding="utf-8")
    assert load_checklist(f).item("3.4").per == F(1, 100)


def test_score_item_options_and_bands_take_two_decimals(tmp_path):
    text = edit(SET2, ("        points: 3\n        kind: score\n        not_for: [big]",
                       "        points: 3\n        kind: rubric\n        not_for: [big]\n"
                       "        options: [{label: 好, points: 3}, {label: 中, points: 1.75}, {label: 差, points: 0.1}]"))
    f = tmp_path / "ok.yaml"
    f.write_text(text, encoding="utf-8")
    assert [o.points for o in load_checklist(f).item("2.3").options] == [3, F(7, 4), F(1, 10)]
    text = edit(text, ("{label: 差, points: 0.1}", "{label: 差, points: 0.125}"))
    f.write_text(text, encoding="utf-8")
    assert "两位小数" in the(problems_of(f), "categories[1].items[2].options[2].points").message


# --------------------------------------------------------------------------- header: penalty_cap, unit_tags, total


def test_penalty_cap_must_not_be_negative(check):
    check(edit(SET2, ("penalty_cap: 3", "penalty_cap: -1")), "penalty_cap", "penalty_cap:", "不能小于 0", count=1)


@pytest.mark.parametrize("old,new,path,words", [
    ("{tag: small, label: 小镇}", "{tag: big, label: 小镇}", "unit_tags[1].tag", ("重复",)),
    ("{tag: small, label: 小镇}", "{tag: small town, label: 小镇}", "unit_tags[1].tag", ("一个词",)),
    ("{tag: small, label: 小镇}", "{tag: small}", "unit_tags[1].label", ("缺少必填项",)),
    ("{tag: small, label: 小镇}", "{tag: small, label: 小镇, size: 1}", "unit_tags[1].size", ("未知的键",)),
])
def test_unit_tags_are_checked(check, old, new, path, words):
    check(edit(SET2, (old, new)), path, new, *words)


def test_a_tag_an_item_uses_must_be_declared(check):
    check(edit(SET2, ("only_for: [big]", "only_for: [huge]")), "categories[1].items[1].only_for[0]",
          "only_for: [huge]", "未声明的单位标签", "huge", "big", count=1)


def test_tags_without_unit_tags(check):
    text = edit(SET2, ("  - {tag: big, label: 大镇（人口5万以上）}\n  - {tag: small, label: 小镇}\n", ""),
                ("unit_tags:\n", ""), ("total: 33.5", "total: 30.5"), ("    points: 23\n", ""))
    p = check(text, "categories[1].items[1].only_for[0]", "only_for: [big]", "未声明", count=2)
    assert "unit_tags" in p.message


@pytest.mark.parametrize("old,new,path,words", [
    ("only_for: [big]", "only_for: []", "categories[1].items[1].only_for", ("至少",)),
    ("only_for: [big]", "only_for: [big, big]", "categories[1].items[1].only_for[1]", ("重复",)),
    ("only_for: [big]", "only_for: big", "categories[1].items[1].only_for", ("列表",)),
    ("not_for: [big]", "not_for: [big]\n        only_for: [big]", "categories[1].items[2].not_for", ("同时",)),
])
def test_only_for_and_not_for_are_lists_of_tags(check, old, new, path, words):
    check(edit(SET2, (old, new)), path, None, *words)


@pytest.mark.parametrize("total", ["30.5", "33.5", "36.5", "32"])
def test_a_total_between_common_and_all_base_points_is_fine(tmp_path, total):
    f = tmp_path / "ok.yaml"
    f.write_text(edit(SET2, ("total: 33.5", f"total: {total}")), encoding="utf-8")
    assert load_checklist(f).total == F(total)


@pytest.mark.parametrize("total", ["30", "37"])
def test_a_total_outside_the_range_is_refused(check, total):
    check(edit(SET2, ("total: 33.5", f"total: {total}")), "total", "total:", "30.5", "36.5", "only_for", count=1)


def test_without_tags_the_total_must_equal_the_sum(check):
    check(edit(BASE, ("format: dabiao-checklist/1", V2), ("total: 20", "total: 21")), "total", "total:", "20", "不符",
          count=1)


def test_without_a_total_a_set_with_tags_is_scaled_to_all_its_base_points(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(edit(SET2, ("total: 33.5\n", "")), encoding="utf-8")
    assert load_checklist(f).total == F(73, 2)


# --------------------------------------------------------------------------- category points


def test_category_points_must_equal_its_base_points(check):
    p = check(edit(SET2, ("    points: 6.5", "    points: 7")), "categories[0].points", "points: 7", "6.5", count=1)
    assert "应等于" in p.message


def test_category_points_with_tags_lie_in_a_range(check):
    check(edit(SET2, ("    points: 23", "    points: 27")), "categories[1].points", "points: 27", "20", "26", count=1)


def test_category_points_count_sub_categories_and_base_items_only(tmp_path):
    text = edit(SET2, ("    points: 6.5", "    points: 8.5"),
                ("        linear: {at: 10, points: 0.5, step: 1, per: 0.1}\n",
                 "        linear: {at: 10, points: 0.5, step: 1, per: 0.1}\n"
                 "    categories:\n"
                 "      - code: 1A\n        title: 下级\n        points: 2\n        items:\n"
                 "          - {code: 1A.1, title: 下级条目, requirement: 有, points: 2, kind: check}\n"
                 "          - {code: 1A.2, title: 加分, requirement: 有, points: 1, kind: check, role: bonus}\n"),
                ("total: 33.5", "total: 35.5"))
    f = tmp_path / "ok.yaml"
    f.write_text(text, encoding="utf-8")
    assert [cat.points for cat in load_checklist(f).all_categories()][:2] == [F(17, 2), 2]


def test_category_points_must_be_a_number(check):
    check(edit(SET2, ("    points: 6.5", "    points: 六")), "categories[0].points", "points: 六", "数字")


# --------------------------------------------------------------------------- voids_score, zero points


def test_a_zero_point_item_needs_gate_or_voids_score(check):
    check(edit(SET2, ("        voids_score: true\n", "")), "categories[2].items[1].points", None, "voids_score",
          count=1)


def test_voids_score_is_a_bool(check):
    check(edit(SET2, ("voids_score: true", "voids_score: 是")), "categories[2].items[1].voids_score",
          "voids_score:", "true 或 false")


# --------------------------------------------------------------------------- deduct with reasons


@pytest.mark.parametrize("old,new,path,words", [
    ("        kind: deduct\n        reasons:", "        kind: deduct\n        per: 1\n        reasons:",
     "categories[0].items[0].reasons", ("二选一",)),
    ("{key: b, text: 会议无记录, per: 0.2, unit: 次}", "{key: a, text: 会议无记录, per: 0.2, unit: 次}",
     "categories[0].items[0].reasons[1].key", ("重复",)),
    ("{key: b, text: 会议无记录, per: 0.2, unit: 次}", "{key: b, text: 会议无记录, per: 0, unit: 次}",
     "categories[0].items[0].reasons[1].per", ("大于 0",)),
    ("{key: b, text: 会议无记录, per: 0.2, unit: 次}", "{key: b, per: 0.2, unit: 次}",
     "categories[0].items[0].reasons[1].text", ("缺少必填项",)),
    ("per: 2, max_count: 1}", "per: 2, max_count: 0}", "categories[0].items[0].reasons[2].max_count", ("整数",)),
    ("per: 2, max_count: 1}", "per: 2, max_count: 1.5}", "categories[0].items[0].reasons[2].max_count", ("整数",)),
    ("per: 2, max_count: 1}", "per: 2, max_count: 1, colour: red}", "categories[0].items[0].reasons[2].colour",
     ("未知的键",)),
])
def test_reasons_are_checked(check, old, new, path, words):
    check(edit(SET2, (old, new)), path, None, *words)


def test_reasons_must_not_be_empty(check):
    text = edit(SET2, ("""        reasons:
          - {key: a, text: 专武干部缺编, per: 1, unit: 人}
          - {key: b, text: 会议无记录, per: 0.2, unit: 次}
          - {key: c, text: 制度未上墙, per: 2, max_count: 1}
""", "        reasons: []\n"))
    check(text, "categories[0].items[0].reasons", "reasons: []", "至少")


def test_reasons_are_for_deduct_items_only(check):
    check(edit(SET2, ("        kind: elements\n", "        kind: elements\n        reasons: []\n")),
          "categories[0].items[1].reasons", "reasons: []", "未知的键")


# --------------------------------------------------------------------------- elements


def test_elements_must_add_up_to_the_points(check):
    p = check(edit(SET2, ("{key: review, text: 有总结和考核, points: 0.5}", "{key: review, text: 有总结和考核, points: 0.25}")),
              "categories[0].items[1].elements", "elements:", "0.75", count=1)
    assert "满分 1" in p.message


@pytest.mark.parametrize("old,new,path,words", [
    ("{key: notes, text: 有教案, points: 0.25}", "{key: plan, text: 有教案, points: 0.25}",
     "categories[0].items[1].elements[1].key", ("重复",)),
    ("{key: notes, text: 有教案, points: 0.25}", "{key: notes, text: 有教案, points: 0}",
     "categories[0].items[1].elements[1].points", ("大于 0",)),
    ("{key: notes, text: 有教案, points: 0.25}", "{key: notes, points: 0.25}",
     "categories[0].items[1].elements[1].text", ("缺少必填项",)),
])
def test_elements_are_checked(check, old, new, path, words):
    check(edit(SET2, (old, new)), path, new, *words)


def test_an_elements_item_needs_its_elements(check):
    text = edit(SET2, ("""        elements:
          - {key: plan, text: 有年度教育计划, points: 0.25}
          - {key: notes, text: 有教案, points: 0.25}
          - {key: review, text: 有总结和考核, points: 0.5}
""", ""))
    check(text, "categories[0].items[1].elements", None, "elements", count=1)


def test_over_satisfiable_elements_are_fine(tmp_path):
    text = edit(SET2, ("        points: 1\n        kind: elements", "        points: 0.75\n        kind: elements"),
                ("    points: 6.5", "    points: 6.25"), ("total: 33.5", "total: 33.25"))
    f = tmp_path / "ok.yaml"
    f.write_text(text, encoding="utf-8")
    assert load_checklist(f).item("1.2").points == F(3, 4)


# --------------------------------------------------------------------------- linear


@pytest.mark.parametrize("old,new,path,words", [
    ("{at: 96, points: 15, step: 1, per: 5}", "{at: 96, points: 15, per: 5}", "categories[1].items[0].linear.step",
     ("缺少必填项",)),
    ("{at: 96, points: 15, step: 1, per: 5}", "{at: 96, points: 21, step: 1, per: 5}",
     "categories[1].items[0].linear.points", ("超过",)),
    ("{at: 96, points: 15, step: 1, per: 5}", "{at: 96, points: 15, step: 1, per: 5, below: none}",
     "categories[1].items[0].linear.below", ("zero",)),
    ("{at: 96, points: 15, step: 1, per: 5}", "{at: 96, points: 15, step: 0, per: 5}",
     "categories[1].items[0].linear.step", ("大于 0",)),
    ("{at: 96, points: 15, step: 1, per: 5}", "{at: 96, points: 15, step: 1, per: 5, bands: []}",
     "categories[1].items[0].linear.bands", ("未知的键",)),
])
def test_linear_is_checked(check, old, new, path, words):
    check(edit(SET2, (old, new)), path, "linear:", *words, nth=2)


def test_linear_or_bands_not_both(check):
    check(edit(SET2, ("        linear: {at: 96, points: 15, step: 1, per: 5}",
                      "        linear: {at: 96, points: 15, step: 1, per: 5}\n        bands: [{at: 1, points: 20}]")),
          "categories[1].items[0].linear", "linear: {at: 96", "二选一", count=1)


def test_a_number_item_needs_bands_or_linear(check):
    check(edit(SET2, ("        linear: {at: 96, points: 15, step: 1, per: 5}\n", "")),
          "categories[1].items[0].bands", None, "linear", count=1)


def test_a_lower_is_better_rate_that_can_never_give_full_points(check):
    text = edit(SET2, ("        linear: {at: 96, points: 15, step: 1, per: 5}",
                       "        direction: lower\n        linear: {at: 2, points: 15, step: 1, per: 2}"))
    p = check(text, "categories[1].items[0].linear", "linear: {at: 2", "19", count=1)
    assert "满分 20" in p.message


# --------------------------------------------------------------------------- documents that count


@pytest.mark.parametrize("old,new,path,words", [
    ("{name: 签到表, missing: 0.2}", "{name: 签到表, missing: 5}", "categories[2].items[0].evidence.documents[2].missing",
     ("超过",)),
    ("{name: 签到表, missing: 0.2}", "{name: 签到表, missing: half}",
     "categories[2].items[0].evidence.documents[2].missing", ("zero",)),
    ("{name: 签到表, missing: 0.2}", "{name: 会议记录, missing: 0.2}", "categories[2].items[0].evidence.documents[2]",
     ("重复",)),
    ("{name: 签到表, missing: 0.2}", "{missing: 0.2}", "categories[2].items[0].evidence.documents[2].name",
     ("缺少必填项",)),
    ("{name: 签到表, missing: 0.2}", "{name: 签到表, cost: 0.2}", "categories[2].items[0].evidence.documents[2].cost",
     ("未知的键",)),
])
def test_documents_that_count_are_checked(check, old, new, path, words):
    check(edit(SET2, (old, new)), path, new, *words)


def test_a_document_without_missing_costs_nothing(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(edit(SET2, ("{name: 签到表, missing: 0.2}", "{name: 签到表}")), encoding="utf-8")
    ev = load_checklist(f).item("3.1").evidence
    assert ev.documents[-1] == "签到表" and ev.rule("签到表") is None


# --------------------------------------------------------------------------- one pass


def test_every_format2_problem_is_reported_in_one_pass(tmp_path):
    """(Sums such as a category's points are not checked while items are refused: they
    would only echo the item's own problem.)"""
    text = edit(SET2,
                ("penalty_cap: 3", "penalty_cap: -3"),                                         # 1
                ("{tag: small, label: 小镇}", "{tag: big, label: 小镇}"),                       # 2
                ("per: 0.2, unit: 次", "per: 0.201, unit: 次"),                                # 4
                ("{key: review, text: 有总结和考核, points: 0.5}", "{key: review, text: 有总结和考核, points: 0.25}"),  # 5
                ("{at: 10, points: 0.5, step: 1, per: 0.1}", "{at: 10, points: 0.5, per: 0.1}"),    # 6
                ("not_for: [big]", "not_for: [middle]"),                                       # 7
                ("{name: 签到表, missing: 0.2}", "{name: 签到表, missing: 9}"),                 # 8
                )
    f = tmp_path / "many.yaml"
    f.write_text(text, encoding="utf-8")
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == sorted([
        "penalty_cap", "unit_tags[1].tag", "categories[0].items[0].reasons[1].per",
        "categories[0].items[1].elements", "categories[0].items[2].linear.step", "categories[1].items[2].not_for[0]",
        "categories[2].items[0].evidence.documents[2].missing"]), [str(p) for p in problems]
    assert all(p.file == str(f) and p.line for p in problems)


@pytest.mark.parametrize("value", ["[]", "[dabiao-checklist/2]", "{a: 1}", "2"])
def test_a_format_that_is_not_text_is_refused_not_a_crash(check, value):
    check(edit(SET2, (V2, f"format: {value}")), "format", "format:", "dabiao-checklist/2")
