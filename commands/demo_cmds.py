"""`demo`: the demo county (storage/demo.py) in an empty workspace, as the first-run guide
offers it; prints the id of its filled assessment. Used by packaging/smoke.sh too."""

from __future__ import annotations

from .workspace_cmds import workspace


def demo(args) -> int:
    from storage.demo import build_demo  # Pillow: not for every command's parser

    with workspace(args) as ws:
        ids = build_demo(ws, with_photos=not args.no_photos)
    print(ids["assessment"])
    return 0


def register(subparsers, groups: dict) -> None:
    p = subparsers.add_parser("demo", help="在空工作区载入示例县（三个乡镇和一份填好的自评），输出该考评的编号")
    p.add_argument("--no-photos", action="store_true", help="不生成示例照片")
    p.set_defaults(func=demo)
