"""`main.py checklist validate | show | score`: exit codes, every problem on stderr with no
traceback, and the score JSON of design.md."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

import main
from checklists import load_checklist, score
from checklists.answers import parse_answers
from checklists.library import LIBRARY_DIR, bundled_files
from checklists.source import read_document

ROOT = Path(main.__file__).resolve().parent
CITY = LIBRARY_DIR / "city-2027-town.yaml"


def run(capsys, *argv):
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


BROKEN = """\
format: dabiao-checklist/1
id: Broken Set
version: "1"
title: 有问题的标准
total: 10
levels:
  - {key: pass, label: 达标, min_score: 80}
  - {key: excellent, label: 达优, min_score: 70}
categories:
  - code: "1"
    title: 组织领导
    items:
      - code: "1.1"
        title: 议军会议
        requirement: 每年2次
        pionts: 4
        kind: number
        bands: [{at: 2, points: 3}, {at: 4, points: 4}]
      - code: "1.2"
        title: 第一书记
        requirement: 有任职命令
        points: 2
        kind: check
        gate: gold
      - code: "1.2"
        title: 重复
        requirement: 重复
        points: 1
        kind: check
      - code: "1.4"
        title: 分值
        requirement: 分值
        points: 1.3
        kind: check
"""
# id, levels order, pionts (+ missing points), unknown gate level, duplicate code, 1.3 not a multiple of 0.5
BROKEN_PROBLEMS = 7


@pytest.fixture
def broken(tmp_path):
    f = tmp_path / "broken.yaml"
    f.write_text(BROKEN, encoding="utf-8")
    return f


def _plain(value: Fraction):
    return int(value) if value.denominator == 1 else float(value)


def city_answers() -> dict:
    """An answers file for the bundled city overlay touching every kind: some items full,
    some partial, a few left blank, `na` where allowed, photos for evidence rules."""
    c = load_checklist(CITY)
    answers, photos = {}, {}
    for n, item in enumerate(c.items()):
        if n % 9 == 4:
            continue  # unanswered
        if item.na_allowed and n % 2:
            answers[item.code] = "na"
        elif item.kind == "check":
            answers[item.code] = n % 5 != 0
        elif item.kind == "rubric":
            options = sorted(item.options, key=lambda o: -o.points)
            answers[item.code] = options[min(n % 3, len(options) - 1)].label
        elif item.kind == "number":
            bands = sorted(item.bands, key=lambda b: b.at)
            answers[item.code] = _plain(bands[n % len(bands)].at)
        elif item.kind == "deduct":
            answers[item.code] = n % 3
        else:
            answers[item.code] = _plain(item.points - item.step * (n % 2))
        if item.evidence.photos and n % 2 == 0:
            photos[item.code] = item.evidence.photos
    return {"checklist": {"id": c.id, "version": c.version}, "answers": answers, "photos": photos}


@pytest.fixture
def answers_file(tmp_path):
    f = tmp_path / "answers.yaml"
    f.write_text(yaml.safe_dump(city_answers(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return f


# --------------------------------------------------------------------------- validate


@pytest.mark.parametrize("path", bundled_files(), ids=lambda p: p.name)
def test_validate_accepts_every_bundled_file(capsys, path):
    code, out, err = run(capsys, "checklist", "validate", path)
    assert code == 0 and err == ""
    assert str(path) in out and "有效" in out


def test_validate_accepts_all_bundled_files_at_once(capsys):
    files = bundled_files()
    code, out, err = run(capsys, "checklist", "validate", *files)
    assert code == 0 and err == "" and len(out.splitlines()) == len(files)


def test_validate_lists_every_problem_and_exits_1(capsys, broken):
    code, out, err = run(capsys, "checklist", "validate", broken)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == BROKEN_PROBLEMS, err
    assert all(line.startswith(f"{broken}:") for line in lines)
    for what in ("id", "levels[1].min_score", "categories[0].items[0].pionts", "categories[0].items[0].points",
                 "categories[0].items[1].gate", "categories[0].items[2].code", "categories[0].items[3].points"):
        assert any(f": {what}: " in line for line in lines), what
    # The line numbers are those of the file.
    assert f"{broken}:16: categories[0].items[0].pionts: " in err
    assert "points" in next(line for line in lines if "pionts" in line)  # the suggestion


def test_validate_reports_every_file(capsys, broken, tmp_path):
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("title: 标准\n".encode("gbk"))
    code, out, err = run(capsys, "checklist", "validate", LIBRARY_DIR / "prov-2027-town.yaml", broken, gbk,
                         tmp_path / "missing.yaml")
    assert code == 1
    assert "prov-2027-town.yaml" in out  # the good one is still confirmed
    lines = err.splitlines()
    assert len(lines) == BROKEN_PROBLEMS + 2
    assert sum(str(gbk) in line for line in lines) == 1 and "UTF-8" in err
    assert sum("missing.yaml" in line for line in lines) == 1


@pytest.mark.parametrize("text,words", [
    ("", ["空"]),
    ("format: dabiao-checklist/1\nid: x\ntitle: a: b\n", ["YAML", ":3:"]),
    ("format: dabiao-checklist/1\nid: !!python/object:os.system x\n", ["id"]),
    ("- a\n- b\n", ["映射"]),
])
def test_validate_bad_files_without_traceback(capsys, tmp_path, text, words):
    f = tmp_path / "bad.yaml"
    f.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "checklist", "validate", f)
    assert code == 1 and err.strip()
    for word in words:
        assert word in err


def test_validate_overlay_elsewhere_needs_lib(capsys, tmp_path):
    (tmp_path / "lib").mkdir()
    base = tmp_path / "lib" / "base.yaml"
    base.write_text(yaml.safe_dump({**yaml.safe_load((LIBRARY_DIR / "prov-2027-town.yaml").read_text(encoding="utf-8")),
                                    "id": "my-base"}, allow_unicode=True), encoding="utf-8")
    overlay = tmp_path / "city.yaml"
    overlay.write_text('format: dabiao-checklist/1\nid: my-city\nversion: "1"\ntitle: 市\n'
                       'extends: {id: my-base, version: "2027.1"}\nremove_items: ["1.1"]\n', encoding="utf-8")
    code, _, err = run(capsys, "checklist", "validate", overlay)
    assert code == 1 and len(err.splitlines()) == 1 and "my-base" in err
    code, out, err = run(capsys, "checklist", "validate", overlay, "--lib", tmp_path / "lib")
    assert code == 0 and err == "" and "my-city" in out


# --------------------------------------------------------------------------- show


def test_show_json_of_the_city_overlay(capsys):
    code, out, err = run(capsys, "checklist", "show", CITY, "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    c = load_checklist(CITY)
    assert (data["format"], data["id"], data["version"], data["title"]) == ("dabiao-checklist/1", c.id, c.version,
                                                                            c.title)
    assert data["extends"] == {"id": "prov-2027-town", "version": "2027.1"}
    assert data["total"] == int(c.total)
    assert [lv["key"] for lv in data["levels"]] == [lv.key for lv in c.levels]
    assert [cat["code"] for cat in data["categories"]] == [cat.code for cat in c.categories]

    def items(cats):
        for cat in cats:
            yield from cat.get("items", [])
            yield from items(cat.get("categories", []))

    shown = list(items(data["categories"]))
    assert [i["code"] for i in shown] == [i.code for i in c.items()]
    labels = {i["code"]: i["source"]["label"] for i in shown}
    assert labels == {i.code: i.source.label for i in c.items()}
    assert set(labels.values()) == {"省标", "市标"}


def test_show_json_of_a_base_set_loads_back(capsys, tmp_path):
    code, out, _ = run(capsys, "checklist", "show", LIBRARY_DIR / "militia-2027-company.yaml", "--json")
    assert code == 0
    data = json.loads(out)
    for cat in data["categories"]:
        for item in cat.get("items", []):
            item.pop("source")
    f = tmp_path / "again.json"
    f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert load_checklist(f).total == load_checklist(LIBRARY_DIR / "militia-2027-company.yaml").total


def test_show_text(capsys):
    code, out, err = run(capsys, "checklist", "show", CITY)
    assert code == 0 and err == ""
    assert "市标" in out and "省标" in out and "C1" in out


def test_show_broken_file(capsys, broken):
    code, out, err = run(capsys, "checklist", "show", broken, "--json")
    assert code == 1 and out == "" and len(err.splitlines()) == BROKEN_PROBLEMS


# --------------------------------------------------------------------------- score


LEVEL_KEYS = {"key", "label", "min_score", "reached", "short_by", "blocking_items", "blocking_categories"}
GAP_KEYS = {"code", "title", "score", "points", "lost", "requirement", "excellent", "missing_evidence"}


def _is_rounded(value, places=2):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and round(value, places) == value


def test_score_json_follows_design_md(capsys, answers_file):
    code, out, err = run(capsys, "checklist", "score", CITY, "--answers", answers_file, "--json")
    assert code == 0 and err == ""
    j = json.loads(out)
    assert list(j) == ["checklist", "total", "base", "bonus", "penalty", "final", "level", "level_label", "levels",
                       "categories", "unanswered", "gap"]
    c = load_checklist(CITY)
    assert j["checklist"] == {"id": c.id, "version": c.version, "title": c.title}
    for key in ("total", "base", "bonus", "penalty", "final"):
        assert _is_rounded(j[key]), key
    assert j["total"] == int(c.total)
    assert j["bonus"] <= c.bonus_cap
    assert abs(j["final"] - max(0, j["base"] + j["bonus"] - j["penalty"])) <= 0.01
    # Levels: every level, in order, with the design.md keys.
    assert [lv["key"] for lv in j["levels"]] == [lv.key for lv in c.levels]
    for lv in j["levels"]:
        assert set(lv) == LEVEL_KEYS and isinstance(lv["reached"], bool)
        assert _is_rounded(lv["min_score"]) and _is_rounded(lv["short_by"])
        assert all(isinstance(x, str) for x in lv["blocking_items"] + lv["blocking_categories"])
    reached = [lv for lv in j["levels"] if lv["reached"]]
    if reached:
        assert (j["level"], j["level_label"]) == (reached[-1]["key"], reached[-1]["label"])
    else:
        assert (j["level"], j["level_label"]) == ("fail", "未达标")
    # Top-level categories only; ratio rounded to 4 places.
    assert [cat["code"] for cat in j["categories"]] == [cat.code for cat in c.categories]
    for cat in j["categories"]:
        assert set(cat) == {"code", "title", "earned", "applicable", "ratio"}
        assert cat["earned"] <= cat["applicable"]
        if cat["applicable"]:
            assert _is_rounded(cat["ratio"], 4) and abs(cat["ratio"] - cat["earned"] / cat["applicable"]) < 1e-3
        else:
            assert cat["ratio"] is None
    # Unanswered, in the order of the set.
    answered = set(city_answers()["answers"])
    assert j["unanswered"] == [i.code for i in c.items() if i.code not in answered]
    assert j["unanswered"]
    # Gap: design.md keys, ordered by points lost.
    assert j["gap"]
    for g in j["gap"]:
        assert set(g) == GAP_KEYS
        assert set(g["missing_evidence"]) == {"photos", "documents"}
        assert isinstance(g["missing_evidence"]["photos"], int) and isinstance(g["missing_evidence"]["documents"], list)
        assert _is_rounded(g["lost"]) and g["lost"] >= 0 and g["score"] <= g["points"]
    lost = [g["lost"] for g in j["gap"]]
    assert lost == sorted(lost, reverse=True)
    # And it is exactly what the engine computes.
    answers = parse_answers(read_document(answers_file), c)
    assert j == json.loads(json.dumps(score(c, answers).to_json(), ensure_ascii=False))


def test_score_json_on_a_star_scheme(capsys, tmp_path):
    path = LIBRARY_DIR / "enterprise-2027.yaml"
    c = load_checklist(path)
    f = tmp_path / "answers.yaml"
    f.write_text("answers: {}\n", encoding="utf-8")
    code, out, _ = run(capsys, "checklist", "score", path, "--answers", f, "--json")
    assert code == 0
    j = json.loads(out)
    assert j["base"] == 0 and j["level"] == "fail" and j["unanswered"] == [i.code for i in c.items()]
    assert [lv["key"] for lv in j["levels"]] == [lv.key for lv in c.levels]
    assert all(lv["short_by"] == lv["min_score"] for lv in j["levels"])


def test_score_text(capsys, answers_file):
    code, out, err = run(capsys, "checklist", "score", CITY, "--answers", answers_file)
    assert code == 0 and err == "" and "总分" in out


def test_score_with_bad_answers_lists_every_code(capsys, tmp_path):
    f = tmp_path / "answers.yaml"
    f.write_text('answers:\n  "1.1": 很多\n  "1.2": 是\n  "99.9": true\n', encoding="utf-8")
    code, out, err = run(capsys, "checklist", "score", CITY, "--answers", f, "--json")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 3
    for code_ in ("1.1", "1.2", "99.9"):
        assert any(code_ in line and line.startswith(f"{f}:") for line in lines)


def test_score_with_missing_answers_file(capsys, tmp_path):
    code, out, err = run(capsys, "checklist", "score", CITY, "--answers", tmp_path / "none.yaml")
    assert code == 1 and "none.yaml" in err and len(err.splitlines()) == 1


# --------------------------------------------------------------------------- a real process


def test_real_process(broken, answers_file):
    validate = subprocess.run([sys.executable, "main.py", "checklist", "validate", str(broken)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert validate.returncode == 1
    assert "Traceback" not in validate.stderr and len(validate.stderr.splitlines()) == BROKEN_PROBLEMS
    scored = subprocess.run([sys.executable, "main.py", "checklist", "score", str(CITY), "--answers",
                             str(answers_file), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert scored.returncode == 0, scored.stderr
    j = json.loads(scored.stdout)
    assert j["checklist"]["id"] == "city-2027-town" and j["total"] == int(load_checklist(CITY).total)
