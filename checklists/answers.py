"""Answers: the value given for each item, validated against a checklist."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .errors import ChecklistError
from .model import Checklist, Item
from .source import Document, Refused, number_or_none, read_document
from .numbers import display, value_problem
from .wording import applies_text

NA = "na"
ANSWERS_KEYS = ("checklist", "unit_tags", "answers", "photos", "documents")


@dataclass
class Answers:
    """Plain input to the scoring engine.

    values: item code -> True/False, rubric label, exact number, or "na"; (/2) for a
        deduct item with reasons, {reason key: whole count} (keys left out count 0); for
        an elements item, the list of the element keys met.
    photos: item code -> attached photo count.
    documents: item code -> names of the 台账/资料 presented (left out: none presented).
    unit_tags: (/2) the unit's tags, for only_for / not_for.
    """

    values: dict = field(default_factory=dict)
    photos: dict = field(default_factory=dict)
    documents: dict = field(default_factory=dict)
    unit_tags: frozenset = frozenset()

    def __post_init__(self):
        self.unit_tags = frozenset(self.unit_tags or ())


def shown(value) -> str:
    """A value as a person reads it in a message: 96, 0.33, “text”, true / false; never
    a Python repr such as Fraction(1, 1)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Fraction)):
        try:
            return display(value)
        except (ValueError, OverflowError):  # inf, nan
            return str(value)
    if isinstance(value, str):
        return f"“{value}”"
    if value is None:
        return "空值"
    if isinstance(value, dict):
        return "一组键值"
    if isinstance(value, (list, tuple)):
        return "一个列表"
    return str(value)


def check_value(item: Item, value):
    """Return (normalised value, None) or (None, Chinese message) for one answer."""
    if isinstance(value, str) and value.strip().lower() == NA:
        if item.na_allowed:
            return NA, None
        return None, "此条目不允许填“不涉及”(na)"
    kind = item.kind
    if kind == "check":
        if isinstance(value, bool):
            return value, None
        return None, f"应为 true 或 false，现在是 {shown(value)}"
    if kind == "rubric":
        if isinstance(value, str) and item.option_points(value.strip()) is not None:
            return value.strip(), None
        labels = "、".join(o.label for o in item.options)
        return None, f"评级 {shown(value)} 不存在（可选：{labels}）"
    if kind == "deduct" and item.reasons:
        return _check_counts(item, value)
    if kind == "elements":
        return _check_elements(item, value)
    problem = value_problem(value)  # a number out of range, before any exact arithmetic on it
    if problem:
        return None, problem
    number = number_or_none(value)
    if number is None:
        return None, f"应为数字，现在是 {shown(value)}"
    if kind == "number":
        if number < 0:
            return None, f"数值不能为负，现在是 {display(number)}"
        return number, None
    if kind == "deduct":
        if number < 0 or number.denominator != 1:
            return None, f"缺项数必须是不小于 0 的整数，现在是 {display(number)}"
        return number, None
    if kind == "score":
        if not (0 <= number <= item.points):
            return None, f"得分必须在 0 到 {display(item.points)} 之间，现在是 {display(number)}"
        if number % item.step != 0:
            return None, f"得分必须是 {display(item.step)} 的整数倍，现在是 {display(number)}"
        return number, None
    return None, f"未知类型 {kind}"


def _whole_count(value):
    """A whole number >= 0 as an int, or None."""
    if value_problem(value):
        return None
    number = number_or_none(value)
    if number is None or number < 0 or number.denominator != 1:
        return None
    return int(number)


def _check_counts(item: Item, value):
    """(/2) A deduct item with reasons: {reason key: whole count}, keys left out count 0.
    Normalised to the reasons' order, counts of 0 left out."""
    keys = "、".join(r.key for r in item.reasons)
    if not isinstance(value, dict):
        return None, f"应为各评分点的次数（评分点键: 次数，可用：{keys}），现在是 {shown(value)}"
    counts = {}
    for key, count in value.items():
        reason = item.reason(key.strip()) if isinstance(key, str) else None
        if reason is None:
            return None, f"未知的评分点 {shown(key)}（可用：{keys}）"
        if count is None:
            continue  # left blank: 0
        n = _whole_count(count)
        if n is None:
            return None, f"评分点 {reason.key}（{reason.text}）的次数必须是不小于 0 的整数，现在是 {shown(count)}"
        if reason.max_count is not None and n > reason.max_count:
            return None, f"评分点 {reason.key}（{reason.text}）最多 {reason.max_count} 次，现在是 {n}"
        counts[reason.key] = n
    return {r.key: counts[r.key] for r in item.reasons if counts.get(r.key)}, None


