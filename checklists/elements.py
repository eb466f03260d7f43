"""The parts of a criteria document, each checked and read into a draft: the header,
levels, categories and items (with their options, bands and evidence). A Draft is the
mutable set while it is validated and merged (overlay.py); freeze() makes the immutable
Checklist. The whole-set rules are in loader.py.

A new key or kind of the format gets its check here (and its word in format.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from fractions import Fraction

from .checker import Checker
from .format import (
    BAND_KEYS,
    CATEGORY_KEYS,
    DIRECTIONS,
    EVIDENCE_KEYS,
    FORMAT,
    ID_RE,
    ITEM_COMMON_KEYS,
    ITEM_KIND_KEYS,
    KINDS,
    LEVEL_KEYS,
    MAX_CATEGORY_DEPTH,
    OPTION_KEYS,
    POINT_STEP,
    RESERVED_LEVEL,
    ROLES,
    SET_LEVELS,
    UNIT_TYPES,
)
from .model import Band, Category, Checklist, Evidence, Item, Level, Option, Source
from .numbers import display, value_problem
from .source import Document, Refused, number_or_none


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

    def walk(self):
        yield self
        for c in self.cats:
            yield from c.walk()

    def freeze(self) -> Category:
        items = tuple(dataclasses.replace(i, category=self.code) for i in self.items)
        return Category(self.code, self.title, items, tuple(c.freeze() for c in self.cats), dict(self.min_ratio))


@dataclass
class Draft:
    """A set while it is being validated and merged."""

    header: dict
    levels: list  # of [key, label, min_score, (doc, path)]
    cats: list
    origins: dict = field(default_factory=dict)  # id(item) -> (doc, path), for messages
    chain: tuple = ()

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
            bonus_cap=h.get("bonus_cap"), extends=h.get("extends"), chain=self.chain,
        )


# --------------------------------------------------------------------------- header and levels


def read_header_fields(ck: Checker, data: dict) -> dict:
    """The header keys (format, id, version, title, ...) checked; None for each one refused."""
    h = {}
    fmt = data.get("format")
    if fmt is None:
        ck.err(("format",), f"缺少必填项，应为 {FORMAT}")
    elif fmt != FORMAT:
        ck.err(("format",), f"格式必须是 {FORMAT}，现在是 {fmt!r}")
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
    return h


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
    return Draft(header=dict(header), levels=levels, cats=cats, chain=(source,))


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
    ck.keys(raw, path, CATEGORY_KEYS, "大项")
    code = ck.string(raw, "code", path, required=True)
    title = ck.string(raw, "title", path, required=True)
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
    return DraftCategory(code or "?", title or "?", min_ratio, items, cats, path, ck.doc, item_paths)


def read_item(ck: Checker, raw, path, source: Source) -> Item | None:
    if not ck.mapping(raw, path, "条目"):
        return None
    before = len(ck.problems)
    kind = raw.get("kind")
    if kind is None:
        ck.err(path + ("kind",), "缺少必填项：check、rubric、number、deduct 或 score")
    elif kind not in KINDS:
        ck.err(path + ("kind",), f"类型必须是 check、rubric、number、deduct、score 之一，现在是 {kind!r}")
        kind = None
    allowed = ITEM_COMMON_KEYS + (ITEM_KIND_KEYS[kind] if kind else sum(ITEM_KIND_KEYS.values(), ()))
    ck.keys(raw, path, allowed, f"{kind} 类条目" if kind else "条目")
    code = ck.string(raw, "code", path, required=True)
    title = ck.string(raw, "title", path, required=True)
    requirement = ck.string(raw, "requirement", path, required=True)
    excellent = ck.string(raw, "excellent", path)
    guidance = ck.string(raw, "guidance", path)
    role = raw.get("role", "base")
    if role is None:
        role = "base"
    if role not in ROLES:
        ck.err(path + ("role",), f"角色必须是 base、bonus 或 penalty 之一，现在是 {role!r}")
        role = "base"
    gate = None
    if raw.get("gate") is not None:
        if not isinstance(raw["gate"], str):
            ck.err(path + ("gate",), f"必须是等级键（文本），现在是 {raw['gate']!r}")
        else:
            gate = raw["gate"]
    points = ck.number(raw, "points", path, required=True, minimum=Fraction(0))
    if points is not None:
        if points == 0 and not (kind == "check" and gate):
            ck.err(path + ("points",), "分值必须大于 0（只有带 gate 的 check 条件项可以为 0）")
        elif points % POINT_STEP != 0:
            ck.err(path + ("points",), f"分值必须是 0.5 的整数倍，现在是 {display(points)}")
    na_allowed = ck.boolean(raw, "na_allowed", path)
    evidence = read_evidence(ck, raw, path)
    extra = {}
    if kind == "rubric":
        extra["options"] = read_options(ck, raw, path, points)
    elif kind == "number":
        extra["bands"] = read_bands(ck, raw, path, points)
        extra["unit"] = ck.string(raw, "unit", path)
        direction = raw.get("direction", "higher")
        if direction not in DIRECTIONS:
            ck.err(path + ("direction",), f"方向必须是 higher 或 lower，现在是 {direction!r}")
        else:
            extra["direction"] = direction
    elif kind == "deduct":
        extra["per"] = ck.number(raw, "per", path, required=True, positive=True)
        extra["unit"] = ck.string(raw, "unit", path)
    elif kind == "score":
        step = ck.number(raw, "step", path, positive=True)
        if step is not None:
            extra["step"] = step
            if points is not None and points % step != 0:
                ck.err(path + ("step",), f"满分 {display(points)} 不是步长 {display(step)} 的整数倍")
    if len(ck.problems) > before:
        return None
    return Item(code=code, title=title, requirement=requirement, points=points, kind=kind, role=role,
                excellent=excellent, guidance=guidance, gate=gate, na_allowed=na_allowed, evidence=evidence,
                source=source, **extra)


def read_evidence(ck: Checker, raw, path) -> Evidence:
    value = raw.get("evidence")
    if value is None:
        return Evidence()
    epath = path + ("evidence",)
    if not ck.mapping(value, epath, "evidence"):
        return Evidence()
    ck.keys(value, epath, EVIDENCE_KEYS, "evidence")
    photos = 0
    if value.get("photos") is not None:
        p = value["photos"]
        if isinstance(p, bool) or not isinstance(p, int) or p < 0:
            ck.err(epath + ("photos",), f"照片数必须是不小于 0 的整数，现在是 {p!r}")
        else:
            photos = p
    documents = ()
    if value.get("documents") is not None and ck.sequence(value["documents"], epath + ("documents",), "documents"):
        docs = []
        for i, name in enumerate(value["documents"]):
            if not isinstance(name, str) or not name.strip():
                ck.err(epath + ("documents", i), f"资料名称必须是文本，现在是 {name!r}")
            else:
                docs.append(name.strip())
        documents = tuple(docs)
    strict = ck.boolean(value, "strict", epath)
    if strict and photos == 0:
        ck.err(epath + ("strict",), "strict 需要同时给出 photos（最少照片数）")
    return Evidence(photos, documents, strict)


def read_options(ck: Checker, raw, path, points) -> tuple:
    opath = path + ("options",)
    if raw.get("options") is None:
        ck.err(opath, "rubric 类条目必须给出 options（评级选项）")
        return ()
    if not ck.sequence(raw["options"], opath, "options") or not raw["options"]:
        if raw["options"] == []:
            ck.err(opath, "至少需要一个选项")
        return ()
    out, labels = [], set()
    for i, o in enumerate(raw["options"]):
        p = opath + (i,)
        if not ck.mapping(o, p, "选项"):
            continue
        ck.keys(o, p, OPTION_KEYS, "选项")
        label = ck.string(o, "label", p, required=True)
        if label in labels:
            ck.err(p + ("label",), f"选项 {label!r} 重复")
        labels.add(label)
        op = ck.number(o, "points", p, required=True, minimum=Fraction(0))
        if op is not None and points is not None and op > points:
            ck.err(p + ("points",), f"选项分值 {display(op)} 超过条目满分 {display(points)}")
        if label is not None and op is not None:
            out.append(Option(label, op))
    if out and points is not None and len(out) == len(raw["options"]) and max(o.points for o in out) != points:
        ck.err(opath, f"最高选项分值 {display(max(o.points for o in out))} 必须等于条目满分 {display(points)}")
    return tuple(out)


def read_bands(ck: Checker, raw, path, points) -> tuple:
    bpath = path + ("bands",)
    if raw.get("bands") is None:
        ck.err(bpath, "number 类条目必须给出 bands（分档）")
        return ()
    if not ck.sequence(raw["bands"], bpath, "bands") or not raw["bands"]:
        if raw["bands"] == []:
            ck.err(bpath, "至少需要一个分档")
        return ()
    out = []
    for i, b in enumerate(raw["bands"]):
        p = bpath + (i,)
        if not ck.mapping(b, p, "分档"):
            continue
        ck.keys(b, p, BAND_KEYS, "分档")
        at = ck.number(b, "at", p, required=True)
        bp = ck.number(b, "points", p, required=True, minimum=Fraction(0))
        if bp is not None and points is not None and bp > points:
            ck.err(p + ("points",), f"分档分值 {display(bp)} 超过条目满分 {display(points)}")
        if at is not None and bp is not None:
            out.append(Band(at, bp))
    if out and points is not None and len(out) == len(raw["bands"]) and max(b.points for b in out) != points:
        ck.err(bpath, f"最高分档分值 {display(max(b.points for b in out))} 必须等于条目满分 {display(points)}")
    return tuple(out)
