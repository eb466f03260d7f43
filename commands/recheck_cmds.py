"""复核 commands: the 军分区 draws the towns and enterprises it re-checks in a year
(`recheck draw`) and lists them (`recheck list`); the recheck answers themselves go in
with `answer import ... --role recheck`."""

from __future__ import annotations

import sys

from storage import assessments, recheck

from .output import group, print_json
from .workspace_cmds import workspace


def recheck_draw(args) -> int:
    """Draw (or show the same draw again); stdout: the drawn assessment ids, one a line;
    the rule, seed and counts go to stderr so that the ids can be piped."""
    with workspace(args) as ws:
        d = recheck.draw(ws, args.year, per_county=args.per_county, share=args.share, seed=args.seed,
                         redraw=args.redraw)
    verb = "已抽取" if d.made else "已有抽取结果（未改动）"
    print(f"{d.year} 年复核名单{verb}：{recheck.rule_text(d.rule)}，共 {len(d.ids)} 个；随机种子 {d.seed}"
          f"（按相同规则与种子可重现）", file=sys.stderr)
    if d.stale:
        print("注意：此后又有考评完成，按相同规则与种子重抽会得到不同名单；如需重抽请加 --redraw", file=sys.stderr)
    for aid in d.ids:
        print(aid)
    return 0


def recheck_list(args) -> int:
    """The year's sample: county, unit, status, whether the 复核 has begun."""
    with workspace(args, reads_only=True) as ws:
        info = recheck.draw_info(ws, args.year)
        rows = recheck.sample(ws, args.year)
    if args.json:
        print_json({"year": args.year, "draw": None if info is None else {
            "id": info.id, "rule": info.rule, "seed": info.seed, "drawn_at": info.drawn_at, "drawn_by": info.drawn_by},
            "sample": rows})
        return 0
    if info is None:
        print(f"{args.year} 年尚未抽取复核名单（recheck draw --year {args.year} --per-county N 或 --share 比例）")
        return 0
    print(f"{args.year} 年复核名单：{recheck.rule_text(info.rule)}，随机种子 {info.seed}，"
          f"{info.drawn_by or ''} 抽取于 {info.drawn_at[:16].replace('T', ' ')}，共 {len(rows)} 个")
    for r in rows:
        print(f"{r['id']}\t{r['county_name'] or '（无所属县）'}\t{r['unit_name']}\t"
              f"{assessments.STATUS_LABELS.get(r['status'], r['status'])}\t{'复核中' if r['recheck_begun'] else '未复核'}")
    return 0


def register(subparsers, groups) -> None:
    cmd = group(subparsers, groups, "recheck", "军分区复核（抽取复核单位）")
    p = cmd.add_parser("draw", help="按县抽取复核单位，输出抽中的考评编号（每行一个）")
    p.add_argument("--year", required=True, type=int)
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--per-county", type=int, help="每县抽取的数量")
    how.add_argument("--share", help="每县抽取的比例，如 0.2（四舍五入，有可抽的县至少抽 1 个）")
    p.add_argument("--seed", help="随机种子（不给则随机生成并记录）；相同种子与规则得到相同名单")
    p.add_argument("--redraw", action="store_true", help="按新规则或新种子重抽（已有复核结果的单位不能移出名单）")
    p.set_defaults(func=recheck_draw)
    p = cmd.add_parser("list", help="列出复核名单（所属县、单位、状态）")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=recheck_list)
