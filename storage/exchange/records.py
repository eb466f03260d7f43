"""What data.json carries, and the checks every record passes before it is believed.

A bundle's data.json holds plain records: checklists, units, assessments (each with its
answers, attachments, corrective actions and audit events) and photo metadata. This
module names their fields once: the columns copied out on export (`*_COLS`), the side
each kind carries (`SIDE_OF_KIND`, `SIDE_FIELDS`), and the shape every record must have
on import (`*_SPEC`, `RANGES`). `validate_data()` checks the whole of data.json against
them and the kind's rules before anything is compared with the workspace; the answer
value checks run on the text, before it becomes an exact number (a value of 1e100000000
would otherwise take minutes to convert).
"""

from __future__ import annotations

import copy
import functools
import json

from checklists.numbers import number_text_problem, parse_number, shown_number, value_problem

from .. import audit
from ..answer_store import MAX_COUNT, MAX_KEY_LENGTH, MAX_PARTS, decode_value
from ..actions import ACTION_STATUSES
from ..assessments import STATUSES
from ..photos import MIME
from ..units import UNIT_TYPES_ALL, decode_tags
from .bundle_format import FORMAT, KIND_LABELS, PHOTO_EXTS, SHA_RE, BundleReader, nesting_over

SIDE_OF_KIND = {"submission": "self", "review": "review"}
# The sides (answer roles) each kind carries: a county's year bundle carries all three.
SIDES_OF_KIND = {"criteria": (), "submission": ("self",), "review": ("review",),
                 "year": ("self", "review", "recheck")}
SIDE_LABELS = {"self": "自评", "review": "考评", "recheck": "复核"}
SELF_FIELDS = ("assessor", "submitted_at", "self_rev")
REVIEW_FIELDS = ("reviewer", "conclusion", "signed_by", "signed_at", "reviewed_at", "review_rev")
RECHECK_FIELDS = ("recheck_rev",)
SIDE_FIELDS = {"self": SELF_FIELDS, "review": REVIEW_FIELDS, "recheck": RECHECK_FIELDS}
REV_COL = {"self": "self_rev", "review": "review_rev", "recheck": "recheck_rev"}
SIDE_STATUSES = {"self": ("draft", "submitted"), "review": ("reviewing", "reviewed", "final"), "recheck": ()}
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
ASSESSMENT_CORE = ("id", "unit_id", "checklist_id", "checklist_version", "year", "status", "created_at",
                   "updated_at", "baseline_id")
ANSWER_COLS = ("code", "role", "value", "note", "documents", "who", "updated_at", "rev")
ATTACHMENT_COLS = ("id", "code", "role", "sha256", "caption", "added_by", "added_at")
ACTION_COLS = ("id", "unit_id", "assessment_id", "code", "description", "owner", "due_date", "status",
               "created_at", "updated_at", "closed_at", "carried_from")
ACTION_COMPARE = ("code", "description", "owner", "due_date", "status", "closed_at", "carried_from")
EVENT_COLS = ("seq", "at", "who", "entity", "entity_id", "assessment_id", "action", "detail", "prev_hash", "hash")
EVIDENCE_COLS = ("sha256", "ext", "original_name", "size", "width", "height", "mime", "taken_at", "gps_lat",
                 "gps_lon", "camera")
UNIT_COLS = ("id", "name", "type", "parent_id", "created_at", "updated_at", "tags")
CHECKLIST_COLS = ("id", "version", "sha256", "source_name", "title")


def pick(row: dict, cols) -> dict:
    """The record of `row` as data.json carries it: exactly `cols`, in that order."""
    return {c: row.get(c) for c in cols}


def insert_sql(table: str, cols) -> str:
    """Plain INSERT for rows an import adds (sqlite-utils' insert() looks the table up on
    every call, which cost more than the rest of applying a record)."""
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


def unit_record(row: dict) -> dict:
    """A unit as data.json carries it: `tags` only when it has any, so that a bundle of
    units without tags is the same as before tags existed (and older Dabiao reads it)."""
    record = pick(row, UNIT_COLS)
    if not record["tags"]:
        del record["tags"]
    return record


