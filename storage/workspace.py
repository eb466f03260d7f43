"""Open a workspace folder: lock it, open SQLite (WAL, foreign keys), upgrade the schema,
take the daily backup. Every change goes through `transaction()` and writes audit events."""

from __future__ import annotations

import getpass
import os
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from . import audit, schema
from .db import Database
from .errors import StorageError
from .lock import WorkspaceLock

DB_NAME = "dabiao.sqlite"


def default_data_dir() -> Path:
    """DABIAO_DATA_DIR when set, else the per-user data folder."""
    env = os.environ.get("DABIAO_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("Dabiao", appauthor=False))


def new_id() -> str:
    """A new record id (a random UUID). The uuid module is imported on first use: it
    imports platform, which costs app start-up several milliseconds for nothing."""
    import uuid

    return str(uuid.uuid4())


def now() -> str:
    """Local time, to the second, ISO 8601: what people read in reports and logs."""
    return datetime.now().isoformat(timespec="seconds")


class Workspace:
    """An open workspace. Use as a context manager, or call close()."""

    def __init__(self, folder: Path, db: Database, lock: WorkspaceLock | None, readonly: bool):
        self.folder = folder
        self.db = db
        self.lock = lock
        self.readonly = readonly
        self.who = os.environ.get("DABIAO_USER") or _os_user()
        self._mutex = threading.RLock()

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, folder=None, *, readonly: bool = False, wait: float = 5.0, backup: bool = True) -> "Workspace":
        """Open (creating when needed) the workspace in `folder` (default: default_data_dir())."""
        folder = Path(folder) if folder else default_data_dir()
        if readonly and not (folder / DB_NAME).exists():
            raise StorageError(f"{folder} 不是达标工作区（找不到 {DB_NAME}）")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for sub in ("evidence", "derived", "backups"):
                (folder / sub).mkdir(exist_ok=True)
        except OSError as exc:
            raise StorageError(f"无法创建工作区文件夹 {folder}：{exc.strerror or exc}") from None
        lock = None
        if not readonly:
            lock = WorkspaceLock(folder)
            lock.acquire(wait)
        try:
            db = _connect(folder / DB_NAME, readonly)
            ws = cls(folder, db, lock, readonly)
            if not readonly:
                ws._upgrade()
                if backup:
                    from .backup import daily_backup

                    daily_backup(ws)
            else:
                ws._check_version()
        except BaseException:
            if lock:
                lock.release()
            raise
        return ws

    def _check_version(self) -> set[str]:
        """The migrations applied; refuses a database made by a newer version."""
        applied = set(schema.applied_names(self.db))
        unknown = applied - schema.known_names()
        if unknown:
            raise StorageError(
                f"工作区 {self.folder} 由更新版本的达标程序创建（数据库版本 {sorted(unknown)[-1]}）；"
                "请升级程序后再打开。工作区未作任何改动。"
            )
        return applied

    def _upgrade(self) -> None:
        if self._check_version() >= schema.known_names():
            return  # up to date (every start but the first after an upgrade): nothing to load
        try:
            schema.migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"无法升级工作区数据库 {self.folder / DB_NAME}：{exc}") from None

    def for_thread(self) -> "Workspace":
        """Another connection to the same workspace, for a worker thread: SQLite connections
        must not be shared between threads that read and write at once. It does not own the
        lock (this process already holds it); close it when the work is done."""
        return Workspace(self.folder, _connect(self.db_path, self.readonly), None, self.readonly)

    def close(self) -> None:
        try:
            self.db.close()
        finally:
            if self.lock:
                self.lock.release()
                self.lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------------- paths

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    # ---------------------------------------------------------------- writing

    @contextmanager
    def transaction(self):
        """One atomic change: everything inside commits together, audit events included."""
        if self.readonly:
            raise StorageError(f"工作区 {self.folder} 以只读方式打开，不能修改")
        with self._mutex:
            try:
                with self.db.atomic():
                    yield self.db
            except sqlite3.OperationalError as exc:
                raise StorageError(_friendly_sqlite(exc, self.db_path)) from None

    def record(self, entity: str, entity_id: str, action: str, detail: dict | None = None,
               assessment_id: str | None = None) -> None:
        """Append an audit event (call inside transaction())."""
        audit.append(self.db, at=now(), who=self.who, entity=entity, entity_id=entity_id, action=action,
                     detail=detail or {}, assessment_id=assessment_id)

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some service contexts
        return "user"


def _connect(path: Path, readonly: bool) -> Database:
    try:
        if readonly:
            if not path.exists():
                raise StorageError(f"工作区数据库 {path} 不存在")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=10)
        else:
            conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        db = Database(conn)
        if not readonly:
            db.enable_wal()
        db.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils' Database() did
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"无法打开工作区数据库 {path}：{exc}（文件可能已损坏，可从 backups/ 恢复）") from None


def _friendly_sqlite(exc: sqlite3.OperationalError, path: Path) -> str:
    text = str(exc)
    if "full" in text.lower():
        return f"磁盘已满，未能保存到 {path}；已保存的数据未受影响"
    if "locked" in text.lower() or "busy" in text.lower():
        return f"数据库 {path} 正忙，请稍后重试"
    return f"数据库错误（{path}）：{text}"
