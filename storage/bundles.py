"""Exchange bundles (`.dabiao`): how towns, inspectors and the county move data on USB
sticks. See docs/bundles.md for the format and the rules; bundle_format.py for the
checks on the zip itself; signing.py for keys and trust.

Kinds:
- `criteria`   (county -> towns): checklists with their bases, and the unit list;
- `submission` (town -> county / inspector): assessments with the self side: self
  answers, self photos, corrective actions, the assessment's audit history;
- `review`     (inspector -> county / town): the review side: review answers, review
  photos, reviewer, conclusion, sign-off, status, and the audit history.

Export streams photos from disk into the zip (stored, hashed as they go). Import is
`prepare_import()` -> `ImportPlan` (every check done, nothing changed; `summary()` for
the app) -> `apply()` (one transaction, photos put in place first) or `discard()`.
`import_bundle()` does both; `summarize()` only looks.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from checklists import ChecklistError
from checklists.answers import check_value

from . import audit, checklist_store, signing
from .actions import ACTION_STATUSES
from .answers import decode_value
from .assessments import STATUSES
from .bundle_format import (DATA, FORMAT, KIND_LABELS, KINDS, LIMITS, MANIFEST, PHOTO_EXTS, SHA_RE, SIGNATURE,
                            BundleReader, BundleRefused, Limits, checklist_member, evidence_member, loads_strict,
                            open_bundle, refuse)
from .errors import StorageError, write_failed
from .evidence import ensure_derived, original_path
from .photos import MIME
from .units import UNIT_TYPES_ALL
from .timefmt import local_time, stamp_with_offset
from .workspace import now

__all__ = ["BundleRefused", "ExportResult", "ImportPlan", "ImportResult", "export_bundle", "import_bundle",
           "prepare_import", "received_bundles", "review_progress", "summarize", "trust_signer", "workspace_dump"]

SIDE_OF_KIND = {"submission": "self", "review": "review"}
SIDE_LABELS = {"self": "自评", "review": "考评"}
SELF_FIELDS = ("assessor", "submitted_at", "self_rev")
REVIEW_FIELDS = ("reviewer", "conclusion", "signed_by", "signed_at", "reviewed_at", "review_rev")
SIDE_FIELDS = {"self": SELF_FIELDS, "review": REVIEW_FIELDS}
REV_COL = {"self": "self_rev", "review": "review_rev"}
SIDE_STATUSES = {"self": ("draft", "submitted"), "review": ("reviewing", "reviewed", "final")}
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
UNIT_COLS = ("id", "name", "type", "parent_id", "created_at", "updated_at")
CHECKLIST_COLS = ("id", "version", "sha256", "source_name", "title")


def app_version() -> str:
    """The app's version (appversion.py: pyproject.toml, or the one baked into a built app)."""
    from appversion import version

    return version()


# ====================================================================== export


@dataclass
class ExportResult:
    path: Path
    kind: str
    bundle_id: str
    fingerprint: str
    workspace_name: str
    counts: dict
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        c = self.counts
        parts = [f"{c.get('assessments', 0)} 个考评" if self.kind != "criteria" else None,
                 f"{c.get('checklists', 0)} 个标准版本", f"{c.get('units', 0)} 个单位",
                 f"{c.get('answers', 0)} 条{SIDE_LABELS.get(SIDE_OF_KIND.get(self.kind), '')}答案"
                 if self.kind != "criteria" else None,
                 f"{c.get('photos', 0)} 张照片" if self.kind != "criteria" else None,
                 f"{c.get('actions', 0)} 项整改" if self.kind == "submission" else None]
        return ([f"已导出{KIND_LABELS[self.kind]}交换包：{self.path}",
                 "内容：" + "、".join(p for p in parts if p),
                 f"签名：{self.workspace_name} 工作区，密钥 {signing.short(self.fingerprint)}"
                 f"（完整指纹 {signing.pretty(self.fingerprint)}）"] + self.warnings)


def export_bundle(ws, kind: str, refs=(), out=None, *, progress=None) -> ExportResult:
    """Write a bundle of `kind` to `out`. refs: assessment ids (submission / review; none =
    every assessment), or checklist refs ID[@VERSION] (criteria; none = every checklist).
    progress(done, total) is called after each photo."""
    if kind not in KINDS:
        raise StorageError(f"交换包类型必须是 {'、'.join(KINDS)} 之一，现在是 {kind!r}")
    if not out:
        raise StorageError("请用 --out 指定交换包文件")
    out = Path(out)
    if out.suffix.lower() != ".dabiao":
        out = out.with_name(out.name + ".dabiao")
    me = signing.identity(ws)
    data, warnings = (_collect_criteria(ws, refs) if kind == "criteria" else _collect_side(ws, kind, refs))
    bundle_id = str(uuid.uuid4())
    created = stamp_with_offset()  # read on other computers, maybe in other time zones
    counts = {"checklists": len(data["checklists"]), "units": len(data["units"]),
              "assessments": len(data["assessments"]),
              "answers": sum(len(a["answers"]) for a in data["assessments"]),
              "photos": sum(len(a["attachments"]) for a in data["assessments"]),
              "files": len(data["evidence"]), "actions": sum(len(a.get("actions", [])) for a in data["assessments"]),
              "events": sum(len(a["events"]) for a in data["assessments"])}
    data = {"format": FORMAT, "kind": kind, "bundle_id": bundle_id} | data

    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"无法创建文件夹 {out.parent}：{exc.strerror or exc}") from None
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    members: list[dict] = []
    try:
        with zipfile.ZipFile(tmp, "w", allowZip64=True) as zf:
            for c in data["checklists"]:
                raw = checklist_store.get_row(ws, c["id"], c["version"])["source_text"].encode("utf-8")
                if hashlib.sha256(raw).hexdigest() != c["sha256"]:
                    raise StorageError(f"工作区中标准 {c['id']}@{c['version']} 的原文已损坏（与保存时的哈希不符），"
                                       "不能导出；请运行 db check 并从备份恢复")
                members.append(_write_bytes(zf, checklist_member(c["sha256"]), raw, zipfile.ZIP_DEFLATED))
            total = len(data["evidence"])
            for i, ev in enumerate(data["evidence"]):
                members.append(_write_photo(ws, zf, ev))
                if progress:
                    progress(i + 1, total)
            raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            members.append(_write_bytes(zf, DATA, raw, zipfile.ZIP_DEFLATED))
            manifest = {
                "format": FORMAT, "kind": kind, "bundle_id": bundle_id, "created_at": created,
                "app": {"name": "dabiao", "version": app_version()},
                "workspace": {"id": me.workspace_id, "name": me.name},
                "signer": {"algorithm": "ed25519", "public_key": me.public_key_b64,
                           "fingerprint": signing.pretty(me.fingerprint)},
                "counts": counts,
                "members": sorted(members, key=lambda m: m["path"]),
            }
            raw_manifest = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            _write_bytes(zf, MANIFEST, raw_manifest, zipfile.ZIP_DEFLATED)
            _write_bytes(zf, SIGNATURE, base64.b64encode(me.sign(raw_manifest)) + b"\n", zipfile.ZIP_STORED)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failed(exc, out, f"磁盘已满，交换包 {out} 未能写完；已删除未完成的文件") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(out, kind, bundle_id, me.fingerprint, me.name, counts, warnings)


