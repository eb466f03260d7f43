"""Benchmark `assessment_list`: `main.py assessment list --json` on a generated workspace of
1,500 assessments (10 counties x 150 towns, storage/generate), without the process start.

ours:  commands.workspace_cmds.assessment_list as main.py runs it (open the workspace,
       storage.scores.list_scores: every assessment with the score it is judged on, from
       the score cache, then print_json), stdout captured in memory.
floor: one SQL query fetching the same assessment rows (assessments joined with their unit
       and criteria title, same order) as dicts, and json.dumps of them as print_json
       writes them (the same indent): what any listing must do, with no score at all.

Timed warm (the cache filled by an untimed first run, as every listing after the first);
the first listing after the cache is emptied (every score computed and stored) is printed
on its own line.

    uv run python bench/run.py assessment_list
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR_SQL = ("SELECT a.*, u.name AS unit_name, u.type AS unit_type, c.title AS checklist_title "
             "FROM assessments a JOIN units u ON u.id = a.unit_id "
             "LEFT JOIN checklists c ON c.id = a.checklist_id AND c.version = a.checklist_version "
             "ORDER BY a.year DESC, u.name")


def make_workspace(folder: Path, counties: int = 10, towns: int = 150) -> Path:
    """A generated workspace of counties x towns assessments (made once per folder)."""
    sys.path.insert(0, str(ROOT))
    from storage import Workspace
    from storage.generate import generate_workspace

    if not (folder / "dabiao.sqlite").exists():
        ws = Workspace.open(folder, backup=False)
        try:
            generate_workspace(ws, counties, towns, (2027,))
        finally:
            ws.close()
    return folder


def ours(ws_dir: Path) -> str:
    """`assessment list --json` in this process; returns what it printed."""
    from commands.workspace_cmds import assessment_list

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assessment_list(argparse.Namespace(data_dir=str(ws_dir), year=None, json=True))
    return out.getvalue()


def floor(ws_dir: Path) -> str:
    conn = sqlite3.connect(str(ws_dir / "dabiao.sqlite"))
    try:
        cursor = conn.execute(FLOOR_SQL)
        keys = [d[0] for d in cursor.description]
        rows = [dict(zip(keys, row)) for row in cursor]
    finally:
        conn.close()
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


def cold(ws_dir: Path) -> float:
    """Seconds of the first listing after the score cache was emptied."""
    conn = sqlite3.connect(str(ws_dir / "dabiao.sqlite"))
    conn.execute("DELETE FROM score_cache")
    conn.commit()
    conn.close()
    start = time.perf_counter()
    ours(ws_dir)
    return time.perf_counter() - start


def bench(quick: bool, work: Path, measure, report) -> None:
    """Run by bench/run.py (its measure and report)."""
    ws_dir = make_workspace(work / "ws")
    listed = json.loads(ours(ws_dir))  # untimed: fills the cache, takes the day's backup
    assert len(listed) == len(json.loads(floor(ws_dir))) == 1500
    report("assessment_list", *measure(lambda: ours(ws_dir), lambda: floor(ws_dir), 5 if quick else 15))
    print(f"assessment_list cold (cache emptied, every score computed and stored): {cold(ws_dir):.3f} s",
          flush=True)
