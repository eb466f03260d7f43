"""Corrective actions (整改): a gap item turned into a task with owner, due date and
status, carried into next year's assessment as 回头看."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from .assessments import get_assessment
from .errors import StorageError
from .workspace import new_id, now

if TYPE_CHECKING:
    from .models import ActionListRow, ActionRow
    from .workspace import Workspace

ACTION_STATUSES = ("open", "done", "verified")
CLOSED_STATUSES = ("done", "verified")  # 已整改 / 已验收: closed (回头看 counts them)
ACTION_STATUS_LABELS = {"open": "整改中", "done": "已整改", "verified": "已验收"}


def _check_date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)).isoformat()
    except ValueError:
        raise StorageError(f"日期格式应为 YYYY-MM-DD，现在是 {text!r}") from None


def add_action(ws: Workspace, assessment_id: str, code: str | None, description: str, owner: str = "",
               due_date: str | None = None, action_id: str | None = None,
               carried_from: str | None = None) -> ActionRow:
    """Turn a gap item (or a general finding when code is None) into a task."""
    a = get_assessment(ws, assessment_id)
    if not (description or "").strip():
        raise StorageError("整改内容不能为空")
    row: ActionRow = {"id": action_id or new_id(), "unit_id": a["unit_id"], "assessment_id": assessment_id,
                      "code": code, "description": description.strip(), "owner": (owner or "").strip(),
                      "due_date": _check_date(due_date), "status": "open", "created_at": now(),
                      "updated_at": now(), "closed_at": None, "carried_from": carried_from}
    with ws.transaction() as db:
        db["actions"].insert(row)
        ws.record("action", row["id"], "add", {k: row[k] for k in ("code", "description", "owner", "due_date")},
                  assessment_id=assessment_id)
    return row


def update_action(ws: Workspace, action_id: str, **fields) -> ActionRow:
    """Change description, owner, due_date or status (open / done / verified)."""
    old = get_action(ws, action_id)
    allowed = {"description", "owner", "due_date", "status"}
    if set(fields) - allowed:
        raise StorageError(f"未知字段：{', '.join(sorted(set(fields) - allowed))}")
    if "status" in fields and fields["status"] not in ACTION_STATUSES:
        raise StorageError(f"整改状态必须是 {'、'.join(ACTION_STATUSES)} 之一")
    if "due_date" in fields:
        fields["due_date"] = _check_date(fields["due_date"])
    changes = {k: v for k, v in fields.items() if old.get(k) != v}
    if not changes:
        return old
    if changes.get("status") in CLOSED_STATUSES:
        changes["closed_at"] = now()
    elif changes.get("status") == "open":
        changes["closed_at"] = None
    with ws.transaction() as db:
        db["actions"].update(action_id, changes | {"updated_at": now()})
        ws.record("action", action_id, "update", {k: {"old": old.get(k), "new": v} for k, v in changes.items()},
                  assessment_id=old["assessment_id"])
    return get_action(ws, action_id)


def get_action(ws: Workspace, action_id: str) -> ActionRow:
    rows = list(ws.db.query("SELECT * FROM actions WHERE id = ?", [action_id]))
    if not rows:
        raise StorageError(f"整改任务 {action_id} 不存在")
    return rows[0]


def list_actions(ws: Workspace, unit_id: str | None = None, assessment_id: str | None = None,
                 status: str | None = None) -> list[ActionListRow]:
    sql = ("SELECT x.*, u.name AS unit_name FROM actions x JOIN units u ON u.id = x.unit_id WHERE 1=1")
    params: list = []
    for column, value in (("x.unit_id", unit_id), ("x.assessment_id", assessment_id), ("x.status", status)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    return list(ws.db.query(sql + " ORDER BY coalesce(x.due_date, '9999'), x.created_at", params))


def carry_forward(ws: Workspace, from_assessment_id: str, to_assessment_id: str) -> int:
    """回头看: copy the open actions of last year's assessment into this year's."""
    target = get_assessment(ws, to_assessment_id)
    carried = 0
    for action in list_actions(ws, assessment_id=from_assessment_id, status="open"):
        exists = ws.db.execute("SELECT 1 FROM actions WHERE assessment_id = ? AND carried_from = ?",
                               [to_assessment_id, action["id"]]).fetchone()
        if exists:
            continue
        add_action(ws, target["id"], action["code"], action["description"], action["owner"], action["due_date"],
                   carried_from=action["id"])
        carried += 1
    return carried
