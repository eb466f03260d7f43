"""Property tests (hypothesis) over generated format 2 sets: every (/2) rule mixed with
those of format 1 (reasons, elements, linear rates, documents that count, voids_score,
only_for / not_for, penalty_cap, category points, decimals). Scores stay in bounds, the
gap adds up, a better answer never lowers the score or the level, and a flattened set
scores exactly like the original."""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checklists import Answers, score
from checklists.answers import NA, check_value
from checklists.numbers import exact
from checklists.serialize import checklist_to_dict

from sets import load_data

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
F = Fraction
TAGS = ["big", "small", "border"]


def num(value: Fraction):
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)


def cents(draw, low: int, high: int) -> Fraction:
    """A number with at most 2 decimals in low/100 .. high/100."""
    return F(draw(st.integers(low, high)), 100)


# --------------------------------------------------------------------------- generated sets


@st.composite
def item_dict(draw, code: str, level_keys: list, tags: list, role=None, plain=False):
    kind = draw(st.sampled_from(["check", "rubric", "number", "linear", "deduct", "reasons", "score", "elements"]))
    role = role or draw(st.sampled_from(["base", "base", "base", "bonus", "penalty"]))
    points = cents(draw, 1, 600)
    d = {"code": code, "title": f"条目{code}", "requirement": f"要求{code}",
         "kind": {"linear": "number", "reasons": "deduct"}.get(kind, kind)}
    if role != "base":
        d["role"] = role
    if draw(st.integers(0, 6)) == 0:
        d["gate"] = draw(st.sampled_from(level_keys))
    if draw(st.integers(0, 8)) == 0:
        d["voids_score"] = True
    if kind == "check" and ("gate" in d or "voids_score" in d) and draw(st.booleans()):
        points = F(0)
    d["points"] = num(points)
    if draw(st.booleans()):
        d["na_allowed"] = True
    if tags and not plain and draw(st.integers(0, 3)) == 0:
        d[draw(st.sampled_from(["only_for", "not_for"]))] = draw(st.lists(st.sampled_from(tags), min_size=1,
                                                                          max_size=2, unique=True))
    top = int(points * 100)
    if kind == "rubric":
        values = [points] + [cents(draw, 0, top) for _ in range(draw(st.integers(0, 3)))]
        d["options"] = [{"label": f"档{i}", "points": num(v)} for i, v in enumerate(draw(st.permutations(values)))]
    elif kind == "number":
        ats = draw(st.lists(st.integers(0, 40), min_size=1, max_size=3, unique=True))
        pts = draw(st.permutations([points] + [cents(draw, 0, top) for _ in ats[1:]]))
        d["bands"] = [{"at": a, "points": num(p)} for a, p in zip(ats, pts)]
        if draw(st.booleans()):
            d["direction"] = "lower"
    elif kind == "linear":
        lp, per = cents(draw, 0, top), cents(draw, 1, 300)
        step = draw(st.sampled_from([F(1), F(1, 2), F(1, 4), F(2), F(1, 100)]))
        lin = {"points": num(lp), "step": num(step), "per": num(per)}
        if draw(st.booleans()):
            d["direction"] = "lower"  # at far enough above 0 that 0 reaches full points
            lin["at"] = num(math.ceil((points - lp) / per) * step + draw(st.integers(0, 3)))
        else:
            lin["at"] = draw(st.integers(0, 100))
        if draw(st.booleans()):
            lin["below"] = "zero"
        d["linear"] = lin
    elif kind == "deduct":
        d["per"] = num(cents(draw, 1, 300))
    elif kind == "reasons":
        d["reasons"] = []
        for i in range(draw(st.integers(1, 3))):
            r = {"key": f"r{i}", "text": f"评分点{i}", "per": num(cents(draw, 1, 300))}
            if draw(st.booleans()):
                r["max_count"] = draw(st.integers(1, 3))
            d["reasons"].append(r)
    elif kind == "score":
        if draw(st.booleans()):
            d["step"] = num(points)
    elif kind == "elements":
        els = [cents(draw, 1, top) for _ in range(draw(st.integers(1, 5)))]
        if sum(els) < points:
            els[-1] += points - sum(els)
        d["elements"] = [{"key": f"e{i}", "text": f"要素{i}", "points": num(p)} for i, p in enumerate(els)]
    if draw(st.booleans()):
        docs = []
        for i in range(draw(st.integers(1, 3))):
            rule = draw(st.sampled_from([None, "zero", "n"]))
            if rule is None:
                docs.append(f"资料{i}")
            else:
                docs.append({"name": f"资料{i}", "missing": "zero" if rule == "zero" else num(cents(draw, 0, top))})
        d["evidence"] = {"documents": docs}
        photos = draw(st.integers(0, 2))
        if photos:
            d["evidence"].update(photos=photos, strict=draw(st.booleans()))
    return d


