"""Assessments: unit x checklist version x year, with the status flow
draft -> submitted -> reviewing -> reviewed -> final."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import checklist_store
from .errors import IncompleteReview, StorageError
from .recheck import RECHECK_STATUSES, is_drawn
from .units import get_unit, unit_tags
from .workspace import new_id, now

if TYPE_CHECKING:
    from checklists import Checklist

    from .models import AssessmentDetail, AssessmentListRow, AssessmentRow
    from .workspace import Workspace

STATUSES = ("draft", "submitted", "reviewing", "reviewed", "final")
# reviewed (已考评) or final (已定稿): a result the summaries rank and count, and what 复核 may re-check
RESULT_STATUSES = RECHECK_STATUSES
STATUS_LABELS = {"draft": "自评中", "submitted": "已提交", "reviewing": "考评中", "reviewed": "已考评",
                 "final": "已定稿"}
ROLES = ("self", "review", "recheck")  # 自评, 县人武部考评, 军分区复核 (of the drawn units)
ROLE_LABELS = {"self": "自评", "review": "考评", "recheck": "复核"}
ROLE_CHOICES = "self、review 或 recheck"

# status -> statuses it may move to by an ordinary action (unlock is separate).
FORWARD = {"draft": ("submitted",), "submitted": ("reviewing", "reviewed"), "reviewing": ("reviewed",),
           "reviewed": ("final",), "final": ()}


def new_assessment(ws: Workspace, unit_id: str, checklist_id: str, version: str | None, year: int,
                   assessment_id: str | None = None) -> AssessmentDetail:
    """Open a draft assessment pinned to an exact checklist version (latest when None)."""
    unit = get_unit(ws, unit_id)
    if not unit:
        raise StorageError(f"单位 {unit_id} 不存在")
    version = version or checklist_store.latest_version(ws, checklist_id)
    if not version or not checklist_store.get_row(ws, checklist_id, version):
        raise StorageError(f"工作区中没有标准 {checklist_id}" + (f" 版本 {version}" if version else "")
                           + "；请先导入（checklist import）")
    checklist = checklist_store.load(ws, checklist_id, version)
    if checklist.applies_to and unit["type"] not in checklist.applies_to:
        raise StorageError(f"标准“{checklist.title}”不适用于{unit['name']}（类型 {unit['type']}）")
    clash = ws.db.execute("SELECT id FROM assessments WHERE unit_id = ? AND checklist_id = ? AND year = ?",
                          [unit_id, checklist_id, year]).fetchone()
    if clash:
        raise StorageError(f"{unit['name']} {year} 年已有按“{checklist.title}”的考评（{clash[0]}）")
    row = {"id": assessment_id or new_id(), "unit_id": unit_id, "checklist_id": checklist_id,
           "checklist_version": version, "year": int(year), "status": "draft", "created_at": now(),
           "updated_at": now(), "self_rev": 0, "review_rev": 0}
    with ws.transaction() as db:
        db["assessments"].insert(row)
        ws.record("assessment", row["id"], "new", {"unit": unit["name"], "checklist": f"{checklist_id}@{version}",
                                                   "year": year}, assessment_id=row["id"])
    return get_assessment(ws, row["id"])


def get_assessment(ws: Workspace, assessment_id: str) -> AssessmentDetail:
    rows = list(ws.db.query(
        "SELECT a.*, u.name AS unit_name, u.type AS unit_type, u.parent_id AS unit_parent_id "
        "FROM assessments a JOIN units u ON u.id = a.unit_id WHERE a.id = ?", [assessment_id]))
    if not rows:
        raise StorageError(f"找不到考评记录 {assessment_id}")
    return rows[0]


def list_assessments(ws: Workspace, year: int | None = None, unit_id: str | None = None) -> list[AssessmentListRow]:
    sql = ("SELECT a.*, u.name AS unit_name, u.type AS unit_type, c.title AS checklist_title "
           "FROM assessments a JOIN units u ON u.id = a.unit_id "
           "LEFT JOIN checklists c ON c.id = a.checklist_id AND c.version = a.checklist_version WHERE 1=1")
    params: list = []
    if year is not None:
        sql += " AND a.year = ?"
        params.append(int(year))
    if unit_id is not None:
        sql += " AND a.unit_id = ?"
        params.append(unit_id)
    return list(ws.db.query(sql + " ORDER BY a.year DESC, u.name", params))


def checklist_of(ws: Workspace, assessment: AssessmentRow) -> Checklist:
    return checklist_store.load(ws, assessment["checklist_id"], assessment["checklist_version"])


def unanswered(ws: Workspace, assessment_id: str, role: str,
               assessment: AssessmentDetail | None = None) -> list[tuple[str, str]]:
    """The items with no value for `role`, as (code, title) in checklist order (不涉及 is an
    answer). What 提交自评 warns about, and what 标记已考评 and signing off must confirm."""
    if role not in ROLES:
        raise StorageError(f"角色必须是 {ROLE_CHOICES}，现在是 {role!r}")
    a = assessment or get_assessment(ws, assessment_id)
    answered = {row[0] for row in ws.db.execute(
        "SELECT code FROM answers WHERE assessment_id = ? AND role = ? AND value IS NOT NULL AND value != 'null'",
        [assessment_id, role]).fetchall()}
    try:
        tags = unit_tags(ws, a["unit_id"])
    except ValueError:  # damaged tags: db check names them; every item is listed
        tags = None
    return [(item.code, item.title) for item in checklist_of(ws, a).items()
            if item.code not in answered and (tags is None or item.applies_to(tags))]


def _incomplete_review(ws: Workspace, a: AssessmentDetail, doing: str, confirm_incomplete: bool) -> list[str]:
    """Codes without a review answer; refuses (IncompleteReview) unless confirmed."""
    missing = unanswered(ws, a["id"], "review", a)
    if missing and not confirm_incomplete:
        shown = "、".join(f"{code} {title}" for code, title in missing[:8]) + ("……" if len(missing) > 8 else "")
        raise IncompleteReview(f"{a['unit_name']} {a['year']} 年考评还有 {len(missing)} 项没有考评结果：{shown}\n"
                               f"考评未完成时{doing}须明确确认，并记入操作日志", missing)
    return [code for code, _ in missing]


def set_status(ws: Workspace, assessment_id: str, status: str, *,
               confirm_incomplete: bool = False) -> AssessmentDetail:
    """Move an assessment forward along the flow (submit, start review, mark reviewed, final).
    Marking reviewed while items have no review answer needs confirm_incomplete (logged)."""
    a = get_assessment(ws, assessment_id)
    if status not in FORWARD.get(a["status"], ()):
        raise StorageError(f"考评状态不能从“{STATUS_LABELS[a['status']]}”改为“{STATUS_LABELS.get(status, status)}”")
    detail = {"old": a["status"], "new": status}
    if status == "reviewed":
        missing = _incomplete_review(ws, a, "标记已考评", confirm_incomplete)
        if missing:
            detail |= {"confirm_incomplete": True, "unanswered": missing}
    stamp = now()
    changes = {"status": status, "updated_at": stamp}
    if status == "submitted":
        changes["submitted_at"] = stamp
    if status == "reviewed":
        changes["reviewed_at"] = stamp
    with ws.transaction() as db:
        db["assessments"].update(assessment_id, changes)
        ws.record("assessment", assessment_id, "status", detail, assessment_id=assessment_id)
    return get_assessment(ws, assessment_id)


def unlock(ws: Workspace, assessment_id: str, reason: str) -> AssessmentDetail:
    """Reopen submitted self answers (back to draft); needs a reason, which is logged."""
    a = get_assessment(ws, assessment_id)
    if not (reason or "").strip():
        raise StorageError("解锁需要填写原因")
    back = {"submitted": "draft", "reviewing": "draft", "reviewed": "reviewing", "final": "reviewed"}.get(a["status"])
    if back is None:
        raise StorageError("自评中的考评无需解锁")
    with ws.transaction() as db:
        db["assessments"].update(assessment_id, {"status": back, "updated_at": now()})
        ws.record("assessment", assessment_id, "unlock", {"old": a["status"], "new": back, "reason": reason.strip()},
                  assessment_id=assessment_id)
    return get_assessment(ws, assessment_id)


def editable_roles(status: str, drawn: bool = False) -> tuple[str, ...]:
    """Which role's answers may change in this status. `drawn`: the assessment is in its
    year's 复核 sample (storage.recheck); then, once the county's review is done
    (reviewed / final), the 军分区's recheck answers may change."""
    roles = {"draft": ("self",), "submitted": ("review",), "reviewing": ("review",)}.get(status, ())
    return roles + ("recheck",) if drawn and status in RECHECK_STATUSES else roles


