"""The scoring engine: (checklist, answers) -> result, exactly as checklist-format.md says
(format 1 and the (/2) rules of format 2: reasons, elements, linear rates, documents
that count, voids_score, only_for / not_for, penalty_cap).

Pure functions over plain data; all arithmetic in Fractions. Rounding happens only when
a result is shown (`to_json`, `numbers.display`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .answers import NA, Answers
from .model import Category, Checklist, Item, Linear
from .numbers import to_json_number

ZERO = Fraction(0)
FAIL_KEY, FAIL_LABEL = "fail", "未达标"

# Item statuses shown by the UI and reports.
UNANSWERED, FULL, PARTIAL, NONE, NOT_APPLICABLE = "unanswered", "full", "partial", "zero", "na"


@dataclass(frozen=True)
class ReasonLoss:
    """(/2) A scoring point that took points off: `per * count`, in the item's own points,
    before the item's cap."""

    key: str
    text: str
    count: int
    lost: Fraction


@dataclass(frozen=True)
class DocumentLoss:
    """(/2) A document not presented and what it actually took off the item."""

    name: str
    lost: Fraction


@dataclass(frozen=True)
class ItemResult:
    code: str
    status: str  # unanswered | full | partial | zero | na
    score: Fraction  # 0 when unanswered or na
    points: Fraction
    missing_photos: int
    missing_documents: tuple[str, ...]
    evidence_zeroed: bool  # strict evidence rule set the score to 0
    excluded: bool = False  # (/2) status na because the item does not apply to the unit's tags
    reasons: tuple[ReasonLoss, ...] = ()  # (/2) deduct with reasons: those counted
    elements_missing: tuple[str, ...] = ()  # (/2) elements items: keys of the elements not met
    documents_lost: tuple[DocumentLoss, ...] = ()  # (/2) documents that took points off

    @property
    def answered(self) -> bool:
        return self.status != UNANSWERED

    @property
    def fully_met(self) -> bool:
        return self.status == FULL


@dataclass(frozen=True)
class CategoryResult:
    code: str
    title: str
    earned: Fraction
    applicable: Fraction
    answered: int
    count: int

    @property
    def ratio(self) -> Fraction | None:
        return self.earned / self.applicable if self.applicable else None


@dataclass(frozen=True)
class LevelResult:
    key: str
    label: str
    min_score: Fraction
    reached: bool
    short_by: Fraction
    blocking_items: tuple[str, ...]
    blocking_categories: tuple[str, ...]


@dataclass(frozen=True)
class GapItem:
    code: str
    title: str
    role: str
    score: Fraction
    points: Fraction
    lost: Fraction
    requirement: str
    excellent: str | None
    missing_photos: int
    missing_documents: tuple[str, ...]
    unanswered: bool
    reasons: tuple[ReasonLoss, ...] = ()  # (/2)
    elements_missing: tuple[str, ...] = ()  # (/2)
    documents_lost: tuple[DocumentLoss, ...] = ()  # (/2)


