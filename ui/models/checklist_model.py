"""The checklist as a tree model: categories (with earned / applicable points and an
answered count) and items (with a status icon and the 自评 / 考评 scores side by side; in
复核 mode the 考评 / 复核 scores, an item where they differ tinted).

Rows are plain nodes built once per checklist; data() reads the session's cached
answers and score results, so a 200-item list scrolls and repaints without queries.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont

from checklists.numbers import display
from checklists.wording import applies_text
from storage.assessments import ROLE_LABELS

from .. import theme
from .tree import NodeTreeModel, TreeNode
from ..format import evidence_text, score_text, value_text

COL_TITLE, COL_POINTS, COL_SELF, COL_REVIEW = range(4)
HEADERS = ("条目", "分值", "自评", "考评")
ROLE_OF_COLUMN = {COL_SELF: "self", COL_REVIEW: "review"}
# 复核 mode: the two score columns are the county's 考评 and the 军分区's 复核
RECHECK_COLUMNS = {COL_SELF: "review", COL_REVIEW: "recheck"}
ROLE_HEADERS = ROLE_LABELS  # 自评 / 考评 / 复核


CodeRole = Qt.ItemDataRole.UserRole + 1
NodeKindRole = Qt.ItemDataRole.UserRole + 2  # "category" | "item"
StatusRole = Qt.ItemDataRole.UserRole + 3  # status in the active role (items only)
SearchRole = Qt.ItemDataRole.UserRole + 4  # text for find


class ChecklistModel(NodeTreeModel):
    COLUMNS = len(HEADERS)

    def __init__(self, session=None, parent=None):
        super().__init__(parent)
        self.session = None
        self.mode = "self"  # which role's status the icons show
        self._by_code: dict[str, TreeNode] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        if session is not None:
            self.set_session(session)

    # ---------------------------------------------------------------- building

    def set_session(self, session) -> None:
        self.beginResetModel()
        self.session = session
        self._nodes, self._roots, self._by_code = [], [], {}
        if session is not None:
            for row, category in enumerate(session.checklist.categories):
                self._roots.append(self._build(category, None, row))
            session.itemChanged.connect(self.item_changed)
        self.endResetModel()

    def _new(self, kind, obj, parent, row) -> TreeNode:
        node = self._new_node(kind, obj, parent, row)
        self._by_code[obj.code] = node
        return node

    def _build(self, category, parent, row) -> TreeNode:
        node = self._new("category", category, parent, row)
        for item in category.items:
            node.children.append(self._new("item", item, node, len(node.children)))
        for sub in category.categories:
            node.children.append(self._build(sub, node, len(node.children)))
        return node

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, COL_SELF, COL_REVIEW)
            self._changed_all()

    def column_roles(self) -> dict[int, str]:
        """Score column -> role: 自评 / 考评, or in 复核 mode 考评 / 复核."""
        return RECHECK_COLUMNS if self.mode == "recheck" else ROLE_OF_COLUMN

    def _differs(self, code: str) -> bool:
        """The compared pair differ: 复核 vs 考评 in 复核 mode, else 考评 vs 自评."""
        return self.session.differs(code, "recheck" if self.mode == "recheck" else "review")

    def _changed_all(self) -> None:
        def walk(nodes):
            if not nodes:
                return
            first, last = nodes[0], nodes[-1]
            self.dataChanged.emit(self._index(first, 0), self._index(last, COL_REVIEW))
            for n in nodes:
                walk(n.children)

        walk(self._roots)

    def refresh(self) -> None:
        """Repaint every row (after a status change or a reload)."""
        self._changed_all()

    def item_changed(self, code: str) -> None:
        node = self._by_code.get(code)
        while node is not None:
            self.dataChanged.emit(self._index(node, 0), self._index(node, COL_REVIEW))
            node = node.parent

    # ---------------------------------------------------------------- lookups

    def index_of(self, code: str, column: int = 0) -> QModelIndex:
        node = self._by_code.get(code)
        return self._index(node, column) if node else QModelIndex()

    # ---------------------------------------------------------------- Qt model API

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(HEADERS):
            if role == Qt.ItemDataRole.DisplayRole:
                if section in self.column_roles():
                    return ROLE_HEADERS[self.column_roles()[section]]
                return HEADERS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and section != COL_TITLE:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        node = self._node(index)
        if node is None or self.session is None:
            return None
        col = index.column()
        if node.kind == "category":
            return self._category_data(node.obj, col, role)
        return self._item_data(node.obj, col, role)

    def _category_data(self, category, col, role):
        s = self.session
        if role == CodeRole:
            return category.code
        if role == NodeKindRole:
            return "category"
        if role == SearchRole:
            return f"{category.code} {category.title}"
        if role == Qt.ItemDataRole.FontRole:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and col != COL_TITLE:
            return int(Qt.AlignmentFlag.AlignCenter)
        if col == COL_TITLE:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{category.code}  {category.title}"
            if role == Qt.ItemDataRole.ToolTipRole:
                cr = s.results[self.mode].category_index.get(category.code)
                title = f"{category.code}  {category.title}"
                return f"{title}：已填 {cr.answered}/{cr.count} 项" if cr else title
            return None
        if col == COL_POINTS:
            if role == Qt.ItemDataRole.DisplayRole:
                left_out = set(s.results[self.mode].not_applicable)  # (/2) by the unit's tags
                points = [i.points for i in category.walk_items() if i.role == "base" and i.code not in left_out]
                return display(sum(points)) if points else ""
            return None
        columns = self.column_roles()
        if col in columns:
            cr = s.results[columns[col]].category_index.get(category.code)
            if cr is None or not cr.count:
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                if self.mode != "self":  # two score columns side by side: compact
                    return f"{display(cr.earned)}/{display(cr.applicable)}"
                return f"{display(cr.earned)}/{display(cr.applicable)} · {cr.answered}/{cr.count}"
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"{ROLE_HEADERS[columns[col]]}：得 {display(cr.earned)} 分，"
                        f"适用满分 {display(cr.applicable)} 分；已填 {cr.answered}/{cr.count} 项")
        return None

    def _item_data(self, item, col, role):
        s = self.session
        if role == CodeRole:
            return item.code
        if role == NodeKindRole:
            return "item"
        if role == StatusRole:
            return self.status_of(item.code, self.mode)
        if role == SearchRole:
            return f"{item.code} {item.title} {item.requirement} {item.excellent or ''} {item.guidance or ''}"
        result = s.result(item.code, self.mode)
        if result is not None and result.excluded:
            return self._excluded_data(item, col, role)
        if col == COL_TITLE:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{item.code}  {item.title}"
            if role == Qt.ItemDataRole.DecorationRole:
                return theme.status_icon(self.status_of(item.code, self.mode))
            if role == Qt.ItemDataRole.ToolTipRole:
                status = self.status_of(item.code, self.mode)
                tip = f"{item.code}  {item.title}\n{theme.STATUS_LABELS[status]}\n达标要求：{item.requirement}"
                missing = evidence_text(s.result(item.code, self.mode))
                if missing and status not in ("unanswered", "na"):
                    tip += f"\n{missing}"
                if self.mode == "recheck" and self._differs(item.code):
                    tip += "\n复核与县级考评不一致"
                return tip
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if col == COL_POINTS:
            if role == Qt.ItemDataRole.DisplayRole:
                prefix = {"bonus": "+", "penalty": "−"}.get(item.role, "")
                return f"{prefix}{display(item.points)}"
            return None
        columns = self.column_roles()
        if col in columns:
            r_role = columns[col]
            result = s.result(item.code, r_role)
            if role == Qt.ItemDataRole.DisplayRole:
                return score_text(item, result)
            if role == Qt.ItemDataRole.ToolTipRole:
                return value_text(item, s.value(item.code, r_role))
            if role == Qt.ItemDataRole.ForegroundRole and result is not None:
                if result.status in ("full", "partial", "zero"):
                    return theme.STATUS_COLORS[result.status]
                return theme.STATUS_COLORS["unanswered"]
            if role == Qt.ItemDataRole.BackgroundRole and self._differs(item.code):
                return theme.DIFF_BACKGROUND
        return None

    def _excluded_data(self, item, col, role):
        """(/2) An item the unit's tags leave out: greyed, 不适用 with the reason, no score."""
        if role == Qt.ItemDataRole.ForegroundRole:
            return theme.STATUS_COLORS["na"]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{item.code}  {item.title}\n不适用：{applies_text(item, self.session.checklist)}，不计入得分"
        if col == COL_TITLE:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{item.code}  {item.title}（{applies_text(item, self.session.checklist, short=True)}）"
            if role == Qt.ItemDataRole.DecorationRole:
                return theme.status_icon("na")
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == COL_POINTS:
                return display(item.points)
            return "不适用"
        return None

    def status_of(self, code: str, role: str) -> str:
        """unanswered / full / partial / zero / na, or 'missing' when answered but short of evidence."""
        result = self.session.result(code, role)
        if result is None:
            return "unanswered"
        if result.status not in ("unanswered", "na") and (result.missing_photos or result.missing_documents):
            return theme.MISSING
        return result.status
