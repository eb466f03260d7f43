"""全市汇总: the 军分区's view of a year across its counties.

`CityView` shows the counties of `storage.rollup.city_rollup` in a sortable table (rank,
达标率, 达优率, scores and their spread, failed units, 复核 deviation), a line with the
whole city's figures, a bar chart of 达标率 by county and a histogram of scores
(ui/charts.py). The roll-up is computed in a worker thread on its own connection (a
1,500-assessment year takes a while): the table says "正在统计…" until it arrives, and a
result for a year no longer chosen is dropped. Clicking a county emits `countyChosen`
(the main window selects it in the units tree).

`CityPage` puts the view into the main window: it takes the place of the checklist and
item panes (the units tree stays on the left) while 视图 → 全市汇总 is checked, and is
offered only when the workspace holds a 军分区 or more than one county.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from checklists.numbers import display

from .tasks import TaskWorker, error_lines, with_workspace

# The main window makes a CityPage at start (it decides whether 全市汇总 is offered); the
# view, its table model, charts and widget classes are imported when the page is first
# shown: most workspaces never show it, and PySide builds each Qt class's enums on import.

WAITING = "正在统计…"
HISTOGRAM_BIN = 5  # points per histogram bar


def load_city(ws, year: int | None) -> tuple[list[tuple[int, int]], dict | None]:
    """([(year, assessments)] newest first, the roll-up of `year` — the newest year when
    None — or None when there is no assessment at all). Runs in the worker."""
    from storage.rollup import city_rollup, year_counts

    years = year_counts(ws)  # one GROUP BY (listing every assessment took ≈ 0.06 s at 1,500)
    if not years:
        return years, None
    if year not in dict(years):
        year = years[0][0]
    return years, city_rollup(ws, year)


def histogram_data(scores) -> list[tuple[str, int]]:
    """The histogram's bars from the roll-up's scores: bins of HISTOGRAM_BIN points up to
    100 (storage.rollup.score_histogram, as the printed summary has them)."""
    from storage.rollup import score_histogram

    if not scores:
        return []
    high = 100 if max(scores) <= 100 else None
    return [(f"{display(lo)}–{display(hi)}", n) for lo, hi, n in score_histogram(scores, HISTOGRAM_BIN, high=high)]


def city_line(rollup: dict) -> str:
    """The whole city's figures in one line, under the table."""
    from .models.county_model import percent  # with the view: see the note on imports
    f = rollup["figures"]
    name = rollup["city"] or "全市"
    if not f["assessed"]:
        pending = f"（{f['pending']} 个单位尚未完成考评）" if f["pending"] else ""
        return f"{name} {rollup['year']} 年度：尚无考评结果{pending}"
    parts = [f"{name} {rollup['year']} 年度：考评乡镇（街道）和企业武装部 {f['assessed']} 个",
             f"达标 {f['passed']} 个（{percent(f['pass_rate'])}）",
             f"达优率 {percent(f['top_rate'])}",
             f"平均 {display(f['average'])} 分"]
    if f["pending"]:
        parts.append(f"另有 {f['pending']} 个未完成考评")
    last = rollup.get("last_year")
    if last and last["assessed"] and last["pass_rate"] is not None:
        change = (f["pass_rate"] - last["pass_rate"]) * 100
        parts.append(f"达标率同比 {'+' if change >= 0 else '−'}{display(abs(change), 1)} 个百分点")
    return "，".join(parts)