def _zipinfo(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
    info.compress_type = compress
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def _write_bytes(zf, name: str, raw: bytes, compress: int) -> dict:
    zf.writestr(_zipinfo(name, compress), raw)
    return {"path": name, "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}


def _write_photo(ws, zf, ev: dict) -> dict:
    """Stream one stored original into the zip (not recompressed), hashing as it goes."""
    name = evidence_member(ev["sha256"], ev["ext"])
    src = original_path(ws, ev["sha256"], ev["ext"])
    digest, size = hashlib.sha256(), 0
    try:
        with open(src, "rb") as f, zf.open(_zipinfo(name, zipfile.ZIP_STORED), "w", force_zip64=True) as dst:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
                dst.write(chunk)
    except FileNotFoundError:
        raise StorageError(f"照片文件缺失：{src}（原名 {ev['original_name']}）；请运行 db check") from None
    if digest.hexdigest() != ev["sha256"]:
        raise StorageError(f"照片文件已损坏或被改动：{src}（原名 {ev['original_name']}）；请运行 db check")
    return {"path": name, "sha256": ev["sha256"], "size": size}


def _pick(row: dict, cols) -> dict:
    return {c: row.get(c) for c in cols}


def _checklist_chain(ws, set_id: str, version: str, into: dict) -> None:
    """The checklist and its bases (base first), as data.json entries, into `into`."""
    chain = []
    while set_id and len(chain) < 5:
        row = checklist_store.get_row(ws, set_id, version)
        if not row:
            raise StorageError(f"工作区中没有标准 {set_id} 版本 {version}（被引用为基础标准）")
        chain.append(row)
        set_id, version = row["extends_id"], row["extends_version"]
    for row in reversed(chain):
        into.setdefault((row["id"], row["version"]), _pick(row, CHECKLIST_COLS))


def _unit_chain(ws, unit_id: str, into: dict) -> None:
    chain = []
    while unit_id and unit_id not in into and len(chain) < 20:
        rows = list(ws.db.query("SELECT * FROM units WHERE id = ?", [unit_id]))
        if not rows:
            break
        chain.append(rows[0])
        unit_id = rows[0]["parent_id"]
    for row in reversed(chain):
        into.setdefault(row["id"], _pick(row, UNIT_COLS))


def _collect_criteria(ws, refs) -> tuple[dict, list[str]]:
    checklists: dict = {}
    if refs:
        for ref in refs:
            set_id, version = checklist_store.parse_ref(ref)
            version = version or checklist_store.latest_version(ws, set_id)
            if not version or not checklist_store.get_row(ws, set_id, version):
                raise StorageError(f"工作区中没有标准 {ref}")
            _checklist_chain(ws, set_id, version, checklists)
    else:
        for row in ws.db.query("SELECT id, version FROM checklists ORDER BY imported_at, rowid"):
            _checklist_chain(ws, row["id"], row["version"], checklists)
    units: dict = {}
    for row in ws.db.query("SELECT id FROM units ORDER BY created_at, rowid"):
        _unit_chain(ws, row["id"], units)
    return {"checklists": list(checklists.values()), "units": list(units.values()), "assessments": [],
            "evidence": []}, []


def _collect_side(ws, kind: str, refs) -> tuple[dict, list[str]]:
    side = SIDE_OF_KIND[kind]
    ids = list(refs) or [r["id"] for r in ws.db.query("SELECT id FROM assessments ORDER BY year, created_at")]
    if not ids:
        raise StorageError("工作区中没有考评可导出")
    checklists: dict = {}
    units: dict = {}
    evidence: dict = {}
    out, warnings = [], []
    for aid in dict.fromkeys(ids):
        rows = list(ws.db.query("SELECT * FROM assessments WHERE id = ?", [aid]))
        if not rows:
            raise StorageError(f"找不到考评记录 {aid}")
        a = rows[0]
        _checklist_chain(ws, a["checklist_id"], a["checklist_version"], checklists)
        _unit_chain(ws, a["unit_id"], units)
        item = _pick(a, ASSESSMENT_CORE) | _pick(a, SIDE_FIELDS[side])
        item["answers"] = [_pick(r, ANSWER_COLS) for r in ws.db.query(
            "SELECT * FROM answers WHERE assessment_id = ? AND role = ? ORDER BY code", [aid, side])]
        item["attachments"] = [_pick(r, ATTACHMENT_COLS) for r in ws.db.query(
            "SELECT * FROM attachments WHERE assessment_id = ? AND role = ? ORDER BY added_at, rowid", [aid, side])]
        for att in item["attachments"]:
            if att["sha256"] not in evidence:
                ev = list(ws.db.query("SELECT * FROM evidence WHERE sha256 = ?", [att["sha256"]]))
                if not ev:
                    raise StorageError(f"照片附件 {att['id']} 指向不存在的照片；请运行 db check")
                evidence[att["sha256"]] = _pick(ev[0], EVIDENCE_COLS)
        if kind == "submission":
            item["actions"] = [_pick(r, ACTION_COLS) for r in ws.db.query(
                "SELECT * FROM actions WHERE assessment_id = ? ORDER BY created_at, rowid", [aid])]
        item["events"] = [_pick(r, EVENT_COLS) for r in ws.db.query(
            "SELECT * FROM events WHERE assessment_id = ? ORDER BY seq", [aid])]
        for ev in item["events"]:
            if audit.event_hash(ev["prev_hash"], ev) != ev["hash"]:
                raise StorageError(f"考评 {aid} 的审计日志第 {ev['seq']} 条已损坏（哈希不符），不能导出；"
                                   "请运行 db check 并从备份恢复")
        if kind == "submission" and a["status"] == "draft":
            warnings.append(f"注意：考评 {aid} 尚未提交（自评中），导出的是当前的自评草稿")
        if kind == "review" and a["status"] in ("draft", "submitted") and not item["answers"]:
            warnings.append(f"注意：考评 {aid} 还没有考评答案")
        out.append(item)
    return {"checklists": list(checklists.values()), "units": list(units.values()), "assessments": out,
            "evidence": list(evidence.values())}, warnings


# ====================================================================== data.json checks

_TYPES = {"s": str, "i": int, "f": (int, float)}

UNIT_SPEC = {"id": "s", "name": "s", "type": "s", "parent_id": "s?", "created_at": "s?", "updated_at": "s?"}
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
                        "reviewed_at": "s?", "review_rev": "i"}}


# The range of every number a bundle carries (a year of 10^17, year -1, revision -5 are
# refused before anything is compared or stored).
RANGES = {"year": (1900, 9999), "rev": (0, 2 ** 31), "self_rev": (0, 2 ** 31), "review_rev": (0, 2 ** 31),
          "seq": (1, 2 ** 62), "size": (0, 64 * 1024 ** 3), "width": (0, 1_000_000), "height": (0, 1_000_000),
          "gps_lat": (-90, 90), "gps_lon": (-180, 180)}
MAX_VALUE_TEXT = 10_000   # an answer value as JSON text (a rubric label, a number, true/false)


class _Bad(Exception):
    pass


def _small_json(text: str, what: str):
    """A short JSON text carried inside data.json (an answer value, a documents list),
    parsed with its numbers and nesting checked first; ValueError naming the problem."""
    from checklists.numbers import number_text_problem, shown_number

    from .bundle_format import _nesting_over

    if len(text) > MAX_VALUE_TEXT:
        raise ValueError(f"{what}过长")
    if _nesting_over(text.encode("utf-8"), 4):
        raise ValueError(f"{what}嵌套层数过多")

    def number(literal, kind):
        problem = number_text_problem(literal)
        if problem:
            raise ValueError(f"{what}中的数字 {shown_number(literal)} 无法接受：{problem}")
        return kind(literal)

    return json.loads(text, parse_int=lambda t: number(t, int), parse_float=lambda t: number(t, float))


def _check_answer_value(text: str | None) -> None:
    """An answer value as stored (JSON: true/false, a label, an int, {"n": "a/b"}) whose
    numbers are sane, checked before decode_value turns them into exact Fractions (a
    value of 1e100000000 would take minutes to convert, and again on every listing)."""
    from checklists.numbers import parse_number, shown_number, value_problem

    if text is None:
        return
    value = _small_json(text, "答案")
    if isinstance(value, dict):
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


def _check_record(obj, spec: dict, where: str) -> dict:
    if not isinstance(obj, dict):
        raise _Bad(f"{where} 不是对象")
    extra = set(obj) - set(spec)
    if extra:
        raise _Bad(f"{where} 含有不应出现的字段：{', '.join(sorted(extra))}")
    for key, t in spec.items():
        optional = t.endswith("?")
        t = t.rstrip("?")
        if key not in obj:
            raise _Bad(f"{where} 缺少字段 {key}")
        value = obj[key]
        if value is None and optional:
            continue
        if t == "list":
            if not isinstance(value, list):
                raise _Bad(f"{where}.{key} 应为列表")
            continue
        if isinstance(value, bool) or not isinstance(value, _TYPES[t]):
            raise _Bad(f"{where}.{key} 类型不对")
        if t == "s" and (len(value) > 200_000 or (not optional and not value.strip())):
            raise _Bad(f"{where}.{key} 为空或过长")
        if t == "i" and not (-2 ** 62 < value < 2 ** 62):
            raise _Bad(f"{where}.{key} 超出范围")
        if key in RANGES and not (RANGES[key][0] <= value <= RANGES[key][1]):
            low, high = RANGES[key]
            raise _Bad(f"{where}.{key} 为 {str(value)[:24]}，超出允许范围（{low} 至 {high}）")
    return obj


