"""A small, valid criteria set as YAML text and the means to check the problems a changed
copy of it is reported with (file, line, key path, words), for the validation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from checklists import ChecklistError, load_checklist
from checklists.errors import Problem

# A small, valid base set: 20 base points, every kind, gates, a bonus and a penalty item.
BASE = """\
format: dabiao-checklist/1
id: t-base
version: "1"
title: 测试标准
issuer: 某省军区
level: province
year: 2027
applies_to: [town]
total: 20
levels:
  - {key: pass, label: 达标, min_score: 80}
  - {key: excellent, label: 达优, min_score: 90}
bonus_cap: 3
categories:
  - code: "1"
    title: 组织领导
    min_ratio: {pass: 0.5}
    items:
      - code: "1.1"
        title: 议军会议
        requirement: 每年2次
        points: 4
        kind: number
        unit: 次
        bands:
          - {at: 2, points: 3}
          - {at: 4, points: 4}
      - code: "1.2"
        title: 第一书记
        requirement: 有任职命令
        points: 2
        kind: check
        gate: excellent
  - code: "2"
    title: 阵地建设
    items:
      - code: "2.1"
        title: 两室一库
        requirement: 齐全
        points: 6
        kind: rubric
        options:
          - {label: 优秀, points: 6}
          - {label: 合格, points: 4}
          - {label: 不合格, points: 0}
      - code: "2.2"
        title: 制度上墙
        requirement: 8项制度
        points: 4
        kind: deduct
        per: 1
        evidence: {photos: 1, documents: [制度汇编]}
    categories:
      - code: "2A"
        title: 训练场地
        items:
          - code: "2.3"
            title: 场地
            requirement: 有训练场
            points: 4
            kind: score
            step: 0.5
            na_allowed: true
  - code: "3"
    title: 否决与加扣分
    items:
      - code: "3.1"
        title: 无器材丢失
        requirement: 未发生丢失
        points: 0
        kind: check
        gate: pass
      - code: "3.2"
        title: 创新工作
        requirement: 有经验推广
        points: 2
        kind: score
        role: bonus
      - code: "3.4"
        title: 无违纪
        requirement: 未发生民兵违纪
        points: 5
        kind: deduct
        per: 2
        role: penalty
"""


def edit(text: str, *pairs: tuple[str, str]) -> str:
    """Replace each `old` (which must occur exactly once) by `new`."""
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def line_no(text: str, marker: str, nth: int = 1) -> int:
    """1-based number of the line holding the nth occurrence of `marker`."""
    found = 0
    for number, line in enumerate(text.splitlines(), 1):
        if marker in line:
            found += 1
            if found == nth:
                return number
    raise AssertionError(f"{marker!r} not in text")


def problems_of(path: Path, lib=()) -> list[Problem]:
    with pytest.raises(ChecklistError) as info:
        load_checklist(path, lib)
    problems = info.value.problems
    assert problems, "ChecklistError without problems"
    return problems


def the(problems: list[Problem], path: str) -> Problem:
    """The single problem reported at key path `path`."""
    found = [p for p in problems if p.path == path]
    assert len(found) == 1, f"expected one problem at {path!r}, got: {[str(p) for p in problems]}"
    return found[0]


@pytest.fixture
def check(tmp_path):
    """check(text, path, marker, *words) -> Problem: load `text` as bad.yaml, expect a
    problem at `path` on the line of `marker` whose message holds every word."""

    def _check(text: str, path: str, marker: str | None = None, *words: str, nth: int = 1, count: int | None = None):
        f = tmp_path / "bad.yaml"
        f.write_text(text, encoding="utf-8")
        problems = problems_of(f)
        if count is not None:
            assert len(problems) == count, [str(p) for p in problems]
        p = the(problems, path)
        assert p.file == str(f)
        if marker is not None:
            assert p.line == line_no(text, marker, nth), str(p)
        for word in words:
            assert word in p.message, str(p)
        # The printed line carries all three: file, line, path.
        where = f"{f}:{p.line}" if p.line else str(f)
        assert str(p) == (f"{where}: {path}: {p.message}" if path else f"{where}: {p.message}")
        return p

    return _check