# ---------------------------------------------------------------------- checks on import

_TYPES = {"s": str, "i": int, "f": (int, float), "b": bool}

UNIT_SPEC = {"id": "s", "name": "s", "type": "s", "parent_id": "s?", "created_at": "s?", "updated_at": "s?",
             "tags": "s?"}  # tags: (criteria format 2) only when the unit has any; older bundles lack it
CHECKLIST_SPEC = {"id": "s", "version": "s", "sha256": "s", "source_name": "s?", "title": "s?"}
EVIDENCE_SPEC = {"sha256": "s", "ext": "s", "original_name": "s?", "size": "i", "width": "i?", "height": "i?",
                 "mime": "s?", "taken_at": "s?", "gps_lat": "f?", "gps_lon": "f?", "camera": "s?"}
ANSWER_SPEC = {"code": "s", "role": "s", "value": "s?", "note": "s?", "documents": "s?", "who": "s?",
               "updated_at": "s?", "rev": "i"}
ATTACHMENT_SPEC = {"id": "s", "code": "s", "role": "s", "sha256": "s", "caption": "s?", "added_by": "s?",
                   "added_at": "s?"}
ACTION_SPEC = {"id": "s", "unit_id": "s", "assessment_id": "s", "code": "s?", "description": "s", "owner": "s?",
               "due_date": "s?", "status": "s", "created_at": "s?", "updated_at": "s?", "closed_at": "s?",
               "carried_from": "s?"}
EVENT_SPEC = {"seq": "i", "at": "s?", "who": "s?", "entity": "s?", "entity_id": "s?", "assessment_id": "s?",
              "action": "s?", "detail": "s?", "prev_hash": "s?", "hash": "s"}
ASSESSMENT_SPEC = {"id": "s", "unit_id": "s", "checklist_id": "s", "checklist_version": "s", "year": "i",
                   "status": "s", "created_at": "s?", "updated_at": "s?", "baseline_id": "s?",
                   "answers": "list", "attachments": "list", "events": "list"}
SIDE_SPEC = {"self": {"assessor": "s?", "submitted_at": "s?", "self_rev": "i"},
             "review": {"reviewer": "s?", "conclusion": "s?", "signed_by": "s?", "signed_at": "s?",
                        "reviewed_at": "s?", "review_rev": "i"},
             "recheck": {"recheck_rev": "i"}}
# (year bundles) An evidence record whose bytes did not travel says so: "absent": true,
# only then (bundles with every photo are as before).
ABSENT_SPEC = {"absent": "b"}


# The range of every number a bundle carries (a year of 10^17, year -1, revision -5 are
# refused before anything is compared or stored).
RANGES = {"year": (1900, 9999), "rev": (0, 2 ** 31), "self_rev": (0, 2 ** 31), "review_rev": (0, 2 ** 31),
          "recheck_rev": (0, 2 ** 31),
          "seq": (1, 2 ** 62), "size": (0, 64 * 1024 ** 3), "width": (0, 1_000_000), "height": (0, 1_000_000),
          "gps_lat": (-90, 90), "gps_lon": (-180, 180)}
MAX_VALUE_TEXT = 10_000   # an answer value as JSON text (a rubric label, a number, true/false)


class Bad(Exception):
    """data.json is not what a bundle may carry; the message is the one line to show."""


def small_json(text: str, what: str):
    """A short JSON text carried inside data.json (an answer value, a documents list),
    parsed with its numbers and nesting checked first; ValueError naming the problem."""
    if len(text) > MAX_VALUE_TEXT:
        raise ValueError(f"{what}过长")
    if nesting_over(text.encode("utf-8"), 4):
        raise ValueError(f"{what}嵌套层数过多")

    def number(literal, kind):
        problem = number_text_problem(literal)
        if problem:
            raise ValueError(f"{what}中的数字 {shown_number(literal)} 无法接受：{problem}")
        return kind(literal)

    return json.loads(text, parse_int=lambda t: number(t, int), parse_float=lambda t: number(t, float))


