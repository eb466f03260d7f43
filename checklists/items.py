"""One item of a criteria document, checked and read: its common keys, and the parts of
each kind (options, bands or a linear rate, a deduction per count or per reason,
elements, a step) and its evidence. Every problem is noted at its key path; an item
with any problem is left out (None), the problems kept.

Format 2 additions (checklist-format.md, marked (/2)) are read only in a /2 document: a
/1 document that uses one is refused naming it (Checker.keys / Checker.needs_v2).
"""

from __future__ import annotations

from fractions import Fraction

from .checker import Checker
from .format import (
    BAND_KEYS,
    BELOW,
    DIRECTIONS,
    DOCUMENT_KEYS,
    ELEMENT_KEYS,
    EVIDENCE_KEYS,
    ITEM_COMMON_KEYS,
    ITEM_KIND_KEYS,
    ITEM_V2_KEYS,
    KINDS,
    LINEAR_KEYS,
    MISSING_ZERO,
    OPTION_KEYS,
    REASON_KEYS,
    ROLES,
    V2_KINDS,
    default_step,
)
from .model import Band, DocumentRule, Element, Evidence, Item, Linear, Option, Reason, Source
from .numbers import display

KINDS_TEXT = "、".join(KINDS)


def read_item(ck: Checker, raw, path, source: Source) -> Item | None:
    if not ck.mapping(raw, path, "条目"):
        return None
    before = len(ck.problems)
    kind = raw.get("kind")
    if kind is None:
        ck.err(path + ("kind",), f"缺少必填项：{KINDS_TEXT} 之一")
    elif kind not in KINDS:
        ck.err(path + ("kind",), f"类型必须是 {KINDS_TEXT} 之一，现在是 {kind!r}")
        kind = None
    elif kind in V2_KINDS and not ck.v2:
        ck.needs_v2(path + ("kind",), f"类型 kind: {kind}")
        kind = None
    allowed = ITEM_COMMON_KEYS + (ITEM_KIND_KEYS[kind] if kind else sum(ITEM_KIND_KEYS.values(), ()))
    ck.keys(raw, path, allowed, f"{kind} 类条目" if kind else "条目", v2=ITEM_V2_KEYS)
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
    voids_score = ck.boolean(raw, "voids_score", path) if ck.v2 else False
    points = ck.points(raw, "points", path, required=True, minimum=Fraction(0))
    if points is not None:
        # (a /1 file's voids_score is refused as such: its 0 points are no second problem)
        if points == 0 and not (kind == "check" and (gate or voids_score or "voids_score" in raw)):
            ck.err(path + ("points",), "分值必须大于 0（只有带 gate 或 voids_score 的 check 条件项可以为 0）")
        else:
            ck.item_points(points, path + ("points",))
    na_allowed = ck.boolean(raw, "na_allowed", path)
    extra = {}
    if ck.v2:
        extra["voids_score"] = voids_score
        for key in ("only_for", "not_for"):
            extra[key] = _read_tags(ck, raw, key, path)
        both = set(extra["only_for"]) & set(extra["not_for"])
        if both:
            ck.err(path + ("not_for",), f"单位标签 {'、'.join(sorted(both))} 不能同时出现在 only_for 和 not_for 中")
    evidence = read_evidence(ck, raw, path, points)
    if kind == "rubric":
        extra["options"] = read_options(ck, raw, path, points)
    elif kind == "number":
        extra["unit"] = ck.string(raw, "unit", path)
        direction = raw.get("direction", "higher")
        if direction not in DIRECTIONS:
            ck.err(path + ("direction",), f"方向必须是 higher 或 lower，现在是 {direction!r}")
            direction = None
        else:
            extra["direction"] = direction
        if "linear" in raw and raw.get("linear") is not None:
            if "bands" in raw:
                ck.err(path + ("linear",), "linear（线性计分）与 bands（分档）只能二选一")
            elif ck.v2:
                extra["linear"] = read_linear(ck, raw, path, points, direction)
        else:
            extra["bands"] = read_bands(ck, raw, path, points)
    elif kind == "deduct":
        extra["unit"] = ck.string(raw, "unit", path)
        if "reasons" in raw and raw.get("reasons") is not None:
            if "per" in raw:
                ck.err(path + ("reasons",), "reasons（评分点）与 per（每项扣分）只能二选一")
            elif ck.v2:
                extra["reasons"] = read_reasons(ck, raw, path)
        else:
            extra["per"] = ck.points(raw, "per", path, required=True, positive=True)
    elif kind == "score":
        extra["step"] = default_step(ck.format)
        step = ck.points(raw, "step", path, positive=True)
        if step is not None:
            extra["step"] = step
        if points is not None and points % extra["step"] != 0:
            if step is not None:
                ck.err(path + ("step",), f"满分 {display(points)} 不是步长 {display(step)} 的整数倍")
    elif kind == "elements":
        extra["elements"] = read_elements(ck, raw, path, points)
    if len(ck.problems) > before:
        return None
    return Item(code=code, title=title, requirement=requirement, points=points, kind=kind, role=role,
                excellent=excellent, guidance=guidance, gate=gate, na_allowed=na_allowed, evidence=evidence,
                source=source, **extra)


