"""Overlays: a city or county set that `extends` a base (province -> city -> county) and
changes it: levels, `replace_items`, `remove_items`, `add_categories`, `add_items`, in
that order (docs/format.md); (/2) it may also add `unit_tags` and set `penalty_cap`.
The loader finds and validates the base; this module checks the `extends` reference
and merges the overlay onto the base's draft. The merged set is /2 when either is.
"""

from __future__ import annotations

from .checker import Checker
from .elements import Draft, point_range, read_categories, read_levels, source_of
from .items import read_item
from .format import ADD_ITEMS_KEYS, EXTENDS_KEYS, MAX_CHAIN
from .model import Source

# Header keys an overlay sets when it gives them (id, version, title always; total is
# recomputed unless given; unit_tags are appended).
OPTIONAL_HEADER_KEYS = ("issuer", "level", "year", "applies_to", "bonus_cap", "penalty_cap")


def base_ref(ck: Checker, data: dict, seen: tuple) -> tuple[str, str] | None:
    """The (id, version) of the base named by `extends`, or None when it is refused (not
    given properly, a cycle, or a chain deeper than MAX_CHAIN). `seen` holds the sets
    being loaded, this overlay last."""
    ext = data.get("extends")
    if not ck.mapping(ext, ("extends",), "extends"):
        return None
    ck.keys(ext, ("extends",), EXTENDS_KEYS, "extends")
    base_id = ck.string(ext, "id", ("extends",), required=True)
    base_version = ck.string(ext, "version", ("extends",), required=True)
    if not base_id or not base_version:
        return None
    if (base_id, base_version) in seen:
        cycle = " -> ".join(f"{i}@{v}" for i, v in seen + ((base_id, base_version),))
        ck.err(("extends",), f"叠加关系成环：{cycle}")
        return None
    if len(seen) >= MAX_CHAIN:
        ck.err(("extends",), f"叠加层数超过 {MAX_CHAIN} 层（省 -> 市 -> 县）")
        return None
    return base_id, base_version


def merge(ck: Checker, base: Draft, data: dict, header: dict, ref: tuple[str, str]) -> Draft:
    """Apply the overlay `data` (its checked `header`) to the draft of its base `ref`;
    the merged draft is `base`, changed."""
    source = source_of(header)
    # (/2) What the stated totals were measured against, before this overlay changes items
    # (loader._finish carries them over: see _totals there).
    for cat in base.all_cats():
        cat.common_before = point_range(cat.all_items())[0] if cat.points is not None else None
    inherited = None
    if base.header.get("total_stated"):
        inherited = (base.header["total"], point_range(base.all_items())[0])
    _merge_unit_tags(ck, base, header)
    _merge_levels(ck, base, data)
    _replace_items(ck, base, data, source)
    _remove_items(ck, base, data)
    if data.get("add_categories") is not None and ck.sequence(data["add_categories"], ("add_categories",), "add_categories"):
        base.cats.extend(read_categories(ck, data["add_categories"], ("add_categories",), source, depth=1))
    _add_items(ck, base, data, source)
    merged_header = dict(base.header)
    for key in ("id", "version", "title"):
        merged_header[key] = header[key]
    for key in OPTIONAL_HEADER_KEYS:
        if data.get(key) is not None:
            merged_header[key] = header[key]
    merged_header["total"] = header["total"]  # recomputed by the loader's whole-set rules unless given
    merged_header["inherited_total"] = inherited
    merged_header["format"] = max(base.format, ck.format)
    merged_header["extends"] = ref
    base.header = merged_header
    base.chain = base.chain + (source,)
    base.format = max(base.format, ck.format)
    return base


def _merge_unit_tags(ck: Checker, base: Draft, header: dict):
    """(/2) The overlay's unit tags are appended; one the base already declares is an error."""
    tags = list(base.header.get("unit_tags") or ())
    known = {t[0] for t in tags}
    for tag, label, where in header.get("unit_tags") or ():
        if tag in known:
            ck.err(where[1] + ("tag",), f"单位标签 {tag!r} 在基础标准中已声明")
        else:
            tags.append([tag, label, where])
            known.add(tag)
    base.header["unit_tags"] = tags


def _merge_levels(ck: Checker, base: Draft, data: dict):
    for key, label, min_score, where in read_levels(ck, data, new_set=False):
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


def _locate(base: Draft, code: str):
    for cat in base.all_cats():
        for i, item in enumerate(cat.items):
            if item.code == code:
                return cat, i
    return None, None


def _replace_items(ck: Checker, base: Draft, data: dict, source: Source):
    raws = data.get("replace_items")
    if raws is None or not ck.sequence(raws, ("replace_items",), "replace_items"):
        return
    codes = data.get("remove_items")
    removing = {c for c in codes if isinstance(c, str)} if isinstance(codes, list) else set()
    replaced = set()
    for i, raw in enumerate(raws):
        path = ("replace_items", i)
        item = read_item(ck, raw, path, source)
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


def _remove_items(ck: Checker, base: Draft, data: dict):
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


def _add_items(ck: Checker, base: Draft, data: dict, source: Source):
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
            item = read_item(ck, raw, path + ("items", j), source)
            if item is not None and target is not None:
                target.items.append(item)
                base.origins[id(item)] = (ck.doc, path + ("items", j))
