"""Writing a bundle: `export_bundle()` collects the records of one kind and writes the
signed zip.

- `criteria`: the checklists asked for (each with the bases it extends) and every unit;
- `submission` / `review`: the assessments asked for, with their side only (see
  records.SIDE_FIELDS), the checklists and units they need, their photos and their
  audit events (checked against their hashes first: a damaged log is not sent on);
- `year` (a county to its 军分区): every assessment of one year of the county's units,
  with all three sides, actions (and the earlier ones they were carried from), the
  county's unit tree, and the photos, or only their records (`photos=False`).

Photos are streamed from the evidence store into the zip in 1 MB chunks (stored, not
recompressed), hashed as they go; a photo that no longer matches its hash stops the
export. The zip is written under a temporary name, flushed and renamed at the end, so a
full disk never leaves half a bundle. The manifest lists every member's hash and size and
is signed with the workspace's key (signing.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import audit, checklist_store
from ..errors import StorageError, write_failed
from ..evidence import original_path
from ..timefmt import stamp_with_offset
from . import signing
from .chains import checklist_chain, unit_chain
from .bundle_format import DATA, FORMAT, KIND_LABELS, KINDS, MANIFEST, SIGNATURE, checklist_member, evidence_member
from .records import (ACTION_COLS, ANSWER_COLS, ASSESSMENT_CORE, ATTACHMENT_COLS, EVENT_COLS,
                      EVIDENCE_COLS, SIDE_FIELDS, SIDE_LABELS, SIDE_OF_KIND, pick)


def app_version() -> str:
    """The app's version (appversion.py: pyproject.toml, or the one baked into a built app)."""
    from appversion import version

    return version()


@dataclass
class ExportResult:
    """What export_bundle() wrote; lines() says it for the user (the command line, the app)."""

    path: Path
    kind: str
    bundle_id: str
    fingerprint: str
    workspace_name: str
    counts: dict
    warnings: list[str] = field(default_factory=list)
    photos: bool = True

    def lines(self) -> list[str]:
        c = self.counts
        parts = [f"{c.get('assessments', 0)} 个考评" if self.kind != "criteria" else None,
                 f"{c.get('checklists', 0)} 个标准版本", f"{c.get('units', 0)} 个单位",
                 f"{c.get('answers', 0)} 条{SIDE_LABELS.get(SIDE_OF_KIND.get(self.kind), '')}答案"
                 if self.kind != "criteria" else None,
                 f"{c.get('photos', 0)} 张照片" if self.kind != "criteria" else None,
                 f"{c.get('actions', 0)} 项整改" if self.kind in ("submission", "year") else None]
        if self.kind == "year" and not self.photos:
            parts.append("照片文件未随包（只含照片的记录与说明）")
        return ([f"已导出{KIND_LABELS[self.kind]}交换包：{self.path}",
                 "内容：" + "、".join(p for p in parts if p),
                 f"签名：{self.workspace_name} 工作区，密钥 {signing.short(self.fingerprint)}"
                 f"（完整指纹 {signing.pretty(self.fingerprint)}）"] + self.warnings)


