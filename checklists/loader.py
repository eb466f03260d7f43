"""Load criteria files: validate every rule of checklist-format.md in one pass, resolve
overlays (province -> city -> county) and build an immutable, merged Checklist.

Where things are: the format's words in format.py; checking one document's parts
(header, levels, categories, items) in elements.py; merging an overlay onto its base in
overlay.py; finding a base by (id, version) in library.py. This module runs them in
order and checks the rules that need the whole merged set.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable

from . import overlay
from .checker import Checker
from .elements import Draft, format_number, point_range, read_base, read_header_fields
from .errors import ChecklistError
from .format import BASE_KEYS, HEADER_V2_KEYS, OVERLAY_KEYS
from .library import Resolver, library_resolver
from .model import Checklist
from .numbers import display
from .source import Document, parse_document, read_document


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


# --------------------------------------------------------------------------- one document, its bases first


def _load_document(doc: Document, resolver: Resolver, seen: tuple, parse=parse_document) -> Checklist:
    draft, problems = _draft_document(doc, resolver, seen, parse)
    if problems:
        raise ChecklistError(problems)
    return draft.freeze()


def _draft_document(doc: Document, resolver: Resolver, seen: tuple, parse=parse_document):
    """Validate one document (recursing into its bases) -> (draft or None, problems)."""
    data = doc.data
    ck = Checker(doc, format_number(data))
    if not ck.mapping(data, (), "文件顶层"):
        return None, ck.problems
    is_overlay = "extends" in data
    ck.keys(data, (), OVERLAY_KEYS if is_overlay else BASE_KEYS, "叠加标准" if is_overlay else "基础标准",
            v2=HEADER_V2_KEYS)
    header = read_header_fields(ck, data)
    me = (header.get("id"), header.get("version"))
    if is_overlay:
        draft = None
        ref = overlay.base_ref(ck, data, seen + (me,))
        base = _draft_base(ck, ref, resolver, seen + (me,), parse) if ref else None
        if base is not None:
            draft = overlay.merge(ck, base, data, header, ref)
    else:
        draft = read_base(ck, data, header)
    if draft is not None:
        # Whole-set rules run even when parts were refused, so that one pass lists every
        # problem; those that would only echo an earlier one are skipped (see _finish).
        _finish(ck, draft, data, complete=not ck.problems)
    return (draft if not ck.problems else None), ck.problems


def _draft_base(ck: Checker, ref: tuple[str, str], resolver: Resolver, seen: tuple, parse) -> Draft | None:
    """The validated draft of an overlay's base; None (its problems added to the
    overlay's) when it cannot be found or is not valid."""
    base_id, base_version = ref
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
    return base


# --------------------------------------------------------------------------- whole-set rules


def _finish(ck: Checker, draft: Draft, data: dict, complete: bool = True):
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

    _totals(ck, draft, data, complete)
    _category_points(ck, draft, complete)
    _unit_tags(ck, draft, complete)

    # A refused level (bad key, not a mapping) would make every gate on it "unknown".
    levels_whole = complete or not any(p.file == ck.doc.name and p.path.startswith("levels") for p in ck.problems)
    last = None
    keys = set()
    for key, label, min_score, where in draft.levels:
        keys.add(key)
        if last is not None and min_score is not None and min_score < last:
            doc, path = where
            ck.problems.append(doc.problem(path + ("min_score",),
                                           f"等级须由低到高排列：{key} 的分数线 {display(min_score)} 低于前一等级 {display(last)}"))
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


def _fits(value: Fraction, common: Fraction, everything: Fraction) -> bool:
    return common <= value <= everything


def _carried(stated: Fraction, common_before: Fraction, common: Fraction, everything: Fraction) -> Fraction:
    """A total (or category points) stated before an overlay changed the items: moved by the
    change in the points that apply to every unit, kept within the merged range. Without
    tags this is the new sum, as in format 1."""
    return max(common, min(everything, stated + common - common_before))


def _range_text(common: Fraction, everything: Fraction) -> str:
    if common == everything:
        return f"基本项分值合计 {display(everything)}"
    return (f"适用于所有单位的基本项合计 {display(common)} 与全部基本项合计 {display(everything)} 之间"
            "（only_for / not_for 条目互为替代）")


def _totals(ck: Checker, draft: Draft, data: dict, complete: bool):
    """`total`: when stated, the sum of the base points (/2: within the range of
    point_range). When not: the sum; or, in an overlay whose base chain stated a total, that
    total carried over (_carried: the new sum without tags; with unit tags the scale cannot
    be worked out from the items, so it moves only with the points every unit has)."""
    common, base_sum = point_range(draft.all_items())
    total = draft.header.get("total")
    if complete and total is not None and not _fits(total, common, base_sum):
        if common == base_sum:
            ck.err(("total",), f"总分 {display(total)} 与基本项分值合计 {display(base_sum)} 不符")
        else:
            ck.err(("total",), f"总分 {display(total)} 应在{_range_text(common, base_sum)}")
    if complete and base_sum == 0:
        ck.err(("categories",) if "categories" in data else (), "基本项分值合计为 0：至少需要一个有分值的基本项")
    stated = total is not None
    inherited = draft.header.get("inherited_total")
    if total is None and inherited is not None:
        total, stated = _carried(inherited[0], inherited[1], common, base_sum), True
    draft.header["total"] = total if total is not None else base_sum
    draft.header["total_stated"] = stated


def _category_points(ck: Checker, draft: Draft, complete: bool):
    """(/2) A category's stated `points` must fit the base points of the items inside it
    (sub-categories included), like `total`. One stated by a base is carried over the
    overlay's changes like a total (an overlay cannot restate it)."""
    for cat in draft.all_cats():
        if cat.points is None:
            continue
        common, everything = point_range(cat.all_items())
        if cat.doc is not ck.doc:
            if cat.common_before is not None:
                cat.points = _carried(cat.points, cat.common_before, common, everything)
                cat.common_before = None
        elif complete and not _fits(cat.points, common, everything):
            should = "应等于其中" if common == everything else "应在其中"
            ck.problems.append(cat.doc.problem(cat.path + ("points",), f"大项 {cat.code} 的分值 {display(cat.points)} "
                                                                        f"{should}{_range_text(common, everything)}"))


def _unit_tags(ck: Checker, draft: Draft, complete: bool):
    """(/2) Every tag an item names in only_for / not_for is declared in `unit_tags`."""
    declared = [t[0] for t in draft.header.get("unit_tags") or ()]
    written = draft.header.get("refused_tags") or set()  # every tag written: a refused one is not "undeclared"
    known = "已声明：" + "、".join(declared) if declared else "标准未声明 unit_tags"
    for cat in draft.all_cats():
        for j, item in enumerate(cat.items):
            for key in ("only_for", "not_for"):
                for i, tag in enumerate(getattr(item, key)):
                    if tag not in declared and (complete or tag not in written):
                        doc, path = draft.origins.get(id(item), (cat.doc, cat.path + ("items", j)))
                        ck.problems.append(doc.problem(path + (key, i), f"未声明的单位标签 {tag!r}（{known}）"))
