"""已收到的上报: the inspector's (or the county's) overview of what this workspace holds:
every assessment with how far its self-assessment and its review have got, and the
bundles imported, newest first. Double-click (or Enter) opens an assessment."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSplitter, QStyle, QStyledItemDelegate, QStyleOptionProgressBar, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from checklists.errors import DabiaoError
from checklists.numbers import display
from storage import answer_store
from storage.assessments import STATUS_LABELS
from storage.exchange import signing
from storage.exchange.bundle_format import KIND_LABELS
from storage.exchange.progress import received_bundles, review_progress
from storage.timefmt import local_date, local_time

from .common import row_table

ProgressRole = Qt.ItemDataRole.UserRole + 1  # (done, total) for the bar
IdRole = Qt.ItemDataRole.UserRole

PROGRESS_COLUMNS = ("单位", "年度", "状态", "自评得分", "考评得分", "等级", "自评", "考评进度", "照片（自评＋考评）",
                    "考评人", "签字")
BAR_COLUMN = PROGRESS_COLUMNS.index("考评进度")
RECEIVED_COLUMNS = ("导入时间", "类型", "来自", "签名密钥", "内容")
COUNT_WORDS = (("assessments_added", "新增 {} 个考评"), ("self_updated", "更新 {} 份自评"),
               ("review_updated", "更新 {} 个考评结果"), ("photos_added", "{} 张照片"),
               ("checklists_added", "{} 个标准版本"), ("units_added", "{} 个单位"), ("actions_changed", "{} 项整改"),
               ("skipped", "{} 项未应用"))


class ProgressDelegate(QStyledItemDelegate):
    """Paints (done, total) as a progress bar with 'done/total' on it."""

    def paint(self, painter, option, index):
        value = index.data(ProgressRole)
        if not value:
            super().paint(painter, option, index)
            return
        done, total = value
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(3, 3, -3, -3)
        bar.minimum, bar.maximum = 0, max(1, total or 0)
        bar.progress = min(done, bar.maximum)
        bar.text = f"{done}/{total if total is not None else '?'}"
        bar.textVisible = True
        bar.textAlignment = Qt.AlignmentFlag.AlignCenter
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)


def _table(headers) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(list(headers))
    row_table(t)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    return t


def _cell(text, tip: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    if tip:
        item.setToolTip(tip)
    return item


def scores_of(ws, p: dict):
    """(self result, review result or None, level text) of a review_progress row; the
    level is the review's once the review is done (or every item reviewed): a review
    half way is no level yet, so until then the self-assessment's."""
    try:
        own = answer_store.score_assessment(ws, p["id"], "self") if p["self_answered"] else None
        review = answer_store.score_assessment(ws, p["id"], "review") if p["review_answered"] else None
    except DabiaoError:
        return None, None, "无法计分"
    done = p["status"] in ("reviewed", "final") or (p["items"] and p["review_answered"] >= p["items"])
    if review is not None and done:
        return own, review, f"{review.level_label}（考评）"
    if own is not None:
        return own, review, f"{own.level_label}（自评）"
    return None, review, "尚未填写"


def _score_cell(result) -> QTableWidgetItem:
    item = _cell(display(result.final) if result is not None else "—")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if result is not None:
        item.setToolTip(f"{display(result.final)} 分，{result.level_label}")
    return item


def counts_text(summary: dict) -> str:
    parts = [text.format(summary[key]) for key, text in COUNT_WORDS if summary.get(key)]
    return "、".join(parts) or "没有新的内容"


