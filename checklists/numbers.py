"""Exact numbers: every score is a Fraction; only display rounds (half-up)."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def is_number(value) -> bool:
    """True for ints, Fractions and floats, never for bools."""
    return isinstance(value, (int, float, Fraction)) and not isinstance(value, bool)


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
