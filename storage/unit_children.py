"""The units directly under a unit (a town's 民兵营连), with their assessments of a year:
what a town's gap report lists under it. Read only."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import UnitRow
    from .workspace import Workspace


def child_units(ws: Workspace, parent_id: str, unit_type: str | None = None) -> list[UnitRow]:
    """The units whose parent is `parent_id` (of `unit_type` only, when given), in the
    order they were entered."""
    sql = "SELECT * FROM units WHERE parent_id = ?"
    params: list = [parent_id]
    if unit_type is not None:
        sql += " AND type = ?"
        params.append(unit_type)
    return list(ws.db.query(sql + " ORDER BY created_at, rowid", params))


def child_assessments(ws: Workspace, parent_id: str, year: int, unit_type: str | None = None) -> list[tuple]:
    """[(child unit, its assessments of `year` (rows of `assessments` plus the criteria's
    `checklist_title`, oldest first))] for each child unit, a unit without an assessment
    that year included (with [])."""
    children = child_units(ws, parent_id, unit_type)
    if not children:
        return []
    marks = ",".join("?" * len(children))
    rows = ws.db.query("SELECT a.*, c.title AS checklist_title FROM assessments a LEFT JOIN checklists c "
                       "ON c.id = a.checklist_id AND c.version = a.checklist_version "
                       f"WHERE a.year = ? AND a.unit_id IN ({marks}) ORDER BY a.created_at, a.rowid",
                       [int(year), *(c["id"] for c in children)])
    by_unit: dict = {}
    for r in rows:
        by_unit.setdefault(r["unit_id"], []).append(r)
    return [(c, by_unit.get(c["id"], [])) for c in children]
