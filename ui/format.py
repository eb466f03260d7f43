"""Words and figures as people read them (no scoring here: scores come from storage)."""

from __future__ import annotations

import re
from fractions import Fraction

from checklists.format import KIND_LABELS, ROLE_LABELS
from checklists.model import Item
from checklists.numbers import display


def escape(text: str) -> str:
    """What html.escape gives (quotes too), without importing the html package and its
    table of 2,000 named entities while the app starts."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#x27;"))

GATE_LABELS = {"pass": "一票否决", "excellent": "达优必备"}


def value_text(item: Item, value) -> str:
    """An answer value in words: 是 / 否 / 3 次 / 缺 2 项 / 1.5 分 / the rubric label."""
    if value is None:
        return "未填写"
    if value == "na":
        return "不涉及"
    if item.kind == "check":
        return "是" if value is True else "否"
    if item.kind == "rubric":
        return str(value)
    if item.kind == "number":
        return f"{display(value)}{' ' + item.unit if item.unit else ''}"
    if item.kind == "deduct" and isinstance(value, dict):  # (/2) counts per scoring point
        labels = {r.key: r.text for r in item.reasons}
        counted = [f"{labels.get(k, k)} {display(n)} 处" for k, n in value.items() if n]
        return "；".join(counted) or "无扣分"
    if item.kind == "deduct":
        return f"缺 {display(value)} 项"
    if item.kind == "elements" and isinstance(value, (list, tuple)):  # (/2) the elements met
        labels = {e.key: e.text for e in item.elements}
        return "、".join(labels.get(k, str(k)) for k in value) or "一项也未做到"
    if item.kind == "score":
        return f"{display(value)} 分"
    return str(value)


def gate_label(item: Item, level_labels: dict) -> str | None:
    if not item.gate:
        return None
    return GATE_LABELS.get(item.gate) or f"{level_labels.get(item.gate, item.gate)}必备"


def item_meta(item: Item, level_labels: dict) -> str:
    """'基本项 · 评级 · 3 分 · 省标 · 达优必备'."""
    parts = [ROLE_LABELS.get(item.role, item.role), KIND_LABELS.get(item.kind, item.kind), f"{display(item.points)} 分"]
    if item.source is not None:
        parts.append(item.source.label)
    gate = gate_label(item, level_labels)
    if gate:
        parts.append(gate)
    if item.na_allowed:
        parts.append("可填不涉及")
    return " · ".join(parts)


def bands_text(item: Item) -> str:
    """'≥2 次得 2 分；≥4 次得 3 分' (or ≤ for direction: lower)."""
    unit = f" {item.unit}" if item.unit else ""
    sign = "≤" if item.direction == "lower" else "≥"
    return "；".join(f"{sign}{display(b.at)}{unit} 得 {display(b.points)} 分" for b in item.bands)


def deduct_text(item: Item) -> str:
    return f"每缺一项扣 {display(item.per or Fraction(0))} 分，满分 {display(item.points)} 分，扣完为止"


def score_text(item: Item, result) -> str:
    """Short score for the tree: '2', '—', '不涉及', '+2' (bonus), '扣 1' (penalty)."""
    if result is None or result.status == "unanswered":
        return "—"
    if result.status == "na":
        return "不涉及"
    if item.role == "penalty":
        lost = item.points - result.score
        return f"扣 {display(lost)}" if lost else "不扣分"
    if item.role == "bonus":
        return f"+{display(result.score)}"
    return display(result.score)


def evidence_text(result) -> str:
    """'还缺 1 张照片；未提供：会议纪要' or ''."""
    if result is None:
        return ""
    parts = []
    if result.missing_photos:
        parts.append(f"还缺 {result.missing_photos} 张照片")
    if result.missing_documents:
        parts.append("未提供：" + "、".join(result.missing_documents))
    return "；".join(parts)


def code_key(code: str | None) -> tuple:
    """Sort key putting item codes in natural order: 1.5 before 1.10, 9.2 before 10.1."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"[.\-．]", code or "") if part != "")