def check_answer_value(text: str | None) -> None:
    """An answer value as stored (JSON: true/false, a label, an int, {"n": "a/b"}) whose
    numbers are sane, checked before decode_value turns them into exact Fractions (a
    value of 1e100000000 would take minutes to convert, and again on every listing)."""
    if text is None:
        return
    value = small_json(text, "答案")
    if isinstance(value, dict) and set(value) == {"counts"}:  # (/2) counts per reason
        counts = value["counts"]
        if not isinstance(counts, dict) or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_COUNT for n in counts.values()):
            raise ValueError("答案的评分点次数不对")
        if len(counts) > MAX_PARTS or not all(0 < len(k) <= MAX_KEY_LENGTH for k in counts):
            raise ValueError("答案的评分点格式不对")
    elif isinstance(value, list):  # (/2) the elements met
        if len(value) > MAX_PARTS or not all(isinstance(k, str) and 0 < len(k) <= MAX_KEY_LENGTH for k in value) \
                or len(set(value)) != len(value):
            raise ValueError("答案的要素列表不对")
    elif isinstance(value, dict):
        if set(value) != {"n"} or not isinstance(value["n"], str):
            raise ValueError("答案格式不对")
        try:
            parse_number(value["n"])
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"答案数值 {shown_number(value['n'])} 无法接受：{exc}") from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        problem = value_problem(value)
        if problem:
            raise ValueError(f"答案数值 {shown_number(text)} 无法接受：{problem}")
    elif value is not None and not isinstance(value, (bool, str)):
        raise ValueError("答案格式不对")


def checked_answer_value(text: str | None):
    """An answer value as carried, checked (check_answer_value) and decoded (decode_value),
    each distinct text once per process: a county's 2,700 answers hold a few dozen
    distinct values. ValueError (or TypeError, ZeroDivisionError) as those raise."""
    value = _checked_answer_value(text)
    return copy.copy(value) if isinstance(value, (dict, list)) else value


def checked_documents(text: str) -> list:
    """A carried documents list (JSON text), checked like any small JSON text and parsed
    once per distinct text; ValueError when it is not a list."""
    docs = _checked_documents(text)
    return list(docs) if all(isinstance(d, str) for d in docs) else copy.deepcopy(list(docs))


@functools.lru_cache(maxsize=4096)
def _checked_answer_value(text):
    check_answer_value(text)
    return decode_value(text)


@functools.lru_cache(maxsize=4096)
def _checked_documents(text: str) -> tuple:
    docs = small_json(text, "资料清单")
    if not isinstance(docs, list):
        raise ValueError("资料清单格式不对")
    return tuple(docs)


@functools.lru_cache(maxsize=64)
def _compiled(spec_items: tuple) -> tuple:
    """A record spec's fields as (key, type letter, optional, Python types, range), and
    its keys: worked out once per spec, not per record (a county carries 12,000)."""
    fields = []
    for key, t in spec_items:
        optional = t.endswith("?")
        t = t.rstrip("?")
        fields.append((key, t, optional, _TYPES.get(t), RANGES.get(key)))
    return frozenset(k for k, _t in spec_items), tuple(fields)


def _check_record(obj, spec: dict, where: str) -> dict:
    if not isinstance(obj, dict):
        raise Bad(f"{where} 不是对象")
    keys, fields = _compiled(tuple(spec.items()))
    extra = obj.keys() - keys
    if extra:
        raise Bad(f"{where} 含有不应出现的字段：{', '.join(sorted(extra))}")
    for key, t, optional, types, limits in fields:
        if key not in obj:
            raise Bad(f"{where} 缺少字段 {key}")
        value = obj[key]
        if value is None and optional:
            continue
        if t == "list":
            if not isinstance(value, list):
                raise Bad(f"{where}.{key} 应为列表")
            continue
        if t == "b":
            if value is not True:
                raise Bad(f"{where}.{key} 应为 true")
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            raise Bad(f"{where}.{key} 类型不对")
        if t == "s" and (len(value) > 200_000 or (not optional and not value.strip())):
            raise Bad(f"{where}.{key} 为空或过长")
        if t == "i" and not (-2 ** 62 < value < 2 ** 62):
            raise Bad(f"{where}.{key} 超出范围")
        if limits is not None and not (limits[0] <= value <= limits[1]):
            raise Bad(f"{where}.{key} 为 {str(value)[:24]}，超出允许范围（{limits[0]} 至 {limits[1]}）")
    return obj


