"""Property tests (hypothesis) over the bundled sets and generated ones: scores stay in
bounds, a better answer never lowers the score or the level, the gap adds up, merging is
deterministic and a flattened set scores exactly like the original."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
from fractions import Fraction

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checklists import Answers, ChecklistError, load_checklist, score
from checklists.answers import NA, check_value
from checklists.library import bundled_files
from checklists.loader import load_checklist_text
from checklists.serialize import checklist_to_dict

from answers_util import best_value
from sets import load_data

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BUNDLED = {path.name: load_checklist(path) for path in bundled_files()}
_FLAT: dict = {}


def flattened(name: str):
    """The bundled set `name` written out by checklist_to_dict and loaded again (cached)."""
    if name not in _FLAT:
        _FLAT[name] = load_data(checklist_to_dict(BUNDLED[name]), name="flat.yaml")
    return _FLAT[name]


# --------------------------------------------------------------------------- generated sets


def num(value: Fraction):
    """A Fraction as the plain YAML number a person would write (3, 2.5, 0.25)."""
    value = Fraction(value)
    return int(value) if value.denominator == 1 else float(value)


def quarters(draw, top: Fraction) -> Fraction:
    """A multiple of 0.25 within 0..top."""
    return Fraction(draw(st.integers(0, int(top * 4))), 4)


@st.composite
def item_dict(draw, code: str, level_keys: list[str], role=None):
    kind = draw(st.sampled_from(["check", "rubric", "number", "deduct", "score"]))
    role = role or draw(st.sampled_from(["base", "base", "base", "base", "bonus", "penalty"]))
    points = Fraction(draw(st.integers(1, 16)), 2)
    d = {"code": code, "title": f"条目{code}", "requirement": f"要求{code}", "kind": kind}
    if role != "base":
        d["role"] = role
    if draw(st.integers(0, 5)) == 0:
        d["gate"] = draw(st.sampled_from(level_keys))
        if kind == "check" and draw(st.booleans()):
            points = Fraction(0)  # a pure condition
    d["points"] = num(points)
    if draw(st.booleans()):
        d["na_allowed"] = True
    photos = draw(st.integers(0, 2))
    if photos:
        d["evidence"] = {"photos": photos, "documents": ["台账"], "strict": draw(st.booleans())}
    if kind == "rubric":
        others = [quarters(draw, points) for _ in range(draw(st.integers(0, 3)))]
        values = draw(st.permutations([points] + others))
        d["options"] = [{"label": f"档{i}", "points": num(v)} for i, v in enumerate(values)]
    elif kind == "number":
        direction = draw(st.sampled_from(["higher", "lower"]))
        if direction == "lower":
            d["direction"] = "lower"
        ats = draw(st.lists(st.integers(0, 40), min_size=1, max_size=3, unique=True))
        band_points = draw(st.permutations([points] + [quarters(draw, points) for _ in ats[1:]]))
        d["unit"] = "次"
        d["bands"] = [{"at": num(Fraction(a, 2)), "points": num(p)} for a, p in zip(ats, band_points)]
    elif kind == "deduct":
        d["per"] = num(draw(st.sampled_from([Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(2), Fraction(5)])))
    elif kind == "score":
        steps = [Fraction(1, 2), Fraction(1, 4), Fraction(1, 10)] + ([Fraction(1)] if points.denominator == 1 else [])
        step = draw(st.sampled_from(steps))
        if step != Fraction(1, 2):
            d["step"] = num(step)
    return d


@st.composite
def set_dict(draw, set_id="g-set"):
    """A small valid base set as plain data (1-3 levels, nested categories, every kind)."""
    n_levels = draw(st.integers(1, 3))
    level_keys = [f"l{i}" for i in range(n_levels)]
    counter = itertools.count(1)

    def category(depth):
        n = next(counter)
        cat = {"code": f"c{n}", "title": f"大项{n}"}
        items = [draw(item_dict(f"i{next(counter)}", level_keys)) for _ in range(draw(st.integers(0, 3)))]
        if items:
            cat["items"] = items
        if depth < 3:
            subs = [category(depth + 1) for _ in range(draw(st.integers(0, 2 if depth == 1 else 1)))]
            if subs:
                cat["categories"] = subs
        return cat

    cats = [category(1) for _ in range(draw(st.integers(1, 3)))]
    cats[0].setdefault("items", []).insert(0, draw(item_dict(f"i{next(counter)}", level_keys, role="base")))
    data = {"format": "dabiao-checklist/1", "id": set_id, "version": "1", "title": "生成的标准", "level": "province"}
    base_sum = sum(Fraction(i["points"]) for i in _items(cats) if i.get("role", "base") == "base")
    assume(base_sum > 0)
    if draw(st.booleans()):
        data["total"] = num(base_sum)
    mins = sorted(draw(st.lists(st.integers(0, int(base_sum) + 1), min_size=n_levels, max_size=n_levels)))
    data["levels"] = [{"key": k, "label": f"等级{k}", "min_score": m} for k, m in zip(level_keys, mins)]
    if draw(st.booleans()):
        data["bonus_cap"] = num(Fraction(draw(st.integers(0, 12)), 2))
    for cat in cats:
        if draw(st.integers(0, 2)) == 0:
            cat["min_ratio"] = {k: num(Fraction(draw(st.integers(0, 20)), 20)) for k in level_keys if draw(st.booleans())}
    data["categories"] = cats
    return data


def _items(cats):
    for cat in cats:
        yield from cat.get("items", [])
        yield from _items(cat.get("categories", []))


def _cats(cats):
    for cat in cats:
        yield cat
        yield from _cats(cat.get("categories", []))


# --------------------------------------------------------------------------- answers


def valid_value(draw, item):
    """One value check_value accepts for `item` (never na, never blank)."""
    if item.kind == "check":
        return draw(st.booleans())
    if item.kind == "rubric":
        return draw(st.sampled_from([o.label for o in item.options]))
    if item.kind == "number":
        top = math.ceil(item.linear.at if item.linear else max(b.at for b in item.bands)) + 2
        return draw(st.fractions(min_value=0, max_value=top, max_denominator=4))
    if item.kind == "deduct" and item.reasons:  # (/2) a count per reason
        return {r.key: draw(st.integers(0, r.max_count or 4)) for r in item.reasons if draw(st.booleans())}
    if item.kind == "deduct":
        return Fraction(draw(st.integers(0, 8)))
    if item.kind == "elements":  # (/2) the elements met
        return [e.key for e in item.elements if draw(st.booleans())]
    steps = int(item.points / item.step)
    return draw(st.integers(0, steps)) * item.step


@st.composite
def answers_for(draw, checklist, blanks=True):
    tags = frozenset(t.tag for t in checklist.unit_tags if draw(st.booleans()))  # (/2) the unit's tags
    values, photos, documents = {}, {}, {}
    for item in checklist.items():
        choice = draw(st.integers(0, 9))
        if (blanks and choice == 0) or not item.applies_to(tags):
            continue  # unanswered (or, /2, cannot be answered)
        if choice == 1 and item.na_allowed:
            values[item.code] = NA
        else:
            value = valid_value(draw, item)
            value, message = check_value(item, value)
            assert message is None, (item, value)
            values[item.code] = value
        if item.evidence.photos:
            photos[item.code] = draw(st.integers(0, item.evidence.photos + 1))
        if item.evidence.rules:  # (/2) documents that count: some presented
            documents[item.code] = [d for d in item.evidence.documents if draw(st.booleans())]
    return Answers(values=values, photos=photos, documents=documents, unit_tags=tags)


def better_value(draw, item, value):
    """A value that scores at least as well as `value` (a better rubric option, true,
    fewer deficiencies, a higher/lower number), or None when there is none."""
    if item.kind == "check":
        return True if value is False else None
    if item.kind == "rubric":
        current = item.option_points(value)
        better = [o.label for o in item.options if o.points > current]
        return draw(st.sampled_from(better)) if better else None
    if item.kind == "number":
        if item.direction == "lower":
            if value == 0:
                return None
            return value - draw(st.fractions(min_value=0, max_value=value, max_denominator=8).filter(lambda x: x > 0))
        return value + draw(st.fractions(min_value=0, max_value=10, max_denominator=8).filter(lambda x: x > 0))
    if item.kind == "deduct" and item.reasons:
        counted = [k for k, n in value.items() if n]
        key = draw(st.sampled_from(counted))
        return check_value(item, dict(value, **{key: value[key] - 1}))[0]
    if item.kind == "deduct":
        return Fraction(draw(st.integers(0, int(value) - 1))) if value > 0 else None
    if item.kind == "elements":
        added = draw(st.sampled_from([e.key for e in item.elements if e.key not in value]))
        return [e.key for e in item.elements if e.key in value or e.key == added]
    higher = int(item.points / item.step)
    now = int(value / item.step)
    return draw(st.integers(now + 1, higher)) * item.step if now < higher else None


def can_improve(item, value) -> bool:
    if value == NA:
        return False
    if item.kind == "check":
        return value is False
    if item.kind == "rubric":
        return item.option_points(value) < item.points
    if item.kind == "number":
        return item.direction == "higher" or value > 0
    if item.kind == "deduct" and item.reasons:
        return any(value.values())
    if item.kind == "deduct":
        return value > 0
    if item.kind == "elements":
        return len(value) < len(item.elements)
    return value < item.points


def assert_same_content(flat, original):
    """A flattened set holds the same criteria: only the items' sources may differ."""
    unsourced = lambda c: [dataclasses.replace(i, source=None) for i in c.items()]  # noqa: E731
    assert unsourced(flat) == unsourced(original)
    assert (flat.levels, flat.total, flat.bonus_cap) == (original.levels, original.total, original.bonus_cap)
    assert [(c.code, c.title, c.min_ratio) for c in flat.all_categories()] == [
        (c.code, c.title, c.min_ratio) for c in original.all_categories()]


