"""Reading criteria files (YAML and JSON syntax, encodings, empty and duplicate keys, alias
bombs) and answers files: each problem names the file, the line and the key path, or the
item code."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
import yaml

from checklists import ChecklistError, load_answers, load_checklist
from checklists.errors import Problem

from criteria_text import BASE, check, edit, line_no, problems_of  # noqa: F401 - check is a fixture


# --------------------------------------------------------------------------- file level


def test_yaml_syntax_error_is_one_clear_line(check, tmp_path):
    text = edit(BASE, ("    title: 组织领导", "    title: 组织: 领导"))
    f = tmp_path / "syntax.yaml"
    f.write_text(text, encoding="utf-8")
    problems = problems_of(f)
    assert len(problems) == 1
    p = problems[0]
    assert p.line == line_no(text, "组织: 领导") and "YAML" in p.message
    assert str(p).startswith(f"{f}:{p.line}: ") and "\n" not in str(p)


def test_unclosed_bracket_names_a_line(tmp_path):
    f = tmp_path / "syntax.yaml"
    f.write_text(edit(BASE, ("applies_to: [town]", "applies_to: [town")), encoding="utf-8")
    (p,) = problems_of(f)
    assert p.line is not None and "YAML" in p.message


@pytest.mark.parametrize("text", ["", "\n\n", "# 只有注释\n"])
def test_empty_file(tmp_path, text):
    f = tmp_path / "empty.yaml"
    f.write_text(text, encoding="utf-8")
    (p,) = problems_of(f)
    assert p.file == str(f) and "空" in p.message


def test_non_utf8_file(tmp_path):
    f = tmp_path / "gbk.yaml"
    f.write_bytes(BASE.encode("gbk"))
    (p,) = problems_of(f)
    assert p.file == str(f) and "UTF-8" in p.message


def test_utf8_with_bom_is_accepted(tmp_path):
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert load_checklist(f).id == "t-base"


def test_missing_file(tmp_path):
    (p,) = problems_of(tmp_path / "nope.yaml")
    assert "nope.yaml" in p.file


def test_duplicate_yaml_keys(check):
    text = edit(BASE, ("        points: 2\n        kind: check\n        gate: excellent",
                       "        points: 2\n        kind: check\n        points: 3\n        gate: excellent"))
    check(text, "categories[0].items[1].points", "        points: 3", "重复", count=1)


def test_duplicate_top_level_yaml_key(check):
    check(edit(BASE, ("bonus_cap: 3", "bonus_cap: 3\nbonus_cap: 4")), "bonus_cap", "bonus_cap: 4", "重复", count=1)


def test_unknown_yaml_tag_is_a_problem_not_a_crash(check):
    check(edit(BASE, ("issuer: 某省军区", "issuer: !python/name:os.system 某省军区")), "issuer", "issuer:", count=None)


def test_recursive_yaml_alias_is_a_problem_not_a_crash(tmp_path):
    f = tmp_path / "loop.yaml"
    f.write_text(edit(BASE, ("applies_to: [town]", "applies_to: &a [town, *a]")), encoding="utf-8")
    problems = problems_of(f)
    assert any(p.path == "applies_to[1]" and "循环" in p.message and p.line == 8 for p in problems)


def _as_json_data(text: str):
    data = yaml.safe_load(text)
    return data


def test_json_input_is_accepted(tmp_path):
    f = tmp_path / "set.json"
    f.write_text(json.dumps(_as_json_data(BASE), ensure_ascii=False, indent=2), encoding="utf-8")
    c = load_checklist(f)
    y = tmp_path / "set.yaml"
    y.write_text(BASE, encoding="utf-8")
    assert c == load_checklist(y)
    assert c.item("2.3").step == Fraction(1, 2)  # JSON floats read exactly


def test_json_problems_name_file_and_path(tmp_path):
    data = _as_json_data(BASE)
    data["categories"][0]["items"][0]["pionts"] = 4
    data["total"] = 21
    data["categories"][0]["items"][1]["gate"] = "gold"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    problems = problems_of(f)
    assert sorted(p.path for p in problems) == ["categories[0].items[0].pionts", "categories[0].items[1].gate"]
    assert all(p.file == str(f) for p in problems)


def test_json_syntax_error_names_the_line(tmp_path):
    f = tmp_path / "bad.json"
    f.write_text('{\n  "format": "dabiao-checklist/1",\n  "id": "x",,\n}\n', encoding="utf-8")
    (p,) = problems_of(f)
    assert p.line == 3 and "JSON" in p.message


def test_json_duplicate_keys(tmp_path):
    f = tmp_path / "dup.json"
    data = _as_json_data(BASE)
    text = json.dumps(data, ensure_ascii=False).replace('"bonus_cap": 3', '"bonus_cap": 3, "bonus_cap": 4')
    f.write_text(text, encoding="utf-8")
    problems = problems_of(f)
    assert [p.message for p in problems] == ["键重复"] and "bonus_cap" in problems[0].path


# --------------------------------------------------------------------------- answers files

ANSWERS_OK = """\
checklist: {id: t-base, version: "1"}
answers:
  "1.1": 3
  "1.2": true
  "2.1": 合格
  "2.2": 2
  "2.3": na
  "3.1": true
  "3.2": 1.5
  "3.4": 0
photos:
  "2.2": 1
documents:
  "2.2": [制度汇编]
