"""A read-only tree model over plain nodes: the Qt plumbing both trees (units, checklist)
share. Subclasses build `_roots` / `_nodes` and implement data(), flags(), headerData()."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex


class TreeNode:
    """One row: what it shows (`kind`, `obj`), where it sits (`parent`, `row`), its
    children, and `nid`, its position in the model's node list (the index's internal id)."""

    __slots__ = ("kind", "obj", "parent", "row", "children", "nid")

    def __init__(self, kind, obj, parent, row, nid):
        self.kind = kind
        self.obj = obj
        self.parent = parent
        self.row = row
        self.children: list = []
        self.nid = nid


class NodeTreeModel(QAbstractItemModel):
    COLUMNS = 1

    def __init__(self, parent=None):
        super().__init__(parent)
        self._nodes: list[TreeNode] = []
        self._roots: list[TreeNode] = []

    def _new_node(self, kind, obj, parent, row=0) -> TreeNode:
        node = TreeNode(kind, obj, parent, row, len(self._nodes))
        self._nodes.append(node)
        return node

    def _index(self, node: TreeNode, column: int = 0) -> QModelIndex:
        return self.createIndex(node.row, column, node.nid)

    def _node(self, index) -> TreeNode | None:
        if not index.isValid():
            return None
        nid = index.internalId()
        return self._nodes[nid] if 0 <= nid < len(self._nodes) else None

    def index(self, row, column, parent=QModelIndex()):
        if row < 0 or column < 0 or column >= self.COLUMNS:
            return QModelIndex()
        if not parent.isValid():
            return self._index(self._roots[row], column) if row < len(self._roots) else QModelIndex()
        if parent.column() != 0:
            return QModelIndex()
        node = self._node(parent)
        if node is None or row >= len(node.children):
            return QModelIndex()
        return self._index(node.children[row], column)

    def parent(self, index=QModelIndex()):
        node = self._node(index)
        if node is None or node.parent is None:
            return QModelIndex()
        return self._index(node.parent, 0)

    def rowCount(self, parent=QModelIndex()):
        if not parent.isValid():
            return len(self._roots)
        if parent.column() != 0:
            return 0
        node = self._node(parent)
        return len(node.children) if node else 0

    def columnCount(self, parent=QModelIndex()):
        return self.COLUMNS

    def hasChildren(self, parent=QModelIndex()):
        return self.rowCount(parent) > 0
