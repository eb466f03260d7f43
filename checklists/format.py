"""The vocabulary of the criteria format (`dabiao-checklist/1` and `/2`), defined once.

Everything that reads or writes criteria takes its words from here: the loader
(validation), the workbook layout (Excel sheets), serialize (back to plain data) and the
model. A new key, kind or role is added here first; the tests then point at every place
that must learn it (tests/test_format.py checks the workbook covers every key).

Format 2 is a superset of format 1. The keys only format 2 may use are listed in the
`*_V2_KEYS` tuples (and `V2_KINDS`): a file saying `dabiao-checklist/1` that uses one is
refused naming the key.

Key tuples are in the order a criteria file writes them (serialize and the workbook
reader keep that order, so converted files read the same).
"""

from __future__ import annotations

import re
from fractions import Fraction

FORMAT_1 = "dabiao-checklist/1"
FORMAT_2 = "dabiao-checklist/2"
FORMATS = {FORMAT_1: 1, FORMAT_2: 2}      # the text of `format:` -> its number
FORMAT = FORMAT_2                          # the newest: what the template and new sets say


def format_name(number: int) -> str:
    """1 -> 'dabiao-checklist/1'."""
    return FORMAT_1 if number == 1 else FORMAT_2


# ---- enumerations (the values a key may take)

KINDS = ("check", "rubric", "number", "deduct", "score", "elements")
V2_KINDS = ("elements",)
ROLES = ("base", "bonus", "penalty")
SET_LEVELS = ("province", "city", "county")
UNIT_TYPES = ("town", "enterprise", "militia")
DIRECTIONS = ("higher", "lower")
BELOW = ("zero",)            # linear.below: the only value
MISSING_ZERO = "zero"        # a document's `missing: zero`: not presented, the item scores 0

# ---- their Chinese names

KIND_LABELS = {"check": "是否", "rubric": "评级", "number": "数值", "deduct": "扣分", "score": "打分",
               "elements": "要素"}
ROLE_LABELS = {"base": "基本项", "bonus": "加分项", "penalty": "扣分项"}
SOURCE_LABELS = {"province": "省标", "city": "市标", "county": "县标", None: "标准"}

# ---- keys of each mapping

HEADER_KEYS = ("format", "id", "version", "title", "issuer", "level", "year", "applies_to", "total", "bonus_cap",
               "penalty_cap")
HEADER_V2_KEYS = ("penalty_cap", "unit_tags")
BASE_KEYS = HEADER_KEYS + ("unit_tags", "levels", "categories")
OVERLAY_KEYS = HEADER_KEYS + ("unit_tags", "extends", "levels", "add_categories", "add_items", "replace_items",
                              "remove_items")
EXTENDS_KEYS = ("id", "version")
UNIT_TAG_KEYS = ("tag", "label")
LEVEL_KEYS = ("key", "label", "min_score")
CATEGORY_KEYS = ("code", "title", "points", "min_ratio", "items", "categories")
CATEGORY_V2_KEYS = ("points",)
ADD_ITEMS_KEYS = ("category", "items")
ITEM_COMMON_KEYS = ("code", "title", "requirement", "excellent", "guidance", "points", "kind", "role", "gate",
                    "voids_score", "na_allowed", "only_for", "not_for", "evidence")
ITEM_V2_KEYS = ("voids_score", "only_for", "not_for", "reasons", "linear", "elements")
ITEM_KIND_KEYS = {  # the keys only items of that kind may have
    "check": (),
    "rubric": ("options",),
    "number": ("unit", "direction", "bands", "linear"),
    "deduct": ("per", "reasons", "unit"),
    "score": ("step",),
    "elements": ("elements",),
}
OPTION_KEYS = ("label", "points")
BAND_KEYS = ("at", "points")
LINEAR_KEYS = ("at", "points", "step", "per", "below")
REASON_KEYS = ("key", "text", "per", "unit", "max_count")
ELEMENT_KEYS = ("key", "text", "points")
EVIDENCE_KEYS = ("photos", "documents", "strict")
DOCUMENT_KEYS = ("name", "missing")  # (/2) a document written as a mapping

# ---- rules the format fixes

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # a set's id
TAG_RE = re.compile(r"^[^\s,，、;；=＝]+$")    # a unit tag: one word (it is written in lists)
RESERVED_LEVEL = "fail"                        # the result 未达标, never a level key
POINT_STEP = Fraction(1, 2)                    # /1: points are whole multiples of this
V2_PLACES = 2                                  # /2: points, per and step have at most 2 decimals
DEFAULT_STEP = Fraction(1, 2)                  # /1: a score item's step when none is given
DEFAULT_STEP_V2 = Fraction(1, 100)             # /2: the same


def default_step(format_number: int) -> Fraction:
    return DEFAULT_STEP if format_number < 2 else DEFAULT_STEP_V2


MAX_CHAIN = 3                                  # province -> city -> county
MAX_CATEGORY_DEPTH = 3
