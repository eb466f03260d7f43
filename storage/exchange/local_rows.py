"""What this workspace already holds of a bundle's records, read once per import with a
few set queries (`IN (...)` over the bundle's ids, in chunks), so that planning an
import costs in proportion to the bundle, not to the workspace: the 军分区 imports a
hundred county year bundles one after the other, each must not re-read the others.
The merge planners (merge*.py) look rows up here instead of querying per record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHUNK = 400  # ids per IN (...) list, well under SQLite's limit on parameters


def rows_in(ws, sql: str, ids, extra=()) -> list[dict]:
    """Rows of `sql` (its `{ids}` a placeholder list) for every id in `ids`, in chunks."""
    ids = list(ids)
    out: list[dict] = []
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        out.extend(ws.db.query(sql.format(ids=",".join("?" * len(part))), list(extra) + part))
    return out


@dataclass
class LocalRows:
    """The workspace's rows that the bundle's records meet, keyed for the planners."""

    units: dict = field(default_factory=dict)          # id -> unit row (the bundle's units and their parents)
    unit_names: dict = field(default_factory=dict)     # (name, parent id or '') -> id
    assessments: dict = field(default_factory=dict)    # id -> row
    same_slot: dict = field(default_factory=dict)      # (unit, checklist, year) -> id
    answers: dict = field(default_factory=dict)        # assessment id -> {(code, role): row}
    attachments: dict = field(default_factory=dict)    # assessment id -> {attachment id: row}
    attachment_owner: dict = field(default_factory=dict)  # attachment id -> assessment id (the bundle's ids)
    attachment_last: dict = field(default_factory=dict)   # assessment id -> {attachment id: last action here}
    actions: dict = field(default_factory=dict)        # id -> row (the bundle's action ids)
    evidence: dict = field(default_factory=dict)       # sha256 -> row (the bundle's photos)
    history: dict = field(default_factory=dict)        # assessment id -> seqs received from the origin
    history_owner: dict = field(default_factory=dict)  # seq -> assessment id (origin's, the bundle's seqs)


def read_local(ws, data: dict, origin: str | None) -> LocalRows:
    """The rows of this workspace that the records of data.json meet."""
    local = LocalRows()
    bundle_units = {u["id"]: u for u in data["units"]}
    assessments = data["assessments"]
    unit_ids = set(bundle_units) | {u["parent_id"] for u in data["units"] if u["parent_id"]} \
        | {a["unit_id"] for a in assessments}
    local.units = {r["id"]: r for r in rows_in(ws, "SELECT * FROM units WHERE id IN ({ids})", sorted(unit_ids))}
    names = sorted({u["name"] for u in data["units"]})
    for r in rows_in(ws, "SELECT id, name, parent_id FROM units WHERE name IN ({ids})", names):
        local.unit_names.setdefault((r["name"], r["parent_id"] or ""), r["id"])
    ids = [a["id"] for a in assessments]
    local.assessments = {r["id"]: r for r in rows_in(ws, "SELECT * FROM assessments WHERE id IN ({ids})", ids)}
    for r in rows_in(ws, "SELECT id, unit_id, checklist_id, year FROM assessments WHERE unit_id IN ({ids})",
                     sorted({a["unit_id"] for a in assessments})):
        local.same_slot[(r["unit_id"], r["checklist_id"], r["year"])] = r["id"]
    here = sorted(local.assessments)
    for r in rows_in(ws, "SELECT * FROM answers WHERE assessment_id IN ({ids})", here):
        local.answers.setdefault(r["assessment_id"], {})[(r["code"], r["role"])] = r
    for r in rows_in(ws, "SELECT * FROM attachments WHERE assessment_id IN ({ids})", here):
        local.attachments.setdefault(r["assessment_id"], {})[r["id"]] = r
    for r in rows_in(ws, "SELECT assessment_id, entity_id, action FROM events WHERE assessment_id IN ({ids}) "
                         "AND entity = 'attachment' ORDER BY seq", here):
        local.attachment_last.setdefault(r["assessment_id"], {})[r["entity_id"]] = r["action"]
    att_ids = [att["id"] for a in assessments for att in a["attachments"]]
    for r in rows_in(ws, "SELECT id, assessment_id FROM attachments WHERE id IN ({ids})", att_ids):
        local.attachment_owner[r["id"]] = r["assessment_id"]
    act_ids = [act["id"] for a in assessments for act in a.get("actions", []) + a.get("earlier_actions", [])]
    local.actions = {r["id"]: r for r in rows_in(ws, "SELECT * FROM actions WHERE id IN ({ids})", act_ids)}
    shas = [e["sha256"] for e in data["evidence"]]
    local.evidence = {r["sha256"]: r for r in rows_in(ws, "SELECT * FROM evidence WHERE sha256 IN ({ids})", shas)}
    if origin:
        seqs = sorted({ev["seq"] for a in assessments for ev in a["events"]})
        for r in rows_in(ws, "SELECT seq, assessment_id FROM bundle_events WHERE origin = ? AND seq IN ({ids})",
                         seqs, [origin]):
            local.history_owner[r["seq"]] = r["assessment_id"]
            local.history.setdefault(r["assessment_id"], set()).add(r["seq"])
    return local