def _read_tags(ck: Checker, raw, key: str, path) -> tuple:
    """(/2) only_for / not_for: a non-empty list of tags (whether the set declares them is
    a whole-set rule, loader.py)."""
    value = raw.get(key)
    if value is None:
        return ()
    tpath = path + (key,)
    if not ck.sequence(value, tpath, key):
        return ()
    if not value:
        ck.err(tpath, "至少需要一个单位标签（不限单位时请删除此键）")
    out = []
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or not tag.strip():
            ck.err(tpath + (i,), f"单位标签必须是文本，现在是 {tag!r}")
        elif tag.strip() in out:
            ck.err(tpath + (i,), f"单位标签 {tag.strip()!r} 重复")
        else:
            out.append(tag.strip())
    return tuple(out)


def read_evidence(ck: Checker, raw, path, points=None) -> Evidence:
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
    documents, rules = (), ()
    if value.get("documents") is not None and ck.sequence(value["documents"], epath + ("documents",), "documents"):
        documents, rules = _read_documents(ck, value["documents"], epath + ("documents",), points)
    strict = ck.boolean(value, "strict", epath)
    if strict and photos == 0:
        ck.err(epath + ("strict",), "strict 需要同时给出 photos（最少照片数）")
    return Evidence(photos, documents, strict, rules)


def _read_documents(ck: Checker, raws: list, dpath, points) -> tuple:
    """Names of the documents to present; (/2) a document may be written
    `{name: 会议纪要, missing: zero | N}`: what it costs when not presented."""
    names, rules = [], []
    for i, entry in enumerate(raws):
        if isinstance(entry, dict):
            if not ck.v2:
                ck.needs_v2(dpath + (i,), "资料写成 {name, missing}（未提供时扣分）")
                continue
            ck.keys(entry, dpath + (i,), DOCUMENT_KEYS, "资料")
            name = ck.string(entry, "name", dpath + (i,), required=True)
            missing = _read_missing(ck, entry, dpath + (i,), points)
            if name is None:
                continue
            if missing is not None:
                rules.append(DocumentRule(name, missing))
        elif not isinstance(entry, str) or not entry.strip():
            ck.err(dpath + (i,), f"资料名称必须是文本，现在是 {entry!r}")
            continue
        else:
            name = entry.strip()
        if ck.v2 and name in names:
            ck.err(dpath + (i,), f"资料 {name!r} 在本条目中重复")
            continue
        names.append(name)
    return tuple(names), tuple(rules)


def _read_missing(ck: Checker, entry: dict, path, points):
    """`missing`: `zero` (the item scores 0) or points off, 0..points; None when not given."""
    if entry.get("missing") is None:
        return None
    if entry["missing"] == MISSING_ZERO:
        return MISSING_ZERO
    if isinstance(entry["missing"], str):
        ck.err(path + ("missing",), f"必须是 zero（未提供本条记 0 分）或扣分数，现在是 {entry['missing']!r}")
        return None
    value = ck.points(entry, "missing", path, minimum=Fraction(0))
    if value is not None and points is not None and value > points:
        ck.err(path + ("missing",), f"缺资料扣分 {display(value)} 超过条目满分 {display(points)}")
        return None
    return value


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
        op = ck.points(o, "points", p, required=True, minimum=Fraction(0))
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
        also = "，或 linear（线性计分）" if ck.v2 else ""
        ck.err(bpath, f"number 类条目必须给出 bands（分档）{also}")
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
        bp = ck.points(b, "points", p, required=True, minimum=Fraction(0))
        if bp is not None and points is not None and bp > points:
            ck.err(p + ("points",), f"分档分值 {display(bp)} 超过条目满分 {display(points)}")
        if at is not None and bp is not None:
            out.append(Band(at, bp))
    if out and points is not None and len(out) == len(raw["bands"]) and max(b.points for b in out) != points:
        ck.err(bpath, f"最高分档分值 {display(max(b.points for b in out))} 必须等于条目满分 {display(points)}")
    return tuple(out)