def level_index(result) -> int:
    keys = [lv.key for lv in result.checklist.levels]
    return keys.index(result.level) if result.level in keys else -1


# --------------------------------------------------------------------------- properties


def assert_bounds(result):
    c = result.checklist
    assert 0 <= result.base <= result.total == c.total
    assert result.bonus >= 0
    if c.bonus_cap is not None:
        assert result.bonus <= c.bonus_cap
    assert result.penalty >= 0
    if c.penalty_cap is not None:
        assert result.penalty <= c.penalty_cap
    assert result.final >= 0
    if result.voided_by:  # (/2) 一票否决，总分记零
        assert result.final == 0 and result.level == "fail"
    else:
        assert result.final == max(0, result.base + result.bonus - result.penalty)
    assert 0 <= result.earned <= result.applicable
    for cr in result.category_index.values():
        assert 0 <= cr.earned <= cr.applicable
        if cr.ratio is not None:
            assert 0 <= cr.ratio <= 1
    for item in c.items():
        r = result.items[item.code]
        assert 0 <= r.score <= item.points
    for lv in result.levels:
        assert lv.short_by == max(0, lv.min_score - result.final)
    # Levels are reached bottom-up: once one is missed, none above it is reached.
    reached = [lv.reached for lv in result.levels]
    assert reached == sorted(reached, reverse=True)


