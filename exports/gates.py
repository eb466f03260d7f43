"""What stops a level, as the printed documents name it: gates (一票否决 / 达优必备), the
(/2) veto that voids the whole score (一票否决，总分记零), category floors, and the items a
unit's tags leave out. Read from the engine's ScoreResult only: nothing is scored here.

Gates: an item that must be met for a level (gate) is labelled by that level: on the
lowest level 一票否决, on a higher one “<level>必备” (达优必备, 五星必备). A voids_score
item acts as a gate on the lowest level and, when answered and not met, sets the final
score to 0 (ScoreResult.voided_by).
"""

from __future__ import annotations

from checklists.model import Checklist, Item
from checklists.scoring import NOT_APPLICABLE, ScoreResult
from checklists.wording import tag_labels

VETO_LABEL = "一票否决"
VOID_NOTE = "总分记0分"


def gate_label(checklist: Checklist, key: str) -> str:
    """一票否决 for a gate on the lowest level, “<level>必备” (达优必备, 五星必备) above it."""
    levels = checklist.levels
    if levels and levels[0].key == key:
        return VETO_LABEL
    level = checklist.level_by_key(key)
    return f"{level.label if level else key}必备"


def gate_failed(result: ScoreResult, item: Item) -> bool:
    """A gate item that blocks its level (as the scoring engine judges it: not fully met and
    not 不涉及; unanswered counts as not met)."""
    r = result.items[item.code]
    return bool(item.gate) and r.status != NOT_APPLICABLE and not r.fully_met


def veto_failed(result: ScoreResult, item: Item) -> bool:
    """(/2) A voids_score item that blocks every level: not fully met and not 不涉及 /
    not applicable (answered: it also voids the score; unanswered: it only blocks)."""
    r = result.items[item.code]
    return item.voids_score and r.status != NOT_APPLICABLE and not r.fully_met


def voided_items(result: ScoreResult) -> list[Item]:
    """(/2) The items that set the final score to 0 (the engine's voided_by), in set order."""
    index = result.checklist.item_index()
    return [index[code] for code in result.voided_by if code in index]


def voided_text(result: ScoreResult) -> str:
    """The one line a voided score is stated with: 一票否决：3.2 无空白村，总分记0分;
    "" when the score is not voided."""
    items = voided_items(result)
    if not items:
        return ""
    return f"{VETO_LABEL}：" + "、".join(f"{i.code} {i.title}" for i in items) + f"，{VOID_NOTE}"


def gate_status(checklist: Checklist, item: Item) -> str:
    """How a failed gate or veto reads in a score cell: 否决 on the lowest level, else 未达到."""
    if item.voids_score:
        return "否决"
    return "否决" if gate_label(checklist, item.gate) == VETO_LABEL else "未达到"


def item_mark(checklist: Checklist, item: Item) -> str:
    """The label after a ★ title: （一票否决，总分记零） for a veto, （一票否决） / （达优必备）
    for a gate, both when an item is both; "" for neither."""
    labels = []
    if item.voids_score:
        labels.append(f"{VETO_LABEL}，总分记零")
    if item.gate and not (item.voids_score and gate_label(checklist, item.gate) == VETO_LABEL):
        labels.append(gate_label(checklist, item.gate))
    return "（" + "；".join(labels) + "）" if labels else ""


def level_blockers(result: ScoreResult, key: str) -> tuple[list[Item], list]:
    """What blocks one level by itself, in the set's order: its own failed gates (on the
    lowest level also the failed vetoes), and the categories under its own floor as
    (CategoryResult, floor). (The engine's LevelResult also lists what blocks the levels
    below.)"""
    checklist = result.checklist
    lowest = bool(checklist.levels) and checklist.levels[0].key == key
    items = [item for item in checklist.items()
             if (item.gate == key and gate_failed(result, item)) or (lowest and veto_failed(result, item))]
    cats = []
    for category in checklist.categories:
        floor = category.min_ratio.get(key)
        cr = result.category_index[category.code]
        if floor is not None and cr.applicable and cr.ratio < floor:
            cats.append((cr, floor))
    return items, cats


# --------------------------------------------------------------------------- unit tags

def why_not_applicable(checklist: Checklist, item: Item, unit_tags) -> str:
    """Why an item is left out for a unit: 仅适用于大镇 / 不适用于大镇, read from only_for /
    not_for (the unit carries a not_for tag, or none of the only_for tags)."""
    barred = [t for t in item.not_for if t in unit_tags]
    if barred:
        return f"不适用于{tag_labels(checklist, barred)}"
    return f"仅适用于{tag_labels(checklist, item.only_for)}"


def not_applicable_notes(result: ScoreResult) -> list[str]:
    """One line per item the unit's tags leave out: 2.2 征兵宣传（大镇）：仅适用于大镇，本单位不适用."""
    index = result.checklist.item_index()
    return [f"{code} {index[code].title}：{why_not_applicable(result.checklist, index[code], result.unit_tags)}，"
            "本单位不适用" for code in result.not_applicable if code in index]