"""


@pytest.fixture
def base_set(tmp_path):
    f = tmp_path / "base.yaml"
    f.write_text(BASE, encoding="utf-8")
    return load_checklist(f)


def answer_problems(tmp_path, checklist, text) -> list[Problem]:
    f = tmp_path / "answers.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_answers(f, checklist)
    for p in info.value.problems:
        assert p.file == str(f) and p.line is not None
    return info.value.problems


def test_valid_answers(tmp_path, base_set):
    f = tmp_path / "answers.yaml"
    f.write_text(ANSWERS_OK, encoding="utf-8")
    a = load_answers(f, base_set)
    assert a.values == {"1.1": 3, "1.2": True, "2.1": "合格", "2.2": 2, "2.3": "na", "3.1": True,
                        "3.2": Fraction(3, 2), "3.4": 0}
    assert a.photos == {"2.2": 1} and a.documents == {"2.2": ["制度汇编"]}


@pytest.mark.parametrize("code,value,words", [
    ("1.2", "是", ["true 或 false"]),           # check: wrong type
    ("1.2", 1, ["true 或 false"]),
    ("1.1", "三次", ["数字"]),                  # number: wrong type
    ("1.1", True, ["数字"]),
    ("1.1", -1, ["负"]),
    ("2.1", "良好", ["良好", "优秀"]),          # unknown rubric label, options listed
    ("2.1", 4, ["不存在"]),
    ("2.2", -1, ["整数"]),                      # deduct: negative
    ("2.2", 1.5, ["整数"]),                     # deduct: not whole
    ("3.4", "两次", ["数字"]),
    ("3.2", 2.5, ["0 到 2"]),                   # score above points
    ("3.2", -0.5, ["0 到 2"]),
    ("3.2", 0.3, ["0.5 的整数倍"]),             # not a multiple of step
    ("1.1", "na", ["na"]),                      # na where not allowed
    ("3.1", "NA", ["na"]),
])
def test_bad_answer_names_the_code(tmp_path, base_set, code, value, words):
    text = ANSWERS_OK.replace(f'  "{code}": ', f'  "{code}": {json.dumps(value, ensure_ascii=False)}  # ', 1)
    problems = answer_problems(tmp_path, base_set, text)
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert p.path == f"answers.{code}" and code in p.message
    assert p.line == line_no(text, f'"{code}": {json.dumps(value, ensure_ascii=False)}')
    for word in words:
        assert word in p.message, str(p)


def test_unknown_code_in_answers_photos_and_documents(tmp_path, base_set):
    text = ANSWERS_OK + '  "9.9": [x]\n'  # under documents
    text = text.replace('  "3.4": 0\n', '  "3.4": 0\n  "8.8": 1\n').replace('  "2.2": 1\n', '  "2.2": 1\n  "7.7": 2\n')
    problems = answer_problems(tmp_path, base_set, text)
    assert sorted(p.path for p in problems) == ["answers.8.8", "documents.9.9", "photos.7.7"]
    assert all(code in str(p) for p, code in zip(sorted(problems, key=lambda p: p.path), ["8.8", "9.9", "7.7"]))


def test_answers_for_another_checklist(tmp_path, base_set):
    text = ANSWERS_OK.replace('checklist: {id: t-base, version: "1"}', 'checklist: {id: other, version: "2"}')
    problems = answer_problems(tmp_path, base_set, text)
    assert sorted(p.path for p in problems) == ["checklist.id", "checklist.version"]


def test_every_answer_problem_at_once(tmp_path, base_set):
    text = """\
answers:
  "1.1": 很多
  "1.2": 是
  "2.1": 良好
  "2.2": -2
  "2.3": 4.2
  "3.1": na
  "3.2": 3
  "3.4": 0.5
  "9.1": true
  "2.0": true
photos:
  "2.2": -1
bogus: 1
"""
    problems = answer_problems(tmp_path, base_set, text)
    assert sorted(p.path for p in problems) == sorted([
        "answers.1.1", "answers.1.2", "answers.2.1", "answers.2.2", "answers.2.3", "answers.3.1", "answers.3.2",
        "answers.3.4", "answers.9.1", "answers.2.0", "photos.2.2", "bogus"])
    assert len(problems) == 12
    for p in problems:
        if p.path.startswith("answers."):
            assert p.path.split(".", 1)[1] in p.message
            assert p.line == line_no(text, f'"{p.path.split(".", 1)[1]}":')


def test_blank_answer_is_unanswered_not_an_error(tmp_path, base_set):
    f = tmp_path / "answers.yaml"
    f.write_text('answers:\n  "1.1":\n  "1.2": false\n', encoding="utf-8")
    a = load_answers(f, base_set)
    assert a.values == {"1.2": False}


def test_json_answers(tmp_path, base_set):
    f = tmp_path / "answers.json"
    f.write_text(json.dumps({"answers": {"1.1": 2, "2.3": 2.5, "2.1": "良好"}}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ChecklistError) as info:
        load_answers(f, base_set)
    assert [p.path for p in info.value.problems] == ["answers.2.1"]


def test_alias_bomb_is_refused_quickly(write):
    """A few lines whose aliases expand to billions of values are refused, not expanded."""
    from checklists import ChecklistError, load_checklist

    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    path = write("bomb.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ChecklistError) as err:
        load_checklist(path)
    assert "别名引用过多" in str(err.value) and "bomb.yaml" in str(err.value)
