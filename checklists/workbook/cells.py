"""One cell of a criteria workbook as the plain value a YAML file would hold: numbers
(also typed as text, 60%, full-width), 是/否, drop-down words; and finding sheets, header
columns and the filled extent of a sheet."""

from __future__ import annotations

import math
import re
import unicodedata
from fractions import Fraction

from ..numbers import exact, number_text_problem, value_problem
from .layout import (
    ALIASES,
    FALSE_WORDS,
    IGNORE,
    KEY_RE,
    NOTE_KEYS,
    NOTE_LABELS,
    NUMBER_RE,
    SHEETS,
    TRUE_WORDS,
    Column,
    Sheet,
)


def sheet_for(title: str) -> Sheet | None:
    """The sheet a tab stands for: its Chinese title, its English key, or `条目 items`."""
    text = title.strip()
    m = KEY_RE.search(text)
    for sheet in SHEETS:
        if text == sheet.title or text.lower() == sheet.key or (m and m.group(1).lower() == sheet.key):
            return sheet
    return None


def column_key(value, known: dict, labels: dict):
    """A header cell -> its key (`分值 points`, `分值(points)`, `points`, `分值`), IGNORE
    for notes, None when blank, else the header text (unknown)."""
    if is_blank(value):
        return None
    text = str(value).strip()
    if text.startswith("#"):
        return IGNORE
    m = KEY_RE.search(text)
    if m:
        key = m.group(1).lower()
        if key in known:
            return key
        return IGNORE if key in NOTE_KEYS else text
    if text in labels:
        return labels[text]
    return IGNORE if text in NOTE_LABELS else text


def extent(ws) -> tuple[int, int]:
    """(last row, last column) holding a value: formatting far below the data (as some
    editors save it) must not make us walk a million empty rows."""
    cells = getattr(ws, "_cells", None)  # openpyxl's own map of the cells the file holds
    if cells is None:
        return ws.max_row, ws.max_column
    filled = [key for key, cell in cells.items() if not is_blank(cell.value)]
    return max((r for r, _ in filled), default=0), max((c for _, c in filled), default=0)


def merged_anchors(ws) -> dict:
    """(row, col) -> (row, col) of the top-left cell, for every cell inside a merged range."""
    out = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                out[(r, c)] = (rng.min_row, rng.min_col)
    return out


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value, number_format: str | None = None) -> str:
    """A cell as the text it shows: 1.1 -> '1.1', 2 -> '2', 1.1 with format 0.00 -> '1.10'."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        m = re.fullmatch(r"0(?:\.(0+))?", number_format or "")
        if m:
            return f"{value:.{len(m.group(1) or '')}f}"
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


class OutOfRange(ValueError):
    """A number in a cell too large or too precise to be a score, point or count."""


def cell_number(value):
    """An exact number from a cell: int, or Fraction (floats via their repr; text such as
    '4', '0.5', '60%', '１．５' is read too). Anything else is returned for the loader to refuse.
    A number out of range (numbers.value_problem) raises OutOfRange, checked on the text
    before converting it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        problem = value_problem(value)
        if problem:
            raise OutOfRange(problem)
        value = exact(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        percent = text.endswith("%")
        text = text[:-1].strip() if percent else text
        if not NUMBER_RE.fullmatch(text):
            return value.strip()
        problem = number_text_problem(text)
        if problem:
            raise OutOfRange(problem)
        try:
            value = Fraction(text) / (100 if percent else 1)
        except (ValueError, ZeroDivisionError):
            return value.strip()
    problem = value_problem(value)
    if problem:
        raise OutOfRange(problem)
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def cell_boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def cell_choice(text: str, column: Column) -> str:
    """A drop-down value: the key, its Chinese word, or `check 是否`; else the text as given."""
    aliases = ALIASES.get(column.key, {})
    if text in aliases:
        return aliases[text]
    m = KEY_RE.search(text)
    if m and m.group(1).lower() in column.choices:
        return m.group(1).lower()
    return text.lower() if text.isascii() else text