@dataclass(frozen=True)
class ScoreResult:
    checklist: Checklist
    total: Fraction
    earned: Fraction
    applicable: Fraction
    base: Fraction
    bonus: Fraction
    penalty: Fraction
    final: Fraction
    level: str
    level_label: str
    levels: tuple[LevelResult, ...]
    categories: tuple[CategoryResult, ...]  # top-level only
    category_index: dict = field(repr=False)  # every category code -> CategoryResult
    items: dict = field(repr=False)  # item code -> ItemResult
    unanswered: tuple[str, ...] = ()
    gap: tuple[GapItem, ...] = ()
    voided_by: tuple[str, ...] = ()  # (/2) voids_score items that set final to 0
    not_applicable: tuple[str, ...] = ()  # (/2) items left out by the unit's tags
    unit_tags: tuple[str, ...] = ()  # (/2) the tags scored with

    @property
    def voided(self) -> bool:
        return bool(self.voided_by)

    def next_level(self) -> LevelResult | None:
        """The lowest level not yet reached, or None at the top."""
        return next((lv for lv in self.levels if not lv.reached), None)

    def to_json(self) -> dict:
        """The score JSON of design.md (figures half-up to 2 decimals, ratios to 4); a
        format 2 set adds `not_applicable`, `voided_by` and, in gap entries where they
        apply, `reasons`, `elements_missing` and `documents_lost`."""
        c = self.checklist
        out = {
            "checklist": {"id": c.id, "version": c.version, "title": c.title},
            "total": to_json_number(self.total),
            "base": to_json_number(self.base),
            "bonus": to_json_number(self.bonus),
            "penalty": to_json_number(self.penalty),
            "final": to_json_number(self.final),
            "level": self.level,
            "level_label": self.level_label,
            "levels": [
                {"key": lv.key, "label": lv.label, "min_score": to_json_number(lv.min_score), "reached": lv.reached,
                 "short_by": to_json_number(lv.short_by), "blocking_items": list(lv.blocking_items),
                 "blocking_categories": list(lv.blocking_categories)}
                for lv in self.levels
            ],
            "categories": [
                {"code": cr.code, "title": cr.title, "earned": to_json_number(cr.earned),
                 "applicable": to_json_number(cr.applicable),
                 "ratio": to_json_number(cr.ratio, 4) if cr.ratio is not None else None}
                for cr in self.categories
            ],
            "unanswered": list(self.unanswered),
            "gap": [self._gap_json(g) for g in self.gap],
        }
        if c.format >= 2:
            out["not_applicable"] = list(self.not_applicable)
            out["voided_by"] = list(self.voided_by)
        return out

    def _gap_json(self, g: GapItem) -> dict:
        d = {"code": g.code, "title": g.title, "score": to_json_number(g.score),
             "points": to_json_number(g.points), "lost": to_json_number(g.lost),
             "requirement": g.requirement, "excellent": g.excellent,
             "missing_evidence": {"photos": g.missing_photos, "documents": list(g.missing_documents)}}
        item = self.checklist.item_index().get(g.code)
        if item is not None and item.reasons:
            d["reasons"] = [{"key": r.key, "text": r.text, "count": r.count, "lost": to_json_number(r.lost)}
                            for r in g.reasons]
        if item is not None and item.kind == "elements":
            d["elements_missing"] = list(g.elements_missing)
        if item is not None and item.evidence.rules:
            d["documents_lost"] = [{"name": x.name, "lost": to_json_number(x.lost)} for x in g.documents_lost]
        return d


def linear_score(linear: Linear, direction: str, points: Fraction, value) -> Fraction:
    """(/2) A linear rate's score (Linear.score): within 0..points."""
    return linear.score(value, direction, points)


def value_score(item: Item, value) -> Fraction:
    """The score the value alone gives (value already validated), within 0..points."""
    kind = item.kind
    if kind == "check":
        raw = item.points if value is True else ZERO
    elif kind == "rubric":
        raw = item.option_points(value) or ZERO
    elif kind == "number":
        if item.linear is not None:
            return linear_score(item.linear, item.direction, item.points, value)
        value = Fraction(value)
        if item.direction == "lower":
            reached = [b.points for b in item.bands if value <= b.at]
        else:
            reached = [b.points for b in item.bands if value >= b.at]
        raw = max(reached, default=ZERO)
    elif kind == "deduct":
        if item.reasons:
            raw = item.points - sum((r.per * Fraction(value.get(r.key, 0)) for r in item.reasons), ZERO)
        else:
            raw = item.points - item.per * Fraction(value)
    elif kind == "score":
        raw = Fraction(value)
    elif kind == "elements":
        met = set(value)
        raw = sum((e.points for e in item.elements if e.key in met), ZERO)
    else:  # pragma: no cover - the loader refuses unknown kinds
        raise ValueError(kind)
    return min(item.points, max(ZERO, raw))


