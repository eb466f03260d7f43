"""The scoring rules of checklist-format.md, one behaviour per test."""

from fractions import Fraction

import pytest

from checklists import Answers, score
from checklists.scoring import item_score

from sets import full_answers, load_data, small_set


@pytest.fixture
def checklist():
    return load_data(small_set())


def test_full_marks_reach_the_top_level(checklist):
    r = score(checklist, full_answers())
    assert r.total == 20 and r.applicable == 20 and r.base == 20
    assert r.final == 20  # 20-point set: min_score 80 not reachable
    assert r.level == "fail"


def test_base_is_scaled_to_total():
    data = small_set(total=20)
    c = load_data(data)
    answers = full_answers() | {"2.1": "合格"}  # 18 of 20
    r = score(c, answers)
    assert r.base == 18


@pytest.mark.parametrize("value,expected", [(0, 0), (1, 0), (2, 3), (3, 3), (4, 4), (99, 4)])
def test_number_takes_best_band_reached(checklist, value, expected):
    assert item_score(checklist.item("1.1"), Fraction(value)) == expected


def test_number_lower_direction():
    data = small_set()
    item = data["categories"][0]["items"][0]
    item.update(direction="lower", bands=[{"at": 0, "points": 4}, {"at": 2, "points": 2}])
    c = load_data(data)
    assert item_score(c.item("1.1"), Fraction(0)) == 4
    assert item_score(c.item("1.1"), Fraction(1)) == 2
    assert item_score(c.item("1.1"), Fraction(3)) == 0


def test_check_rubric_deduct_score(checklist):
    assert item_score(checklist.item("1.2"), True) == 2
    assert item_score(checklist.item("1.2"), False) == 0
    assert item_score(checklist.item("2.1"), "合格") == 4
    assert item_score(checklist.item("2.2"), Fraction(3)) == 1
    assert item_score(checklist.item("2.2"), Fraction(9)) == 0  # 扣完为止
    assert item_score(checklist.item("2.3"), Fraction(5, 2)) == Fraction(5, 2)


def test_na_leaves_item_out_of_applicable(checklist):
    r = score(checklist, full_answers() | {"2.3": "na"})
    assert r.applicable == 16 and r.earned == 16 and r.base == 20
    assert "2.3" not in r.unanswered
    assert all(g.code != "2.3" for g in r.gap)


def test_unanswered_scores_zero_and_is_listed(checklist):
    answers = full_answers()
    del answers["2.1"]
    r = score(checklist, answers)
    assert r.earned == 14 and "2.1" in r.unanswered
    gap = {g.code: g for g in r.gap}
    assert gap["2.1"].lost == 6 and gap["2.1"].unanswered


def test_bonus_is_capped(checklist):
    r = score(checklist, full_answers() | {"3.2": 2, "3.3": True})
    assert r.bonus == 3  # 4 capped at 3
    assert r.final == 23


def test_bonus_without_cap_is_plain_sum():
    data = small_set()
    del data["bonus_cap"]
    r = score(load_data(data), full_answers() | {"3.2": 2, "3.3": True})
    assert r.bonus == 4


def test_penalty_takes_points_off_and_final_never_negative(checklist):
    r = score(checklist, full_answers() | {"3.4": 2})
    assert r.penalty == 4 and r.final == 16
    gap = {g.code: g for g in r.gap}
    assert gap["3.4"].lost == 4
    r = score(checklist, {"3.4": 10})
    assert r.final == 0


def test_unanswered_penalty_takes_nothing(checklist):
    answers = full_answers()
    del answers["3.4"]
    assert score(checklist, answers).penalty == 0


def test_strict_evidence_scores_zero_until_photos_attached():
    data = small_set()
    data["categories"][1]["items"][1]["evidence"]["strict"] = True
    c = load_data(data)
    r = score(c, Answers(values=full_answers()))
    assert r.items["2.2"].score == 0 and r.items["2.2"].evidence_zeroed
    r = score(c, Answers(values=full_answers(), photos={"2.2": 1}))
    assert r.items["2.2"].score == 4


def _pct(data):
    """Scale the small set to 100 points so min_scores 80/90 are reachable."""
    data["total"] = 100
    data["categories"][0]["items"][0]["points"] = 84
    data["categories"][0]["items"][0]["bands"] = [{"at": 2, "points": 80}, {"at": 4, "points": 84}]
    return data


def test_levels_and_short_by():
    c = load_data(_pct(small_set()))
    # 1.1 -> 80 of 84, everything else full: 96 of 100 base points
    r = score(c, full_answers() | {"1.1": 2})
    assert r.base == 96 and r.level == "excellent"
    r = score(c, full_answers() | {"1.1": 2, "2.1": "不合格"})  # 90
    assert r.base == 90 and r.level == "excellent"
    r = score(c, full_answers() | {"1.1": 2, "2.1": "不合格", "2.3": 3.5})
    assert r.base == Fraction(179, 2) and r.level == "pass"
    exc = r.levels[1]
    assert not exc.reached and exc.short_by == Fraction(1, 2)


