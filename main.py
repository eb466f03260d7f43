"""Dabiao (达标): no arguments opens the app; subcommands run the same flows headless.

Each module in `commands/` registers its own subcommands (`register(subparsers)`) and
sets `func` on them; this file only parses and dispatches.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from appversion import version_text
from ui.startup import open_app

# Modules under commands/ that add subcommands, in the order they appear in --help.
COMMAND_MODULES = ["checklist_cmds", "workspace_cmds", "action_cmds", "report_cmds", "bundle_cmds", "recheck_cmds",
                   "demo_cmds"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="达标 — 基层武装部规范化建设考评（离线）")
    parser.add_argument("--data-dir", help="工作区文件夹（默认：用户数据目录，或环境变量 DABIAO_DATA_DIR）")
    parser.add_argument("--version", action="version", version=version_text(), help="显示版本号并退出")
    sub = parser.add_subparsers(dest="group", metavar="COMMAND")
    groups: dict = {}
    for name in COMMAND_MODULES:
        importlib.import_module(f"commands.{name}").register(sub, groups)
    return parser


def app_data_dir(argv: list[str]) -> tuple[bool, str | None]:
    """(True, folder or None) when the arguments just open the app (none, or only
    --data-dir): then the command parsers need not be built (argparse spends a good part of
    a second's tenth on them); anything else goes through the full parser."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--data-dir" and argv[1] and not argv[1].startswith("-"):
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--data-dir=") and len(argv[0]) > len("--data-dir="):
        return True, argv[0].split("=", 1)[1]
    return False, None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:  # without building every command's parser
        print(version_text())
        return 0
    opens_app, data_dir = app_data_dir(argv)
    if opens_app:
        args = argparse.Namespace(data_dir=data_dir, group=None)
    else:
        parser = build_parser()
        args = parser.parse_args(argv)
    if args.data_dir:
        os.environ["DABIAO_DATA_DIR"] = args.data_dir
    if args.group is None:
        return open_app()
    if not hasattr(args, "func"):
        parser.parse_args([args.group, "--help"])
    from checklists.errors import DabiaoError  # the checklists package, ~50 ms: not for --version

    try:
        return args.func(args) or 0
    except DabiaoError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")
        return 0
    except KeyboardInterrupt:
        print("已取消", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
