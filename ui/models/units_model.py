"""Units (军分区 > county > town > 民兵营连) with each unit's assessments by year, as a tree
model. A 军分区 (city) at the top holds its counties; a workspace without one has the
counties as its top rows. Either way the county rows are the tree's "fold level"
(`county_nodes()`, `root_of()`): what the pane collapses and names in its county bar.

Column 0: the unit or "2027 年 · 自评中"; column 1: a level badge for assessments
("达标 86.5") and the open corrective actions for units. Badges are cached until
`invalidate()`.

With `defer_badges=True` (the units pane) no badge is scored on the UI thread while the
tree loads: rows show an empty badge cell (sized like a badge, so nothing moves) and the
pane scores them in a worker thread (ui/badge_worker.py) on its own connection, from
`badge_jobs()`, handing them back in batches to `apply_badges()`; `badges_done()` ends
the fill. After a `reload()` the old badges stay on show (stale) until the worker has
scored them again. A badge asked for while no fill is running (after an edit:
`invalidate()`) is scored at once, on the UI thread: one assessment, a millisecond or two.

`filter_rows()` is the pane's filter: which rows a filter text keeps (matches, their parents
and their children), by unit name, year, status and level.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from checklists.errors import DabiaoError
from checklists.numbers import display
from storage import actions as action_store
from storage import assessments, checklist_store, scores, units

from .. import theme
from .tree import NodeTreeModel, TreeNode

IdRole = Qt.ItemDataRole.UserRole + 1
NodeKindRole = Qt.ItemDataRole.UserRole + 2  # "unit" | "assessment"
BadgeColorRole = Qt.ItemDataRole.UserRole + 3
RowRole = Qt.ItemDataRole.UserRole + 4
BadgePendingRole = Qt.ItemDataRole.UserRole + 5  # True while an assessment's badge is not scored yet
ShortTextRole = Qt.ItemDataRole.UserRole + 6  # shorter texts of an assessment row, for a narrow pane

UNSCORABLE = ("?", "#80868b", "无法计算得分", "")
NOT_ANSWERED = ("未填", "#9aa0a6", "尚未填写", "未填")


def score_badges(ws, rows: list[dict]) -> dict[str, tuple[str, str, str, str]]:
    """assessment id -> (text, colour name, tooltip, level label) of its badge, for these
    assessment rows: the score it is judged on (storage.scores: the review once begun,
    else the self-assessment; cached by revision, computed and remembered when missing).
    Plain values only, so that a worker thread can make them on its own connection."""
    if not rows:
        return {}
    try:
        got = scores.scores(ws, [a["id"] for a in rows])
    except DabiaoError:
        if len(rows) == 1:
            return {rows[0]["id"]: UNSCORABLE}
        out: dict = {}
        for a in rows:  # one unscorable assessment: the others still get their badge
            out |= score_badges(ws, [a])
        return out
    return {a["id"]: _badge(ws, a, got.get(a["id"])) for a in rows}


def _badge(ws, a: dict, s) -> tuple[str, str, str, str]:
    if s is None:
        return UNSCORABLE
    if s.final is None:
        return NOT_ANSWERED
    try:
        keys = [lv.key for lv in checklist_store.load(ws, a["checklist_id"], a["checklist_version"]).levels]
    except DabiaoError:
        keys = []
    color = theme.level_color(keys.index(s.level) if s.level in keys else -1, len(keys)).name()
    if s.role == "review":
        who = "考评" if a["status"] in ("reviewed", "final") else "考评（进行中）"
    else:
        who = "自评"
    shown = display(s.final)
    total = f"；已填 {s.answered}/{s.items} 项" if s.items else ""
    return (f"{s.level_label} {shown}", color, f"{who}得分 {shown}，{s.level_label}{total}", s.level_label)


class UnitsModel(NodeTreeModel):
    COLUMNS = 2

    def __init__(self, ws, parent=None, defer_badges: bool = False):
        super().__init__(parent)
        self.ws = ws
        self._by_id: dict[str, TreeNode] = {}
        self._badges: dict[str, tuple] = {}  # assessment id -> (text, QColor, tooltip, level label)
        self._stale: dict[str, tuple] = {}  # badges from before a reload, shown until rescored
        self._stamp = 0  # bumped by every reload / invalidate: a worker's older results are dropped
        self._gen: dict[str, int] = {}  # assessment id -> stamp its badge must be scored at
        self._open_actions: dict[str, int] = {}
        self._background = defer_badges
        self._deferring = defer_badges  # a fill is due or running: missing badges show as pending
        self.reload()

    # ---------------------------------------------------------------- building

    def reload(self) -> None:
        self.beginResetModel()
        self._stale = (self._stale | self._badges) if self._background else {}
        self._nodes, self._roots, self._by_id, self._badges = [], [], {}, {}
        self._counties: list[TreeNode] = []
        self._stamp += 1
        self._gen = {}
        self._deferring = self._background
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
                self._gen[a["id"]] = self._stamp
        # assessments before sub-units under each unit, in the order list_* gave them
        for node in self._nodes:
            node.children.sort(key=lambda n: 0 if n.kind == "assessment" else 1)
            for i, child in enumerate(node.children):
                child.row = i
        for i, node in enumerate(self._roots):
            node.row = i
        self._counties = [n for n in self._nodes if n.kind == "unit" and self._is_fold(n)]
        self._stale = {k: v for k, v in self._stale.items() if k in self._gen}
        self.endResetModel()

    def _add(self, kind, obj, parent) -> TreeNode:
        node = self._new_node(kind, obj, parent)
        self._by_id[obj["id"]] = node
        (parent.children if parent else self._roots).append(node)
        return node

    def invalidate(self, assessment_id: str) -> None:
        """Re-read one assessment's status and badge (after an edit or a status change):
        scored again at once, here (a worker's result for it that is still on its way is
        dropped)."""
        node = self._by_id.get(assessment_id)
        if node is None:
            return
        try:
            node.obj = node.obj | assessments.get_assessment(self.ws, assessment_id)
        except DabiaoError:
            return
        self._stamp += 1
        self._gen[assessment_id] = self._stamp
        self._badges.pop(assessment_id, None)
        self._stale.pop(assessment_id, None)
        self.badge(assessment_id)
        self.dataChanged.emit(self._index(node, 0), self._index(node, 1))

    def refresh_actions(self) -> None:
        self._open_actions = {}
        for action in action_store.list_actions(self.ws, status="open"):
            self._open_actions[action["unit_id"]] = self._open_actions.get(action["unit_id"], 0) + 1
        self._emit_changed([n for n in self._nodes if n.kind == "unit"])

    def _emit_changed(self, nodes, first: int = 1, last: int = 1) -> None:
        """dataChanged for these rows: one signal per run of neighbouring rows under one parent."""
        run: list = []
        for node in sorted(nodes, key=lambda n: (n.parent.nid if n.parent else -1, n.row)):
            if run and (node.parent is not run[-1].parent or node.row != run[-1].row + 1):
                self.dataChanged.emit(self._index(run[0], first), self._index(run[-1], last))
                run = []
            run.append(node)
        if run:
            self.dataChanged.emit(self._index(run[0], first), self._index(run[-1], last))

    # ---------------------------------------------------------------- lookups

    def index_of(self, record_id: str) -> QModelIndex:
        node = self._by_id.get(record_id)
        return self._index(node) if node else QModelIndex()

    def record(self, index) -> tuple[str, dict] | None:
        node = self._node(index)
        return (node.kind, node.obj) if node else None

    def assessment_ids(self) -> list[str]:
        return [n.obj["id"] for n in self._nodes if n.kind == "assessment"]

    @staticmethod
    def _is_city(node: TreeNode) -> bool:
        """A 军分区 row at the top of the tree: its counties take the fold level."""
        return node.parent is None and node.kind == "unit" and node.obj.get("type") == "city"

    def _is_fold(self, node: TreeNode) -> bool:
        """Whether a row is at the county (fold) level: a top row, or a row right under a
        top 军分区 row; a top 军分区 row itself is not."""
        if node.parent is None:
            return not self._is_city(node)
        return node.parent.parent is None and self._is_city(node.parent)

    def root_of(self, index) -> QModelIndex:
        """The county-level row an index is under (its top row, or the row under a top
        军分区), itself when it is one; a 军分区 row is its own."""
        node = self._node(index)
        if node is None:
            return QModelIndex()
        while node.parent is not None and not self._is_fold(node):
            node = node.parent
        return self._index(node)

    def county_nodes(self) -> list[TreeNode]:
        """The county-level rows, in tree order."""
        return self._counties

    def holds_counties(self) -> bool:
        """Whether the workspace is a 军分区's: a 军分区 unit, or more than one county."""
        types = [n.obj.get("type") for n in self._nodes if n.kind == "unit"]
        return "city" in types or types.count("county") > 1

    def city_nodes(self) -> list[TreeNode]:
        """The 军分区 rows at the top of the tree (none in a county's workspace)."""
        return [n for n in self._roots if self._is_city(n)]

    def node_index(self, nid: int, column: int = 0) -> QModelIndex:
        return self._index(self._nodes[nid], column)

    def node_of(self, index) -> TreeNode | None:
        return self._node(index)

    def all_nodes(self) -> list[TreeNode]:
        """Every row, parents before their children."""
        return self._nodes

    def branch_nodes(self) -> list[TreeNode]:
        """The rows that have rows under them."""
        return [n for n in self._nodes if n.children]

    def ids_under(self, index) -> list[str]:
        """Assessment ids in the subtree of an index, in tree order."""
        node = self._node(index)
        out, stack = [], [node] if node else []
        while stack:
            n = stack.pop()
            if n.kind == "assessment":
                out.append(n.obj["id"])
            stack.extend(reversed(n.children))
        return out

    # ---------------------------------------------------------------- badges

    def badges_pending(self) -> bool:
        return self._deferring

    def badge_jobs(self, first: list[str] | None = None) -> list[tuple[str, int, dict]]:
        """(assessment id, stamp, assessment row) of every badge still to score, `first`
        (ids) first, then in tree order: what the pane hands its worker."""
        todo = [n.obj["id"] for n in self._nodes if n.kind == "assessment" and n.obj["id"] not in self._badges]
        if first:
            wanted = set(todo)
            head = [i for i in dict.fromkeys(first) if i in wanted]
            taken = set(head)
            todo = head + [i for i in todo if i not in taken]
        return [(i, self._gen[i], self._by_id[i].obj) for i in todo]

    def apply_badges(self, batch) -> list[str]:
        """Take a batch of (id, stamp, badge) from the worker: results scored for an older
        state (invalidated or reloaded since) are dropped. Repaints the rows; returns the
        badge texts that arrived."""
        nodes, texts = [], []
        for assessment_id, stamp, badge in batch:
            if self._gen.get(assessment_id) != stamp:
                continue
            self._badges[assessment_id] = self._color(badge)
            self._stale.pop(assessment_id, None)
            nodes.append(self._by_id[assessment_id])
            texts.append(badge[0])
        self._emit_changed(nodes)
        return texts

    def badges_done(self, force: bool = False) -> bool:
        """The worker has finished: True when every badge is in. `force`: end the fill
        anyway; the badges left are then scored when shown."""
        if not force and any(n.kind == "assessment" and n.obj["id"] not in self._badges for n in self._nodes):
            return False
        self._deferring = False
        self._stale = {}
        return True

    @staticmethod
    def _color(badge: tuple) -> tuple:
        return (badge[0], QColor(badge[1]), badge[2], badge[3])

    def badge(self, assessment_id: str) -> tuple:
        """(text, colour, tooltip, level label) for an assessment, scored once and cached."""
        cached = self._badges.get(assessment_id)
        if cached is None:
            a = self._by_id[assessment_id].obj
            cached = self._badges[assessment_id] = self._color(score_badges(self.ws, [a])[assessment_id])
        return cached

    def _shown_badge(self, assessment_id: str) -> tuple | None:
        """The badge to show now: None while a fill is running and it is not in yet."""
        badge = self._badges.get(assessment_id) or self._stale.get(assessment_id)
        if badge is None and not self._deferring:
            badge = self.badge(assessment_id)
        return badge

    # ---------------------------------------------------------------- filter

    def filter_rows(self, text: str) -> set[int] | None:
        """Rows (node ids) a filter keeps, None for no filter. Words are separated by
        spaces; a row matches when each word is in its own name or the name of a unit above
        it ("城关 未达标"), or, for an assessment, in its year or status ("自评中"), or the
        level starts with it ("达标" is not "未达标"). Kept: matches, their parents, and all
        that is under a match (a town found by name shows its assessments)."""
        words = text.split()
        if not words:
            return None
        full = (1 << len(words)) - 1
        found: dict[int, int] = {}  # nid -> words matched by the row or a row above it
        keep: set[int] = set()
        for node in self._nodes:  # parents come before their children
            got = found[node.parent.nid] if node.parent is not None else 0
            if got != full:
                if node.kind == "unit":
                    hay, level = node.obj["name"], ""
                else:
                    a = node.obj
                    hay = f"{a['year']} 年 {assessments.STATUS_LABELS.get(a['status'], a['status'])}"
                    badge = self._badges.get(a["id"]) or self._stale.get(a["id"])
                    level = badge[3] if badge else ""
                for bit, word in enumerate(words):
                    if word in hay or (level and level.startswith(word)):
                        got |= 1 << bit
            found[node.nid] = got
            if got == full:
                n = node
                while n is not None and n.nid not in keep:
                    keep.add(n.nid)
                    n = n.parent
        return keep

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
            if role == ShortTextRole:
                status = assessments.STATUS_LABELS.get(r["status"], r["status"])
                return [f"{r['year']} {status}", status]
            if role == Qt.ItemDataRole.ToolTipRole:
                ref = f"{r['checklist_id']}@{r['checklist_version']}"
                return f"{r['year']} 年度 · {r.get('checklist_title') or r['checklist_id']}（{ref}）"
            return None
        if col == 1:
            badge = self._shown_badge(r["id"])
            if badge is None:
                if role == BadgePendingRole:
                    return True
                return "" if role == Qt.ItemDataRole.DisplayRole else None
            if role == Qt.ItemDataRole.DisplayRole:
                return badge[0]
            if role == BadgeColorRole:
                return badge[1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return badge[2]
        return None
