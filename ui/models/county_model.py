"""The 军分区 view's county table: one row per county of a `storage.rollup.city_rollup`,
in its rank order, sortable on every column (`SortRole` gives each cell a plain number or
text to sort on; a county with nothing assessed sorts last on its rank).

Only shows what the roll-up computed: rates as percentages with one decimal, scores with
two, the failed units of a county (names in the cell, each with the item that failed it
in the tooltip), and the 复核 deviation (items and points the county's 考评 differed from
the 军分区's 复核, over the units rechecked)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from checklists.numbers import display

SortRole = Qt.ItemDataRole.UserRole + 1
CountyIdRole = Qt.ItemDataRole.UserRole + 2

HEADERS = ("排名", "县（市、区）", "考评单位数", "达标数", "达标率", "达优率", "平均分", "标准差", "未达标单位", "复核偏差")
(RANK, COUNTY, ASSESSED, PASSED, PASS_RATE, TOP_RATE, AVERAGE, STDEV, FAILED, DEVIATION) = range(len(HEADERS))
NUMERIC = {RANK, ASSESSED, PASSED, PASS_RATE, TOP_RATE, AVERAGE, STDEV}
NONE = "—"
LAST = 10 ** 9  # sort key of a missing value: after every real one (ascending)

REASONS = {"veto": "一票否决", "gate": "达标必备条目", "category": "分类得分率不足", "lost": "失分最多"}


def percent(rate) -> str:
    """A rate (0..1, a Fraction) as '87.5%'; None: '—'."""
    return NONE if rate is None else f"{display(rate * 100, 1)}%"


def number(value, places: int = 2) -> str:
    return NONE if value is None else display(value, places)


def failed_tooltip(units: list) -> str:
    """One line per failed unit: name, score and the item that failed it."""
    lines = []
    for f in units:
        item = f"{f['item_code']} {f['item_title']}".strip()
        why = REASONS.get(f.get("reason") or "", "")
        tail = f"：{item}" + (f"（{why}）" if why else "") if item else ""
        lines.append(f"{f['unit']} {display(f['final'])} 分{tail}")
    return "\n".join(lines)


class CountyTableModel(QAbstractTableModel):
    """Rows: CountyRollup dicts; `failed`: the roll-up's FailedUnit list (all counties)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list = []
        self._failed: dict[str, list] = {}

    def set_rollup(self, rollup) -> None:
        """Show a CityRollup's counties (None: none)."""
        self.beginResetModel()
        self._rows = list(rollup["counties"]) if rollup else []
        self._failed = {}
        for f in (rollup["failed"] if rollup else ()):
            if f["unit_type"] in ("town", "enterprise"):
                self._failed.setdefault(f["county"], []).append(f)
        self.endResetModel()

    def county_row(self, row: int) -> dict | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of_county(self, county_id: str) -> int:
        """The row of a county by its unit id, -1 when it has none."""
        return next((i for i, r in enumerate(self._rows) if r["county_id"] == county_id), -1)

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return {RANK: "按乡镇（街道）和企业武装部的达标率排名，达标率相同的按平均得分；民兵营（连）不计入",
                    ASSESSED: "已考评、有得分的乡镇（街道）和企业武装部",
                    STDEV: "得分的标准差：越小，各单位得分越接近",
                    DEVIATION: "县级考评与军分区复核的差异：得分不同的条目数 / 分差之和"}.get(section)
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row = self.county_row(index.row()) if index.isValid() else None
        if row is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == SortRole:
            return self._sort_key(row, col)
        if role == CountyIdRole:
            return row["county_id"]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col in NUMERIC:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        return None

    def _text(self, row: dict, col: int) -> str:
        f, d = row["figures"], row["deviation"]
        if col == RANK:
            return NONE if row["rank"] is None else str(row["rank"])
        if col == COUNTY:
            return row["county"]
        if col == ASSESSED:
            return str(f["assessed"])
        if col == PASSED:
            return str(f["passed"])
        if col == PASS_RATE:
            return percent(f["pass_rate"])
        if col == TOP_RATE:
            return percent(f["top_rate"])
        if col == AVERAGE:
            return number(f["average"])
        if col == STDEV:
            return number(f["stdev"])
        if col == FAILED:
            failed = self._failed.get(row["county"], [])
            return "、".join(u["unit"] for u in failed) if failed else ("无" if f["assessed"] else NONE)
        if col == DEVIATION:
            if not d["rechecked"]:
                return "未复核"
            return f"{d['items_differ']} 项 / {display(d['points_differ'])} 分"
        return ""

    def _sort_key(self, row: dict, col: int):
        f, d = row["figures"], row["deviation"]
        keys = {
            RANK: row["rank"] if row["rank"] is not None else LAST,
            COUNTY: row["county"],
            ASSESSED: f["assessed"],
            PASSED: f["passed"],
            PASS_RATE: float(f["pass_rate"]) if f["pass_rate"] is not None else -1.0,
            TOP_RATE: float(f["top_rate"]) if f["top_rate"] is not None else -1.0,
            AVERAGE: float(f["average"]) if f["average"] is not None else -1.0,
            STDEV: float(f["stdev"]) if f["stdev"] is not None else -1.0,
            FAILED: len(self._failed.get(row["county"], [])),
            DEVIATION: float(d["points_differ"]) if d["rechecked"] else -1.0,
        }
        return keys.get(col)

    def _tooltip(self, row: dict, col: int) -> str | None:
        f, d = row["figures"], row["deviation"]
        if col == ASSESSED and f["pending"]:
            return f"另有 {f['pending']} 个单位尚未完成考评，不计入"
        if col == FAILED:
            return failed_tooltip(self._failed.get(row["county"], [])) or None
        if col == DEVIATION:
            if not d["rechecked"]:
                return f"抽取复核 {d['drawn']} 个，尚无复核结果" if d["drawn"] else "本年度未抽取复核"
            net = d["net"]
            side = "高于" if net > 0 else "低于" if net < 0 else "等于"
            return (f"复核 {d['rechecked']} 个单位：{d['items_differ']} 个条目得分不同，分差合计 "
                    f"{display(d['points_differ'])} 分；县级考评总分{side}复核 {display(abs(net))} 分")
        if col == AVERAGE and f["min"] is not None:
            return f"最低 {display(f['min'])} 分，最高 {display(f['max'])} 分"
        return None
