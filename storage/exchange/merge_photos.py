"""Merging photos: one side's attachments of an assessment, and the stored photo files
they need.

Attachments are kept by their id (`plan_photos`). New ones are added, unless this
workspace removed that attachment (its audit log says so): then it is listed and not
restored. An attachment the sender removed (its events in the bundle end with `remove`)
is removed here too. A caption that differs is taken only when the bundle's side is
newer, else listed. An attachment id this workspace already uses for another assessment
refuses the bundle.

The photos themselves (`plan_files`): a row in `evidence` for each one new here, the
files to put in place (new ones, and originals missing here that the bundle carries),
which staging.py copies out and ImportPlan.apply() moves into the evidence store.
"""

from __future__ import annotations

from ..evidence import original_path
from ..workspace import now
from .bundle_format import refuse
from .plan import Change, ImportPlan, bump
from .records import ATTACHMENT_COLS, EVIDENCE_COLS, insert_sql


_INSERT_EVIDENCE = insert_sql("evidence", EVIDENCE_COLS + ("imported_at", "absent"))
_INSERT_ATTACHMENT = insert_sql("attachments", ("assessment_id",) + ATTACHMENT_COLS)


def check_photo_items(plan: ImportPlan, a: dict, index: dict, checklist_ref: str, label: str) -> None:
    """Refuse the bundle when a photo of assessment `a` is on an item the checklist does not have."""
    for att in a["attachments"]:
        if att["code"] not in index:
            refuse(plan.reader.path, f"{label}：照片所在条目 {att['code']} 不在标准 {checklist_ref} 中", "data")


def plan_photos(plan: ImportPlan, a: dict, side: str, index: dict, label: str, is_new: bool, newer: bool,
                need_rows: set, bundle_id: str, added: dict | None = None) -> bool:
    """The changes for the photos of `a` (side `side`) against this workspace's (none when
    the assessment is new here); `newer`: the bundle's side is further along than this
    workspace's (captions are taken only then). Adds to `need_rows` the photos that have
    no evidence row here yet. True when any change will be applied. added (a new
    assessment): its attachments are inserted together at the end of the transaction and
    counted here per side, for the assessment's import event (no event per photo)."""
    aid, local = a["id"], plan.local
    local_atts = {} if is_new else local.attachments.get(aid, {})
    touched = False
    bundle_events = {}
    for ev in a["events"]:
        if ev["entity"] == "attachment":
            bundle_events[ev["entity_id"]] = ev["action"]
    last_here = local.attachment_last.get(aid, {})
    here_items = {(r["code"], r["sha256"]) for r in local_atts.values()}
    for att in a["attachments"]:
        if att["role"] != side:
            continue
        mine = local_atts.get(att["id"])
        where = f"{label} 条目 {att['code']} 的照片 {att['id'][:8]}"
        if mine is not None:
            if mine["role"] != side or mine["sha256"] != att["sha256"] or mine["code"] != att["code"]:
                plan.skipped.append(f"{where}：本工作区中同编号的照片内容不同，未覆盖")
            elif mine["caption"] != att["caption"]:
                if newer:
                    plan.changes.append(Change("captions", where, _caption_set(aid, att, mine, bundle_id), label,
                                               att["code"], index.get(att["code"]), side, {"caption": mine["caption"]},
                                               {"caption": att["caption"]}))
                    touched = True
                else:
                    plan.skipped.append(f"{where}：说明文字与本工作区不同，交换包不比本工作区新，未覆盖")
            continue
        elsewhere = local.attachment_owner.get(att["id"])
        if elsewhere is not None:
            refuse(plan.reader.path, f"{label}：照片附件编号 {att['id']} 已被本工作区另一个考评（{elsewhere}）的照片使用",
                   "data")
        if last_here.get(att["id"]) == "remove":
            plan.skipped.append(f"{where}：此照片已在本工作区删除，不再恢复")
            continue
        if (att["code"], att["sha256"]) in here_items:
            continue  # the same photo on the same item, added on both sides
        here_items.add((att["code"], att["sha256"]))
        if att["sha256"] not in local.evidence:
            need_rows.add(att["sha256"])
        if added is not None:
            added[side] = added.get(side, 0) + 1
        put = None if added is not None else _attachment_add(aid, att, bundle_id)
        row = (_INSERT_ATTACHMENT, [aid] + [att.get(c) for c in ATTACHMENT_COLS]) if added is not None else None
        plan.changes.append(Change("photos_added", where, put, label, att["code"],
                                   index.get(att["code"]), side, None, {"caption": att["caption"]}, batch=row))
        bump(plan, "photos_added")
        touched = True
    present = {att["id"] for att in a["attachments"]}
    for att_id, mine in local_atts.items():
        if mine["role"] == side and att_id not in present and bundle_events.get(att_id) == "remove":
            plan.changes.append(Change("photos_removed", f"{label} 条目 {mine['code']} 的照片",
                                       _attachment_remove(aid, mine, bundle_id), label, mine["code"],
                                       index.get(mine["code"]), side, {"caption": mine["caption"]}))
            bump(plan, "photos_removed")
            touched = True
    return touched


