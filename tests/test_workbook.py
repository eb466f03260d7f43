"""Criteria workbooks (.xlsx): round trips that score identically, hand-edited files,
cell-level errors and the convert / template commands."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import main
from checklists import Answers, ChecklistError, load_checklist, score
from checklists.library import bundled_files
from checklists.format import KINDS, V2_KINDS
from checklists.serialize import checklist_to_dict
from checklists.workbook import read_workbook_document, write_workbook

from sets import load_data, small_set

SLOW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def answers_for(checklist):
    """Valid answers for a set: every item unanswered, na (where allowed) or a value of its kind."""

    def value(item):
        choices = [st.none()]
        if item.na_allowed:
            choices.append(st.just("na"))
        if item.kind == "check":
            choices.append(st.booleans())
        elif item.kind == "rubric":
            choices.append(st.sampled_from([o.label for o in item.options]))
        elif item.kind == "number":
            top = int(max(item.linear.at if item.linear else max(b.at for b in item.bands), 0)) + 3
            choices.append(st.integers(0, 4 * top).map(lambda n: Fraction(n, 4)))
        elif item.kind == "deduct" and item.reasons:  # (/2) a count per reason
            choices.append(st.fixed_dictionaries({r.key: st.integers(0, r.max_count or 4) for r in item.reasons}))
        elif item.kind == "deduct":
            choices.append(st.integers(0, 12))
        elif item.kind == "elements":  # (/2) the elements met
            choices.append(st.lists(st.sampled_from([e.key for e in item.elements]), unique=True))
        else:
            steps = int(item.points / item.step)
            choices.append(st.integers(0, steps).map(lambda n, s=item.step: n * s))
        return st.one_of(choices)

    items = list(checklist.items())
    values = st.fixed_dictionaries({i.code: value(i) for i in items})
    photos = st.fixed_dictionaries({i.code: st.integers(0, 3) for i in items if i.evidence.photos})
    return st.builds(lambda v, p: Answers(values={k: x for k, x in v.items() if x is not None}, photos=p),
                     values, photos)


def assert_same_scores(data, sets):
    first, *others = sets
    answers = data.draw(answers_for(first))
    expected = score(first, answers).to_json()
    for other in others:
        assert score(other, answers).to_json() == expected


# --------------------------------------------------------------------------- round trips


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Every bundled set: (original, from its .xlsx, from the .yaml converted back)."""
    folder = tmp_path_factory.mktemp("converted")
    out = {}
    for path in bundled_files():
        xlsx, back = folder / f"{path.stem}.xlsx", folder / f"{path.stem}.yaml"
        assert main.main(["checklist", "convert", str(path), "--out", str(xlsx)]) == 0
        assert main.main(["checklist", "convert", str(xlsx), "--out", str(back)]) == 0
        out[path.name] = (load_checklist(path), load_checklist(xlsx), load_checklist(back))
    return out


@pytest.mark.parametrize("name", [p.name for p in bundled_files()])
def test_bundled_sets_survive_the_round_trip(converted, name):
    original, from_xlsx, from_yaml = converted[name]
    expected = checklist_to_dict(original, with_source=True)
    assert checklist_to_dict(from_xlsx, with_source=True) == expected
    assert checklist_to_dict(from_yaml, with_source=True) == expected
    assert from_xlsx.chain == original.chain


@pytest.mark.parametrize("name", [p.name for p in bundled_files()])
@SLOW
@given(data=st.data())
def test_bundled_sets_score_identically_after_conversion(converted, name, data):
    assert_same_scores(data, converted[name])


