"""A merged Checklist back to plain data in the `dabiao-checklist/1` base format."""

from __future__ import annotations

from fractions import Fraction

from .format import DEFAULT_STEP, FORMAT
from .model import Category, Checklist, Item


def plain_number(value: Fraction):
    """An exact number as the plainest YAML/JSON value: 3, 2.5, or a float for thirds."""
    value = Fraction(value)
    if value.denominator == 1:
        return int(value)
    return float(value)


def plain(value):
    """Document data as YAML/JSON-safe values: exact numbers as int or float."""
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Fraction):
        return plain_number(value)
    return value


def item_to_dict(item: Item, with_source: bool = False) -> dict:
    d = {"code": item.code, "title": item.title, "requirement": item.requirement}
    if item.excellent:
        d["excellent"] = item.excellent
    if item.guidance:
        d["guidance"] = item.guidance
    d["points"] = plain_number(item.points)
    d["kind"] = item.kind
    if item.role != "base":
        d["role"] = item.role
    if item.gate:
        d["gate"] = item.gate
    if item.na_allowed:
        d["na_allowed"] = True
    if item.kind == "rubric":
        d["options"] = [{"label": o.label, "points": plain_number(o.points)} for o in item.options]
    elif item.kind == "number":
        if item.unit:
            d["unit"] = item.unit
        if item.direction != "higher":
            d["direction"] = item.direction
        d["bands"] = [{"at": plain_number(b.at), "points": plain_number(b.points)} for b in item.bands]
    elif item.kind == "deduct":
        d["per"] = plain_number(item.per)
        if item.unit:
            d["unit"] = item.unit
    elif item.kind == "score" and item.step != DEFAULT_STEP:
        d["step"] = plain_number(item.step)
    ev = item.evidence
    if ev.photos or ev.documents or ev.strict:
        e = {}
        if ev.photos:
            e["photos"] = ev.photos
        if ev.documents:
            e["documents"] = list(ev.documents)
        if ev.strict:
            e["strict"] = True
        d["evidence"] = e
    if with_source and item.source:
        d["source"] = {"id": item.source.id, "version": item.source.version, "label": item.source.label}
    return d


def category_to_dict(category: Category, with_source: bool = False) -> dict:
    d = {"code": category.code, "title": category.title}
    if category.min_ratio:
        d["min_ratio"] = {k: plain_number(v) for k, v in category.min_ratio.items()}
    if category.items:
        d["items"] = [item_to_dict(i, with_source) for i in category.items]
    if category.categories:
        d["categories"] = [category_to_dict(c, with_source) for c in category.categories]
    return d


def checklist_to_dict(checklist: Checklist, with_source: bool = False) -> dict:
    """The merged set as a self-contained base set (overlays flattened)."""
    d = {"format": FORMAT, "id": checklist.id, "version": checklist.version, "title": checklist.title}
    if checklist.issuer:
        d["issuer"] = checklist.issuer
    if checklist.level:
        d["level"] = checklist.level
    if checklist.year is not None:
        d["year"] = checklist.year
    if checklist.applies_to:
        d["applies_to"] = list(checklist.applies_to)
    d["total"] = plain_number(checklist.total)
    d["levels"] = [{"key": lv.key, "label": lv.label, "min_score": plain_number(lv.min_score)}
                   for lv in checklist.levels]
    if checklist.bonus_cap is not None:
        d["bonus_cap"] = plain_number(checklist.bonus_cap)
    d["categories"] = [category_to_dict(c, with_source) for c in checklist.categories]
    if with_source and checklist.extends:
        d["extends"] = {"id": checklist.extends[0], "version": checklist.extends[1]}
    return d
