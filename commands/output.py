"""Printing for the command line: JSON on stdout, problems on stderr, a score as text."""

from __future__ import annotations

import json
import sys

from checklists.numbers import display


def print_json(data) -> None:
    # One write of the whole text: json.dump writes each of its ~1,000 pieces per listed
    # assessment separately, which took longer than everything else `assessment list` does.
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def fail(*lines: str) -> int:
    """Print each problem on its own line to stderr; exit code 1."""
    for line in lines:
        print(line, file=sys.stderr)
    return 1


def group(subparsers, groups: dict, name: str, help_text: str):
    """The sub-subparsers of a command group (`checklist`, `unit`...), shared by every
    module that adds actions to it."""
    if name not in groups:
        parser = subparsers.add_parser(name, help=help_text)
        groups[name] = parser.add_subparsers(dest="action", metavar="ACTION")
    return groups[name]


def print_score_text(result) -> None:
    """A short Chinese summary of a score result."""
    c = result.checklist
    print(f"{c.title}（{c.id}@{c.version}）")
    if result.voided_by:
        items = "、".join(f"{code} {c.item(code).title}" for code in result.voided_by)
        print(f"一票否决：{items}，总分记0分")
    print(f"基本分 {display(result.base)} + 加分 {display(result.bonus)} - 扣分 {display(result.penalty)}"
          + (" = 总分 0（一票否决）" if result.voided_by else f" = 总分 {display(result.final)}")
          + f"    等级：{result.level_label}")
    for lv in result.levels:
        state = "已达到" if lv.reached else f"未达到，差 {display(lv.short_by)} 分"
        extra = []
        if lv.blocking_items:
            extra.append("否决/必备项未满足：" + "、".join(lv.blocking_items))
        if lv.blocking_categories:
            extra.append("大项得分率不足：" + "、".join(lv.blocking_categories))
        print(f"  {lv.label}（{display(lv.min_score)} 分）：{state}" + ("；" + "；".join(extra) if extra else ""))
    if result.unanswered:
        print(f"未填写 {len(result.unanswered)} 项：" + "、".join(result.unanswered))
    if result.not_applicable:
        print(f"不适用本单位 {len(result.not_applicable)} 项：" + "、".join(result.not_applicable))
    if result.gap:
        print("差距项（按失分排序）：")
        for g in result.gap:
            item = c.item(g.code)
            why = [f"{r.text} {r.count} {item.reason(r.key).unit or '次'}，扣 {display(r.lost)}" for r in g.reasons]
            if g.elements_missing:
                why.append("未做到：" + "、".join(item.element(k).text for k in g.elements_missing))
            why.extend(f"缺{d.name}，扣 {display(d.lost)}" for d in g.documents_lost)
            print(f"  {g.code} {g.title}：得 {display(g.score)}/{display(g.points)}，失 {display(g.lost)} 分"
                  + (f"（{'；'.join(why)}）" if why else ""))