def _check_elements(item: Item, value):
    """(/2) An elements item: the list of the element keys met, normalised to the
    elements' order."""
    keys = "、".join(e.key for e in item.elements)
    if not isinstance(value, (list, tuple)):
        return None, f"应为已做到的要素键列表（可用：{keys}），现在是 {shown(value)}"
    met = set()
    for key in value:
        element = item.element(key.strip()) if isinstance(key, str) else None
        if element is None:
            return None, f"未知的要素 {shown(key)}（可用：{keys}）"
        if element.key in met:
            return None, f"要素 {element.key} 重复"
        met.add(element.key)
    return [e.key for e in item.elements if e.key in met], None


def parse_answers(doc: Document, checklist: Checklist) -> Answers:
    """Validate an answers document against a checklist; every problem is reported."""
    problems = list(doc.problems)
    data = doc.data

    def err(path, message):
        problems.append(doc.problem(path, message))

    if not isinstance(data, dict):
        raise ChecklistError([doc.problem((), "顶层必须是映射（键: 值）")])
    for key in data:
        if key not in ANSWERS_KEYS:
            err((key,), f"未知的键 {key!r}（允许：{'、'.join(ANSWERS_KEYS)}）")
    ref = data.get("checklist")
    if ref is not None:
        if not isinstance(ref, dict):
            err(("checklist",), "必须是 {id, version}")
        else:
            if ref.get("id") is not None and ref.get("id") != checklist.id:
                err(("checklist", "id"), f"答卷对应标准 {ref.get('id')!r}，但评分用的是 {checklist.id!r}")
            if ref.get("version") is not None and str(ref.get("version")) != checklist.version:
                err(("checklist", "version"),
                    f"答卷对应版本 {ref.get('version')!r}，但评分用的是 {checklist.version!r}")
    index = checklist.item_index()
    answers = Answers(unit_tags=_parse_tags(data, checklist, err))
    raw_answers = data.get("answers") or {}
    if not isinstance(raw_answers, dict):
        err(("answers",), "必须是映射：条目编号: 值")
        raw_answers = {}
    for code, value in raw_answers.items():
        path = ("answers", code)
        code = str(code) if not isinstance(code, str) else code
        if code not in index:
            err(path, f"条目 {code!r} 不在标准 {checklist.id}@{checklist.version} 中")
            continue
        if value is None or isinstance(value, Refused):
            continue  # left blank: unanswered (or refused by the parser, which said why)
        if not index[code].applies_to(answers.unit_tags):
            err(path, f"条目 {code} 不适用于本单位（{applies_text(index[code], checklist)}），不能填写")
            continue
        normal, message = check_value(index[code], value)
        if message:
            err(path, f"条目 {code}：{message}")
        else:
            answers.values[code] = normal
    raw_photos = data.get("photos") or {}
    if not isinstance(raw_photos, dict):
        err(("photos",), "必须是映射：条目编号: 照片张数")
        raw_photos = {}
    for code, count in raw_photos.items():
        path = ("photos", code)
        if str(code) not in index:
            err(path, f"条目 {code!r} 不在标准中")
        elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
            err(path, f"照片张数必须是不小于 0 的整数，现在是 {count!r}")
        else:
            answers.photos[str(code)] = count
    raw_docs = data.get("documents") or {}
    if not isinstance(raw_docs, dict):
        err(("documents",), "必须是映射：条目编号: [已提供的资料名称]")
        raw_docs = {}
    for code, names in raw_docs.items():
        path = ("documents", code)
        if str(code) not in index:
            err(path, f"条目 {code!r} 不在标准中")
        elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            err(path, "必须是资料名称的列表")
        else:
            names = [n.strip() for n in names]
            required = index[str(code)].evidence.documents
            unknown = [n for n in names if n not in required]
            if checklist.format >= 2 and unknown:  # (/2) a document name the item does not ask for
                known = "、".join(required) if required else "本条目不要求资料"
                err(path, f"条目 {code}：资料 {'、'.join(unknown)} 不在本条目的资料中（{known}）")
            else:
                answers.documents[str(code)] = names
    if problems:
        raise ChecklistError(problems)
    return answers


def _parse_tags(data: dict, checklist: Checklist, err) -> frozenset:
    """(/2) `unit_tags: [big]`: the unit's tags, each declared by the set."""
    raw = data.get("unit_tags")
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        err(("unit_tags",), "必须是单位标签的列表，如 [big]")
        return frozenset()
    declared = [t.tag for t in checklist.unit_tags]
    tags = set()
    for i, tag in enumerate(raw):
        if not isinstance(tag, str) or tag.strip() not in declared:
            known = "已声明：" + "、".join(declared) if declared else "标准未声明任何单位标签"
            err(("unit_tags", i), f"单位标签 {shown(tag)} 未在标准 {checklist.id}@{checklist.version} 中声明（{known}）")
        else:
            tags.add(tag.strip())
    return frozenset(tags)


def load_answers(path, checklist: Checklist) -> Answers:
    """Read and validate an answers file (YAML or JSON)."""
    return parse_answers(read_document(Path(path)), checklist)
