"""The merge rules: what importing a checked bundle changes in this workspace, and what
it leaves alone (listed in plan.skipped). Nothing is changed here: each change is a
`Change` in the plan, applied later in one transaction (ImportPlan.apply).

`plan_changes()` goes through the bundle in the order it will be applied:
- checklists the workspace lacks, each after the base it extends;
- units, parents first: added when missing; an existing one updated only by a criteria
  bundle whose record is newer;
- assessments (`_plan_assessment`): added when missing, skipped whole when they clash
  with a different local one; then, for the bundle's side only, the side's fields and
  status (`_plan_header`, taken when the bundle's side is further along), the answers
  (merge_answers.py), the photos (merge_photos.py), the corrective actions
  (merge_actions.py) and the sender's audit history (kept apart, in bundle_events); a
  changed side is then checked for a key conflict (trust.py);
- the photo files the new attachments need (merge_photos.plan_files).
The rules in words: docs/bundles.md, "What an import may change".
"""

from __future__ import annotations

from .. import checklist_store
from ..workspace import now
from . import signing
from .bundle_format import refuse
from .merge_actions import plan_actions
from .merge_answers import check_answers, plan_answers
from .local_rows import read_local
from .merge_photos import check_photo_items, plan_files, plan_photos
from .plan import Change, ImportPlan, bump
from .records import (ASSESSMENT_CORE, EVENT_COLS, REV_COL, SIDE_FIELDS, SIDE_LABELS, SIDE_STATUSES, SIDES_OF_KIND,
                      STATUS_RANK, UNIT_COLS, insert_sql, pick)
from .trust import check_key_conflict


def plan_changes(plan: ImportPlan, carried: dict) -> None:
    """Every change importing the bundle would make, into plan.changes (in the order they
    will be applied), with what it leaves alone in plan.skipped. carried: the checklist
    texts the bundle brings that the workspace lacks, {(id, version): (text, name)}."""
    bundle_id = plan.data["bundle_id"]
    origin = plan.signer.workspace_id
    origin = origin if origin != signing.workspace_id(plan.ws) else None
    plan.local = read_local(plan.ws, plan.data, origin)
    _plan_checklists(plan, carried)
    _plan_units(plan, bundle_id)

    sides = SIDES_OF_KIND[plan.kind]
    need_rows: set = set()
    for a in plan.data["assessments"]:
        _plan_assessment(plan, a, sides, origin, need_rows, bundle_id)

    plan_files(plan, need_rows)
    # Apply order: checklists, units, photos' rows, then each assessment in turn.
    phase = {"checklists_added": 0, "units_added": 1, "units_updated": 1, "evidence_added": 2}
    plan.changes.sort(key=lambda c: phase.get(c.what, 3))


def _plan_checklists(plan: ImportPlan, carried: dict) -> None:
    """Checklists, bases first (import_checklist_text validates and records; the workspace
    resolves each base because it went in just before)."""
    ws = plan.ws
    for key in _base_first(plan, carried):
        if checklist_store.get_row(ws, *key):
            continue
        text, name = carried[key]

        def add_checklist(ws, text=text, name=name, checklist=plan._checklists[key]):
            # validated from this very text by the importer's checks: not parsed again
            checklist_store.import_checklist_text(ws, text, name, checklist=checklist)

        plan.changes.append(Change("checklists_added", f"标准 {key[0]}@{key[1]}", add_checklist))
        bump(plan, "checklists_added")


