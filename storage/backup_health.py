"""Which backups are worth keeping and offering: a backup is good when SQLite's
integrity_check passes and it holds data. Used by the workspace (to offer the newest good
backup when a database is damaged), by backup rotation (never to drop the last good one)
and by `db check`. Plain sqlite3 only, so that both the workspace and the backups can use
it without importing each other."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_good_cache: dict = {}  # (path, size, mtime) -> bool


def backup_is_good(path: Path) -> bool:
    """Whether a backup passes SQLite's integrity_check and holds data (a unit or an
    assessment): one worth keeping and offering. Remembered per file size and time."""
    try:
        st = path.stat()
    except OSError:
        return False
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _good_cache:
        ok = False
        try:
            conn = sqlite3.connect(f"file:{path.resolve().as_posix()}?mode=ro&immutable=1", uri=True)
            try:
                if conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok":
                    ok = bool(conn.execute("SELECT (SELECT count(*) FROM units) + (SELECT count(*) FROM assessments)")
                              .fetchone()[0])
            finally:
                conn.close()
        except sqlite3.Error:
            ok = False
        _good_cache[key] = ok
    return _good_cache[key]


def backup_to_spare(paths: list, keep: int) -> Path | None:
    """Rotation: of the backups (oldest first) of which the newest `keep` stay, the one to
    spare as well: when none of those staying is good (backup_is_good), the newest good
    one among those to be dropped. The last good backup is never rotated out by a run of
    backups of an emptied or damaged database."""
    staying, dropped = paths[-keep:], paths[:-keep]
    if not dropped or any(backup_is_good(p) for p in reversed(staying)):
        return None
    return next((p for p in reversed(dropped) if backup_is_good(p)), None)


def newest_good_backup(folder: Path) -> Path | None:
    """The newest backup in `folder`/backups that is good (backup_is_good), or None."""
    try:
        found = sorted((Path(folder) / "backups").glob("dabiao-*.sqlite"),
                       key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    except OSError:
        return None
    for path in found:
        if backup_is_good(path):
            return path
    return None
