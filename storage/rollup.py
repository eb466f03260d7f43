"""The 军分区's year (city roll-up): per county 达标率 / 达优率, scores and their spread,
failed units and the item that failed them, the items most lost, the counties ranked,
the same per unit type, 同比 with last year, 回头看 of last year's 整改, and how far each
county's review was from the 军分区's 复核.

Read-only, plain data out. Every figure of an assessment comes from the one role it is
judged on (storage.scores: recheck over review over self), read from the score cache;
only the rechecked assessments are scored again, both roles, for the 复核 deviation.

Rules (the report states them):
- Counted: results only — assessments the county has finished (已考评 / 已定稿) with a
  score, as in the county summary; the others are counted as 未完成考评.
- The counties are ranked on their 基层武装部 (乡镇（街道）和企业武装部, RANKED_TYPES):
  by 达标率, then the average score, both higher first; equal on both share a rank.
  民兵营连 are shown in the per-type figures, not in a county's rank.
- 达标 is reaching the criteria's lowest level (for a star scheme its lowest star), 达优
  its top level; each assessment by the levels of its own criteria.
"""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction
from typing import TYPE_CHECKING, TypedDict

from checklists import score
from checklists.scoring import FAIL_KEY

from . import checklist_store, units
from .actions import CLOSED_STATUSES
from .assessments import RESULT_STATUSES
from .recheck import has_tables as has_recheck_tables
from .answer_store import scoring_inputs
from .ranking import competition_ranks, most_lost
from .rollup_scores import TextMemo, year_scores

if TYPE_CHECKING:
    from .workspace import Workspace

RANKED_TYPES = ("town", "enterprise")  # 基层武装部: what a county is ranked on
UNIT_TYPES = ("town", "enterprise", "militia")
TYPE_LABELS = {t: units.UNIT_TYPE_LABELS[t] for t in UNIT_TYPES}
NO_COUNTY = "（未归属县）"
RANK_RULE = ("各县（市、区）按乡镇（街道）和企业武装部的达标率排名，达标率相同的按平均得分排名，"
             "两项都相同的名次并列；民兵营（连）单列，不计入县的排名")


class Figures(TypedDict):
    """Counts and score statistics of a group of assessments (a county, a type, the city)."""

    assessed: int  # results with a score (counted)
    pending: int  # assessments of the year that are not results yet (or have no score)
    passed: int  # reached 达标 (the lowest level) or above
    pass_rate: Fraction | None  # passed / assessed; None when nothing is assessed
    top: int  # reached the top level (达优)
    top_rate: Fraction | None
    average: Fraction | None  # of the final scores
    stdev: float | None  # population standard deviation of the final scores
    min: Fraction | None
    max: Fraction | None
    rechecked: int  # results judged on the 复核


class Lookback(TypedDict):
    """回头看: last year's 整改 actions of a county's units."""

    total: int
    closed: int  # done or verified
    verified: int
    open: int


class Deviation(TypedDict):
    """How far a county's review (考评) was from the 军分区's 复核, over its rechecked units."""

    drawn: int  # assessments drawn for 复核 (recheck_sample)
    rechecked: int  # assessments with 复核 answers
    items_differ: int  # items scored differently by the review and the 复核 (summed)
    points_differ: Fraction  # sum of |review item score - recheck item score|
    review_total: Fraction  # sum of the review finals of the rechecked
    recheck_total: Fraction
    net: Fraction  # review_total - recheck_total (positive: the county scored higher)


class CountyRollup(TypedDict):
    county_id: str | None
    county: str
    rank: int | None  # None: nothing assessed
    figures: Figures  # over RANKED_TYPES
    by_type: dict  # unit type -> Figures
    last_year: Figures | None  # the same figures of year - 1; None: no data
    lookback: Lookback
    deviation: Deviation


class FailedUnit(TypedDict):
    county: str
    unit: str
    unit_type: str  # type key
    final: Fraction
    role: str  # the judged role ('self' | 'review' | 'recheck')
    item_code: str  # the item that failed it ("" when none)
    item_title: str
    reason: str  # 'veto' 一票否决 | 'gate' 达标必备条目 | 'category' 分类得分率 | 'lost' 失分最多 | ''
    lost: Fraction  # points lost on that item


class LostItem(TypedDict):
    code: str
    title: str
    units: int  # units that lost points on it
    points: Fraction  # points lost, summed


class RecheckedUnit(TypedDict):
    county: str
    unit: str
    review: Fraction
    recheck: Fraction
    items_differ: int
    points_differ: Fraction