def assert_gap_adds_up(result):
    if result.applicable > 0:
        lost = sum((g.lost for g in result.gap if g.role == "base"), Fraction(0))
        assert lost == result.total - result.base
    losses = [g.lost for g in result.gap]
    assert losses == sorted(losses, reverse=True)
    assert all(g.role != "bonus" for g in result.gap)
    assert all(g.lost > 0 for g in result.gap if g.role == "penalty")


def check_improvement(draw, checklist, answers):
    """Improve one answered item; neither the final score nor the level may drop."""
    before = score(checklist, answers)
    candidates = [i for i in checklist.items() if i.code in answers.values and can_improve(i, answers.values[i.code])]
    assume(candidates)
    item = draw(st.sampled_from(candidates))
    better = better_value(draw, item, answers.values[item.code])
    assert better is not None
    assert check_value(item, better)[1] is None
    improved = dataclasses.replace(answers, values=answers.values | {item.code: better})
    after = score(checklist, improved)
    assert after.items[item.code].score >= before.items[item.code].score
    assert after.final >= before.final, (item.code, answers.values[item.code], better)
    assert level_index(after) >= level_index(before), (item.code, answers.values[item.code], better)
    if item.role == "base":
        assert after.base >= before.base and after.penalty == before.penalty
    elif item.role == "bonus":
        assert after.bonus >= before.bonus and after.base == before.base
    else:
        assert after.penalty <= before.penalty and after.base == before.base


