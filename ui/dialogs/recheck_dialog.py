"""抽取复核单位: the 军分区 draws, for a year, the towns and enterprises it re-checks on
site (storage.recheck.draw): N per county or a share, an optional seed; the drawn units
and the seed are shown, so the 通报 can name the seed and anyone can draw the same list
again. Another rule or seed than the year's draw is a redraw and asks first."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPushButton, QRadioButton, QSpinBox, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from checklists.errors import DabiaoError
from storage import assessments, recheck, units
from storage.timefmt import local_time

from ..errors import ask
from ..format import escape


def draw_years(ws) -> list[int]:
    """The years that have assessments, newest first (the year box's choices)."""
    from storage.rollup import year_counts  # one GROUP BY (listing every assessment was ≈ 0.06 s at 1,500)

    return [year for year, _ in year_counts(ws)]


class RecheckDrawDialog(QDialog):
    """Year, rule (每县 N 个 / 比例), seed; 抽取 shows the sample and the seed."""

    drawn = Signal(int)  # the year whose sample changed

    def __init__(self, ws, year: int | None = None, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("抽取复核单位")
        years = draw_years(ws)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year or (years[0] if years else 2027))
        self.year.setFixedWidth(self.year.fontMetrics().horizontalAdvance("20270") + 40)
        self.year.valueChanged.connect(self.show_draw)

        self.by_count = QRadioButton("每县抽取")
        self.by_share = QRadioButton("每县按比例")
        self.rule_group = QButtonGroup(self)
        self.rule_group.addButton(self.by_count)
        self.rule_group.addButton(self.by_share)
        self.by_count.setChecked(True)
        self.count = QSpinBox()
        self.count.setRange(1, 999)
        self.count.setValue(2)
        self.count.setSuffix(" 个")
        self.share = QSpinBox()
        self.share.setRange(1, 100)
        self.share.setValue(20)
        self.share.setSuffix(" %")
        self.by_count.toggled.connect(self._rule_kind_changed)
        rule_row = QHBoxLayout()
        for w in (self.by_count, self.count, self.by_share, self.share):
            rule_row.addWidget(w)
        rule_row.addStretch(1)
        rule_box = QWidget()
        rule_box.setLayout(rule_row)
        rule_row.setContentsMargins(0, 0, 0, 0)

        self.seed = QLineEdit()
        self.seed.setPlaceholderText("可不填：留空则随机生成，并在下方显示")
        self.seed.setMaxLength(100)

        form = QFormLayout()
        form.addRow("年度：", self.year)
        form.addRow("抽取规则：", rule_box)
        form.addRow("随机种子：", self.seed)

        rule_note = QLabel("在县级考评已完成（已考评或已定稿）的乡镇（街道）、企业武装部中，按县（市、区）分别随机抽取；"
                           "比例按四舍五入、每县至少 1 个。相同种子再抽得到相同名单。")
        rule_note.setWordWrap(True)
        rule_note.setStyleSheet("color: #5f6368;")

        self.info = QLabel()  # the year's draw: rule, seed, when, by whom
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel()  # a refusal or a note, one line
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a50e0e;")
        self.message.hide()

        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels(["县（市、区）", "单位", "状态", "复核"])
        header = self.table.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

        self.draw_button = QPushButton("抽取")
        self.draw_button.setDefault(True)
        self.draw_button.clicked.connect(self.draw)
        if ws.readonly:
            self.draw_button.setEnabled(False)
            self.draw_button.setToolTip("工作区以只读方式打开，不能抽取")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.addButton(self.draw_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(rule_note)
        layout.addWidget(self.info)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self._rule_kind_changed(True)
        self.resize(620, 480)
        self.show_draw()

    # ---------------------------------------------------------------- reading

    def _rule_kind_changed(self, by_count: bool) -> None:
        self.count.setEnabled(by_count)
        self.share.setEnabled(not by_count)

    def rule(self) -> dict:
        """The chosen rule as draw()'s keywords: per_county or share."""
        if self.by_count.isChecked():
            return {"per_county": self.count.value()}
        return {"share": str(Decimal(self.share.value()) / 100)}

    def show_draw(self) -> None:
        """The year's active draw (rule, seed, when, by whom) and its units."""
        year = self.year.value()
        try:
            info = recheck.draw_info(self.ws, year)
            rows = recheck.sample(self.ws, year)
        except DabiaoError as exc:
            self._say(str(exc))
            return
        if info is None:
            self.info.setText(f"{year} 年尚未抽取复核单位。")
        else:
            self.info.setText(
                f"{year} 年复核名单：{escape(recheck.rule_text(info.rule))}，共 {len(info.ids)} 个；"
                f"随机种子 <b>{escape(info.seed)}</b>；{escape(local_time(info.drawn_at))} "
                f"由 {escape(info.drawn_by or '—')} 抽取")
        self.table.clear()
        for r in rows:
            row = QTreeWidgetItem([r["county_name"] or "（未归属县）", r["unit_name"],
                                   assessments.STATUS_LABELS.get(r["status"], r["status"]),
                                   "已开始" if r["recheck_begun"] else "未开始"])
            row.setData(0, Qt.ItemDataRole.UserRole, r["id"])
            row.setToolTip(1, units.UNIT_TYPE_LABELS.get(r["unit_type"], r["unit_type"]))
            self.table.addTopLevelItem(row)

    def _say(self, text: str, error: bool = True) -> None:
        """One line under the draw: a refusal in red, a note in grey."""
        self.message.setStyleSheet("color: #a50e0e;" if error else "color: #3c4043;")
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # ---------------------------------------------------------------- drawing

    def confirm(self, title: str, text: str, yes: str) -> bool:
        """Ask before a redraw (tests replace it)."""
        return ask(self, title, text, yes)

    def draw(self) -> bool:
        """Draw with the chosen rule and seed; a different rule or seed than the year's
        draw, or the same one drawing other units now, is a redraw and asks first."""
        self._say("")
        year, rule, seed = self.year.value(), self.rule(), self.seed.text().strip() or None
        try:
            old = recheck.draw_info(self.ws, year)
            same = old is not None and old.rule == recheck.make_rule(**rule) and seed in (None, old.seed)
            redraw = False
            if old is not None and not same:
                redraw = self.confirm("重新抽取复核单位", (
                    f"{year} 年已抽取复核名单（{recheck.rule_text(old.rule)}，种子 {old.seed}，"
                    f"{len(old.ids)} 个）。按新的规则或种子重抽将替换原名单（原名单保留在操作日志中）；"
                    "已开始复核的单位不能被移出名单。\n\n仍要重新抽取吗？"), "重新抽取")
                if not redraw:
                    return False
            result = recheck.draw(self.ws, year, seed=seed, redraw=redraw, **rule)
            if same and result.stale and self.confirm("复核名单可更新", (
                    "抽取之后又有单位完成了县级考评，按相同规则和种子重抽，名单会有变化。\n\n"
                    "要按原规则和种子重新抽取吗？（已开始复核的单位不能被移出名单）"), "重新抽取"):
                result = recheck.draw(self.ws, year, seed=old.seed, redraw=True, **rule)
        except DabiaoError as exc:
            self._say(str(exc))
            self.show_draw()
            return False
        self.show_draw()
        if not result.made:
            self._say(f"{year} 年已按此规则抽取过，名单未变（种子 {result.seed}）。", error=False)
        else:
            self._say(f"已抽取 {len(result.ids)} 个复核单位，随机种子 {result.seed}：请记入通报，"
                      "凭规则和种子可抽得同一名单。", error=False)
        self.seed.setText(result.seed)
        self.drawn.emit(year)
        return True

    def drawn_ids(self) -> list[str]:
        """The assessment ids listed, in the table's order (county, unit)."""
        return [self.table.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)
                for i in range(self.table.topLevelItemCount())]
