"""Every validation rule of checklist-format.md: each broken rule is reported with the
file, the line (YAML) and the key path, and a file with several problems lists them all
in one pass. Reading files (syntax, encodings, JSON) and answers files:
test_validation_files.py."""

from __future__ import annotations

from fractions import Fraction

import pytest

from checklists import ChecklistError, load_checklist

from criteria_text import BASE, check, edit, line_no, problems_of  # noqa: F401 - check is a fixture


def test_the_sample_is_valid(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(BASE, encoding="utf-8")
    c = load_checklist(f)
    assert c.total == 20 and [i.code for i in c.items()] == ["1.1", "1.2", "2.1", "2.2", "2.3", "3.1", "3.2", "3.4"]


# --------------------------------------------------------------------------- header


def test_format_missing(check):
    check(edit(BASE, ("format: dabiao-checklist/1\n", "")), "format", None, "dabiao-checklist/1", count=1)


def test_format_wrong(check):
    check(edit(BASE, ("format: dabiao-checklist/1", "format: dabiao-checklist/3")), "format", "format:",
          "dabiao-checklist/1", "dabiao-checklist/2", count=1)


@pytest.mark.parametrize("bad", ["T-Base", "-base", "base_1", "基础", "'a b'"])
def test_id_pattern(check, bad):
    check(edit(BASE, ("id: t-base", f"id: {bad}")), "id", "id:", count=1)


def test_id_must_be_text(check):
    check(edit(BASE, ("id: t-base", "id: 12")), "id", "id:", "文本", count=1)


@pytest.mark.parametrize("key", ["id", "version", "title"])
def test_required_header_keys(check, key):
    text = "\n".join(line for line in BASE.splitlines() if not line.startswith(f"{key}:")) + "\n"
    p = check(text, key, None, "缺少必填项", count=1)
    assert p.line == 1  # a missing top-level key points at the top of the file


def test_version_must_be_a_string(check):
    check(edit(BASE, ('version: "1"', "version: 2027.1")), "version", "version:", "引号", count=1)


def test_header_types(check):
    text = edit(BASE, ("level: province", "level: state"), ("year: 2027", "year: 二〇二七"),
                ("applies_to: [town]", "applies_to: [town, school]"), ("total: 20", "total: -20"),
                ("bonus_cap: 3", "bonus_cap: -1"), ("issuer: 某省军区", "issuer: [某省军区]"))
    check(text, "level", "level:", "province", count=6)
    check(text, "year", "year:", "整数")
    check(text, "applies_to[1]", "applies_to:", "school")
    check(text, "total", "total:", "大于 0")
    check(text, "bonus_cap", "bonus_cap:", "不能小于 0")
    check(text, "issuer", "issuer:", "文本")


def test_top_level_must_be_a_mapping(check):
    check("- just\n- a list\n", "", None, "映射", count=1)


# --------------------------------------------------------------------------- unknown keys


def test_unknown_item_key_pionts_is_reported_with_suggestion(check):
    text = edit(BASE, ("        points: 2\n        kind: check\n        gate: excellent",
                       "        pionts: 2\n        kind: check\n        gate: excellent"))
    p = check(text, "categories[0].items[1].pionts", "pionts", "pionts", "points")
    assert "是否应为 points" in p.message
    # ...and the now missing `points` is reported as well, on the item's line.
    check(text, "categories[0].items[1].points", 'code: "1.2"', "缺少必填项", count=2)


@pytest.mark.parametrize("old,new,path", [
    ("title: 测试标准", "titel: 测试标准", "titel"),
    ("    title: 组织领导", "    titel: 组织领导", "categories[0].titel"),
    ("min_ratio: {pass: 0.5}", "min_ratios: {pass: 0.5}", "categories[0].min_ratios"),
    ("{label: 合格, points: 4}", "{label: 合格, point: 4}", "categories[1].items[0].options[1].point"),
    ("{at: 2, points: 3}", "{at: 2, points: 3, upto: 3}", "categories[0].items[0].bands[0].upto"),
    ("evidence: {photos: 1, documents: [制度汇编]}", "evidence: {photo: 1, documents: [制度汇编]}",
     "categories[1].items[1].evidence.photo"),
    ("  - {key: pass, label: 达标, min_score: 80}", "  - {key: pass, label: 达标, min: 80}", "levels[0].min"),
])
def test_unknown_keys_everywhere(check, old, new, path):
    marker = new.strip()
    p = check(edit(BASE, (old, new)), path, marker, "未知的键")
    assert path.rsplit(".", 1)[-1] in p.message


def test_key_of_another_kind_is_unknown(check):
    # `per` belongs to deduct items, not to a check item.
    text = edit(BASE, ("        kind: check\n        gate: excellent", "        kind: check\n        per: 1\n        gate: excellent"))
    check(text, "categories[0].items[1].per", "per: 1", "未知的键", count=1)


def test_overlay_only_keys_in_a_base_and_base_keys_in_an_overlay(check):
    check(edit(BASE, ("bonus_cap: 3", "bonus_cap: 3\nremove_items: [\"1.1\"]")), "remove_items", "remove_items",
          "未知的键", count=1)
    overlay = ('format: dabiao-checklist/1\nid: t-ov\nversion: "1"\ntitle: 叠加\n'
               'extends: {id: t-base, version: "1"}\ncategories: []\n')
    p = check(overlay, "categories", "categories:", "未知的键")
    assert "add_categories" in p.message


# --------------------------------------------------------------------------- items


@pytest.mark.parametrize("key,old,new,marker", [
    ("code", '      - code: "2.1"\n        title: 两室一库', "      - title: 两室一库", "- title: 两室一库"),
    ("title", "        title: 两室一库\n", "", 'code: "2.1"'),
    ("requirement", "        requirement: 齐全\n", "", 'code: "2.1"'),
    ("points", "        points: 6\n", "", 'code: "2.1"'),
    ("kind", "        kind: rubric\n", "", 'code: "2.1"'),
])
def test_required_item_keys(check, key, old, new, marker):
    # A missing key is reported on the line where the item starts.
    check(edit(BASE, (old, new)), f"categories[1].items[0].{key}", marker, "缺少必填项", count=1)


def test_item_value_types(check):
    text = edit(BASE,
                ('      - code: "1.1"', "      - code: 1.1"),
                ("        title: 第一书记", "        title: [第一书记]"),
                ("        points: 6\n        kind: rubric", "        points: 六\n        kind: rubric"),
                ("        kind: deduct\n        per: 1", "        kind: deductions\n        per: 1"),
                ("            na_allowed: true", "            na_allowed: maybe"),
                ("        role: bonus", "        role: extra"),
                ("        gate: pass", "        gate: [pass]"))
    # 8: the 0-point item whose gate is refused is also told its 0 points need a gate.
    check(text, "categories[0].items[0].code", "code: 1.1", "引号", count=8)
    check(text, "categories[0].items[1].title", "title: [第一书记]", "文本")
    check(text, "categories[1].items[0].points", "points: 六", "数字")
    check(text, "categories[1].items[1].kind", "kind: deductions", "check、rubric")
    check(text, "categories[1].categories[0].items[0].na_allowed", "na_allowed: maybe", "true 或 false")
    check(text, "categories[2].items[1].role", "role: extra", "base、bonus 或 penalty")
    check(text, "categories[2].items[0].gate", "gate: [pass]", "等级键")
    check(text, "categories[2].items[0].points", "        points: 0", "gate")


def test_kind_specific_requirements(check):
    text = edit(BASE,
                ("        bands:\n          - {at: 2, points: 3}\n          - {at: 4, points: 4}\n", ""),
                ("        options:\n          - {label: 优秀, points: 6}\n          - {label: 合格, points: 4}\n"
                 "          - {label: 不合格, points: 0}\n", ""),
                ("        kind: deduct\n        per: 1\n", "        kind: deduct\n"),
                ("        unit: 次\n", "        unit: 次\n        direction: up\n"),
                ("            step: 0.5", "            step: 0"))
    check(text, "categories[0].items[0].bands", 'code: "1.1"', "bands", count=5)
    check(text, "categories[0].items[0].direction", "direction: up", "higher 或 lower")
    check(text, "categories[1].items[0].options", 'code: "2.1"', "options")
    check(text, "categories[1].items[1].per", 'code: "2.2"', "缺少必填项")
    check(text, "categories[1].categories[0].items[0].step", "step: 0", "大于 0")


def test_score_points_must_be_a_multiple_of_step(check):
    check(edit(BASE, ("            step: 0.5", "            step: 1.5")),
          "categories[1].categories[0].items[0].step", "step: 1.5", "步长", count=1)


def test_evidence_rules(check):
    text = edit(BASE, ("evidence: {photos: 1, documents: [制度汇编]}",
                       "evidence: {photos: -1, documents: 制度汇编, strict: yes}"))
    check(text, "categories[1].items[1].evidence.photos", "evidence:", "不小于 0", count=3)
    check(text, "categories[1].items[1].evidence.documents", "evidence:", "列表")
    check(text, "categories[1].items[1].evidence.strict", "evidence:", "photos")


@pytest.mark.parametrize("value", ["1.25", "0.3", "2.75"])
def test_points_must_be_a_multiple_of_half(check, value):
    check(edit(BASE, ("        points: 2\n        kind: check\n        gate: excellent",
                      f"        points: {value}\n        kind: check\n        gate: excellent")),
          "categories[0].items[1].points", f"points: {value}", "0.5", count=1)


def test_half_points_are_fine(tmp_path):
    text = edit(BASE, ("        points: 2\n        kind: check\n        gate: excellent",
                       "        points: 2.5\n        kind: check\n        gate: excellent"), ("total: 20", "total: 20.5"))
    f = tmp_path / "ok.yaml"
    f.write_text(text, encoding="utf-8")
    assert load_checklist(f).item("1.2").points == Fraction(5, 2)


def test_zero_points_only_for_a_gate_check(check):
    # A 0-point check without gate:
    check(edit(BASE, ("        points: 0\n        kind: check\n        gate: pass",
                      "        points: 0\n        kind: check")),
          "categories[2].items[0].points", "        points: 0", "大于 0", count=1)
    # A 0-point gate item of another kind:
    text = edit(BASE, ("        points: 0\n        kind: check\n        gate: pass",
                       "        points: 0\n        kind: deduct\n        per: 1\n        gate: pass"))
    check(text, "categories[2].items[0].points", "        points: 0", "gate", count=1)
    # Negative points:
    check(edit(BASE, ("        points: 0\n        kind: check\n        gate: pass",
                      "        points: -1\n        kind: check\n        gate: pass")),
          "categories[2].items[0].points", "points: -1", count=1)


def test_band_points_outside_range_and_best_not_reaching_points(check):
    text = edit(BASE, ("{at: 2, points: 3}", "{at: 2, points: -1}"), ("{at: 4, points: 4}", "{at: 4, points: 5}"))
    check(text, "categories[0].items[0].bands[0].points", "{at: 2, points: -1}", "不能小于 0", count=2)
    check(text, "categories[0].items[0].bands[1].points", "{at: 4, points: 5}", "超过")
    check(edit(BASE, ("{at: 4, points: 4}", "{at: 4, points: 3.5}")), "categories[0].items[0].bands", "bands:",
          "必须等于条目满分", count=1)


def test_band_values_must_be_numbers(check):
    check(edit(BASE, ("{at: 2, points: 3}", "{at: 两次, points: 3}")), "categories[0].items[0].bands[0].at",
          "{at: 两次", "数字", count=1)


def test_option_points_outside_range_and_best_not_reaching_points(check):
    text = edit(BASE, ("{label: 合格, points: 4}", "{label: 合格, points: 7}"),
                ("{label: 不合格, points: 0}", "{label: 不合格, points: -2}"))
    check(text, "categories[1].items[0].options[1].points", "{label: 合格", "超过", count=2)
    check(text, "categories[1].items[0].options[2].points", "{label: 不合格", "不能小于 0")
    # The best option above the maximum is also reported as not equal to it.
    check(edit(BASE, ("{label: 合格, points: 4}", "{label: 合格, points: 7}")), "categories[1].items[0].options",
          "options:", "必须等于条目满分", count=2)
    check(edit(BASE, ("{label: 优秀, points: 6}", "{label: 优秀, points: 5}")), "categories[1].items[0].options",
          "options:", "必须等于条目满分", count=1)


def test_duplicate_rubric_labels(check):
    check(edit(BASE, ("{label: 合格, points: 4}", "{label: 优秀, points: 4}")),
          "categories[1].items[0].options[1].label", "{label: 优秀, points: 4}", "重复", count=1)


# --------------------------------------------------------------------------- whole set


def test_duplicate_item_codes_across_categories(check):
    p = check(edit(BASE, ('      - code: "2.2"', '      - code: "1.1"')), "categories[1].items[1].code",
              '- code: "1.1"', "1.1", "重复", nth=2, count=1)
    assert p.line > line_no(BASE, 'code: "1.1"')


def test_duplicate_item_code_in_a_sub_category(check):
    check(edit(BASE, ('          - code: "2.3"', '          - code: "2.1"')),
          "categories[1].categories[0].items[0].code", '- code: "2.1"', "重复", nth=2, count=1)


def test_duplicate_category_codes(check):
    text = edit(BASE, ('  - code: "3"', '  - code: "1"'), ('      - code: "2A"', '      - code: "2"'))
    check(text, "categories[2].code", '  - code: "1"', "大项编号", nth=2, count=2)
    check(text, "categories[1].categories[0].code", '      - code: "2"', "大项编号")


def test_total_must_match_the_sum(check):
    check(edit(BASE, ("total: 20", "total: 100")), "total", "total:", "100", "20", count=1)


def test_total_is_optional(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(edit(BASE, ("total: 20\n", "")), encoding="utf-8")
    assert load_checklist(f).total == 20


def test_bonus_and_penalty_points_do_not_count_in_total(check):
    check(edit(BASE, ("total: 20", "total: 27")), "total", "total:", count=1)


def test_levels_out_of_order(check):
    check(edit(BASE, ("min_score: 90", "min_score: 70")), "levels[1].min_score", "key: excellent", "由低到高",
          count=1)


def test_levels_with_equal_min_scores_are_fine(tmp_path):
    f = tmp_path / "ok.yaml"
    f.write_text(edit(BASE, ("min_score: 90", "min_score: 80")), encoding="utf-8")
    assert [lv.key for lv in load_checklist(f).levels] == ["pass", "excellent"]


def test_duplicate_level_keys(check):
    check(edit(BASE, ("{key: excellent, label: 达优", "{key: pass, label: 达优")), "levels[1].key", "label: 达优",
          "重复", count=1)


def test_level_key_fail_is_reserved(check):
    check(edit(BASE, ("{key: excellent, label: 达优", "{key: fail, label: 达优")), "levels[1].key", "label: 达优",
          "fail", count=1)


def test_levels_required_and_not_empty(check):
    text = edit(BASE, ("  - {key: pass, label: 达标, min_score: 80}\n  - {key: excellent, label: 达优, min_score: 90}\n",
                       ""), ("levels:\n", "levels: []\n"))
    check(text, "levels", "levels:", "至少", count=1)
    check(edit(BASE, ("{key: pass, label: 达标, min_score: 80}", "{key: pass, label: 达标}")),
          "levels[0].min_score", "key: pass", "缺少必填项", count=1)


def test_gate_naming_an_unknown_level(check):
    check(edit(BASE, ("        gate: excellent", "        gate: excelent")), "categories[0].items[1].gate",
          "gate: excelent", "excelent", count=1)


def test_min_ratio_naming_an_unknown_level(check):
    check(edit(BASE, ("min_ratio: {pass: 0.5}", "min_ratio: {pass: 0.5, gold: 0.9}")),
          "categories[0].min_ratio.gold", "min_ratio:", "gold", count=1)


@pytest.mark.parametrize("value", ["1.5", "-0.1", "六成"])
def test_min_ratio_out_of_range(check, value):
    check(edit(BASE, ("min_ratio: {pass: 0.5}", f"min_ratio: {{pass: {value}}}")), "categories[0].min_ratio.pass",
          "min_ratio:", "0 到 1", count=1)


def test_nesting_deeper_than_3(check):
    deep = ('    categories:\n      - code: "2A"\n        title: 训练场地\n'
            '        categories:\n          - code: "2B"\n            title: 第三层\n'
            '            categories:\n              - code: "2C"\n                title: 第四层\n'
            '                items:\n                  - {code: "2.9", title: x, requirement: y, points: 1, kind: check}\n'
            '        items:\n')
    text = edit(BASE, ('    categories:\n      - code: "2A"\n        title: 训练场地\n        items:\n', deep),
                ("total: 20", "total: 21"))
    check(text, "categories[1].categories[0].categories[0].categories", "            categories:", "3", count=1)


def test_three_levels_of_categories_are_fine(tmp_path):
    deep = ('    categories:\n      - code: "2A"\n        title: 训练场地\n'
            '        categories:\n          - code: "2B"\n            title: 第三层\n'
            '            items:\n              - {code: "2.9", title: x, requirement: y, points: 1, kind: check}\n'
            '        items:\n')
    f = tmp_path / "ok.yaml"
    f.write_text(edit(BASE, ('    categories:\n      - code: "2A"\n        title: 训练场地\n        items:\n', deep),
                      ("total: 20", "total: 21")), encoding="utf-8")
    c = load_checklist(f)
    # Own items before sub-categories, at every level.
    assert [i.code for i in c.items()] == ["1.1", "1.2", "2.1", "2.2", "2.3", "2.9", "3.1", "3.2", "3.4"]


def test_categories_need_code_title_and_a_list(check):
    text = edit(BASE, ('  - code: "3"\n    title: 否决与加扣分\n    items:', '  - title: 否决与加扣分\n    items:'),
                ("    title: 组织领导\n", ""))
    check(text, "categories[2].code", "title: 否决与加扣分", "缺少必填项", count=2)
    check(text, "categories[0].title", '  - code: "1"', "缺少必填项")
    check(edit(BASE, ("categories:\n  - code: \"1\"", "categories: 组织领导\nx:\n  - code: \"1\"")),
          "categories", "categories:", "列表")


def test_a_set_without_base_points(check):
    text = ('format: dabiao-checklist/1\nid: t\nversion: "1"\ntitle: t\n'
            'levels: [{key: pass, label: 达标, min_score: 1}]\n'
            'categories:\n  - code: "1"\n    title: x\n    items:\n'
            '      - {code: "1.1", title: x, requirement: y, points: 1, kind: check, role: bonus}\n')
    check(text, "categories", "categories:", "为 0", count=1)


# --------------------------------------------------------------------------- all at once


def test_every_problem_is_reported_in_one_pass(tmp_path):
    text = edit(BASE,
                ("format: dabiao-checklist/1", "format: dabiao/1"),                        # 1 bad format
                ("id: t-base", "id: T Base"),                                              # 2 bad id
                ("min_score: 90", "min_score: 70"),                                        # 3 levels out of order
                ("{at: 4, points: 4}", "{at: 4, points: 4, pionts: 4}"),                   # 4 unknown key
                ("        gate: excellent", "        gate: gold"),                         # 5 unknown level
                ("{label: 合格, points: 4}", "{label: 优秀, points: 4}"),                  # 6 duplicate label
                ('      - code: "2.2"', '      - code: "1.2"'),                           # 7 duplicate code
                ("            step: 0.5", "            step: 0.5\n            colour: red"),  # 8 unknown key
                ("min_ratio: {pass: 0.5}", "min_ratio: {pass: 2}"),                        # 9 ratio > 1
                ("        points: 0\n        kind: check\n        gate: pass",
                 "        points: 0.3\n        kind: check\n        gate: pass"),          # 10 not a multiple of 0.5
                )
    f = tmp_path / "many.yaml"
    f.write_text(text, encoding="utf-8")
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == sorted([
        "format", "id", "levels[1].min_score", "categories[0].items[0].bands[1].pionts",
        "categories[0].items[1].gate", "categories[1].items[0].options[1].label", "categories[1].items[1].code",
        "categories[1].categories[0].items[0].colour", "categories[0].min_ratio.pass",
        "categories[2].items[0].points"]), [str(p) for p in problems]
    assert len(problems) == 10
    assert all(p.file == str(f) and p.line for p in problems)
    # ChecklistError prints one line per problem.
    with pytest.raises(ChecklistError) as info:
        load_checklist(f)
    assert len(info.value.lines()) == 10 and len(str(info.value).splitlines()) == 10


def test_a_refused_item_does_not_cause_echo_problems(tmp_path):
    """An item refused for its own problem is not reported again by the whole-set rules
    (total, unknown levels): one mistake, one line."""
    text = edit(BASE, ("        points: 6\n        kind: rubric", "        pionts: 6\n        kind: rubric"))
    f = tmp_path / "one.yaml"
    f.write_text(text, encoding="utf-8")
    assert sorted(p.path for p in problems_of(f)) == ["categories[1].items[0].pionts", "categories[1].items[0].points"]
    text = edit(BASE, ("  - {key: excellent, label: 达优, min_score: 90}", "  - {kee: excellent, label: 达优, min_score: 90}"))
    f.write_text(text, encoding="utf-8")
    assert sorted(p.path for p in problems_of(f)) == ["levels[1].kee", "levels[1].key"]
