"""`demo`: the demo county (storage/demo.py) in an empty workspace, as the first-run guide
offers it; prints the id of its filled assessment. Used by packaging/smoke.sh too.

`demo province`: a generated province-size 军分区 (storage.generate_province: counties
of towns with their 民兵营连 and enterprises, two years answered and reviewed, photos,
整改), so a developer can open a workspace of that size; prints what it made."""

from __future__ import annotations

import sys

from storage.errors import StorageError

from .workspace_cmds import workspace

PROVINCE_OPTIONS = ("counties", "towns", "seed")


def demo(args) -> int:
    if args.what == "province":
        return demo_province(args)
    given = [f"--{name}" for name in PROVINCE_OPTIONS if getattr(args, name) is not None]
    if given:
        raise StorageError(f"{'、'.join(given)} 只用于 demo province（模拟全省数据）")
    from storage.demo import build_demo  # Pillow: not for every command's parser

    with workspace(args) as ws:
        ids = build_demo(ws, with_photos=not args.no_photos)
    print(ids["assessment"])
    return 0


def demo_province(args) -> int:
    """Generate the province; a line per ten counties on stderr while it runs."""
    from storage.generate import generate_province

    counties = 100 if args.counties is None else args.counties
    towns = 15 if args.towns is None else args.towns
    if counties < 1 or towns < 1:
        raise StorageError("--counties 和 --towns 至少为 1")

    def progress(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            print(f"已生成 {done}/{total} 个县", file=sys.stderr, flush=True)

    with workspace(args) as ws:
        made = generate_province(ws, counties=counties, towns_per_county=towns,
                                 photos_per_assessment=0 if args.no_photos else 2,
                                 seed=0 if args.seed is None else args.seed, progress=progress)
        ws.set_meta("ui.onboarded", "1")
    total = sum(len(ids) for ids in made.assessments.values())
    years = "、".join(str(y) for y in made.assessments)
    print(f"模拟数据：1 个军分区、{len(made.counties)} 个县（市、区）、{len(made.towns)} 个乡镇（街道）、"
          f"{len(made.enterprises)} 个企业、{len(made.militia)} 个民兵营（连）；{years} 年度共 {total} 个考评，"
          f"{made.attachments} 张照片附件，{len(made.actions)} 项整改")
    return 0


def register(subparsers, groups: dict) -> None:
    p = subparsers.add_parser("demo", help="在空工作区载入示例县（三个乡镇和一份填好的自评），输出该考评的编号；"
                                           "demo province 生成全省规模的模拟数据")
    p.add_argument("what", nargs="?", choices=("county", "province"), default="county",
                   help="county（默认）：示例县；province：模拟一个军分区（各县、乡镇、企业、民兵营连，两年考评）")
    p.add_argument("--no-photos", action="store_true", help="不生成示例照片")
    p.add_argument("--counties", type=int, help="（province）县的个数，默认 100")
    p.add_argument("--towns", type=int, help="（province）每县乡镇个数，默认 15")
    p.add_argument("--seed", type=int, help="（province）随机种子，默认 0；同一种子生成同样的数据")
    p.set_defaults(func=demo)
