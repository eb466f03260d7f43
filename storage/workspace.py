"""Open a workspace folder: lock it, open SQLite (WAL, foreign keys), upgrade the schema,
take the daily backup. Every change goes through `transaction()` and writes audit events."""

from __future__ import annotations

import errno
import functools
import getpass
import os
import sqlite3
import tempfile
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from . import audit, schema
from .backup_health import newest_good_backup
from .db import Database
from .errors import StorageError, WorkspaceLocked
from .lock import WorkspaceLock

DB_NAME = "dabiao.sqlite"
SQLITE_MAGIC = b"SQLite format 3\x00"
# errnos meaning "this place cannot be written" (read-only medium or share, immutable
# folder, no permission): the workspace is then opened read-only, not refused.
NOT_WRITABLE = {errno.EROFS, errno.EACCES, errno.EPERM}


class DamagedWorkspace(StorageError):
    """The workspace's database is missing, empty, truncated or unreadable. Nothing was
    changed (it is never re-initialised); `good_backup` is the newest backup that passed
    an integrity check with data in it, to offer for restoring (None when there is none)."""

    def __init__(self, message: str, good_backup: Path | None = None, path: Path | None = None,
                 problem: str | None = None):
        super().__init__(message)
        self.good_backup = good_backup
        self.path = path  # the database file
        self.problem = problem  # what is wrong with it, in words ("是空文件（0 字节）")


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

    def __init__(self, folder: Path, db: Database, lock: WorkspaceLock | None, readonly: bool,
                 readonly_reason: str | None = None):
        self.folder = folder
        self.db = db
        self.lock = lock
        self.readonly = readonly
        # Why a workspace asked for writing was opened read-only (a write-protected stick,
        # a read-only share, another Dabiao writing), for the title bar and refusals.
        self.readonly_reason = readonly_reason
        self.who = os.environ.get("DABIAO_USER") or _os_user()
        self._mutex = threading.RLock()

    # ---------------------------------------------------------------- opening

    @classmethod
    def open(cls, folder=None, *, readonly: bool = False, wait: float = 5.0, backup: bool = True,
             if_locked: str = "raise") -> Workspace:
        """Open (creating when needed) the workspace in `folder` (default: default_data_dir()).

        An existing workspace in a place that cannot be written (write-protected USB stick,
        read-only share, immutable folder) is opened read-only, with `readonly_reason`
        saying why. With if_locked="readonly", a workspace another Dabiao is writing to is
        opened read-only too (commands that only read); else that raises WorkspaceLocked.
        A database that is missing from a used workspace, empty, truncated or not a
        database is never re-initialised: DamagedWorkspace names the problem and the
        newest good backup."""
        folder = Path(folder) if folder else default_data_dir()
        db_path = folder / DB_NAME
        _check_database_file(folder, db_path)
        exists = db_path.exists()
        if readonly and not exists:
            raise StorageError(f"{folder} 不是达标工作区（找不到 {DB_NAME}）")
        reason = None
        if not readonly:
            reason = _not_writable(folder, db_path) if exists else None
            if reason:
                readonly = True
        if not readonly:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for sub in ("evidence", "derived", "backups"):
                    (folder / sub).mkdir(exist_ok=True)
            except OSError as exc:
                if exists and exc.errno in NOT_WRITABLE:
                    readonly, reason = True, _reason(exc, folder)
                else:
                    raise StorageError(f"无法创建工作区文件夹 {folder}：{exc.strerror or exc}") from None
        lock = None
        if not readonly:
            lock = WorkspaceLock(folder)
            try:
                lock.acquire(wait)
            except WorkspaceLocked as exc:
                if if_locked != "readonly" or not exists:
                    raise
                holder = getattr(exc, "holder_text", "持有者未知")
                lock, readonly, reason = None, True, f"另一个达标程序正在写入此工作区：{holder}"
            except OSError as exc:
                if exists and exc.errno in NOT_WRITABLE:
                    lock, readonly, reason = None, True, _reason(exc, folder)
                else:
                    raise StorageError(f"无法锁定工作区 {folder}：{exc.strerror or exc}") from None
        try:
            db = _connect(db_path, readonly)
            ws = cls(folder, db, lock, readonly, reason)
            if not readonly:
                _clean_leftovers(folder)
                ws._upgrade(fresh=not exists)
                if backup:
                    from .backup import daily_backup

                    daily_backup(ws)
            else:
                ws._check_version()
                if not schema.applied_names(ws.db):
                    good = newest_good_backup(folder)
                    raise _damaged(db_path, "不是达标工作区的数据库（其中没有达标的数据表）", good)
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

    def _upgrade(self, fresh: bool = False) -> None:
        applied = self._check_version()
        if applied >= schema.known_names():
            return  # up to date (every start but the first after an upgrade): nothing to load
        if not applied and not fresh and not _blank_database(self.db):
            # Tables, but none of ours: someone else's database, or ours damaged. Never
            # create a workspace over it.
            good = newest_good_backup(self.folder)
            raise _damaged(self.db_path, "不是达标工作区的数据库（其中没有达标的数据表）", good)
        try:
            schema.migrations.apply(self.db)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"无法升级工作区数据库 {self.folder / DB_NAME}：{exc}") from None

    def for_thread(self) -> Workspace:
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
        self.check_writable()
        with self._mutex:
            try:
                with self.db.atomic(immediate=True):
                    yield self.db
            except sqlite3.OperationalError as exc:
                raise StorageError(_friendly_sqlite(exc, self.db_path)) from None

    def check_writable(self) -> None:
        """Raise the one-line refusal when the workspace was opened read-only (say why)."""
        if self.readonly:
            why = f"（{self.readonly_reason}）" if self.readonly_reason else ""
            after = "；请关闭另一个达标程序后重试" if self.lock is None and "另一个达标程序" in (self.readonly_reason or "") else ""
            raise StorageError(f"工作区 {self.folder} 以只读方式打开{why}，不能修改；未作任何改动{after}")

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


