"""The scoring rules of format 2 (checklist-format.md, (/2)), one behaviour per test, with
the spec's own examples: linear rates, scoring points under one cap, weighted elements,
documents that count, voids_score, only_for / not_for, penalty_cap; and the score JSON
additions of design.md."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checklists import Answers, score
from checklists.loader import load_checklist_text
from checklists.scoring import item_breakdown, item_score

from format2_text import DOCS2, FULL2, PHOTOS2, SET2, item2, load2
from sets import full_answers, load_data, small_set

F = Fraction


@pytest.fixture(scope="module")
def c2():
    return load_checklist_text(SET2, "t2.yaml")


def answers(values=None, photos=PHOTOS2, documents=DOCS2, tags=()):
    return Answers(values=dict(FULL2, **(values or {})), photos=dict(photos), documents=dict(documents),
                   unit_tags=frozenset(tags))


# --------------------------------------------------------------------------- linear rates


# 96% 得15分，每提高1%加5分 on a 20-point item
@pytest.mark.parametrize("value,expected", [
    (96, 15), (97, 20), (96.5, 15), (96.99, 15), (100, 20),  # the better side, partial steps rounded toward 96
    (95, 10), (95.5, 15), (94, 5), (93, 0), (90, 0), (0, 0),  # the worse side, never below 0
])
def test_linear_rate_of_the_spec(c2, value, expected):
    assert item_score(c2.item("2.1"), F(str(value))) == expected


# 报名10人得满分，每少一人扣0.1分，扣完为止 on a 0.5-point item
@pytest.mark.parametrize("value,expected", [(10, "0.5"), (14, "0.5"), (9, "0.4"), (9.5, "0.5"), (7, "0.2"),
                                            (5, "0"), (0, "0")])
def test_linear_one_tenth_per_person_missing(c2, value, expected):
    assert item_score(c2.item("1.3"), F(str(value))) == F(expected)


def test_linear_below_zero_scores_nothing_anywhere_below():
    c = load2(item2("6.1", "number", 20, unit="%", linear={"at": 96, "points": 15, "step": 1, "per": 5,
                                                          "below": "zero"}))
    item = c.item("6.1")
    assert [item_score(item, F(v)) for v in ("95.99", "96", "97", "99")] == [0, 15, 20, 20]


@pytest.mark.parametrize("value,expected", [(0, 5), (1, 4), ("1.5", 3), (2, 3), (3, 2), ("3.5", 2), (5, 0), (9, 0)])
def test_linear_lower_is_better(value, expected):
    # 事故率 2 以下得3分，每低1加1分，每高1扣1分
    c = load2(item2("6.2", "number", 5, direction="lower", linear={"at": 2, "points": 3, "step": 1, "per": 1}))
    assert item_score(c.item("6.2"), F(str(value))) == expected


def test_linear_with_decimal_steps_is_exact():
    c = load2(item2("6.3", "number", 1, linear={"at": 0.9, "points": 0.5, "step": 0.01, "per": 0.05}))
    item = c.item("6.3")
    assert item_score(item, F("0.95")) == F(3, 4) and item_score(item, F("0.899")) == F(1, 2)
    assert item_score(item, F("0.89")) == F(9, 20) and item_score(item, F("1")) == 1


# --------------------------------------------------------------------------- scoring points under one cap


def test_reasons_each_take_their_own_deduction(c2):
    item = c2.item("1.1")
    assert item_score(item, {}) == 5
    assert item_score(item, {"a": 2, "b": 1}) == F(28, 10)  # 5 - 2*1 - 1*0.2
    assert item_score(item, {"c": 1}) == 3


def test_reasons_are_capped_by_the_item_and_the_gap_shows_them_before_the_cap(c2):
    r = score(c2, answers({"1.1": {"a": 4, "c": 1}}))  # 4 + 2 = 6 off a 5-point item: 扣完为止
    assert r.items["1.1"].score == 0
    g = next(g for g in r.gap if g.code == "1.1")
    assert g.lost == 5
    assert [(x.key, x.count, x.lost) for x in g.reasons] == [("a", 4, 4), ("c", 1, 2)]
    assert sum(x.lost for x in g.reasons) == 6 > g.lost
    entry = next(e for e in r.to_json()["gap"] if e["code"] == "1.1")
    assert entry["reasons"] == [{"key": "a", "text": "专武干部缺编", "count": 4, "lost": 4},
                                {"key": "c", "text": "制度未上墙", "count": 1, "lost": 2}]


def test_reasons_with_no_count_are_not_named(c2):
    r = score(c2, answers({"1.1": {"b": 3}}))
    g = next(g for g in r.gap if g.code == "1.1")
    assert [(x.key, x.lost) for x in g.reasons] == [("b", F(3, 5))]


# --------------------------------------------------------------------------- weighted elements


@pytest.mark.parametrize("met,expected", [([], 0), (["plan"], "0.25"), (["plan", "review"], "0.75"),
                                          (["plan", "notes"], "0.5"), (["plan", "notes", "review"], 1)])
def test_elements_add_up_their_points(c2, met, expected):
    assert item_score(c2.item("1.2"), met) == F(expected)


@pytest.mark.parametrize("n,expected", [(0, 0), (1, "0.2"), (2, "0.4"), (3, "0.6"), (4, "0.6"), (5, "0.6")])
def test_any_three_of_five_elements(n, expected):
    c = load2(item2("5.3", "elements", 0.6, elements=[{"key": f"e{i}", "text": f"要素{i}", "points": 0.2}
                                                      for i in range(5)]))
    assert item_score(c.item("5.3"), [f"e{i}" for i in range(n)]) == F(expected)


def test_the_gap_names_the_elements_not_met(c2):
    r = score(c2, answers({"1.2": ["notes"]}))
    assert r.items["1.2"].elements_missing == ("plan", "review")
    entry = next(e for e in r.to_json()["gap"] if e["code"] == "1.2")
    assert entry["elements_missing"] == ["plan", "review"] and entry["lost"] == 0.75
    unanswered = score(c2, answers({"1.2": None}))
    assert next(g for g in unanswered.gap if g.code == "1.2").elements_missing == ("plan", "notes", "review")


# --------------------------------------------------------------------------- documents that count


ALL_DOCS = ["会议记录", "会议纪要", "签到表"]


@pytest.mark.parametrize("presented,photos,expected,lost", [
    (ALL_DOCS, 2, 4, []),
    (["会议记录", "会议纪要"], 2, F(19, 5), [("签到表", F(1, 5))]),        # missing: 0.2
    (["会议纪要", "签到表"], 2, 4, []),                                     # a plain document costs nothing
    (["会议记录", "签到表"], 2, 0, [("会议纪要", 4)]),                      # missing: zero
    ([], 2, 0, [("签到表", F(1, 5)), ("会议纪要", F(19, 5))]),             # N first, then zero takes the rest
    (ALL_DOCS, 1, 0, []),                                                  # strict photos short
    (["会议记录", "会议纪要"], 1, 0, [("签到表", F(1, 5))]),
    (None, 2, 0, [("签到表", F(1, 5)), ("会议纪要", F(19, 5))]),           # nothing recorded: none presented
])
def test_documents_that_count_in_the_order_of_the_spec(c2, presented, photos, expected, lost):
    s, documents_lost, zeroed = item_breakdown(c2.item("3.1"), True, photos, presented)
    assert s == expected
    assert [(x.name, x.lost) for x in documents_lost] == lost
    assert zeroed == (photos < 2)


def test_a_document_never_takes_more_than_the_item_has():
    c = load2(item2("7.1", "score", 1, evidence={"documents": [{"name": "台账", "missing": 0.5},
                                                              {"name": "记录", "missing": 0.5}]}))
    s, lost, _ = item_breakdown(c.item("7.1"), F("0.7"), 0, [])
    assert s == 0 and [(x.name, x.lost) for x in lost] == [("台账", F(1, 2)), ("记录", F(1, 5))]
    assert item_breakdown(c.item("7.1"), F(0), 0, [])[1] == ()  # nothing to take: not listed


def test_the_gap_names_the_documents_that_lost_points(c2):
    r = score(c2, answers(documents={"3.1": ["会议记录", "会议纪要"]}))
    entry = next(e for e in r.to_json()["gap"] if e["code"] == "3.1")
    assert entry["documents_lost"] == [{"name": "签到表", "lost": 0.2}]
    assert entry["missing_evidence"] == {"photos": 0, "documents": ["签到表"]}
    assert r.base == F(67, 2) - F(1, 5)


# --------------------------------------------------------------------------- voids_score


def test_a_void_item_not_met_sets_final_to_zero_and_reports_the_rest(c2):
    full = score(c2, answers())
    r = score(c2, answers({"3.2": False}))
    assert r.final == 0 and r.level == "fail" and r.voided_by == ("3.2",)
    assert (r.base, r.bonus, r.penalty) == (full.base, full.bonus, full.penalty) and r.base == F(67, 2)
    assert [cr.ratio for cr in r.categories] == [cr.ratio for cr in full.categories]
    assert all("3.2" in lv.blocking_items for lv in r.levels)
    assert any(g.code == "3.2" for g in r.gap)  # a 0-point condition not met is a gap
    assert full.voided_by == () and full.level == "excellent"


def test_an_unanswered_void_item_blocks_every_level_but_voids_nothing(c2):
    r = score(c2, answers({"3.2": None}))
    assert r.final == F(67, 2) and r.voided_by == () and r.level == "fail"
    assert all(lv.blocking_items == ("3.2",) for lv in r.levels) and "3.2" in r.unanswered


def test_a_void_item_answered_na_or_not_applicable_neither_voids_nor_blocks():
    void = item2("7.6", "check", 0, voids_score=True, na_allowed=True)
    c = load2(void)
    r = score(c, Answers(values={"0.1": True, "7.6": "na"}))
    assert r.final == 10 and r.level == "pass" and r.voided_by == ()
    c = load2(dict(void, only_for=["big"]), unit_tags=[{"tag": "big", "label": "大镇"}])
    r = score(c, Answers(values={"0.1": True}))  # a unit that is not 大镇
    assert r.final == 10 and r.level == "pass" and r.not_applicable == ("7.6",) and r.unanswered == ()
    r = score(c, Answers(values={"0.1": True, "7.6": False}, unit_tags={"big"}))
    assert r.final == 0 and r.voided_by == ("7.6",)


def test_a_void_item_with_points_is_void_when_not_fully_met():
    c = load2(item2("7.7", "deduct", 2, per=0.5, voids_score=True))
    assert score(c, Answers(values={"0.1": True, "7.7": 0})).final == 12
    r = score(c, Answers(values={"0.1": True, "7.7": 1}))
    assert r.final == 0 and r.base == F(23, 2) and r.voided_by == ("7.7",)


def test_voided_json(c2):
    data = score(c2, answers({"3.2": False})).to_json()
    assert data["final"] == 0 and data["voided_by"] == ["3.2"] and data["base"] == 33.5


# --------------------------------------------------------------------------- only_for / not_for


@pytest.mark.parametrize("tags,applies,left_out", [
    ((), "2.3", "2.2"),              # no tag: 2.2 is for 大镇 only; 2.3 is for every unit but 大镇
    (("small",), "2.3", "2.2"),
    (("big",), "2.2", "2.3"),
    (("big", "small"), "2.2", "2.3"),  # not_for wins over any other tag
])
def test_items_for_some_units_only(c2, tags, applies, left_out):
    values = {applies: True if applies == "2.2" else 3}
    r = score(c2, answers(values, tags=tags))
    assert r.not_applicable == (left_out,) and r.unanswered == ()
    assert r.items[left_out].excluded and r.items[left_out].status == "na"
    assert r.applicable == F(67, 2) and r.base == F(67, 2) == r.total
    assert r.category_index["2"].count == 2 and r.category_index["2"].applicable == 23


def test_tags_change_the_applicable_points_and_the_rescaling():
    data = small_set(total=20)
    data.update(format="dabiao-checklist/2", unit_tags=[{"tag": "big", "label": "大镇"}])
    data["categories"][1]["items"].append({"code": "2.9", "title": "大镇加项", "requirement": "有", "points": 5,
                                           "kind": "check", "only_for": ["big"]})
    c = load_data(data)
    assert c.total == 20  # 20 apply to all, 25 to 大镇
    values = full_answers() | {"2.1": "合格"}  # 2 of 20 lost
    small = score(c, Answers(values=values))
    assert small.applicable == 20 and small.base == 18
    big = score(c, Answers(values=values | {"2.9": False}, unit_tags={"big"}))
    assert big.applicable == 25 and big.earned == 18 and big.base == F(18, 25) * 20
    lost = sum((g.lost for g in big.gap if g.role == "base"), F(0))
    assert lost == big.total - big.base  # the gap still adds up, scaled by total / applicable


def test_an_answer_to_an_item_left_out_by_tags_is_ignored(c2):
    r = score(c2, answers({"2.2": False}))  # e.g. kept from before the unit's tags changed
    assert r.items["2.2"].excluded and r.items["2.2"].score == 0 and r.final == F(67, 2)


# --------------------------------------------------------------------------- penalty_cap


def test_penalty_cap_limits_what_penalty_items_take_off(c2):
    r = score(c2, answers({"3.4": 2}))  # 2 incidents * 2.5 = 5 off, capped at 3
    assert r.penalty == 3 and r.final == F(67, 2) - 3
    g = next(g for g in r.gap if g.code == "3.4")
    assert g.lost == 5  # the gap shows the full deduction, before the cap
    r = score(c2, answers({"3.4": 1}))
    assert r.penalty == F(5, 2)


# --------------------------------------------------------------------------- the score JSON


def test_format2_json_has_the_additions(c2):
    data = score(c2, answers()).to_json()
    assert data["voided_by"] == [] and data["not_applicable"] == ["2.2"]
    assert data["final"] == 33.5 and data["level"] == "excellent" and data["gap"] == []


def test_format2_gap_entries_carry_their_keys_only_where_they_apply(c2):
    data = score(c2, answers({"1.1": {"a": 1}, "1.2": ["plan"], "1.3": 8, "3.4": 1})).to_json()
    keys = {e["code"]: set(e) - {"code", "title", "score", "points", "lost", "requirement", "excellent",
                                 "missing_evidence"} for e in data["gap"]}
    assert keys == {"1.1": {"reasons"}, "1.2": {"elements_missing"}, "1.3": set(), "3.4": set()}


def test_format1_json_is_unchanged():
    c = load_data(small_set())
    data = score(c, full_answers() | {"2.1": "合格"}).to_json()
    assert "voided_by" not in data and "not_applicable" not in data
    assert all(set(e) == {"code", "title", "score", "points", "lost", "requirement", "excellent",
                          "missing_evidence"} for e in data["gap"])


def test_figures_are_exact(c2):
    r = score(c2, answers({"1.1": {"b": 3}, "1.3": 9}))  # 0.6 and 0.1 off: no float error
    assert r.earned == F(67, 2) - F(7, 10) and r.base == F(328, 10)
