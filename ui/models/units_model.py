"""Units (county > town > 民兵营连) with each unit's assessments by year, as a tree model.

Column 0: the unit or "2027 年度 · 自评中"; column 1: a level badge for assessments
("达标 86.5") and the open corrective actions for units. Badges are scored lazily,
only for rows the view actually shows, and cached until `invalidate()`.

At start-up (`defer_badges=True`) no badge is scored before the window is up: the
rows show an empty badge cell (sized like a badge, so nothing moves) until
`fill_badges()`, called by the pane once the tree has been painted, scores them a slice
of time per turn of the event loop. After that, a badge missing from the cache is
scored when asked for.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from checklists.errors import DabiaoError
from checklists.numbers import display
from storage import actions as action_store
from storage import answers as answer_store
from storage import assessments, units

from .. import theme
from .tree import NodeTreeModel, TreeNode

IdRole = Qt.ItemDataRole.UserRole + 1
NodeKindRole = Qt.ItemDataRole.UserRole + 2  # "unit" | "assessment"
BadgeColorRole = Qt.ItemDataRole.UserRole + 3
RowRole = Qt.ItemDataRole.UserRole + 4
BadgePendingRole = Qt.ItemDataRole.UserRole + 5  # True while an assessment's badge is not scored yet

FILL_SLICE = 0.03  # seconds of badge scoring per turn of the event loop while filling


def badge_role(status: str) -> str:
    """Whose score the badge shows: the review once it is done, else the self-assessment."""
    return "review" if status in ("reviewed", "final") else "self"


class UnitsModel(NodeTreeModel):
    COLUMNS = 2

    def __init__(self, ws, parent=None, defer_badges: bool = False):
        super().__init__(parent)
        self.ws = ws
        self._by_id: dict[str, TreeNode] = {}
        self._badges: dict[str, tuple] = {}
        self._open_actions: dict[str, int] = {}
        self._deferring = defer_badges  # badges not scored on demand until fill_badges() is done
        self.reload()

    # ---------------------------------------------------------------- building

    def reload(self) -> None:
        self.beginResetModel()
        self._nodes, self._roots, self._by_id, self._badges = [], [], {}, {}
        rows = units.list_units(self.ws)
        by_year = {}
        for a in assessments.list_assessments(self.ws):
            by_year.setdefault(a["unit_id"], []).append(a)
        self._open_actions = {}
        for action in action_store.list_actions(self.ws, status="open"):
            self._open_actions[action["unit_id"]] = self._open_actions.get(action["unit_id"], 0) + 1
        for r in rows:
            parent = self._by_id.get(r["parent_id"]) if r["depth"] else None
            node = self._add("unit", r, parent)
            for a in by_year.get(r["id"], []):
                self._add("assessment", a, node)
        # assessments before sub-units under each unit, in the order list_* gave them
        for node in self._nodes:
            node.children.sort(key=lambda n: 0 if n.kind == "assessment" else 1)
            for i, child in enumerate(node.children):
                child.row = i
        for i, node in enumerate(self._roots):
            node.row = i
        self.endResetModel()

    def _add(self, kind, obj, parent) -> TreeNode:
        node = self._new_node(kind, obj, parent)
        self._by_id[obj["id"]] = node
        (parent.children if parent else self._roots).append(node)
        return node

    def invalidate(self, assessment_id: str) -> None:
        """Re-read one assessment's status and badge (after an edit or a status change)."""
        node = self._by_id.get(assessment_id)
        if node is None:
            return
        try:
            node.obj = node.obj | assessments.get_assessment(self.ws, assessment_id)
        except DabiaoError:
            return
        self._badges.pop(assessment_id, None)
        self.dataChanged.emit(self._index(node, 0), self._index(node, 1))

    def refresh_actions(self) -> None:
        self._open_actions = {}
        for action in action_store.list_actions(self.ws, status="open"):
            self._open_actions[action["unit_id"]] = self._open_actions.get(action["unit_id"], 0) + 1
        for node in self._nodes:
            if node.kind == "unit":
                self.dataChanged.emit(self._index(node, 1), self._index(node, 1))

    # ---------------------------------------------------------------- lookups

    def index_of(self, record_id: str) -> QModelIndex:
        node = self._by_id.get(record_id)
        return self._index(node) if node else QModelIndex()

    def record(self, index) -> tuple[str, dict] | None:
        node = self._node(index)
        return (node.kind, node.obj) if node else None

    def unit_ids(self) -> list[str]:
        return [n.obj["id"] for n in self._nodes if n.kind == "unit"]

    def assessment_ids(self) -> list[str]:
        return [n.obj["id"] for n in self._nodes if n.kind == "assessment"]

    def badges_pending(self) -> bool:
        return self._deferring

    def fill_badges(self, budget: float = FILL_SLICE) -> bool:
        """Score badges not scored yet, in tree order, for about `budget` seconds (at least
        one); each row is repainted as its badge arrives. Returns True while some are left
        (the caller comes back on the next turn of the event loop: UnitsPane)."""
        start = time.perf_counter()
        done = []
        for node in self._nodes:
            if node.kind != "assessment" or node.obj["id"] in self._badges:
                continue
            if done and time.perf_counter() - start > budget:
                break
            self.badge(node.obj["id"])
            done.append(node)
        else:
            self._deferring = False
        for node in done:
            index = self._index(node, 1)
            self.dataChanged.emit(index, index)
        return self._deferring

    def badge(self, assessment_id: str) -> tuple:
        """(text, colour, tooltip) for an assessment, scored once and cached."""
        cached = self._badges.get(assessment_id)
        if cached is not None:
            return cached
        node = self._by_id[assessment_id]
        a = node.obj
        role = badge_role(a["status"])
        try:
            result = answer_store.score_assessment(self.ws, assessment_id, role)
        except DabiaoError:
            cached = ("?", QColor("#80868b"), "无法计算得分")
        else:
            keys = [lv.key for lv in result.levels]
            index = keys.index(result.level) if result.level in keys else -1
            color = theme.level_color(index, len(keys))
            answered = len(result.items) - len(result.unanswered)
            if answered == 0:
                cached = ("未填", QColor("#9aa0a6"), "尚未填写")
            else:
                who = "考评" if role == "review" else "自评"
                cached = (f"{result.level_label} {display(result.final)}", color,
                          f"{who}得分 {display(result.final)}（满分 {display(result.total)}），{result.level_label}；"
                          f"已填 {answered}/{len(result.items)} 项")
        self._badges[assessment_id] = cached
        return cached

    # ---------------------------------------------------------------- Qt model API

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return ("单位 / 考评", "等级")[section] if 0 <= section < 2 else None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        node = self._node(index)
        if node is None:
            return None
        r = node.obj
        col = index.column()
        if role == IdRole:
            return r["id"]
        if role == NodeKindRole:
            return node.kind
        if role == RowRole:
            return r
        if node.kind == "unit":
            if col == 0:
                if role == Qt.ItemDataRole.DisplayRole:
                    return r["name"]
                if role == Qt.ItemDataRole.ToolTipRole:
                    return f"{r['name']}（{units.UNIT_TYPE_LABELS.get(r['type'], r['type'])}）"
            elif col == 1:
                n = self._open_actions.get(r["id"], 0)
                if role == Qt.ItemDataRole.DisplayRole and n:
                    return f"整改 {n}"
                if role == BadgeColorRole and n:
                    return QColor("#e37400")
                if role == Qt.ItemDataRole.ToolTipRole and n:
                    return f"{n} 项整改任务未完成"
            return None
        # assessment
        if col == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{r['year']} 年 · {assessments.STATUS_LABELS.get(r['status'], r['status'])}"
            if role == Qt.ItemDataRole.ToolTipRole:
                ref = f"{r['checklist_id']}@{r['checklist_version']}"
                return f"{r.get('checklist_title') or r['checklist_id']}（{ref}）"
            return None
        if col == 1:
            badge = self._badges.get(r["id"])
            if badge is None and self._deferring:
                if role == BadgePendingRole:
                    return True
                return "" if role == Qt.ItemDataRole.DisplayRole else None
            if role == Qt.ItemDataRole.DisplayRole:
                return (badge or self.badge(r["id"]))[0]
            if role == BadgeColorRole:
                return (badge or self.badge(r["id"]))[1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return (badge or self.badge(r["id"]))[2]
        return None
