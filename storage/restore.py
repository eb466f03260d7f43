"""Restoring a workspace that is not open anywhere (`db restore`, or at start when the
database cannot even be opened). Apart from storage/backup.py because it opens the
restored workspace: backup.py is used by the workspace itself and must not import it."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from .backup import BEFORE_RESTORE, Restored, _copy_out, _folder, _log, check_backup, find_backup
from .errors import StorageError
from .lock import WorkspaceLock
from .workspace import DB_NAME, Workspace


def restore_backup(folder: Path, backup) -> Restored:
    """Restore a workspace that is not open anywhere (the command line, or when the
    database cannot even be opened): the current database is kept as a backup first when
    it can be read (else the file is kept as it is, as `…-damaged.sqlite`), then the
    backup is copied over it."""
    folder = Path(folder)
    path = find_backup(folder, backup)
    check_backup(path)
    db = folder / DB_NAME
    lock = WorkspaceLock(folder)
    try:
        lock.acquire(0)
    except OSError as exc:  # a read-only place: the lock file cannot be made
        raise StorageError(f"恢复失败：无法锁定工作区 {folder}（{exc}）") from None
    saved = None
    try:
        if db.exists():
            try:
                conn = sqlite3.connect(str(db))
                try:
                    conn.execute("PRAGMA quick_check").fetchone()
                    saved = _copy_out(conn, folder, BEFORE_RESTORE)
                finally:
                    conn.close()
            except (sqlite3.Error, StorageError):
                saved = _folder(folder) / f"dabiao-{datetime.now():%Y%m%d-%H%M%S}-damaged.sqlite"
                saved.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(db, saved)
        for suffix in ("-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        tmp = db.with_name(DB_NAME + ".restore.tmp")
        shutil.copyfile(path, tmp)
        tmp.replace(db)
    except OSError as exc:
        raise StorageError(f"恢复失败：{exc}") from None
    finally:
        lock.release()
    with Workspace.open(folder, backup=False) as ws:
        _log(ws, path, saved)
    return Restored(path, saved)