def _items(cats):
    for cat in cats:
        yield from cat.get("items", [])
        yield from _items(cat.get("categories", []))


def _ranges(items):
    common = sum((exact(i["points"]) for i in items if i.get("role", "base") == "base"
                  and not i.get("only_for") and not i.get("not_for")), F(0))
    everything = sum((exact(i["points"]) for i in items if i.get("role", "base") == "base"), F(0))
    return common, everything


def between(draw, low: Fraction, high: Fraction) -> Fraction:
    """low, high or a number with 2 decimals between them."""
    if high <= low:
        return low
    return low + F(math.floor((high - low) * draw(st.integers(0, 4)) * 25), 100)


@st.composite
def set_dict(draw):
    n_levels = draw(st.integers(1, 3))
    level_keys = [f"l{i}" for i in range(n_levels)]
    tags = TAGS[:draw(st.integers(0, 3))]
    counter = itertools.count(1)

    def category(depth):
        n = next(counter)
        cat = {"code": f"c{n}", "title": f"大项{n}"}
        items = [draw(item_dict(f"i{next(counter)}", level_keys, tags)) for _ in range(draw(st.integers(0, 4)))]
        if items:
            cat["items"] = items
        if depth < 2 and draw(st.booleans()):
            cat["categories"] = [category(depth + 1)]
        return cat

    cats = [category(1) for _ in range(draw(st.integers(1, 3)))]
    cats[0].setdefault("items", []).insert(0, draw(item_dict("i0", level_keys, tags, role="base", plain=True)))
    assume(exact(cats[0]["items"][0]["points"]) > 0)
    data = {"format": "dabiao-checklist/2", "id": "g2-set", "version": "1", "title": "生成的标准"}
    if tags:
        data["unit_tags"] = [{"tag": t, "label": f"标签{t}"} for t in tags]
    common, everything = _ranges(list(_items(cats)))
    if tags or draw(st.booleans()):
        data["total"] = num(between(draw, common, everything))
    for cat in cats:
        if draw(st.integers(0, 2)) == 0:
            low, high = _ranges(list(_items([cat])))
            cat["points"] = num(between(draw, low, high))
    top = int(everything) + 2
    data["levels"] = [{"key": k, "label": f"等级{k}", "min_score": m}
                      for k, m in zip(level_keys, sorted(draw(st.lists(st.integers(0, top), min_size=n_levels,
                                                                           max_size=n_levels))))]
    if draw(st.booleans()):
        data["bonus_cap"] = num(cents(draw, 0, 300))
    if draw(st.booleans()):
        data["penalty_cap"] = num(cents(draw, 0, 500))
    data["categories"] = cats
    return data


# --------------------------------------------------------------------------- answers


def valid_value(draw, item):
    if item.kind == "check":
        return draw(st.booleans())
    if item.kind == "rubric":
        return draw(st.sampled_from([o.label for o in item.options]))
    if item.kind == "number":
        top = math.ceil(item.linear.at if item.linear else max(b.at for b in item.bands)) + 5
        return draw(st.fractions(min_value=0, max_value=top, max_denominator=100))
    if item.kind == "deduct" and item.reasons:
        return {r.key: draw(st.integers(0, r.max_count or 4)) for r in item.reasons if draw(st.booleans())}
    if item.kind == "deduct":
        return F(draw(st.integers(0, 6)))
    if item.kind == "elements":
        return [e.key for e in item.elements if draw(st.booleans())]
    return draw(st.integers(0, int(item.points / item.step))) * item.step