# Stored text with a damaged byte (not UTF-8) is read with U+FFFD in its place instead of
# failing every query that touches its row: the hashes kept with criteria texts and audit
# events then name the damaged record (db check, checklist_store.load), and the rest of
# the workspace stays usable.
_TEXT = functools.partial(str, encoding="utf-8", errors="replace")


def _connect(path: Path, readonly: bool) -> Database:
    try:
        if readonly:
            if not path.exists():
                raise StorageError(f"工作区数据库 {path} 不存在")
            conn = _connect_readonly(path)
        else:
            conn = sqlite3.connect(str(path), check_same_thread=False, timeout=10)
        conn.text_factory = _TEXT
        db = Database(conn)
        if not readonly:
            db.enable_wal()
        db.execute("PRAGMA recursive_triggers = ON")  # as sqlite-utils' Database() did
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return db
    except sqlite3.OperationalError as exc:
        if "unable to open" in str(exc) or "readonly" in str(exc) or "read-only" in str(exc):
            raise StorageError(f"无法打开工作区数据库 {path}：没有读写权限或介质只读（{exc}）") from None
        raise StorageError(f"无法打开工作区数据库 {path}：{exc}（文件可能已损坏，可从 backups/ 恢复）") from None
    except sqlite3.DatabaseError as exc:
        good = newest_good_backup(path.parent)
        raise _damaged(path, f"无法读取（{exc}）", good) from None


