"""Load criteria files: validate every rule of checklist-format.md in one pass, resolve
overlays (province -> city -> county) and build an immutable, merged Checklist."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable

from .errors import ChecklistError, Problem
from .format import (
    ADD_ITEMS_KEYS,
    BAND_KEYS,
    BASE_KEYS,
    CATEGORY_KEYS,
    DIRECTIONS,
    EVIDENCE_KEYS,
    EXTENDS_KEYS,
    FORMAT,
    ID_RE,
    ITEM_COMMON_KEYS,
    ITEM_KIND_KEYS,
    KINDS,
    LEVEL_KEYS,
    MAX_CATEGORY_DEPTH,
    MAX_CHAIN,
    OPTION_KEYS,
    OVERLAY_KEYS,
    POINT_STEP,
    RESERVED_LEVEL,
    ROLES,
    SET_LEVELS,
    UNIT_TYPES,
)
from .model import Band, Category, Checklist, Evidence, Item, Level, Option, Source
from .numbers import display, value_problem
from .source import Document, Refused, number_or_none, parse_document, read_document

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
CRITERIA_SUFFIXES = (".yaml", ".yml", ".json")

# (text, name) for an (id, version), or None when unknown.
Resolver = Callable[[str, str], "tuple[str, str] | None"]


# --------------------------------------------------------------------------- public API


def load_checklist(path, lib: Iterable = (), *, resolver: Resolver | None = None) -> Checklist:
    """Load a criteria file (base or overlay) into a merged Checklist, or raise
    ChecklistError listing every problem. Bases are looked up in `lib` (files or folders),
    the file's own folder and the bundled library."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from .workbook import read_workbook_document

        doc = read_workbook_document(path)
    else:
        doc = read_document(path)
    if resolver is None:
        resolver = library_resolver(list(lib) + [path.parent])
    return _load_document(doc, resolver, ())


def load_checklist_text(text: str, name: str, *, resolver: Resolver | None = None,
                        parse: Callable[[str, str], Document] = parse_document) -> Checklist:
    """Load criteria from text (as stored in a workspace); bases come from `resolver`.
    `parse` reads a text and each base's text into a Document (parse_document, or one that
    remembers parse results: storage keeps them so that opening the app parses no YAML)."""
    doc = parse(text, name)
    return _load_document(doc, resolver or library_resolver([]), (), parse)


def read_header(text: str, name: str) -> dict:
    """id, version, title, extends of a criteria text, without validating the rest."""
    data = parse_document(text, name).data
    if not isinstance(data, dict):
        raise ChecklistError([Problem(name, "", "顶层必须是映射（键: 值）")])
    ext = data.get("extends")
    return {
        "id": data.get("id"),
        "version": data.get("version"),
        "title": data.get("title"),
        "extends": (ext.get("id"), ext.get("version")) if isinstance(ext, dict) else None,
    }


def library_resolver(places: Iterable) -> Resolver:
    """A resolver searching files and folders in `places`, then the bundled library.

    A download folder holds anything: each file beside the one being checked is looked at
    only as far as needed to see whether it *claims* the wanted id (its text must mention
    the id and version; a YAML file's top-level `id:` line must name it), and only such a
    file is parsed. A neighbour that is huge, unreadable, broken or hostile is skipped:
    its problems are never this file's."""
    candidates = list(places) + [LIBRARY_DIR]

    def resolve(set_id: str, version: str):
        for path in _candidate_files(candidates):
            found = _claims(path, set_id, version)
            if found is not None:
                return found
        return None

    return resolve


