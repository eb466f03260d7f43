"""Dabiao (达标): no arguments opens the app; subcommands run the same flows headless."""

from __future__ import annotations

import argparse
import os
import sys


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="达标 — 基层武装部规范化建设考评（离线）")
    parser.add_argument("--data-dir", help="工作区文件夹（默认：用户数据目录，或环境变量 DABIAO_DATA_DIR）")
    sub = parser.add_subparsers(dest="group")

    checklist = sub.add_parser("checklist", help="考评标准").add_subparsers(dest="action", required=True)
    p = checklist.add_parser("validate", help="检查标准文件")
    p.add_argument("files", nargs="+")
    p.add_argument("--lib", action="append", default=[], help="查找基础标准的文件或文件夹")
    p = checklist.add_parser("show", help="显示合并后的标准")
    p.add_argument("file")
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p = checklist.add_parser("score", help="按答卷文件计分")
    p.add_argument("file")
    p.add_argument("--answers", required=True)
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--json", action="store_true")
    return parser


def dispatch(args) -> int:
    from commands import checklist_cmds

    table = {
        ("checklist", "validate"): checklist_cmds.validate,
        ("checklist", "show"): checklist_cmds.show,
        ("checklist", "score"): checklist_cmds.score_file,
    }
    return table[(args.group, args.action)](args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["DABIAO_DATA_DIR"] = args.data_dir
    if args.group is None:
        from ui.app import run_app

        return run_app()
    from checklists.errors import DabiaoError

    try:
        return dispatch(args)
    except DabiaoError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
