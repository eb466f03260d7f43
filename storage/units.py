"""Units under assessment (被考评单位): county > town > 民兵营连, or enterprise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from checklists.format import UNIT_TYPES

from .errors import StorageError
from .workspace import new_id, now

if TYPE_CHECKING:
    from .models import UnitRef, UnitRow, UnitTreeRow
    from .workspace import Workspace

UNIT_TYPES_ALL = ("county",) + UNIT_TYPES
UNIT_TYPE_LABELS = {"county": "县（市、区）人武部", "town": "乡镇（街道）武装部", "enterprise": "企业武装部",
                    "militia": "民兵营（连）"}


def add_unit(ws: Workspace, name: str, unit_type: str, parent_id: str | None = None,
             unit_id: str | None = None) -> UnitRow:
    """Create a unit and return its row; names are unique under the same parent."""
    name = (name or "").strip()
    if not name:
        raise StorageError("单位名称不能为空")
    if unit_type not in UNIT_TYPES_ALL:
        raise StorageError(f"单位类型必须是 {'、'.join(UNIT_TYPES_ALL)} 之一，现在是 {unit_type!r}")
    if parent_id and not get_unit(ws, parent_id):
        raise StorageError(f"上级单位 {parent_id} 不存在")
    clash = ws.db.execute("SELECT id FROM units WHERE name = ? AND coalesce(parent_id, '') = coalesce(?, '')",
                          [name, parent_id]).fetchone()
    if clash:
        raise StorageError(f"单位“{name}”已存在")
    row: UnitRow = {"id": unit_id or new_id(), "name": name, "type": unit_type, "parent_id": parent_id,
                    "created_at": now(), "updated_at": now()}
    with ws.transaction() as db:
        db["units"].insert(row)
        ws.record("unit", row["id"], "add", {"name": name, "type": unit_type, "parent_id": parent_id})
    return row


def get_unit(ws: Workspace, unit_id: str) -> UnitRow | None:
    rows = list(ws.db.query("SELECT * FROM units WHERE id = ?", [unit_id]))
    return rows[0] if rows else None


def find_unit(ws: Workspace, name_or_id: str) -> UnitRow:
    """A unit by id, or by a name that is unique in the workspace."""
    unit = get_unit(ws, name_or_id)
    if unit:
        return unit
    rows = list(ws.db.query("SELECT * FROM units WHERE name = ?", [name_or_id]))
    if not rows:
        raise StorageError(f"找不到单位“{name_or_id}”")
    if len(rows) > 1:
        raise StorageError(f"有 {len(rows)} 个单位名为“{name_or_id}”，请用编号指定")
    return rows[0]


def list_units(ws: Workspace) -> list[UnitTreeRow]:
    """All units, parents before children, in the order they were entered (the county's
    list of towns as the person typed it, not re-sorted by the characters' code points)."""
    rows = list(ws.db.query("SELECT * FROM units ORDER BY created_at, rowid"))
    by_parent: dict = {}
    for r in rows:
        by_parent.setdefault(r["parent_id"], []).append(r)
    out = []

    def walk(parent, depth):
        for r in by_parent.get(parent, []):
            out.append(r | {"depth": depth})
            walk(r["id"], depth + 1)

    walk(None, 0)
    known = {r["id"] for r in out}
    out.extend(r | {"depth": 0} for r in rows if r["id"] not in known)  # orphans (parent missing)
    return out


def county_of_units(ws: Workspace) -> dict[str, UnitRef]:
    """unit id -> the county (县、市、区) unit it belongs to (a county: itself), for every unit
    under one; plain SQL over all units at once."""
    rows = {r[0]: r for r in ws.db.execute("SELECT id, name, type, parent_id FROM units")}
    out: dict = {}
    for uid in rows:
        path, cur = [], uid
        while cur in rows and cur not in out and cur not in path:
            path.append(cur)
            if rows[cur][2] == "county":
                break
            cur = rows[cur][3]
        found = out.get(cur) if cur in out else (
            {"id": cur, "name": rows[cur][1]} if cur in rows and rows[cur][2] == "county" else None)
        if found is not None:
            for seen in path:
                out[seen] = found
    return out


def find_county(ws: Workspace, name_or_id: str) -> UnitRow:
    """A county-level unit by id or name; unknown: one clear line naming the counties there are."""
    rows = list(ws.db.query("SELECT * FROM units WHERE type = 'county' AND (id = ? OR name = ?) ORDER BY name",
                            [name_or_id, name_or_id]))
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        raise StorageError(f"有 {len(rows)} 个县（市、区）名为“{name_or_id}”，请用编号指定")
    names = [r[0] for r in ws.db.execute("SELECT name FROM units WHERE type = 'county' ORDER BY name")]
    shown = "、".join(names[:10]) + (f"等 {len(names)} 个" if len(names) > 10 else "")
    known = f"；工作区中的县（市、区）有：{shown}" if names else "；工作区中还没有县（市、区）"
    raise StorageError(f"找不到县（市、区）“{name_or_id}”{known}")