def read_linear(ck: Checker, raw, path, points, direction) -> Linear | None:
    """(/2) `linear: {at, points, step, per, below}`: 96% 得15分，每提高1%加5分."""
    lpath = path + ("linear",)
    value = raw["linear"]
    if not ck.mapping(value, lpath, "linear"):
        return None
    before = len(ck.problems)
    ck.keys(value, lpath, LINEAR_KEYS, "linear")
    at = ck.number(value, "at", lpath, required=True)
    lp = ck.points(value, "points", lpath, required=True, minimum=Fraction(0))
    if lp is not None and points is not None and lp > points:
        ck.err(lpath + ("points",), f"基准得分 {display(lp)} 超过条目满分 {display(points)}")
    step = ck.points(value, "step", lpath, required=True, positive=True)
    per = ck.points(value, "per", lpath, required=True, positive=True)
    below = value.get("below")
    if below is not None and below not in BELOW:
        ck.err(lpath + ("below",), f"只能是 zero（低于基准即记 0 分），现在是 {below!r}")
    if len(ck.problems) > before or None in (at, lp, step, per):
        return None
    linear = Linear(at, lp, step, per, below == "zero")
    if direction == "lower" and points is not None:
        # Values are never negative: the best a lower-is-better rate can give is at 0.
        best = linear.score(0, "lower", points)
        if best < points:
            ck.err(lpath, f"数值越低越好时，最好（数值为 0）也只得 {display(best)} 分，达不到满分 {display(points)}")
    return linear


def read_reasons(ck: Checker, raw, path) -> tuple:
    """(/2) `reasons`: scoring points (评分点), each its own deduction, under one cap."""
    rpath = path + ("reasons",)
    if not ck.sequence(raw["reasons"], rpath, "reasons"):
        return ()
    if not raw["reasons"]:
        ck.err(rpath, "至少需要一个评分点")
        return ()
    out, keys = [], set()
    for i, r in enumerate(raw["reasons"]):
        p = rpath + (i,)
        if not ck.mapping(r, p, "评分点"):
            continue
        before = len(ck.problems)
        ck.keys(r, p, REASON_KEYS, "评分点")
        key = ck.string(r, "key", p, required=True)
        if key is not None and key in keys:
            ck.err(p + ("key",), f"评分点键 {key!r} 在本条目中重复")
        keys.add(key)
        text = ck.string(r, "text", p, required=True)
        per = ck.points(r, "per", p, required=True, positive=True)
        unit = ck.string(r, "unit", p)
        max_count = None
        if r.get("max_count") is not None:
            m = r["max_count"]
            if isinstance(m, bool) or not isinstance(m, int) or m < 1:
                ck.err(p + ("max_count",), f"最多次数必须是不小于 1 的整数，现在是 {m!r}")
            else:
                max_count = m
        if len(ck.problems) == before:
            out.append(Reason(key, text, per, unit, max_count))
    return tuple(out)


def read_elements(ck: Checker, raw, path, points) -> tuple:
    """(/2) `elements`: 每做到一项得X分; their points add up to at least the item's."""
    epath = path + ("elements",)
    if raw.get("elements") is None:
        ck.err(epath, "elements 类条目必须给出 elements（要素）")
        return ()
    if not ck.sequence(raw["elements"], epath, "elements"):
        return ()
    if not raw["elements"]:
        ck.err(epath, "至少需要一个要素")
        return ()
    out, keys = [], set()
    for i, e in enumerate(raw["elements"]):
        p = epath + (i,)
        if not ck.mapping(e, p, "要素"):
            continue
        before = len(ck.problems)
        ck.keys(e, p, ELEMENT_KEYS, "要素")
        key = ck.string(e, "key", p, required=True)
        if key is not None and key in keys:
            ck.err(p + ("key",), f"要素键 {key!r} 在本条目中重复")
        keys.add(key)
        text = ck.string(e, "text", p, required=True)
        ep = ck.points(e, "points", p, required=True, positive=True)
        if len(ck.problems) == before:
            out.append(Element(key, text, ep))
    if out and points is not None and len(out) == len(raw["elements"]):
        total = sum((e.points for e in out), Fraction(0))
        if total < points:
            ck.err(epath, f"要素分值合计 {display(total)} 小于条目满分 {display(points)}：全部做到也拿不到满分")
    return tuple(out)
