"""The vocabulary of the criteria format (`dabiao-checklist/1`), defined once.

Everything that reads or writes criteria takes its words from here: the loader
(validation), the workbook layout (Excel sheets), serialize (back to plain data) and the
model. A new key, kind or role is added here first; the tests then point at every place
that must learn it (tests/test_workbook.py checks the workbook covers every key).

Key tuples are in the order a criteria file writes them (serialize and the workbook
reader keep that order, so converted files read the same).
"""

from __future__ import annotations

import re
from fractions import Fraction

FORMAT = "dabiao-checklist/1"

# ---- enumerations (the values a key may take)

KINDS = ("check", "rubric", "number", "deduct", "score")
ROLES = ("base", "bonus", "penalty")
SET_LEVELS = ("province", "city", "county")
UNIT_TYPES = ("town", "enterprise", "militia")
DIRECTIONS = ("higher", "lower")

# ---- their Chinese names

KIND_LABELS = {"check": "是否", "rubric": "评级", "number": "数值", "deduct": "扣分", "score": "打分"}
ROLE_LABELS = {"base": "基本项", "bonus": "加分项", "penalty": "扣分项"}
SOURCE_LABELS = {"province": "省标", "city": "市标", "county": "县标", None: "标准"}

# ---- keys of each mapping

HEADER_KEYS = ("format", "id", "version", "title", "issuer", "level", "year", "applies_to", "total", "bonus_cap")
BASE_KEYS = HEADER_KEYS + ("levels", "categories")
OVERLAY_KEYS = HEADER_KEYS + ("extends", "levels", "add_categories", "add_items", "replace_items", "remove_items")
EXTENDS_KEYS = ("id", "version")
LEVEL_KEYS = ("key", "label", "min_score")
CATEGORY_KEYS = ("code", "title", "min_ratio", "items", "categories")
ADD_ITEMS_KEYS = ("category", "items")
ITEM_COMMON_KEYS = ("code", "title", "requirement", "excellent", "guidance", "points", "kind", "role", "gate",
                    "na_allowed", "evidence")
ITEM_KIND_KEYS = {  # the keys only items of that kind may have
    "check": (),
    "rubric": ("options",),
    "number": ("unit", "direction", "bands"),
    "deduct": ("per", "unit"),
    "score": ("step",),
}
OPTION_KEYS = ("label", "points")
BAND_KEYS = ("at", "points")
EVIDENCE_KEYS = ("photos", "documents", "strict")

# ---- rules the format fixes

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")  # a set's id
RESERVED_LEVEL = "fail"                        # the result 未达标, never a level key
POINT_STEP = Fraction(1, 2)                    # points are whole multiples of this
DEFAULT_STEP = Fraction(1, 2)                  # a score item's step when none is given
MAX_CHAIN = 3                                  # province -> city -> county
MAX_CATEGORY_DEPTH = 3