_snapshots: list = []  # temporary copies of databases on read-only media with a WAL (removed at exit)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. In a folder that cannot be written, SQLite cannot make the
    WAL index (-shm) it needs: then the database is opened as immutable when it has no
    pending WAL (closed cleanly), or else from a temporary copy of it and its WAL, so that
    the last saved changes are seen too."""
    uri = f"file:{path.resolve().as_posix()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        if "unable to open" not in str(exc) and "readonly" not in str(exc):
            raise
    wal = Path(str(path) + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False, timeout=10)
    import atexit
    import shutil

    key = str(path.resolve())
    folder = next((f for k, f in _snapshots if k == key), None)  # one copy per process (worker threads too)
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="dabiao-readonly-"))
        if not _snapshots:
            atexit.register(lambda: [shutil.rmtree(f, ignore_errors=True) for _k, f in _snapshots])
        _snapshots.append((key, folder))
        shutil.copyfile(path, folder / path.name)
        shutil.copyfile(wal, folder / wal.name)
    return sqlite3.connect(f"file:{(folder / path.name).as_posix()}?mode=ro", uri=True, check_same_thread=False,
                           timeout=10)


def _reason(exc: OSError, folder: Path) -> str:
    if exc.errno == errno.EROFS:
        return "所在的磁盘或共享文件夹是只读的"
    return "没有写入此文件夹的权限"


def _not_writable(folder: Path, db_path: Path) -> str | None:
    """Why an existing workspace cannot be written, when it plainly cannot (else None: the
    lock file is the real test)."""
    try:
        st = os.statvfs(folder) if hasattr(os, "statvfs") else None
        if st is not None and st.f_flag & getattr(os, "ST_RDONLY", 1):
            return "所在的磁盘或共享文件夹是只读的"
    except OSError:
        pass
    if not os.access(db_path, os.W_OK) or not os.access(folder, os.W_OK):
        return "没有写入此文件夹或数据库文件的权限"
    return None


def _clean_leftovers(folder: Path) -> None:
    """What a killed import left behind, removed on the next writable open (this process
    holds the lock, so nothing is being written now): the staging folders of bundle
    imports (`.incoming/`) and half-written photos (`evidence/ab/.<name>.tmp`). Neither is
    referred to by the database."""
    import shutil

    incoming = folder / ".incoming"
    if incoming.is_dir():
        shutil.rmtree(incoming, ignore_errors=True)
    try:
        with os.scandir(folder / "evidence") as top:
            subs = [e.path for e in top if e.is_dir(follow_symlinks=False) and len(e.name) == 2]
        for sub in subs:
            with os.scandir(sub) as entries:
                for e in entries:
                    if e.name.startswith(".") and e.name.endswith(".tmp") and e.is_file(follow_symlinks=False):
                        try:
                            os.unlink(e.path)
                        except OSError:
                            pass
    except OSError:
        pass


def _blank_database(db) -> bool:
    return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def _damaged(path: Path, what: str, good: Path | None) -> DamagedWorkspace:
    return DamagedWorkspace(_damaged_text(path, what, good), good, path, what)


def _damaged_text(path: Path, what: str, good: Path | None) -> str:
    offer = (f"最近一个完好的备份是 backups/{good.name}；可用 main.py db restore {good.name} 恢复（当前文件会先另存），"
             "或在 文件 → 备份与恢复 中恢复" if good else "backups/ 中没有可用的完好备份；请联系技术人员，不要删除此文件")
    return f"工作区数据库 {path} {what}；为免丢失数据，未重新初始化，工作区未作任何改动。{offer}"


def _check_database_file(folder: Path, db_path: Path) -> None:
    """Refuse, before anything is opened or created, a database that is empty, not a
    SQLite file or shorter than its header says (truncated), and a used workspace (it has
    backups or photos) whose database has disappeared."""
    try:
        if not db_path.exists():
            if folder.is_dir() and _used(folder):
                good = newest_good_backup(folder)
                raise _damaged(db_path, "不存在，但此文件夹中有备份或照片（是用过的工作区）", good)
            return
        if db_path.is_dir():
            raise StorageError(f"{db_path} 是一个文件夹，不是达标数据库；工作区未作任何改动")
        size = db_path.stat().st_size
        with open(db_path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        if exc.errno in NOT_WRITABLE and db_path.exists():
            raise StorageError(f"无法读取工作区数据库 {db_path}：没有读取权限（{exc.strerror}）") from None
        raise StorageError(f"无法读取工作区数据库 {db_path}：{exc.strerror or exc}") from None
    problem = None
    if size == 0:
        wal = Path(str(db_path) + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            return  # a new database whose first pages are still in its WAL: SQLite reads them
        if not _used(folder):
            return  # created and left empty by a first start that went no further: nothing to lose
        problem = "是空文件（0 字节）"
    elif not header.startswith(SQLITE_MAGIC):
        problem = "不是 SQLite 数据库（文件头已损坏）"
    elif len(header) == 100:
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        pages = int.from_bytes(header[28:32], "big")
        valid = header[24:28] == header[92:96]  # the in-header size is valid only then
        if valid and pages and size < pages * page_size:
            problem = f"不完整（应有 {pages * page_size} 字节，只有 {size} 字节，文件被截断）"
    else:
        problem = "不完整（连文件头都不全）"
    if problem is None and size:
        problem = _foreign_or_unreadable(db_path)
    if problem:
        good = newest_good_backup(folder)
        raise _damaged(db_path, problem, good)


def _foreign_or_unreadable(db_path: Path) -> str | None:
    """Look at the tables of an existing database without writing anything (immutable:
    no lock, no -shm): a database with tables but none of Dabiao's is another program's,
    and must not get a workspace created over it."""
    try:
        conn = sqlite3.connect(f"file:{db_path.resolve().as_posix()}?mode=ro&immutable=1", uri=True)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return f"无法读取（{exc}）"
    if names and not names & {schema.MIGRATIONS_TABLE, "meta"}:
        return "不是达标工作区的数据库（其中没有达标的数据表）"
    return None


def _used(folder: Path) -> bool:
    """Whether the folder shows signs of a workspace that held data: backups, photos, a
    signing key or kept criteria parse results."""
    return (any((folder / "backups").glob("dabiao-*.sqlite"))
            or any(p.is_file() for p in (folder / "evidence").glob("*/*"))
            or (folder / "keys").is_dir() or any((folder / "derived" / "criteria").glob("*.json")))




def _friendly_sqlite(exc: sqlite3.OperationalError, path: Path) -> str:
    text = str(exc)
    if "full" in text.lower():
        return f"磁盘已满，未能保存到 {path}；已保存的数据未受影响"
    if "locked" in text.lower() or "busy" in text.lower():
        return f"数据库 {path} 正忙，请稍后重试"
    return f"数据库错误（{path}）：{text}"
