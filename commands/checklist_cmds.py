"""`checklist validate | show | score`: criteria files without a workspace."""

from __future__ import annotations

from pathlib import Path

from checklists import load_answers, load_checklist, score
from checklists.errors import ChecklistError
from checklists.format import KIND_LABELS, ROLE_LABELS
from checklists.numbers import display
from checklists.serialize import checklist_to_dict

from .output import fail, print_json


def validate(args) -> int:
    """Exit 0 when every file is valid, else 1 with every problem of every file listed."""
    problems = []
    for name in args.files:
        try:
            checklist = load_checklist(name, args.lib)
        except ChecklistError as exc:
            problems.extend(exc.lines())
            continue
        items = sum(1 for _ in checklist.items())
        print(f"{name}: 有效 — {checklist.title}（{checklist.id}@{checklist.version}，{items} 条，"
              f"满分 {display(checklist.total)}）")
    return fail(*problems) if problems else 0


def show(args) -> int:
    """Print the merged tree, as text or as JSON (base format, with each item's source)."""
    checklist = load_checklist(args.file, args.lib)
    if args.json:
        print_json(checklist_to_dict(checklist, with_source=True))
        return 0
    print(f"{checklist.title}  [{checklist.id}@{checklist.version}]")
    levels = "，".join(f"{lv.label} ≥ {display(lv.min_score)}" for lv in checklist.levels)
    print(f"满分 {display(checklist.total)}；等级：{levels}"
          + (f"；加分上限 {display(checklist.bonus_cap)}" if checklist.bonus_cap is not None else ""))

    def walk(category, depth):
        print("  " * depth + f"{category.code} {category.title}")
        for item in category.items:
            flags = [KIND_LABELS[item.kind]]
            if item.role != "base":
                flags.append(ROLE_LABELS[item.role])
            if item.gate:
                level = checklist.level_by_key(item.gate)
                flags.append(f"{level.label if level else item.gate}必备")
            if item.source:
                flags.append(item.source.label)
            print("  " * (depth + 1) + f"{item.code} {item.title}  {display(item.points)} 分  ({'，'.join(flags)})")
        for sub in category.categories:
            walk(sub, depth + 1)

    for category in checklist.categories:
        walk(category, 0)
    return 0


def score_file(args) -> int:
    """Score an answers file against a criteria file."""
    checklist = load_checklist(args.file, args.lib)
    answers = load_answers(Path(args.answers), checklist)
    result = score(checklist, answers)
    if args.json:
        print_json(result.to_json())
        return 0
    print_score_text(result)
    return 0


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


def register(subparsers, groups) -> None:
    from .output import group

    checklist = group(subparsers, groups, "checklist", "考评标准")
    p = checklist.add_parser("validate", help="检查标准文件，列出全部问题")
    p.add_argument("files", nargs="+")
    p.add_argument("--lib", action="append", default=[], help="查找基础标准的文件或文件夹（可多次）")
    p.set_defaults(func=validate)
    p = checklist.add_parser("show", help="显示合并后的标准")
    p.add_argument("file")
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=show)
    p = checklist.add_parser("score", help="按答卷文件计分")
    p.add_argument("file")
    p.add_argument("--answers", required=True)
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=score_file)
