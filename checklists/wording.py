"""How a format 2 rule reads in words, as inspectors write it on a score table
(96% 得15分，每提高1%加5分; 每少一人扣0.1分): one place for the printed documents and the
app. Pure: items in, Chinese text out."""

from __future__ import annotations

from .model import Checklist, Element, Item, Reason
from .numbers import display


def linear_text(item: Item) -> str:
    """A number item's linear rate: 96% 得15分，每提高1%加5分，每降低1%扣5分（最高20分）."""
    rate = item.linear
    unit = item.unit or ""
    better, worse = ("提高", "降低") if item.direction != "lower" else ("降低", "提高")
    text = (f"{display(rate.at)}{unit}得{display(rate.points)}分，"
            f"每{better}{display(rate.step)}{unit}加{display(rate.per)}分，")
    text += (f"{'低于' if item.direction != 'lower' else '高于'}{display(rate.at)}{unit}记0分" if rate.below_zero
             else f"每{worse}{display(rate.step)}{unit}扣{display(rate.per)}分")
    return text + f"（0～{display(item.points)}分）"


def reason_text(reason: Reason) -> str:
    """One scoring point of a deduct item: 无会议记录，每处扣0.2分（最多5处）."""
    unit = reason.unit or "处"
    text = f"{reason.text}，每{unit}扣{display(reason.per)}分"
    return text + (f"（最多{reason.max_count}{unit}）" if reason.max_count else "")


def element_text(element: Element) -> str:
    """One element of an elements item: 建立台账（0.25分）."""
    return f"{element.text}（{display(element.points)}分）"


def document_text(item: Item, name: str) -> str:
    """A document with what it costs when not presented: 会议记录（缺扣0.5分） / （缺则本项0分）."""
    rule = item.evidence.rule(name)
    if rule is None:
        return name
    return f"{name}（{'缺则本项记0分' if rule.zero else f'缺扣{display(rule.missing)}分'}）"


def tag_labels(checklist: Checklist, tags, *, short: bool = False) -> str:
    """(/2) Unit tags as their labels joined with 、 (a tag the set does not declare: its
    key); short: each label up to its first bracket (大镇), for a tree row."""
    def label(tag):
        found = checklist.unit_tag(tag)
        text = found.label if found else tag
        return text.split("（")[0].split("(")[0] if short else text

    return "、".join(label(t) for t in tags)


def applies_text(item: Item, checklist: Checklist, *, short: bool = False) -> str:
    """(/2) Whom an item is for, in words: 仅适用于大镇（人口5万以上）；不适用于小镇."""
    parts = []
    if item.only_for:
        parts.append("仅适用于" + tag_labels(checklist, item.only_for, short=short))
    if item.not_for:
        parts.append("不适用于" + tag_labels(checklist, item.not_for, short=short))
    return "；".join(parts)