class CityRollup(TypedDict):
    year: int
    city: str  # the 军分区's name when the workspace has exactly one, else ""
    pass_label: str  # the lowest level's label of the ranked units' criteria (city_level_names: 达标, 三星)
    top_label: str  # the top level's label (达优, 五星)
    pass_score: Fraction | None  # the lowest level's min_score of those criteria (a chart's line)
    type_labels: dict  # unit type -> (lowest, top level label) of that type's own criteria
    rank_rule: str
    figures: Figures  # the whole city, RANKED_TYPES
    last_year: Figures | None
    by_type: dict  # unit type -> Figures (the city)
    counties: list  # list[CountyRollup], in rank order (unranked last)
    failed: list  # list[FailedUnit], county rank order then score
    most_lost: list  # list[LostItem], most units first
    lookback: Lookback  # the city
    deviation: Deviation  # the city
    rechecked: list  # list[RecheckedUnit], largest |net| first
    scores: list  # the final scores (Fraction) of the counted RANKED_TYPES results, for a histogram
    photos_absent: bool  # some assessment's photos did not travel (evidence.absent)
    total: int  # assessments of the year, all types and statuses


# --------------------------------------------------------------------------- pure helpers

def figures(rows: list, pending: int = 0) -> Figures:
    """Figures of results given as (final, level index, top index, role); index -1: failed.
    Exact: the average and the variance come from integer sums (spread_exact)."""
    finals = [r[0] for r in rows]
    n = len(finals)
    passed = sum(1 for r in rows if r[1] >= 0)
    top = sum(1 for r in rows if r[1] >= 0 and r[1] == r[2])
    avg = variance = low = high = None
    if n:
        avg, variance, low, high = spread_exact(finals)
    return Figures(assessed=n, pending=pending, passed=passed, pass_rate=Fraction(passed, n) if n else None,
                   top=top, top_rate=Fraction(top, n) if n else None, average=avg,
                   stdev=math.sqrt(float(variance)) if n else None, min=low, max=high,
                   rechecked=sum(1 for r in rows if r[3] == "recheck"))