def item_breakdown(item: Item, value, photos: int = 0, documents=None) -> tuple[Fraction, tuple, bool]:
    """(score, documents that took points off, whether strict photos zeroed it) of one
    answered item, in the order of the spec: the value's score; minus each `missing: N`
    document not presented (never below 0); then 0 when a `missing: zero` document is not
    presented or strict photos are short. `documents`: the names presented (None: none)."""
    s = value_score(item, value)
    ev = item.evidence
    presented = set(documents or ())
    lost = []
    for rule in ev.rules:
        if not rule.zero and rule.name not in presented:
            take = min(rule.missing, s)
            s -= take
            if take:
                lost.append(DocumentLoss(rule.name, take))
    for rule in ev.rules:
        if rule.zero and rule.name not in presented and s:
            lost.append(DocumentLoss(rule.name, s))
            s = ZERO
    zeroed = ev.strict and photos < ev.photos
    if zeroed:
        s = ZERO
    return s, tuple(lost), zeroed


def item_score(item: Item, value, photos: int = 0, documents=None) -> Fraction:
    """The score of one answered item (value already validated), within 0..points;
    `documents` are the names presented (None: none, which only matters for (/2)
    documents that count)."""
    return item_breakdown(item, value, photos, documents)[0]


def evaluate_item(item: Item, answers: Answers) -> ItemResult:
    """Score and status of one item under the given answers."""
    if not item.applies_to(answers.unit_tags):
        return ItemResult(item.code, NOT_APPLICABLE, ZERO, item.points, 0, (), False, excluded=True)
    value = answers.values.get(item.code)
    photos = answers.photos.get(item.code, 0)
    missing_photos = max(0, item.evidence.photos - photos)
    presented = answers.documents.get(item.code)
    missing_docs = tuple(d for d in item.evidence.documents if presented is None or d not in presented)
    if value is None:
        elements = tuple(e.key for e in item.elements)
        return ItemResult(item.code, UNANSWERED, ZERO, item.points, missing_photos, missing_docs, False,
                          elements_missing=elements)
    if value == NA:
        return ItemResult(item.code, NOT_APPLICABLE, ZERO, item.points, 0, (), False)
    s, documents_lost, zeroed = item_breakdown(item, value, photos, presented)
    if item.points == 0:  # a pure condition: met when true
        status = FULL if value is True else NONE
    elif s == item.points:
        status = FULL
    elif s == 0:
        status = NONE
    else:
        status = PARTIAL
    reasons, elements = (), ()
    if item.reasons:
        reasons = tuple(ReasonLoss(r.key, r.text, int(value[r.key]), r.per * value[r.key])
                        for r in item.reasons if value.get(r.key))
    if item.kind == "elements":
        met = set(value)
        elements = tuple(e.key for e in item.elements if e.key not in met)
    return ItemResult(item.code, status, s, item.points, missing_photos, missing_docs, zeroed,
                      reasons=reasons, elements_missing=elements, documents_lost=documents_lost)


def _category_result(category: Category, items: dict) -> CategoryResult:
    earned = applicable = ZERO
    answered = count = 0
    for item in category.walk_items():
        r = items[item.code]
        if item.role != "base" or r.excluded:
            continue
        count += 1
        answered += r.answered
        if r.status == NOT_APPLICABLE:
            continue
        applicable += item.points
        earned += r.score
    return CategoryResult(category.code, category.title, earned, applicable, answered, count)