MAX_CANDIDATE_BYTES = 16 * 1024 ** 2  # as for a checklist carried in a bundle
_TOP_KEY = re.compile(r"^(id|version)[ \t]*:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.M)


def _top_level_yaml(text: str) -> dict:
    """`id:` / `version:` lines at the start of a line (top-level keys in block YAML), as
    written (quotes removed); empty when the file does not use that style."""
    out = {}
    for m in _TOP_KEY.finditer(text):
        value = m.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out.setdefault(m.group(1), value)
    return out


def _claims(path: Path, set_id: str, version: str | None):
    """(text, name) when the file at `path` is criteria (id, version) (any version when
    None); None for anything else, including files that cannot be read or parsed."""
    try:
        if path.stat().st_size > MAX_CANDIDATE_BYTES:
            return None
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        if set_id.encode("utf-8") not in raw or (version is not None and str(version).encode("utf-8") not in raw):
            return None
        text = raw.decode("utf-8")
        if path.suffix.lower() != ".json":
            top = _top_level_yaml(text)
            if "id" in top and top["id"] != set_id:
                return None
            if version is not None and "version" in top and top["version"] != str(version):
                return None
        header = read_header(text, str(path))
    except Exception:  # noqa: BLE001 - a neighbour's problem (unreadable, broken, hostile) is not ours
        return None
    if header["id"] == set_id and (version is None or str(header["version"]) == str(version)):
        return text, str(path)
    return None


def find_in_library(set_id: str, version: str | None = None, places: Iterable = ()) -> Path | None:
    """The file in `places` or the bundled library holding (id, version); newest file
    order wins when version is None."""
    for path in _candidate_files(list(places) + [LIBRARY_DIR]):
        if _claims(path, set_id, version) is not None:
            return path
    return None


def bundled_files() -> list[Path]:
    """The sample criteria shipped with the app."""
    return sorted(p for p in LIBRARY_DIR.iterdir() if p.suffix.lower() in CRITERIA_SUFFIXES)


def _candidate_files(places) -> list[Path]:
    seen, out = set(), []
    for place in places:
        place = Path(place)
        try:
            files = sorted(place.iterdir()) if place.is_dir() else [place]
        except OSError:
            continue  # an unreadable folder holds no base we can use
        for f in files:
            try:
                if f.suffix.lower() in CRITERIA_SUFFIXES and f.is_file() and f.resolve() not in seen:
                    seen.add(f.resolve())
                    out.append(f)
            except OSError:
                continue
    return out


# --------------------------------------------------------------------------- building


@dataclass
class _Cat:
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
class _Draft:
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


class _Checker:
    """Collects problems for one document."""

    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = list(doc.problems)

    def err(self, path, message):
        self.problems.append(self.doc.problem(tuple(path), message))

    def keys(self, data: dict, path, allowed: set, what: str):
        for key in data:
            if key not in allowed:
                hint = _closest(str(key), allowed)
                extra = f"（是否应为 {hint}？）" if hint else ""
                self.err(tuple(path) + (key,), f"未知的键 {key!r}，{what}中不允许{extra}")

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
            self.err(tuple(path) + (key,), f"必须大于 0，现在是 {_show(value)}")
            return None
        if minimum is not None and value < minimum:
            self.err(tuple(path) + (key,), f"不能小于 {_show(minimum)}，现在是 {_show(value)}")
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


def _load_document(doc: Document, resolver: Resolver, seen: tuple, parse=parse_document) -> Checklist:
    draft, problems = _draft_document(doc, resolver, seen, parse)
    if problems:
        raise ChecklistError(problems)
    return _freeze(draft)


def _draft_document(doc: Document, resolver: Resolver, seen: tuple, parse=parse_document):
    """Validate one document (recursing into its bases) -> (draft or None, problems)."""
    ck = _Checker(doc)
    data = doc.data
    if not ck.mapping(data, (), "文件顶层"):
        return None, ck.problems
    is_overlay = "extends" in data
    ck.keys(data, (), OVERLAY_KEYS if is_overlay else BASE_KEYS, "叠加标准" if is_overlay else "基础标准")
    header = _header(ck, data)
    me = (header.get("id"), header.get("version"))
    if is_overlay:
        draft = _overlay(ck, data, header, resolver, seen + (me,), parse)
    else:
        draft = _base(ck, data, header)
    if draft is not None:
        # Whole-set rules run even when parts were refused, so that one pass lists every
        # problem; those that would only echo an earlier one are skipped (see _finish).
        _finish(ck, draft, data, complete=not ck.problems)
    return (draft if not ck.problems else None), ck.problems


def _header(ck: _Checker, data: dict) -> dict:
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


def _base(ck: _Checker, data: dict, header: dict) -> _Draft | None:
    levels = _levels(ck, data, new_set=True)
    cats = []
    if "categories" not in data or data["categories"] is None:
        ck.err(("categories",), "缺少必填项：至少需要一个大项")
    elif ck.sequence(data["categories"], ("categories",), "categories"):
        if not data["categories"]:
            ck.err(("categories",), "至少需要一个大项")
        cats = _categories(ck, data["categories"], ("categories",), _source(header), depth=1)
    source = _source(header)
    draft = _Draft(header=dict(header), levels=levels, cats=cats, chain=(source,))
    return draft


def _source(header) -> Source:
    return Source(header.get("id") or "?", header.get("version") or "?", header.get("level"))


def _levels(ck: _Checker, data: dict, new_set: bool) -> list:
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


def _categories(ck: _Checker, raws, path, source: Source, depth: int) -> list:
    out = []
    for i, raw in enumerate(raws):
        cat = _category(ck, raw, path + (i,), source, depth)
        if cat is not None:
            out.append(cat)
    return out


def _category(ck: _Checker, raw, path, source: Source, depth: int) -> _Cat | None:
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
            item = _item(ck, item_raw, path + ("items", j), source)
            if item is not None:
                items.append(item)
                item_paths[id(item)] = path + ("items", j)
    cats = []
    if raw.get("categories") is not None and ck.sequence(raw["categories"], path + ("categories",), "categories"):
        if depth >= MAX_CATEGORY_DEPTH:
            ck.err(path + ("categories",), f"大项最多嵌套 {MAX_CATEGORY_DEPTH} 层")
        else:
            cats = _categories(ck, raw["categories"], path + ("categories",), source, depth + 1)
    return _Cat(code or "?", title or "?", min_ratio, items, cats, path, ck.doc, item_paths)


def _item(ck: _Checker, raw, path, source: Source) -> Item | None:
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
            ck.err(path + ("points",), f"分值必须是 0.5 的整数倍，现在是 {_show(points)}")
    na_allowed = ck.boolean(raw, "na_allowed", path)
    evidence = _evidence(ck, raw, path)
    extra = {}
    if kind == "rubric":
        extra["options"] = _options(ck, raw, path, points)
    elif kind == "number":
        extra["bands"] = _bands(ck, raw, path, points)
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
                ck.err(path + ("step",), f"满分 {_show(points)} 不是步长 {_show(step)} 的整数倍")
    if len(ck.problems) > before:
        return None
    return Item(code=code, title=title, requirement=requirement, points=points, kind=kind, role=role,
                excellent=excellent, guidance=guidance, gate=gate, na_allowed=na_allowed, evidence=evidence,
                source=source, **extra)


def _evidence(ck: _Checker, raw, path) -> Evidence:
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


def _options(ck: _Checker, raw, path, points) -> tuple:
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
            ck.err(p + ("points",), f"选项分值 {_show(op)} 超过条目满分 {_show(points)}")
        if label is not None and op is not None:
            out.append(Option(label, op))
    if out and points is not None and len(out) == len(raw["options"]) and max(o.points for o in out) != points:
        ck.err(opath, f"最高选项分值 {_show(max(o.points for o in out))} 必须等于条目满分 {_show(points)}")
    return tuple(out)


def _bands(ck: _Checker, raw, path, points) -> tuple:
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
            ck.err(p + ("points",), f"分档分值 {_show(bp)} 超过条目满分 {_show(points)}")
        if at is not None and bp is not None:
            out.append(Band(at, bp))
    if out and points is not None and len(out) == len(raw["bands"]) and max(b.points for b in out) != points:
        ck.err(bpath, f"最高分档分值 {_show(max(b.points for b in out))} 必须等于条目满分 {_show(points)}")
    return tuple(out)


# --------------------------------------------------------------------------- overlays


def _overlay(ck: _Checker, data: dict, header: dict, resolver: Resolver, seen: tuple,
             parse=parse_document) -> _Draft | None:
    ext = data.get("extends")
    if not ck.mapping(ext, ("extends",), "extends"):
        return None
    ck.keys(ext, ("extends",), EXTENDS_KEYS, "extends")
    base_id = ck.string(ext, "id", ("extends",), required=True)
    base_version = ck.string(ext, "version", ("extends",), required=True)
    if "categories" in data:
        pass  # already reported as an unknown key for an overlay
    if not base_id or not base_version:
        return None
    if (base_id, base_version) in seen:
        cycle = " -> ".join(f"{i}@{v}" for i, v in seen + ((base_id, base_version),))
        ck.err(("extends",), f"叠加关系成环：{cycle}")
        return None
    if len(seen) >= MAX_CHAIN:
        ck.err(("extends",), f"叠加层数超过 {MAX_CHAIN} 层（省 -> 市 -> 县）")
        return None
    found = resolver(base_id, base_version)
    if found is None:
        ck.err(("extends",), f"找不到基础标准 {base_id} 版本 {base_version}（请用 --lib 指出其文件或先导入）")
        return None
    text, name = found
    try:
        base_doc = parse(text, name)
    except ChecklistError as exc:
        ck.problems.extend(exc.problems)
        return None
    base, problems = _draft_document(base_doc, resolver, seen, parse)
    if problems:
        ck.problems.extend(problems)
        return None
    source = _source(header)
    _merge_levels(ck, base, data)
    _replace_items(ck, base, data, source)
    _remove_items(ck, base, data)
    if data.get("add_categories") is not None and ck.sequence(data["add_categories"], ("add_categories",), "add_categories"):
        base.cats.extend(_categories(ck, data["add_categories"], ("add_categories",), source, depth=1))
    _add_items(ck, base, data, source)
    merged_header = dict(base.header)
    for key in ("id", "version", "title"):
        merged_header[key] = header[key]
    for key in ("issuer", "level", "year", "applies_to", "bonus_cap"):
        if data.get(key) is not None:
            merged_header[key] = header[key]
    merged_header["total"] = header["total"]  # recomputed in _finish unless given
    merged_header["extends"] = (base_id, base_version)
    base.header = merged_header
    base.chain = base.chain + (source,)
    return base


def _merge_levels(ck: _Checker, base: _Draft, data: dict):
    for key, label, min_score, where in _levels(ck, data, new_set=False):
        path = where[1]
        existing = next((lv for lv in base.levels if lv[0] == key), None)
        if existing is not None:
            if label is not None:
                existing[1] = label
            if min_score is not None:
                existing[2] = min_score
            existing[3] = where
        else:
            if label is None:
                ck.err(path + ("label",), f"新增等级 {key!r} 需要 label")
            if min_score is None:
                ck.err(path + ("min_score",), f"新增等级 {key!r} 需要 min_score")
            if label is None or min_score is None:
                continue
            # Insert keeping the order lowest first (after levels with the same minimum).
            at = len(base.levels)
            for i, lv in enumerate(base.levels):
                if lv[2] > min_score:
                    at = i
                    break
            base.levels.insert(at, [key, label, min_score, where])


def _locate(base: _Draft, code: str):
    for cat in base.all_cats():
        for i, item in enumerate(cat.items):
            if item.code == code:
                return cat, i
    return None, None


def _replace_items(ck: _Checker, base: _Draft, data: dict, source: Source):
    raws = data.get("replace_items")
    if raws is None or not ck.sequence(raws, ("replace_items",), "replace_items"):
        return
    codes = data.get("remove_items")
    removing = {c for c in codes if isinstance(c, str)} if isinstance(codes, list) else set()
    replaced = set()
    for i, raw in enumerate(raws):
        path = ("replace_items", i)
        item = _item(ck, raw, path, source)
        if item is None:
            continue
        cat, at = _locate(base, item.code)
        if item.code in replaced:
            ck.err(path + ("code",), f"条目 {item.code!r} 在 replace_items 中重复")
        elif cat is None:
            ck.err(path + ("code",), f"要替换的条目 {item.code!r} 在基础标准中不存在")
        elif item.code in removing:
            ck.err(path + ("code",), f"条目 {item.code!r} 不能同时替换和删除")
        else:
            cat.items[at] = item
            base.origins[id(item)] = (ck.doc, path)
        replaced.add(item.code)


def _remove_items(ck: _Checker, base: _Draft, data: dict):
    codes = data.get("remove_items")
    if codes is None or not ck.sequence(codes, ("remove_items",), "remove_items"):
        return
    removed = set()
    for i, code in enumerate(codes):
        if not isinstance(code, str):
            ck.err(("remove_items", i), f"条目编号必须是文本，现在是 {code!r}；数字请加引号")
            continue
        cat, at = _locate(base, code)
        if code in removed:
            ck.err(("remove_items", i), f"条目 {code!r} 在 remove_items 中重复")
        elif cat is None:
            ck.err(("remove_items", i), f"要删除的条目 {code!r} 在基础标准中不存在")
        else:
            del cat.items[at]
            removed.add(code)


def _add_items(ck: _Checker, base: _Draft, data: dict, source: Source):
    groups = data.get("add_items")
    if groups is None or not ck.sequence(groups, ("add_items",), "add_items"):
        return
    for i, group in enumerate(groups):
        path = ("add_items", i)
        if not ck.mapping(group, path, "add_items 的每一组"):
            continue
        ck.keys(group, path, ADD_ITEMS_KEYS, "add_items")
        code = ck.string(group, "category", path, required=True)
        target = next((c for c in base.all_cats() if c.code == code), None) if code else None
        if code and target is None:
            ck.err(path + ("category",), f"大项 {code!r} 不存在")
        items = group.get("items")
        if items is None:
            ck.err(path + ("items",), "缺少必填项")
            continue
        if not ck.sequence(items, path + ("items",), "items"):
            continue
        for j, raw in enumerate(items):
            item = _item(ck, raw, path + ("items", j), source)
            if item is not None and target is not None:
                target.items.append(item)
                base.origins[id(item)] = (ck.doc, path + ("items", j))


# --------------------------------------------------------------------------- whole-set rules


def _finish(ck: _Checker, draft: _Draft, data: dict, complete: bool = True):
    """Rules that need the whole (merged) set: unique codes, totals, levels, gates, ratios.

    When `complete` is false some items or levels were already refused (and left out of
    the draft): sums are then meaningless and unknown-level checks could be echoes, so
    only the rules that still hold are checked."""
    # Remember where each item of this document came from, for messages.
    for cat in draft.all_cats():
        if cat.doc is ck.doc:
            for j, item in enumerate(cat.items):
                # Refused items are left out of cat.items: use the path the item was read at.
                draft.origins.setdefault(id(item), (ck.doc, cat.item_paths.get(id(item), cat.path + ("items", j))))

    seen_items, seen_cats = {}, {}
    for cat in draft.all_cats():
        if cat.code in seen_cats and (complete or cat.code != "?"):
            ck.problems.append(cat.doc.problem(cat.path + ("code",), f"大项编号 {cat.code!r} 重复"))
        seen_cats[cat.code] = cat
        for j, item in enumerate(cat.items):
            if item.code in seen_items:
                culprit, first = item, seen_items[item.code]
                if (draft.origins.get(id(item), (None,))[0] is not ck.doc
                        and draft.origins.get(id(first), (None,))[0] is ck.doc):
                    culprit = first  # an overlay item placed before the base's: blame the overlay
                doc, path = draft.origins.get(id(culprit), (cat.doc, cat.path + ("items", j)))
                ck.problems.append(doc.problem(path + ("code",), f"条目编号 {item.code!r} 重复"))
            seen_items[item.code] = item

    base_sum = sum((i.points for i in draft.all_items() if i.role == "base"), Fraction(0))
    total = draft.header.get("total")
    if complete and total is not None and total != base_sum:
        ck.err(("total",), f"总分 {_show(total)} 与基本项分值合计 {_show(base_sum)} 不符")
    if complete and base_sum == 0:
        ck.err(("categories",) if "categories" in data else (), "基本项分值合计为 0：至少需要一个有分值的基本项")
    draft.header["total"] = total if total is not None else base_sum

    # A refused level (bad key, not a mapping) would make every gate on it "unknown".
    levels_whole = complete or not any(p.file == ck.doc.name and p.path.startswith("levels") for p in ck.problems)
    last = None
    keys = set()
    for key, label, min_score, where in draft.levels:
        keys.add(key)
        if last is not None and min_score is not None and min_score < last:
            doc, path = where
            ck.problems.append(doc.problem(path + ("min_score",),
                                           f"等级须由低到高排列：{key} 的分数线 {_show(min_score)} 低于前一等级 {_show(last)}"))
        if min_score is not None:
            last = min_score

    for cat in draft.all_cats():
        for key in cat.min_ratio:
            if levels_whole and key not in keys:
                ck.problems.append(cat.doc.problem(cat.path + ("min_ratio", key), f"未知的等级 {key!r}（已有：{'、'.join(sorted(keys))}）"))
        for j, item in enumerate(cat.items):
            if levels_whole and item.gate is not None and item.gate not in keys:
                doc, path = draft.origins.get(id(item), (cat.doc, cat.path + ("items", j)))
                ck.problems.append(doc.problem(path + ("gate",), f"未知的等级 {item.gate!r}（已有：{'、'.join(sorted(keys))}）"))


def _freeze(draft: _Draft) -> Checklist:
    h = draft.header
    levels = tuple(Level(key, label, min_score) for key, label, min_score, _ in draft.levels)
    return Checklist(
        id=h["id"], version=h["version"], title=h["title"], levels=levels,
        categories=tuple(c.freeze() for c in draft.cats), total=h["total"], issuer=h.get("issuer"),
        level=h.get("level"), year=h.get("year"), applies_to=tuple(h.get("applies_to") or ()),
        bonus_cap=h.get("bonus_cap"), extends=h.get("extends"), chain=draft.chain,
    )


# --------------------------------------------------------------------------- helpers


def _show(value) -> str:
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
    import difflib

    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return match[0] if match else None