def test_overlay_stays_an_overlay_unless_flattened(tmp_path, capsys):
    city = next(p for p in bundled_files() if p.stem == "city-2027-town")
    xlsx = tmp_path / "city.xlsx"
    run(capsys, "checklist", "convert", str(city), "--out", str(xlsx))
    wb = openpyxl.load_workbook(xlsx)
    written = yaml.safe_load(city.read_text(encoding="utf-8"))
    assert [r[0] for r in wb["删除条目"].iter_rows(min_row=2, values_only=True)] == written["remove_items"]
    assert wb["替换条目"]["A2"].value == "2.4"
    data = read_workbook_document(xlsx).data
    assert data["extends"] == {"id": "prov-2027-town", "version": "2027.1"}
    assert [g["category"] for g in data["add_items"]] == [g["category"] for g in written["add_items"]]
    code, out, _ = run(capsys, "checklist", "convert", str(xlsx), "--out", str(tmp_path / "flat.yaml"), "--flatten")
    assert code == 0 and "合并后的完整标准" in out
    flat = yaml.safe_load((tmp_path / "flat.yaml").read_text(encoding="utf-8"))
    assert "extends" not in flat and flat["total"] == load_checklist(city).total


TEXT = st.text(alphabet="武装部民兵训练 abc123.=-（）", min_size=1, max_size=12).filter(lambda s: s.strip())


@st.composite
def criteria_sets(draw) -> dict:
    """A small valid base set using every kind, role and option of the format."""
    halves = st.integers(1, 20).map(lambda n: n / 2)
    pass_score = draw(st.integers(0, 30))
    levels = [{"key": "pass", "label": "达标", "min_score": pass_score}]
    if draw(st.booleans()):
        levels.append({"key": "excellent", "label": "达优", "min_score": pass_score + draw(st.integers(0, 10))})
    keys = [lv["key"] for lv in levels]
    style = draw(st.sampled_from(["{c}.{n}", "{c}.{n:02d}", "{c}-{n}"]))
    counter = iter(range(1, 1000))

    def item(c: str) -> dict:
        kind, points = draw(st.sampled_from([k for k in KINDS if k not in V2_KINDS])), draw(halves)  # a /1 set
        d = {"code": style.format(c=c, n=next(counter)), "title": draw(TEXT), "requirement": draw(TEXT)}
        if draw(st.booleans()):
            d["excellent"] = draw(TEXT)
        d.update(points=points, kind=kind)
        role = draw(st.sampled_from(["base", "base", "bonus", "penalty"]))
        if role != "base":
            d["role"] = role
        if kind == "check" and draw(st.booleans()):
            d["gate"] = draw(st.sampled_from(keys))
            if draw(st.booleans()):
                d["points"] = 0
        if draw(st.booleans()):
            d["na_allowed"] = True
        if kind == "rubric":
            labels = draw(st.lists(TEXT, min_size=1, max_size=4, unique_by=lambda s: s.strip()))
            d["options"] = [{"label": label, "points": draw(st.integers(0, int(points * 2))) / 2} for label in labels]
            d["options"][draw(st.integers(0, len(labels) - 1))]["points"] = points
        elif kind == "number":
            ats = draw(st.lists(st.integers(-50, 500), min_size=1, max_size=4, unique=True))
            scale = draw(st.sampled_from([1, 2, 10, 100]))
            d["bands"] = [{"at": at / scale, "points": draw(st.integers(0, int(points * 2))) / 2} for at in ats]
            d["bands"][-1]["points"] = points
            if draw(st.booleans()):
                d["direction"] = "lower"
            if draw(st.booleans()):
                d["unit"] = draw(TEXT)
        elif kind == "deduct":
            d["per"] = draw(halves)
        elif kind == "score":
            d["step"] = draw(st.sampled_from([0.5, points]))
        if draw(st.booleans()):
            photos = draw(st.integers(0, 3))
            d["evidence"] = {"photos": photos, "documents": draw(st.lists(TEXT, max_size=3))}
            if photos and draw(st.booleans()):
                d["evidence"]["strict"] = True
        return d

    categories = []
    for c in range(1, draw(st.integers(1, 3)) + 1):
        cat = {"code": str(c), "title": draw(TEXT), "items": [item(str(c)) for _ in range(draw(st.integers(0, 3)))]}
        if draw(st.booleans()):
            cat["min_ratio"] = {draw(st.sampled_from(keys)): draw(st.integers(0, 100)) / 100}
        if draw(st.booleans()):
            cat["categories"] = [{"code": f"{c}A", "title": draw(TEXT), "items": [item(f"{c}A")]}]
        categories.append(cat)
    anchor = item("1") | {"points": draw(halves), "kind": "check"}
    for key in ("role", "gate", "options", "bands", "per", "step", "unit", "direction"):
        anchor.pop(key, None)
    categories[0]["items"].append(anchor)  # at least one base item with points
    data = {"format": "dabiao-checklist/1", "id": "gen", "version": "1.10", "title": draw(TEXT),
            "levels": levels, "categories": categories}
    if draw(st.booleans()):
        data["bonus_cap"] = draw(st.integers(0, 10))
    return data


