"""Backups with SQLite's online backup API: on open at most once a day, keep the last N;
listed and restored from the app (文件 → 备份与恢复) and the command line (`db backups`,
`db restore BACKUP`).

A restore never loses the current state: it is backed up first (`…-before-restore`),
then the chosen backup is copied in and the restore is written to the audit log of the
restored database. Evidence files are never deleted, so every photo a backup refers to
is still there.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .backup_health import backup_to_spare
from .errors import StorageError

if TYPE_CHECKING:
    from .workspace import Workspace

KEEP = 10
BEFORE_RESTORE = "before-restore"
MANUAL = "manual"
KIND_LABELS = {"auto": "自动备份", MANUAL: "手动备份", BEFORE_RESTORE: "恢复前的数据", "damaged": "恢复前的数据（已损坏）"}
_NAME = re.compile(r"^dabiao-(\d{8})-(\d{6})(?:-(\d+))?(?:-([a-z-]+?))?(?:-(\d+))?\.sqlite$")


@dataclass
class Backup:
    path: Path
    made_at: datetime
    size: int
    kind: str  # auto / manual / before-restore

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def backups(ws: Workspace | Path) -> list[Path]:
    """Existing backups, oldest first."""
    return sorted(_folder(ws).glob("dabiao-*.sqlite"), key=_sort_key)


def _folder(ws_or_folder: Workspace | Path) -> Path:
    folder = ws_or_folder.folder if hasattr(ws_or_folder, "folder") else Path(ws_or_folder)
    return folder / "backups"


def _sort_key(path: Path):
    """By the time in the name, then (several in one second) by when the file was written."""
    m = _NAME.match(path.name)
    try:
        written = path.stat().st_mtime_ns
    except OSError:
        written = 0
    return (m.group(1) + m.group(2) if m else "", written, path.name)


def describe(path: Path) -> Backup:
    m = _NAME.match(path.name)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    made = None
    if m:
        try:
            made = datetime.strptime(m.group(1) + m.group(2), "%Y%m%d%H%M%S")
        except ValueError:
            made = None
    if made is None:
        made = datetime.fromtimestamp(stat.st_mtime) if stat else datetime.min
    kind = (m.group(4) if m else None) or "auto"
    return Backup(path, made, stat.st_size if stat else 0, kind)


def list_backups(ws_or_folder: Workspace | Path) -> list[Backup]:
    """Every backup with its date, size and kind, newest first (as `db backups` numbers them)."""
    return [describe(p) for p in reversed(backups(ws_or_folder))]


def make_backup(ws: Workspace, kind: str = "auto") -> Path:
    """A consistent copy of the database, even while it is in use."""
    return _copy_out(ws.db.conn, ws.folder, kind)


def _copy_out(conn: sqlite3.Connection, folder: Path, kind: str = "auto") -> Path:
    suffix = "" if kind == "auto" else f"-{kind}"
    stamp = f"dabiao-{datetime.now():%Y%m%d-%H%M%S}"
    target = _folder(folder) / f"{stamp}{suffix}.sqlite"
    n = 1
    while target.exists():
        target = target.with_name(f"{stamp}-{n}{suffix}.sqlite")
        n += 1
    tmp = target.with_suffix(".tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        dest = sqlite3.connect(str(tmp))
        with dest:
            conn.backup(dest)
        dest.close()
        tmp.replace(target)
    except (OSError, sqlite3.Error) as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # a read-only place: nothing was written either
            pass
        raise StorageError(f"备份失败（{target}）：{exc}") from None
    existing = backups(folder)
    if len(existing) > KEEP:
        # Never drop the last backup that passed integrity_check with data in it: a run of
        # backups of an emptied or damaged database must not push it out.
        spare = backup_to_spare(existing, KEEP)
        for old in existing[:-KEEP]:
            if old != spare:
                old.unlink(missing_ok=True)
    return target


def daily_backup(ws: Workspace) -> Path | None:
    """Back up when the newest backup is older than a day and the database holds data."""
    existing = backups(ws)
    if existing:
        age = datetime.now() - datetime.fromtimestamp(existing[-1].stat().st_mtime)
        if age < timedelta(days=1):
            return None
    if not ws.db.table_exists("units") or not ws.db.execute("SELECT 1 FROM checklists LIMIT 1").fetchone():
        return None
    try:
        return make_backup(ws)
    except StorageError:
        return None  # a failed automatic backup must not stop the user working


# ---------------------------------------------------------------- restore


def find_backup(ws_or_folder: Workspace | Path, ref) -> Path:
    """A backup chosen by its number in `db backups` (1 = newest), its file name in
    backups/, or a path."""
    text = str(ref).strip()
    listed = list_backups(ws_or_folder)
    if text.isdigit() and len(text) < 6:
        n = int(text)
        if not 1 <= n <= len(listed):
            raise StorageError(f"没有第 {n} 个备份（共 {len(listed)} 个，用 db backups 查看）")
        return listed[n - 1].path
    for b in listed:
        if b.name == text or b.path.stem == text:
            return b.path
    path = Path(text).expanduser()
    if path.is_file():
        return path
    raise StorageError(f"找不到备份 {text}（用 db backups 查看可恢复的备份）")


def check_backup(path: Path) -> None:
    """Refuse a file that is not a sound Dabiao database this version can open."""
    from . import schema
    from .db import Database

    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve().as_posix()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise StorageError(f"无法打开备份 {Path(path).name}：{exc}") from None
    try:
        db = Database(conn)
        ok = conn.execute("PRAGMA quick_check").fetchone()
        if not ok or ok[0] != "ok":
            raise StorageError(f"备份 {Path(path).name} 已损坏（{ok[0] if ok else '无法检查'}），不能用于恢复")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "units", "assessments", "answers", "events"} <= tables:
            raise StorageError(f"{Path(path).name} 不是达标工作区的数据库备份")
        unknown = set(schema.applied_names(db)) - schema.known_names()
        if unknown:
            raise StorageError(f"备份 {Path(path).name} 由更新版本的达标程序创建，请升级程序后再恢复")
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"备份 {Path(path).name} 不是有效的数据库：{exc}") from None
    finally:
        conn.close()


@dataclass
class Restored:
    restored: Path  # the backup put in place
    saved: Path | None  # where the state before the restore was kept


def restore(ws: Workspace, ref) -> Restored:
    """Restore the open workspace `ws` from a backup, in place: the current state is
    backed up first, then the backup is copied into the live database with SQLite's
    backup API (other connections see the new content), the schema is brought up to
    date, and the restore is logged. Nothing else may be writing (the app checks)."""
    if ws.readonly:
        raise StorageError(f"工作区 {ws.folder} 以只读方式打开，不能恢复备份")
    path = find_backup(ws, ref)
    check_backup(path)
    saved = make_backup(ws, BEFORE_RESTORE)
    src = sqlite3.connect(f"file:{path.resolve().as_posix()}?mode=ro", uri=True)
    try:
        with ws._mutex:
            src.backup(ws.db.conn)
    except sqlite3.Error as exc:
        raise StorageError(f"恢复失败（{path.name}）：{exc}；当前数据已另存为 {saved.name}") from None
    finally:
        src.close()
    ws._upgrade()
    _log(ws, path, saved)
    return Restored(path, saved)


def _log(ws: Workspace, path: Path, saved: Path | None) -> None:
    made = describe(path).made_at
    with ws.transaction():
        ws.record("workspace", "", "restore", {"backup": path.name, "made_at": made.isoformat(timespec="seconds"),
                                               "saved_current_as": saved.name if saved else None})