def _plan_units(plan: ImportPlan, bundle_id: str) -> None:
    """Units, parents first: added when missing; changed only by a criteria bundle whose
    record is newer."""
    data, kind = plan.data, plan.kind
    bundle_units = {u["id"]: u for u in data["units"]}
    local_units = plan.local.units
    cities = _cities(plan) if kind == "year" else []
    city = cities[0] if len(cities) == 1 else None
    ordered, placed = [], set()

    def place(uid, depth=0):
        if uid in placed or uid not in bundle_units:
            return
        if depth > 50:
            refuse(plan.reader.path, "单位的上下级关系成环", "data")
        parent = bundle_units[uid]["parent_id"]
        if parent:
            if parent not in bundle_units and parent not in local_units:
                refuse(plan.reader.path, f"单位“{bundle_units[uid]['name']}”的上级单位 {parent} 不在交换包或本工作区中",
                       "data")
            place(parent, depth + 1)
        placed.add(uid)
        ordered.append(bundle_units[uid])

    for uid in bundle_units:
        place(uid)
    for u in ordered:
        local = local_units.get(u["id"])
        if local is None:
            if city and u["type"] == "county" and not u["parent_id"]:
                u = u | {"parent_id": city["id"]}
                plan.notices.append(f"县（市、区）“{u['name']}”没有上级单位，将归入本工作区的军分区“{city['name']}”")
            elif len(cities) > 1 and u["type"] == "county" and not u["parent_id"]:
                plan.notices.append(f"县（市、区）“{u['name']}”没有上级单位，本工作区有 {len(cities)} 个军分区，"
                                    f"将放在最上级；可用 unit move {u['name']} --parent 军分区名 归入其中之一")
            clash = plan.local.unit_names.get((u["name"], u["parent_id"] or ""))
            if clash:
                plan.notices.append(f"注意：单位“{u['name']}”与本工作区已有的同名单位编号不同，两者将并存；请核对")
            plan.changes.append(Change("units_added", f"单位 {u['name']}", _unit_add(u, bundle_id)))
            bump(plan, "units_added")
            continue
        differs = {k: u[k] for k in ("name", "type", "parent_id", "tags") if local.get(k) != u[k]}
        if not differs or kind != "criteria":
            continue
        if (u["updated_at"] or "") > (local["updated_at"] or ""):
            plan.changes.append(Change("units_updated", f"单位 {u['name']}", _unit_update(u, local, differs, bundle_id)))
            bump(plan, "units_updated")
        else:
            plan.skipped.append(f"单位“{local['name']}”：本工作区的记录较新或同时被改过（{_fields(differs)}），未覆盖")


def _cities(plan: ImportPlan) -> list[dict]:
    """(year) The workspace's 军分区 (units of type city): a county arriving without a
    parent is placed under the only one; with two or more it stays at the top (a notice
    says how to move it)."""
    rows = plan.ws.db.execute("SELECT id, name FROM units WHERE type = 'city' ORDER BY name").fetchall()
    return [{"id": r[0], "name": r[1]} for r in rows]


def _base_first(plan: ImportPlan, carried: dict) -> list:
    """The carried checklists, each after the base it extends."""
    order: list = []

    def visit(key, depth=0):
        if key in order or key not in carried:
            return
        if depth > 5:
            refuse(plan.reader.path, f"标准 {key[0]}@{key[1]} 的基础标准链过长或成环", "checklist")
        base = plan._checklists[key].extends
        if base:
            visit((base[0], str(base[1])), depth + 1)
        order.append(key)

    for key in carried:
        visit(key)
    return order


def _fields(changes: dict) -> str:
    return "、".join(changes)


def _unit_add(u: dict, bundle_id: str):
    def run(ws):
        ws.db.execute(_INSERT_UNIT, [u.get(c) for c in UNIT_COLS])
        ws.record("unit", u["id"], "import", {"name": u["name"], "type": u["type"], "parent_id": u["parent_id"],
                                              "bundle": bundle_id})
    return run


def _unit_update(u: dict, local: dict, differs: dict, bundle_id: str):
    def run(ws):
        ws.db["units"].update(u["id"], differs | {"updated_at": u["updated_at"]})
        ws.record("unit", u["id"], "import", {k: {"old": local[k], "new": v} for k, v in differs.items()}
                  | {"bundle": bundle_id})
    return run