BUNDLED_NAMES = sorted(BUNDLED)


def test_the_library_is_not_empty():
    assert len(BUNDLED_NAMES) >= 4


@pytest.mark.parametrize("name", BUNDLED_NAMES)
@FEW
@given(data=st.data())
def test_bundled_scores_stay_in_bounds_and_the_gap_adds_up(name, data):
    c = BUNDLED[name]
    result = score(c, data.draw(answers_for(c)))
    assert_bounds(result)
    assert_gap_adds_up(result)


@pytest.mark.parametrize("name", BUNDLED_NAMES)
@FEW
@given(data=st.data())
def test_bundled_improving_an_answer_never_lowers_score_or_level(name, data):
    c = BUNDLED[name]
    check_improvement(data.draw, c, data.draw(answers_for(c)))


@pytest.mark.parametrize("name", BUNDLED_NAMES)
@FEW
@given(data=st.data())
def test_bundled_flattened_set_scores_identically(name, data):
    c = BUNDLED[name]
    flat = flattened(name)
    assert_same_content(flat, c)
    answers = data.draw(answers_for(c))
    assert score(flat, answers).to_json() == score(c, answers).to_json()


@SETTINGS
@given(data=st.data())
def test_generated_sets_load_and_scores_stay_in_bounds(data):
    c = load_data(data.draw(set_dict()))
    result = score(c, data.draw(answers_for(c)))
    assert_bounds(result)
    assert_gap_adds_up(result)


@SETTINGS
@given(data=st.data())
def test_generated_full_marks_lose_nothing(data):
    """Every item at its best: base == total, no penalty, an empty gap."""
    raw = data.draw(set_dict())
    c = load_data(raw)
    values = {item.code: best_value(item) for item in c.items()}
    photos = {i.code: i.evidence.photos for i in c.items()}
    r = score(c, Answers(values=values, photos=photos))
    assert r.base == r.total and r.penalty == 0 and r.unanswered == ()
    assert [g for g in r.gap if g.lost] == []
    # Only min_score can then stand in the way of a level.
    for lv in r.levels:
        assert lv.blocking_items == () and lv.blocking_categories == ()
        assert lv.reached == (r.final >= max(x.min_score for x in c.levels[: c.levels.index(c.level_by_key(lv.key)) + 1]))


@SETTINGS
@given(data=st.data())
def test_generated_improving_an_answer_never_lowers_score_or_level(data):
    c = load_data(data.draw(set_dict()))
    check_improvement(data.draw, c, data.draw(answers_for(c)))


@SETTINGS
@given(data=st.data())
def test_generated_flattened_set_scores_identically(data):
    c = load_data(data.draw(set_dict()))
    as_dict = checklist_to_dict(c)
    flat = load_data(as_dict, name="flat.yaml")
    assert checklist_to_dict(flat) == as_dict
    assert_same_content(flat, c)
    answers = data.draw(answers_for(c))
    a, b = score(c, answers), score(flat, answers)
    assert b.to_json() == a.to_json()
    assert (b.base, b.bonus, b.penalty, b.final, b.level) == (a.base, a.bonus, a.penalty, a.final, a.level)


# --------------------------------------------------------------------------- overlays


