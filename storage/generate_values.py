"""Answer values for generated workspaces and tests: the value that earns an item its full
points, a random valid one, and the plausible values (best and short) of an item — for
every kind of item, format 2's linear rates, reasons and elements included."""

from __future__ import annotations

import math
import random
from fractions import Fraction


def linear_best(item) -> Fraction:
    """The value nearest the rate's base (`at`) at which a linear number item reaches its
    full points: enough whole steps on the better side (never below 0)."""
    lin = item.linear
    need = item.points - lin.points
    steps = max(0, math.ceil(need / lin.per)) if need > 0 else 0
    if item.direction == "lower":
        return max(Fraction(0), lin.at - steps * lin.step)
    return lin.at + steps * lin.step


def best_value(item):
    """The answer that earns an item its full points: yes, the best option, the value of
    the best band or the rate's full value, no deductions (no reason counted), every
    element, the full score. (Photos and documents the item asks for are apart from the
    answer.)"""
    if item.kind == "check":
        return True
    if item.kind == "rubric":
        return max(item.options, key=lambda o: o.points).label
    if item.kind == "number":
        if item.linear is not None:
            return linear_best(item)
        return max(item.bands, key=lambda b: b.points).at
    if item.kind == "deduct":
        return {} if item.reasons else 0
    if item.kind == "elements":
        return [e.key for e in item.elements]
    return item.points


def random_value(item, rnd: random.Random):
    """A valid answer for one item, drawn from rnd."""
    if item.na_allowed and rnd.random() < 0.05:
        return "na"
    if item.kind == "check":
        return rnd.random() < 0.85
    if item.kind == "rubric":
        return rnd.choice(item.options).label
    if item.kind == "deduct" and item.reasons:
        counts = {r.key: min(rnd.choice((0, 0, 0, 1, 2)), r.max_count if r.max_count is not None else 2)
                  for r in item.reasons}
        return {k: n for k, n in counts.items() if n}
    if item.kind == "deduct":
        return Fraction(rnd.choice((0, 0, 0, 1, 2)))
    if item.kind == "elements":
        return [e.key for e in item.elements if rnd.random() < 0.8]
    if item.kind == "score":
        steps = int(item.points / item.step)
        return item.step * rnd.randint(steps // 2, steps)
    if item.kind == "number" and item.linear is not None:
        best, step = linear_best(item), item.linear.step
        sign = -1 if item.direction == "lower" else 1
        return max(Fraction(0), best - sign * step * rnd.randint(0, 4))
    return Fraction(rnd.randint(60, 100))


def candidates(item) -> list:
    """Plausible values for an item (each valid for it), best and short alike."""
    if item.kind == "check":
        return [True, False]
    if item.kind == "rubric":
        return [o.label for o in item.options]
    if item.kind == "number" and item.bands:
        ats = sorted(b.at for b in item.bands)
        edge = ats[-1] + 1 if item.direction == "lower" else max(Fraction(0), ats[0] - 1)
        return [*ats, edge, *([Fraction(int(ats[0] * 4 / 5))] if item.direction != "lower" else [])]
    if item.kind == "number" and item.linear is not None:
        best, step = linear_best(item), item.linear.step
        sign = -1 if item.direction == "lower" else 1
        return [best, *(max(Fraction(0), best - sign * step * k) for k in (1, 2, 4))]
    if item.kind == "deduct" and item.reasons:
        return [{}, *({r.key: 1} for r in item.reasons)]
    if item.kind == "deduct":
        return [Fraction(n) for n in (0, 1, 2, 3)]
    if item.kind == "elements":
        keys = [e.key for e in item.elements]
        return [keys, *(keys[:i] + keys[i + 1:] for i in range(len(keys)))]
    if item.kind == "score":
        steps = int(item.points / item.step)
        return [item.step * k for k in range(steps, steps // 3, -1)]
    return [best_value(item)]