def _validate_data(data, kind: str, reader: BundleReader) -> None:
    """Shape and kind rules of data.json; raises _Bad with one line."""
    if not isinstance(data, dict):
        raise _Bad("data.json 不是对象")
    expected = {"format", "kind", "bundle_id", "checklists", "units", "assessments", "evidence"}
    if set(data) != expected:
        raise _Bad(f"data.json 字段不对：{', '.join(sorted(set(data) ^ expected))}")
    if data["format"] != FORMAT or data["kind"] != kind or data["bundle_id"] != reader.manifest.get("bundle_id"):
        raise _Bad("data.json 的格式、类型或编号与清单不一致")
    for key in ("checklists", "units", "assessments", "evidence"):
        if not isinstance(data[key], list):
            raise _Bad(f"data.json.{key} 应为列表")
    side = SIDE_OF_KIND.get(kind)
    seen_ids: set = set()

    def unique(value, where):
        if value in seen_ids:
            raise _Bad(f"{where} 编号 {value} 重复")
        seen_ids.add(value)

    for i, c in enumerate(data["checklists"]):
        _check_record(c, CHECKLIST_SPEC, f"checklists[{i}]")
        if not SHA_RE.fullmatch(c["sha256"]):
            raise _Bad(f"checklists[{i}].sha256 格式不对")
        unique(("checklist", c["id"], c["version"]), f"标准 {c['id']}@{c['version']}")
    for i, u in enumerate(data["units"]):
        _check_record(u, UNIT_SPEC, f"units[{i}]")
        if u["type"] not in UNIT_TYPES_ALL:
            raise _Bad(f"单位 {u['name']} 的类型 {u['type']!r} 未知")
        unique(u["id"], "单位")
    for i, e in enumerate(data["evidence"]):
        _check_record(e, EVIDENCE_SPEC, f"evidence[{i}]")
        if not SHA_RE.fullmatch(e["sha256"]) or e["ext"] not in PHOTO_EXTS:
            raise _Bad(f"evidence[{i}] 的哈希或扩展名不对")
        if e["mime"] is not None and e["mime"] != MIME[e["ext"]]:
            raise _Bad(f"evidence[{i}] 的类型与扩展名不符")
        unique(("evidence", e["sha256"]), "照片")
    if kind == "criteria" and data["assessments"]:
        raise _Bad("考评标准交换包不应包含考评")
    if kind != "criteria" and not data["assessments"]:
        raise _Bad("交换包中没有考评")
    for i, a in enumerate(data["assessments"]):
        spec = ASSESSMENT_SPEC | SIDE_SPEC[side] | ({"actions": "list"} if kind == "submission" else {})
        other = SIDE_SPEC["review" if side == "self" else "self"]
        if isinstance(a, dict) and set(a) & set(other):
            raise _Bad(f"{KIND_LABELS[kind]}交换包不能包含{SIDE_LABELS['review' if side == 'self' else 'self']}"
                       f"信息（{', '.join(sorted(set(a) & set(other)))}）")
        if isinstance(a, dict) and kind == "review" and "actions" in a:
            raise _Bad("考评结果交换包不能包含整改任务")
        _check_record(a, spec, f"assessments[{i}]")
        if a["status"] not in STATUSES:
            raise _Bad(f"考评 {a['id']} 的状态 {a['status']!r} 未知")
        unique(a["id"], "考评")
        codes = set()
        for j, ans in enumerate(a["answers"]):
            _check_record(ans, ANSWER_SPEC, f"assessments[{i}].answers[{j}]")
            if ans["role"] != side:
                raise _Bad(f"{KIND_LABELS[kind]}交换包只能包含{SIDE_LABELS[side]}答案，却含有考评 {a['id']} "
                           f"条目 {ans['code']} 的{SIDE_LABELS.get(ans['role'], ans['role'])}答案")
            if ans["code"] in codes:
                raise _Bad(f"考评 {a['id']} 条目 {ans['code']} 的答案重复")
            codes.add(ans["code"])
        for j, att in enumerate(a["attachments"]):
            _check_record(att, ATTACHMENT_SPEC, f"assessments[{i}].attachments[{j}]")
            if att["role"] != side:
                raise _Bad(f"{KIND_LABELS[kind]}交换包只能包含{SIDE_LABELS[side]}照片，却含有考评 {a['id']} "
                           f"的{SIDE_LABELS.get(att['role'], att['role'])}照片 {att['id']}")
            unique(att["id"], "照片附件")
        for j, act in enumerate(a.get("actions", [])):
            _check_record(act, ACTION_SPEC, f"assessments[{i}].actions[{j}]")
            if act["assessment_id"] != a["id"] or act["unit_id"] != a["unit_id"]:
                raise _Bad(f"整改任务 {act['id']} 不属于考评 {a['id']}")
            if act["status"] not in ACTION_STATUSES:
                raise _Bad(f"整改任务 {act['id']} 的状态 {act['status']!r} 未知")
            unique(act["id"], "整改任务")
        prev_seq = 0
        for j, ev in enumerate(a["events"]):
            _check_record(ev, EVENT_SPEC, f"assessments[{i}].events[{j}]")
            if ev["assessment_id"] != a["id"] or ev["seq"] <= prev_seq:
                raise _Bad(f"考评 {a['id']} 的历史记录第 {j + 1} 条不属于该考评或顺序不对")
            prev_seq = ev["seq"]
            if audit.event_hash(ev["prev_hash"], ev) != ev["hash"]:
                raise _Bad(f"考评 {a['id']} 的历史记录（第 {ev['seq']} 条）哈希不符：来源工作区的审计日志已被改动")


# ====================================================================== import plan


@dataclass
class Change:
    """One thing the import will do; `apply(ws)` runs inside the import transaction. The
    optional fields let the app show it readably: which assessment (`group`), the item
    (`code`, `item`: the checklist Item), the side, the answer before and after (`old`,
    `new`: dicts of value / note / documents, decoded; old None when missing here), and
    how many records it stands for (`count`: events of a history change)."""

    what: str          # counter key
    label: str
    apply: object
    group: str | None = None
    code: str | None = None
    item: object = None
    side: str | None = None
    old: dict | None = None
    new: dict | None = None
    count: int = 1


