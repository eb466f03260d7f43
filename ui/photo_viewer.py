"""The photo viewer: zoom, previous / next, caption and capture time."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout)

from storage.assessments import ROLE_LABELS
from storage.evidence import ABSENT_TEXT

ZOOM_STEPS = (0.1, 0.17, 0.25, 0.33, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)


def photo_info(r: dict) -> str:
    parts = []
    if r.get("taken_at"):
        parts.append("拍摄时间 " + r["taken_at"].replace("T", " "))
    else:
        parts.append("拍摄时间未知")
    if r.get("camera"):
        parts.append(r["camera"])
    if r.get("width") and r.get("height"):
        parts.append(f"{r['width']}×{r['height']}")
    parts.append(f"{ROLE_LABELS.get(r.get('role'), r.get('role') or '')}照片")
    if r.get("added_by"):
        parts.append(f"{r['added_by']} 添加")
    if r.get("original_name"):
        parts.append(r["original_name"])
    return " · ".join(parts)


class PhotoViewer(QDialog):
    captionChanged = Signal(str, str)  # attachment id, caption

    def __init__(self, rows: list[dict], start: int = 0, can_edit=lambda row: False, parent=None):
        super().__init__(parent)
        self.setWindowTitle("查看照片")
        self.rows = rows
        self.pos = max(0, min(start, len(rows) - 1))
        self.can_edit = can_edit
        self.zoom: float | None = None  # None: fit to window
        self._pixmap = QPixmap()
        self._no_image_text = "无法显示该照片"  # or, for a photo known only by its record, ABSENT_TEXT
        self.resize(1000, 700)

        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.setStyleSheet("color: #e8eaed; font-size: 13pt;")  # the words shown when no image can be
        self.image.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.scroll = QScrollArea()
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroll.setWidget(self.image)
        self.scroll.setStyleSheet("background: #202124;")
        self.scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.counter = QLabel()
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.caption = QLineEdit()
        self.caption.setPlaceholderText("照片说明（回车保存）")
        self.caption.editingFinished.connect(self._save_caption)

        prev_b = QPushButton("◀ 上一张")
        next_b = QPushButton("下一张 ▶")
        out_b = QPushButton("缩小 (−)")
        in_b = QPushButton("放大 (+)")
        fit_b = QPushButton("适应窗口 (0)")
        close_b = QPushButton("关闭 (Esc)")
        for b in (prev_b, next_b, out_b, in_b, fit_b, close_b):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        prev_b.clicked.connect(self.previous)
        next_b.clicked.connect(self.next)
        out_b.clicked.connect(lambda: self.step_zoom(-1))
        in_b.clicked.connect(lambda: self.step_zoom(1))
        fit_b.clicked.connect(self.fit)
        close_b.clicked.connect(self.accept)

        bar = QHBoxLayout()
        for w in (prev_b, next_b, self.counter):
            bar.addWidget(w)
        bar.addStretch(1)
        for w in (out_b, in_b, fit_b, close_b):
            bar.addWidget(w)
        caption_row = QHBoxLayout()
        caption_row.addWidget(QLabel("说明："))
        caption_row.addWidget(self.caption, 1)

        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.info)
        layout.addLayout(caption_row)
        layout.addLayout(bar)

        for seq, fn in (("Left", self.previous), ("Right", self.next), ("PgUp", self.previous),
                        ("PgDown", self.next), ("+", lambda: self.step_zoom(1)), ("=", lambda: self.step_zoom(1)),
                        ("-", lambda: self.step_zoom(-1)), ("0", self.fit), ("Ctrl+0", self.fit)):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)
        self.show_current()

    # ---------------------------------------------------------------- showing

    def current(self) -> dict | None:
        return self.rows[self.pos] if self.rows else None

    def show_current(self) -> None:
        r = self.current()
        if r is None:
            return
        self.counter.setText(f"{self.pos + 1} / {len(self.rows)}")
        self.info.setText(photo_info(r))
        self.caption.setText(r.get("caption") or "")
        editable = self.can_edit(r)
        self.caption.setReadOnly(not editable)
        self.caption.setPlaceholderText("照片说明（回车保存）" if editable else "")
        self._no_image_text = ABSENT_TEXT if r.get("absent") else "无法显示该照片"
        source = None if r.get("absent") else next(
            (p for p in (r.get("report"), r.get("original")) if p and Path(p).exists()), None)
        reader = QImageReader(str(source)) if source else None
        if reader is not None:
            reader.setAutoTransform(True)
            self._pixmap = QPixmap.fromImage(reader.read())
        else:
            self._pixmap = QPixmap()
        self._apply_zoom()
        self.setFocus()

    def _apply_zoom(self) -> None:
        if self._pixmap.isNull():
            self.image.setText(self._no_image_text)
            self.image.resize(self.scroll.viewport().size())
            return
        if self.zoom is None:
            area = self.scroll.viewport().size()
            scaled = self._pixmap.scaled(area, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
        else:
            scaled = self._pixmap.scaled(self._pixmap.size() * self.zoom, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
        self.image.setPixmap(scaled)
        self.image.resize(scaled.size())

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.zoom is None:
            self._apply_zoom()

    def current_scale(self) -> float:
        if self._pixmap.isNull() or self._pixmap.width() == 0:
            return 1.0
        return self.image.width() / self._pixmap.width()

    # ---------------------------------------------------------------- actions

    def step_zoom(self, direction: int) -> None:
        now = self.current_scale()
        if direction > 0:
            target = next((z for z in ZOOM_STEPS if z > now + 1e-3), ZOOM_STEPS[-1])
        else:
            target = next((z for z in reversed(ZOOM_STEPS) if z < now - 1e-3), ZOOM_STEPS[0])
        self.zoom = target
        self._apply_zoom()

    def fit(self) -> None:
        self.zoom = None
        self._apply_zoom()

    def previous(self) -> None:
        if self.rows and self.pos > 0:
            self._save_caption()
            self.pos -= 1
            self.show_current()

    def next(self) -> None:
        if self.rows and self.pos < len(self.rows) - 1:
            self._save_caption()
            self.pos += 1
            self.show_current()

    def wheelEvent(self, event):
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.step_zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def _save_caption(self) -> None:
        r = self.current()
        if r is None or self.caption.isReadOnly():
            return
        text = self.caption.text().strip()
        if text != (r.get("caption") or ""):
            r["caption"] = text
            self.captionChanged.emit(r["id"], text)

    def done(self, result):
        self._save_caption()
        super().done(result)
