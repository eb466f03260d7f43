"""What a bundle carries along with its assessments, parents first: the checklist and the
bases it extends, the unit and the units above it (export.py, export_year.py)."""

from __future__ import annotations

from .. import checklist_store
from ..errors import StorageError
from .records import CHECKLIST_COLS, pick, unit_record


def checklist_chain(ws, set_id: str, version: str, into: dict) -> None:
    """The checklist and its bases (base first), as data.json entries, into `into`."""
    chain = []
    while set_id and len(chain) < 5:
        row = checklist_store.get_row(ws, set_id, version)
        if not row:
            raise StorageError(f"工作区中没有标准 {set_id} 版本 {version}（被引用为基础标准）")
        chain.append(row)
        set_id, version = row["extends_id"], row["extends_version"]
    for row in reversed(chain):
        into.setdefault((row["id"], row["version"]), pick(row, CHECKLIST_COLS))


def unit_chain(ws, unit_id: str, into: dict) -> None:
    chain = []
    while unit_id and unit_id not in into and len(chain) < 20:
        rows = list(ws.db.query("SELECT * FROM units WHERE id = ?", [unit_id]))
        if not rows:
            break
        chain.append(rows[0])
        unit_id = rows[0]["parent_id"]
    for row in reversed(chain):
        into.setdefault(row["id"], unit_record(row))