@st.composite
def answers_for(draw, checklist):
    tags = frozenset(t.tag for t in checklist.unit_tags if draw(st.booleans()))
    values, photos, documents = {}, {}, {}
    for item in checklist.items():
        if not item.applies_to(tags):
            continue  # cannot be answered
        choice = draw(st.integers(0, 9))
        if choice == 0:
            continue
        if choice == 1 and item.na_allowed:
            values[item.code] = NA
        else:
            value = valid_value(draw, item)
            normal, message = check_value(item, value)
            assert message is None, (item, value, message)
            values[item.code] = normal
        if item.evidence.photos:
            photos[item.code] = draw(st.integers(0, item.evidence.photos))
        if item.evidence.documents:
            documents[item.code] = [d for d in item.evidence.documents if draw(st.booleans())]
    return Answers(values=values, photos=photos, documents=documents, unit_tags=tags)


def better(draw, item, answers: Answers):
    """Answers where `item` is answered at least as well (None when it cannot be)."""
    value = answers.values[item.code]
    a = dataclasses.replace(answers, values=dict(answers.values), photos=dict(answers.photos),
                            documents={k: list(v) for k, v in answers.documents.items()})
    missing_docs = [d for d in item.evidence.documents if d not in a.documents.get(item.code, [])]
    if missing_docs and draw(st.booleans()):
        a.documents.setdefault(item.code, []).append(draw(st.sampled_from(missing_docs)))
        return a
    if item.evidence.photos and a.photos.get(item.code, 0) < item.evidence.photos and draw(st.booleans()):
        a.photos[item.code] = item.evidence.photos
        return a
    if value == NA:
        return None
    if item.kind == "check":
        new = True
    elif item.kind == "rubric":
        new = max(item.options, key=lambda o: o.points).label
    elif item.kind == "number":
        step = draw(st.fractions(min_value=0, max_value=10, max_denominator=8))
        new = value + step if item.direction == "higher" else max(F(0), value - step)
    elif item.kind == "deduct" and item.reasons:
        counted = [k for k, n in value.items() if n]
        if not counted:
            return None
        key = draw(st.sampled_from(counted))
        new = check_value(item, dict(value, **{key: value[key] - 1}))[0]
    elif item.kind == "deduct":
        new = max(F(0), value - 1)
    elif item.kind == "elements":
        new = [e.key for e in item.elements]
    else:
        new = item.points
    a.values[item.code] = new
    return a


# --------------------------------------------------------------------------- properties


def level_index(result) -> int:
    keys = [lv.key for lv in result.checklist.levels]
    return keys.index(result.level) if result.level in keys else -1


def assert_bounds(result):
    c = result.checklist
    assert 0 <= result.base <= result.total == c.total
    assert 0 <= result.bonus and (c.bonus_cap is None or result.bonus <= c.bonus_cap)
    assert 0 <= result.penalty and (c.penalty_cap is None or result.penalty <= c.penalty_cap)
    if result.voided_by:
        assert result.final == 0 and result.level == "fail"
    else:
        assert result.final == max(0, result.base + result.bonus - result.penalty)
    assert 0 <= result.earned <= result.applicable
    for item in c.items():
        r = result.items[item.code]
        assert 0 <= r.score <= item.points
        assert sum((d.lost for d in r.documents_lost), F(0)) <= item.points - r.score
        if r.excluded:
            assert item.code in result.not_applicable and item.code not in result.unanswered
    reached = [lv.reached for lv in result.levels]
    assert reached == sorted(reached, reverse=True)
    if result.applicable > 0:
        lost = sum((g.lost for g in result.gap if g.role == "base"), F(0))
        assert lost == result.total - result.base
    losses = [g.lost for g in result.gap]
    assert losses == sorted(losses, reverse=True)