@SLOW
@given(data=criteria_sets(), draw=st.data())
def test_generated_sets_survive_the_round_trip(tmp_path_factory, data, draw):
    folder = tmp_path_factory.mktemp("gen")
    original = load_data(data)
    write_workbook(data, folder / "plain.xlsx")
    write_workbook(original, folder / "checklist.xlsx")
    sets = [original, load_checklist(folder / "plain.xlsx"), load_checklist(folder / "checklist.xlsx")]
    for other in sets[1:]:
        assert checklist_to_dict(other) == checklist_to_dict(original)
    assert_same_scores(draw, sets)


# --------------------------------------------------------------------------- hand-edited


def sheet(wb, title, rows):
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(list(row))
    return ws


def hand_edited(path: Path) -> Path:
    """A workbook as a person might leave it: English sheet names, an extra title row,
    reordered headers, merged category cells, numbers and codes of every type, 是/否,
    spaces, notes columns and empty trailing rows."""
    wb = openpyxl.Workbook()
    wb.active.title = "封面"
    sheet(wb, "settings", [("项目 key", "值 value"), ("格式 format", "dabiao-checklist/1 "), ("id", "hand-set"),
                           ("版本", 2027.1), ("标题 title", "  手工填写的标准 "), ("层级", "省级"),
                           ("year", "2027"), ("适用单位 applies_to", "town、militia"), ("总分", "10"),
                           ("加分上限 bonus_cap", "  1.5 "), (None, None), ("", "  ")])
    sheet(wb, "等级 levels", [("等级键(key)", "名称（label）", "分数线 min_score"),
                            ("pass", "达标", "6"), ("excellent", "达优", 8.5), (None, None, None)])
    sheet(wb, "大项", [("编号 code", "名称 title", "得分率要求 min_ratio", "上级大项 parent"),
                     (1, "组织领导", "pass=60%；达优=0.8", None), ("2", "阵地建设", None, None),
                     (2.1, "  训练场地", None, 2)])
    items = sheet(wb, "条目", [
        ("某省考评标准（手工版）",),
        ("# 备注", "类型 kind", "编号 code", "大项 category", "名称 title", "达标要求 requirement", "分值(points)",
         "可不涉及 na_allowed", "必备等级 gate", "最少照片 evidence_photos", "照片不足记0分 evidence_strict",
         "需查资料 evidence_documents", "每项扣分 per", "步长 step"),
        ("看这里", "是否", 1.1, 1, " 议军会议 ", "每年2次", "4", "否", "达优", "1", "TRUE", "会议记录、 纪要\n签到表"),
        (None, "评级", 1.2, None, "第一书记", "有任职命令", " 2 ", 0, None, None, None, None),
        (None, "deduct", "2.01", 2, "制度上墙", "8项制度", 2, "是", None, None, None, None, "0.5"),
        (None, "打分", 2, 2.1, "场地", "有训练场", 2, "true", None, None, None, None, None, "1"),
        (None,) * 14, ("  ",), (None,) * 14,
    ])
    items.merge_cells("D3:D4")  # category 1 merged down over items 1.1 and 1.2
    items.merge_cells("A1:F1")
    items.merge_cells("B7:B9")  # an empty merged block below the data: still empty rows
    items.cell(100_000, 3).number_format = "@"  # formatting far below the data
    sheet(wb, "选项", [("条目编号 code", "选项 label", "分值 points"),
                     (1.2, "已任职", "2"), (1.2, " 未任职 ", "0"), (None, None, None)])
    sheet(wb, "说明", [("任意说明",)])
    wb.save(path)
    return path


