"""Merging corrective actions (整改任务), which only a submission carries: an action
missing here is added; one that differs is taken when the bundle's `updated_at` is later,
else listed. An action whose id belongs to another assessment here is listed, not moved.
"""

from __future__ import annotations

from .plan import Change, ImportPlan, bump, first
from .records import ACTION_COLS, ACTION_COMPARE, pick


def plan_actions(plan: ImportPlan, a: dict, side: str, index: dict, label: str, bundle_id: str) -> bool:
    """The changes for the corrective actions of `a`; True when any will be applied."""
    ws, aid = plan.ws, a["id"]
    touched = False
    for act in a.get("actions", []):
        mine = first(ws.db.query("SELECT * FROM actions WHERE id = ?", [act["id"]]))
        where = f"{label} 的整改任务“{act['description'][:20]}”"
        if mine is None:
            plan.changes.append(Change("actions_changed", where, _action_put(act, None, bundle_id), label,
                                       act["code"], index.get(act["code"] or ""), side, None, dict(act)))
            bump(plan, "actions_changed")
            touched = True
            continue
        if mine["assessment_id"] != aid:
            plan.skipped.append(f"{where}：本工作区中同编号的整改任务属于另一个考评，未覆盖")
            continue
        differs = {k: act[k] for k in ACTION_COMPARE if mine[k] != act[k]}
        if not differs:
            continue
        if (act["updated_at"] or "") > (mine["updated_at"] or ""):
            plan.changes.append(Change("actions_changed", where, _action_put(act, mine, bundle_id), label,
                                       act["code"], index.get(act["code"] or ""), side, dict(mine), dict(act)))
            bump(plan, "actions_changed")
            touched = True
        else:
            plan.skipped.append(f"{where}：本工作区的记录较新或同时被改过（{'、'.join(differs)}），未覆盖")
    return touched


def _action_put(act: dict, old: dict | None, bundle_id: str):
    def run(ws):
        ws.db["actions"].upsert(pick(act, ACTION_COLS), pk="id")
        detail = ({k: act[k] for k in ("code", "description", "owner", "due_date", "status")} if old is None else
                  {k: {"old": old[k], "new": act[k]} for k in ACTION_COMPARE if old[k] != act[k]})
        ws.record("action", act["id"], "import", detail | {"bundle": bundle_id}, assessment_id=act["assessment_id"])
    return run