@SETTINGS
@given(data=st.data())
def test_generated_format2_sets_load_and_scores_stay_in_bounds(data):
    c = load_data(data.draw(set_dict()))
    assert c.format == 2
    assert_bounds(score(c, data.draw(answers_for(c))))


@SETTINGS
@given(data=st.data())
def test_improving_a_format2_answer_never_lowers_score_or_level(data):
    c = load_data(data.draw(set_dict()))
    answers = data.draw(answers_for(c))
    before = score(c, answers)
    candidates = [i for i in c.items() if i.code in answers.values]
    assume(candidates)
    item = data.draw(st.sampled_from(candidates))
    improved = better(data.draw, item, answers)
    assume(improved is not None)
    if improved.values[item.code] != NA:
        assert check_value(item, improved.values[item.code])[1] is None
    after = score(c, improved)
    assert after.items[item.code].score >= before.items[item.code].score
    assert after.final >= before.final, (item.code, answers.values[item.code], improved.values[item.code])
    assert level_index(after) >= level_index(before)
    assert len(after.voided_by) <= len(before.voided_by)


@SETTINGS
@given(data=st.data())
def test_full_marks_lose_nothing_in_format2(data):
    c = load_data(data.draw(set_dict()))
    tags = frozenset(t.tag for t in c.unit_tags if data.draw(st.booleans()))
    values = {}
    for item in c.items():
        if item.kind == "number" and item.linear:
            values[item.code] = F(0) if item.direction == "lower" else item.linear.at + 10 ** 4
        elif item.kind == "number":
            best = max(item.bands, key=lambda b: (b.points, -b.at if item.direction == "higher" else b.at))
            values[item.code] = best.at
        elif item.kind == "deduct":
            values[item.code] = {} if item.reasons else F(0)
        elif item.kind == "elements":
            values[item.code] = [e.key for e in item.elements]
        elif item.kind == "check":
            values[item.code] = True
        elif item.kind == "rubric":
            values[item.code] = max(item.options, key=lambda o: o.points).label
        else:
            values[item.code] = item.points
    answers = Answers(values=values, photos={i.code: i.evidence.photos for i in c.items()},
                      documents={i.code: list(i.evidence.documents) for i in c.items()}, unit_tags=tags)
    r = score(c, answers)
    assert r.penalty == 0 and r.unanswered == () and r.voided_by == ()
    assert r.applicable == 0 or r.base == r.total
    assert [g for g in r.gap if g.lost] == []


@SETTINGS
@given(data=st.data())
def test_a_flattened_format2_set_scores_identically(data):
    c = load_data(data.draw(set_dict()))
    as_dict = checklist_to_dict(c)
    flat = load_data(as_dict, name="flat.yaml")
    assert checklist_to_dict(flat) == as_dict
    assert [dataclasses.replace(i, source=None) for i in flat.items()] == \
        [dataclasses.replace(i, source=None) for i in c.items()]
    assert (flat.total, flat.penalty_cap, flat.unit_tags, flat.format) == (c.total, c.penalty_cap, c.unit_tags, 2)
    answers = data.draw(answers_for(c))
    assert score(flat, answers).to_json() == score(c, answers).to_json()


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "zero", "big", "e0"]),
                 st.just([]), st.just({}), st.just([{}]), st.just({"a": 1}), st.sampled_from([0.333, -0.5, 1e9]))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_broken_format2_set_is_refused_with_problems_never_a_crash(data):
    from checklists import ChecklistError

    raw = data.draw(set_dict())
    paths = [p for p in _paths(raw) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        node = raw
        try:
            for key in path[:-1]:
                node = node[key]
            if data.draw(st.booleans()) and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = data.draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
    try:
        c = load_data(raw, name="junk.yaml")
    except ChecklistError as exc:
        assert exc.problems and all(p.file == "junk.yaml" and p.message for p in exc.problems)
    else:
        assert_bounds(score(c, {}))
        assert_bounds(score(c, data.draw(answers_for(c))))
