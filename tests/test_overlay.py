"""Overlays (`extends`): levels by key, bonus_cap, add/replace/remove, the source of each
item, totals, and every overlay error (missing base, cycle, chain depth, unknown codes),
with bases found via --lib, the file's own folder and the bundled library."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from checklists import ChecklistError, load_checklist
from checklists.library import LIBRARY_DIR

from sets import small_set

BASE_REF = {"id": "t-base", "version": "1"}


def item(code, points=1, kind="check", **extra):
    d = {"code": code, "title": f"条目{code}", "requirement": f"要求{code}", "points": points, "kind": kind}
    d.update(extra)
    return d


def base_data(**overrides):
    return small_set(id="t-base", version="1", **overrides)


def overlay_data(set_id="t-city", level="city", extends=BASE_REF, **overrides):
    d = {"format": "dabiao-checklist/1", "id": set_id, "version": "1", "title": f"{set_id} 细则", "level": level,
         "extends": dict(extends)}
    d.update(overrides)
    return d


def dump(folder: Path, name: str, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def line_no(path: Path, marker: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(marker)


def problems_of(path: Path, lib=()):
    with pytest.raises(ChecklistError) as info:
        load_checklist(path, lib)
    return info.value.problems


def only(problems, path):
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, [str(p) for p in problems]
    return found[0]


@pytest.fixture
def folder(tmp_path):
    dump(tmp_path, "base.yaml", base_data())
    return tmp_path


def codes(checklist):
    return [i.code for i in checklist.items()]


# --------------------------------------------------------------------------- merging


def test_an_empty_overlay_is_the_base_under_a_new_name(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data()))
    b = load_checklist(folder / "base.yaml")
    assert (c.id, c.version, c.title, c.level) == ("t-city", "1", "t-city 细则", "city")
    assert c.extends == ("t-base", "1")
    assert codes(c) == codes(b) and c.total == b.total and c.levels == b.levels and c.bonus_cap == b.bonus_cap
    assert [s.id for s in c.chain] == ["t-base", "t-city"]


def test_levels_change_by_key_keeping_other_fields(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(levels=[
        {"key": "excellent", "min_score": 92}, {"key": "pass", "label": "合格"}])))
    assert [(lv.key, lv.label, lv.min_score) for lv in c.levels] == [("pass", "合格", 80), ("excellent", "达优", 92)]


def test_a_new_level_key_adds_a_level_in_order(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(levels=[
        {"key": "top", "label": "示范", "min_score": 95}, {"key": "good", "label": "良好", "min_score": 85}])))
    assert [(lv.key, lv.min_score) for lv in c.levels] == [("pass", 80), ("good", 85), ("excellent", 90), ("top", 95)]


def test_a_new_level_needs_label_and_min_score(folder):
    f = dump(folder, "city.yaml", overlay_data(levels=[{"key": "top"}]))
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == ["levels[0].label", "levels[0].min_score"]
    assert all(p.file == str(f) and p.line == line_no(f, "key: top") for p in problems)


def test_an_overlay_level_out_of_order_is_reported_in_the_overlay(folder):
    f = dump(folder, "city.yaml", overlay_data(levels=[{"key": "excellent", "min_score": 75}]))
    p = only(problems_of(f), "levels[0].min_score")
    assert p.file == str(f) and p.line == line_no(f, "min_score: 75") and "由低到高" in p.message


def test_bonus_cap_is_overridden_or_kept(folder):
    assert load_checklist(dump(folder, "a.yaml", overlay_data(bonus_cap=6))).bonus_cap == 6
    assert load_checklist(dump(folder, "b.yaml", overlay_data())).bonus_cap == 3


def test_add_categories_are_appended_at_the_end(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(add_categories=[
        {"code": "C1", "title": "市级特色", "items": [item("C1.1", 2)],
         "categories": [{"code": "C1A", "title": "子项", "items": [item("C1.2", 1)]}]},
        {"code": "C2", "title": "市级二", "items": [item("C2.1", 1)]}])))
    assert [cat.code for cat in c.categories] == ["1", "2", "3", "C1", "C2"]
    assert codes(c)[-3:] == ["C1.1", "C1.2", "C2.1"]
    assert c.item("C1.2").category == "C1A"
    assert c.total == 20 + 4


def test_add_items_go_after_own_items_and_before_sub_categories(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(add_items=[
        {"category": "2", "items": [item("2.5"), item("2.6")]},
        {"category": "2A", "items": [item("2.7")]}])))
    assert codes(c) == ["1.1", "1.2", "2.1", "2.2", "2.5", "2.6", "2.3", "2.7", "3.1", "3.2", "3.3", "3.4"]
    assert c.item("2.5").category == "2" and c.item("2.7").category == "2A"


def test_add_items_into_a_category_the_overlay_adds(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(
        add_categories=[{"code": "C1", "title": "市级特色", "items": [item("C1.1")]}],
        add_items=[{"category": "C1", "items": [item("C1.2")]}])))
    assert codes(c)[-2:] == ["C1.1", "C1.2"]


def test_replace_items_keeps_the_position_and_marks_the_source(folder):
    new = item("2.1", 6, "number", unit="间", bands=[{"at": 1, "points": 3}, {"at": 2, "points": 6}])
    c = load_checklist(dump(folder, "city.yaml", overlay_data(replace_items=[new])))
    b = load_checklist(folder / "base.yaml")
    assert codes(c) == codes(b)
    replaced = c.item("2.1")
    assert replaced.kind == "number" and replaced.title == "条目2.1" and replaced.category == "2"
    assert replaced.source.id == "t-city" and replaced.source.label == "市标"
    assert c.item("2.2").source.id == "t-base" and c.item("2.2").source.label == "省标"
    assert c.item("2.2") == b.item("2.2")


def test_replace_may_change_points_and_total_follows(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(replace_items=[item("1.2", 5)])))
    assert c.total == 23 and c.item("1.2").gate is None  # a whole new definition: nothing kept


def test_remove_items(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(remove_items=["2.2", "2.3"])))
    assert "2.2" not in codes(c) and "2.3" not in codes(c)
    assert c.total == 12
    assert [sub.code for sub in c.categories[1].categories] == ["2A"]  # the emptied category stays


def test_source_label_per_item_through_three_sets(folder):
    dump(folder, "city.yaml", overlay_data(add_items=[{"category": "1", "items": [item("1.3")]}],
                                           replace_items=[item("2.2", 4)]))
    f = dump(folder, "county.yaml", overlay_data("t-county", "county", {"id": "t-city", "version": "1"},
                                                 add_items=[{"category": "1", "items": [item("1.4")]}],
                                                 replace_items=[item("2.2", 4, title="县替换")]))
    c = load_checklist(f)
    labels = {i.code: i.source.label for i in c.items()}
    assert labels == {"1.1": "省标", "1.2": "省标", "1.3": "市标", "1.4": "县标", "2.1": "省标", "2.2": "县标",
                      "2.3": "省标", "3.1": "省标", "3.2": "省标", "3.3": "省标", "3.4": "省标"}
    assert c.item("2.2").title == "县替换"
    assert [(s.id, s.label) for s in c.chain] == [("t-base", "省标"), ("t-city", "市标"), ("t-county", "县标")]
    assert c.extends == ("t-city", "1") and c.total == 22


def test_total_is_recomputed_when_not_given(folder):
    dump(folder, "base.yaml", base_data(total=20))
    c = load_checklist(dump(folder, "city.yaml", overlay_data(add_items=[{"category": "1", "items": [item("1.3", 3)]}],
                                                              remove_items=["1.2"])))
    assert c.total == 21


def test_total_given_by_the_overlay_is_checked(folder):
    add = [{"category": "1", "items": [item("1.3", 3)]}]
    assert load_checklist(dump(folder, "ok.yaml", overlay_data(add_items=add, total=23))).total == 23
    f = dump(folder, "bad.yaml", overlay_data(add_items=add, total=20))
    p = only(problems_of(f), "total")
    assert p.file == str(f) and p.line == line_no(f, "total:") and "23" in p.message


def test_bonus_and_penalty_items_added_do_not_change_total(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(add_items=[
        {"category": "3", "items": [item("3.5", 2, role="bonus"), item("3.6", 2, role="penalty")]}])))
    assert c.total == 20


def test_gate_on_a_level_the_overlay_adds(folder):
    c = load_checklist(dump(folder, "city.yaml", overlay_data(
        levels=[{"key": "top", "label": "示范", "min_score": 95}],
        add_items=[{"category": "1", "items": [item("1.3", 1, gate="top")]}])))
    assert c.item("1.3").gate == "top"
    f = dump(folder, "bad.yaml", overlay_data(add_items=[{"category": "1", "items": [item("1.3", 1, gate="top")]}]))
    p = only(problems_of(f), "add_items[0].items[0].gate")
    assert p.file == str(f) and p.line == line_no(f, "gate: top")


# --------------------------------------------------------------------------- overlay errors


def test_missing_base(tmp_path):
    f = dump(tmp_path, "city.yaml", overlay_data(extends={"id": "nowhere", "version": "9"}))
    (p,) = problems_of(f)
    assert p.file == str(f) and p.path == "extends" and p.line == line_no(f, "extends:")
    assert "nowhere" in p.message


def test_missing_base_version(folder):
    (p,) = problems_of(dump(folder, "city.yaml", overlay_data(extends={"id": "t-base", "version": "2"})))
    assert p.path == "extends" and "t-base" in p.message


def test_extends_must_name_id_and_version(folder):
    problems = problems_of(dump(folder, "city.yaml", overlay_data(extends={"id": "t-base", "versoin": "1"})))
    assert sorted(p.path for p in problems) == ["extends.version", "extends.versoin"]
    (p,) = problems_of(dump(folder, "city2.yaml", dict(overlay_data(), extends="t-base")))
    assert p.path == "extends"


def test_cycle(tmp_path):
    dump(tmp_path, "a.yaml", overlay_data("t-a", extends={"id": "t-b", "version": "1"}))
    dump(tmp_path, "b.yaml", overlay_data("t-b", extends={"id": "t-a", "version": "1"}))
    problems = problems_of(tmp_path / "a.yaml")
    assert len(problems) == 1 and problems[0].path == "extends"
    assert "成环" in problems[0].message and "t-a@1" in problems[0].message and "t-b@1" in problems[0].message


def test_an_overlay_extending_itself(tmp_path):
    f = dump(tmp_path, "a.yaml", overlay_data("t-a", extends={"id": "t-a", "version": "1"}))
    (p,) = problems_of(f)
    assert p.path == "extends" and "成环" in p.message


def test_chain_of_three_sets_is_fine_four_is_too_deep(folder):
    dump(folder, "city.yaml", overlay_data("t-city"))
    dump(folder, "county.yaml", overlay_data("t-county", "county", {"id": "t-city", "version": "1"}))
    assert len(load_checklist(folder / "county.yaml").chain) == 3
    f = dump(folder, "town.yaml", overlay_data("t-town", "county", {"id": "t-county", "version": "1"}))
    problems = problems_of(f)
    assert len(problems) == 1 and problems[0].path == "extends" and "3" in problems[0].message


def test_unknown_code_in_replace_items(folder):
    f = dump(folder, "city.yaml", overlay_data(replace_items=[item("9.9")]))
    (p,) = problems_of(f)
    assert p.file == str(f) and p.path == "replace_items[0].code" and "9.9" in p.message
    assert p.line == line_no(f, "code: '9.9'")


def test_unknown_code_in_remove_items(folder):
    f = dump(folder, "city.yaml", overlay_data(remove_items=["2.2", "9.9"]))
    (p,) = problems_of(f)
    assert p.file == str(f) and p.path == "remove_items[1]" and "9.9" in p.message


def test_unknown_category_in_add_items(folder):
    f = dump(folder, "city.yaml", overlay_data(add_items=[{"category": "9", "items": [item("9.1")]}]))
    (p,) = problems_of(f)
    assert p.file == str(f) and p.path == "add_items[0].category" and "9" in p.message


def test_replace_and_remove_of_the_same_code(folder):
    f = dump(folder, "city.yaml", overlay_data(replace_items=[item("2.2", 4)], remove_items=["2.2"]))
    (p,) = problems_of(f)
    assert p.path == "replace_items[0].code" and "2.2" in p.message


def test_the_same_code_replaced_or_removed_twice(folder):
    f = dump(folder, "city.yaml", overlay_data(replace_items=[item("2.2", 4), item("2.2", 4, title="又一次")],
                                               remove_items=["2.1", "2.1"]))
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == ["remove_items[1]", "replace_items[1].code"]
    assert all("重复" in p.message for p in problems)


def test_duplicate_codes_introduced_by_an_overlay(folder):
    f = dump(folder, "city.yaml", overlay_data(
        add_items=[{"category": "3", "items": [item("1.1")]}],
        add_categories=[{"code": "2A", "title": "重复大项", "items": [item("C.1")]},
                        {"code": "C2", "title": "x", "items": [item("2.3")]}]))
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == ["add_categories[0].code", "add_categories[1].items[0].code",
                                                "add_items[0].items[0].code"]
    assert all(p.file == str(f) and p.line and "重复" in p.message for p in problems)


def test_remove_items_must_be_text(folder):
    f = dump(folder, "city.yaml", overlay_data(replace_items=[item("2.2", 4)], remove_items=[2.1, {"code": "2.1"}]))
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == ["remove_items[0]", "remove_items[1]"]


def test_overlay_problems_all_at_once(folder):
    f = dump(folder, "city.yaml", overlay_data(
        pionts=1,                                                   # unknown key
        levels=[{"key": "new"}],                                    # label + min_score missing (2)
        replace_items=[item("9.9"), item("2.2", 4, pionts=3)],      # unknown code; unknown key
        remove_items=["8.8"],                                       # unknown code
        add_items=[{"category": "7", "items": [item("7.1")]},       # unknown category
                   {"category": "1", "items": [item("2.1")]}],      # duplicate code
        add_categories=[{"code": "C1", "title": "x", "items": [item("C1.1", 0.3)]}]))  # not a multiple of 0.5
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == sorted([
        "pionts", "levels[0].label", "levels[0].min_score", "replace_items[0].code", "replace_items[1].pionts",
        "remove_items[0]", "add_items[0].category", "add_items[1].items[0].code",
        "add_categories[0].items[0].points"]), [str(p) for p in problems]
    assert all(p.file == str(f) and p.line for p in problems)


def test_a_broken_base_is_reported_with_the_base_file_and_line(folder):
    data = base_data()
    data["categories"][0]["items"][0]["pionts"] = 4
    base = dump(folder, "base.yaml", data)
    problems = problems_of(dump(folder, "city.yaml", overlay_data()))
    p = only(problems, "categories[0].items[0].pionts")
    assert p.file == str(base) and p.line == line_no(base, "pionts")


def test_a_base_with_a_syntax_error(folder):
    # The resolver skips files it cannot read, so the base is simply not found.
    (folder / "base.yaml").write_text("format: [\n", encoding="utf-8")
    (p,) = problems_of(dump(folder, "city.yaml", overlay_data()))
    assert p.path == "extends"


# --------------------------------------------------------------------------- where bases come from


def test_base_from_the_files_own_folder(folder):
    assert load_checklist(dump(folder, "city.yaml", overlay_data())).chain[0].id == "t-base"


def test_base_from_a_lib_file_and_a_lib_folder(tmp_path):
    libdir = tmp_path / "lib"
    base = dump(libdir, "some-name.yml", base_data())
    f = dump(tmp_path / "work", "city.yaml", overlay_data())
    assert problems_of(f)[0].path == "extends"  # not found without --lib
    assert load_checklist(f, [base]).chain[0].id == "t-base"
    assert load_checklist(f, [libdir]).chain[0].id == "t-base"
    assert load_checklist(f, [str(libdir)]).chain[0].id == "t-base"
    assert load_checklist(f, [tmp_path / "missing", libdir]).chain[0].id == "t-base"


def test_base_from_a_json_file(tmp_path):
    import json

    libdir = tmp_path / "lib"
    libdir.mkdir()
    (libdir / "base.json").write_text(json.dumps(base_data(), ensure_ascii=False), encoding="utf-8")
    f = dump(tmp_path / "work", "city.yaml", overlay_data())
    assert load_checklist(f, [libdir]).total == 20


def test_base_from_the_bundled_library(tmp_path):
    f = dump(tmp_path, "city.yaml", overlay_data(extends={"id": "prov-2027-town", "version": "2027.1"}))
    c = load_checklist(f)
    prov = load_checklist(LIBRARY_DIR / "prov-2027-town.yaml")
    assert codes(c) == codes(prov) and c.total == prov.total
    assert c.chain[0].id == "prov-2027-town"


def test_lib_comes_before_the_own_folder_which_comes_before_the_bundled_library(tmp_path):
    prov = yaml.safe_load((LIBRARY_DIR / "prov-2027-town.yaml").read_text(encoding="utf-8"))
    bundled_title = prov["categories"][0]["items"][1]["title"]
    for where in ("lib", "work"):
        prov["categories"][0]["items"][1]["title"] = f"{where} 副本"
        dump(tmp_path / where, "prov.yaml", prov)
    ov = overlay_data(extends={"id": "prov-2027-town", "version": "2027.1"})
    f = dump(tmp_path / "work", "city.yaml", ov)
    assert load_checklist(f, [tmp_path / "lib"]).item("1.2").title == "lib 副本"
    assert load_checklist(f).item("1.2").title == "work 副本"
    elsewhere = dump(tmp_path / "elsewhere", "city.yaml", ov)
    assert load_checklist(elsewhere).item("1.2").title == bundled_title


# --------------------------------------------------------------------------- the bundled city overlay


@pytest.fixture(scope="module")
def prov():
    return load_checklist(LIBRARY_DIR / "prov-2027-town.yaml")


@pytest.fixture(scope="module")
def city():
    return load_checklist(LIBRARY_DIR / "city-2027-town.yaml")


@pytest.fixture(scope="module")
def city_raw():
    return yaml.safe_load((LIBRARY_DIR / "city-2027-town.yaml").read_text(encoding="utf-8"))


def test_bundled_city_overlay_merges_as_it_says(prov, city, city_raw):
    assert city.extends == (city_raw["extends"]["id"], city_raw["extends"]["version"]) == (prov.id, prov.version)
    # Levels by key.
    for change in city_raw.get("levels", []):
        level = city.level_by_key(change["key"])
        assert level.min_score == Fraction(str(change["min_score"]))
        assert level.label == (change.get("label") or prov.level_by_key(change["key"]).label)
    assert city.bonus_cap == Fraction(str(city_raw["bonus_cap"]))
    # Added categories at the end, in order.
    added = [c["code"] for c in city_raw.get("add_categories", [])]
    assert [c.code for c in city.categories] == [c.code for c in prov.categories] + added
    # Removed items are gone, replaced items keep their place, added items follow the category's own items.
    removed = set(city_raw.get("remove_items", []))
    replaced = {r["code"] for r in city_raw.get("replace_items", [])}
    assert [c for c in codes(prov) if c not in removed] == [c for c in codes(city) if c in set(codes(prov))]
    for group in city_raw.get("add_items", []):
        cat = next(c for c in city.all_categories() if c.code == group["category"])
        base_cat = next(c for c in prov.all_categories() if c.code == group["category"])
        own = [i.code for i in cat.items]
        assert own == [i.code for i in base_cat.items if i.code not in removed] + [i["code"] for i in group["items"]]
    # Sources.
    city_codes = replaced | {i["code"] for g in city_raw.get("add_items", []) for i in g["items"]} | {
        i["code"] for c in city_raw.get("add_categories", []) for i in c.get("items", [])}
    for it in city.items():
        assert it.source.label == ("市标" if it.code in city_codes else "省标"), it.code
    # Total: the sum of base points, and equal to `total` when the overlay gives one.
    base_sum = sum(i.points for i in city.items() if i.role == "base")
    assert city.total == base_sum
    if "total" in city_raw:
        assert city.total == city_raw["total"]


def test_bundled_city_overlay_resolves_its_base_from_a_copy_elsewhere(tmp_path):
    shutil.copy(LIBRARY_DIR / "city-2027-town.yaml", tmp_path / "city.yaml")
    assert load_checklist(tmp_path / "city.yaml").chain[0].id == "prov-2027-town"
