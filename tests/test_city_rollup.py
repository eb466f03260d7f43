"""storage.rollup.city_rollup on the hand-checkable 军分区 of tests/city_ws.py: per county
达标率 / 达优率 / spread, ranks, the failed units' items, per type, most lost items, 同比,
回头看 and the 复核 deviation; and the pure helpers (rank rule, histogram)."""

from __future__ import annotations

import math
from fractions import Fraction

from city_ws import city, city_dir  # noqa: F401 - fixtures
from PIL import Image

from storage import assessments, checklist_store, evidence, units
from storage.rollup import city_rollup, figures, rank_counties, score_histogram


def by_county(data):
    return {c["county"]: c for c in data["counties"]}


def test_county_figures_and_spread(city):
    data = city_rollup(city, 2027)
    jia = by_county(data)["甲县"]["figures"]
    assert (jia["assessed"], jia["passed"], jia["top"]) == (3, 2, 1)
    assert jia["pass_rate"] == Fraction(2, 3) and jia["top_rate"] == Fraction(1, 3)
    assert jia["average"] == Fraction("91.5") and (jia["min"], jia["max"]) == (Fraction("85.5"), Fraction("96.5"))
    assert math.isclose(jia["stdev"], math.sqrt(62 / 3))  # deviations 5, -6, 1
    yi = by_county(data)["乙县"]["figures"]
    # 四镇 is judged on its 复核 (83.5), not the county's 81.5
    assert (yi["assessed"], yi["passed"], yi["top"], yi["rechecked"]) == (2, 1, 0, 1)
    assert yi["average"] == Fraction(81) and yi["pass_rate"] == Fraction(1, 2)
    bing = by_county(data)["丙县"]["figures"]
    assert (bing["assessed"], bing["pending"], bing["pass_rate"]) == (0, 1, None)
    city_f = data["figures"]
    assert (city_f["assessed"], city_f["passed"], city_f["pending"]) == (5, 3, 1)
    assert city_f["average"] == Fraction("436.5") / 5
    assert sorted(data["scores"]) == [Fraction("78.5"), Fraction("83.5"), Fraction("85.5"), Fraction("92.5"), Fraction("96.5")]
    assert data["city"] == "某某军分区" and (data["pass_label"], data["top_label"]) == ("达标", "达优")
    assert data["total"] == 7  # six towns and the 民兵连


def test_rank_order_and_rule(city):
    data = city_rollup(city, 2027)
    assert [(c["county"], c["rank"]) for c in data["counties"]] == [("甲县", 1), ("乙县", 2), ("丙县", None)]
    assert "达标率" in data["rank_rule"] and "平均得分" in data["rank_rule"]


def test_rank_rule_pure():
    high = figures([(Fraction(90), 0, 1, "review"), (Fraction(70), -1, 1, "review")])  # 50 %, avg 80
    low_avg = figures([(Fraction(85), 0, 1, "review"), (Fraction(60), -1, 1, "review")])  # 50 %, avg 72.5
    best = figures([(Fraction(81), 0, 1, "review")])  # 100 %, avg 81
    same = figures([(Fraction(90), 0, 1, "review"), (Fraction(70), -1, 1, "review")])
    none = figures([])
    ranks = rank_counties([("a", high), ("b", low_avg), ("c", best), ("d", same), ("e", none)])
    assert ranks == [2, 4, 1, 2, None]  # 达标率 first, then average; equal on both share


def test_failed_units_name_their_item(city):
    failed = city_rollup(city, 2027)["failed"]
    assert [(f["county"], f["unit"]) for f in failed] == [("甲县", "三镇"), ("乙县", "五镇")]
    gate, lost = failed
    assert (gate["item_code"], gate["reason"], gate["lost"], gate["final"]) == ("7.2", "gate", 4, Fraction("92.5"))
    assert gate["item_title"] == "征兵任务完成"
    assert (lost["item_code"], lost["reason"], lost["lost"]) == ("13.1", "lost", 6)


def test_per_unit_type(city):
    data = city_rollup(city, 2027)
    assert data["by_type"]["town"]["assessed"] == 5 and data["by_type"]["town"]["pending"] == 1
    assert data["by_type"]["militia"]["assessed"] == 1  # 二镇民兵连: in its type, not in the county's figures
    assert data["by_type"]["enterprise"]["assessed"] == 0
    jia = by_county(data)["甲县"]
    assert jia["by_type"]["militia"]["assessed"] == 1 and jia["figures"]["assessed"] == 3


def test_most_lost_items(city):
    lost = city_rollup(city, 2027)["most_lost"]
    top = [(i["code"], i["units"], i["points"]) for i in lost[:4]]
    assert top == [("3.3.2", 5, 10), ("3.3.4.2", 5, Fraction("7.5")), ("13.1", 3, 18), ("13.2", 3, 15)]


def test_year_on_year_and_lookback(city):
    data = city_rollup(city, 2027)
    jia = by_county(data)["甲县"]
    assert jia["last_year"]["pass_rate"] == Fraction(1, 2) and jia["last_year"]["average"] == Fraction("94.5")
    assert by_county(data)["乙县"]["last_year"] is None
    assert jia["lookback"] == {"total": 2, "closed": 1, "verified": 0, "open": 1}
    assert data["lookback"]["total"] == 2
    assert data["last_year"]["assessed"] == 2
    # the year before has no year before it
    old = city_rollup(city, 2026)
    assert old["last_year"] is None and old["lookback"]["total"] == 0
    assert by_county(old)["甲县"]["figures"]["assessed"] == 2


