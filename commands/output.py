"""Printing for the command line: JSON on stdout, problems on stderr."""

from __future__ import annotations

import json
import sys


def print_json(data) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def fail(*lines: str) -> int:
    """Print each problem on its own line to stderr; exit code 1."""
    for line in lines:
        print(line, file=sys.stderr)
    return 1
