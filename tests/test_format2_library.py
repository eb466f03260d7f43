"""The bundled format 2 sample (checklists/library/county-2027-town.yaml): valid, uses
every (/2) rule, and scores as a county would expect on a few realistic answer sheets."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checklists import Answers, load_checklist, score
from checklists.answers import check_value
from checklists.library import LIBRARY_DIR, bundled_files
from checklists.serialize import checklist_to_dict

from sets import load_data

F = Fraction
COUNTY = LIBRARY_DIR / "county-2027-town.yaml"


@pytest.fixture(scope="module")
def county():
    return load_checklist(COUNTY)


def test_the_sample_is_bundled_and_valid(county):
    assert COUNTY in bundled_files()
    assert county.format == 2 and county.total == 100 and county.level == "county"
    assert len(list(county.items())) == 38
    assert checklist_to_dict(load_data(checklist_to_dict(county), name="flat.yaml")) == checklist_to_dict(county)


def test_the_sample_uses_every_format2_rule(county):
    items = list(county.items())
    kinds = {i.kind for i in items}
    assert kinds == {"check", "rubric", "number", "deduct", "score", "elements"}
    assert county.penalty_cap == 10 and [t.tag for t in county.unit_tags] == ["big", "small"]
    assert all(c.points is not None for c in county.categories if any(i.role == "base" for i in c.walk_items()))
    assert any(i.voids_score for i in items)
    assert any(i.only_for for i in items) and any(i.not_for for i in items)
    assert any(i.reasons and any(r.max_count for r in i.reasons) for i in items)
    assert any(i.reasons and i.role == "penalty" for i in items)
    assert any(i.kind == "elements" and sum(e.points for e in i.elements) > i.points for i in items)  # any 3 of 4
    linear = [i for i in items if i.linear]
    assert {i.direction for i in linear} == {"higher", "lower"}
    assert any(i.linear.below_zero for i in linear) and any(i.linear.step != 1 for i in linear)
    rules = [r for i in items for r in i.evidence.rules]
    assert any(r.zero for r in rules) and any(not r.zero for r in rules)
    assert any(i.evidence.strict for i in items if i.evidence.rules)  # documents that count with strict photos
    assert any((i.points * 4).denominator != 1 for i in items) or any((i.points * 2).denominator != 1 for i in items)
    assert any(i.kind == "score" and i.step == F(1, 100) for i in items)  # the /2 default step


def best(item):
    if item.kind == "check":
        return True
    if item.kind == "rubric":
        return max(item.options, key=lambda o: o.points).label
    if item.kind == "number":
        if item.linear:
            return F(0) if item.direction == "lower" else item.linear.at + 100
        return max(item.bands, key=lambda b: b.points).at
    if item.kind == "deduct":
        return {} if item.reasons else 0
    if item.kind == "elements":
        return [e.key for e in item.elements]
    return item.points


def full(county, tags=()):
    tags = frozenset(tags)
    values = {i.code: best(i) for i in county.items() if i.applies_to(tags) and i.role != "bonus"}
    return Answers(values=values, photos={i.code: i.evidence.photos for i in county.items()},
                   documents={i.code: list(i.evidence.documents) for i in county.items()}, unit_tags=tags)


@pytest.mark.parametrize("tags,left_out", [(("big",), "2.3"), (("small",), "2.2"), ((), "2.2")])
def test_every_town_is_scored_out_of_100(county, tags, left_out):
    r = score(county, full(county, tags))
    assert r.applicable == 100 and r.base == 100 and r.final == 100 and r.level == "excellent"
    assert r.not_applicable == (left_out,) and r.unanswered == ("7.1", "7.2")


def test_a_blank_village_voids_the_year(county):
    answers = full(county, ("big",))
    answers.values["2.8"] = False
    r = score(county, answers)
    assert r.final == 0 and r.base == 100 and r.voided_by == ("2.8",) and r.level == "fail"


def test_a_realistic_answer_sheet(county):
    answers = full(county, ("small",))
    answers.values.update({
        "1.1": {"minutes": 1},                  # 0.5 off
        "1.2": ["order", "report"],             # 1.25 of 1.5
        "1.6": F(12),                           # 2 + 2 * 0.25 = 2.5 of 3
        "2.1": F(97),                           # 3 missing points: 4 - 0.6 = 3.4
        "2.5": ["muster", "vetting", "notice"],  # any 3 of 4: full 2.25
        "2.6": F("97.2"),                       # 0.8 below in whole 0.5 steps: 1 step, 2.25 of 3
        "2.7": F("6.5"),                        # 1 whole point over 5: 3.5
        "3.2": F("89.5"),                       # below 90: nothing
        "3.5": F(8),                            # 2 short: 0.3
        "4.1": F(95),                           # 4
        "5.3": {"mismatch": 1},                 # 3.5, and 维护保养记录 missing: 3
        "7.3": F(2),                            # penalty 4
        "7.4": {"accident": 3},                 # 9 off an 8-point item: 8; with 7.3, 12 capped at 10
    })
    answers.documents["5.3"] = ["器材登记簿"]
    answers.documents["5.4"] = ["民兵花名册", "整组工作台账", "征兵工作台账"]  # 教育训练台账 missing: 0.5
    for code, value in answers.values.items():
        assert check_value(county.item(code), value)[1] is None, code
    r = score(county, answers)
    lost = {"1.1": F(1, 2), "1.2": F(1, 4), "1.6": F(1, 2), "2.1": F(3, 5), "2.6": F(3, 4), "2.7": F(1, 2),
            "3.2": 6, "3.5": F(1, 5), "4.1": 6, "5.3": 1, "5.4": F(1, 2)}
    assert {g.code: g.lost for g in r.gap} == lost | {"7.3": 4, "7.4": 8}
    assert r.base == 100 - sum(lost.values()) == F(832, 10)
    assert r.penalty == 10 and r.final == F(732, 10) and r.level == "fail"
    assert r.next_level().short_by == F(68, 10)
    gap = {g.code: g for g in r.gap}
    assert [(d.name, d.lost) for d in gap["5.3"].documents_lost] == [("维护保养记录", F(1, 2))]
    assert [(x.key, x.count, x.lost) for x in gap["7.4"].reasons] == [("accident", 3, 9)]
    assert gap["1.2"].elements_missing == ("filed",)
