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
    print(f"基本分 {display(result.base)} + 加分 {display(result.bonus)} - 扣分 {display(result.penalty)}"
          f" = 总分 {display(result.final)}    等级：{result.level_label}")
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
    if result.gap:
        print("差距项（按失分排序）：")
        for g in result.gap:
            print(f"  {g.code} {g.title}：得 {display(g.score)}/{display(g.points)}，失 {display(g.lost)} 分")
