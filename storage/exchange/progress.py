"""What this workspace has received, for the inspector's overview (已收到的上报, `bundle
received`): the bundles imported, newest first, and per assessment how far the self
side and the review side have got (items answered, photos added), its status and who
signed it off.
"""

from __future__ import annotations

import json

from checklists import ChecklistError

from .. import checklist_store
from ..errors import StorageError
from . import signing


def received_bundles(ws) -> list[dict]:
    """Bundles imported into this workspace, newest first."""
    rows = list(ws.db.query("SELECT * FROM bundle_imports ORDER BY imported_at DESC, rowid DESC"))
    for r in rows:
        r["summary"] = json.loads(r["summary"] or "{}")
        r["short"] = signing.short(r["fingerprint"] or "")
    return rows


def review_progress(ws, year: int | None = None) -> list[dict]:
    """For the inspector: every assessment held, with how many items have a self and a
    review answer, photos per side, status and who sent it."""
    out = []
    sql = ("SELECT a.*, u.name AS unit_name FROM assessments a JOIN units u ON u.id = a.unit_id"
           + (" WHERE a.year = ?" if year is not None else "") + " ORDER BY a.year DESC, u.name")
    for a in ws.db.query(sql, [year] if year is not None else []):
        try:
            items = sum(1 for _ in checklist_store.load(ws, a["checklist_id"], a["checklist_version"]).items())
        except (StorageError, ChecklistError):
            items = None
        counts = dict(ws.db.execute("SELECT role, count(*) FROM answers WHERE assessment_id = ? AND value IS NOT NULL "
                                    "AND value != 'null' GROUP BY role", [a["id"]]).fetchall())
        photos = dict(ws.db.execute("SELECT role, count(*) FROM attachments WHERE assessment_id = ? GROUP BY role",
                                    [a["id"]]).fetchall())
        out.append({"id": a["id"], "unit_name": a["unit_name"], "year": a["year"], "status": a["status"],
                    "checklist": f"{a['checklist_id']}@{a['checklist_version']}", "items": items,
                    "self_answered": counts.get("self", 0), "review_answered": counts.get("review", 0),
                    "self_photos": photos.get("self", 0), "review_photos": photos.get("review", 0),
                    "reviewer": a["reviewer"], "signed_by": a["signed_by"], "signed_at": a["signed_at"]})
    return out
