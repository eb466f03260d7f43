"""The criteria model: plain, immutable dataclasses for a merged checklist (the format's
vocabulary, such as KINDS and ROLE_LABELS, is in format.py). Every number is an exact
Fraction."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterator

from .format import DEFAULT_STEP, MISSING_ZERO, SOURCE_LABELS


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    min_score: Fraction


@dataclass(frozen=True)
class Band:
    at: Fraction
    points: Fraction


@dataclass(frozen=True)
class Option:
    label: str
    points: Fraction


@dataclass(frozen=True)
class Reason:
    """(/2) One scoring point (评分点) of a `deduct` item: `per` off for each count."""

    key: str
    text: str
    per: Fraction
    unit: str | None = None
    max_count: int | None = None


@dataclass(frozen=True)
class Element:
    """(/2) One element of an `elements` item (每做到一项得 points 分)."""

    key: str
    text: str
    points: Fraction


@dataclass(frozen=True)
class Linear:
    """(/2) A linear rate of a `number` item: `points` at `at`, `per` for each whole
    `step` on the better side, `per` off for each on the worse side (`below_zero`: 0
    anywhere on the worse side)."""

    at: Fraction
    points: Fraction
    step: Fraction
    per: Fraction
    below_zero: bool = False

    def score(self, value, direction: str, top: Fraction) -> Fraction:
        """The score of `value` on an item of `top` points: `points` at `at`, plus `per` for
        each whole `step` on the better side (above `at` when `direction` is higher), minus
        `per` for each whole step on the worse side (partial steps rounded toward `at`;
        `below_zero`: 0 anywhere on the worse side); kept within 0..top."""
        value = Fraction(value)
        ahead = value - self.at if direction != "lower" else self.at - value
        if ahead >= 0:
            raw = self.points + math.floor(ahead / self.step) * self.per
        elif self.below_zero:
            raw = Fraction(0)
        else:
            raw = self.points - math.floor(-ahead / self.step) * self.per
        return min(top, max(Fraction(0), raw))


@dataclass(frozen=True)
class DocumentRule:
    """(/2) What a document not presented costs: `missing` points off, or the whole item
    (`missing == "zero"`)."""

    name: str
    missing: object  # Fraction, or MISSING_ZERO

    @property
    def zero(self) -> bool:
        return self.missing == MISSING_ZERO


@dataclass(frozen=True)
class Evidence:
    photos: int = 0
    documents: tuple[str, ...] = ()  # every document's name, in order (those that count too)
    strict: bool = False
    rules: tuple[DocumentRule, ...] = ()  # (/2) the documents written with `missing`, in order

    def rule(self, name: str) -> DocumentRule | None:
        return next((r for r in self.rules if r.name == name), None)


@dataclass(frozen=True)
class UnitTag:
    """(/2) A kind of unit that rules may single out (大镇, 小镇)."""

    tag: str
    label: str


@dataclass(frozen=True)
class Source:
    """The set that defined an item (shown as 省标 / 市标 / 县标)."""

    id: str
    version: str
    level: str | None

    @property
    def label(self) -> str:
        return SOURCE_LABELS.get(self.level, "标准")


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    requirement: str
    points: Fraction
    kind: str
    role: str = "base"
    excellent: str | None = None
    guidance: str | None = None
    gate: str | None = None
    na_allowed: bool = False
    evidence: Evidence = field(default_factory=Evidence)
    unit: str | None = None
    direction: str = "higher"
    bands: tuple[Band, ...] = ()
    options: tuple[Option, ...] = ()
    per: Fraction | None = None
    step: Fraction = DEFAULT_STEP
    source: Source | None = None
    category: str = ""  # code of the category that holds it
    voids_score: bool = False                # (/2) 一票否决，总分记零
    only_for: tuple[str, ...] = ()           # (/2) unit tags
    not_for: tuple[str, ...] = ()            # (/2) unit tags
    reasons: tuple[Reason, ...] = ()         # (/2) deduct: scoring points under one cap
    elements: tuple[Element, ...] = ()       # (/2) elements
    linear: Linear | None = None             # (/2) number: a linear rate instead of bands

    def applies_to(self, tags) -> bool:
        """(/2) Whether the item applies to a unit carrying `tags` (only_for / not_for)."""
        if self.only_for and not any(t in tags for t in self.only_for):
            return False
        return not any(t in tags for t in self.not_for)

    @property
    def tagged(self) -> bool:
        """Whether the item is for some units only (only_for / not_for)."""
        return bool(self.only_for or self.not_for)

    def reason(self, key: str) -> Reason | None:
        return next((r for r in self.reasons if r.key == key), None)

    def element(self, key: str) -> Element | None:
        return next((e for e in self.elements if e.key == key), None)

    def option_points(self, label: str) -> Fraction | None:
        for option in self.options:
            if option.label == label:
                return option.points
        return None


@dataclass(frozen=True)
class Category:
    code: str
    title: str
    items: tuple[Item, ...] = ()
    categories: tuple["Category", ...] = ()
    min_ratio: dict = field(default_factory=dict)  # level key -> Fraction
    points: Fraction | None = None  # (/2) the points it declares (a cross-check of its items)

    def walk_items(self) -> Iterator[Item]:
        """Own items first, then those of sub-categories, in file order."""
        yield from self.items
        for sub in self.categories:
            yield from sub.walk_items()

    def walk_categories(self) -> Iterator["Category"]:
        yield self
        for sub in self.categories:
            yield from sub.walk_categories()


@dataclass(frozen=True)
class Checklist:
    id: str
    version: str
    title: str
    levels: tuple[Level, ...]
    categories: tuple[Category, ...]
    total: Fraction
    issuer: str | None = None
    level: str | None = None
    year: int | None = None
    applies_to: tuple[str, ...] = ()
    bonus_cap: Fraction | None = None
    extends: tuple[str, str] | None = None
    chain: tuple[Source, ...] = ()  # base first, this set last
    format: int = 1  # 2 when any set of the chain says dabiao-checklist/2
    penalty_cap: Fraction | None = None  # (/2)
    unit_tags: tuple[UnitTag, ...] = ()  # (/2)

    def items(self) -> Iterator[Item]:
        """Every item in the order of the set."""
        for category in self.categories:
            yield from category.walk_items()

    def all_categories(self) -> Iterator[Category]:
        for category in self.categories:
            yield from category.walk_categories()

    def item(self, code: str) -> Item:
        return self.item_index()[code]

    def item_index(self) -> dict[str, Item]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = {item.code: item for item in self.items()}
            object.__setattr__(self, "_index", cached)
        return cached

    def level_by_key(self, key: str) -> Level | None:
        for level in self.levels:
            if level.key == key:
                return level
        return None

    def unit_tag(self, tag: str) -> UnitTag | None:
        return next((t for t in self.unit_tags if t.tag == tag), None)

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"