def test_recheck_deviation(city):
    data = city_rollup(city, 2027)
    yi = by_county(data)["乙县"]["deviation"]
    assert (yi["drawn"], yi["rechecked"], yi["items_differ"]) == (2, 1, 2)
    assert yi["points_differ"] == 6  # 2.1: 3 -> 1; 13.3: 4 points deducted -> none
    assert (yi["review_total"], yi["recheck_total"], yi["net"]) == (Fraction("81.5"), Fraction("83.5"), Fraction(-2))
    assert by_county(data)["甲县"]["deviation"]["drawn"] == 3
    assert by_county(data)["甲县"]["deviation"]["rechecked"] == 0
    assert data["deviation"]["net"] == -2
    assert [(u["unit"], u["review"], u["recheck"]) for u in data["rechecked"]] == [("四镇", Fraction("81.5"), Fraction("83.5"))]


def test_photos_absent_is_reported(city, tmp_path):
    assert city_rollup(city, 2027)["photos_absent"] is False
    county = units.find_county(city, "丙县")
    town = units.add_unit(city, "七镇", "town", county["id"])
    a = assessments.new_assessment(city, town["id"], "city-2027-town", None, 2027)
    Image.new("RGB", (64, 48), "red").save(tmp_path / "p.jpg")
    evidence.add_photos(city, a["id"], "3.3.2", [tmp_path / "p.jpg"])
    assert city_rollup(city, 2027)["photos_absent"] is False
    # what a year bundle sent without photos leaves: the record, not the bytes
    with city.transaction() as db:
        db.execute("UPDATE evidence SET absent = 1")
    assert city_rollup(city, 2027)["photos_absent"] is True
    assert city_rollup(city, 2026)["photos_absent"] is False


def test_empty_year(city):
    data = city_rollup(city, 2030)
    assert data["total"] == 0 and data["figures"]["assessed"] == 0 and all(c["rank"] is None for c in data["counties"])


def test_score_histogram():
    bins = score_histogram([Fraction(61), Fraction("64.5"), Fraction(65), Fraction(100), Fraction(82)], 5, low=60, high=100)
    assert bins[0] == (60, 65, 2) and bins[1] == (65, 70, 1) and bins[-1] == (95, 100, 1)
    assert sum(c for _, _, c in bins) == 5 and len(bins) == 8
    assert score_histogram([]) == []
    assert score_histogram([Fraction(72)], 5) == [(70, 75, 1)]


# --------------------------------------------------------------------------- integer path = Fraction definition

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from checklists.numbers import round_half_up  # noqa: E402

hundredths = st.integers(0, 12000).map(lambda n: Fraction(n, 100))  # scores as stored: 2 places
any_exact = st.fractions(min_value=0, max_value=150, max_denominator=360)  # thirds, sevenths, ...


@given(st.lists(st.one_of(hundredths, any_exact), min_size=1, max_size=60))
def test_figures_integer_sums_equal_the_fraction_definition(finals):
    f = figures([(x, -1, 1, "review") for x in finals])
    mean = sum(finals, Fraction(0)) / len(finals)
    variance = sum(((x - mean) ** 2 for x in finals), Fraction(0)) / len(finals)
    assert f["average"] == mean and isinstance(f["average"], Fraction)
    assert f["stdev"] == math.sqrt(float(variance))  # the same exact variance, so the same float
    assert (f["min"], f["max"]) == (min(finals), max(finals))
    assert round_half_up(f["average"]) == round_half_up(mean)  # printed half-up: the same text
    assert round_half_up(Fraction(f["stdev"])) == round_half_up(Fraction(math.sqrt(float(variance))))


@given(st.lists(hundredths, min_size=1, max_size=40))
def test_figures_of_equal_scores_have_no_spread(finals):
    f = figures([(finals[0], 0, 1, "review")] * len(finals))
    assert f["stdev"] == 0.0 and f["average"] == finals[0] == f["min"] == f["max"]


@settings(deadline=None)  # the first example imports openpyxl's side of exports.city_excel
@given(st.one_of(any_exact, any_exact.map(lambda x: -x), st.integers(-10**6, 10**6)), st.sampled_from([1, 2, 4]))
def test_excel_rounding_on_integers_equals_round_half_up(value, places):
    from exports.city_excel import _n

    assert _n(value, places) == float(round_half_up(Fraction(value), places))


def test_level_names_come_from_the_ranked_units(city):
    """Towns on 达标 / 达优, enterprises and 民兵营连 on a star scale, the star-scaled units
    outnumbering the towns: the city's figures still say 达标 / 达优 (the ranked units differ;
    the chart's line is the towns' 达标), each type keeps its own names."""
    from city_ws import reviewed

    jia, town = units.find_county(city, "甲县"), units.find_unit(city, "二镇")
    for n in range(4):
        reviewed(city, units.add_unit(city, f"企业{n}", "enterprise", jia["id"]), 2027, checklist="enterprise-2027")
        reviewed(city, units.add_unit(city, f"民兵连{n}", "militia", town["id"]), 2027,
                 checklist="militia-2027-company")
    data = city_rollup(city, 2027)
    assert data["by_type"]["enterprise"]["assessed"] + data["by_type"]["militia"]["assessed"] == 9
    assert data["by_type"]["town"]["assessed"] == 5  # outvoted by the star-scaled units
    assert (data["pass_label"], data["top_label"]) == ("达标", "达优")
    (cid, version), = city.db.execute(
        "SELECT DISTINCT checklist_id, checklist_version FROM assessments a JOIN units u ON u.id = a.unit_id "
        "WHERE u.type = 'town' AND a.year = 2027")
    assert data["pass_score"] == checklist_store.load(city, cid, version).levels[0].min_score
    assert data["type_labels"] == {"town": ("达标", "达优"), "enterprise": ("三星", "五星"),
                                   "militia": ("三星", "五星")}
