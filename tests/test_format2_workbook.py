"""Format 2 in Excel: every (/2) rule has its sheet or column (单位标签, 扣分细则, 要素, 资料,
the linear columns, 否决记零, 只适用于 / 不适用于, 扣分上限, category 分值), both ways:
YAML -> xlsx -> YAML stays identical and scores identically, and each problem points at
its cell."""

from __future__ import annotations

from fractions import Fraction

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import main
from checklists import load_checklist, score
from checklists.serialize import checklist_to_dict
from checklists.workbook import read_workbook_document, write_workbook

from format2_text import SET2
from sets import load_data
from test_format2_properties import answers_for, set_dict

F = Fraction
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(capsys, *argv):
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture(scope="module")
def set2_files(tmp_path_factory):
    """The format 2 test set, converted to a workbook and back."""
    folder = tmp_path_factory.mktemp("set2")
    src = folder / "t2.yaml"
    src.write_text(SET2, encoding="utf-8")
    xlsx, back = folder / "t2.xlsx", folder / "back.yaml"
    assert main.main(["checklist", "convert", str(src), "--out", str(xlsx)]) == 0
    assert main.main(["checklist", "convert", str(xlsx), "--out", str(back)]) == 0
    return src, xlsx, back


def rows(wb, title):
    return [tuple(c for c in r) for r in wb[title].iter_rows(min_row=2, values_only=True)]


def test_the_format2_set_survives_the_round_trip(set2_files):
    src, xlsx, back = set2_files
    original = load_checklist(src)
    for other in (load_checklist(xlsx), load_checklist(back)):
        assert checklist_to_dict(other, with_source=True) == checklist_to_dict(original, with_source=True)
    assert yaml.safe_load(back.read_text(encoding="utf-8"))["format"] == "dabiao-checklist/2"


def test_each_rule_has_its_sheet_or_column(set2_files):
    _, xlsx, _ = set2_files
    wb = openpyxl.load_workbook(xlsx)
    assert rows(wb, "单位标签") == [("big", "大镇（人口5万以上）"), ("small", "小镇")]
    assert ("a", "专武干部缺编", 1, "人") == rows(wb, "扣分细则")[0][1:5]
    assert rows(wb, "扣分细则")[2][0] == "1.1" and rows(wb, "扣分细则")[2][5] == 1
    assert [r[1:] for r in rows(wb, "要素")] == [("plan", "有年度教育计划", 0.25), ("notes", "有教案", 0.25),
                                                ("review", "有总结和考核", 0.5)]
    # an item with a document that counts lists all its documents, in order, on 资料
    assert rows(wb, "资料") == [("3.1", "会议记录", None), ("3.1", "会议纪要", "zero"), ("3.1", "签到表", 0.2)]
    settings_rows = {r[0]: r[1] for r in rows(wb, "设置")}
    assert settings_rows["扣分上限 penalty_cap"] == 3 and settings_rows["格式 format"] == "dabiao-checklist/2"
    items = wb["条目"]
    header = [c.value for c in items[1]]
    by_code = {r[0]: dict(zip(header, r)) for r in items.iter_rows(min_row=2, values_only=True)}
    assert (by_code["2.1"]["线性基准值 linear_at"], by_code["2.1"]["基准得分 linear_points"],
            by_code["2.1"]["每档幅度 linear_step"], by_code["2.1"]["每档分值 linear_per"]) == (96, 15, 1, 5)
    assert by_code["2.2"]["只适用于 only_for"] == "big" and by_code["2.3"]["不适用于 not_for"] == "big"
    assert by_code["3.2"]["否决记零 voids_score"] == "是"
    assert by_code["3.1"]["需查资料 evidence_documents"] is None
    assert [r[2] for r in rows(wb, "大项")] == [None, None, None]  # parent
    assert [r[4] for r in rows(wb, "大项")] == [6.5, 23, None]      # points


@SLOW
@given(data=st.data())
def test_the_format2_set_scores_identically_after_conversion(set2_files, data):
    sets = [load_checklist(f) for f in set2_files]
    answers = data.draw(answers_for(sets[0]))
    expected = score(sets[0], answers).to_json()
    assert all(score(c, answers).to_json() == expected for c in sets[1:])


@SLOW
@given(data=st.data())
def test_generated_format2_sets_survive_the_round_trip(tmp_path_factory, data):
    c = load_data(data.draw(set_dict()))
    path = tmp_path_factory.mktemp("g2") / "g.xlsx"
    write_workbook(c, path)
    back = load_checklist(path)
    assert checklist_to_dict(back) == checklist_to_dict(c)
    answers = data.draw(answers_for(c))
    assert score(back, answers).to_json() == score(c, answers).to_json()