def test_gate_pass_is_a_veto():
    c = load_data(_pct(small_set()))
    r = score(c, full_answers() | {"3.1": False})
    assert r.final == 100 and r.level == "fail"
    assert r.levels[0].blocking_items == ("3.1",)
    assert r.levels[1].blocking_items == ("3.1",)  # blocks the levels above too
    assert r.gap[-1].code == "3.1" and r.gap[-1].lost == 0


def test_unanswered_gate_blocks_but_na_gate_does_not():
    data = _pct(small_set())
    data["categories"][2]["items"][0]["na_allowed"] = True
    c = load_data(data)
    answers = full_answers()
    del answers["3.1"]
    assert score(c, answers).level == "fail"
    assert score(c, answers | {"3.1": "na"}).level == "excellent"


def test_gate_excellent_only_blocks_excellent():
    c = load_data(_pct(small_set()))
    r = score(c, full_answers() | {"1.2": False})
    assert r.base == 98 and r.level == "pass"
    assert r.levels[1].blocking_items == ("1.2",) and r.levels[0].blocking_items == ()


def test_category_min_ratio_blocks_level():
    data = _pct(small_set())
    data["categories"][1]["min_ratio"] = {"excellent": 0.9}
    c = load_data(data)
    r = score(c, full_answers() | {"2.1": "合格"})  # category 2: 12/14 = 0.857
    assert r.base == 98 and r.level == "pass"
    assert r.levels[1].blocking_categories == ("2",)
    assert r.categories[1].ratio == Fraction(12, 14)


def test_category_without_applicable_points_sets_no_bar():
    data = _pct(small_set())
    data["categories"][1]["min_ratio"] = {"pass": 1}
    data["categories"][1]["items"] = []
    data["categories"][1]["categories"][0]["items"][0]["points"] = 4
    data["total"] = 90
    c = load_data(data)
    r = score(c, full_answers() | {"2.3": "na"})
    assert r.levels[0].blocking_categories == ()


def test_exact_arithmetic_94_995_is_not_95():
    data = _pct(small_set())
    data["levels"][1]["min_score"] = 95
    data["categories"][1]["categories"][0]["items"][0].update(kind="score", step=0.005)
    c = load_data(data)
    r = score(c, full_answers() | {"2.3": Fraction(3995, 1000), "3.4": 10})  # penalty 5
    assert r.base == Fraction(99995, 1000) and r.final == Fraction(94995, 1000)
    assert r.level == "pass"
    assert r.levels[1].short_by == Fraction(5, 1000)
    assert r.to_json()["final"] == 95  # shown rounded half-up, still not reached
    assert r.to_json()["levels"][1]["short_by"] == 0.01


def test_gap_is_ordered_by_lost_points_then_set_order():
    c = load_data(_pct(small_set()))
    r = score(c, {"1.2": False, "2.1": "合格", "2.2": 2})
    codes = [g.code for g in r.gap]
    lost = [g.lost for g in r.gap]
    assert lost == sorted(lost, reverse=True)
    assert codes[0] == "1.1"  # 84 points lost
    # equal losses keep the order of the set: 1.2 (2), 2.1 (2), 2.2 (2)
    assert codes.index("1.2") < codes.index("2.1") < codes.index("2.2")


def test_missing_evidence_in_gap():
    c = load_data(small_set())
    r = score(c, Answers(values=full_answers() | {"2.2": 1}, documents={"2.2": []}))
    g = {g.code: g for g in r.gap}["2.2"]
    assert g.missing_photos == 1 and g.missing_documents == ("制度汇编",)
    r = score(c, Answers(values=full_answers() | {"2.2": 1}, photos={"2.2": 1}, documents={"2.2": ["制度汇编"]}))
    g = {g.code: g for g in r.gap}["2.2"]
    assert g.missing_photos == 0 and g.missing_documents == ()


def test_bonus_items_are_not_gaps(checklist):
    r = score(checklist, full_answers())
    assert all(g.role != "bonus" for g in r.gap)


def test_json_shape(checklist):
    j = score(checklist, full_answers() | {"2.1": "合格"}).to_json()
    assert set(j) == {"checklist", "total", "base", "bonus", "penalty", "final", "level", "level_label", "levels",
                      "categories", "unanswered", "gap"}
    assert j["checklist"] == {"id": "t-set", "version": "1", "title": "测试标准"}
    assert j["base"] == 18 and j["level_label"] == "未达标"
    assert j["levels"][0] == {"key": "pass", "label": "达标", "min_score": 80, "reached": False, "short_by": 62,
                              "blocking_items": [], "blocking_categories": []}
    assert j["categories"][1] == {"code": "2", "title": "阵地建设", "earned": 12, "applicable": 14, "ratio": 0.8571}
    assert [g["code"] for g in j["gap"]] == ["2.1"]
    assert j["gap"][0] | {"missing_evidence": None} == {
        "code": "2.1", "title": "两室一库", "score": 4, "points": 6, "lost": 2, "requirement": "齐全",
        "excellent": None, "missing_evidence": None}
