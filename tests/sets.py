"""Small criteria sets for tests, built as plain data so each test can vary one rule."""

from __future__ import annotations

import copy

import yaml

from checklists.library import library_resolver
from checklists.source import parse_document
from checklists.loader import _load_document


def small_set(**overrides) -> dict:
    """A base set with one item of every kind and role, 20 base points."""
    data = {
        "format": "dabiao-checklist/1",
        "id": "t-set",
        "version": "1",
        "title": "测试标准",
        "level": "province",
        "levels": [
            {"key": "pass", "label": "达标", "min_score": 80},
            {"key": "excellent", "label": "达优", "min_score": 90},
        ],
        "bonus_cap": 3,
        "categories": [
            {
                "code": "1",
                "title": "组织领导",
                "min_ratio": {"pass": 0.5},
                "items": [
                    {"code": "1.1", "title": "议军会议", "requirement": "每年2次", "points": 4, "kind": "number",
                     "unit": "次", "bands": [{"at": 2, "points": 3}, {"at": 4, "points": 4}]},
                    {"code": "1.2", "title": "第一书记", "requirement": "有任职命令", "points": 2, "kind": "check",
                     "gate": "excellent"},
                ],
            },
            {
                "code": "2",
                "title": "阵地建设",
                "items": [
                    {"code": "2.1", "title": "两室一库", "requirement": "齐全", "points": 6, "kind": "rubric",
                     "options": [{"label": "优秀", "points": 6}, {"label": "合格", "points": 4},
                                 {"label": "不合格", "points": 0}]},
                    {"code": "2.2", "title": "制度上墙", "requirement": "8项制度", "points": 4, "kind": "deduct",
                     "per": 1, "evidence": {"photos": 1, "documents": ["制度汇编"]}},
                ],
                "categories": [
                    {"code": "2A", "title": "训练场地", "items": [
                        {"code": "2.3", "title": "场地", "requirement": "有训练场", "points": 4, "kind": "score",
                         "step": 0.5, "na_allowed": True},
                    ]},
                ],
            },
            {
                "code": "3",
                "title": "否决与加扣分",
                "items": [
                    {"code": "3.1", "title": "无器材丢失", "requirement": "未发生丢失", "points": 0, "kind": "check",
                     "gate": "pass"},
                    {"code": "3.2", "title": "创新工作", "requirement": "有经验推广", "points": 2, "kind": "score",
                     "role": "bonus"},
                    {"code": "3.3", "title": "典型经验", "requirement": "被上级转发", "points": 2, "kind": "check",
                     "role": "bonus"},
                    {"code": "3.4", "title": "无违纪", "requirement": "未发生民兵违纪", "points": 5, "kind": "deduct",
                     "per": 2, "role": "penalty"},
                ],
            },
        ],
    }
    data.update(overrides)
    return copy.deepcopy(data)


def load_data(data: dict, name: str = "t.yaml", lib=()):
    """Load a set from plain data as if it were a YAML file called `name`."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    return _load_document(parse_document(text, name), library_resolver(lib), ())


def full_answers() -> dict:
    return {"1.1": 4, "1.2": True, "2.1": "优秀", "2.2": 0, "2.3": 4, "3.1": True, "3.4": 0}