def export_bundle(ws, kind: str, refs=(), out=None, *, progress=None, year: int | None = None,
                  county: str | None = None, photos: bool = True) -> ExportResult:
    """Write a bundle of `kind` to `out`. refs: assessment ids (submission / review; none =
    every assessment), or checklist refs ID[@VERSION] (criteria; none = every checklist).
    year: `year` and `county` (name or id; None when the workspace has one county), and
    photos=False to leave the photo files out (their records travel, marked absent).
    progress(done, total) is called after each photo."""
    if kind not in KINDS:
        raise StorageError(f"交换包类型必须是 {'、'.join(KINDS)} 之一，现在是 {kind!r}")
    if not out:
        raise StorageError("请用 --out 指定交换包文件")
    out = Path(out)
    if out.suffix.lower() != ".dabiao":
        out = out.with_name(out.name + ".dabiao")
    me = signing.identity(ws)
    if kind == "year":
        from .export_year import collect_year

        if year is None:
            raise StorageError("县年度数据包需要用 --year 指定年度")
        data, warnings = collect_year(ws, year, county, photos)
    elif kind == "criteria":
        data, warnings = _collect_criteria(ws, refs)
    else:
        data, warnings = _collect_side(ws, kind, refs)
    bundle_id = str(uuid.uuid4())
    created = stamp_with_offset()  # read on other computers, maybe in other time zones
    counts = {"checklists": len(data["checklists"]), "units": len(data["units"]),
              "assessments": len(data["assessments"]),
              "answers": sum(len(a["answers"]) for a in data["assessments"]),
              "photos": sum(len(a["attachments"]) for a in data["assessments"]),
              "files": len(data["evidence"]), "actions": sum(len(a.get("actions", [])) for a in data["assessments"]),
              "events": sum(len(a["events"]) for a in data["assessments"])}
    if kind == "year":
        counts["absent"] = sum(1 for e in data["evidence"] if e.get("absent"))
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
                members.append(write_bytes(zf, checklist_member(c["sha256"]), raw, zipfile.ZIP_DEFLATED))
            total = len(data["evidence"])
            for i, ev in enumerate(data["evidence"]):
                if not ev.get("absent"):
                    members.append(_write_photo(ws, zf, ev))
                if progress:
                    progress(i + 1, total)
            raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            members.append(write_bytes(zf, DATA, raw, zipfile.ZIP_DEFLATED))
            manifest = {
                "format": FORMAT, "kind": kind, "bundle_id": bundle_id, "created_at": created,
                "app": {"name": "dabiao", "version": app_version()},
                "workspace": {"id": me.workspace_id, "name": me.name},
                "signer": {"algorithm": "ed25519", "public_key": me.public_key_b64,
                           "fingerprint": signing.pretty(me.fingerprint)},
                "counts": counts,
                "members": sorted(members, key=lambda m: m["path"]),
            }
            if kind == "year":
                manifest["photos"] = photos  # whether the photo files travel (else only their records)
            raw_manifest = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            write_bytes(zf, MANIFEST, raw_manifest, zipfile.ZIP_DEFLATED)
            write_bytes(zf, SIGNATURE, base64.b64encode(me.sign(raw_manifest)) + b"\n", zipfile.ZIP_STORED)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failed(exc, out, f"磁盘已满，交换包 {out} 未能写完；已删除未完成的文件") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(out, kind, bundle_id, me.fingerprint, me.name, counts, warnings, photos)


def _zipinfo(name: str, compress: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=datetime.now().timetuple()[:6])
    info.compress_type = compress
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def write_bytes(zf, name: str, raw: bytes, compress: int) -> dict:
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


def _collect_criteria(ws, refs) -> tuple[dict, list[str]]:
    checklists: dict = {}
    if refs:
        for ref in refs:
            set_id, version = checklist_store.parse_ref(ref)
            version = version or checklist_store.latest_version(ws, set_id)
            if not version or not checklist_store.get_row(ws, set_id, version):
                raise StorageError(f"工作区中没有标准 {ref}")
            checklist_chain(ws, set_id, version, checklists)
    else:
        for row in ws.db.query("SELECT id, version FROM checklists ORDER BY imported_at, rowid"):
            checklist_chain(ws, row["id"], row["version"], checklists)
    units: dict = {}
    for row in ws.db.query("SELECT id FROM units ORDER BY created_at, rowid"):
        unit_chain(ws, row["id"], units)
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
        checklist_chain(ws, a["checklist_id"], a["checklist_version"], checklists)
        unit_chain(ws, a["unit_id"], units)
        item = pick(a, ASSESSMENT_CORE) | pick(a, SIDE_FIELDS[side])
        item["answers"] = [pick(r, ANSWER_COLS) for r in ws.db.query(
            "SELECT * FROM answers WHERE assessment_id = ? AND role = ? ORDER BY code", [aid, side])]
        item["attachments"] = [pick(r, ATTACHMENT_COLS) for r in ws.db.query(
            "SELECT * FROM attachments WHERE assessment_id = ? AND role = ? ORDER BY added_at, rowid", [aid, side])]
        for att in item["attachments"]:
            if att["sha256"] not in evidence:
                ev = list(ws.db.query("SELECT * FROM evidence WHERE sha256 = ?", [att["sha256"]]))
                if not ev:
                    raise StorageError(f"照片附件 {att['id']} 指向不存在的照片；请运行 db check")
                evidence[att["sha256"]] = pick(ev[0], EVIDENCE_COLS)
                if ev[0].get("absent"):  # only its record is here (a year bundle without photos)
                    evidence[att["sha256"]]["absent"] = True
        if kind == "submission":
            item["actions"] = [pick(r, ACTION_COLS) for r in ws.db.query(
                "SELECT * FROM actions WHERE assessment_id = ? ORDER BY created_at, rowid", [aid])]
        item["events"] = [pick(r, EVENT_COLS) for r in ws.db.query(
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