@dataclass
class ImportPlan:
    """A checked bundle and what importing it would change. Nothing has changed yet."""

    ws: object
    reader: BundleReader
    data: dict
    staged: dict                       # sha256 -> temp file (new photos, verified)
    changes: list[Change] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    new_files: dict = field(default_factory=dict)  # sha256 -> (ext, size): files to put in place
    trust: str = "new"                 # own / trusted / known / new
    already: dict | None = None        # bundle_imports row when this exact bundle was imported before
    key_is_new: bool = False
    # Assessments whose side came here under a trusted key (or was made here) that this
    # bundle, signed by another key, would change: {"label", "side", "previous": [(fp,
    # name)], "signer": fp}. apply() refuses while there are any, unless a person has
    # decided to accept the other key (accept_key_change()).
    conflicts: list = field(default_factory=list)
    key_change_accepted: bool = False
    _checklists: dict = field(default_factory=dict)   # (id, version) -> Checklist
    _resolver: object = None
    _stage_dir: Path | None = None
    _done: bool = False

    # ------------------------------------------------------------ description

    @property
    def kind(self) -> str:
        return self.reader.kind

    @property
    def signer(self):
        return self.reader.signer

    def signer_line(self) -> str:
        s = self.signer
        label = None
        row = signing.known_key(self.ws, s.fingerprint)
        if row and row.get("label"):
            label = row["label"]
        state = {"own": "本工作区自己的密钥", "trusted": "已信任",
                 "known": "未信任：此前见过但尚未标记为信任", "new": "未信任：首次见到此密钥"}[self.trust]
        name = f"“{s.workspace_name}”工作区" + (f"（本地标注：{label}）" if label and label != s.workspace_name else "")
        return f"签名：{name}，密钥 {s.short}（{state}）"

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def conflict_lines(self) -> list[str]:
        """One line per assessment in conflict, naming both fingerprints (full, grouped)."""
        out = []
        for c in self.conflicts:
            before = "、".join(f"{_fp_text(fp, signing.pretty)}（{name}）" for fp, name in c["previous"])
            out.append(f"密钥冲突：{c['label']}的{SIDE_LABELS[c['side']]}此前来自已信任的密钥 {before}；"
                       f"此包由另一把密钥 {signing.pretty(c['signer'])}（声称来自“{self.signer.workspace_name}”）签名")
        return out

    def conflict_refusal(self) -> str:
        """The one-line reason a plan in conflict is refused (short fingerprints)."""
        c = self.conflicts[0]
        before = "、".join(_fp_text(fp, signing.short) for fp, _name in c["previous"])
        more = f"等 {len(self.conflicts)} 个考评" if len(self.conflicts) > 1 else ""
        return (f"{c['label']}{more}的{SIDE_LABELS[c['side']]}此前来自已信任的密钥 {before}，此包却由另一把密钥 "
                f"{self.signer.short}（“{self.signer.workspace_name}”）签名，不能覆盖；如对方确已更换电脑或密钥，"
                f"请电话核对新密钥的完整指纹后用 bundle trust {self.signer.short} --bundle {self.reader.path.name} "
                "信任它，或由负责人确认后用 --accept-key-change 导入")

    def accept_key_change(self) -> None:
        """A person has compared both fingerprints and decided this bundle may replace data
        that came under another key: apply() will go ahead (and the audit event says so)."""
        self.key_change_accepted = True

    def what(self) -> str:
        """What importing would change, in words ('新增 2 个考评、148 张照片、更新 1 个考评结果')."""
        c = self.counts
        parts = []
        for key, text in (("assessments_added", "新增 {} 个考评"), ("photos_added", "{} 张照片"),
                          ("self_updated", "更新 {} 份自评"), ("review_updated", "更新 {} 个考评结果"),
                          ("checklists_added", "新增 {} 个标准版本"), ("units_added", "新增 {} 个单位"),
                          ("units_updated", "更新 {} 个单位"), ("actions_changed", "{} 项整改"),
                          ("photos_removed", "移除 {} 张照片"), ("files_repaired", "补回 {} 个缺失的照片文件")):
            if c.get(key):
                parts.append(text.format(c[key]))
        if c.get("history"):
            parts.append(f"{c['history']} 条历史记录")
        return "、".join(parts)

    def summary(self) -> str:
        """One sentence for the app before applying: what it will add and update, who signed."""
        what = self.what()
        if self.already and not self.has_changes:
            text = f"此交换包已于 {local_time(self.already['imported_at'])} 导入过，没有新的内容"
        elif what:
            text = "此交换包将" + what
        else:
            text = "此交换包没有新的内容（工作区已有其中的全部数据）"
        if self.skipped:
            text += f"；{len(self.skipped)} 项不能应用（本工作区的较新或不同，逐项列出）"
        if self.conflicts and not self.key_change_accepted:
            text += f"；{len(self.conflicts)} 个考评的签名密钥与此前已信任的不同，需人工确认"
        s = self.signer
        return f"{text}；签名：{s.workspace_name} 工作区，密钥 {s.short}（{_TRUST_SHORT[self.trust]}）"

    def lines(self, state: str = "plan") -> list[str]:
        """Everything to tell the user; state: plan (before applying), dry-run, applied, unchanged."""
        m = self.reader.manifest
        out = [f"{KIND_LABELS[self.kind]}交换包 {self.reader.path.name}（制作于 {local_time(m.get('created_at')) or '?'}，"
               f"达标 {(m.get('app') or {}).get('version', '?')}）", self.signer_line()]
        out += self.notices
        what = self.what()
        if self.already and not self.has_changes:
            out.append(f"此交换包已于 {local_time(self.already['imported_at'])} 导入过，没有新的变化；工作区未作任何改动")
        elif state == "applied":
            out.append("已导入：" + what)
        elif state == "unchanged":
            out.append("没有可应用的内容：工作区已有此包中的数据或更新的数据；工作区未作任何改动")
        elif state == "dry-run":
            out.append(("试运行：导入将" + what if what else "试运行：此包没有新的内容") + "；工作区未作任何改动")
        else:
            out.append("导入将" + what if what else "此包没有新的内容")
        if self.skipped:
            out.append(f"以下 {len(self.skipped)} 项未应用（本工作区的数据保持不变）：")
            out += [f"  - {line}" for line in self.skipped]
        return out

    # ------------------------------------------------------------ apply / discard

    def apply(self, *, derive: bool = False) -> "ImportResult":
        """Put the verified photos in place, then apply every change in one transaction.
        On any failure the photos put in place are removed again and nothing is changed."""
        if self._done:
            raise StorageError("此导入已完成或已放弃")
        try:
            self.ws.check_writable()  # before a photo is put in place
        except StorageError:
            self.discard()
            raise
        if self.conflicts and not self.key_change_accepted:
            path = self.reader.path
            self.discard()
            refuse(path, self.conflict_refusal(), "key")
        ws = self.ws
        if not self.staged and self.new_files:
            raise StorageError("照片尚未校验（用 prepare_import(..., stage=True)）")
        if not self.changes:
            # Nothing to apply (already imported, or everything in it is here or older):
            # the workspace is left exactly as it was, not even the import is logged.
            self.discard()
            return ImportResult(self, applied=False)
        placed: list[Path] = []
        made: list[Path] = []
        try:
            for sha, (ext, _size) in self.new_files.items():
                target = original_path(ws, sha, ext)
                tmp = self.staged[sha]
                if target.exists() and _file_sha256(target) == sha:
                    tmp.unlink(missing_ok=True)
                    continue
                if not target.parent.exists():
                    target.parent.mkdir(parents=True)
                    made.append(target.parent)
                os.replace(tmp, target)
                placed.append(target)
            _make_durable(placed)
            with ws.transaction():
                for change in self.changes:
                    change.apply(ws)
                if self.key_is_new:
                    signing.remember_key(ws, self.signer.public_key, self.signer.workspace_id,
                                         self.signer.workspace_name)
                if self.already is None:
                    ws.db["bundle_imports"].insert({
                        "manifest_sha256": self.reader.manifest_sha256,
                        "bundle_id": self.reader.manifest.get("bundle_id"), "kind": self.kind,
                        "workspace_id": self.signer.workspace_id, "workspace_name": self.signer.workspace_name,
                        "fingerprint": self.signer.fingerprint, "created_at": self.reader.manifest.get("created_at"),
                        "imported_at": now(), "imported_by": ws.who,
                        "summary": json.dumps(self.counts | {"skipped": len(self.skipped)}, ensure_ascii=False)})
                ws.record("bundle", str(self.reader.manifest.get("bundle_id")), "import", {
                    "kind": self.kind, "file": self.reader.path.name, "from": self.signer.workspace_name,
                    "workspace_id": self.signer.workspace_id, "fingerprint": self.signer.fingerprint,
                    "trust": self.trust, "counts": self.counts, "skipped": self.skipped[:50]}
                    | ({"key_change_accepted": [c["label"] for c in self.conflicts],
                        "key_change_previous": sorted({fp for c in self.conflicts for fp, _n in c["previous"]})}
                       if self.conflicts else {}))
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            for folder in made:
                try:
                    folder.rmdir()
                except OSError:
                    pass
            self.discard()
            raise
        self.discard()
        # Thumbnails and report images are rebuildable: by default they are made on first
        # use (evidence.ensure_derived), so an import costs little more than copying files.
        if derive:
            for sha, (ext, _size) in self.new_files.items():
                try:
                    ensure_derived(ws, sha, ext)
                except Exception:  # noqa: BLE001 - thumbnails are rebuildable; never fail an import
                    pass
        return ImportResult(self, applied=True)

    def discard(self) -> None:
        """Remove the temporary files and close the bundle (after apply, or instead of it)."""
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged = {}
        if self._stage_dir is not None:
            shutil.rmtree(self._stage_dir, ignore_errors=True)
            try:
                self._stage_dir.parent.rmdir()
            except OSError:
                pass
            self._stage_dir = None
        self.reader.close()
        self._done = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self._done:
            self.discard()


def _fp_text(fp: str, shown) -> str:
    """A fingerprint as shown (short or grouped); this workspace without a key yet as is."""
    return shown(fp) if re.fullmatch(r"[0-9A-F]{64}", fp or "") else fp


_TRUST_SHORT = {"own": "本工作区", "trusted": "已信任", "known": "未信任", "new": "未信任"}


@dataclass
class ImportResult:
    plan: ImportPlan
    applied: bool
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.applied and self.plan.has_changes

    @property
    def skipped(self) -> list[str]:
        return self.plan.skipped

    @property
    def counts(self) -> dict:
        return self.plan.counts

    def lines(self) -> list[str]:
        if self.dry_run:
            return self.plan.lines("dry-run")
        return self.plan.lines("applied" if self.applied else "unchanged")


def prepare_import(ws, path, *, stage: bool = True, require_trusted: bool = False,
                   accept_key_change: bool = False, limits: Limits = LIMITS) -> ImportPlan:
    """Check everything in the bundle against the workspace and work out what importing it
    would change, changing nothing. With stage=True the new photos are copied out of the
    bundle into temporary files (verified), ready for apply(); stage=False only hashes
    them (dry run, summaries); staging needs a writable workspace (checked first, so that
    nothing is copied into one opened read-only). Raises BundleRefused naming the reason."""
    if stage:
        ws.check_writable()
    reader = open_bundle(path, limits)
    plan = None
    try:
        raw = reader.read_member(DATA)
        data = loads_strict(raw, DATA, reader.path)
        try:
            _validate_data(data, reader.kind, reader)
        except _Bad as exc:
            refuse(reader.path, str(exc), "data")
        plan = ImportPlan(ws, reader, data, {})
        _check_signer(plan, require_trusted)
        texts = _check_members_and_checklists(plan)
        _plan_changes(plan, texts)
        if accept_key_change:
            plan.accept_key_change()
        _verify_photos(plan, stage)
        return plan
    except BaseException:
        if plan is not None:
            plan.discard()
        else:
            reader.close()
        raise


