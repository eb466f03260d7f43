"""Answers per assessment, item and role (self = 自评, review = 考评, recheck = 军分区复核
of the drawn units), each saved at once with an audit event; and the bridge to the pure
scoring engine."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from checklists import Answers, ChecklistError, score
from checklists.answers import NA, check_value, parse_answers
from checklists.wording import applies_text
from checklists.source import read_document
from checklists.scoring import ScoreResult

from .assessments import ROLE_CHOICES, ROLE_LABELS, STATUS_LABELS, checklist_of, get_assessment, roles_open
from .errors import LockedAnswers, StorageError
from .recheck import is_drawn
from .units import decode_tags, has_tags_column, unit_tags
from .workspace import now

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .models import AnswerRow, AnswerValue, AssessmentRow
    from .workspace import Workspace


# (criteria format 2) the bounds of a stored count map / element list: more reasons or
# elements than any item has, or a count beyond this, is not an answer this program wrote.
MAX_PARTS = 500
MAX_KEY_LENGTH = 200
MAX_COUNT = 10 ** 9


def encode_value(value) -> str:
    """An answer value as JSON text; exact numbers as decimal text when they terminate;
    (/2) counts per reason as {"counts": {reason: count}}, elements met as a list of keys."""
    if isinstance(value, dict):
        return json.dumps({"counts": {str(k): int(n) for k, n in value.items()}}, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return json.dumps([str(k) for k in value], ensure_ascii=False)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return json.dumps(int(value))
        return json.dumps({"n": f"{value.numerator}/{value.denominator}"})
    return json.dumps(value, ensure_ascii=False)


# A stored value is a short JSON text (true, "良好", 12, {"n": "1/3"}); anything longer is
# not an answer this program wrote.
MAX_VALUE_TEXT = 10_000


def _stored_number(literal: str) -> Fraction:
    """A JSON number of a stored value, checked for a sane size before it is converted
    (checklists.numbers, as every number that enters): an older version may have stored
    `1e100000000`, which would otherwise take minutes to convert on every listing."""
    from checklists.numbers import parse_number, shown_number

    try:
        return parse_number(literal)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"数值 {shown_number(literal)} 无法接受：{exc}") from None


def _no_constant(name: str):
    raise ValueError(f"{name} 不是数")


def decode_value(text: str | None) -> AnswerValue:
    """A stored answer value (encode_value's JSON text) back as True/False, a label, "na"
    or an exact Fraction. Every number is checked for a sane size before it is converted;
    a value that is damaged or out of range raises ValueError saying why (quickly, whatever
    its size)."""
    if text is None:
        return None
    if len(text) > MAX_VALUE_TEXT:
        raise ValueError(f"值过长（{len(text)} 个字符）")
    try:
        value = json.loads(text, parse_int=_stored_number, parse_float=_stored_number, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("值的嵌套过深") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"不是有效的 JSON（{exc.msg}）") from None
    if isinstance(value, dict) and set(value) == {"counts"}:
        return _stored_counts(value["counts"])
    if isinstance(value, list):
        return _stored_elements(value)
    if isinstance(value, dict):
        if set(value) != {"n"} or not isinstance(value["n"], str):
            raise ValueError("数值格式不对")
        return _stored_number(value["n"])
    if value is not None and not isinstance(value, (bool, str, Fraction)):
        raise ValueError("不是答案值（应为是/否、选项、数值或“不涉及”）")
    return value


def _stored_key(key) -> str:
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise ValueError("评分点或要素的键不对")
    return key


def _stored_counts(counts) -> dict[str, int]:
    """(/2) {"counts": {reason: count}}: the counts per reason, each a whole number >= 0."""
    if not isinstance(counts, dict) or len(counts) > MAX_PARTS:
        raise ValueError("评分点次数的格式不对")
    out = {}
    for key, n in counts.items():
        if not isinstance(n, Fraction) or n.denominator != 1 or not (0 <= n <= MAX_COUNT):
            raise ValueError(f"评分点 {_stored_key(key)} 的次数不对")
        out[_stored_key(key)] = int(n)
    return out


def _stored_elements(keys) -> list[str]:
    """(/2) a list of the element keys met, each once."""
    if len(keys) > MAX_PARTS:
        raise ValueError("要素列表过长")
    out = [_stored_key(k) for k in keys]
    if len(set(out)) != len(out):
        raise ValueError("要素重复")
    return out


class DamagedAnswer(StorageError):
    """A stored answer whose value cannot be read (damaged, or a number out of range that
    an older version stored): the message names the assessment, the item and the role."""


def damaged_text(ws: Workspace, assessment_id: str, code: str, role: str, problem: str) -> str:
    """'城关镇 2027 年考评 条目 1.1 的自评答案已损坏或超出范围（why）'."""
    row = ws.db.execute("SELECT u.name, a.year FROM assessments a JOIN units u ON u.id = a.unit_id WHERE a.id = ?",
                        [assessment_id]).fetchone()
    label = f"{row[0]} {row[1]} 年考评" if row else f"考评 {assessment_id}"
    return f"{label} 条目 {code} 的{ROLE_LABELS.get(role, role)}答案已损坏或超出范围（{problem}）"


def _damaged(ws: Workspace, assessment_id: str, code: str, role: str, problem: str) -> DamagedAnswer:
    return DamagedAnswer(damaged_text(ws, assessment_id, code, role, problem)
                         + "；此考评暂不能计分，其余数据不受影响；重新填写该条目即可修复（db check 会列出）")


def _decoded(ws: Workspace, row: dict) -> AnswerValue:
    """decode_value of an answer row, naming the record when it cannot be read."""
    try:
        return decode_value(row["value"])
    except ValueError as exc:
        raise _damaged(ws, row["assessment_id"], row["code"], row["role"], str(exc)) from None


# The revision counter of each role's answers (the score cache's key).
REV_COLUMNS = {"self": "self_rev", "review": "review_rev", "recheck": "recheck_rev"}


def _check_role(ws: Workspace, assessment: AssessmentRow, role: str) -> None:
    if role not in ROLE_LABELS:
        raise StorageError(f"角色必须是 {ROLE_CHOICES}，现在是 {role!r}")
    if role not in roles_open(ws, assessment):
        raise LockedAnswers(recheck_refusal(ws, assessment) if role == "recheck" else (
            f"考评状态为“{STATUS_LABELS[assessment['status']]}”，{ROLE_LABELS[role]}答案已锁定"
            + ("；如需修改请先解锁并说明原因" if role == "self" else "")))


def recheck_refusal(ws: Workspace, assessment: AssessmentRow) -> str:
    """Why recheck (复核) answers or photos cannot be entered for this assessment."""
    if not is_drawn(ws, assessment["id"]):
        return f"此考评（{assessment['year']} 年）未被抽中复核，不能填写复核结果；复核名单用 recheck draw 抽取"
    return (f"考评状态为“{STATUS_LABELS[assessment['status']]}”：县级考评完成（已考评或已定稿）后"
            "才能填写复核结果")


def set_answer(ws: Workspace, assessment_id: str, code: str, role: str, value, note: str | None = None,
               documents: list[str] | None = None, *, keep_note: bool = True) -> AnswerRow:
    """Save one item's value (None clears it) for a role; validated against the item."""
    a = get_assessment(ws, assessment_id)
    _check_role(ws, a, role)
    checklist = checklist_of(ws, a)
    index = checklist.item_index()
    if code not in index:
        raise StorageError(f"条目 {code} 不在标准 {checklist.ref} 中")
    if value is not None and not index[code].applies_to(unit_tags(ws, a["unit_id"])):
        raise StorageError(f"条目 {code} 不适用于本单位（{applies_text(index[code], checklist)}），不能填写；"
                           "如单位类型有误，请先用 unit tag 改正单位标签")
    if value is not None:
        value, message = check_value(index[code], value)
        if message:
            raise StorageError(f"条目 {code}：{message}")
    try:
        old = get_answer(ws, assessment_id, code, role)
    except DamagedAnswer:  # a new value repairs it; the event keeps the damaged text as it was
        old = _raw_answer(ws, assessment_id, code, role)
    if keep_note and old and note is None:
        note = old["note"]
    if keep_note and old and documents is None:
        documents = old["documents"]
    row = {"assessment_id": assessment_id, "code": code, "role": role, "value": encode_value(value),
           "note": note, "documents": json.dumps(documents, ensure_ascii=False) if documents is not None else None,
           "who": ws.who, "updated_at": now(), "rev": (old["rev"] + 1) if old else 1}
    if old and old["value"] == value and old["note"] == note and old["documents"] == documents:
        return old
    rev_col = REV_COLUMNS[role]
    with ws.transaction() as db:
        db["answers"].upsert(row, pk=("assessment_id", "code", "role"))
        changes = {"updated_at": row["updated_at"], rev_col: (a[rev_col] or 0) + 1}
        if role == "review" and a["status"] == "submitted":
            changes["status"] = "reviewing"
        db["assessments"].update(assessment_id, changes)
        ws.record("answer", f"{code}/{role}", "set", {
            "old": _describe(old), "new": {"value": encode_value(value), "note": note, "documents": documents}},
            assessment_id=assessment_id)
    return get_answer(ws, assessment_id, code, role)


class _Stored(str):
    """A damaged stored value, kept as its text (set_answer replacing it logs it as is)."""


def _describe(answer: AnswerRow | None) -> dict | None:
    if not answer:
        return None
    value = answer["value"]
    return {"value": str(value) if isinstance(value, _Stored) else encode_value(value), "note": answer["note"],
            "documents": answer["documents"]}


def _documents(ws: Workspace, row: dict) -> list[str] | None:
    try:
        docs = json.loads(row["documents"]) if row["documents"] else None
    except (ValueError, RecursionError):
        raise _damaged(ws, row["assessment_id"], row["code"], row["role"], "资料清单无法读取") from None
    return docs


def _row_to_answer(ws: Workspace, row: dict) -> AnswerRow:
    return row | {"value": _decoded(ws, row), "documents": _documents(ws, row)}


def _raw_answer(ws: Workspace, assessment_id: str, code: str, role: str) -> AnswerRow | None:
    rows = list(ws.db.query("SELECT * FROM answers WHERE assessment_id = ? AND code = ? AND role = ?",
                            [assessment_id, code, role]))
    if not rows:
        return None
    try:
        docs = _documents(ws, rows[0])
    except DamagedAnswer:
        docs = None
    return rows[0] | {"value": _Stored(rows[0]["value"]), "documents": docs}


def get_answer(ws: Workspace, assessment_id: str, code: str, role: str) -> AnswerRow | None:
    """The answer row (value decoded); DamagedAnswer names it when it cannot be read."""
    rows = list(ws.db.query("SELECT * FROM answers WHERE assessment_id = ? AND code = ? AND role = ?",
                            [assessment_id, code, role]))
    return _row_to_answer(ws, rows[0]) if rows else None


def list_answers(ws: Workspace, assessment_id: str, role: str) -> dict[str, AnswerRow]:
    """code -> answer row (value decoded) for one role."""
    return {r["code"]: _row_to_answer(ws, r) for r in
            ws.db.query("SELECT * FROM answers WHERE assessment_id = ? AND role = ?", [assessment_id, role])}


# Whose photos a role's score counts: the review the unit's and the inspector's, the 复核
# every photo (the 军分区's own too); the county's review never counts the 复核's photos.
PHOTOS_OF = {"self": ("self",), "review": ("self", "review"), "recheck": ("self", "review", "recheck")}


def photo_counts(ws: Workspace, assessment_id: str, role: str | None = None) -> dict[str, int]:
    """code -> attached photos counted for `role` (PHOTOS_OF; None: every photo)."""
    sql = "SELECT code, count(*) FROM attachments WHERE assessment_id = ?"
    params = [assessment_id]
    if role is not None:
        roles = PHOTOS_OF.get(role, (role,))
        sql += f" AND role IN ({','.join('?' * len(roles))})"
        params += list(roles)
    return {code: n for code, n in ws.db.execute(sql + " GROUP BY code", params).fetchall()}


def scoring_input(ws: Workspace, assessment_id: str, role: str = "self") -> Answers:
    """The plain Answers the engine needs, for one role. For the review, documents the
    inspector has not ticked themselves default to the unit's own ticks."""
    return scoring_inputs(ws, [(assessment_id, role)])[(assessment_id, role)]


def scoring_inputs(ws: Workspace, wanted: Iterable[tuple[str, str]], chunk: int = 400,
                   damaged: dict[tuple[str, str], DamagedAnswer] | None = None) -> dict[tuple[str, str], Answers]:
    """scoring_input for many (assessment id, role) pairs: {(id, role): Answers}, read with
    a few queries per `chunk` assessments instead of three per assessment.

    A stored value that cannot be read (damaged, or out of range) raises DamagedAnswer
    naming it; with `damaged` (a dict) the pairs it makes unscorable are put there instead,
    {(id, role): DamagedAnswer}, and left out of the result, so that a listing goes on."""
    wanted = list(dict.fromkeys(wanted))
    ids = list(dict.fromkeys(aid for aid, _ in wanted))
    rows: dict = {}  # (id, role) -> code -> (value, documents)
    photos: dict = {}  # id -> photo role -> code -> count
    decoded: dict = {}  # value text -> value (the same few texts recur in every assessment)
    bad: dict = {}  # (id, role) -> (code, role, problem) of the first unreadable value or documents
    bad_docs: dict = {}  # (id, role) -> the same, for documents (the review also reads the unit's)
    tags: dict = {}  # id -> the unit's tags (criteria format 2: only_for / not_for)
    bad_tags: dict = {}  # id -> why its unit's tags cannot be read
    tags_column = has_tags_column(ws)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        marks = ",".join("?" * len(part))
        for aid, code, role, value, documents in ws.db.execute(
                f"SELECT assessment_id, code, role, value, documents FROM answers WHERE assessment_id IN ({marks})",
                part):
            if value not in decoded:
                try:
                    decoded[value] = decode_value(value)
                except ValueError as exc:
                    decoded[value] = _Unreadable(str(exc))
            got = decoded[value]
            if isinstance(got, _Unreadable):
                bad.setdefault((aid, role), (code, role, str(got)))
                continue
            try:
                docs = json.loads(documents) if documents else None
            except (ValueError, RecursionError):
                bad.setdefault((aid, role), (code, role, "资料清单无法读取"))
                bad_docs.setdefault((aid, role), (code, role, "资料清单无法读取"))
                continue
            rows.setdefault((aid, role), {})[code] = (got, docs)
        for aid, code, role, n in ws.db.execute(
                "SELECT assessment_id, code, role, count(*) FROM attachments "
                f"WHERE assessment_id IN ({marks}) GROUP BY assessment_id, code, role", part):
            photos.setdefault(aid, {}).setdefault(role, {})[code] = n
        if tags_column:
            for aid, text in ws.db.execute(
                    f"SELECT a.id, u.tags FROM assessments a JOIN units u ON u.id = a.unit_id WHERE a.id IN ({marks})",
                    part):
                try:
                    tags[aid] = frozenset(decode_tags(text))
                except ValueError as exc:
                    bad_tags[aid] = str(exc)
    out = {}
    for aid, role in wanted:
        # the review takes the unit's document ticks too (the recheck the unit's and the
        # review's): unreadable ones spoil it as well
        spoiled = bad.get((aid, role)) or next(
            (bad_docs[(aid, under)] for under in DOCUMENTS_UNDER[role] if (aid, under) in bad_docs), None)
        if spoiled or aid in bad_tags:
            exc = _damaged(ws, aid, *spoiled) if spoiled else DamagedAnswer(
                f"考评 {aid} 所属单位的标签已损坏（{bad_tags[aid]}）；此考评暂不能计分；用 unit tag 重新设置即可修复")
            if damaged is None:
                raise exc
            damaged[(aid, role)] = exc
            continue
        mine = rows.get((aid, role), {})
        documents = {code: docs for code, (_, docs) in mine.items() if docs is not None}
        by_role = photos.get(aid, {})
        inherited: dict = {}
        for under in reversed(DOCUMENTS_UNDER[role]):  # the nearest role's ticks win, the role's own above all
            inherited |= {code: docs for code, (_, docs) in rows.get((aid, under), {}).items() if docs is not None}
        documents = inherited | documents
        counts: dict = {}
        for photo_role, per_code in by_role.items():  # the review counts the unit's photos and its own (photo_counts)
            if photo_role in PHOTOS_OF[role]:
                for code, n in per_code.items():
                    counts[code] = counts.get(code, 0) + n
        out[(aid, role)] = Answers(
            values={code: value for code, (value, _) in mine.items() if value is not None},
            photos=counts,
            documents=documents,
            unit_tags=tags.get(aid, frozenset()),
        )
    return out


# Documents a role has not ticked itself default to the ticks of the roles before it,
# nearest first: the review to the unit's, the 复核 to the county's review, then the unit's.
DOCUMENTS_UNDER = {"self": (), "review": ("self",), "recheck": ("review", "self")}


class _Unreadable(str):
    """Why a stored value text could not be decoded (kept once per distinct text)."""


def score_assessment(ws: Workspace, assessment_id: str, role: str = "self") -> ScoreResult:
    """Score an assessment against the exact checklist version it was made with."""
    a = get_assessment(ws, assessment_id)
    return score(checklist_of(ws, a), scoring_input(ws, assessment_id, role))


def import_answers_file(ws: Workspace, assessment_id: str, path, role: str = "self") -> int:
    """Apply an answers file (docs/format.md) in one transaction; returns how many changed.

    The unit's tags are the workspace's (`unit tag`): a file that states `unit_tags`
    must state the same ones; one that does not is read with the unit's. Documents given
    for an item without a value in the file are ticked on its stored answer."""
    a = get_assessment(ws, assessment_id)
    _check_role(ws, a, role)
    checklist = checklist_of(ws, a)
    mine = sorted(unit_tags(ws, a["unit_id"]))
    doc = read_document(path)
    if isinstance(doc.data, dict):
        given = doc.data.get("unit_tags")
        if given is None:
            doc.data["unit_tags"] = list(mine)
        elif isinstance(given, list) and all(isinstance(t, str) for t in given) \
                and sorted({t.strip() for t in given}) != mine:
            shown = lambda tags: "、".join(tags) if tags else "无"  # noqa: E731
            raise StorageError(f"答卷的单位标签（{shown(sorted({t.strip() for t in given}))}）与本单位的标签"
                               f"（{shown(mine)}）不一致；请改正答卷，或先用 unit tag 设置单位标签")
    parsed = parse_answers(doc, checklist)
    changed = 0
    with ws.transaction():
        for code, value in parsed.values.items():
            docs = parsed.documents.get(code)
            before = get_answer(ws, assessment_id, code, role)
            after = set_answer(ws, assessment_id, code, role, value, documents=docs)
            changed += before != after
        for code, docs in parsed.documents.items():
            if code in parsed.values:
                continue
            before = get_answer(ws, assessment_id, code, role)
            after = set_answer(ws, assessment_id, code, role, before["value"] if before else None,
                               documents=docs)
            changed += before != after
    return changed


def set_note(ws: Workspace, assessment_id: str, code: str, role: str, note: str | None) -> AnswerRow:
    """Change one item's note (说明) for a role, keeping its value and documents."""
    old = get_answer(ws, assessment_id, code, role)
    return set_answer(ws, assessment_id, code, role, old["value"] if old else None, (note or "").strip() or None,
                      old["documents"] if old else None, keep_note=False)


@dataclass
class Adopted:
    """What 采用自评 did: items taken, and items left (no self value, already reviewed)."""

    adopted: list[str] = field(default_factory=list)
    no_self: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def adopt_self(ws: Workspace, assessment_id: str, codes: Iterable[str] | None = None, *,
               overwrite: bool = False) -> Adopted:
    """采用自评: take the unit's self values as review answers of this inspector (ws.who), for
    `codes` (None: every item), in one transaction: one answer event per item and one
    `adopt_self` event listing them. Items already answered in review are left as they
    are unless `overwrite`; items without a self value are left too."""
    a = get_assessment(ws, assessment_id)
    _check_role(ws, a, "review")
    checklist = checklist_of(ws, a)
    order = [item.code for item in checklist.items()]
    if codes is not None:
        codes = list(dict.fromkeys(codes))
        unknown = [c for c in codes if c not in set(order)]
        if unknown:
            raise StorageError(f"条目 {'、'.join(unknown)} 不在标准 {checklist.ref} 中")
        order = [c for c in order if c in set(codes)]
    own = list_answers(ws, assessment_id, "self")
    theirs = list_answers(ws, assessment_id, "review")
    tags = unit_tags(ws, a["unit_id"])
    applies = {item.code for item in checklist.items() if item.applies_to(tags)}
    out = Adopted()
    for code in order:
        mine, review = own.get(code), theirs.get(code)
        if mine is None or mine["value"] is None or code not in applies:
            out.no_self.append(code)
        elif review is not None and review["value"] is not None and (not overwrite or review["value"] == mine["value"]):
            out.already.append(code)
        else:
            out.adopted.append(code)
    if out.adopted:
        with ws.transaction():
            for code in out.adopted:
                set_answer(ws, assessment_id, code, "review", own[code]["value"])
            ws.record("assessment", assessment_id, "adopt_self", {"codes": out.adopted, "overwrite": overwrite},
                      assessment_id=assessment_id)
    return out


def copy_from(ws: Workspace, source_id: str, target_id: str) -> int:
    """Start from last year: copy self answers of `source_id` into draft `target_id` for the
    items both checklists share (same code and kind); returns how many were copied."""
    src, dst = get_assessment(ws, source_id), get_assessment(ws, target_id)
    _check_role(ws, dst, "self")
    src_items = checklist_of(ws, src).item_index()
    dst_items = checklist_of(ws, dst).item_index()
    dst_tags = unit_tags(ws, dst["unit_id"])
    copied = 0
    with ws.transaction() as db:
        for code, answer in list_answers(ws, source_id, "self").items():
            if code in dst_items and code in src_items and src_items[code].kind == dst_items[code].kind:
                value = answer["value"]
                if value is not None and (check_value(dst_items[code], value)[1] is not None
                                          or not dst_items[code].applies_to(dst_tags)):
                    continue
                set_answer(ws, target_id, code, "self", value, answer["note"], answer["documents"])
                copied += 1
        db["assessments"].update(target_id, {"baseline_id": source_id})
        ws.record("assessment", target_id, "baseline", {"from": source_id, "copied": copied},
                  assessment_id=target_id)
    return copied


__all__ = ["NA", "Adopted", "ChecklistError", "DamagedAnswer", "adopt_self", "copy_from", "get_answer",
           "import_answers_file", "list_answers", "photo_counts", "score_assessment", "scoring_input", "set_answer",
           "set_note"]