def _check_action(act, where: str, unique) -> None:
    _check_record(act, ACTION_SPEC, where)
    if act["status"] not in ACTION_STATUSES:
        raise Bad(f"整改任务 {act['id']} 的状态 {act['status']!r} 未知")
    unique(act["id"], "整改任务")


def validate_data(data, kind: str, reader: BundleReader) -> None:
    """Shape and kind rules of data.json; raises Bad with one line."""
    if not isinstance(data, dict):
        raise Bad("data.json 不是对象")
    expected = {"format", "kind", "bundle_id", "checklists", "units", "assessments", "evidence"}
    if set(data) != expected:
        raise Bad(f"data.json 字段不对：{', '.join(sorted(set(data) ^ expected))}")
    if data["format"] != FORMAT or data["kind"] != kind or data["bundle_id"] != reader.manifest.get("bundle_id"):
        raise Bad("data.json 的格式、类型或编号与清单不一致")
    for key in ("checklists", "units", "assessments", "evidence"):
        if not isinstance(data[key], list):
            raise Bad(f"data.json.{key} 应为列表")
    seen_ids: set = set()

    def unique(value, where):
        if value in seen_ids:
            raise Bad(f"{where} 编号 {value} 重复")
        seen_ids.add(value)

    for i, c in enumerate(data["checklists"]):
        _check_record(c, CHECKLIST_SPEC, f"checklists[{i}]")
        if not SHA_RE.fullmatch(c["sha256"]):
            raise Bad(f"checklists[{i}].sha256 格式不对")
        unique(("checklist", c["id"], c["version"]), f"标准 {c['id']}@{c['version']}")
    for i, u in enumerate(data["units"]):
        if isinstance(u, dict):
            u.setdefault("tags", None)  # a bundle made before unit tags: none
        _check_record(u, UNIT_SPEC, f"units[{i}]")
        if u["type"] not in UNIT_TYPES_ALL:
            raise Bad(f"单位 {u['name']} 的类型 {u['type']!r} 未知")
        if u["tags"] is not None:
            try:
                if nesting_over(u["tags"].encode("utf-8"), 2):
                    raise ValueError("嵌套层数过多")
                tags = decode_tags(u["tags"])
            except ValueError as exc:
                raise Bad(f"单位 {u['name']} 的标签不对（{exc}）") from None
            if not tags or list(tags) != sorted(tags):
                raise Bad(f"单位 {u['name']} 的标签不对（应为排好序的非空列表）")
        unique(u["id"], "单位")
    photos_travel = reader.manifest.get("photos", True) is not False
    for i, e in enumerate(data["evidence"]):
        _check_record(e, EVIDENCE_SPEC | (ABSENT_SPEC if isinstance(e, dict) and "absent" in e else {}),
                      f"evidence[{i}]")
        if not SHA_RE.fullmatch(e["sha256"]) or e["ext"] not in PHOTO_EXTS:
            raise Bad(f"evidence[{i}] 的哈希或扩展名不对")
        if e["mime"] is not None and e["mime"] != MIME[e["ext"]]:
            raise Bad(f"evidence[{i}] 的类型与扩展名不符")
        if not photos_travel and not e.get("absent"):
            raise Bad(f"清单注明不含照片，evidence[{i}] 却未注明照片未随包传送")
        unique(("evidence", e["sha256"]), "照片")
    if kind == "criteria" and data["assessments"]:
        raise Bad("考评标准交换包不应包含考评")
    if kind != "criteria" and not data["assessments"]:
        raise Bad("交换包中没有考评")
    sides = SIDES_OF_KIND[kind]
    sides_text = "、".join(SIDE_LABELS[s] for s in sides)
    for i, a in enumerate(data["assessments"]):
        spec = ASSESSMENT_SPEC | {k: t for s in sides for k, t in SIDE_SPEC[s].items()}
        spec |= {"actions": "list"} if kind in ("submission", "year") else {}
        spec |= {"earlier_actions": "list"} if kind == "year" else {}
        other = {k for s, fields in SIDE_SPEC.items() if s not in sides for k in fields}
        if isinstance(a, dict) and set(a) & other:
            others = "、".join(SIDE_LABELS[s] for s in SIDE_SPEC if s not in sides and set(a) & set(SIDE_SPEC[s]))
            raise Bad(f"{KIND_LABELS[kind]}交换包不能包含{others}信息（{', '.join(sorted(set(a) & other))}）")
        if isinstance(a, dict) and kind == "review" and "actions" in a:
            raise Bad("考评结果交换包不能包含整改任务")
        _check_record(a, spec, f"assessments[{i}]")
        if a["status"] not in STATUSES:
            raise Bad(f"考评 {a['id']} 的状态 {a['status']!r} 未知")
        unique(a["id"], "考评")
        codes = set()
        for j, ans in enumerate(a["answers"]):
            _check_record(ans, ANSWER_SPEC, f"assessments[{i}].answers[{j}]")
            if ans["role"] not in sides:
                raise Bad(f"{KIND_LABELS[kind]}交换包只能包含{sides_text}答案，却含有考评 {a['id']} "
                           f"条目 {ans['code']} 的{SIDE_LABELS.get(ans['role'], ans['role'])}答案")
            if (ans["code"], ans["role"]) in codes:
                raise Bad(f"考评 {a['id']} 条目 {ans['code']} 的答案重复")
            codes.add((ans["code"], ans["role"]))
        for j, att in enumerate(a["attachments"]):
            _check_record(att, ATTACHMENT_SPEC, f"assessments[{i}].attachments[{j}]")
            if att["role"] not in sides:
                raise Bad(f"{KIND_LABELS[kind]}交换包只能包含{sides_text}照片，却含有考评 {a['id']} "
                           f"的{SIDE_LABELS.get(att['role'], att['role'])}照片 {att['id']}")
            unique(att["id"], "照片附件")
        carried = set()
        for j, act in enumerate(a.get("actions", [])):
            _check_action(act, f"assessments[{i}].actions[{j}]", unique)
            if act["assessment_id"] != a["id"] or act["unit_id"] != a["unit_id"]:
                raise Bad(f"整改任务 {act['id']} 不属于考评 {a['id']}")
            if act["carried_from"]:
                carried.add(act["carried_from"])
        for j, act in enumerate(a.get("earlier_actions", [])):
            # (year) last years' actions this year's were carried from, for 回头看
            _check_action(act, f"assessments[{i}].earlier_actions[{j}]", unique)
            if act["unit_id"] != a["unit_id"] or act["assessment_id"] == a["id"]:
                raise Bad(f"往年整改任务 {act['id']} 不属于考评 {a['id']} 的单位，或不是往年的")
            if act["carried_from"]:
                carried.add(act["carried_from"])
        earlier = {act["id"] for act in a.get("earlier_actions", [])}
        if not earlier <= carried:
            raise Bad(f"往年整改任务 {sorted(earlier - carried)[0]} 不是考评 {a['id']} 的整改任务所延续的")
        prev_seq = 0
        for j, ev in enumerate(a["events"]):
            _check_record(ev, EVENT_SPEC, f"assessments[{i}].events[{j}]")
            if ev["assessment_id"] != a["id"] or ev["seq"] <= prev_seq:
                raise Bad(f"考评 {a['id']} 的历史记录第 {j + 1} 条不属于该考评或顺序不对")
            prev_seq = ev["seq"]
            if audit.event_hash(ev["prev_hash"], ev) != ev["hash"]:
                raise Bad(f"考评 {a['id']} 的历史记录（第 {ev['seq']} 条）哈希不符：来源工作区的审计日志已被改动")
