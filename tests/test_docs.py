"""The README's command-line block documents the command line, as sqlite-utils'
tests/test_docs.py does for its CLI: every command and every option of `main.py`
(read from its argparse parser, main.build_parser()) appears there, on the command's own
line, and the block names no command that does not exist."""

from __future__ import annotations

import argparse
import re
import sys

import pytest

import main as app_main
from conftest import ROOT


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Name -> parser of the subcommands `parser` has ({} when none)."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def options(parser: argparse.ArgumentParser) -> set[str]:
    """The option strings a parser takes (--json, --out...), --help aside; of an option
    with a long and a short form, the long one."""
    found = set()
    for action in parser._actions:
        if action.option_strings and not isinstance(action, argparse._HelpAction):
            found.add(max(action.option_strings, key=len))
    return found


def cli_commands() -> dict[tuple[str, str | None], set[str]]:
    """(group, action) -> its options; action is None for a command without actions (demo)."""
    out = {}
    for group, group_parser in subparsers(app_main.build_parser()).items():
        actions = subparsers(group_parser)
        if not actions:
            out[(group, None)] = options(group_parser)
        for name, parser in actions.items():
            out[(group, name)] = options(group_parser) | options(parser)
    return out


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Command line", 1)[1].split("```", 2)[1]


def documented_commands() -> dict[tuple[str, str | None], str]:
    """(group, action) -> the README's text for it. A line documents `main.py [--data-dir
    DIR] GROUP ...`, several actions split by " | " ('db check | db backup'), and goes on
    in the indented lines under it; comments (# ...) are left out."""
    lines = []
    for raw in readme_block().splitlines():
        text = raw.split("#")[0].rstrip()
        if raw.startswith(" ") and lines:
            lines[-1] += " " + text.strip()
        elif text:
            lines.append(text)
    out = {}
    for line in lines:
        m = re.match(r"main\.py(?: \[--data-dir DIR\])? ([a-z]\w*)(.*)", line)
        if not m:
            continue
        group = m.group(1)
        for part in m.group(2).split(" | "):  # 'submit A | unlock A --reason T'; not 'a|b' inside
            tokens = part.split()
            if tokens and tokens[0] == group:  # 'db check | db backup'
                tokens = tokens[1:]
            name = tokens[0] if tokens and re.fullmatch(r"[a-z][a-z-]*", tokens[0]) else None
            out[(group, name)] = out.get((group, name), "") + " " + part
    return out


def mentions(text: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def named(command: tuple[str, str | None]) -> str:
    return " ".join(part for part in command if part)


def test_readme_lists_every_command():
    commands, documented = cli_commands(), documented_commands()
    missing = sorted(named(c) for c in commands.keys() - documented.keys())
    assert not missing, f"README 的命令行一节缺少：{missing}"
    unknown = sorted(named(c) for c in documented.keys() - commands.keys())
    assert not unknown, f"README 列出了不存在的命令：{unknown}"


def test_readme_lists_every_option_with_its_command():
    documented = documented_commands()
    missing = sorted(f"{named(c)} {option}" for c, opts in cli_commands().items() for option in opts
                     if c in documented and not mentions(documented[c], option))
    assert not missing, f"README 的命令行一节缺少这些选项：{missing}"


def test_readme_lists_the_options_of_main_py_itself():
    block = readme_block()
    missing = sorted(option for option in options(app_main.build_parser()) if not mentions(block, option))
    assert not missing, f"README 的命令行一节缺少：{missing}"


@pytest.mark.parametrize("line, expected", [
    ("main.py [--data-dir DIR] db check | db backup | db backups [--json]",
     {("db", "check"), ("db", "backup"), ("db", "backups")}),
    ("main.py [--data-dir DIR] demo [--no-photos]   # a comment | not a command", {("demo", None)}),
])
def test_the_block_is_read_as_written(monkeypatch, line, expected):
    monkeypatch.setattr(sys.modules[__name__], "readme_block", lambda: f"\n{line}\n")
    assert set(documented_commands()) == expected