def _side_stamp(row: dict, side: str) -> tuple:
    """How far one side of an assessment has got: its revision, then (review) how far
    along the flow and when it was signed, (self) when it was submitted."""
    if side == "self":
        return (row.get("self_rev") or 0, row.get("submitted_at") or "")
    if side == "recheck":
        return (row.get("recheck_rev") or 0,)
    rank = STATUS_RANK.get(row.get("status"), 0) if row.get("status") in SIDE_STATUSES["review"] else 0
    return (row.get("review_rev") or 0, rank, row.get("signed_at") or "")


def _plan_assessment(plan: ImportPlan, a: dict, sides: tuple, origin: str | None, need_rows: set,
                     bundle_id: str) -> None:
    """One assessment of a submission, review or year bundle: its items checked, then added
    when missing here (skipped whole when it clashes with a different local assessment),
    then each side it carries merged part by part. origin: the sending workspace (None
    when it is this one), whose audit events are kept as received."""
    local_rows = plan.local
    aid = a["id"]
    checklist = plan._checklists[(a["checklist_id"], a["checklist_version"])]
    index = checklist.item_index()
    unit_name = next((u["name"] for u in plan.data["units"] if u["id"] == a["unit_id"]), None)
    if unit_name is None:
        row = local_rows.units.get(a["unit_id"])
        if not row:
            refuse(plan.reader.path, f"考评 {aid} 的单位 {a['unit_id']} 不在交换包或本工作区中", "data")
        unit_name = row["name"]
    label = f"{unit_name} {a['year']} 年考评"

    # Values must be valid for the items, as if typed in.
    shown = check_answers(plan, a, index, checklist.ref, label)
    check_photo_items(plan, a, index, checklist.ref, label)

    local = local_rows.assessments.get(aid)
    touched_sides = set()
    if local is None:
        clash = local_rows.same_slot.get((a["unit_id"], a["checklist_id"], a["year"]))
        if clash:
            plan.skipped.append(f"{label}：本工作区已有同一单位、同一标准、同一年度的另一个考评（{clash}），"
                                "此考评整个未导入")
            return
        # Nothing here to overwrite: its answers and photos go in together, its one event counts them
        batched, photos = True, {}
        plan.changes.append(Change("assessments_added", label, _assessment_add(a, sides, bundle_id, photos),
                                   label, side=sides[0]))
        bump(plan, "assessments_added")
    else:
        batched, photos = False, None
        for key in ("unit_id", "checklist_id", "checklist_version", "year"):
            if local[key] != a[key]:
                plan.skipped.append(f"{label}：编号 {aid} 在本工作区对应的考评单位、标准或年度不同，此考评整个未导入")
                return
        for side in sides:
            if side == "recheck" and not a.get("recheck_rev"):
                continue  # the sender has no 复核: nothing to compare (it never lowers ours)
            if _plan_header(plan, a, local, side, label, bundle_id):
                touched_sides.add(side)

    is_new = local is None
    for side in sides:
        newer = is_new or _side_stamp(a, side) > _side_stamp(local, side)
        if plan_answers(plan, a, side, index, label, is_new, bundle_id, batched, shown):
            touched_sides.add(side)
        if plan_photos(plan, a, side, index, label, is_new, newer, need_rows, bundle_id, photos):
            touched_sides.add(side)
    if plan_actions(plan, a, sides[0], index, label, bundle_id):
        touched_sides.add(sides[0])
    if origin:
        _plan_history(plan, a, origin, label, bundle_id)

    if not is_new:
        for side in sides:
            if side in touched_sides:
                bump(plan, f"{side}_updated")
                check_key_conflict(plan, aid, side, label)


def _plan_history(plan: ImportPlan, a: dict, origin: str, label: str, bundle_id: str) -> None:
    """The sender's audit events for this assessment, kept as received (bundle_events),
    outside this workspace's own hash chain; those already here are not stored twice."""
    aid = a["id"]
    have = plan.local.history.get(aid, set())
    new = [ev for ev in a["events"] if ev["seq"] not in have]
    clash = any(plan.local.history_owner.get(ev["seq"], aid) != aid for ev in new)
    if clash:
        plan.skipped.append(f"{label}：来源工作区的历史记录编号与已收到的记录冲突，历史记录未导入")
    elif new:
        plan.changes.append(Change("history", f"{label} 的历史记录", _events_add(origin, new, bundle_id), label,
                                   count=len(new)))
        bump(plan, "history", len(new))


