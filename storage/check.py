"""`db check`: integrity of the database, every evidence file against its hash (but those
whose bytes did not travel, `evidence.absent`: counted by absent_photos()), every
attachment pointing at a stored photo, the audit chain, and whether the database has
lost saved changes that its newest backup still has (a `-wal` file deleted after a crash)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from . import audit
from .evidence import original_path

if TYPE_CHECKING:
    from .workspace import Workspace


def file_sha256(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check_workspace(ws: Workspace) -> list[str]:
    """Every problem found, one line each, naming the record or file; empty when healthy."""
    problems = []
    for (result,) in ws.db.execute("PRAGMA integrity_check").fetchall():
        if result != "ok":
            problems.append(f"数据库完整性：{result}")
    for row in ws.db.execute("PRAGMA foreign_key_check").fetchall():
        problems.append(f"数据库引用错误：表 {row[0]} 第 {row[1]} 行引用了不存在的 {row[2]}")
    for row in ws.db.query("SELECT sha256, ext, original_name FROM evidence WHERE absent = 0"):
        path = original_path(ws, row["sha256"], row["ext"])
        if not path.exists():
            problems.append(f"照片文件缺失：{path}（原名 {row['original_name']}）")
            continue
        try:
            same = file_sha256(path) == row["sha256"]
        except OSError as exc:
            problems.append(f"照片文件无法读取：{path}（原名 {row['original_name']}，{exc.strerror or exc}）")
            continue
        if not same:
            problems.append(f"照片文件已损坏或被改动：{path}（原名 {row['original_name']}，哈希不符）")
    for row in ws.db.query("SELECT t.id, t.code, t.sha256 FROM attachments t LEFT JOIN evidence e "
                           "ON e.sha256 = t.sha256 WHERE e.sha256 IS NULL"):
        problems.append(f"照片附件 {row['id']}（条目 {row['code']}）指向不存在的照片 {row['sha256']}")
    for row in ws.db.query("SELECT id, version, source_text, sha256 FROM checklists"):
        if hashlib.sha256(row["source_text"].encode("utf-8")).hexdigest() != row["sha256"]:
            problems.append(f"标准 {row['id']}@{row['version']} 的原文被改动（哈希不符）")
    problems.extend(damaged_answers(ws))
    problems.extend(damaged_tags(ws))
    problems.extend(audit.verify(ws.db))
    problems.extend(compare_with_backup(ws))
    return problems


def absent_photos(ws: Workspace) -> int:
    """How many photos the workspace knows only by their record (a year bundle sent
    without photos): not a problem, said in the check's summary."""
    return ws.db.execute("SELECT count(*) FROM evidence WHERE absent = 1").fetchone()[0]


def damaged_answers(ws: Workspace) -> list[str]:
    """Stored answers whose value cannot be read (damaged, or a number out of range that
    an older version stored), one line each naming the assessment, item and role. Each
    distinct value text is decoded once (the same few recur in every assessment)."""
    from .answer_store import damaged_text, decode_value

    bad: dict = {}
    out = []
    for aid, code, role, value in ws.db.execute("SELECT assessment_id, code, role, value FROM answers "
                                                "ORDER BY assessment_id, role, code"):
        if value not in bad:
            try:
                decode_value(value)
                bad[value] = None
            except ValueError as exc:
                bad[value] = str(exc)
        if bad[value] is not None:
            out.append(damaged_text(ws, aid, code, role, bad[value]) + "；重新填写该条目即可修复")
    return out


def damaged_tags(ws: Workspace) -> list[str]:
    """Units whose tags (criteria format 2) cannot be read: their assessments cannot be
    scored until the tags are set again (`unit tag`)."""
    from .units import decode_tags, has_tags_column

    if not has_tags_column(ws):
        return []
    out = []
    for name, text in ws.db.execute("SELECT name, tags FROM units WHERE tags IS NOT NULL ORDER BY name"):
        try:
            decode_tags(text)
        except ValueError as exc:
            out.append(f"单位“{name}”的标签已损坏（{exc}）；用 unit tag 重新设置即可修复")
    return out


def _head(conn) -> tuple[int, str] | None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'audit_head'").fetchone()
    if not row or ":" not in (row[0] or ""):
        return None
    seq, digest = row[0].split(":", 1)
    return int(seq), digest


def compare_with_backup(ws: Workspace) -> list[str]:
    """Saved changes the database has lost, judged against its newest good backup: the
    backup's audit log is longer than the database's, or the two differ at an event both
    have. That is what deleting a `-wal` file after a crash does (the database itself
    stays consistent, so SQLite's own checks see nothing). Backups older than the last
    restore are not compared (a restore goes back on purpose)."""
    import sqlite3

    from .backup_health import newest_good_backup

    good = newest_good_backup(ws.folder)
    if good is None:
        return []
    mine = _head(ws.db.conn)
    if mine is None:
        return []
    restored = ws.db.execute("SELECT max(at) FROM events WHERE entity = 'workspace' AND action = 'restore'").fetchone()[0]
    try:
        conn = sqlite3.connect(f"file:{good.resolve().as_posix()}?mode=ro&immutable=1", uri=True)
        try:
            theirs = _head(conn)
            if theirs is None:
                return []
            if restored:
                made = conn.execute("SELECT max(at) FROM events").fetchone()[0] or ""
                if made <= restored:
                    return []
            common = min(mine[0], theirs[0])
            if common == 0:
                return []
            a = ws.db.execute("SELECT hash FROM events WHERE seq = ?", [common]).fetchone()
            b = conn.execute("SELECT hash FROM events WHERE seq = ?", [common]).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    hint = "可能在程序异常退出后删除了 dabiao.sqlite-wal 文件，最近保存的修改已丢失；可用 db restore 从该备份恢复"
    if a and b and a[0] != b[0]:
        return [f"数据库与备份 {good.name} 的审计日志在第 {common} 条处不一致：{hint}"]
    if theirs[0] > mine[0]:
        return [f"数据库比备份 {good.name} 还旧：备份中有 {theirs[0]} 条审计记录，数据库只有 {mine[0]} 条；{hint}"]
    return []
