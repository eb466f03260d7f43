"""The evidence gallery of one item: thumbnails, add (file dialog or drag & drop, in a
worker thread with progress and cancel), view, remove with undo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListView, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout,
                               QWidget)

from .errors import show_error
from .models.evidence_model import THUMB, EvidenceModel

if TYPE_CHECKING:
    from .workers import PhotoImportWorker

# The photo viewer (a dialog), the file dialog and the import worker are imported when
# first used: the window shows without them.

PHOTO_FILTER = "照片 (*.jpg *.jpeg *.png *.heic *.heif *.JPG *.JPEG *.PNG *.HEIC *.HEIF);;所有文件 (*)"
PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".heic", ".heif"}
# Who added a photo of each role (the refusal to delete another side's photo names them).
PHOTO_OWNERS = {"self": "被考评单位", "review": "考评组", "recheck": "军分区复核组"}


class GalleryView(QListView):
    """Icon grid; Enter opens the viewer, Delete removes, files can be dropped on it."""

    activatedKey = Signal()
    deleteKey = Signal()
    filesDropped = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(THUMB)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        # a long name is cut in the middle: its start and its distinctive end stay
        # ("IMG_2027…第12张.jpg"); the whole name and caption are in the tooltip
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setGridSize(QSize(THUMB.width() + 20, THUMB.height() + 16 + self.fontMetrics().lineSpacing()))
        self.setSelectionMode(QListView.SelectionMode.ExtendedSelection)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setToolTip("照片：回车查看，Delete 删除；可把照片文件直接拖到这里")
        self.fit_rows()

    MAX_ROWS = 3  # more photos than that: the gallery scrolls (the item pane scrolls too)

    def fit_rows(self) -> None:
        """As tall as the rows the photos need (one when empty, at most MAX_ROWS)."""
        count = self.model().rowCount() if self.model() is not None else 0
        per_row = max(1, (self.viewport().width() or self.width()) // self.gridSize().width())
        rows = min(self.MAX_ROWS, max(1, -(-count // per_row)))
        height = rows * self.gridSize().height() + 2 * self.frameWidth() + 6
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def setModel(self, model) -> None:  # noqa: N802 - Qt's name
        super().setModel(model)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self.fit_rows)
        self.fit_rows()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.fit_rows()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activatedKey.emit()
            return
        if event.key() == Qt.Key.Key_Delete:
            self.deleteKey.emit()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event):
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if dropped_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):
        files = dropped_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.filesDropped.emit(files)


def dropped_files(mime) -> list[str]:
    if not mime.hasUrls():
        return []
    out = []
    for url in mime.urls():
        if url.isLocalFile():
            p = Path(url.toLocalFile())
            if p.is_dir():
                out.extend(str(c) for c in sorted(p.iterdir()) if c.suffix.lower() in PHOTO_SUFFIXES)
            else:
                out.append(str(p))
    return out


class EvidencePane(QWidget):
    """Needs set_context(session, code, role) before use."""

    importFinished = Signal(object)  # list[PhotoOutcome]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.code: str | None = None
        self.role = "self"
        self.worker: PhotoImportWorker | None = None
        self._worker_code: str | None = None
        self._worker_session = None
        self.model = EvidenceModel(self)
        self.view = GalleryView()
        self.view.setModel(self.model)
        self.view.activatedKey.connect(self.view_current)
        self.view.doubleClicked.connect(lambda _i: self.view_current())
        self.view.deleteKey.connect(self.remove_selected)
        self.view.filesDropped.connect(self.import_photos)

        self.title = QLabel("照片佐证")
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.add_button = QPushButton("添加照片…")
        self.add_button.setToolTip("选择一张或多张照片（Ctrl+P；也可以直接把照片拖到下方）")
        self.add_button.clicked.connect(self.choose_files)
        self.view_button = QPushButton("查看")
        self.view_button.clicked.connect(self.view_current)
        self.remove_button = QPushButton("删除")
        self.remove_button.clicked.connect(self.remove_selected)

        self.progress = QProgressBar()
        self.progress.setFormat("正在导入 %v / %m")
        self.cancel_button = QPushButton("取消导入")
        self.cancel_button.clicked.connect(self.cancel_import)
        self.progress_row = QWidget()
        pr = QHBoxLayout(self.progress_row)
        pr.setContentsMargins(0, 0, 0, 0)
        pr.addWidget(self.progress, 1)
        pr.addWidget(self.cancel_button)
        self.progress_row.hide()

        self.undo_label = QLabel()
        self.undo_button = QPushButton("撤销 (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_remove)
        self.undo_row = QWidget()
        ur = QHBoxLayout(self.undo_row)
        ur.setContentsMargins(0, 0, 0, 0)
        ur.addWidget(self.undo_label, 1)
        ur.addWidget(self.undo_button)
        self.undo_row.hide()
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(15000)
        self._undo_timer.timeout.connect(self.undo_row.hide)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c5221f;")
        self.message.hide()

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.add_button)
        head.addWidget(self.view_button)
        head.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.view)
        layout.addWidget(self.progress_row)
        layout.addWidget(self.undo_row)
        layout.addWidget(self.message)
        self.setAcceptDrops(True)

    # ---------------------------------------------------------------- context

    def set_context(self, session, code: str | None, role: str, show_roles: bool = False) -> None:
        self.session, self.code, self.role = session, code, role
        self.message.hide()
        self.undo_row.hide()
        self.reload(show_roles)
        self.update_buttons()

    def reload(self, show_roles: bool | None = None) -> None:
        rows = self.session.evidence(self.code) if (self.session and self.code) else []
        self.model.set_rows(rows, show_roles)
        self.update_title()
        self.update_buttons()

    def update_title(self) -> None:
        n = self.model.rowCount()
        text = f"照片佐证（{n} 张）" if n else "照片佐证（暂无）"
        if self.session and self.code:
            item = self.session.index.get(self.code)
            if item is not None and item.evidence.photos:
                text += f" · 要求至少 {item.evidence.photos} 张" + ("，不足不得分" if item.evidence.strict else "")
        self.title.setText(text)

    def can_edit(self) -> bool:
        return bool(self.session and self.code and self.session.editable(self.role))

    def update_buttons(self) -> None:
        editable = self.can_edit()
        busy = self.worker is not None
        self.add_button.setEnabled(editable and not busy)
        has_photos = self.model.rowCount() > 0
        self.remove_button.setEnabled(editable and has_photos)
        self.view_button.setEnabled(has_photos)

    # ---------------------------------------------------------------- import

    def dragEnterEvent(self, event):
        if dropped_files(event.mimeData()) and self.can_edit():
            event.acceptProposedAction()

    def dropEvent(self, event):
        files = dropped_files(event.mimeData())
        if files:
            event.acceptProposedAction()
            self.import_photos(files)

    def choose_files(self) -> None:
        if not self.can_edit():
            return
        from PySide6.QtWidgets import QFileDialog  # when asked: the window shows without it

        files, _ = QFileDialog.getOpenFileNames(self, f"为 {self.code} 选择照片", str(Path.home()), PHOTO_FILTER)
        if files:
            self.import_photos(files)

    def import_photos(self, paths) -> bool:
        """Start importing files into the current item; False when refused at once."""
        from .workers import PhotoImportWorker  # the first photos added: the window shows without it

        if not paths or self.session is None or self.code is None:
            return False
        if self.worker is not None:
            show_error(self, "上一批照片还在导入，请稍候。")
            return False
        if not self.can_edit():
            show_error(self, self.session.lock_reason(self.role) or "当前不能添加照片")
            return False
        self._worker_code = self.code
        self._worker_session = self.session
        worker = PhotoImportWorker(self.session.ws, self.session.id, self.code, paths, self.role, parent=self)
        worker.progress.connect(self._on_progress)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._on_done)
        self.worker = worker
        self.progress.setRange(0, len(paths))
        self.progress.setValue(0)
        self.progress_row.show()
        self.cancel_button.setEnabled(True)
        self.message.hide()
        self.update_buttons()
        worker.start()
        return True

    def cancel_import(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.cancel_button.setEnabled(False)

    def busy(self) -> bool:
        return self.worker is not None

    def progress_text(self) -> str:
        """'已导入 3 / 20 张' while importing."""
        return f"已导入 {self.progress.value()} / {self.progress.maximum()} 张" if self.worker is not None else ""

    def wait_idle(self, ms: int = 60000) -> None:
        """Stop and wait for a running import (used when the window closes): the photos not
        reached stay recorded, and the next start says which they are."""
        if self.worker is not None:
            self.worker.cancel(by_user=False)
            self.worker.wait(ms)

    def _on_progress(self, done: int, total: int, name: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if self.session is self._worker_session and self.code == self._worker_code:
            self.reload()

    def _on_failed(self, message: str) -> None:
        self._failure = message  # kept at the top of the result _on_done shows
        self.message.setText(message)
        self.message.show()

    def _on_done(self, outcomes) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        self.progress_row.hide()
        code, session = self._worker_code, self._worker_session
        self._worker_session = None
        if session is not None and code and session is self.session:
            session.evidence_changed(code)  # (another assessment opened since: it reads fresh data anyway)
        if self.session is session and self.code == code:
            self.reload()
        refused = [o for o in outcomes if not o.ok]
        dup = [o for o in outcomes if o.ok and o.duplicate]
        failure, self._failure = getattr(self, "_failure", None), None
        lines = [failure] if failure else []
        lines += [f"{Path(o.path).name}：{o.refused}" for o in refused]
        lines += [f"{Path(o.path).name}：已附在本条目，未重复添加" for o in dup]
        if worker is not None and worker.cancelled:
            lines.append(f"已取消；已导入 {sum(1 for o in outcomes if o.ok and not o.duplicate)} 张")
        if lines:
            self.message.setText("\n".join(lines))
            self.message.show()
        self.update_buttons()
        self.importFinished.emit(outcomes)

    # ---------------------------------------------------------------- view / remove

    def selected_rows(self) -> list[int]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return rows

    def view_current(self) -> None:
        rows = self.model.rows()
        if not rows:
            return
        current = self.view.currentIndex().row() if self.view.currentIndex().isValid() else 0
        from .photo_viewer import PhotoViewer

        viewer = PhotoViewer(rows, current, can_edit=lambda r: bool(self.session and self.session.editable(r["role"])),
                             parent=self.window())
        viewer.captionChanged.connect(self._caption_changed)
        viewer.exec()
        self.reload()
        if 0 <= viewer.pos < self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(viewer.pos, 0))

    def _caption_changed(self, attachment_id: str, caption: str) -> None:
        if self.session is not None:
            self.session.set_caption(attachment_id, caption)

    def remove_selected(self) -> None:
        if self.session is None:
            return
        rows = [self.model.row_at(r) for r in self.selected_rows()]
        rows = [r for r in rows if r is not None]
        if not rows:
            return
        removed = 0
        for r in rows:
            if not self.session.editable(r["role"]):
                show_error(self, f"这张照片由{PHOTO_OWNERS.get(r['role'], '被考评单位')}添加，当前不能删除。")
                continue
            if self.session.remove_photo(r["id"]):
                removed += 1
        self.reload()
        if removed:
            self.undo_label.setText(f"已删除 {removed} 张照片。")
            self._undo_count = removed
            self.undo_row.show()
            self._undo_timer.start()
        self.update_buttons()

    def undo_remove(self) -> None:
        if self.session is None:
            return
        for _ in range(getattr(self, "_undo_count", 1)):
            self.session.undo()
        self._undo_count = 0
        self.undo_row.hide()
        self.reload()
