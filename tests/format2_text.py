"""A small criteria set in format 2 that uses every (/2) feature, as YAML text, for the
format 2 tests (tests/test_format2*.py); and small sets built from plain data, each
carrying one rule of format 2 with the spec's own examples."""

from __future__ import annotations

import copy

from sets import load_data

# 33.5 points for every unit: 30.5 apply to all, 2.2 (3, 大镇 only) and 2.3 (3, not 大镇)
# are alternatives.
SET2 = """\
format: dabiao-checklist/2
id: t2-base
version: "1"
title: 格式2测试标准
issuer: 某县人武部
level: county
year: 2027
applies_to: [town]
total: 33.5
levels:
  - {key: pass, label: 达标, min_score: 20}
  - {key: excellent, label: 达优, min_score: 30}
bonus_cap: 2
penalty_cap: 3
unit_tags:
  - {tag: big, label: 大镇（人口5万以上）}
  - {tag: small, label: 小镇}
categories:
  - code: "1"
    title: 组织领导
    points: 6.5
    min_ratio: {pass: 0.5}
    items:
      - code: "1.1"
        title: 专武干部配备
        requirement: 按编制配齐专武干部，会议有记录，制度上墙
        points: 5
        kind: deduct
        reasons:
          - {key: a, text: 专武干部缺编, per: 1, unit: 人}
          - {key: b, text: 会议无记录, per: 0.2, unit: 次}
          - {key: c, text: 制度未上墙, per: 2, max_count: 1}
      - code: "1.2"
        title: 民兵教育
        requirement: 有计划、有教案、有总结、有考核
        points: 1
        kind: elements
        elements:
          - {key: plan, text: 有年度教育计划, points: 0.25}
          - {key: notes, text: 有教案, points: 0.25}
          - {key: review, text: 有总结和考核, points: 0.5}
      - code: "1.3"
        title: 报名人数
        requirement: 报名10人得满分，每少一人扣0.1分，扣完为止
        points: 0.5
        kind: number
        unit: 人
        linear: {at: 10, points: 0.5, step: 1, per: 0.1}
  - code: "2"
    title: 兵役登记
    points: 23
    items:
      - code: "2.1"
        title: 兵役登记率
        requirement: 96%得15分，每提高1%加5分
        points: 20
        kind: number
        unit: "%"
        linear: {at: 96, points: 15, step: 1, per: 5}
      - code: "2.2"
        title: 征兵宣传（大镇）
        requirement: 设立固定征兵宣传站
        points: 3
        kind: check
        only_for: [big]
      - code: "2.3"
        title: 征兵宣传
        requirement: 开展征兵宣传进村入户
        points: 3
        kind: score
        not_for: [big]
  - code: "3"
    title: 资料与否决
    items:
      - code: "3.1"
        title: 党委议军会议
        requirement: 每年至少召开2次，有记录、纪要和签到表
        points: 4
        kind: check
        evidence:
          photos: 2
          strict: true
          documents:
            - 会议记录
            - {name: 会议纪要, missing: zero}
            - {name: 签到表, missing: 0.2}
      - code: "3.2"
        title: 无空白村
        requirement: 所辖行政村均建有民兵组织，无空白村
        points: 0
        kind: check
        voids_score: true
      - code: "3.3"
        title: 创新工作
        requirement: 有经验被上级推广
        points: 2
        kind: score
        role: bonus
      - code: "3.4"
        title: 无违纪
        requirement: 全年未发生民兵违纪事件
        points: 5
        kind: deduct
        per: 2.5
        role: penalty
"""

FULL2 = {"1.1": {}, "1.2": ["plan", "notes", "review"], "1.3": 10, "2.1": 98, "2.3": 3, "3.1": True,
         "3.2": True, "3.3": 0, "3.4": 0}
PHOTOS2 = {"3.1": 2}
DOCS2 = {"3.1": ["会议记录", "会议纪要", "签到表"]}


def v2_set(*items, **header) -> dict:
    """A /2 base set holding `items` (plain dicts) in one category, plus a 10-point check
    so that the set is never empty; no total (the sum)."""
    data = {"format": "dabiao-checklist/2", "id": "t2-rule", "version": "1", "title": "规则测试",
            "levels": [{"key": "pass", "label": "达标", "min_score": 0}],
            "categories": [{"code": "1", "title": "大项", "items": [
                {"code": "0.1", "title": "其他", "requirement": "其他", "points": 10, "kind": "check"},
                *[copy.deepcopy(i) for i in items]]}]}
    data.update(header)
    return data


def item2(code: str, kind: str, points, **keys) -> dict:
    return {"code": code, "title": f"条目{code}", "requirement": f"要求{code}", "points": points, "kind": kind, **keys}


def load2(*items, **header):
    return load_data(v2_set(*items, **header))
