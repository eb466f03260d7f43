"""Backups with SQLite's online backup API: on open at most once a day, keep the last N.

Restore: close Dabiao, copy `backups/dabiao-YYYYMMDD-HHMMSS.sqlite` over `dabiao.sqlite`
(see docs/workspace.md) — or `restore_backup()`.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from .errors import StorageError

KEEP = 10


def backups(ws) -> list[Path]:
    """Existing backups, oldest first."""
    return sorted((ws.folder / "backups").glob("dabiao-*.sqlite"))


def make_backup(ws) -> Path:
    """A consistent copy of the database, even while it is in use."""
    target = ws.folder / "backups" / f"dabiao-{datetime.now():%Y%m%d-%H%M%S}.sqlite"
    n = 1
    while target.exists():
        target = target.with_name(f"{target.stem.split('.')[0]}-{n}.sqlite")
        n += 1
    tmp = target.with_suffix(".tmp")
    try:
        dest = sqlite3.connect(str(tmp))
        with dest:
            ws.db.conn.backup(dest)
        dest.close()
        tmp.replace(target)
    except (OSError, sqlite3.Error) as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # a read-only place: nothing was written either
            pass
        raise StorageError(f"备份失败（{target}）：{exc}") from None
    existing = backups(ws)
    if len(existing) > KEEP:
        # Never drop the last backup that passed integrity_check with data in it: a run of
        # backups of an emptied or damaged database must not push it out.
        from .workspace import backup_to_spare

        spare = backup_to_spare(existing, KEEP)
        for old in existing[:-KEEP]:
            if old != spare:
                old.unlink(missing_ok=True)
    return target


def daily_backup(ws) -> Path | None:
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


def restore_backup(folder: Path, backup: Path) -> None:
    """Replace the workspace database with a backup (the workspace must be closed)."""
    from .lock import WorkspaceLock

    lock = WorkspaceLock(folder)
    lock.acquire(0)
    try:
        db = Path(folder) / "dabiao.sqlite"
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        shutil.copyfile(backup, db)
    finally:
        lock.release()
