"""The append-only audit log, hash-chained so an edited or deleted event is detectable.

Each event's hash covers its content and the previous event's hash; the head (last seq
and hash) is kept in `meta` in the same transaction, so removing the newest events is
caught too.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .db import Database
    from .models import EventRow, StoredEventRow

GENESIS = "0" * 64
FIELDS = ("seq", "at", "who", "entity", "entity_id", "assessment_id", "action", "detail")


def event_hash(prev_hash: str, row: dict) -> str:
    body = json.dumps([prev_hash] + [row.get(f) for f in FIELDS], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _head(db: Database) -> tuple[int, str]:
    row = db.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if not row:
        return 0, GENESIS
    seq, digest = row[0].split(":", 1)
    return int(seq), digest


def append(db: Database, *, at, who, entity, entity_id, action, detail, assessment_id=None) -> StoredEventRow:
    """Add one event after the current head (inside the caller's transaction)."""
    seq, prev = _head(db)
    row = {"seq": seq + 1, "at": at, "who": who, "entity": entity, "entity_id": entity_id,
           "assessment_id": assessment_id, "action": action,
           "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)}
    row["prev_hash"] = prev
    row["hash"] = event_hash(prev, row)
    # Plain SQL: sqlite-utils' insert/upsert look the table up on every call, which made
    # the audit trail the biggest part of applying a bundle of many photos.
    db.execute(_INSERT_EVENT, [row[c] for c in _EVENT_COLUMNS])
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?)",
               [f"{row['seq']}:{row['hash']}"])
    return row


_EVENT_COLUMNS = FIELDS + ("prev_hash", "hash")
_INSERT_EVENT = f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({', '.join('?' * len(_EVENT_COLUMNS))})"


def verify(db: Database) -> list[str]:
    """Problems with the chain, each naming the event (empty when intact)."""
    problems = []
    prev, expected_seq = GENESIS, 1
    for row in db.query("SELECT * FROM events ORDER BY seq"):
        if row["seq"] != expected_seq:
            problems.append(f"审计日志缺少第 {expected_seq} 至 {row['seq'] - 1} 条记录（被删除）")
        if row["prev_hash"] != prev:
            problems.append(f"审计日志第 {row['seq']} 条与前一条不衔接（记录被删除或改动）")
        if event_hash(row["prev_hash"], row) != row["hash"]:
            problems.append(f"审计日志第 {row['seq']} 条内容被改动（哈希不符）")
        prev, expected_seq = row["hash"], row["seq"] + 1
    head_seq, head_hash = _head(db)
    if head_seq != expected_seq - 1 or (head_seq and head_hash != prev):
        problems.append(f"审计日志末尾记录缺失：应有 {head_seq} 条，实有 {expected_seq - 1} 条")
    return problems


def events_for(db: Database, assessment_id: str) -> list[EventRow]:
    rows = list(db.query("SELECT * FROM events WHERE assessment_id = ? ORDER BY seq", [assessment_id]))
    for r in rows:
        try:
            r["detail"] = json.loads(r["detail"] or "{}")
        except (ValueError, RecursionError):  # a damaged byte: name it, keep the others readable
            r["detail"] = {"damaged": f"第 {r['seq']} 条记录的内容已损坏（db check 会列出）"}
    return rows
