"""Checking the values of one criteria document, collecting every problem in one pass."""

from __future__ import annotations

from typing import Iterable

from .errors import Problem
from .format import FORMAT_2, POINT_STEP, V2_PLACES
from .numbers import display, value_problem
from .source import Document, Refused, number_or_none

NEEDS_V2 = f"需要 format: {FORMAT_2}"


class Checker:
    """Collects the problems of one document; each reader checks one value and gives it
    back (None when refused, the problem noted at its key path).

    `format` is the number of the document's `format:` (2 only when it says
    dabiao-checklist/2)."""

    def __init__(self, doc: Document, format: int = 2):
        self.doc = doc
        self.format = format
        self.problems: list[Problem] = list(doc.problems)

    @property
    def v2(self) -> bool:
        return self.format >= 2

    def err(self, path, message):
        self.problems.append(self.doc.problem(tuple(path), message))

    def keys(self, data: dict, path, allowed, what: str, v2=()):
        """Every key of `data` must be in `allowed`; those in `v2` only in a /2 document."""
        for key in data:
            if key not in allowed:
                hint = _closest(str(key), allowed)
                extra = f"（是否应为 {hint}？）" if hint else ""
                self.err(tuple(path) + (key,), f"未知的键 {key!r}，{what}中不允许{extra}")
            elif key in v2 and not self.v2:
                self.needs_v2(tuple(path) + (key,), f"键 {key!r}")

    def needs_v2(self, path, what: str):
        """`what` (a key, a kind, a way of writing) belongs to format 2: refused in a /1 file."""
        self.err(path, f"{what} 是格式 2 的写法，{NEEDS_V2}")

    def points(self, data: dict, key, path, required=False, minimum=None, positive=False):
        """A number of points (or per, step): any number in a /1 file (callers add the /1
        rules they have); at most two decimals in a /2 file (0.1, 0.25, 1.75)."""
        value = self.number(data, key, path, required=required, minimum=minimum, positive=positive)
        if value is not None and self.v2 and (value * 10 ** V2_PLACES).denominator != 1:
            self.err(tuple(path) + (key,), f"最多两位小数，现在是 {_shown(data[key], value)}")
            return None
        return value

    def item_points(self, value, path, extra: str = "") -> bool:
        """The /1 rule for an item's points (multiples of 0.5), with a hint at format 2."""
        if not self.v2 and value % POINT_STEP != 0:
            self.err(tuple(path), f"分值必须是 0.5 的整数倍，现在是 {display(value)}"
                                  f"（格式 2 允许两位小数：{NEEDS_V2}）{extra}")
            return False
        return True

    def string(self, data: dict, key, path, required=False):
        if key not in data or data[key] is None:
            if required:
                self.err(tuple(path) + (key,), "缺少必填项")
            return None
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.err(tuple(path) + (key,), f"必须是非空文本（字符串），现在是 {value!r}；数字请加引号")
            return None
        return value.strip()

    def number(self, data: dict, key, path, required=False, minimum=None, positive=False):
        if key not in data or data[key] is None:
            if required:
                self.err(tuple(path) + (key,), "缺少必填项")
            return None
        if isinstance(data[key], Refused):
            return None  # out of range: the parser said so already
        problem = value_problem(data[key])
        if problem:
            self.err(tuple(path) + (key,), problem)
            return None
        value = number_or_none(data[key])
        if value is None:
            self.err(tuple(path) + (key,), f"必须是数字，现在是 {data[key]!r}")
            return None
        if positive and value <= 0:
            self.err(tuple(path) + (key,), f"必须大于 0，现在是 {display(value)}")
            return None
        if minimum is not None and value < minimum:
            self.err(tuple(path) + (key,), f"不能小于 {display(minimum)}，现在是 {display(value)}")
            return None
        return value

    def boolean(self, data: dict, key, path):
        if key not in data or data[key] is None:
            return False
        if not isinstance(data[key], bool):
            self.err(tuple(path) + (key,), f"必须是 true 或 false，现在是 {data[key]!r}")
            return False
        return data[key]

    def mapping(self, value, path, what) -> bool:
        if not isinstance(value, dict):
            self.err(path, f"{what}必须是映射（键: 值），现在是 {_type_name(value)}")
            return False
        return True

    def sequence(self, value, path, what) -> bool:
        if not isinstance(value, list):
            self.err(path, f"{what}必须是列表，现在是 {_type_name(value)}")
            return False
        return True


def _shown(raw, value) -> str:
    """A number with many decimals as written (display() would round it to 2 places)."""
    if isinstance(raw, float):
        return repr(raw)
    if value.denominator != 1:
        from decimal import Decimal

        try:
            exact_text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
            if len(exact_text) <= 24:
                return exact_text
        except ArithmeticError:
            pass
        return f"{value.numerator}/{value.denominator}"
    return display(value)


def _type_name(value) -> str:
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    if value is None:
        return "空值"
    return repr(value)


def _closest(word: str, choices: Iterable[str]) -> str | None:
    import difflib  # only when a key is unknown: not while the app starts

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None

