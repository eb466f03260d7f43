"""Exact numbers: every score is a Fraction; only display rounds (half-up).

Every number that enters (criteria, answers files, bundles, workbook cells, the app) is
checked for a sane size *before* it is turned into an exact Fraction: `1e100000000`
would otherwise take minutes to convert (and then to compare, round and print), and a
4,301-digit integer makes Python refuse to convert at all. Scores, points and counts
need far less: at most MAX_INT_DIGITS digits before the point and MAX_DECIMALS after.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

MAX_TEXT = 60          # characters of a number as written (sign, digits, point, exponent)
MAX_INT_DIGITS = 15    # |value| < 10**15
MAX_DECIMALS = 20      # denominator at most 10**20 (0.30000000000000004 from Excel has 17)
_LIMIT = 10 ** MAX_INT_DIGITS
_DENOMINATOR = 10 ** MAX_DECIMALS
_EXPONENT = re.compile(r"[eE]\s*([+-]?[0-9_]+)\s*$")


def number_text_problem(text: str) -> str | None:
    """Why the number written as `text` is refused, judged on the text alone (cheap: no
    conversion happens); None when it may be converted. The value converted from it must
    still pass `value_problem`."""
    text = str(text).strip()
    if len(text) > MAX_TEXT:
        return f"数字过长（{len(text)} 个字符，最多 {MAX_TEXT} 个）"
    m = _EXPONENT.search(text)
    if m:
        digits = m.group(1).replace("_", "").lstrip("+-").lstrip("0")
        if len(digits) > 4:
            return "数字的指数过大"
    return None


def value_problem(value) -> str | None:
    """Why an already converted number is out of range (too large, or more than
    MAX_DECIMALS places); None when sane. Cheap for any size (bit lengths only)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if value != value or value in (math.inf, -math.inf):
            return None  # nan / inf: refused as "not a number" by whoever validates
        if abs(value) >= _LIMIT:
            return f"数值过大（绝对值应小于 10^{MAX_INT_DIGITS}）"
        value = Fraction(repr(value)) if value and abs(value) < 1 else None
        if value is None:
            return None
    if isinstance(value, (int, Fraction)):  # comparisons only: linear in the size, never slow
        if abs(value) >= _LIMIT:
            return f"数值过大（绝对值应小于 10^{MAX_INT_DIGITS}）"
        if isinstance(value, Fraction) and value.denominator > _DENOMINATOR:
            return f"数值的精度过高（小数最多 {MAX_DECIMALS} 位）"
    return None


def parse_number(text: str) -> Fraction:
    """An exact Fraction from number text ('2', '0.5', '1e3', '1/3'), refusing what is out
    of range before converting it: ValueError naming why."""
    problem = number_text_problem(text)
    if problem:
        raise ValueError(problem)
    value = Fraction(str(text).strip().replace("_", ""))
    problem = value_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def shown_number(text, limit: int = 24) -> str:
    """A number's text cut to `limit` characters for a message (a hostile one can be long)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"…（共 {len(text)} 个字符）"


def exact(value) -> Fraction:
    """A number as an exact Fraction; floats go through their shortest repr (0.1 -> 1/10)."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Round an exact value half-up to `places` decimals (79.995 -> 80.00)."""
    scaled = exact(value) * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return (Decimal(whole if scaled >= 0 else -whole)).scaleb(-places)


def to_json_number(value: Fraction, places: int = 2):
    """Rounded half-up, as an int when whole (100) else a float (84.5)."""
    d = round_half_up(exact(value), places)
    if d == d.to_integral_value():
        return int(d)
    return float(d)


def display(value, places: int = 2) -> str:
    """'84.5', '100', '86.67': rounded half-up, no trailing zeros."""
    d = round_half_up(exact(value), places).normalize()
    text = format(d, "f")
    return text
