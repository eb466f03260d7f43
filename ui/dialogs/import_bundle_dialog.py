"""导入交换包: every check runs first (in a worker: photos are hashed and staged), then the
dialog says what the bundle will do ("此交换包将新增 1 个考评、148 张照片……；签名：城关镇
工作区，密钥 3F2A-9C1B（未信任）") and lists it item by item, with what cannot be applied;
导入 applies it in one transaction (again in the worker), 取消 changes nothing. An
untrusted signer can be trusted here after comparing the full fingerprint.

A key conflict (the bundle, signed by another key, would change a unit's data that came
under a trusted key: storage.exchange.plan.ImportPlan.conflicts) is shown apart, with both full
fingerprints; 导入 stays off until a person decides: 接受密钥更换 asks once more, with both
fingerprints, then imports (the audit event records the acceptance); 取消 leaves it all.

Refusals (a damaged or hostile bundle) show their one-line reason; nothing changes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout)

from checklists.errors import DabiaoError
from storage.exchange import importer, signing, trust
from storage.exchange.bundle_format import KIND_LABELS, BundleRefused
from storage.timefmt import local_time

from ..errors import show_error
from ..tasks import TaskWorker, close_thread_workspace, error_lines, thread_workspace
from .bundle_preview import Node, conflict_text, fingerprint_lines, for_the_app, preview_nodes

__all__ = ["ImportBundleDialog", "preview_nodes"]  # preview_nodes: imported from here by tests

TRUST_COLORS = {"own": "#1e8e3e", "trusted": "#1e8e3e", "known": "#b06000", "new": "#b06000"}


class ImportBundleDialog(QDialog):
    imported = Signal(list)  # ids of the assessments the bundle touched

    def __init__(self, ws, path, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.path = Path(path)
        self.plan = None
        self.result = None
        self.refused: str | None = None
        self.worker: TaskWorker | None = None
        self.tws = None  # the worker's own connection: the plan keeps using it until applied
        self.setWindowTitle(f"导入交换包 — {self.path.name}")

        self.heading = QLabel(f"正在检查 {self.path.name}…")
        self.heading.setStyleSheet("font-weight: bold; font-size: 11pt;")
        self.heading.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setStyleSheet("font-size: 11pt; padding: 6px; background: #e8f0fe; border-radius: 4px;")
        self.summary.setVisible(False)
        self.signer = QLabel()
        self.signer.setWordWrap(True)
        self.signer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notices = QLabel()
        self.notices.setWordWrap(True)
        self.notices.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notices.setStyleSheet("color: #b06000;")
        self.notices.setVisible(False)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setFormat("检查签名、每个文件的校验值和内容…")
        self.bar.setTextVisible(True)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setVisible(False)

        self.conflict = QLabel()
        self.conflict.setWordWrap(True)
        self.conflict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.conflict.setStyleSheet("padding: 6px; background: #fce8e6; color: #a50e0e; border: 1px solid #c5221f;"
                                    " border-radius: 4px; font-family: monospace;")
        self.conflict.setVisible(False)

        self.trust_button = QPushButton("信任此签名(&T)…")
        self.trust_button.setVisible(False)
        self.trust_button.clicked.connect(self.trust)
        self.key_button = QPushButton("接受密钥更换并导入(&K)…")
        self.key_button.setToolTip("核对两把密钥的完整指纹后，由负责人决定接受此包的新密钥；记入操作日志")
        self.key_button.setVisible(False)
        self.key_button.clicked.connect(self.confirm_key_change)
        self.import_button = QPushButton("导入(&I)")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.apply)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.trust_button)
        buttons.addStretch(1)
        buttons.addWidget(self.key_button)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.summary)
        layout.addWidget(self.signer)
        layout.addWidget(self.notices)
        layout.addWidget(self.conflict)
        layout.addWidget(self.bar)
        layout.addWidget(self.tree, 1)
        layout.addLayout(buttons)
        self.resize(820, 560)
        self.prepare()

    # ---------------------------------------------------------------- checking

    def prepare(self) -> None:
        """Run every check (and stage the new photos) in the worker."""
        if self.tws is None:
            try:
                self.tws = thread_workspace(self.ws)
            except DabiaoError as exc:
                self._refuse("\n".join(exc.lines()))
                return
        tws, path = self.tws, self.path
        stage = not self.ws.readonly  # a read-only workspace only previews: nothing is copied into it
        self._start(lambda progress: importer.prepare_import(tws, path, stage=stage), self._prepared, "检查")

    def _prepared(self, plan) -> None:
        self.plan = plan
        kind = KIND_LABELS.get(plan.kind, plan.kind)
        made = local_time(plan.reader.manifest.get("created_at")) or "?"
        self.heading.setText(f"{kind}交换包 {self.path.name}（制作于 {made}）")
        self.summary.setText(plan.summary())
        self.summary.setVisible(True)
        color = TRUST_COLORS.get(plan.trust, "#b06000")
        full = signing.pretty(plan.signer.fingerprint, 8)
        self.signer.setText(f"<span style='color:{color}'>{plan.signer_line()}</span><br>"
                            f"<span style='color:#5f6368'>完整指纹前 32 位：{full}</span>")
        self.bar.setVisible(False)
        self._fill_tree(plan)
        in_conflict = bool(plan.conflicts) and not plan.key_change_accepted
        self.conflict.setText(conflict_text(plan) if in_conflict else "")
        self.conflict.setVisible(in_conflict)
        self.key_button.setVisible(in_conflict and plan.has_changes and not self.ws.readonly)
        self.key_button.setEnabled(True)
        if self.ws.readonly:
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("工作区以只读方式打开，不能导入")
        elif in_conflict:  # a person decides first: 接受密钥更换并导入, or 取消
            self.import_button.setEnabled(False)
            self.import_button.setToolTip("此包的签名密钥与此前已信任的不同：请核对指纹后决定是否接受密钥更换")
            self.cancel_button.setText("不接受，取消")
            self.cancel_button.setDefault(True)
        elif plan.has_changes:
            self.import_button.setEnabled(True)
            self.import_button.setDefault(True)
            self.import_button.setFocus()
        else:
            self.import_button.setEnabled(False)
            self.cancel_button.setText("关闭")
            self.cancel_button.setDefault(True)
        self.trust_button.setVisible(plan.trust in ("known", "new") and not self.ws.readonly)

    def _fill_tree(self, plan) -> None:
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        shown_apart = set(plan.conflict_lines())  # the conflict has its own panel, fingerprints in full
        notices = [for_the_app(line) for line in plan.notices if line not in shown_apart]
        self.notices.setText("\n".join(notices))
        self.notices.setVisible(bool(notices))

        def add(node: Node, parent) -> None:
            item = QTreeWidgetItem([node.text])
            if node.tip:
                item.setToolTip(0, node.tip)
            if node.bold:
                item.setFont(0, bold)
            if node.color is not None:
                item.setForeground(0, node.color)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            for child in node.children:
                add(child, item)
            item.setExpanded(node.expanded)

        for node in preview_nodes(plan):
            add(node, None)
        self.tree.setVisible(True)

    def detail_lines(self) -> list[str]:
        """What the dialog shows, as text (for tests and copying)."""
        out = [self.notices.text()] if self.notices.text() else []
        if self.conflict.isVisibleTo(self):
            out.append(self.conflict.text())

        def walk(item, depth):
            out.append("  " * depth + item.text(0))
            for i in range(item.childCount()):
                walk(item.child(i), depth + 1)

        for i in range(self.tree.topLevelItemCount()):
            walk(self.tree.topLevelItem(i), 0)
        return out

    # ---------------------------------------------------------------- trust

    def trust(self) -> None:
        plan = self.plan
        if plan is None:
            return
        s = plan.signer
        box = QMessageBox(QMessageBox.Icon.Question, "信任此签名",
                          f"“{s.workspace_name}”工作区的签名密钥指纹是：\n\n{fingerprint_lines(s.fingerprint)}\n\n"
                          "请通过电话或当面与对方核对这串指纹（对方可在“交换”菜单导出时看到自己的密钥）。"
                          "核对一致后再信任；信任后，此后收到该密钥签名的交换包将显示为“已信任”。",
                          parent=self)
        yes = box.addButton("核对一致，信任", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is not yes:
            return
        self.trust_signer()

    def trust_signer(self) -> bool:
        """Trust the plan's signer, then check the bundle again (its trust state changes)."""
        plan = self.plan
        try:
            trust.trust_signer(self.ws, self.path, plan.signer.fingerprint)
        except DabiaoError as exc:
            show_error(self, exc)
            return False
        plan.discard()
        self.plan = None
        self._busy("重新检查…")
        self.prepare()
        return True

    # ---------------------------------------------------------------- a key conflict

    def key_change_box(self) -> tuple[QMessageBox, object]:
        """The confirmation: both full fingerprints once more, and the two choices."""
        box = QMessageBox(QMessageBox.Icon.Warning, "接受密钥更换",
                          conflict_text(self.plan) + "\n\n接受后，此包将覆盖上述数据；"
                          "这一决定连同两把密钥记入操作日志。确定已与对方核对一致？", parent=self)
        yes = box.addButton("核对一致，接受并导入", QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton("不接受", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        return box, yes

    def confirm_key_change(self) -> bool:
        """Ask; on an explicit yes, accept the other key for this bundle and import it."""
        plan = self.plan
        if plan is None or not plan.conflicts or self.worker is not None or self.ws.readonly:
            return False
        box, yes = self.key_change_box()
        box.exec()
        if box.clickedButton() is not yes:
            return False
        plan.accept_key_change()
        self.apply()
        return True

    # ---------------------------------------------------------------- applying

    def apply(self) -> None:
        plan = self.plan
        if plan is None or not plan.has_changes or self.worker is not None:
            return
        if plan.conflicts and not plan.key_change_accepted:
            return  # only through confirm_key_change: a person decides
        self._busy("正在导入（一次性写入，中途失败不会留下半截数据）…")
        self._start(lambda progress: plan.apply(), self._applied, "导入")

    def _applied(self, result) -> None:
        self.result = result
        self.plan = None
        self.bar.setVisible(False)
        self.heading.setText("导入完成" if result.changed else "没有导入任何内容")
        lines = result.lines()
        self.summary.setText("\n".join(lines[2 + len(result.plan.notices):][:1]))
        self.summary.setStyleSheet("font-size: 11pt; padding: 6px; background: #e6f4ea; border-radius: 4px;")
        self.import_button.setVisible(False)
        self.trust_button.setVisible(False)
        self.key_button.setVisible(False)
        self.conflict.setVisible(False)
        self.cancel_button.setText("完成")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.disconnect()
        self.cancel_button.clicked.connect(self.accept)
        self._close_connection()
        ids = [a["id"] for a in result.plan.data.get("assessments", [])]
        self.imported.emit(ids)

    # ---------------------------------------------------------------- worker plumbing

    def _busy(self, text: str) -> None:
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.bar.setFormat(text)
        self.import_button.setEnabled(False)
        self.trust_button.setEnabled(False)
        self.key_button.setEnabled(False)
        self.cancel_button.setEnabled(False)

    def _start(self, fn, on_done, what: str) -> None:
        worker = TaskWorker(fn, self)
        worker.succeeded.connect(lambda result: self._finished(worker, on_done, result, None, what))
        worker.failed.connect(lambda exc: self._finished(worker, on_done, None, exc, what))
        self.worker = worker
        worker.start()

    def _finished(self, worker, on_done, result, exc, what) -> None:
        worker.wait()
        worker.deleteLater()
        self.worker = None
        self.cancel_button.setEnabled(True)
        self.trust_button.setEnabled(True)
        if exc is None:
            on_done(result)
            return
        if what == "导入":
            self.plan = None  # apply() discarded it: nothing was changed
        self._refuse("\n".join(error_lines(exc)), refused=isinstance(exc, BundleRefused))

    def _refuse(self, message: str, refused: bool = True) -> None:
        self.refused = message
        self.bar.setVisible(False)
        self.heading.setText("不能导入此交换包，工作区未作任何改动" if refused else "导入未完成，工作区未作任何改动")
        self.summary.setText(message)
        self.summary.setStyleSheet("font-size: 11pt; padding: 6px; background: #fce8e6; color: #a50e0e;"
                                   " border-radius: 4px;")
        self.summary.setVisible(True)
        self.import_button.setVisible(False)
        self.trust_button.setVisible(False)
        self.key_button.setVisible(False)
        self.conflict.setVisible(False)
        self.cancel_button.setText("关闭")
        self.cancel_button.setEnabled(True)
        self._close_connection()

    def _close_connection(self) -> None:
        if self.plan is None and self.tws is not None and self.worker is None:
            close_thread_workspace(self.ws, self.tws)
            self.tws = None

    def _cleanup(self) -> None:
        if self.worker is not None:
            self.worker.wait()  # checking or applying cannot be stopped half way
            self.worker.deleteLater()
            self.worker = None
        if self.plan is not None:
            self.plan.discard()  # removes the staged photos; nothing was applied
            self.plan = None
        self._close_connection()

    def reject(self) -> None:
        if self.worker is not None:
            return
        self._cleanup()
        super().reject()

    def accept(self) -> None:
        self._cleanup()
        super().accept()

    def closeEvent(self, event):
        if self.worker is not None:
            event.ignore()
            return
        self._cleanup()
        super().closeEvent(event)
