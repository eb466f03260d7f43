"""Merging one side's answers of an assessment, item by item, by their revision.

Every carried answer must first be valid for its item, as if typed in (`check_answers`:
a code the checklist has, a value whose numbers are sane and that the item accepts).
Then (`plan_answers`), per item: missing here -> added; the bundle's revision higher ->
replaced; same content -> nothing; lower -> not applied, listed; same revision with
different content (both sides edited) -> not applied, listed. Deleting an answer travels
as an answer with an empty value and a higher revision. Revisions travel as they are
(`answers.rev`).
"""

from __future__ import annotations

import json

from checklists.answers import check_value

from ..answer_store import decode_value
from .bundle_format import refuse
from .plan import Change, ImportPlan
from .records import ANSWER_COLS, SIDE_LABELS, checked_answer_value, checked_documents, pick


def check_answers(plan: ImportPlan, a: dict, index: dict, checklist_ref: str, label: str) -> dict:
    """Refuse the bundle when an answer of assessment `a` names an item the checklist does
    not have, or carries a value that is malformed or not valid for its item. Returns each
    answer as shown ({(code, role): {value, note, documents}}, decoded once here)."""
    shown = {}
    for ans in a["answers"]:
        if ans["code"] not in index:
            refuse(plan.reader.path, f"{label}：条目 {ans['code']} 不在标准 {checklist_ref} 中", "data")
        try:
            value = checked_answer_value(ans["value"])
            docs = checked_documents(ans["documents"]) if ans["documents"] is not None else None
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            why = str(exc) if str(exc) and not str(exc).isascii() else "答案格式不对"
            refuse(plan.reader.path, f"{label}：条目 {ans['code']} 的{why}", "data")
        if value is not None:
            problem = check_value(index[ans["code"]], value)[1]
            if problem:
                refuse(plan.reader.path, f"{label}：条目 {ans['code']} 的答案无效：{problem}", "data")
        shown[(ans["code"], ans["role"])] = {"value": value, "note": ans["note"], "documents": docs}
    return shown


def plan_answers(plan: ImportPlan, a: dict, side: str, index: dict, label: str, is_new: bool,
                 bundle_id: str, batched: bool = False, shown: dict | None = None) -> bool:
    """The changes for the answers of `a` (side `side`) against this workspace's (none
    when the assessment is new here); True when any will be applied. batched (a new
    assessment): its answers are inserted together at the end of the transaction, the
    assessment's import event counting them. shown: check_answers' decoded answers."""
    aid = a["id"]
    local_answers = {} if is_new else {code: r for (code, role), r in plan.local.answers.get(aid, {}).items()
                                       if role == side}
    touched = False
    for ans in a["answers"]:
        if ans["role"] != side:
            continue
        mine = local_answers.get(ans["code"])
        where = f"{label} 条目 {ans['code']}（{SIDE_LABELS[side]}）"
        if mine is None:
            put = None if batched else _answer_put(aid, side, ans, None, bundle_id)
            plan.changes.append(Change("answers", where, put, label, ans["code"], index[ans["code"]], side, None,
                                       _carried(ans, shown),
                                       batch=(_PUT_ANSWER, [aid] + [ans[c] for c in ANSWER_COLS]) if batched else None))
            touched = True
            continue
        same = all(mine[k] == ans[k] for k in ("value", "note", "documents"))
        if same:
            continue
        if ans["rev"] > (mine["rev"] or 0):
            plan.changes.append(Change("answers", where, _answer_put(aid, side, ans, mine, bundle_id), label,
                                       ans["code"], index[ans["code"]], side, _shown_answer(mine),
                                       _carried(ans, shown)))
            touched = True
        elif ans["rev"] < (mine["rev"] or 0):
            plan.skipped.append(f"{where}：本工作区的答案较新（第 {mine['rev']} 版，交换包中为第 {ans['rev']} 版），未覆盖")
        else:
            plan.skipped.append(f"{where}：两边都改过（同为第 {ans['rev']} 版，内容不同），保留本工作区的答案")
    return touched


def _carried(ans: dict, shown: dict | None) -> dict:
    """A carried answer for showing: as check_answers decoded it."""
    if shown is None:
        return _shown_answer(ans)
    return shown[(ans["code"], ans["role"])]


def _shown_answer(row: dict) -> dict:
    """An answer row (as stored or as carried) for showing: value decoded, documents a list."""
    try:
        docs = json.loads(row["documents"]) if row["documents"] else None
    except (TypeError, ValueError):
        docs = None
    try:
        value = decode_value(row["value"])
    except ValueError:  # a damaged local value (db check names it): shown as not there
        value = None
    return {"value": value, "note": row["note"], "documents": docs}


_ANSWER_COLUMNS = ("assessment_id",) + ANSWER_COLS
_PUT_ANSWER = (f"INSERT INTO answers ({', '.join(_ANSWER_COLUMNS)}) VALUES ({', '.join('?' * len(_ANSWER_COLUMNS))}) "
               "ON CONFLICT (assessment_id, code, role) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in ANSWER_COLS if c not in ("code", "role")))


def _answer_put(aid: str, side: str, ans: dict, old: dict | None, bundle_id: str):
    def run(ws):
        ws.db.execute(_PUT_ANSWER, [aid] + [ans[c] for c in ANSWER_COLS])
        ws.record("answer", f"{ans['code']}/{side}", "import", {
            "old": pick(old, ("value", "note", "documents", "rev")) if old else None,
            "new": pick(ans, ("value", "note", "documents", "rev")), "bundle": bundle_id}, assessment_id=aid)
    return run
