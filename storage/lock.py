"""An OS-level lock on the workspace so two app instances never write at once.

The lock is released by the OS when the holder exits or crashes; the lock file also
names its holder (user, host, pid, since) for the refusal message.
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

    def acquire(self, wait: float = 0.0) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + wait
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = self.holder()
                os.close(fd)
                raise WorkspaceLocked(
                    f"工作区 {self.path.parent} 正被另一个达标程序使用（{holder}）；"
                    "请关闭它后重试，或以只读方式打开"
                )
            time.sleep(0.1)
        self.fd = fd
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
