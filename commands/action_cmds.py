"""`action add | list | close`: corrective actions (整改任务), headless."""

from __future__ import annotations

from storage import actions, units

from .output import group, print_json
from .workspace_cmds import workspace


def action_add(args) -> int:
    with workspace(args) as ws:
        row = actions.add_action(ws, args.assessment, args.code, args.description, args.owner or "", args.due)
    print(row["id"])
    return 0


def action_list(args) -> int:
    with workspace(args, readonly=True) as ws:
        unit_id = units.find_unit(ws, args.unit)["id"] if args.unit else None
        rows = actions.list_actions(ws, unit_id=unit_id, assessment_id=args.assessment, status=args.status)
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("没有符合条件的整改任务")
        return 0
    for r in rows:
        print(f"{r['id']}\t{r['unit_name']}\t{r['code'] or '—'}\t{actions.ACTION_STATUS_LABELS[r['status']]}\t"
              f"{r['due_date'] or '未定期限'}\t{r['owner'] or '—'}\t{r['description']}")
    return 0


def action_close(args) -> int:
    with workspace(args) as ws:
        row = actions.update_action(ws, args.action_id, status=args.status)
    print(f"{row['description']}：{actions.ACTION_STATUS_LABELS[row['status']]}")
    return 0


def register(subparsers, groups) -> None:
    action = group(subparsers, groups, "action", "整改任务")
    p = action.add_parser("add", help="生成整改任务，输出其编号")
    p.add_argument("assessment")
    p.add_argument("code", nargs="?", help="条目编号（不填为综合问题）")
    p.add_argument("--description", required=True, help="整改内容")
    p.add_argument("--owner", help="责任人")
    p.add_argument("--due", help="整改期限 YYYY-MM-DD")
    p.set_defaults(func=action_add)
    p = action.add_parser("list", help="列出整改任务")
    p.add_argument("--assessment")
    p.add_argument("--unit", help="单位名称或编号")
    p.add_argument("--status", choices=actions.ACTION_STATUSES)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=action_list)
    p = action.add_parser("close", help="整改完成（或验收）")
    p.add_argument("action_id", metavar="ACTION")
    p.add_argument("--status", choices=("done", "verified", "open"), default="done",
                   help="done 已整改（默认），verified 已验收，open 重新打开")
    p.set_defaults(func=action_close)