def _plan_header(plan: ImportPlan, a: dict, local: dict, side: str, label: str, bundle_id: str) -> bool:
    """The side's fields of an existing assessment (and status within the side's part of
    the flow): taken when the bundle's side is further along, else listed if different."""
    fields = SIDE_FIELDS[side]
    differs = {k: a[k] for k in fields if local[k] != a[k]}
    status = None
    if a["status"] != local["status"] and a["status"] in SIDE_STATUSES[side]:
        if side == "review" or local["status"] in SIDE_STATUSES["self"]:
            status = a["status"]
    if not differs and status is None:
        return False
    theirs, here = _side_stamp(a, side), _side_stamp(local, side)
    if theirs > here:
        changes = dict(differs)
        if REV_COL[side] in changes and changes[REV_COL[side]] < (local[REV_COL[side]] or 0):
            changes.pop(REV_COL[side])
        if status is not None:
            changes["status"] = status
        plan.changes.append(Change("header", label, _header_set(a["id"], local, changes, side, bundle_id), label,
                                   side=side, old={k: local[k] for k in changes}, new=dict(changes)))
        return True
    what = {"review": "考评结论、签字与状态", "self": "自评信息与状态"}.get(side, f"{SIDE_LABELS[side]}版本")
    named = list(differs) + (["status"] if status else [])
    if theirs < here:
        plan.skipped.append(f"{label} 的{what}：本工作区较新，未覆盖（{_fields(named)}）")
    else:
        plan.skipped.append(f"{label} 的{what}：与本工作区同一版本但内容不同，保留本工作区的（{_fields(named)}）")
    return False


def _assessment_add(a: dict, sides: tuple, bundle_id: str, photos: dict):
    """Insert a new assessment with one audit event that counts, per side, the answers and
    photos inserted with it (`photos`: filled by plan_photos while planning)."""
    def run(ws):
        row = pick(a, ASSESSMENT_CORE)
        for side in sides:
            row |= pick(a, SIDE_FIELDS[side])
        if sides == ("self",) and row["status"] not in SIDE_STATUSES["self"]:
            row["status"] = "submitted"
        for col in REV_COL.values():
            row.setdefault(col, 0)
        ws.db.execute(insert_sql("assessments", tuple(row)), list(row.values()))
        detail = {"checklist": f"{a['checklist_id']}@{a['checklist_version']}", "year": a["year"],
                  "status": row["status"], "bundle": bundle_id,
                  "answers": {s: n for s in sides if (n := sum(1 for x in a["answers"] if x["role"] == s))}}
        if photos:
            detail["photos"] = {s: photos[s] for s in sides if photos.get(s)}
        ws.record("assessment", a["id"], "import", detail, assessment_id=a["id"])
    return run


def _header_set(aid: str, local: dict, changes: dict, side: str, bundle_id: str):
    def run(ws):
        ws.db["assessments"].update(aid, changes | {"updated_at": now()})
        ws.record("assessment", aid, "import", {k: {"old": local.get(k), "new": v} for k, v in changes.items()}
                  | {"bundle": bundle_id}, assessment_id=aid)
    return run


_INSERT_UNIT = insert_sql("units", UNIT_COLS)
_INSERT_HISTORY = insert_sql("bundle_events", ("origin", "bundle_id") + EVENT_COLS)


def _events_add(origin: str, events: list, bundle_id: str):
    def run(ws):
        ws.db.conn.executemany(_INSERT_HISTORY, [[origin, bundle_id] + [ev.get(c) for c in EVENT_COLS]
                                                 for ev in events])
    return run
