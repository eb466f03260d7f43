"""A merged Checklist back to plain data in the base format (`dabiao-checklist/1`, or
`/2` when the set is /2): loading that data again gives an equal set."""

from __future__ import annotations

from fractions import Fraction

from .format import default_step, format_name
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


def item_to_dict(item: Item, with_source: bool = False, format: int = 1) -> dict:
    """One item; `format` is the set's (a score item's default step depends on it)."""
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
    if item.voids_score:
        d["voids_score"] = True
    if item.na_allowed:
        d["na_allowed"] = True
    if item.only_for:
        d["only_for"] = list(item.only_for)
    if item.not_for:
        d["not_for"] = list(item.not_for)
    if item.kind == "rubric":
        d["options"] = [{"label": o.label, "points": plain_number(o.points)} for o in item.options]
    elif item.kind == "number":
        if item.unit:
            d["unit"] = item.unit
        if item.direction != "higher":
            d["direction"] = item.direction
        if item.linear is not None:
            lin = item.linear
            d["linear"] = {"at": plain_number(lin.at), "points": plain_number(lin.points),
                           "step": plain_number(lin.step), "per": plain_number(lin.per)}
            if lin.below_zero:
                d["linear"]["below"] = "zero"
        else:
            d["bands"] = [{"at": plain_number(b.at), "points": plain_number(b.points)} for b in item.bands]
    elif item.kind == "deduct":
        if item.reasons:
            d["reasons"] = [_reason(r) for r in item.reasons]
        else:
            d["per"] = plain_number(item.per)
        if item.unit:
            d["unit"] = item.unit
    elif item.kind == "score" and item.step != default_step(format):
        d["step"] = plain_number(item.step)
    elif item.kind == "elements":
        d["elements"] = [{"key": e.key, "text": e.text, "points": plain_number(e.points)} for e in item.elements]
    ev = item.evidence
    if ev.photos or ev.documents or ev.strict:
        e = {}
        if ev.photos:
            e["photos"] = ev.photos
        if ev.documents:
            e["documents"] = [_document(name, ev.rule(name)) for name in ev.documents]
        if ev.strict:
            e["strict"] = True
        d["evidence"] = e
    if with_source and item.source:
        d["source"] = {"id": item.source.id, "version": item.source.version, "label": item.source.label}
    return d


def _reason(r) -> dict:
    d = {"key": r.key, "text": r.text, "per": plain_number(r.per)}
    if r.unit:
        d["unit"] = r.unit
    if r.max_count is not None:
        d["max_count"] = r.max_count
    return d


def _document(name: str, rule):
    """A plain name, or (/2) {name, missing} for a document that costs points."""
    if rule is None:
        return name
    return {"name": name, "missing": rule.missing if rule.zero else plain_number(rule.missing)}


def category_to_dict(category: Category, with_source: bool = False, format: int = 1) -> dict:
    d = {"code": category.code, "title": category.title}
    if category.points is not None:
        d["points"] = plain_number(category.points)
    if category.min_ratio:
        d["min_ratio"] = {k: plain_number(v) for k, v in category.min_ratio.items()}
    if category.items:
        d["items"] = [item_to_dict(i, with_source, format) for i in category.items]
    if category.categories:
        d["categories"] = [category_to_dict(c, with_source, format) for c in category.categories]
    return d


def checklist_to_dict(checklist: Checklist, with_source: bool = False) -> dict:
    """The merged set as a self-contained base set (overlays flattened)."""
    d = {"format": format_name(checklist.format), "id": checklist.id, "version": checklist.version,
         "title": checklist.title}
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
    if checklist.penalty_cap is not None:
        d["penalty_cap"] = plain_number(checklist.penalty_cap)
    if checklist.unit_tags:
        d["unit_tags"] = [{"tag": t.tag, "label": t.label} for t in checklist.unit_tags]
    d["categories"] = [category_to_dict(c, with_source, checklist.format) for c in checklist.categories]
    if with_source and checklist.extends:
        d["extends"] = {"id": checklist.extends[0], "version": checklist.extends[1]}
    return d