def score(checklist: Checklist, answers: Answers | dict) -> ScoreResult:
    """Score a set of answers against a merged checklist."""
    if isinstance(answers, dict):
        answers = Answers(values=dict(answers))
    all_items = list(checklist.items())
    items = {item.code: evaluate_item(item, answers) for item in all_items}

    earned = applicable = ZERO
    bonus_sum = penalty_sum = ZERO
    for item in all_items:
        r = items[item.code]
        if item.role == "base" and r.status != NOT_APPLICABLE:
            applicable += item.points
            earned += r.score
        elif item.role == "bonus" and r.answered:
            bonus_sum += r.score
        elif item.role == "penalty" and r.answered and r.status != NOT_APPLICABLE:
            penalty_sum += item.points - r.score
    total = checklist.total
    base = earned / applicable * total if applicable else ZERO
    bonus = min(bonus_sum, checklist.bonus_cap) if checklist.bonus_cap is not None else bonus_sum
    penalty = min(penalty_sum, checklist.penalty_cap) if checklist.penalty_cap is not None else penalty_sum
    final = max(ZERO, base + bonus - penalty)
    # (/2) 一票否决，总分记零: answered and not fully met (na or not applicable: neither).
    voided_by = tuple(item.code for item in all_items if item.voids_score
                      and items[item.code].status not in (UNANSWERED, NOT_APPLICABLE)
                      and not items[item.code].fully_met)
    if voided_by:
        final = ZERO

    category_index = {c.code: _category_result(c, items) for c in checklist.all_categories()}
    top = tuple(category_index[c.code] for c in checklist.categories)

    levels = _levels(checklist, items, top, final)
    reached = [lv for lv in levels if lv.reached]
    level_key, level_label = (reached[-1].key, reached[-1].label) if reached else (FAIL_KEY, FAIL_LABEL)

    unanswered = tuple(item.code for item in all_items if not items[item.code].answered)
    not_applicable = tuple(item.code for item in all_items if items[item.code].excluded)
    gap = _gap(checklist, all_items, items, total, applicable)
    return ScoreResult(checklist, total, earned, applicable, base, bonus, penalty, final, level_key, level_label,
                       levels, top, category_index, items, unanswered, gap, voided_by, not_applicable,
                       tuple(sorted(answers.unit_tags)))


def _levels(checklist: Checklist, items: dict, top: tuple, final: Fraction) -> tuple[LevelResult, ...]:
    """Each level with reached / short_by and what blocks it (its own bars and those below).
    A voids_score item (/2) acts as a gate on the lowest level."""
    out = []
    blocking_items: list[str] = []
    blocking_cats: list[str] = []
    all_lower_reached = True
    for n, level in enumerate(checklist.levels):
        for item in checklist.items():
            if item.gate == level.key or (n == 0 and item.voids_score):
                r = items[item.code]
                if r.status != NOT_APPLICABLE and not r.fully_met and item.code not in blocking_items:
                    blocking_items.append(item.code)
        for cr, category in zip(top, checklist.categories):
            bar = category.min_ratio.get(level.key)
            if bar is not None and cr.applicable and cr.ratio < bar and cr.code not in blocking_cats:
                blocking_cats.append(cr.code)
        reached = all_lower_reached and final >= level.min_score and not blocking_items and not blocking_cats
        all_lower_reached = reached
        out.append(LevelResult(level.key, level.label, level.min_score, reached, max(ZERO, level.min_score - final),
                               tuple(blocking_items), tuple(blocking_cats)))
    return tuple(out)


def _gap(checklist: Checklist, all_items: list, items: dict, total: Fraction, applicable: Fraction) -> tuple:
    """Base items not fully met and penalty items that took points off, largest loss first."""
    scale = total / applicable if applicable else ZERO
    gaps = []
    for order, item in enumerate(all_items):
        r = items[item.code]
        if item.role == "base":
            if r.status in (FULL, NOT_APPLICABLE):
                continue
            lost = (item.points - r.score) * scale
        elif item.role == "penalty":
            if not r.answered or r.status == NOT_APPLICABLE or r.score == item.points:
                continue
            lost = item.points - r.score
        else:
            continue
        gaps.append((-lost, order, GapItem(item.code, item.title, item.role, r.score, item.points, lost,
                                           item.requirement, item.excellent, r.missing_photos,
                                           r.missing_documents, not r.answered, r.reasons, r.elements_missing,
                                           r.documents_lost)))
    gaps.sort(key=lambda g: (g[0], g[1]))
    return tuple(g[2] for g in gaps)