class CityView(QWidget):
    countyChosen = Signal(str)  # the county's unit id
    printRequested = Signal(int, str)  # year, 'pdf' | 'xlsx'
    loaded = Signal()  # a roll-up is on screen (tests, measurements)

    def __init__(self, ws, parent=None):
        # Imported with the view, not the window (see the note on imports above).
        from PySide6.QtCore import QSortFilterProxyModel
        from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                                       QScrollArea, QSplitter, QStackedWidget, QTableView, QVBoxLayout)

        from .charts import BarChart, Histogram
        from .models.county_model import CountyTableModel, SortRole

        super().__init__(parent)
        self.ws = ws
        self.rollup: dict | None = None
        self._worker: TaskWorker | None = None
        self._token = 0
        self._wanted_year: int | None = None

        self.title = QLabel("全市汇总")
        self.title.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.year = QComboBox()
        self.year.setToolTip("汇总哪一年度的考评")
        self.year.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.year.activated.connect(self._year_chosen)
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.setToolTip("按工作区现有数据重新统计")
        self.refresh_button.clicked.connect(lambda: self.refresh())
        self.print_pdf = QPushButton("打印全市汇总…")
        self.print_pdf.setToolTip("军分区汇总（PDF）：预览、打印或另存")
        self.print_pdf.clicked.connect(lambda: self._print("pdf"))
        self.print_xlsx = QPushButton("导出 Excel…")
        self.print_xlsx.setToolTip("军分区汇总另存为 Excel 表格")
        self.print_xlsx.clicked.connect(lambda: self._print("xlsx"))
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(QLabel("年度："))
        top.addWidget(self.year)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.print_pdf)
        top.addWidget(self.print_xlsx)

        self.model = CountyTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SortRole)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.waiting = QLabel(WAITING)
        self.waiting.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.waiting.setStyleSheet("color: #5f6368; font-size: 11pt;")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.waiting)
        self.stack.addWidget(self.table)
        self.city = QLabel()
        self.city.setWordWrap(True)

        self.bars = BarChart("各县（市、区）达标率")
        bars_scroll = QScrollArea()
        bars_scroll.setWidget(self.bars)
        bars_scroll.setWidgetResizable(True)
        bars_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bars_scroll.setMinimumWidth(260)
        self.bars_scroll = bars_scroll
        self.histogram = Histogram("得分分布（单位数）")
        charts = QSplitter(Qt.Orientation.Horizontal)
        charts.addWidget(bars_scroll)
        charts.addWidget(self.histogram)
        charts.setChildrenCollapsible(False)
        charts.setStretchFactor(0, 3)
        charts.setStretchFactor(1, 2)

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.setSpacing(3)
        upper_layout.addWidget(self.stack, 1)
        upper_layout.addWidget(self.city)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(upper)
        self.split.addWidget(charts)
        self.split.setChildrenCollapsible(False)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.split, 1)

    # ---------------------------------------------------------------- loading

    def refresh(self, year: int | None = None) -> None:
        """Compute the roll-up of `year` (default: the year shown, else the newest) in a
        worker; the table waits with "正在统计…"."""
        year = year if year is not None else self._wanted_year
        self._wanted_year = year
        self._token += 1
        token = self._token
        self.stack.setCurrentWidget(self.waiting)
        self.waiting.setText(WAITING)
        self.refresh_button.setEnabled(False)
        worker = TaskWorker(with_workspace(self.ws, lambda tws, _progress: load_city(tws, year)), self)
        worker.succeeded.connect(lambda result: self._loaded(worker, token, result, None))
        worker.failed.connect(lambda exc: self._loaded(worker, token, None, exc))
        self._worker = worker
        worker.start()

    def _loaded(self, worker, token, result, exc) -> None:
        worker.wait()
        worker.deleteLater()
        if self._worker is worker:
            self._worker = None
        if token != self._token:
            return  # an older year's result
        self.refresh_button.setEnabled(True)
        if exc is not None:
            self.waiting.setText("统计失败：" + "；".join(error_lines(exc)))
            return
        years, rollup = result
        self._fill_years(years, rollup["year"] if rollup else None)
        self.show_rollup(rollup)

    def _fill_years(self, years, current) -> None:
        blocked = self.year.blockSignals(True)
        self.year.clear()
        for y, n in years:
            self.year.addItem(f"{y} 年度（{n} 个考评）", y)
        if current is not None:
            self.year.setCurrentIndex(self.year.findData(current))
        self.year.blockSignals(blocked)

    def _year_chosen(self, _index: int) -> None:
        year = self.year.currentData()
        if year is not None and (self.rollup is None or year != self.rollup["year"]):
            self.refresh(year)

    def show_rollup(self, rollup: dict | None) -> None:
        """Put a roll-up (or none: an empty workspace) on screen: table, city line, charts."""
        self.rollup = rollup
        self.model.set_rollup(rollup)
        self.table.sortByColumn(self.table.horizontalHeader().sortIndicatorSection(),
                                self.table.horizontalHeader().sortIndicatorOrder())
        if rollup is None:
            self.waiting.setText("工作区中还没有考评")
            self.city.setText("")
            self.bars.set_data([])
            self.histogram.set_data([])
            self.loaded.emit()
            return
        self.stack.setCurrentWidget(self.table)
        self._size_columns()
        self.title.setText(f"{rollup['city']} 全市汇总" if rollup["city"] else "全市汇总")
        self.city.setText(city_line(rollup))
        bars = [(c["county"], float(c["figures"]["pass_rate"] * 100)) for c in rollup["counties"]
                if c["figures"]["assessed"]]
        self.bars.set_data(bars, "尚无考评结果")
        f = rollup["figures"]
        self.bars.set_reference("全市", float(f["pass_rate"] * 100) if f["pass_rate"] is not None else None)
        self.histogram.set_data(histogram_data(rollup["scores"]), "尚无考评结果")
        self.loaded.emit()

    def _size_columns(self) -> None:
        """Columns as wide as header or contents, the failed units' column capped."""
        from PySide6.QtWidgets import QHeaderView

        from .models.county_model import FAILED  # with the view

        fm = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        for col in range(self.model.columnCount()):
            texts = [self.model.headerData(col, Qt.Orientation.Horizontal)]
            texts += [self.model.data(self.model.index(r, col)) or "" for r in range(min(self.model.rowCount(), 200))]
            width = max(fm.horizontalAdvance(t) for t in texts) + 24
            header.resizeSection(col, min(width, 220))
        header.setSectionResizeMode(FAILED, QHeaderView.ResizeMode.Stretch)  # takes the room left

    def busy(self) -> bool:
        return self._worker is not None

    def stop(self, ms: int = 30000) -> None:
        """Wait for a running roll-up (the window is closing); its result is dropped."""
        self._token += 1
        if self._worker is not None:
            self._worker.wait(ms)

    # ---------------------------------------------------------------- choosing

    def _row_changed(self, current: QModelIndex, _previous) -> None:
        from .models.county_model import CountyIdRole  # with the view

        county_id = current.data(CountyIdRole) if current.isValid() else None
        if county_id:
            self.countyChosen.emit(county_id)

    def select_county(self, county_id: str) -> None:
        """Select a county's row (by unit id), if it has one."""
        row = self.model.row_of_county(county_id)
        if row >= 0:
            self.table.setCurrentIndex(self.proxy.mapFromSource(self.model.index(row, 1)))

    def _print(self, fmt: str) -> None:
        year = self.year.currentData()
        if year is not None:
            self.printRequested.emit(int(year), fmt)