def spread_exact(finals: list) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """(mean, population variance, min, max) of Fractions, exactly, without Fraction
    arithmetic per value: each value as an integer over one common denominator D (the lcm
    of theirs, 100 for scores in hundredths), so mean = S1 / (n D) and variance =
    (n S2 - S1²) / (n D)², with S1, S2 the sums of the integers and of their squares."""
    dens = {f.denominator for f in finals}
    d = math.lcm(*dens)
    ints = [f.numerator * (d // f.denominator) for f in finals]
    n, s1 = len(ints), sum(ints)
    s2 = sum(i * i for i in ints)
    low, high = min(ints), max(ints)
    return (Fraction(s1, n * d), Fraction(n * s2 - s1 * s1, n * n * d * d), finals[ints.index(low)],
            finals[ints.index(high)])


def rank_counties(items: list) -> list:
    """[(key, Figures)] -> ranks (None for nothing assessed), by the ranking rule (RANK_RULE):
    达标率, then the average, higher first; equal on both share a rank, the next rank counts
    them (1, 2, 2, 4)."""
    return competition_ranks([(f["pass_rate"] or 0, f["average"] or 0) if f["assessed"] else None
                              for _, f in items])


def score_histogram(values, bin_width=5, low=None, high=None) -> list[tuple]:
    """[(lower, upper, count)] of bins `bin_width` wide covering the values (or low..high):
    a bin holds lower <= v < upper, the last one its upper bound too (a 100 goes in 95-100)."""
    values = list(values)
    if not values and (low is None or high is None):
        return []
    lo = low if low is not None else math.floor(min(values) / bin_width) * bin_width
    hi = high if high is not None else max(lo + bin_width, math.ceil(max(values) / bin_width) * bin_width)
    edges = []
    at = lo
    while at < hi:
        edges.append(at)
        at += bin_width
    counts = [0] * len(edges)
    for v in values:
        if v < lo or v > hi:
            continue
        k = min(int((v - lo) // bin_width), len(edges) - 1)
        counts[k] += 1
    return [(e, min(e + bin_width, hi), c) for e, c in zip(edges, counts)]


# --------------------------------------------------------------------------- reading

class _Criteria:
    """Per checklist version, loaded once: level index by key, gate / veto items, titles."""

    def __init__(self, ws: Workspace):
        self.ws, self.loaded = ws, {}

    def __call__(self, ref):
        if ref not in self.loaded:
            c = checklist_store.load(self.ws, *ref)
            first = c.levels[0].key if c.levels else None
            items = list(c.items())
            self.loaded[ref] = {
                "checklist": c, "level": {lv.key: k for k, lv in enumerate(c.levels)}, "top": len(c.levels) - 1,
                "labels": [lv.label for lv in c.levels], "pass_score": c.levels[0].min_score if c.levels else None,
                "titles": {i.code: i.title for i in items},
                "veto": [i.code for i in items if i.voids_score],
                "gate": [i.code for i in items if first and i.gate == first],
                "bars": {cat.code: cat.min_ratio[first] for cat in c.categories if first in cat.min_ratio},
                "category": {i.code: cat.code for cat in c.categories for i in cat.walk_items()},
            }
        return self.loaded[ref]


def _results(ws: Workspace, year: int, crit: _Criteria, county_of: dict,
             memo: TextMemo) -> tuple[list, dict, dict]:
    """(results, pending count by (county, type), assessments by id) of a year. A result:
    (row, CachedScore, criteria info, county name, level index)."""
    rows, got = year_scores(ws, year, memo)
    out, pending = [], Counter()
    for r in rows:
        s = got[r["id"]]
        county = county_of.get(r["unit_id"], {}).get("name") or NO_COUNTY
        if r["status"] not in RESULT_STATUSES or s.final is None:
            pending[(county, r["unit_type"])] += 1
            continue
        info = crit((r["checklist_id"], r["checklist_version"]))
        level = -1 if s.level in (None, FAIL_KEY) else info["level"].get(s.level, -1)
        out.append((r, s, info, county, level))
    return out, pending, {r["id"]: r for r in rows}


def _group(results: list, pending: Counter, types) -> dict:
    """county -> Figures over the given unit types."""
    rows: dict = {}
    for r, s, info, county, level in results:
        if r["unit_type"] in types:
            rows.setdefault(county, []).append((s.final, level, info["top"], s.role))
    counties = set(rows) | {c for (c, t) in pending if t in types}
    return {c: figures(rows.get(c, []), sum(n for (cc, t), n in pending.items() if cc == c and t in types))
            for c in counties}


def failing_item(s, info) -> tuple[str, str, Fraction]:
    """(code, reason, lost) of the item that failed an assessment: a 一票否决 item it lost
    points on, else a gate item of 达标, else (a category under its bar) the item that lost
    most; ("", "", 0) when it lost nothing. Losses compared as integers over their common
    denominator; only the one returned becomes a Fraction."""
    losses = s.losses()
    if not losses:
        return "", "", Fraction(0)
    lost = {code: (n, d) for code, n, d in losses}
    for reason in ("veto", "gate"):
        for code in info[reason]:
            if code in lost and lost[code][0] > 0:
                return code, reason, Fraction(*lost[code])
    common = math.lcm(*{d for _, _, d in losses})

    def most(candidates):  # the first of the largest (the gap list's order)
        code, n, d = max(candidates, key=lambda c: c[1] * (common // c[2]))
        return code, Fraction(n, d)

    levels = info["checklist"].levels
    if info["bars"] and levels and s.final >= levels[0].min_score:  # failed on a category's bar: its item lost most
        categories = s.categories
        blocked = [cat for cat, bar in info["bars"].items() if categories.get(cat) is not None and categories[cat] < bar]
        mine = [c for c in losses if info["category"].get(c[0]) in blocked]
        if mine:
            code, points = most(mine)
            return code, "category", points
    code, points = most(losses)
    return code, "lost", points


def _lookback(ws: Workspace, year: int, county_of: dict) -> dict:
    """county -> Lookback of the 整改 actions of year's assessments."""
    out: dict = {}
    for unit_id, status, n in ws.db.execute(
            "SELECT a.unit_id, x.status, count(*) FROM actions x JOIN assessments a ON a.id = x.assessment_id "
            "WHERE a.year = ? GROUP BY a.unit_id, x.status", [int(year)]):
        county = county_of.get(unit_id, {}).get("name") or NO_COUNTY
        lb = out.setdefault(county, _no_lookback())
        lb["total"] += n
        if status in CLOSED_STATUSES:
            lb["closed"] += n
        else:
            lb["open"] += n
        if status == "verified":
            lb["verified"] += n
    return out


def _no_lookback() -> Lookback:
    return Lookback(total=0, closed=0, verified=0, open=0)


def _no_deviation() -> Deviation:
    return Deviation(drawn=0, rechecked=0, items_differ=0, points_differ=Fraction(0), review_total=Fraction(0),
                     recheck_total=Fraction(0), net=Fraction(0))


def _deviations(ws: Workspace, year: int, by_id: dict, crit: _Criteria, county_of: dict) -> tuple[dict, list]:
    """(county -> Deviation, [RecheckedUnit]): the rechecked assessments of the year scored
    in both roles (inputs read in one batch), compared item by item."""
    ids = list(by_id)
    rechecked, drawn = [], Counter()
    sampled = has_recheck_tables(ws)
    for start in range(0, len(ids), 400):
        part = ids[start:start + 400]
        marks = ",".join("?" * len(part))
        rechecked += [r[0] for r in ws.db.execute(
            f"SELECT DISTINCT assessment_id FROM answers WHERE role = 'recheck' AND assessment_id IN ({marks})", part)]
        if sampled:
            for (aid,) in ws.db.execute(
                    f"SELECT DISTINCT assessment_id FROM recheck_sample WHERE assessment_id IN ({marks})", part):
                drawn[county_of.get(by_id[aid]["unit_id"], {}).get("name") or NO_COUNTY] += 1
    out: dict = {}
    for county, n in drawn.items():
        out.setdefault(county, _no_deviation())["drawn"] = n
    units_out = []
    damaged: dict = {}
    inputs = scoring_inputs(ws, [(aid, role) for aid in rechecked for role in ("review", "recheck")], damaged=damaged)
    for aid in rechecked:
        if (aid, "review") not in inputs or (aid, "recheck") not in inputs:
            continue  # an unreadable answer: db check names it; left out of the comparison
        row = by_id[aid]
        checklist = crit((row["checklist_id"], row["checklist_version"]))["checklist"]
        review, recheck = score(checklist, inputs[(aid, "review")]), score(checklist, inputs[(aid, "recheck")])
        differ = [abs(review.items[c].score - recheck.items[c].score) for c in recheck.items
                  if review.items[c].score != recheck.items[c].score]
        county = county_of.get(row["unit_id"], {}).get("name") or NO_COUNTY
        d = out.setdefault(county, _no_deviation())
        d["rechecked"] += 1
        d["items_differ"] += len(differ)
        d["points_differ"] += sum(differ, Fraction(0))
        d["review_total"] += review.final
        d["recheck_total"] += recheck.final
        d["net"] = d["review_total"] - d["recheck_total"]
        units_out.append(RecheckedUnit(county=county, unit=row["unit_name"], review=review.final,
                                       recheck=recheck.final, items_differ=len(differ),
                                       points_differ=sum(differ, Fraction(0))))
    units_out.sort(key=lambda u: (-abs(u["review"] - u["recheck"]), u["county"], u["unit"]))
    return out, units_out


def _sum(parts, make, keys) -> dict:
    total = make()
    for p in parts:
        for k in keys:
            total[k] += p[k]
    return total


def _photos_absent(ws: Workspace, year: int) -> bool:
    if not any(r[1] == "absent" for r in ws.db.execute("PRAGMA table_info(evidence)")):
        return False
    return ws.db.execute(
        "SELECT EXISTS (SELECT 1 FROM attachments t JOIN evidence e ON e.sha256 = t.sha256 "
        "JOIN assessments a ON a.id = t.assessment_id WHERE e.absent = 1 AND a.year = ?)", [int(year)]).fetchone()[0] == 1


def _city_name(ws: Workspace) -> str:
    names = [r[0] for r in ws.db.execute("SELECT name FROM units WHERE type = 'city' LIMIT 2")]
    return names[0] if len(names) == 1 else ""


# --------------------------------------------------------------------------- level names

PLAIN_NAMES = ("达标", "达优", None)


def level_names(results: list, types) -> tuple:
    """(lowest level label, top level label, lowest min_score) of the criteria of the results
    of the given unit types when they all share one scheme; PLAIN_NAMES when they differ
    (or there are none)."""
    schemes = {(info["labels"][0], info["labels"][-1], info["pass_score"])
               for r, _, info, _, _ in results if r["unit_type"] in types and info["labels"]}
    return schemes.pop() if len(schemes) == 1 else PLAIN_NAMES


def city_level_names(results: list) -> tuple:
    """The 达标 / 达优 names of the city's figures, from the ranked units (RANKED_TYPES) only:
    their scheme's when they share one, else plain 达标 / 达优 with the towns' lowest
    min_score as the chart's line (when the towns share a scheme). 民兵营连 never decide them."""
    names = level_names(results, RANKED_TYPES)
    if names == PLAIN_NAMES:
        names = PLAIN_NAMES[:2] + level_names(results, ("town",))[2:]
    return names


# --------------------------------------------------------------------------- the roll-up

def year_counts(ws: Workspace) -> list[tuple[int, int]]:
    """[(year, assessments of that year)], newest first: the years a roll-up can be of."""
    return [(int(y), n) for y, n in ws.db.execute(
        "SELECT year, count(*) FROM assessments GROUP BY year ORDER BY year DESC")]


def city_rollup(ws: Workspace, year: int, most_lost_limit: int = 15) -> CityRollup:
    """The 军分区's figures of one year (see the module docstring for the rules)."""
    year = int(year)
    county_of = units.county_of_units(ws)
    crit = _Criteria(ws)
    memo = TextMemo()
    results, pending, by_id = _results(ws, year, crit, county_of, memo)
    last, last_pending, _ = _results(ws, year - 1, crit, county_of, memo)

    ranked = _group(results, pending, RANKED_TYPES)
    by_type = {t: _group(results, pending, (t,)) for t in UNIT_TYPES}
    before = _group(last, last_pending, RANKED_TYPES)
    lookback = _lookback(ws, year - 1, county_of)
    deviation, rechecked = _deviations(ws, year, by_id, crit, county_of)

    names = {r[0]: r[1] for r in ws.db.execute("SELECT name, id FROM units WHERE type = 'county'")}
    every = sorted(set(names) | set(ranked) | {c for t in by_type.values() for c in t})
    items = [(c, ranked.get(c) or figures([])) for c in every]
    ranks = rank_counties(items)
    order = sorted(range(len(items)), key=lambda k: (ranks[k] is None, ranks[k] or 0, items[k][0]))
    counties = []
    for k in order:
        c, f = items[k]
        counties.append(CountyRollup(
            county_id=names.get(c), county=c, rank=ranks[k], figures=f,
            by_type={t: by_type[t].get(c) or figures([]) for t in UNIT_TYPES},
            last_year=before.get(c) if before.get(c, {}).get("assessed") else None,
            lookback=lookback.get(c) or _no_lookback(), deviation=deviation.get(c) or _no_deviation()))
    place = {c["county"]: n for n, c in enumerate(counties)}

    failed = []
    for r, s, info, county, level in results:
        if level < 0:
            code, reason, lost = failing_item(s, info)
            failed.append(FailedUnit(county=county, unit=r["unit_name"], unit_type=r["unit_type"], final=s.final,
                                     role=s.role, item_code=code, item_title=info["titles"].get(code, ""),
                                     reason=reason, lost=lost))
    failed.sort(key=lambda f: (place.get(f["county"], 0), f["final"], f["unit"]))
    lost = most_lost(([(code, info["titles"].get(code, ""), n, d) for code, n, d in s.losses()]
                      for r, s, info, _, _ in results if r["unit_type"] in RANKED_TYPES), most_lost_limit)
    type_names = {t: level_names(results or last, (t,)) for t in UNIT_TYPES}
    pass_label, top_label, pass_score = city_level_names(results or last)
    ranked_rows = [(s.final, level, info["top"], s.role) for r, s, info, _, level in results
                   if r["unit_type"] in RANKED_TYPES]
    last_rows = [(s.final, level, info["top"], s.role) for r, s, info, _, level in last
                 if r["unit_type"] in RANKED_TYPES]
    return CityRollup(
        year=year, city=_city_name(ws), pass_label=pass_label, top_label=top_label, pass_score=pass_score,
        type_labels={t: names[:2] for t, names in type_names.items()}, rank_rule=RANK_RULE,
        figures=figures(ranked_rows, sum(n for (_, t), n in pending.items() if t in RANKED_TYPES)),
        last_year=figures(last_rows) if last_rows else None,
        by_type={t: figures([(s.final, level, info["top"], s.role) for r, s, info, _, level in results
                             if r["unit_type"] == t], sum(n for (_, tt), n in pending.items() if tt == t))
                 for t in UNIT_TYPES},
        counties=counties, failed=failed,
        most_lost=[LostItem(code=c, title=t, units=n, points=p) for c, t, n, p in lost],
        lookback=_sum([c["lookback"] for c in counties], _no_lookback, ("total", "closed", "verified", "open")),
        deviation=_city_deviation([c["deviation"] for c in counties]),
        rechecked=rechecked, scores=[row[0] for row in ranked_rows],
        photos_absent=_photos_absent(ws, year), total=len(by_id))


def _city_deviation(parts: list) -> Deviation:
    d = _sum(parts, _no_deviation, ("drawn", "rechecked", "items_differ", "points_differ", "review_total",
                                     "recheck_total"))
    d["net"] = d["review_total"] - d["recheck_total"]
    return d
