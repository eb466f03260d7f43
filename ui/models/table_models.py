"""Small table models: the gap list of a score result and the corrective actions."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from checklists.numbers import display
from storage.actions import ACTION_STATUS_LABELS

CodeRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2


class _Table(QAbstractTableModel):
    HEADERS: tuple = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list = []

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int):
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
                return self.HEADERS[section]
            if orientation == Qt.Orientation.Vertical:
                return str(section + 1)
        return None

    def _valid(self, index) -> bool:
        return index.isValid() and 0 <= index.row() < len(self._rows) and 0 <= index.column() < len(self.HEADERS)


class GapModel(_Table):
    """ScoreResult.gap in its order (largest loss first)."""

    HEADERS = ("编号", "条目", "失分", "得分/分值", "缺少的佐证")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not self._valid(index):
            return None
        g = self._rows[index.row()]
        col = index.column()
        if role == CodeRole:
            return g.code
        if role == RowRole:
            return g
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return g.code
            if col == 1:
                return g.title + ("（扣分项）" if g.role == "penalty" else "")
            if col == 2:
                return display(g.lost)
            if col == 3:
                return "未填写" if g.unanswered else f"{display(g.score)}/{display(g.points)}"
            if col == 4:
                parts = []
                if g.missing_photos:
                    parts.append(f"照片 {g.missing_photos} 张")
                parts.extend(g.missing_documents)
                return "、".join(parts)
        if role == Qt.ItemDataRole.ToolTipRole and col in (1, 4):
            tip = f"达标要求：{g.requirement}"
            if g.excellent:
                tip += f"\n达优要求：{g.excellent}"
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2, 3):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == 3 and g.unanswered:
            return QColor("#80868b")
        return None


class ActionsModel(_Table):
    """Corrective actions (整改) rows from storage.actions.list_actions."""

    HEADERS = ("单位", "条目", "整改内容", "责任人", "期限", "状态")

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not self._valid(index):
            return None
        a = self._rows[index.row()]
        col = index.column()
        if role == RowRole:
            return a
        if role == CodeRole:
            return a.get("code")
        overdue = a["status"] == "open" and a.get("due_date") and a["due_date"] < date.today().isoformat()
        if role == Qt.ItemDataRole.DisplayRole:
            return (a.get("unit_name") or "", a.get("code") or "", a["description"], a.get("owner") or "",
                    (a.get("due_date") or "") + ("（已逾期）" if overdue else ""),
                    ACTION_STATUS_LABELS.get(a["status"], a["status"]))[col]
        if role == Qt.ItemDataRole.ToolTipRole and col == 2:
            return a["description"]
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 4 and overdue:
                return QColor("#d93025")
            if col == 5:
                return QColor("#e37400") if a["status"] == "open" else QColor("#1e8e3e")
        return None