def plan_files(plan: ImportPlan, need_rows: set) -> None:
    """An evidence row for each photo new here (absent=1 when its bytes did not travel);
    the files to put in place: the new ones, originals this workspace has a row for but
    lost (repaired from the bundle), and those it only had the record of (absent: the
    file is filled in and the mark cleared)."""
    ws = plan.ws
    evidence_by_sha = {e["sha256"]: e for e in plan.data["evidence"]}
    for sha in sorted(need_rows):
        plan.changes.append(Change("evidence_added", f"照片 {sha[:12]}", _evidence_add(evidence_by_sha[sha])))
        bump(plan, "files_absent" if evidence_by_sha[sha].get("absent") else "files_added")
    for e in plan.data["evidence"]:
        if e.get("absent"):
            continue  # only its record travelled: never marks a photo here absent
        mine = plan.local.evidence.get(e["sha256"])
        if e["sha256"] in need_rows:
            plan.new_files[e["sha256"]] = (e["ext"], e["size"])
        elif mine and mine["ext"] == e["ext"] and mine.get("absent"):
            plan.new_files[e["sha256"]] = (e["ext"], e["size"])   # the photo that had not travelled yet
            plan.changes.append(Change("files_filled", f"照片 {e['sha256'][:12]}", _evidence_filled(e)))
            bump(plan, "files_filled")
        elif mine and mine["ext"] == e["ext"] and not original_path(ws, e["sha256"], mine["ext"]).exists():
            plan.new_files[e["sha256"]] = (e["ext"], e["size"])   # repairs a missing original
            bump(plan, "files_repaired")


def _evidence_add(e: dict):
    def run(ws):
        if not ws.db.execute("SELECT 1 FROM evidence WHERE sha256 = ?", [e["sha256"]]).fetchone():
            ws.db.execute(_INSERT_EVIDENCE, [e.get(c) for c in EVIDENCE_COLS] + [now(), 1 if e.get("absent") else 0])
    return run


def _evidence_filled(e: dict):
    """The file of a photo known here only by its record is in place (apply() put it
    there, verified): clear the mark, with an event naming it."""
    def run(ws):
        ws.db.execute("UPDATE evidence SET absent = 0 WHERE sha256 = ?", [e["sha256"]])
        ws.record("evidence", e["sha256"], "fill", {"name": e["original_name"], "size": e["size"]})
    return run


def _attachment_add(aid: str, att: dict, bundle_id: str):
    def run(ws):
        ws.db.execute(_INSERT_ATTACHMENT, [aid] + [att.get(c) for c in ATTACHMENT_COLS])
        ws.record("attachment", att["id"], "import", {"code": att["code"], "role": att["role"],
                                                      "sha256": att["sha256"], "bundle": bundle_id},
                  assessment_id=aid)
    return run


def _attachment_remove(aid: str, row: dict, bundle_id: str):
    def run(ws):
        ws.db["attachments"].delete(row["id"])
        ws.record("attachment", row["id"], "remove", {"code": row["code"], "sha256": row["sha256"],
                                                      "bundle": bundle_id}, assessment_id=aid)
    return run


def _caption_set(aid: str, att: dict, mine: dict, bundle_id: str):
    def run(ws):
        ws.db["attachments"].update(att["id"], {"caption": att["caption"]})
        ws.record("attachment", att["id"], "caption", {"old": mine["caption"], "new": att["caption"],
                                                       "bundle": bundle_id}, assessment_id=aid)
    return run
