"""The two orderings both summaries print (the county's 县级汇总 and the 军分区's roll-up):
competition ranks (1, 2, 2, 4) and the items that lost points in most units. One rule
each; exports.data and storage.rollup call these.
"""

from __future__ import annotations

import math
from fractions import Fraction


def competition_ranks(values: list) -> list:
    """1224 ranking of values, higher first (None: not ranked), in the order given: a
    value's rank is one more than the number of values above it. Values may be scores or
    tuples (达标率, average). Sorted once, O(n log n)."""
    ranked = sorted((v for v in values if v is not None), reverse=True)
    first: dict = {}
    for place, v in enumerate(ranked, 1):
        first.setdefault(v, place)
    return [None if v is None else first[v] for v in values]


def most_lost(units, limit: int | None = None) -> list[tuple[str, str, int, Fraction]]:
    """[(code, title, units, points)] of the items that lost points, most units first, then
    most points, then first seen. `units`: per unit, its losses as (code, title, numerator,
    denominator) of the points lost. Exact without Fraction arithmetic per loss: numerators
    are summed per denominator, each item's total made a Fraction once."""
    count: dict = {}
    sums: dict = {}
    for losses in units:
        for code, title, n, d in losses:
            if n <= 0:
                continue
            key = (code, title)
            count[key] = count.get(key, 0) + 1  # insertion order: first seen
            by_den = sums.setdefault(key, {})
            by_den[d] = by_den.get(d, 0) + n
    points = {}
    for key, by_den in sums.items():
        common = math.lcm(*by_den)
        points[key] = Fraction(sum(n * (common // d) for d, n in by_den.items()), common)
    order = {key: k for k, key in enumerate(count)}
    keys = sorted(count, key=lambda k: (-count[k], -points[k], order[k]))
    return [(code, title, count[(code, title)], points[(code, title)]) for code, title in keys[:limit]]
