"""Overlays and format 2: a /2 overlay on a /1 base (the merged set is /2), a /1 overlay
on a /2 base (fine while it uses no /2 key), unit tags appended, penalty_cap set, totals
and category points after a merge."""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml

from checklists import Answers, load_checklist, score
from checklists.serialize import checklist_to_dict

from criteria_text import BASE, problems_of, the
from format2_text import SET2
from sets import load_data

F = Fraction


def overlay(base_id="t-base", fmt=2, **keys) -> dict:
    d = {"format": f"dabiao-checklist/{fmt}", "id": "t-city", "version": "1", "title": "市细则", "level": "city",
         "extends": {"id": base_id, "version": "1"}}
    d.update(keys)
    return d


def write(tmp_path, name: str, data) -> object:
    f = tmp_path / name
    f.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                 encoding="utf-8")
    return f


TAGS = [{"tag": "big", "label": "大镇"}, {"tag": "small", "label": "小镇"}]
BIG_ITEM = {"code": "C1.1", "title": "大镇征兵站", "requirement": "设立征兵站", "points": 1.25, "kind": "check",
            "only_for": ["big"]}


def test_a_v2_overlay_on_a_v1_base_makes_a_v2_set(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    f = write(tmp_path, "city.yaml", overlay(
        unit_tags=TAGS, penalty_cap=4, total=20,
        add_categories=[{"code": "C1", "title": "市级特色", "points": 1.25, "items": [BIG_ITEM]}],
        replace_items=[{"code": "2.2", "title": "制度上墙", "requirement": "8项制度", "points": 4, "kind": "deduct",
                        "reasons": [{"key": "a", "text": "缺一项制度", "per": 0.5}]}]))
    c = load_checklist(f)
    assert c.format == 2 and c.penalty_cap == 4 and [t.tag for t in c.unit_tags] == ["big", "small"]
    assert c.total == 20  # 20 apply to every unit, 21.25 to 大镇: the stated 20 fits
    assert c.item("C1.1").only_for == ("big",) and c.item("2.2").reasons[0].per == F(1, 2)
    assert c.item("2.3").step == F(1, 2)  # the /1 base's item keeps the /1 default step
    # flattened, it is a /2 base set that loads the same
    flat = load_data(checklist_to_dict(c), name="flat.yaml")
    assert checklist_to_dict(flat) == checklist_to_dict(c)
    assert checklist_to_dict(c)["format"] == "dabiao-checklist/2"
    assert checklist_to_dict(c)["categories"][1]["categories"][0]["items"][0]["step"] == 0.5


def test_a_v1_overlay_on_a_v2_base_is_fine(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", fmt=1, bonus_cap=1, remove_items=["1.3"],
                                             levels=[{"key": "excellent", "min_score": 31}]))
    c = load_checklist(f)
    assert c.format == 2 and c.bonus_cap == 1 and c.penalty_cap == 3
    assert c.total == 33  # stated 33.5 no longer fits (1.3 removed): the new range is 30..36
    assert [cat.points for cat in c.all_categories()] == [6, 23, None]  # category 1 recomputed


def test_a_v1_overlay_using_a_v2_key_is_refused(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", fmt=1, penalty_cap=1, unit_tags=TAGS[:1],
                                             add_items=[{"category": "1", "items": [BIG_ITEM]}]))
    problems = problems_of(f)
    assert {p.path for p in problems} >= {"penalty_cap", "unit_tags", "add_items[0].items[0].only_for"}
    assert all("dabiao-checklist/2" in p.message for p in problems if p.path in ("penalty_cap", "unit_tags"))
    assert all(p.file == str(f) for p in problems)


def test_an_overlay_carries_the_stated_total_of_a_set_with_tags(tmp_path):
    """Without tags an overlay's total is the new sum (format 1). With tags the sum is not
    the scale: the stated total moves with the points that apply to every unit."""
    write(tmp_path, "base.yaml", SET2)
    c = load_checklist(write(tmp_path, "city.yaml", overlay("t2-base", levels=[{"key": "pass", "min_score": 21}])))
    assert c.total == F(67, 2)  # not the 36.5 of all base items: the scale stays
    new = {"code": "2.9", "title": "新增", "requirement": "有", "points": 2, "kind": "check"}
    c = load_checklist(write(tmp_path, "city.yaml", overlay("t2-base", add_items=[{"category": "2", "items": [new]}])))
    assert c.total == F(71, 2)  # every unit has 2 more points
    assert [cat.points for cat in c.all_categories()] == [F(13, 2), 25, None]
    c = load_checklist(write(tmp_path, "city.yaml", overlay("t2-base", add_items=[{"category": "2", "items": [
        dict(new, only_for=["small"])]}])))
    assert c.total == F(67, 2)  # an item for 小镇 only: the scale stays
    c = load_checklist(write(tmp_path, "city.yaml", overlay("t2-base", remove_items=["2.2", "2.3"])))
    assert c.total == F(61, 2)  # no tags left: the plain sum
    assert [cat.points for cat in c.all_categories()] == [F(13, 2), 20, None]


def test_an_overlay_total_must_fit_the_merged_range(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", total=40))
    p = the(problems_of(f), "total")
    assert p.file == str(f) and "30.5" in p.message and "36.5" in p.message


def test_an_overlay_adds_tags_and_uses_them(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", unit_tags=[{"tag": "border", "label": "边境镇"}],
                                             add_items=[{"category": "2", "items": [
                                                 dict(BIG_ITEM, code="2.8", only_for=["border", "big"])]}]))
    c = load_checklist(f)
    assert [t.tag for t in c.unit_tags] == ["big", "small", "border"] and c.item("2.8").only_for == ("border", "big")


def test_an_overlay_may_not_declare_a_tag_again(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", unit_tags=[{"tag": "small", "label": "小乡镇"}]))
    p = the(problems_of(f), "unit_tags[0].tag")
    assert p.file == str(f) and p.line and "已声明" in p.message


def test_an_overlay_item_naming_an_undeclared_tag(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", replace_items=[dict(BIG_ITEM, code="2.2", only_for=["huge"])]))
    p = the(problems_of(f), "replace_items[0].only_for[0]")
    assert p.file == str(f) and p.line and "huge" in p.message


def test_an_overlay_added_category_must_state_its_points_right(tmp_path):
    write(tmp_path, "base.yaml", SET2)
    f = write(tmp_path, "city.yaml", overlay("t2-base", total=34.75, add_categories=[
        {"code": "C1", "title": "市级特色", "points": 2, "items": [BIG_ITEM]}]))
    p = the(problems_of(f), "add_categories[0].points")
    assert p.file == str(f) and "0" in p.message and "1.25" in p.message


def test_the_base_problems_name_the_base_file(tmp_path):
    base = write(tmp_path, "base.yaml", SET2.replace("penalty_cap: 3", "penalty_cap: -3"))
    f = write(tmp_path, "city.yaml", overlay("t2-base"))
    p = the(problems_of(f), "penalty_cap")
    assert p.file == str(base)


@pytest.mark.parametrize("fmt", [1, 2])
def test_an_overlay_penalty_cap_changes_the_score(tmp_path, fmt):
    write(tmp_path, "base.yaml", SET2)
    keys = {"penalty_cap": 1} if fmt == 2 else {}
    c = load_checklist(write(tmp_path, "city.yaml", overlay("t2-base", fmt=fmt, **keys)))
    r = score(c, Answers(values={"3.4": 2}))  # 2 incidents: 5 off
    assert r.penalty == (1 if fmt == 2 else 3)
