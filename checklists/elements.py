"""The parts of a criteria document, each checked and read into a draft: the header
(with the unit tags), levels and categories; items are read by items.py. A Draft is the
mutable set while it is validated and merged (overlay.py); freeze() makes the immutable
Checklist. The whole-set rules are in loader.py.

A new key or kind of the format gets its check here or in items.py (and its word in
format.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction

from .checker import Checker
from .format import (
    CATEGORY_KEYS,
    CATEGORY_V2_KEYS,
    FORMAT_1,
    FORMAT_2,
    FORMATS,
    ID_RE,
    LEVEL_KEYS,
    MAX_CATEGORY_DEPTH,
    RESERVED_LEVEL,
    SET_LEVELS,
    TAG_RE,
    UNIT_TAG_KEYS,
    UNIT_TYPES,
)
from .items import read_item
from .model import Category, Checklist, Level, Source, UnitTag
from .numbers import value_problem
from .source import Document, Refused, number_or_none


def point_range(items) -> tuple[Fraction, Fraction]:
    """(/2) The base points of the items that apply to every unit (no only_for / not_for)
    and of all items: a stated total must lie between them (without tags, they are equal)."""
    common = everything = Fraction(0)
    for item in items:
        if item.role == "base":
            everything += item.points
            if not item.tagged:
                common += item.points
    return common, everything


def format_number(data) -> int:
    """The format a document says it is in: 2 for `dabiao-checklist/2`, else 1 (a missing
    or unknown format is reported by read_header_fields; the document is then checked by
    the rules of format 1, and each /2 key it uses is named as needing format 2)."""
    return 2 if isinstance(data, dict) and data.get("format") == FORMAT_2 else 1


@dataclass
class DraftCategory:
    """A category while a set is being merged (mutable)."""

    code: str
    title: str
    min_ratio: dict
    items: list
    cats: list
    path: tuple
    doc: Document
    item_paths: dict = field(default_factory=dict)  # id(item) -> its path in `doc`
    points: Fraction | None = None  # (/2) declared
    common_before: Fraction | None = None  # (/2) its common points before an overlay changed it

    def walk(self):
        yield self
        for c in self.cats:
            yield from c.walk()

    def freeze(self) -> Category:
        items = tuple(dataclasses.replace(i, category=self.code) for i in self.items)
        return Category(self.code, self.title, items, tuple(c.freeze() for c in self.cats), dict(self.min_ratio),
                        self.points)

    def all_items(self):
        """Own items first, then those of sub-categories."""
        for c in self.walk():
            yield from c.items


@dataclass
class Draft:
    """A set while it is being validated and merged."""

    header: dict
    levels: list  # of [key, label, min_score, (doc, path)]
    cats: list
    origins: dict = field(default_factory=dict)  # id(item) -> (doc, path), for messages
    chain: tuple = ()
    format: int = 1  # the highest format of the chain

    def all_cats(self):
        for c in self.cats:
            yield from c.walk()

    def all_items(self):
        for c in self.all_cats():
            for item in c.items:
                yield item

    def freeze(self) -> Checklist:
        """The immutable, merged Checklist."""
        h = self.header
        levels = tuple(Level(key, label, min_score) for key, label, min_score, _ in self.levels)
        return Checklist(
            id=h["id"], version=h["version"], title=h["title"], levels=levels,
            categories=tuple(c.freeze() for c in self.cats), total=h["total"], issuer=h.get("issuer"),
            level=h.get("level"), year=h.get("year"), applies_to=tuple(h.get("applies_to") or ()),
            bonus_cap=h.get("bonus_cap"), extends=h.get("extends"), chain=self.chain, format=self.format,
            penalty_cap=h.get("penalty_cap"),
            unit_tags=tuple(UnitTag(tag, label) for tag, label, _ in h.get("unit_tags") or ()),
        )


# --------------------------------------------------------------------------- header and levels


def read_header_fields(ck: Checker, data: dict) -> dict:
    """The header keys (format, id, version, title, ...) checked; None for each one refused."""
    h = {"format": ck.format}
    fmt = data.get("format")
    if fmt is None:
        ck.err(("format",), f"缺少必填项，应为 {FORMAT_1} 或 {FORMAT_2}")
    elif not isinstance(fmt, str) or fmt not in FORMATS:
        ck.err(("format",), f"格式必须是 {FORMAT_1} 或 {FORMAT_2}，现在是 {fmt!r}")
    h["id"] = ck.string(data, "id", (), required=True)
    if h["id"] and not ID_RE.match(h["id"]):
        ck.err(("id",), f"编号 {h['id']!r} 只能用小写字母、数字和连字符，并以字母或数字开头")
    h["version"] = ck.string(data, "version", (), required=True)
    h["title"] = ck.string(data, "title", (), required=True)
    h["issuer"] = ck.string(data, "issuer", ())
    h["level"] = None
    if data.get("level") is not None:
        if data["level"] not in SET_LEVELS:
            ck.err(("level",), f"必须是 province、city 或 county 之一，现在是 {data['level']!r}")
        else:
            h["level"] = data["level"]
    h["year"] = None
    if data.get("year") is not None:
        if isinstance(data["year"], bool) or not isinstance(data["year"], int):
            ck.err(("year",), f"年度必须是整数，现在是 {data['year']!r}")
        else:
            h["year"] = data["year"]
    h["applies_to"] = None
    if data.get("applies_to") is not None:
        value = data["applies_to"]
        if ck.sequence(value, ("applies_to",), "适用单位类型"):
            for i, kind in enumerate(value):
                if kind not in UNIT_TYPES:
                    ck.err(("applies_to", i), f"单位类型必须是 town、enterprise 或 militia 之一，现在是 {kind!r}")
            h["applies_to"] = tuple(v for v in value if v in UNIT_TYPES)
    h["total"] = ck.number(data, "total", (), positive=True)
    h["bonus_cap"] = ck.number(data, "bonus_cap", (), minimum=Fraction(0))
    h["penalty_cap"] = ck.number(data, "penalty_cap", (), minimum=Fraction(0)) if ck.v2 else None
    h["unit_tags"] = read_unit_tags(ck, data) if ck.v2 else []
    raw_tags = data.get("unit_tags") if isinstance(data.get("unit_tags"), list) else []
    h["refused_tags"] = {t.get("tag") for t in raw_tags if isinstance(t, dict) and isinstance(t.get("tag"), str)}
    return h


def read_unit_tags(ck: Checker, data: dict) -> list:
    """(/2) `unit_tags: [{tag, label}]`: [tag, label, (doc, path)] for each one."""
    out = []
    if data.get("unit_tags") is None or not ck.sequence(data["unit_tags"], ("unit_tags",), "unit_tags"):
        return out
    seen = set()
    for i, raw in enumerate(data["unit_tags"]):
        path = ("unit_tags", i)
        if not ck.mapping(raw, path, "单位标签"):
            continue
        ck.keys(raw, path, UNIT_TAG_KEYS, "单位标签")
        tag = ck.string(raw, "tag", path, required=True)
        label = ck.string(raw, "label", path, required=True)
        if tag is not None and not TAG_RE.match(tag):
            ck.err(path + ("tag",), f"单位标签 {tag!r} 须是一个词（不含空格、逗号、顿号、分号、等号）")
            tag = None
        elif tag in seen:
            ck.err(path + ("tag",), f"单位标签 {tag!r} 重复")
            tag = None
        seen.add(tag)
        if tag is not None and label is not None:
            out.append([tag, label, (ck.doc, path)])
    return out


def read_base(ck: Checker, data: dict, header: dict) -> Draft:
    """A base set (levels and categories) as a draft."""
    source = source_of(header)
    levels = read_levels(ck, data, new_set=True)
    cats = []
    if "categories" not in data or data["categories"] is None:
        ck.err(("categories",), "缺少必填项：至少需要一个大项")
    elif ck.sequence(data["categories"], ("categories",), "categories"):
        if not data["categories"]:
            ck.err(("categories",), "至少需要一个大项")
        cats = read_categories(ck, data["categories"], ("categories",), source, depth=1)
    return Draft(header=dict(header), levels=levels, cats=cats, chain=(source,), format=ck.format)


def source_of(header) -> Source:
    """The set named by a header, as the source of the items it defines."""
    return Source(header.get("id") or "?", header.get("version") or "?", header.get("level"))


def read_levels(ck: Checker, data: dict, new_set: bool) -> list:
    """[key, label, min_score, (doc, path)] for each level; an overlay (new_set false) may
    leave label and min_score out, to change only the other one."""
    out = []
    if "levels" not in data or data["levels"] is None:
        if new_set:
            ck.err(("levels",), "缺少必填项：至少需要一个等级（如 达标）")
        return out
    if not ck.sequence(data["levels"], ("levels",), "levels"):
        return out
    if new_set and not data["levels"]:
        ck.err(("levels",), "至少需要一个等级")
    seen = set()
    for i, raw in enumerate(data["levels"]):
        path = ("levels", i)
        if not ck.mapping(raw, path, "等级"):
            continue
        ck.keys(raw, path, LEVEL_KEYS, "等级")
        key = ck.string(raw, "key", path, required=True)
        if key == RESERVED_LEVEL:
            ck.err(path + ("key",), "等级键 fail 保留给“未达标”，请换一个")
        if key in seen:
            ck.err(path + ("key",), f"等级键 {key!r} 重复")
        seen.add(key)
        label = ck.string(raw, "label", path, required=new_set)
        min_score = ck.number(raw, "min_score", path, required=new_set, minimum=Fraction(0))
        out.append([key, label, min_score, (ck.doc, path)])
    return out


# --------------------------------------------------------------------------- categories and items


def read_categories(ck: Checker, raws, path, source: Source, depth: int) -> list:
    out = []
    for i, raw in enumerate(raws):
        cat = read_category(ck, raw, path + (i,), source, depth)
        if cat is not None:
            out.append(cat)
    return out


def read_category(ck: Checker, raw, path, source: Source, depth: int) -> DraftCategory | None:
    if not ck.mapping(raw, path, "大项"):
        return None
    ck.keys(raw, path, CATEGORY_KEYS, "大项", v2=CATEGORY_V2_KEYS)
    code = ck.string(raw, "code", path, required=True)
    title = ck.string(raw, "title", path, required=True)
    points = ck.points(raw, "points", path, minimum=Fraction(0)) if ck.v2 else None
    min_ratio = {}
    if raw.get("min_ratio") is not None and ck.mapping(raw["min_ratio"], path + ("min_ratio",), "min_ratio"):
        for key, value in raw["min_ratio"].items():
            if isinstance(value, Refused):
                continue  # out of range: the parser said so already
            ratio = number_or_none(value) if value_problem(value) is None else None
            if ratio is None or not (0 <= ratio <= 1):
                ck.err(path + ("min_ratio", key), f"得分率必须是 0 到 1 之间的数，现在是 {value!r}")
            else:
                min_ratio[str(key)] = ratio
    items, item_paths = [], {}
    if raw.get("items") is not None and ck.sequence(raw["items"], path + ("items",), "items"):
        for j, item_raw in enumerate(raw["items"]):
            item = read_item(ck, item_raw, path + ("items", j), source)
            if item is not None:
                items.append(item)
                item_paths[id(item)] = path + ("items", j)
    cats = []
    if raw.get("categories") is not None and ck.sequence(raw["categories"], path + ("categories",), "categories"):
        if depth >= MAX_CATEGORY_DEPTH:
            ck.err(path + ("categories",), f"大项最多嵌套 {MAX_CATEGORY_DEPTH} 层")
        else:
            cats = read_categories(ck, raw["categories"], path + ("categories",), source, depth + 1)
    return DraftCategory(code or "?", title or "?", min_ratio, items, cats, path, ck.doc, item_paths, points)