class ReceivedDialog(QDialog):
    openRequested = Signal(str)  # assessment id

    def __init__(self, ws, current_id: str | None = None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.current = current_id
        self.setWindowTitle("已收到的上报与考评进度")
        self.year = QComboBox()
        self.year.addItem("全部年度", None)
        self.year.currentIndexChanged.connect(self.reload)

        self.progress = _table(PROGRESS_COLUMNS)
        self.progress.setItemDelegateForColumn(BAR_COLUMN, ProgressDelegate(self.progress))
        header = self.progress.horizontalHeader()
        header.setSectionResizeMode(BAR_COLUMN, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(BAR_COLUMN, 140)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(70)
        self.progress.doubleClicked.connect(lambda _i: self.open_current())

        self.received = _table(RECEIVED_COLUMNS)
        self.received.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)

        self.count = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("年度："))
        top.addWidget(self.year)
        top.addStretch(1)
        top.addWidget(self.count)

        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(QLabel("<b>本工作区的考评</b>（双击打开）"))
        ul.addWidget(self.progress, 1)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.received_label = QLabel()
        ll.addWidget(self.received_label)
        ll.addWidget(self.received, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)

        self.open_button = QPushButton("打开考评(&O)")
        self.open_button.clicked.connect(self.open_current)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        hint = QLabel("得分按各自的标准版本计算；等级：考评完成后按考评，此前按自评。"
                      "自评、考评进度为已填写的条目数 / 条目总数。")
        hint.setStyleSheet("color: #5f6368;")
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.resize(1180, 600)
        self._fill_years()
        self.reload()
        self.progress.setFocus()

    def _fill_years(self) -> None:
        years = sorted({p["year"] for p in review_progress(self.ws)}, reverse=True)
        for y in years:
            self.year.addItem(f"{y} 年度", y)

    def reload(self) -> None:
        rows = review_progress(self.ws, self.year.currentData())
        self.rows = rows
        t = self.progress
        t.setRowCount(len(rows))
        for r, p in enumerate(rows):
            total = p["items"]
            shown_total = total if total is not None else "?"
            unit = _cell(p["unit_name"], f"考评编号 {p['id']}\n考评标准 {p['checklist']}")
            unit.setData(IdRole, p["id"])
            t.setItem(r, 0, unit)
            t.setItem(r, 1, _cell(p["year"]))
            t.setItem(r, 2, _cell(STATUS_LABELS.get(p["status"], p["status"])))
            own, review, level = scores_of(self.ws, p)
            t.setItem(r, 3, _score_cell(own))
            t.setItem(r, 4, _score_cell(review))
            t.setItem(r, 5, _cell(level))
            t.setItem(r, 6, _cell(f"{p['self_answered']}/{shown_total}"))
            bar = _cell("")
            bar.setData(ProgressRole, (p["review_answered"], total))
            t.setItem(r, BAR_COLUMN, bar)
            t.setItem(r, 8, _cell(f"{p['self_photos']}＋{p['review_photos']}"))
            t.setItem(r, 9, _cell(p["reviewer"] or ""))
            signed = f"{p['signed_by']} {local_date(p['signed_at'])}".strip() if p["signed_by"] else ""
            t.setItem(r, 10, _cell(signed, f"签字时间 {local_time(p['signed_at'])}" if p["signed_at"] else None))
        ids = [p["id"] for p in rows]
        if rows:
            t.selectRow(ids.index(self.current) if self.current in ids else 0)
        self.open_button.setEnabled(bool(rows))
        self.count.setText(f"共 {len(rows)} 个考评")

        got = received_bundles(self.ws)
        self.received_label.setText(f"<b>收到的交换包</b>（{len(got)} 个，最新的在前）" if got
                                    else "<b>收到的交换包</b>：尚未导入过交换包（“交换”菜单 → 导入交换包）")
        t = self.received
        t.setRowCount(len(got))
        own = signing.own_fingerprint(self.ws)
        for r, b in enumerate(got):
            key = signing.known_key(self.ws, b["fingerprint"]) if b["fingerprint"] else None
            trust = "已信任" if key and key["trusted"] else "未信任"
            if b["fingerprint"] and b["fingerprint"] == own:
                trust = "本工作区"
            summary = b["summary"] if isinstance(b["summary"], dict) else json.loads(b["summary"] or "{}")
            made = local_time(b["created_at"])
            t.setItem(r, 0, _cell(local_time(b["imported_at"]), f"导入人 {b['imported_by'] or ''}\n制作于 {made}"))
            t.setItem(r, 1, _cell(KIND_LABELS.get(b["kind"], b["kind"])))
            t.setItem(r, 2, _cell(b["workspace_name"]))
            t.setItem(r, 3, _cell(f"{b['short']}（{trust}）", signing.pretty(b["fingerprint"] or "")))
            t.setItem(r, 4, _cell(counts_text(summary)))

    def current_id(self) -> str | None:
        row = self.progress.currentRow()
        item = self.progress.item(row, 0) if row >= 0 else None
        return item.data(IdRole) if item else None

    def open_current(self) -> None:
        aid = self.current_id()
        if aid:
            self.openRequested.emit(aid)
            self.accept()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.progress.hasFocus():
            self.open_current()
            return
        super().keyPressEvent(event)
