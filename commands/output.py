"""Printing for the command line: JSON on stdout, problems on stderr."""

from __future__ import annotations

import json
import sys


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