class CityPage(QObject):
    """The 全市汇总 page of the main window: made the first time it is shown, in the
    splitter beside the units tree, in place of the checklist and item panes."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.view: CityView | None = None
        window.units_pane.model.modelReset.connect(self.update_action)

    def update_action(self) -> None:
        """Offer 全市汇总 (menu, toolbar) only in a 军分区's workspace; leave the page when
        the workspace no longer is one (a backup restored)."""
        w = self.window
        act = getattr(w, "act_city", None)
        if act is None:
            return
        wanted = self.wanted()
        act.setVisible(wanted)
        w.act_doc_city.setVisible(wanted)
        if not wanted:
            self.hide()
        elif self.shown():
            self.view.refresh()  # the data changed under it

    def wanted(self) -> bool:
        """Whether the workspace calls for the page: a 军分区, or more than one county."""
        return self.window.units_pane.model.holds_counties()

    def shown(self) -> bool:
        return self.view is not None and self.view.isVisible()

    def show(self) -> None:
        w = self.window
        left = w.splitter.sizes()[0]  # before the page comes and the panes go: the splitter shares their room
        if self.view is None:
            self.view = CityView(w.ws)
            self.view.countyChosen.connect(lambda cid: w.units_pane.select(cid))
            self.view.printRequested.connect(self._print)
            self.view.hide()
            w.splitter.addWidget(self.view)
            w.units_pane.view.doubleClicked.connect(self._tree_double_clicked)
            w.units_pane.enterPressed.connect(self.hide)
            for act, focus in ((w.act_list, w.focus_list), (w.act_item, w.focus_item)):
                act.triggered.connect(lambda _=False, focus=focus: self._leave_to(focus))
        for pane in (w.checklist_pane, w.item_pane, w.score_bar):
            pane.hide()
        w.act_city.setChecked(True)
        self.view.show()
        self.fit(left)
        QTimer.singleShot(0, lambda: self.fit(left) if self.shown() else None)  # after the splitter's own relayout
        self.view.refresh()

    def hide(self) -> None:
        if not self.shown():
            return
        w = self.window
        self.view.hide()
        for pane in (w.checklist_pane, w.item_pane, w.score_bar):
            pane.show()
        w.act_city.setChecked(False)
        w.fit_panes()

    def fit(self, left: int | None = None) -> None:
        """The units tree keeps its width (or takes `left`); the page takes the rest."""
        w = self.window
        sizes = w.splitter.sizes()
        left = left if left is not None else sizes[0]
        total = w.splitter.width() - w.splitter.handleWidth() * 3
        w.splitter.setSizes([left, 0, 0, max(200, total - left)])

    def _leave_to(self, focus) -> None:
        """Ctrl+2 / Ctrl+3 while the page is shown: back to the panes, then focus."""
        if self.shown():
            self.hide()
            focus()

    def _tree_double_clicked(self, index) -> None:
        """An assessment double-clicked in the tree: back to it."""
        if index.isValid() and index.siblingAtColumn(0).data(Qt.ItemDataRole.UserRole + 2) == "assessment":
            self.hide()

    def print_summary(self) -> None:
        """文书 → 军分区汇总: the PDF of the year the page shows; the page first when it
        has not been shown (its year chooser says which year)."""
        if self.view is None or self.view.rollup is None:
            self.show()
            self.window.statusBar().showMessage("请在全市汇总中选择年度，然后点“打印全市汇总…”", 6000)
            return
        self._print(self.view.rollup["year"], "pdf")

    def _print(self, year: int, fmt: str) -> None:
        city = self.view.rollup["city"] if self.view is not None and self.view.rollup else ""
        print_city_summary(self.window, year, fmt, city)

    def stop(self) -> None:
        if self.view is not None:
            self.view.stop()


def print_city_summary(window, year: int, fmt: str, city: str = "") -> None:
    """The 军分区 summary of `year` (exports/city_summary.py, exports/city_excel.py) through
    the window's DocumentJobs, as the county summary: rendered in a worker, then the PDF
    previewed (打印, 另存为) or the workbook saved where the person chooses."""
    from storage.errors import StorageError

    from . import files

    docs = window.documents
    name = f"{city}{year}年度基层武装部规范化建设考评情况汇总"

    def collect(ws):
        from storage.rollup import city_rollup

        data = city_rollup(ws, year)
        if not data["total"]:
            raise StorageError(f"{year} 年没有考评记录，无法生成军分区汇总")
        return data

    if fmt == "xlsx":
        target = files.ask_save_path(window, "军分区汇总另存为 Excel", name + ".xlsx", "Excel 表格 (*.xlsx)")
        if target is None:
            return

        def make_xlsx(ws, _progress):
            from exports.city_excel import write_city_excel

            return write_city_excel(collect(ws), target)

        docs.run_job("军分区汇总", "正在生成军分区汇总（Excel）…", make_xlsx,
                  lambda path: window.statusBar().showMessage(f"军分区汇总已保存：{path}", 8000))
        return

    def make(ws, out):
        from exports.city_summary import render_city_summary

        return render_city_summary(collect(ws), out)

    docs.render_pdf("军分区汇总", name, make)
