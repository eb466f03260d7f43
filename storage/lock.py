"""An OS-level lock on the workspace so two app instances never write at once.

The lock is released by the OS when the holder exits or crashes; the lock file also
names its holder (user, host, pid, since) for the refusal message.

Deleting `dabiao.lock` while a writer holds it must not let a second writer in: a new
file of that name is another file, whose lock is free. So on POSIX the workspace folder
itself is locked too (flock on the directory, which cannot be deleted while it holds the
workspace), and a lock file found replaced between opening and locking is opened again.
On Windows an open file cannot be deleted, so the lock file is enough.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from datetime import datetime
from pathlib import Path

from .errors import WorkspaceLocked

if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd):
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _try_lock(fd) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd):
        fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_folder(folder: Path):
    """(fd, held) for the folder's own lock: held False when another process holds it; fd
    None where folders cannot be locked (Windows, some network file systems)."""
    if os.name == "nt" or not hasattr(os, "O_DIRECTORY"):
        return None, True
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None, True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd, True
    except BlockingIOError:
        return fd, False
    except OSError:  # ENOLCK, EINVAL...: not supported here; the lock file still counts
        os.close(fd)
        return None, True


def _host_name() -> str:
    if hasattr(os, "uname"):
        return os.uname().nodename  # what socket.gethostname() gives, without importing socket
    import socket

    return socket.gethostname()


class WorkspaceLock:
    """Exclusive lock on `folder/dabiao.lock`; `acquire(wait)` waits up to `wait` seconds."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / "dabiao.lock"
        self.fd: int | None = None
        self.folder_fd: int | None = None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds. WorkspaceLocked (naming the holder)
        when another process holds it; OSError when the lock file cannot be made (a
        read-only place: the caller opens read-only), StorageError when it is a folder."""
        if self.path.is_dir():
            from .errors import StorageError

            raise StorageError(f"{self.path} 是一个文件夹，不是达标的锁文件；请把它删除或改名后重试（工作区未作任何改动）")
        deadline = time.monotonic() + wait
        while True:
            folder_fd, folder_free = _lock_folder(self.path.parent)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644) if folder_free else None
            except OSError:  # a read-only place: the caller opens read-only; let the folder go
                if folder_fd is not None:
                    if folder_free:
                        _unlock(folder_fd)
                    os.close(folder_fd)
                raise
            if fd is not None and _try_lock(fd):
                if self._same_file(fd):
                    break
                _unlock(fd)  # the file was replaced meanwhile: lock the one now there
                os.close(fd)
                fd = None
            if fd is not None:
                os.close(fd)
            if folder_fd is not None:
                if folder_free:
                    _unlock(folder_fd)
                os.close(folder_fd)
            if time.monotonic() >= deadline:
                holder = self.holder()
                err = WorkspaceLocked(
                    f"工作区 {self.path.parent} 正被另一个达标程序使用（{holder}）；"
                    "请关闭它后重试（只读取的命令仍可使用）"
                )
                err.holder_text = holder
                raise err
            time.sleep(0.1)
        self.fd = fd
        self.folder_fd = folder_fd
        info = {"user": getpass.getuser(), "host": _host_name(), "pid": os.getpid(),
                "since": datetime.now().isoformat(timespec="seconds")}
        # On Windows the locked byte is 0; write the holder after it.
        data = (" " + json.dumps(info, ensure_ascii=False) + "\n").encode("utf-8")
        os.lseek(fd, 0, os.SEEK_SET)
        # Written over the previous holder, then cut to length only when that was longer
        # (truncating to 0 first made the file system free and reallocate its block, ~10 ms
        # of every start). Not fsynced: the holder is only named in the refusal message,
        # and the OS lock itself does not outlive the process.
        os.write(fd, data)
        if os.name != "nt" and os.fstat(fd).st_size > len(data):
            os.ftruncate(fd, len(data))

    def _same_file(self, fd: int) -> bool:
        if os.name == "nt":
            return True
        try:
            a, b = os.fstat(fd), os.stat(self.path)
        except OSError:
            return False
        return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)

    def holder(self) -> str:
        try:
            info = json.loads(self.path.read_text(encoding="utf-8").strip() or "{}")
        except (OSError, ValueError):
            return "持有者未知"
        return f"{info.get('user', '?')}@{info.get('host', '?')}，进程 {info.get('pid', '?')}，自 {info.get('since', '?')}"

    def release(self) -> None:
        if self.fd is not None:
            _unlock(self.fd)
            os.close(self.fd)
            self.fd = None
        if self.folder_fd is not None:
            _unlock(self.folder_fd)
            os.close(self.folder_fd)
            self.folder_fd = None
