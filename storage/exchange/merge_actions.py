"""Merging corrective actions (整改任务), which submissions and year bundles carry: an
action missing here is added; one that differs is taken when the bundle's `updated_at` is
later, else listed. An action whose id belongs to another assessment here is listed, not
moved. A year bundle also carries the earlier years' actions this year's were carried
from (`earlier_actions`, for 回头看), merged by the same rules under their own assessment.
"""

from __future__ import annotations

from .plan import Change, ImportPlan, bump
from .records import ACTION_COLS, ACTION_COMPARE


def plan_actions(plan: ImportPlan, a: dict, side: str, index: dict, label: str, bundle_id: str) -> bool:
    """The changes for the corrective actions of `a`; True when any will be applied."""
    touched = False
    for act in a.get("actions", []) + a.get("earlier_actions", []):
        aid = act["assessment_id"]
        mine = plan.local.actions.get(act["id"])
        where = f"{label} 的{'往年' if aid != a['id'] else ''}整改任务“{act['description'][:20]}”"
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


_PUT_ACTION = (f"INSERT INTO actions ({', '.join(ACTION_COLS)}) VALUES ({', '.join('?' * len(ACTION_COLS))}) "
               "ON CONFLICT (id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in ACTION_COLS if c != "id"))


def _action_put(act: dict, old: dict | None, bundle_id: str):
    def run(ws):
        ws.db.execute(_PUT_ACTION, [act[c] for c in ACTION_COLS])
        detail = ({k: act[k] for k in ("code", "description", "owner", "due_date", "status")} if old is None else
                  {k: {"old": old[k], "new": act[k]} for k in ACTION_COMPARE if old[k] != act[k]})
        ws.record("action", act["id"], "import", detail | {"bundle": bundle_id}, assessment_id=act["assessment_id"])
    return run
