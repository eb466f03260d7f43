"""Validation problems: every one names the file, the line where known, and the key path."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, worded for the person who must fix it.
    `cell` is a spreadsheet location (`条目!F12`) for workbooks, shown instead of a line."""

    file: str
    path: str
    message: str
    line: int | None = None
    cell: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.cell:
            where += f" {self.cell}"
        elif self.line is not None:
            where += f":{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class DabiaoError(Exception):
    """A problem the user can fix (bad input, refused action): shown as plain lines,
    never as a traceback. Every layer raises subclasses of this."""

    def lines(self) -> list[str]:
        return [line for line in str(self).splitlines() if line.strip()] or [self.__class__.__name__]


class ChecklistError(DabiaoError):
    """Raised with the full list of problems found in one pass."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


def format_path(path: tuple) -> str:
    """('categories', 2, 'items', 5, 'at') -> 'categories[2].items[5].at'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
