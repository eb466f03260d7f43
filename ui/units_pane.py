"""Left pane: units (军分区 > county > town > 营连) and their assessments by year, with level
badges, a filter box, and the county the rows on screen belong to."""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QPushButton,
                               QStyledItemDelegate, QToolTip, QTreeView, QVBoxLayout, QWidget)

from storage import units

from .badge_worker import BadgeWorker
from .models.units_model import BadgeColorRole, BadgePendingRole, IdRole, NodeKindRole, ShortTextRole, UnitsModel

# A badge not scored yet takes the room of this one, so the column does not jump when
# the badges arrive (most are as wide or narrower: "达标 86.5", "未填").
PENDING_BADGE = "未达标 88.5"
BADGE_PADDING = 14 + 10  # the pill's own padding (BadgeDelegate) and a margin
FILTER_DELAY_MS = 150  # after the last key typed into the filter
TEXT_MARGIN = 8  # of a cell's width, around its text


class BadgeDelegate(QStyledItemDelegate):
    """Paints column 1 as a rounded pill in the row's badge colour."""

    def initStyleOption(self, option, index):  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        if index.data(BadgePendingRole):
            option.text = PENDING_BADGE  # sized as a badge, painted empty (see paint)

    def paint(self, painter: QPainter, option, index):
        pending = index.data(BadgePendingRole)
        text = index.data(Qt.ItemDataRole.DisplayRole)
        color = index.data(BadgeColorRole)
        if not pending and (not text or not isinstance(color, QColor)):
            super().paint(painter, option, index)
            return
        painter.save()
        # Selected, asked of the view rather than of option.state: reading a QStyle flag
        # from Python makes PySide build all of QStyle's enums (about 15 ms at first paint).
        view = option.widget
        if view is not None and view.selectionModel().isSelected(index):
            painter.fillRect(option.rect, option.palette.highlight())
        if pending:
            painter.restore()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = option.fontMetrics
        w = min(option.rect.width() - 4, fm.horizontalAdvance(text) + 14)
        h = min(option.rect.height() - 4, fm.height() + 4)
        rect = QRectF(option.rect.left() + 2, option.rect.center().y() - h / 2 + 1, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(rect, h / 2, h / 2)
        painter.setPen(QColor("white"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        return QSize(size.width() + 14, max(size.height(), option.fontMetrics.height() + 8))


class NameDelegate(QStyledItemDelegate):
    """Column 0: an assessment row too narrow for "2027 年 · 已定稿" (a 1024 px screen)
    shows "2027 已定稿", then "已定稿": the status stays in sight, not "2027 …". Its
    tooltip, when `tooltip_of` gives one, is that text (a unit's tags, read when hovered)."""

    tooltip_of = None  # index -> str | None, set by the pane

    def helpEvent(self, event, view, option, index):  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.ToolTip and self.tooltip_of is not None:
            text = self.tooltip_of(index)
            if text:
                QToolTip.showText(event.globalPos(), text, view)
                return True
        return super().helpEvent(event, view, option, index)

    def initStyleOption(self, option, index):  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        shorter = index.data(ShortTextRole)
        if shorter:
            room = option.rect.width() - TEXT_MARGIN
            fm = option.fontMetrics
            if fm.horizontalAdvance(option.text) > room:
                option.text = next((t for t in shorter if fm.horizontalAdvance(t) <= room), shorter[-1])


class UnitsPane(QWidget):
    """The tree with a filter box above it and, between them, the county the rows at the
    top of the tree belong to (the county row itself may be scrolled away).

    Counties start collapsed, but for the one holding the assessment opened last; a 军分区
    above them, towns and everything under them start expanded. Badges are scored by a BadgeWorker once the tree
    has been painted, the county on screen first. Filtering hides rows (setRowHidden): the
    view keeps showing the model itself, so every index here is the model's own."""

    assessmentSelected = Signal(str)
    unitSelected = Signal(str)
    newUnitRequested = Signal()
    newAssessmentRequested = Signal()
    unitTagsRequested = Signal(str)  # a unit's 单位标签… (its id), from the context menu
    enterPressed = Signal()

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        # Badges are scored once the tree has been painted (the window shows first).
        self.model = UnitsModel(ws, self, defer_badges=True)
        self.view = _UnitsView()
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setItemDelegateForColumn(1, BadgeDelegate(self.view))
        # One row height for all (the delegate measures the first row only) and a badge
        # column of fixed width, widened when a wider badge arrives: Qt never measures the
        # rows through the Python delegate as badges fill in (ResizeToContents did, up to
        # a thousand rows for every change).
        self.view.setUniformRowHeights(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setIndentation(14)
        names = NameDelegate(self.view)
        names.tooltip_of = self.unit_tooltip
        self.view.setItemDelegateForColumn(0, names)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self._badge_width = 0
        self._widen_badges([PENDING_BADGE, "整改 99"])
        self.view.selectionModel().currentChanged.connect(self._current_changed)
        self.view.enterPressed.connect(self.enterPressed.emit)
        self.view.firstPainted.connect(self._start_badges)
        self.view.expanded.connect(self._expanded)
        self._worker: BadgeWorker | None = None
        self._worker_token = 0
        self._started = False  # the tree has been painted: badges are being or have been scored
        self._hidden: set[int] = set()  # node ids hidden by the filter (setRowHidden)
        self._kept: set[int] | None = None  # node ids the filter keeps; None: no filter
        self._filter_text = ""  # the text _kept was made from
        self._expanded_roots: list[str] = []

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("筛选：单位名称、状态、等级")
        self.filter.setToolTip("按单位名称、年度、状态（自评中、已提交……）或等级（达标、未达标……）筛选；"
                               "几个词用空格分开，例如“城关 未达标”。Esc 清除，↓ 转到列表。")
        self.filter.setClearButtonEnabled(True)
        self.filter.installEventFilter(self)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter.textChanged.connect(self._filter_timer.start)

        self.county = QPushButton()
        self.county.setFlat(True)
        self.county.setStyleSheet("QPushButton { text-align: left; padding: 2px 4px; font-weight: bold;"
                                  " color: palette(window-text); background: palette(alternate-base); }")
        self.county.setToolTip("列表顶部各行所属的县（区）；单击回到该县的第一行")
        self.county.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.county.clicked.connect(self._scroll_to_county)
        self._county_timer = QTimer(self)
        self._county_timer.setSingleShot(True)
        self._county_timer.timeout.connect(self._update_county)
        self.view.verticalScrollBar().valueChanged.connect(self._county_timer.start)
        self.view.expanded.connect(self._county_timer.start)
        self.view.collapsed.connect(self._county_timer.start)
        self.view.resized.connect(self._county_timer.start)

        title = QLabel("单位与考评")
        title.setStyleSheet("font-weight: bold;")
        self.new_unit = QPushButton("新建单位…")
        self.new_unit.clicked.connect(self.newUnitRequested.emit)
        self.new_assessment = QPushButton("新建考评…")
        self.new_assessment.clicked.connect(self.newAssessmentRequested.emit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_unit)
        buttons.addWidget(self.new_assessment)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(title)
        layout.addWidget(self.filter)
        layout.addWidget(self.county)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.model.modelAboutToBeReset.connect(self._before_reset)
        self.model.modelReset.connect(self._after_reset)
        self._default_expansion()
        self._county_timer.start()

    # ---------------------------------------------------------------- expansion

    def _default_expansion(self, expanded_roots=()) -> None:
        """Everything below the counties (and a 军分区 above them) expanded, the counties
        collapsed but for `expanded_roots` (ids); selecting an assessment expands its
        county (scrollTo)."""
        counties = {n.nid for n in self.model.county_nodes()}
        blocked = self.view.blockSignals(True)
        try:
            for node in self.model.branch_nodes():
                if node.nid not in counties:
                    self.view.expand(self.model.node_index(node.nid))
            for record_id in expanded_roots:
                self.view.expand(self.model.index_of(record_id))
        finally:
            self.view.blockSignals(blocked)

    def _before_reset(self) -> None:
        self._expanded_roots = [self.model.data(i, IdRole) for i in self._counties() if self.view.isExpanded(i)]

    def _after_reset(self) -> None:
        self._hidden = set()
        self._default_expansion(self._expanded_roots)
        if self._kept is not None:
            self._kept, self._filter_text = None, ""
            self._apply_filter()
        if self._started:
            self._start_badges()
        self._county_timer.start()

    def _counties(self) -> list[QModelIndex]:
        """The county-level rows (the top rows, or those under a 军分区)."""
        return [self.model.node_index(n.nid) for n in self.model.county_nodes()]

    def _expanded(self, index: QModelIndex) -> None:
        """A county opened while badges are filling: its badges next."""
        if self._worker is not None and self.model.root_of(index) == index:
            self._worker.prioritise(self.model.ids_under(index))

    # ---------------------------------------------------------------- badges

    def _start_badges(self) -> None:
        """Score the missing badges in a worker: the current county first, then the other
        expanded ones, then the rest in tree order."""
        self._started = True
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
        if not self.model.badges_pending():
            return
        first: list[str] = []
        current = self.view.currentIndex()
        if current.isValid():
            first += self.model.ids_under(self.model.root_of(current))
        for county in self._counties():
            if self.view.isExpanded(county):
                first += self.model.ids_under(county)
        jobs = self.model.badge_jobs(first)
        if not jobs:
            self.model.badges_done()
            return
        self._worker_token += 1
        self._worker = BadgeWorker(self.model.ws, jobs, self._worker_token)
        self._worker.scored.connect(self._badges_scored)
        self._worker.done.connect(self._badges_finished)
        self._worker.start()

    def _badges_scored(self, message) -> None:
        token, batch = message
        if self._worker is None or token != self._worker.token:
            return  # a cancelled worker's last batch
        self._widen_badges(self.model.apply_badges(batch))
        if self._kept is not None:
            self._filter_timer.start()  # levels arrived: the filter may keep other rows now

    def _badges_finished(self, message) -> None:
        token, cancelled = message
        if self._worker is None or token != self._worker.token:
            return
        self._worker = None
        if not self.model.badges_done() and not cancelled:
            # The worker could not score them all (no connection of its own): score the
            # rest where they are shown, on this thread.
            self.model.badges_done(force=True)
            self.view.viewport().update()

    def badges_busy(self) -> bool:
        """Whether a worker is still scoring badges."""
        return self._worker is not None

    def stop_badges(self, ms: int = 10000) -> None:
        """Stop scoring badges (the window is closing)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker.wait(ms)
            self._worker = None

    def _widen_badges(self, texts) -> None:
        fm = self.view.fontMetrics()
        width = max((fm.horizontalAdvance(t) for t in set(texts)), default=0) + BADGE_PADDING
        if width > self._badge_width:
            self._badge_width = width
            self.view.header().resizeSection(1, width)

    # ---------------------------------------------------------------- filter

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if obj is self.filter and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key == Qt.Key.Key_Escape and self.filter.text():
                self.filter.clear()
                self._apply_filter()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._filter_timer.stop()
                self._apply_filter()
                self._focus_first_match()
                return True
        return super().eventFilter(obj, event)

    def set_filter(self, text: str) -> None:
        """Filter the tree now (what typing into the box does after a short pause)."""
        self.filter.setText(text)
        self._filter_timer.stop()
        self._apply_filter()

    def _apply_filter(self) -> None:
        """Hide the rows the filter does not keep (a row under a hidden one needs no flag of
        its own) and expand the rows kept, so that every match is on screen; with no filter,
        show all and collapse the counties again but for the current one."""
        text = self.filter.text()
        kept = self.model.filter_rows(text)
        before, new_text = self._kept, text != self._filter_text
        self._kept, self._filter_text = kept, text
        if kept is None:
            hide = set()
        else:
            hide = {node.nid for node in self.model.all_nodes() if node.nid not in kept
                    and (node.parent is None or node.parent.nid in kept)}
        for nid in self._hidden - hide:
            index = self.model.node_index(nid)
            self.view.setRowHidden(index.row(), index.parent(), False)
        for nid in hide - self._hidden:
            index = self.model.node_index(nid)
            self.view.setRowHidden(index.row(), index.parent(), True)
        self._hidden = hide
        if kept is not None:
            for node in self.model.branch_nodes():
                if node.nid in kept and (before is None or node.nid not in before):
                    self.view.expand(self.model.node_index(node.nid))
            if new_text:  # the current row when it is kept, else the first match
                current = self.view.currentIndex()
                if current.isValid() and not self._filtered_out(current):
                    self.view.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
                else:
                    self.view.scrollToTop()
        elif before is not None:
            current = self.view.currentIndex()
            keep_open = self.model.root_of(current) if current.isValid() else QModelIndex()
            for county in self._counties():
                if county != keep_open:
                    self.view.collapse(county)
            if current.isValid():
                self.view.scrollTo(current, QAbstractItemView.ScrollHint.PositionAtCenter)
        self._update_county()

    def _focus_first_match(self) -> None:
        self.view.setFocus()
        current = self.view.currentIndex()
        if current.isValid() and not self._filtered_out(current):
            return
        index = self.view.indexAt(QPoint(1, 1))
        while index.isValid() and index.data(NodeKindRole) != "assessment":
            index = self.view.indexBelow(index)
        if index.isValid():
            self.view.setCurrentIndex(index)

    def _filtered_out(self, index: QModelIndex) -> bool:
        if self._kept is None:
            return False
        node = self.model.node_of(index)
        return node is None or node.nid not in self._kept

    # ---------------------------------------------------------------- where am I

    def _update_county(self) -> None:
        """The county of the row at the top of the tree (the 军分区 when that row is one)."""
        if self._kept is not None and not self._kept:
            self.county.setText("没有匹配的单位或考评")
            return
        top = self.view.indexAt(QPoint(1, 1))
        root = self.model.root_of(top) if top.isValid() else QModelIndex()
        if not root.isValid():
            self.county.setText("")
            return
        self.county.setText(f"▾ {self.model.data(root, Qt.ItemDataRole.DisplayRole)}")

    def _scroll_to_county(self) -> None:
        top = self.view.indexAt(QPoint(1, 1))
        if top.isValid():
            self.view.scrollTo(self.model.root_of(top), QAbstractItemView.ScrollHint.PositionAtTop)

    # ---------------------------------------------------------------- a unit's tags

    def unit_tooltip(self, index: QModelIndex) -> str | None:
        """A unit row's tooltip with its tags named (标签：大镇); None for other rows (the
        model's own tooltip). Read from storage when hovered, so a change shows at once."""
        index = index.siblingAtColumn(0)
        if index.data(NodeKindRole) != "unit":
            return None
        base = index.data(Qt.ItemDataRole.ToolTipRole) or ""
        try:
            keys = units.unit_tags(self.model.ws, index.data(IdRole))
        except ValueError as exc:  # damaged in the database: say so, 单位标签… repairs it
            return f"{base}\n标签：{exc}"
        if not keys:
            return base or None
        declared = units.declared_tags(self.model.ws)
        names = [re.split(r"[（(]", declared[k], maxsplit=1)[0] or declared[k] if k in declared else k for k in keys]
        return f"{base}\n标签：{'、'.join(names)}"

    def _context_menu(self, pos: QPoint) -> None:
        """Right click on a unit row: 单位标签… (what 编辑 > 单位标签… does for the current unit)."""
        index = self.view.indexAt(pos).siblingAtColumn(0)
        if index.data(NodeKindRole) != "unit":
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self.view)
        unit_id = index.data(IdRole)
        menu.addAction("单位标签(&T)…", lambda: self.unitTagsRequested.emit(unit_id))
        menu.exec(self.view.viewport().mapToGlobal(pos))

    # ---------------------------------------------------------------- selection

    def _current_changed(self, current: QModelIndex, _previous) -> None:
        if not current.isValid():
            return
        kind = current.data(NodeKindRole)
        record_id = current.data(IdRole)
        if kind == "assessment":
            self.assessmentSelected.emit(record_id)
        elif kind == "unit":
            self.unitSelected.emit(record_id)

    def current_unit_id(self) -> str | None:
        """The selected unit, or the unit of the selected assessment."""
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        index = index.siblingAtColumn(0)
        if index.data(NodeKindRole) == "assessment":
            row = index.data(Qt.ItemDataRole.UserRole + 4)
            return row["unit_id"]
        return index.data(IdRole)

    def select(self, record_id: str) -> None:
        index = self.model.index_of(record_id)
        if index.isValid():
            if self._filtered_out(index):
                self.set_filter("")
            self.view.setCurrentIndex(index)
            self.view.scrollTo(index)

    def reload(self, select_id: str | None = None) -> None:
        current = select_id or self.view.currentIndex().data(IdRole)
        blocker = self.view.selectionModel().blockSignals(True)
        self.model.reload()
        self.view.selectionModel().blockSignals(blocker)
        if current:
            index = self.model.index_of(current)
            if index.isValid():
                if self._filtered_out(index):
                    self.set_filter("")
                self.view.selectionModel().blockSignals(True)
                self.view.setCurrentIndex(index)
                self.view.selectionModel().blockSignals(False)
                self.view.scrollTo(index)
        if select_id:
            self._current_changed(self.model.index_of(select_id), None)


class _UnitsView(QTreeView):
    enterPressed = Signal()
    firstPainted = Signal()
    resized = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._painted = False

    def paintEvent(self, event):  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.firstPainted.emit()

    def resizeEvent(self, event):  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.resized.emit()

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enterPressed.emit()
            return
        super().keyPressEvent(event)