def import_bundle(ws, path, *, dry_run: bool = False, require_trusted: bool = False, derive: bool = False,
                  accept_key_change: bool = False, limits: Limits = LIMITS) -> ImportResult:
    """Check, then apply (unless dry_run) a bundle. Refusals raise BundleRefused; so does a
    bundle signed by another key than the trusted one a unit's data came under (see
    ImportPlan.conflicts), unless accept_key_change."""
    if not dry_run:
        ws.check_writable()  # before anything is staged in the workspace
    plan = prepare_import(ws, path, stage=not dry_run, require_trusted=require_trusted,
                          accept_key_change=accept_key_change, limits=limits)
    if plan.conflicts and not plan.key_change_accepted:
        reason = plan.conflict_refusal()
        plan.discard()
        refuse(plan.reader.path, reason, "key")
    if dry_run:
        plan.discard()
        return ImportResult(plan, applied=False, dry_run=True)
    return plan.apply(derive=derive)


def summarize(ws, path, *, require_trusted: bool = False) -> str:
    """The sentence the app shows before importing (every check is run; nothing changes)."""
    plan = prepare_import(ws, path, stage=False, require_trusted=require_trusted)
    try:
        return plan.summary()
    finally:
        plan.discard()


# ---------------------------------------------------------------------- checks


def _check_signer(plan: ImportPlan, require_trusted: bool) -> None:
    ws, s = plan.ws, plan.signer
    own = signing.own_fingerprint(ws)
    row = signing.known_key(ws, s.fingerprint)
    if own == s.fingerprint:
        plan.trust = "own"
    elif row and row["trusted"]:
        plan.trust = "trusted"
    elif row:
        plan.trust = "known"
    else:
        plan.trust = "new"
        plan.key_is_new = True
    my_id = signing.workspace_id(ws)
    if s.workspace_id and s.workspace_id == my_id and plan.trust != "own":
        plan.notices.append(f"警告：此包声称来自本工作区，但签名密钥 {s.short} 不是本工作区的密钥")
    if s.workspace_id and plan.trust in ("known", "new"):
        others = [r for r in signing.keys_of_workspace(ws, s.workspace_id) if r["fingerprint"] != s.fingerprint]
        if others:
            prev = others[-1]
            plan.notices.append(
                f"警告：工作区“{prev['workspace_name']}”此前使用密钥 {signing.short(prev['fingerprint'])}"
                f"{'（已信任）' if prev['trusted'] else ''}，此包使用另一把密钥 {s.short}；请核实后再信任")
    if plan.trust in ("known", "new"):
        if require_trusted:
            refuse(plan.reader.path, f"签名密钥 {s.short}（“{s.workspace_name}”工作区）未被信任；"
                   f"与对方核实指纹后可用 bundle trust {s.short} --bundle {plan.reader.path.name} 信任", "trust")
        plan.notices.append(f"注意：签名有效，但密钥 {s.short} 未被信任，无法确认此包确实来自“{s.workspace_name}”；"
                            f"与对方核对完整指纹 {signing.pretty(s.fingerprint, 8)} 后，可用 bundle trust {s.short} 信任")
    plan.already = _first(ws.db.query("SELECT * FROM bundle_imports WHERE manifest_sha256 = ?",
                                      [plan.reader.manifest_sha256]))


def _first(rows):
    for row in rows:
        return row
    return None


def _check_members_and_checklists(plan: ImportPlan) -> dict:
    """Members must be exactly what data.json names; checklist texts verified and
    consistent with the workspace. Returns {(id, version): (text, name)} carried."""
    reader, data, ws = plan.reader, plan.data, plan.ws
    wanted = {DATA}
    for c in data["checklists"]:
        wanted.add(checklist_member(c["sha256"]))
    for e in data["evidence"]:
        name = evidence_member(e["sha256"], e["ext"])
        wanted.add(name)
        if name in reader.members and reader.members[name]["size"] != e["size"]:
            refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 的大小与清单不符", "size")
    missing = sorted(wanted - set(reader.members))
    if missing:
        refuse(reader.path, f"data.json 提到的成员 {missing[0]} 不在交换包里", "member")
    extra = sorted(set(reader.members) - wanted)
    if extra:
        refuse(reader.path, f"交换包中有 data.json 未用到的成员：{extra[0]}", "member")
    evidence_shas = {e["sha256"] for e in data["evidence"]}
    for a in data["assessments"]:
        for att in a["attachments"]:
            if att["sha256"] not in evidence_shas:
                refuse(reader.path, f"照片附件 {att['id']} 的照片不在交换包里", "member")

    carried: dict = {}
    for c in data["checklists"]:
        raw = reader.read_member(checklist_member(c["sha256"]))
        local = ws.db.execute("SELECT sha256 FROM checklists WHERE id = ? AND version = ?",
                              [c["id"], c["version"]]).fetchone()
        if local and local[0] != c["sha256"]:
            refuse(reader.path, f"工作区已有标准 {c['id']} 版本 {c['version']}，但交换包中的内容不同"
                   "（修改后的标准应使用新的版本号）", "checklist")
        if local:
            continue  # the very same text (same hash) is already here
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            refuse(reader.path, f"标准 {c['id']}@{c['version']} 的原文不是 UTF-8 文本", "checklist")
        carried[(c["id"], c["version"])] = (text, c["source_name"] or f"{c['id']}-{c['version']}.yaml")

    def resolver(set_id, version):
        row = ws.db.execute("SELECT source_text, source_name FROM checklists WHERE id = ? AND version = ?",
                            [set_id, str(version)]).fetchone()
        if row:
            return row[0], row[1]
        return carried.get((set_id, str(version)))

    plan._resolver = resolver
    for key, (text, name) in carried.items():
        try:
            checklist = checklist_store.load_text_cached(text, name, resolver)
        except ChecklistError as exc:
            refuse(reader.path, f"标准 {key[0]}@{key[1]} 无效：{exc.lines()[0]}", "checklist")
        if (checklist.id, str(checklist.version)) != key:
            refuse(reader.path, f"标准原文的编号/版本（{checklist.id}@{checklist.version}）与记录"
                   f"（{key[0]}@{key[1]}）不符", "checklist")
        plan._checklists[key] = checklist
    for a in data["assessments"]:
        key = (a["checklist_id"], a["checklist_version"])
        if key not in plan._checklists:
            if not checklist_store.get_row(ws, *key):
                refuse(reader.path, f"考评 {a['id']} 使用的标准 {key[0]} 版本 {key[1]} 既不在本工作区，也不在交换包中",
                       "checklist")
            plan._checklists[key] = checklist_store.load(ws, *key)
    return carried


def _verify_photos(plan: ImportPlan, stage: bool) -> None:
    """Hash every photo member; copy the ones the workspace lacks into temporary files."""
    ws, reader = plan.ws, plan.reader
    if stage and plan.new_files:
        need = sum(size for _ext, size in plan.new_files.values())
        try:
            free = shutil.disk_usage(ws.folder).free
        except OSError:
            free = None
        if free is not None and free < need + 50 * 1024 * 1024:
            refuse(reader.path, f"磁盘空间不足：需要约 {need // (1024 * 1024) + 50} MB，"
                   f"可用 {free // (1024 * 1024)} MB", "disk")
        _clean_stale_incoming(ws)
        plan._stage_dir = ws.folder / ".incoming" / uuid.uuid4().hex
        plan._stage_dir.mkdir(parents=True)
    for e in plan.data["evidence"]:
        name = evidence_member(e["sha256"], e["ext"])
        if stage and e["sha256"] in plan.new_files:
            tmp = plan._stage_dir / f"{e['sha256']}.{e['ext']}"
            plan.staged[e["sha256"]] = tmp
            try:
                # Not fsynced here: staged files only matter once apply() puts them in place,
                # and it makes them durable then, all together (see _make_durable).
                with open(tmp, "wb") as f:
                    reader.copy_member(name, f)
            except OSError as exc:
                raise StorageError(f"无法写入临时文件 {tmp}：{exc.strerror or exc}；工作区未作任何改动") from None
            _check_photo_header(reader, tmp, e)
        else:
            reader.hash_member(name)


def _make_durable(placed: list[Path]) -> None:
    """Flush the photos just put in place to disk, before the transaction that refers to them.

    Crash safety needs one ordering only: a photo's bytes and its name in evidence/ must be
    on disk before the database commit naming it can be, so a crash leaves at most a file
    nothing refers to, never a row without its file. Staging therefore writes every file
    without fsync (an fsync per file, interleaved with the writes and renames, made the
    file system commit its journal once per photo and was most of an import's time); here,
    after the last rename, each file is fsynced in one pass (their data was already being
    written back meanwhile, so each fsync waits for little), then each folder that received
    one (the renames). Only after that does apply() commit. A crash before this point leaves
    files in .incoming/ (cleaned later) or unreferenced originals, as before.
    """
    try:
        for path in placed:
            with open(path, "rb+") as f:
                os.fsync(f.fileno())
        if os.name == "posix":  # directories can be fsynced on POSIX only; NTFS journals renames
            for folder in sorted({p.parent for p in placed}):
                fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
    except OSError as exc:
        raise StorageError(f"无法把照片写入磁盘（{exc.strerror or exc}）；工作区未作任何改动") from None