def roles_open(ws: Workspace, assessment: AssessmentRow) -> tuple[str, ...]:
    """editable_roles of a stored assessment, looking up whether it is drawn for 复核."""
    drawn = assessment["status"] in RECHECK_STATUSES and is_drawn(ws, assessment["id"])
    return editable_roles(assessment["status"], drawn)


def signs_off(assessment: AssessmentRow, fields: dict) -> bool:
    """Whether saving `fields` signs the review off: a signing date is set (or changed), or
    the signer changes on a signed review."""
    signed_at = fields.get("signed_at", assessment.get("signed_at"))
    if not signed_at:
        return False
    return any(k in fields and fields[k] != assessment.get(k) for k in ("signed_at", "signed_by"))


def update_review_info(ws: Workspace, assessment_id: str, *, confirm_incomplete: bool = False,
                       **fields) -> AssessmentDetail:
    """Assessor, reviewer, conclusion, sign-off: the words around the scores. Signing off a
    review with items that have no review answer needs confirm_incomplete (logged)."""
    allowed = {"assessor", "reviewer", "conclusion", "signed_by", "signed_at"}
    bad = set(fields) - allowed
    if bad:
        raise StorageError(f"未知字段：{', '.join(sorted(bad))}")
    a = get_assessment(ws, assessment_id)
    changes = {k: v for k, v in fields.items() if a.get(k) != v}
    if not changes:
        return a
    detail = {k: {"old": a.get(k), "new": v} for k, v in changes.items()}
    if signs_off(a, changes):
        missing = _incomplete_review(ws, a, "签字", confirm_incomplete)
        if missing:
            detail |= {"confirm_incomplete": True, "unanswered": missing}
    with ws.transaction() as db:
        db["assessments"].update(assessment_id, changes | {"updated_at": now()})
        ws.record("assessment", assessment_id, "info", detail, assessment_id=assessment_id)
    return get_assessment(ws, assessment_id)


def conclude(ws: Workspace, assessment_id: str, conclusion: str, signed_by: str, *, reviewer: str | None = None,
             signed_at: str | None = None, confirm_incomplete: bool = False) -> AssessmentDetail:
    """考评结论与签字 in one step (the command line's `assessment conclude`): the conclusion,
    the signer and the signing date (default today), and the review team when given."""
    from datetime import date

    a = get_assessment(ws, assessment_id)
    if a["status"] == "draft":
        raise StorageError("自评尚未提交，不能签署考评结论")
    if not (conclusion or "").strip():
        raise StorageError("考评结论不能为空")
    if not (signed_by or "").strip():
        raise StorageError("签字人不能为空")
    if signed_at:
        try:
            signed_at = date.fromisoformat(str(signed_at)).isoformat()
        except ValueError:
            raise StorageError(f"签字日期格式应为 YYYY-MM-DD，现在是 {signed_at!r}") from None
    fields = {"conclusion": conclusion.strip(), "signed_by": signed_by.strip(),
              "signed_at": signed_at or a.get("signed_at") or date.today().isoformat()}
    if reviewer is not None:
        fields["reviewer"] = reviewer.strip() or None
    return update_review_info(ws, assessment_id, confirm_incomplete=confirm_incomplete, **fields)
