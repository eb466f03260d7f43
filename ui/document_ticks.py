"""The document ticks of the item pane (资料（已提供的请勾选）): one tick per document the
item asks for, saved at once for the pane's role; under a document that counts (/2), what
it costs when not presented, red until ticked; and the line of the result that names the
documents lost. A mixin of ItemPane (ui/item_pane.py): it uses the pane's session, code,
role, docs_grid and docs_title."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from checklists.numbers import display
from checklists.wording import document_text

from .format import escape
from .wrapping import WrapCheckBox


def documents_lost_text(item, r) -> str:
    """未提供“…”，本项不得分 / 扣 0.5 分: the documents that count and were not presented
    (r.documents_lost), for the result line."""
    return "；".join(f"未提供“{escape(x.name)}”" + ("，本项不得分" if item.evidence.rule(x.name).zero
                                                else f"扣 {display(x.lost)} 分")
                    for x in r.documents_lost)


class DocumentTicks:
    """The document ticks and their cost lines, for ItemPane."""

    def _set_documents(self, item) -> None:
        """Document ticks, rebuilt per item (a long name wraps in its column); (/2) under a
        document that counts, what it costs when not presented."""
        for cell in self._doc_cells:
            cell.setParent(None)
            cell.deleteLater()
        self._doc_cells, self._doc_boxes, self._doc_costs = [], [], []
        for i, name in enumerate(item.evidence.documents if item is not None else ()):
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(0)
            box = WrapCheckBox(name)
            box.setProperty("document", name)
            box.toggled.connect(self._docs_toggled)
            column.addWidget(box)
            rule = item.evidence.rule(name)
            cost = None
            if rule is not None:
                box.setToolTip(document_text(item, name))
                cost = QLabel()
                cost.setWordWrap(True)
                cost.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
                cost.setObjectName("documentCost")
                cost.setContentsMargins(22, 0, 0, 0)
                column.addWidget(cost)
            self._doc_cells.append(cell)
            self._doc_boxes.append(box)
            self._doc_costs.append(cost)
            self.docs_grid.addWidget(cell, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        self.docs_title.setVisible(bool(self._doc_boxes))

    def _show_document_costs(self) -> None:
        """未提供：扣0.5分 / 未提供：本项不得分 in red under an unticked document that counts;
        grey (缺则…) once it is ticked."""
        item = self.session.index[self.code]
        for box, cost in zip(self._doc_boxes, self._doc_costs):
            if cost is None:
                continue
            rule = item.evidence.rule(box.property("document"))
            what = "本项不得分" if rule.zero else f"扣{display(rule.missing)}分"
            if box.isChecked():
                cost.setText(f"已提供（缺则{what}）")
                cost.setStyleSheet("color: #5f6368;")
            else:
                cost.setText(f"未提供：{what}")
                cost.setStyleSheet("color: #c5221f;")

    def _fill_documents(self, documents, editable: bool) -> None:
        """Tick the stored documents (no saving) and show their costs."""
        docs = set(documents or [])
        for box in self._doc_boxes:
            box.blockSignals(True)
            box.setChecked(box.property("document") in docs)
            box.setEnabled(editable)
            box.blockSignals(False)
        self._show_document_costs()

    def _docs_toggled(self, _checked) -> None:
        """A tick changed: save the ticked documents at once for the item and role shown."""
        if self.session is None or self.code is None:
            return
        docs = [b.property("document") for b in self._doc_boxes if b.isChecked()]
        self.session.set_documents(self.code, self.role, docs)
