"""Photos attached to one item, as a list model; thumbnails load lazily off the UI thread.
A photo known only by its record (a year bundle sent without photos) shows the words
照片未随数据包传送 in place of its thumbnail, one that cannot be read 无法显示."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPixmap

from checklists.errors import DabiaoError
from storage import evidence
from storage.assessments import ROLE_LABELS

from .. import theme

AttachmentRole = Qt.ItemDataRole.UserRole + 1
THUMB = QSize(112, 84)

_pixmaps: OrderedDict[str, QPixmap] = OrderedDict()  # sha256 -> thumbnail, shared by every model
_PIXMAP_LIMIT = 600
_notes: dict[str, QPixmap] = {}  # text -> a thumbnail-sized card with those words
UNREADABLE_TEXT = "无法显示"


def note_pixmap(text: str) -> QPixmap:
    """A thumbnail-sized card with `text` in it, wrapped: shown where no image can be."""
    pix = _notes.get(text)
    if pix is None:
        pix = QPixmap(THUMB)
        pix.fill(QColor("#f1f3f4"))
        p = QPainter(pix)
        p.setPen(QColor("#b0bec5"))
        p.drawRect(0, 0, THUMB.width() - 1, THUMB.height() - 1)
        p.setPen(QColor("#5f6368"))
        p.drawText(pix.rect().adjusted(6, 4, -6, -4), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
        p.end()
        _notes[text] = pix
    return pix


class _ThumbSignals(QObject):
    loaded = Signal(str, QImage)


class _ThumbJob(QRunnable):
    """Read one thumbnail file into a QImage (safe off the UI thread)."""

    def __init__(self, sha256: str, path: Path, fallback: Path | None, signals: _ThumbSignals,
                 original: Path | None = None):
        super().__init__()
        self.sha256, self.path, self.fallback, self.signals = sha256, Path(path), fallback, signals
        self.original = original

    def run(self):
        image = QImage()
        if self.original is not None and not self.path.exists():
            # photos that arrived in a bundle get their derived images on first view
            try:
                evidence.ensure_derived_files(self.original, self.path, self.fallback or self.path)
            except DabiaoError:
                pass  # a full disk: the original is shown by the viewer instead
        for path in (self.path, self.fallback):
            if path is not None and Path(path).exists():
                reader = QImageReader(str(path))
                reader.setAutoTransform(True)
                size = reader.size()
                if size.isValid():
                    reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
                image = reader.read()
                if not image.isNull():
                    break
        self.signals.loaded.emit(self.sha256, image)


class EvidenceModel(QAbstractListModel):
    def __init__(self, parent=None, show_roles: bool = False):
        super().__init__(parent)
        self._rows: list[dict] = []
        self._pending: set[str] = set()
        self.show_roles = show_roles
        self._signals = _ThumbSignals()
        self._signals.loaded.connect(self._on_loaded)
        self.pool = QThreadPool.globalInstance()

    def set_rows(self, rows: list[dict], show_roles: bool | None = None) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if show_roles is not None:
            self.show_roles = show_roles
        self.endResetModel()

    def rows(self) -> list[dict]:
        return list(self._rows)

    def row_at(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or index.column() != 0:
            return None
        r = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            text = r.get("caption") or r.get("original_name") or "照片"
            if self.show_roles:
                text = f"[{ROLE_LABELS.get(r['role'], r['role'])}] {text}"
            return text
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(r)
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [r.get("original_name") or "", f"{ROLE_LABELS.get(r['role'], r['role'])}照片"]
            if r.get("absent"):
                lines.append(f"{evidence.ABSENT_TEXT}（只有记录：说明、拍摄时间等）")
            if r.get("caption"):
                lines.insert(0, r["caption"])
            if r.get("taken_at"):
                lines.append("拍摄时间：" + r["taken_at"].replace("T", " "))
            if r.get("camera"):
                lines.append("相机：" + r["camera"])
            return "\n".join(x for x in lines if x)
        if role == AttachmentRole:
            return r
        return None

    def _thumbnail(self, r: dict):
        if r.get("absent"):  # only its record is here: nothing to load, say so
            return note_pixmap(evidence.ABSENT_TEXT)
        sha = r["sha256"]
        pix = _pixmaps.get(sha)
        if pix is not None:
            _pixmaps.move_to_end(sha)
            return pix
        if sha not in self._pending:
            self._pending.add(sha)
            self.pool.start(_ThumbJob(sha, r["thumb"], r.get("report"), self._signals, r.get("original")))
        return theme.placeholder_pixmap(THUMB.height())

    def _on_loaded(self, sha256: str, image: QImage) -> None:
        self._pending.discard(sha256)
        # a file that cannot be read says so instead of the loading box forever
        _pixmaps[sha256] = note_pixmap(UNREADABLE_TEXT) if image.isNull() else QPixmap.fromImage(image)
        while len(_pixmaps) > _PIXMAP_LIMIT:
            _pixmaps.popitem(last=False)
        for i, r in enumerate(self._rows):
            if r["sha256"] == sha256:
                idx = self.index(i, 0)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    def thumbnails_ready(self) -> bool:
        return all(r.get("absent") or r["sha256"] in _pixmaps for r in self._rows)