EXPECTED_HAND = """
format: dabiao-checklist/1
id: hand-set
version: "2027.1"
title: 手工填写的标准
level: province
year: 2027
applies_to: [town, militia]
total: 10
bonus_cap: 1.5
levels:
  - {key: pass, label: 达标, min_score: 6}
  - {key: excellent, label: 达优, min_score: 8.5}
categories:
  - code: "1"
    title: 组织领导
    min_ratio: {pass: 0.6, excellent: 0.8}
    items:
      - {code: "1.1", title: 议军会议, requirement: 每年2次, points: 4, kind: check, gate: excellent,
         evidence: {photos: 1, strict: true, documents: [会议记录, 纪要, 签到表]}}
      - {code: "1.2", title: 第一书记, requirement: 有任职命令, points: 2, kind: rubric,
         options: [{label: 已任职, points: 2}, {label: 未任职, points: 0}]}
  - code: "2"
    title: 阵地建设
    items:
      - {code: "2.01", title: 制度上墙, requirement: 8项制度, points: 2, kind: deduct, per: 0.5, na_allowed: true}
    categories:
      - code: "2.1"
        title: 训练场地
        items:
          - {code: "2", title: 场地, requirement: 有训练场, points: 2, kind: score, step: 1, na_allowed: true}
"""


def test_hand_edited_workbook_loads(tmp_path):
    loaded = load_checklist(hand_edited(tmp_path / "手工.xlsx"))
    expected = load_data(yaml.safe_load(EXPECTED_HAND))
    assert checklist_to_dict(loaded) == checklist_to_dict(expected)


