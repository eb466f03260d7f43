"""`db check`: integrity of the database, every evidence file against its hash, every
attachment pointing at a stored photo, and the audit chain."""

from __future__ import annotations

import hashlib

from . import audit
from .evidence import original_path


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_workspace(ws) -> list[str]:
    """Every problem found, one line each, naming the record or file; empty when healthy."""
    problems = []
    for (result,) in ws.db.execute("PRAGMA integrity_check").fetchall():
        if result != "ok":
            problems.append(f"数据库完整性：{result}")
    for row in ws.db.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"数据库引用错误：表 {row[0]} 第 {row[1]} 行引用了不存在的 {row[2]}")
    for row in ws.db.query("SELECT sha256, ext, original_name FROM evidence"):
        path = original_path(ws, row["sha256"], row["ext"])
        if not path.exists():
            problems.append(f"照片文件缺失：{path}（原名 {row['original_name']}）")
        elif file_sha256(path) != row["sha256"]:
            problems.append(f"照片文件已损坏或被改动：{path}（原名 {row['original_name']}，哈希不符）")
    for row in ws.db.query("SELECT t.id, t.code, t.sha256 FROM attachments t LEFT JOIN evidence e "
                           "ON e.sha256 = t.sha256 WHERE e.sha256 IS NULL"):
        problems.append(f"照片附件 {row['id']}（条目 {row['code']}）指向不存在的照片 {row['sha256']}")
    for row in ws.db.query("SELECT id, version, source_text, sha256 FROM checklists"):
        if hashlib.sha256(row["source_text"].encode("utf-8")).hexdigest() != row["sha256"]:
            problems.append(f"标准 {row['id']}@{row['version']} 的原文被改动（哈希不符）")
    problems.extend(audit.verify(ws.db))
    return problems