def test_a_format2_overlay_stays_an_overlay(tmp_path, capsys):
    (tmp_path / "t2.yaml").write_text(SET2, encoding="utf-8")
    overlay = {"format": "dabiao-checklist/2", "id": "t2-city", "version": "1", "title": "市细则",
               "extends": {"id": "t2-base", "version": "1"}, "penalty_cap": 1.5,
               "unit_tags": [{"tag": "border", "label": "边境镇"}],
               "add_items": [{"category": "2", "items": [
                   {"code": "2.9", "title": "边境管控", "requirement": "有", "points": 1.25, "kind": "elements",
                    "only_for": ["border"], "elements": [{"key": "a", "text": "巡逻", "points": 1.25}]}]}]}
    src = tmp_path / "city.yaml"
    src.write_text(yaml.safe_dump(overlay, allow_unicode=True, sort_keys=False), encoding="utf-8")
    xlsx = tmp_path / "city.xlsx"
    assert run(capsys, "checklist", "convert", src, "--out", xlsx)[0] == 0
    data = read_workbook_document(xlsx).data
    assert data["unit_tags"] == [{"tag": "border", "label": "边境镇"}] and data["penalty_cap"] == F(3, 2)
    merged = load_checklist(xlsx)
    assert [t.tag for t in merged.unit_tags] == ["big", "small", "border"] and merged.penalty_cap == F(3, 2)
    assert checklist_to_dict(merged, with_source=True) == checklist_to_dict(load_checklist(src), with_source=True)


def test_words_people_write_in_the_new_columns(tmp_path):
    path = tmp_path / "t2.xlsx"
    write_workbook(yaml.safe_load(SET2), path)
    wb = openpyxl.load_workbook(path)
    wb["资料"]["C3"] = "记0分"   # zero in words
    items = wb["条目"]
    header = [c.value for c in items[1]]
    row = next(r for r in range(2, items.max_row + 1) if items.cell(r, 1).value == "2.1")
    items.cell(row, header.index("低于基准记0 linear_below") + 1).value = "否"
    # a document in the column and one on the sheet: the column's come first
    wb["资料"].append(("3.1", "影像资料", None))
    row = next(r for r in range(2, items.max_row + 1) if items.cell(r, 1).value == "3.1")
    items.cell(row, header.index("需查资料 evidence_documents") + 1).value = "会议通知"
    wb.save(path)
    c = load_checklist(path)
    assert c.item("3.1").evidence.rule("会议纪要").zero and c.item("2.1").linear.below_zero is False
    assert c.item("3.1").evidence.documents == ("会议通知", "会议记录", "会议纪要", "签到表", "影像资料")


def test_format2_problems_point_at_their_cells(tmp_path, capsys):
    path = tmp_path / "t2.xlsx"
    write_workbook(yaml.safe_load(SET2), path)
    wb = openpyxl.load_workbook(path)
    wb["扣分细则"]["D3"] = 0.205
    wb["要素"]["D2"] = 0
    wb["资料"]["C3"] = "半分"
    wb["单位标签"]["A3"] = "big"
    items = wb["条目"]
    header = [c.value for c in items[1]]
    code_row = {items.cell(r, 1).value: r for r in range(2, items.max_row + 1)}
    only_for = header.index("只适用于 only_for") + 1
    step = header.index("每档幅度 linear_step") + 1
    items.cell(code_row["2.2"], only_for).value = "huge"
    items.cell(code_row["1.3"], step).value = None
    wb.save(path)
    code, _, err = run(capsys, "checklist", "validate", path)
    lines = err.strip().splitlines()
    letter = openpyxl.utils.get_column_letter
    expected = [
        ("单位标签!A3", "重复"), ("扣分细则!D3", "两位小数"), ("要素!D2", "大于 0"), ("资料!C3", "zero"),
        (f"条目!{letter(step)}{code_row['1.3']}", "缺少必填项"),
        (f"条目!{letter(only_for)}{code_row['2.2']}", "未声明的单位标签"),
    ]
    assert code == 1 and len(lines) == len(expected), lines
    for cell, words in expected:
        assert any(f" {cell}: " in line and words in line for line in lines), (cell, lines)


def test_the_template_is_format2_and_explains_each_rule(tmp_path, capsys):
    path = tmp_path / "模板.xlsx"
    assert run(capsys, "checklist", "template", "--out", path)[0] == 0
    wb = openpyxl.load_workbook(path)
    assert {r[0]: r[1] for r in rows(wb, "设置")}["格式 format"] == "dabiao-checklist/2"
    guide = "\n".join(str(c) for r in wb["说明"].iter_rows(values_only=True) for c in r if c)
    for words in ("96%得15分，每提高1%加5分", "每少一人扣0.1分", "0.25", "扣分细则", "要素", "记0分", "空白村",
                  "大镇", "扣分上限", "大项分值"):
        assert words in guide, words
    for sheet in ("单位标签", "扣分细则", "要素", "资料"):
        assert wb[sheet]["A1"].value and wb[sheet].max_row == 1  # headers only