@st.composite
def overlay_dict(draw, base: dict):
    """An overlay on `base` that stays valid: replaces, removes, adds, changes levels."""
    codes = [i["code"] for i in _items(base["categories"])]
    keep = codes[0]  # the first item is a base item with points: never removed
    level_keys = [lv["key"] for lv in base["levels"]]
    shuffled = draw(st.permutations(codes[1:]))
    n_remove = draw(st.integers(0, min(2, len(shuffled))))
    removed, rest = list(shuffled[:n_remove]), list(shuffled[n_remove:]) + [keep]
    replaced = draw(st.lists(st.sampled_from(rest), max_size=2, unique=True))
    d = {"format": "dabiao-checklist/1", "id": "g-city", "version": "1", "title": "生成的市细则", "level": "city",
         "extends": {"id": base["id"], "version": base["version"]}}
    if removed:
        d["remove_items"] = removed
    if replaced:
        d["replace_items"] = [draw(item_dict(code, level_keys, role="base" if code == keep else None))
                              for code in replaced]
    counter = itertools.count(1)
    cat_codes = [c["code"] for c in _cats(base["categories"])]
    groups = []
    for cat in draw(st.lists(st.sampled_from(cat_codes), max_size=2, unique=True)):
        groups.append({"category": cat, "items": [draw(item_dict(f"n{next(counter)}", level_keys))
                                                   for _ in range(draw(st.integers(1, 2)))]})
    if groups:
        d["add_items"] = groups
    if draw(st.booleans()):
        d["add_categories"] = [{"code": "city-1", "title": "市级特色",
                                "items": [draw(item_dict(f"n{next(counter)}", level_keys))]}]
    if draw(st.booleans()):
        top = base["levels"][-1]
        d["levels"] = [{"key": "top", "label": "示范", "min_score": top["min_score"] + draw(st.integers(0, 5))}]
    if draw(st.booleans()):
        d["bonus_cap"] = draw(st.integers(0, 6))
    return d


def load_overlay(base: dict, overlay: dict):
    base_text = yaml.safe_dump(base, allow_unicode=True, sort_keys=False)
    text = yaml.safe_dump(overlay, allow_unicode=True, sort_keys=False)

    def resolver(set_id, version):
        return (base_text, "base.yaml") if (set_id, version) == (base["id"], base["version"]) else None

    return load_checklist_text(text, "city.yaml", resolver=resolver)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_merging_is_deterministic_and_flattens_faithfully(data):
    base = data.draw(set_dict("g-base"))
    overlay = data.draw(overlay_dict(base))
    try:
        first = load_overlay(base, overlay)
    except ChecklistError as exc:
        # The only way a generated overlay can be refused: its base points all removed.
        assert all("为 0" in p.message for p in exc.problems), exc.lines()
        assume(False)
    second = load_overlay(copy.deepcopy(base), copy.deepcopy(overlay))
    assert first == second
    assert checklist_to_dict(first) == checklist_to_dict(second)
    assert checklist_to_dict(first, with_source=True) == checklist_to_dict(second, with_source=True)
    # What the overlay said happened.
    codes = [i.code for i in first.items()]
    assert not set(overlay.get("remove_items", [])) & set(codes)
    for r in overlay.get("replace_items", []):
        assert first.item(r["code"]).source.id == "g-city"
    assert first.total == sum((i.points for i in first.items() if i.role == "base"), Fraction(0))
    # The flattened merged set scores exactly like the merged one.
    flat = load_data(checklist_to_dict(first), name="flat.yaml")
    assert_same_content(flat, first)
    answers = data.draw(answers_for(first))
    assert score(flat, answers).to_json() == score(first, answers).to_json()
    r = score(first, answers)
    assert_bounds(r)
    assert_gap_adds_up(r)


def test_loading_the_bundled_overlay_twice_gives_equal_checklists():
    path = next(p for p in bundled_files() if p.name.startswith("city-"))
    a, b = load_checklist(path), load_checklist(path)
    assert a == b and a is not b
    assert checklist_to_dict(a, with_source=True) == checklist_to_dict(b, with_source=True)


# --------------------------------------------------------------------------- robustness


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "x", "na", "pass", "1.1"]),
                 st.just([]), st.just({}), st.just([{}]), st.just({"a": 1}), st.sampled_from([0.3, -0.5, 1e9]))


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_broken_set_is_refused_with_problems_never_a_crash(data):
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
