"""Files the app writes for people: temporary documents for preview, the folder last
used in a save dialog, file names people recognise, opening a file with the system's
own program."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

TEMP_PREFIX = "dabiao-docs-"
_temp_root: Path | None = None
_last_dir: Path | None = None


def temp_output(name: str) -> Path:
    """A fresh path named `name` in the app's temporary folder (removed when the app exits).
    Each document gets a folder of its own, so the name can be the one people will see."""
    global _temp_root
    if _temp_root is None or not _temp_root.exists():
        _remove_stale(Path(tempfile.gettempdir()))
        _temp_root = Path(tempfile.mkdtemp(prefix=TEMP_PREFIX))
        atexit.register(shutil.rmtree, _temp_root, True)
    folder = _temp_root / os.urandom(4).hex()  # not uuid: it imports platform, several ms at start-up
    folder.mkdir()
    return folder / safe_name(name)


def _remove_stale(folder: Path, hours: float = 24) -> None:
    """Folders left by a copy of the app that did not exit normally (power cut, killed)."""
    limit = time.time() - hours * 3600
    try:
        for old in folder.glob(TEMP_PREFIX + "*"):
            if old.is_dir() and old.stat().st_mtime < limit:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        pass


def safe_name(name: str) -> str:
    """A file name that every system accepts (no / \\ : * ? \" < > | or line breaks)."""
    name = re.sub(r'[\\/:*?"<>|\r\n\t]+', " ", name).strip(" .")
    return name or "文书"


def start_dir() -> Path:
    """Where save and open dialogs start: the folder last used, else Documents, else home."""
    if _last_dir is not None and _last_dir.is_dir():
        return _last_dir
    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(docs) if docs and Path(docs).is_dir() else Path.home()


def suggest(name: str) -> str:
    """The path a save dialog proposes for `name`."""
    return str(start_dir() / safe_name(name))


def remember(path) -> None:
    """Note the folder of a file the person chose, for the next dialog."""
    global _last_dir
    if path:
        folder = Path(path).parent
        if folder.is_dir():
            _last_dir = folder


def with_suffix(path: str, suffix: str) -> Path:
    """The chosen path, with `suffix` added when the person typed a name without it."""
    p = Path(path)
    return p if p.suffix.lower() == suffix.lower() else p.with_name(p.name + suffix)


def ask_save_path(parent, title: str, name: str, filter_text: str) -> Path | None:
    """The save dialog, in the folder last used, proposing `name`: the path chosen (with
    name's suffix added when the person typed a name without it; its folder remembered for
    the next dialog), or None when cancelled."""
    target, _ = QFileDialog.getSaveFileName(parent, title, suggest(name), filter_text)
    if not target:
        return None
    remember(target)
    return with_suffix(target, Path(name).suffix)


def open_external(path) -> bool:
    """Open a file (or folder) with the program the system uses for it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