def _clean_stale_incoming(ws, hours: float = 12) -> None:
    """Temporary folders left by an import that was killed mid-way (older than `hours`)."""
    import time

    incoming = ws.folder / ".incoming"
    if not incoming.is_dir():
        return
    for entry in incoming.iterdir():
        try:
            if time.time() - entry.stat().st_mtime > hours * 3600:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass


def _check_photo_header(reader: BundleReader, path: Path, e: dict) -> None:
    """A cheap look at a new photo (header only): a real image of the format its name says."""
    from PIL import UnidentifiedImageError

    from .photos import FORMATS, MAX_PIXELS, MAX_SIDE, pillow

    Image = pillow()  # noqa: N806 - with the HEIC opener registered

    try:
        with Image.open(path) as img:
            fmt, (w, h) = img.format, img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 不是可识别的图片（{str(exc)[:60]}）",
               "photo")
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on hostile headers
        refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 已损坏（{str(exc)[:60]}）", "photo")
    if FORMATS.get(fmt) != e["ext"] or w <= 0 or h <= 0 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 的格式或尺寸异常（{fmt} {w}×{h}）", "photo")


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------- planning


def _bump(plan: ImportPlan, key: str, n: int = 1) -> None:
    plan.counts[key] = plan.counts.get(key, 0) + n


def _plan_changes(plan: ImportPlan, carried: dict) -> None:
    ws, data, kind = plan.ws, plan.data, plan.kind
    bundle_id = data["bundle_id"]

    # -- checklists, bases first (import_checklist_text validates and records; the
    #    workspace resolves each base because it went in just before)
    for key in _base_first(plan, carried):
        if checklist_store.get_row(ws, *key):
            continue
        text, name = carried[key]

        def add_checklist(ws, text=text, name=name, checklist=plan._checklists[key]):
            # validated from this very text in _check_members_and_checklists: not parsed again
            checklist_store.import_checklist_text(ws, text, name, checklist=checklist)

        plan.changes.append(Change("checklists_added", f"标准 {key[0]}@{key[1]}", add_checklist))
        _bump(plan, "checklists_added")

    # -- units, parents first
    bundle_units = {u["id"]: u for u in data["units"]}
    local_units = {r["id"]: r for r in ws.db.query("SELECT * FROM units")}
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
            clash = ws.db.execute("SELECT id FROM units WHERE name = ? AND coalesce(parent_id, '') = coalesce(?, '')",
                                  [u["name"], u["parent_id"]]).fetchone()
            if clash:
                plan.notices.append(f"注意：单位“{u['name']}”与本工作区已有的同名单位编号不同，两者将并存；请核对")
            plan.changes.append(Change("units_added", f"单位 {u['name']}", _unit_add(u, bundle_id)))
            _bump(plan, "units_added")
            continue
        differs = {k: u[k] for k in ("name", "type", "parent_id") if local[k] != u[k]}
        if not differs or kind != "criteria":
            continue
        if (u["updated_at"] or "") > (local["updated_at"] or ""):
            plan.changes.append(Change("units_updated", f"单位 {u['name']}", _unit_update(u, local, differs, bundle_id)))
            _bump(plan, "units_updated")
        else:
            plan.skipped.append(f"单位“{local['name']}”：本工作区的记录较新或同时被改过（{_fields(differs)}），未覆盖")

    # -- assessments
    side = SIDE_OF_KIND.get(kind)
    origin = plan.signer.workspace_id
    my_id = signing.workspace_id(ws)
    evidence_by_sha = {e["sha256"]: e for e in data["evidence"]}
    need_rows: set = set()
    for a in data["assessments"]:
        _plan_assessment(plan, a, side, origin if origin != my_id else None, evidence_by_sha, need_rows, bundle_id)

    # -- evidence rows and files
    for sha in sorted(need_rows):
        plan.changes.append(Change("evidence_added", f"照片 {sha[:12]}", _evidence_add(evidence_by_sha[sha])))
        _bump(plan, "files_added")
    for e in data["evidence"]:
        has_row = ws.db.execute("SELECT ext FROM evidence WHERE sha256 = ?", [e["sha256"]]).fetchone()
        if e["sha256"] in need_rows:
            plan.new_files[e["sha256"]] = (e["ext"], e["size"])
        elif has_row and not original_path(ws, e["sha256"], has_row[0]).exists() and has_row[0] == e["ext"]:
            plan.new_files[e["sha256"]] = (e["ext"], e["size"])   # repairs a missing original
            _bump(plan, "files_repaired")
    # Apply order: checklists, units, photos' rows, then each assessment in turn.
    phase = {"checklists_added": 0, "units_added": 1, "units_updated": 1, "evidence_added": 2}
    plan.changes.sort(key=lambda c: phase.get(c.what, 3))


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
        ws.db["units"].insert(_pick(u, UNIT_COLS))
        ws.record("unit", u["id"], "import", {"name": u["name"], "type": u["type"], "parent_id": u["parent_id"],
                                              "bundle": bundle_id})
    return run


def _unit_update(u: dict, local: dict, differs: dict, bundle_id: str):
    def run(ws):
        ws.db["units"].update(u["id"], differs | {"updated_at": u["updated_at"]})
        ws.record("unit", u["id"], "import", {k: {"old": local[k], "new": v} for k, v in differs.items()}
                  | {"bundle": bundle_id})
    return run


def _insert_sql(table: str, cols) -> str:
    """Plain INSERT for the rows an import adds per photo (sqlite-utils' insert() looks the
    table up on every call, which cost more than the rest of applying a photo)."""
    return f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"


_INSERT_EVIDENCE = _insert_sql("evidence", EVIDENCE_COLS + ("imported_at",))
_INSERT_ATTACHMENT = _insert_sql("attachments", ("assessment_id",) + ATTACHMENT_COLS)


def _evidence_add(e: dict):
    def run(ws):
        if not ws.db.execute("SELECT 1 FROM evidence WHERE sha256 = ?", [e["sha256"]]).fetchone():
            ws.db.execute(_INSERT_EVIDENCE, [e.get(c) for c in EVIDENCE_COLS] + [now()])
    return run


def _side_stamp(row: dict, side: str) -> tuple:
    """How far one side of an assessment has got: its revision, then (review) how far
    along the flow and when it was signed, (self) when it was submitted."""
    if side == "self":
        return (row.get("self_rev") or 0, row.get("submitted_at") or "")
    rank = STATUS_RANK.get(row.get("status"), 0) if row.get("status") in SIDE_STATUSES["review"] else 0
    return (row.get("review_rev") or 0, rank, row.get("signed_at") or "")


