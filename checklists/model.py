"""The criteria model: plain, immutable dataclasses for a merged checklist (the format's
vocabulary, such as KINDS and ROLE_LABELS, is in format.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Iterator

from .format import DEFAULT_STEP, SOURCE_LABELS


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
class Evidence:
    photos: int = 0
    documents: tuple[str, ...] = ()
    strict: bool = False


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

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"
