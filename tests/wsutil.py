"""Helpers to build a workspace with a unit and an assessment on the bundled criteria, and
to compare a workspace before and after (workspace_dump)."""

from __future__ import annotations

from storage import Workspace, assessments, checklist_store, units


def open_ws(folder):
    return Workspace.open(folder, backup=False)


def town_assessment(ws, checklist="city-2027-town", year=2027, name="城关镇"):
    """Import the bundled criteria, add a county and a town, open a draft assessment."""
    checklist_store.ensure_bundled(ws)
    county = units.add_unit(ws, "某县", "county")
    town = units.add_unit(ws, name, "town", county["id"])
    return assessments.new_assessment(ws, town["id"], checklist, None, year)


def workspace_dump(ws) -> dict:
    """Every row of every table and the list of files in the workspace folder (except the
    database's own files, the lock, backups, and two caches: the criteria parse results
    kept by checklist_store and the score cache of storage/scores): for comparing before
    and after."""
    tables = [r[0] for r in ws.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'score_cache' ORDER BY name").fetchall()]
    dump = {t: [tuple(r) for r in ws.db.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall()] for t in tables}
    skip = {"dabiao.sqlite", "dabiao.sqlite-wal", "dabiao.sqlite-shm", "dabiao.lock"}
    files = []
    for p in sorted(ws.folder.rglob("*")):
        rel = p.relative_to(ws.folder).as_posix()
        if rel in skip or rel.startswith(("backups/", "derived/criteria")):
            continue
        files.append((rel, p.is_dir(), p.stat().st_size if p.is_file() else None))
    dump["_files"] = files
    return dump