def test_codes_typed_as_numbers_take_their_displayed_text(tmp_path):
    path = tmp_path / "codes.xlsx"
    write_workbook(small_set(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["条目"]
    ws["A2"].value, ws["A2"].number_format = 1.1, "0.00"  # shows 1.10
    wb["分档"]["A2"].value = wb["分档"]["A3"].value = "1.10"
    wb.save(path)
    assert load_checklist(path).item("1.10").kind == "number"


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    data = small_set()
    data["categories"][0]["items"][1]["title"] = "=1+1"
    write_workbook(data, tmp_path / "f.xlsx")
    assert load_checklist(tmp_path / "f.xlsx").item("1.2").title == "=1+1"


def test_template_has_every_sheet_and_fills_in(tmp_path, capsys):
    path = tmp_path / "模板.xlsx"
    code, out, _ = run(capsys, "checklist", "template", "--out", str(path))
    assert code == 0 and path.exists()
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "设置", "等级", "单位标签", "大项", "条目", "选项", "分档", "扣分细则", "要素", "资料",
                             "替换条目", "删除条目"]
    items = wb["条目"]
    assert items.freeze_panes == "A2" and items["F1"].value == "分值 points"
    lists = {str(dv.sqref): dv.formula1 for dv in items.data_validations.dataValidation}
    assert lists["G2:G2000"] == '"check,rubric,number,deduct,score,elements"'
    assert lists["N2:N2000"] == '"是,否"'
    settings_ws = wb["设置"]
    for row in settings_ws.iter_rows(min_row=2):
        value = {"标准编号 id": "t", "版本 version": "1", "标题 title": "模板标准"}.get(row[0].value)
        if value:
            row[1].value = value
    wb["大项"].append(["1", "组织领导"])
    wb["条目"].append(["1.1", "1", "议军会议", "每年2次", None, 5, "check"])
    wb.save(path)
    checklist = load_checklist(path)
    assert checklist.total == 5 and [lv.key for lv in checklist.levels] == ["pass", "excellent"]
    code, _, err = run(capsys, "checklist", "template", "--out", str(path))
    assert code == 1 and "--force" in err


# --------------------------------------------------------------------------- errors


def problems_of(path) -> list[str]:
    with pytest.raises(ChecklistError) as info:
        load_checklist(path)
    return info.value.lines()


def row_of(ws, code: str) -> int:
    return next(c.row for c in ws["A"] if c.value == code)


def test_errors_point_at_cells_all_at_once(tmp_path):
    path = tmp_path / "标准.xlsx"
    write_workbook(load_data(small_set()), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["条目"]
    r1, r2 = row_of(ws, "2.2"), row_of(ws, "1.2")
    ws[f"F{r1}"] = 0
    ws[f"G{r2}"] = "bogus"
    wb.save(path)
    lines = problems_of(path)
    assert any(line.startswith(f"{path} 条目!F{r1}: 分值 points: 分值必须大于 0") for line in lines), lines
    assert any(line.startswith(f"{path} 条目!G{r2}: 类型 kind: 类型必须是") for line in lines), lines


def test_reading_and_loader_problems_are_listed_together(tmp_path):
    path = tmp_path / "标准.xlsx"
    write_workbook(load_data(small_set()), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["条目"]
    r_points, r_bool, r_cat = row_of(ws, "1.1"), row_of(ws, "2.1"), row_of(ws, "2.2")
    ws[f"F{r_points}"] = "四"  # a number stored as text that is not a number
    ws[f"N{r_bool}"] = "也许"
    ws[f"B{r_cat}"] = "9"
    wb["选项"].append(["7.7", "好", 1])
    wb["设置"]["B8"] = "二〇二七"  # year
    wb.save(path)
    text = "\n".join(problems_of(path))
    assert f"条目!F{r_points}: 分值 points: 必须是数字，现在是 '四'" in text
    assert f"条目!N{r_bool}: 可不涉及 na_allowed: 应填 是 或 否" in text
    assert f"条目!B{r_cat}: 大项 category: 大项 '9' 不在 大项 表中" in text
    assert "选项!A5: 条目编号 code: 条目 '7.7' 不在 条目 或 替换条目 表中" in text
    assert "设置!B8: 年度 year: 年度必须是整数" in text


def test_bad_options_bands_and_ratios_point_at_their_rows(tmp_path):
    path = tmp_path / "标准.xlsx"
    write_workbook(load_data(small_set()), path)
    wb = openpyxl.load_workbook(path)
    wb["选项"]["C2"] = 99  # option above the item's points
    wb["分档"]["B3"] = "x"
    wb["大项"]["D2"] = "pass 0.5"
    wb.save(path)
    text = "\n".join(problems_of(path))
    assert "选项!C2: 分值 points: 选项分值 99 超过条目满分 6" in text
    assert "分档!B3: 达到值 at: 必须是数字" in text
    assert "大项!D2: 得分率要求 min_ratio: 得分率要求应写成" in text


def test_broken_structure_is_reported_in_one_pass(tmp_path):
    path = tmp_path / "坏.xlsx"
    write_workbook(load_data(small_set()), path)
    wb = openpyxl.load_workbook(path)
    del wb["等级"]
    wb["条目"]["F1"] = "分数 pionts"
    wb["大项"]["B1"] = None
    wb.save(path)
    text = "\n".join(problems_of(path))
    assert "缺少工作表 等级（levels）" in text
    assert "条目!F1: 未知的列 '分数 pionts'" in text
    assert "条目: 第 1 行表头缺少列 分值 points" in text
    assert "大项: 第 1 行表头缺少列 名称 title" in text


def test_overlay_problems_point_at_overlay_sheets(tmp_path):
    city = next(p for p in bundled_files() if p.stem == "city-2027-town")
    path = tmp_path / "city.xlsx"
    main.main(["checklist", "convert", str(city), "--out", str(path)])
    wb = openpyxl.load_workbook(path)
    wb["删除条目"]["A2"] = "9.9"
    wb["替换条目"]["E2"] = 0
    r = row_of(wb["条目"], "3.5")
    wb["条目"][f"B{r}"] = "X"
    wb.save(path)
    text = "\n".join(problems_of(path))
    assert "替换条目!E2: 分值 points: 分值必须大于 0" in text
    assert "删除条目!A2: 条目编号 code: 要删除的条目 '9.9' 在基础标准中不存在" in text
    assert f"条目!B{r}: 大项 category: 大项 'X' 不存在" in text


def test_replace_and_remove_sheets_need_an_overlay(tmp_path):
    path = tmp_path / "base.xlsx"
    write_workbook(load_data(small_set()), path)
    wb = openpyxl.load_workbook(path)
    wb["删除条目"].append(["1.1"])
    wb.save(path)
    assert any("删除条目!A2" in line and "只有叠加标准" in line for line in problems_of(path))


# --------------------------------------------------------------------------- commands


def test_cli_validate_show_score_accept_xlsx(tmp_path, capsys):
    prov = next(p for p in bundled_files() if p.stem == "prov-2027-town")
    xlsx = tmp_path / "prov.xlsx"
    code, out, _ = run(capsys, "checklist", "convert", str(prov), "--out", str(xlsx))
    assert code == 0 and "已写入" in out
    code, out, _ = run(capsys, "checklist", "validate", str(xlsx))
    assert code == 0 and "有效" in out and "满分 100" in out
    code, out, _ = run(capsys, "checklist", "show", str(xlsx))
    assert code == 0 and "1.1 党委议军会议" in out
    answers = tmp_path / "a.yaml"
    answers.write_text('answers: {"1.1": 4, "1.2": true}\n', encoding="utf-8")
    code, json_out, _ = run(capsys, "checklist", "score", str(xlsx), "--answers", str(answers), "--json")
    assert code == 0
    assert main.main(["checklist", "score", str(prov), "--answers", str(answers), "--json"]) == 0
    assert capsys.readouterr().out == json_out
    code, _, _ = run(capsys, "checklist", "convert", str(xlsx), "--out", str(tmp_path / "prov.json"))
    assert code == 0 and load_checklist(tmp_path / "prov.json").total == 100


@pytest.mark.parametrize("content", [b"not a workbook", b"PK\x03\x04broken zip", b""])
def test_cli_reports_a_non_workbook_in_one_line(tmp_path, capsys, content):
    path = tmp_path / "标准.xlsx"
    path.write_bytes(content)
    for argv in (["checklist", "validate", str(path)], ["checklist", "convert", str(path), "--out", str(tmp_path / "o.yaml")]):
        code, _, err = run(capsys, *argv)
        assert code == 1 and "Traceback" not in err
        assert err.strip().splitlines() == [f"{path}: 不是有效的 Excel 工作簿（.xlsx）；.xls 等其他格式请在 Excel 或 WPS 中另存为 .xlsx"]


def test_cli_broken_workbook_lists_problems_without_traceback(tmp_path, capsys):
    path = hand_edited(tmp_path / "手工.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["条目"]["G5"] = 0
    wb["条目"]["B4"] = "未知"
    wb.save(path)
    code, out, err = run(capsys, "checklist", "validate", str(path))
    assert code == 1 and out == "" and "Traceback" not in err
    assert re.search(r"条目!G5: 分值 points: 分值必须大于 0", err)
    assert re.search(r"条目!B4: 类型 kind: 类型必须是", err)


def test_cli_convert_refuses_unknown_suffixes(tmp_path, capsys):
    prov = next(p for p in bundled_files() if p.stem == "prov-2027-town")
    code, _, err = run(capsys, "checklist", "convert", str(prov), "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "须为 .yaml、.yml、.json 或 .xlsx" in err