def _plan_assessment(plan: ImportPlan, a: dict, side: str, origin: str | None, evidence_by_sha: dict,
                     need_rows: set, bundle_id: str) -> None:
    ws = plan.ws
    aid = a["id"]
    checklist = plan._checklists[(a["checklist_id"], a["checklist_version"])]
    index = checklist.item_index()
    unit_name = next((u["name"] for u in plan.data["units"] if u["id"] == a["unit_id"]), None)
    if unit_name is None:
        row = ws.db.execute("SELECT name FROM units WHERE id = ?", [a["unit_id"]]).fetchone()
        if not row:
            refuse(plan.reader.path, f"考评 {aid} 的单位 {a['unit_id']} 不在交换包或本工作区中", "data")
        unit_name = row[0]
    label = f"{unit_name} {a['year']} 年考评"

    # Values must be valid for the items, as if typed in.
    for ans in a["answers"]:
        if ans["code"] not in index:
            refuse(plan.reader.path, f"{label}：条目 {ans['code']} 不在标准 {checklist.ref} 中", "data")
        try:
            _check_answer_value(ans["value"])
            value = decode_value(ans["value"])
            if ans["documents"] is not None and not isinstance(_small_json(ans["documents"], "资料清单"), list):
                raise ValueError("资料清单格式不对")
        except (ValueError, TypeError, ZeroDivisionError) as exc:
            why = str(exc) if str(exc) and not str(exc).isascii() else "答案格式不对"
            refuse(plan.reader.path, f"{label}：条目 {ans['code']} 的{why}", "data")
        if value is not None and check_value(index[ans["code"]], value)[1]:
            refuse(plan.reader.path, f"{label}：条目 {ans['code']} 的答案无效：{check_value(index[ans['code']], value)[1]}",
                   "data")
    for att in a["attachments"]:
        if att["code"] not in index:
            refuse(plan.reader.path, f"{label}：照片所在条目 {att['code']} 不在标准 {checklist.ref} 中", "data")

    local = _first(ws.db.query("SELECT * FROM assessments WHERE id = ?", [aid]))
    if local is None:
        clash = ws.db.execute("SELECT id FROM assessments WHERE unit_id = ? AND checklist_id = ? AND year = ?",
                              [a["unit_id"], a["checklist_id"], a["year"]]).fetchone()
        if clash:
            plan.skipped.append(f"{label}：本工作区已有同一单位、同一标准、同一年度的另一个考评（{clash[0]}），"
                                "此考评整个未导入")
            return
        plan.changes.append(Change("assessments_added", label, _assessment_add(a, side, bundle_id), label,
                                   side=side))
        _bump(plan, "assessments_added")
        local_answers, local_atts = {}, {}
        local = None
        touched = True
    else:
        for key in ("unit_id", "checklist_id", "checklist_version", "year"):
            if local[key] != a[key]:
                plan.skipped.append(f"{label}：编号 {aid} 在本工作区对应的考评单位、标准或年度不同，此考评整个未导入")
                return
        local_answers = {r["code"]: r for r in ws.db.query(
            "SELECT * FROM answers WHERE assessment_id = ? AND role = ?", [aid, side])}
        local_atts = {r["id"]: r for r in ws.db.query("SELECT * FROM attachments WHERE assessment_id = ?", [aid])}
        touched = _plan_header(plan, a, local, side, label, bundle_id)

    # -- answers, item by item
    for ans in a["answers"]:
        mine = local_answers.get(ans["code"])
        where = f"{label} 条目 {ans['code']}（{SIDE_LABELS[side]}）"
        if mine is None:
            plan.changes.append(Change("answers", where, _answer_put(aid, side, ans, None, bundle_id), label,
                                       ans["code"], index[ans["code"]], side, None, _shown_answer(ans)))
            touched = True
            continue
        same = all(mine[k] == ans[k] for k in ("value", "note", "documents"))
        if same:
            continue
        if ans["rev"] > (mine["rev"] or 0):
            plan.changes.append(Change("answers", where, _answer_put(aid, side, ans, mine, bundle_id), label,
                                       ans["code"], index[ans["code"]], side, _shown_answer(mine),
                                       _shown_answer(ans)))
            touched = True
        elif ans["rev"] < (mine["rev"] or 0):
            plan.skipped.append(f"{where}：本工作区的答案较新（第 {mine['rev']} 版，交换包中为第 {ans['rev']} 版），未覆盖")
        else:
            plan.skipped.append(f"{where}：两边都改过（同为第 {ans['rev']} 版，内容不同），保留本工作区的答案")

    # -- photos of this side
    bundle_events = {}
    for ev in a["events"]:
        if ev["entity"] == "attachment":
            bundle_events[ev["entity_id"]] = ev["action"]
    stamp_newer = local is None or _side_stamp(a, side) > _side_stamp(local, side)
    last_here = {}
    for entity_id, action in ws.db.execute(
            "SELECT entity_id, action FROM events WHERE assessment_id = ? AND entity = 'attachment' ORDER BY seq",
            [aid]).fetchall():
        last_here[entity_id] = action
    for att in a["attachments"]:
        mine = local_atts.get(att["id"])
        where = f"{label} 条目 {att['code']} 的照片 {att['id'][:8]}"
        if mine is not None:
            if mine["role"] != side or mine["sha256"] != att["sha256"] or mine["code"] != att["code"]:
                plan.skipped.append(f"{where}：本工作区中同编号的照片内容不同，未覆盖")
            elif mine["caption"] != att["caption"]:
                if stamp_newer:
                    plan.changes.append(Change("captions", where, _caption_set(aid, att, mine, bundle_id), label,
                                               att["code"], index.get(att["code"]), side, {"caption": mine["caption"]},
                                               {"caption": att["caption"]}))
                    touched = True
                else:
                    plan.skipped.append(f"{where}：说明文字与本工作区不同，交换包不比本工作区新，未覆盖")
            continue
        elsewhere = ws.db.execute("SELECT assessment_id FROM attachments WHERE id = ?", [att["id"]]).fetchone()
        if elsewhere is not None:
            refuse(plan.reader.path, f"{label}：照片附件编号 {att['id']} 已被本工作区另一个考评（{elsewhere[0]}）的照片使用",
                   "data")
        if last_here.get(att["id"]) == "remove":
            plan.skipped.append(f"{where}：此照片已在本工作区删除，不再恢复")
            continue
        dup = ws.db.execute("SELECT id FROM attachments WHERE assessment_id = ? AND code = ? AND sha256 = ?",
                            [aid, att["code"], att["sha256"]]).fetchone()
        if dup:
            continue  # the same photo on the same item, added on both sides
        if not ws.db.execute("SELECT 1 FROM evidence WHERE sha256 = ?", [att["sha256"]]).fetchone():
            need_rows.add(att["sha256"])
        plan.changes.append(Change("photos_added", where, _attachment_add(aid, att, bundle_id), label, att["code"],
                                   index.get(att["code"]), side, None, {"caption": att["caption"]}))
        _bump(plan, "photos_added")
        touched = True
    present = {att["id"] for att in a["attachments"]}
    for att_id, mine in local_atts.items():
        if mine["role"] == side and att_id not in present and bundle_events.get(att_id) == "remove":
            plan.changes.append(Change("photos_removed", f"{label} 条目 {mine['code']} 的照片",
                                       _attachment_remove(aid, mine, bundle_id), label, mine["code"],
                                       index.get(mine["code"]), side, {"caption": mine["caption"]}))
            _bump(plan, "photos_removed")
            touched = True

    # -- corrective actions (submission)
    for act in a.get("actions", []):
        mine = _first(ws.db.query("SELECT * FROM actions WHERE id = ?", [act["id"]]))
        where = f"{label} 的整改任务“{act['description'][:20]}”"
        if mine is None:
            plan.changes.append(Change("actions_changed", where, _action_put(act, None, bundle_id), label,
                                       act["code"], index.get(act["code"] or ""), side, None, dict(act)))
            _bump(plan, "actions_changed")
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
            _bump(plan, "actions_changed")
            touched = True
        else:
            plan.skipped.append(f"{where}：本工作区的记录较新或同时被改过（{_fields(differs)}），未覆盖")

    # -- history (the sender's audit events for this assessment), kept as received
    if origin:
        have = {r[0] for r in ws.db.execute("SELECT seq FROM bundle_events WHERE origin = ? AND assessment_id = ?",
                                            [origin, aid]).fetchall()}
        new = [ev for ev in a["events"] if ev["seq"] not in have]
        clash = ws.db.execute("SELECT count(*) FROM bundle_events WHERE origin = ? AND assessment_id != ? AND seq IN "
                              f"({','.join('?' * len(new))})", [origin, aid] + [ev["seq"] for ev in new]
                              ).fetchone()[0] if new else 0
        if clash:
            plan.skipped.append(f"{label}：来源工作区的历史记录编号与已收到的记录冲突，历史记录未导入")
        elif new:
            plan.changes.append(Change("history", f"{label} 的历史记录", _events_add(origin, new, bundle_id), label,
                                       count=len(new)))
            _bump(plan, "history", len(new))

    if touched and local is not None:
        _bump(plan, f"{side}_updated")
        _check_key_conflict(plan, aid, side, label)


def _side_guardians(ws, aid: str, side: str) -> list[tuple[str, str | None, str]]:
    """The keys this side of the assessment came under: (fingerprint, workspace id,
    name) of every trusted key that signed a bundle of the side's kind which changed it
    here, plus this workspace's own key when the side was made or edited here."""
    kind = {"self": "submission", "review": "review"}[side]
    rows = ws.db.execute(
        "SELECT DISTINCT k.fingerprint, k.workspace_id, coalesce(k.label, k.workspace_name) FROM events e "
        "JOIN bundle_imports b ON b.bundle_id = (CASE WHEN json_valid(e.detail) THEN json_extract(e.detail, '$.bundle') END) "
        "JOIN bundle_keys k ON k.fingerprint = b.fingerprint "
        "WHERE e.assessment_id = ? AND b.kind = ? AND k.trusted = 1", [aid, kind]).fetchall()
    out = [(r[0], r[1], r[2]) for r in rows]
    here = ("(e.entity = 'answer' AND e.entity_id LIKE ? AND e.action = 'set')"
            + (" OR (e.entity = 'assessment' AND e.action IN ('new', 'generate'))" if side == "self" else ""))
    if ws.db.execute(f"SELECT 1 FROM events e WHERE e.assessment_id = ? AND ({here}) LIMIT 1",
                     [aid, f"%/{side}"]).fetchone():
        own = signing.own_fingerprint(ws)
        out.append((own or "本工作区", signing.workspace_id(ws), "本工作区"))
    return out


def _check_key_conflict(plan: ImportPlan, aid: str, side: str, label: str) -> None:
    """A workspace id is a claim; the key is the identity. Once this side of the assessment
    has come under a trusted key (or was made here), a bundle signed by any other key may
    change it only when that key is trusted too and was seen for the same workspace (a
    key change a person has confirmed by trusting the new key); else it is a conflict."""
    if plan.trust == "own":
        return
    s = plan.signer
    guardians = _side_guardians(plan.ws, aid, side)
    if not guardians or any(fp == s.fingerprint for fp, _w, _n in guardians):
        return
    if plan.trust == "trusted":
        row = signing.known_key(plan.ws, s.fingerprint)
        if row and row["workspace_id"] and any(w == row["workspace_id"] for _fp, w, _n in guardians):
            plan.notices.append(f"注意：{label}的{SIDE_LABELS[side]}此前来自密钥 "
                                f"{'、'.join(_fp_text(fp, signing.short) for fp, _w, _n in guardians)}，此包由同一工作区已信任的"
                                f"新密钥 {s.short} 签名（更换过密钥）")
            return
    plan.conflicts.append({"label": label, "side": side, "previous": [(fp, n) for fp, _w, n in guardians],
                           "signer": s.fingerprint})
    plan.notices.extend(plan.conflict_lines()[-1:])


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
    b, l = _side_stamp(a, side), _side_stamp(local, side)
    if b > l:
        changes = dict(differs)
        if REV_COL[side] in changes and changes[REV_COL[side]] < (local[REV_COL[side]] or 0):
            changes.pop(REV_COL[side])
        if status is not None:
            changes["status"] = status
        plan.changes.append(Change("header", label, _header_set(a["id"], local, changes, side, bundle_id), label,
                                   side=side, old={k: local[k] for k in changes}, new=dict(changes)))
        return True
    what = "考评结论、签字与状态" if side == "review" else "自评信息与状态"
    named = list(differs) + (["status"] if status else [])
    if b < l:
        plan.skipped.append(f"{label} 的{what}：本工作区较新，未覆盖（{_fields(named)}）")
    else:
        plan.skipped.append(f"{label} 的{what}：与本工作区同一版本但内容不同，保留本工作区的（{_fields(named)}）")
    return False


def _assessment_add(a: dict, side: str, bundle_id: str):
    def run(ws):
        row = _pick(a, ASSESSMENT_CORE) | _pick(a, SIDE_FIELDS[side])
        if side == "self" and row["status"] not in SIDE_STATUSES["self"]:
            row["status"] = "submitted"
        row.setdefault("self_rev", 0)
        row.setdefault("review_rev", 0)
        ws.db["assessments"].insert(row)
        ws.record("assessment", a["id"], "import", {"checklist": f"{a['checklist_id']}@{a['checklist_version']}",
                                                    "year": a["year"], "status": row["status"], "bundle": bundle_id},
                  assessment_id=a["id"])
    return run


def _header_set(aid: str, local: dict, changes: dict, side: str, bundle_id: str):
    def run(ws):
        ws.db["assessments"].update(aid, changes | {"updated_at": now()})
        ws.record("assessment", aid, "import", {k: {"old": local.get(k), "new": v} for k, v in changes.items()}
                  | {"bundle": bundle_id}, assessment_id=aid)
    return run


def _answer_put(aid: str, side: str, ans: dict, old: dict | None, bundle_id: str):
    def run(ws):
        row = {"assessment_id": aid} | _pick(ans, ANSWER_COLS)
        ws.db["answers"].upsert(row, pk=("assessment_id", "code", "role"))
        ws.record("answer", f"{ans['code']}/{side}", "import", {
            "old": _pick(old, ("value", "note", "documents", "rev")) if old else None,
            "new": _pick(ans, ("value", "note", "documents", "rev")), "bundle": bundle_id}, assessment_id=aid)
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


def _action_put(act: dict, old: dict | None, bundle_id: str):
    def run(ws):
        ws.db["actions"].upsert(_pick(act, ACTION_COLS), pk="id")
        detail = ({k: act[k] for k in ("code", "description", "owner", "due_date", "status")} if old is None else
                  {k: {"old": old[k], "new": act[k]} for k in ACTION_COMPARE if old[k] != act[k]})
        ws.record("action", act["id"], "import", detail | {"bundle": bundle_id}, assessment_id=act["assessment_id"])
    return run


def _events_add(origin: str, events: list, bundle_id: str):
    def run(ws):
        ws.db["bundle_events"].insert_all(
            [{"origin": origin, "bundle_id": bundle_id} | _pick(ev, EVENT_COLS) for ev in events])
    return run


# ====================================================================== trust from a bundle


def trust_signer(ws, path, fingerprint: str, label: str | None = None) -> dict:
    """Trust the key that signed the bundle at `path`, after checking its signature and that
    its fingerprint starts with `fingerprint` (what the other side read out). For a key
    not yet seen on an imported bundle, e.g. before `--require-trusted` imports."""
    prefix = signing.normalize(fingerprint)
    if not re.fullmatch(r"[0-9A-F]{8,64}", prefix):
        raise StorageError(f"指纹 {fingerprint!r} 无效：请输入至少 8 位十六进制数字，如 3F2A-9C1B")
    with open_bundle(path) as reader:
        s = reader.signer
    if not s.fingerprint.startswith(prefix):
        raise StorageError(f"{Path(path).name} 的签名密钥是 {signing.pretty(s.fingerprint, 4)}，"
                           f"与所给指纹 {signing.pretty(prefix)} 不符；未作任何改动")
    with ws.transaction():
        signing.remember_key(ws, s.public_key, s.workspace_id, s.workspace_name)
        return signing.trust_key(ws, s.fingerprint, label=label)


# ====================================================================== views for the app


def received_bundles(ws) -> list[dict]:
    """Bundles imported into this workspace, newest first."""
    rows = list(ws.db.query("SELECT * FROM bundle_imports ORDER BY imported_at DESC, rowid DESC"))
    for r in rows:
        r["summary"] = json.loads(r["summary"] or "{}")
        r["short"] = signing.short(r["fingerprint"] or "")
    return rows


def review_progress(ws, year: int | None = None) -> list[dict]:
    """For the inspector: every assessment held, with how many items have a self and a
    review answer, photos per side, status and who sent it."""
    out = []
    sql = ("SELECT a.*, u.name AS unit_name FROM assessments a JOIN units u ON u.id = a.unit_id"
           + (" WHERE a.year = ?" if year is not None else "") + " ORDER BY a.year DESC, u.name")
    for a in ws.db.query(sql, [year] if year is not None else []):
        try:
            items = sum(1 for _ in checklist_store.load(ws, a["checklist_id"], a["checklist_version"]).items())
        except (StorageError, ChecklistError):
            items = None
        counts = dict(ws.db.execute("SELECT role, count(*) FROM answers WHERE assessment_id = ? AND value IS NOT NULL "
                                    "AND value != 'null' GROUP BY role", [a["id"]]).fetchall())
        photos = dict(ws.db.execute("SELECT role, count(*) FROM attachments WHERE assessment_id = ? GROUP BY role",
                                    [a["id"]]).fetchall())
        out.append({"id": a["id"], "unit_name": a["unit_name"], "year": a["year"], "status": a["status"],
                    "checklist": f"{a['checklist_id']}@{a['checklist_version']}", "items": items,
                    "self_answered": counts.get("self", 0), "review_answered": counts.get("review", 0),
                    "self_photos": photos.get("self", 0), "review_photos": photos.get("review", 0),
                    "reviewer": a["reviewer"], "signed_by": a["signed_by"], "signed_at": a["signed_at"]})
    return out


def workspace_dump(ws) -> dict:
    """Every row of every table and the list of files in the workspace folder (except the
    database's own files, the lock, backups, and two caches: the criteria parse results
    kept by checklist_store and the score cache of storage/scores): for comparing before
    and after."""
    tables = [r[0] for r in ws.db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'score_cache' ORDER BY name").fetchall()]
    dump = {t: [tuple(r) for r in ws.db.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall()] for t in tables}
    skip = {"dabiao.sqlite", "dabiao.sqlite-wal", "dabiao.sqlite-shm", "dabiao.lock"}
    files = []
    for p in sorted(ws.folder.rglob("*")):
        rel = p.relative_to(ws.folder).as_posix()
        if rel in skip or rel.startswith(("backups/", "derived/criteria")):
            continue
        files.append((rel, p.is_dir(), p.stat().st_size if p.is_file() else None))
    dump["_files"] = files
    return dump
