"""导出上报包 / 导出考评包 / 导出标准包: choose what goes in, the name the other side will
see on the signature, then the file; photos are streamed into the bundle by a worker with
a progress bar."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFormLayout, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPlainTextEdit, QProgressBar, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout)

from checklists.errors import DabiaoError
from storage import assessments, checklist_store
from storage.exchange import signing
from storage.exchange.export import export_bundle

from .. import files
from ..errors import show_error
from ..tasks import TaskWorker, error_lines, with_workspace
from .checklist_choice import LEVEL_LABELS

KIND_TITLES = {"submission": "导出上报包", "review": "导出考评包", "criteria": "导出标准包"}
KIND_FILES = {"submission": "上报包", "review": "考评包", "criteria": "标准包"}
KIND_HELP = {
    "submission": "上报包装有所选考评的自评答案、自评照片、整改任务和操作记录，交县人武部或考评组导入。"
                  "不含考评组的考评结果。",
    "review": "考评包装有所选考评的考评答案、考评照片、考评结论与签字，交县人武部或被考评单位导入。"
              "不含自评答案。",
    "criteria": "标准包装有所选的考评标准（连同其依据的上级标准）和本工作区的单位名单，下发给乡镇导入。",
}


class ExportBundleDialog(QDialog):
    exported = Signal(object)  # storage.exchange.export.ExportResult

    def __init__(self, ws, kind: str, preselect=(), parent=None):
        super().__init__(parent)
        self.ws = ws
        self.kind = kind
        self.worker: TaskWorker | None = None
        self.result = None
        self.setWindowTitle(KIND_TITLES[kind])

        help_label = QLabel(KIND_HELP[kind])
        help_label.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        preselect = set(preselect)
        if kind == "criteria":
            self._fill_checklists(preselect)
        else:
            self._fill_assessments(preselect)
        self.tree.itemChanged.connect(lambda *_: self._update())

        # First export: no name chosen yet. Propose the unit this workspace belongs to (the
        # one unit a submission is about, else the top unit) and ask to confirm it.
        self.first_name = signing.chosen_name(ws) is None
        self._name_edited = False
        self.name = QLineEdit(self._suggested_name())
        self.name.setMaxLength(60)
        self.name.setToolTip("对方导入时看到的签名单位名称，如“城关镇武装部”")
        self.name.textEdited.connect(self._name_typed)
        self.name_hint = QLabel("首次导出：请确认签名单位名称。对方导入时看到的就是这个名称（如“城关镇武装部”），"
                                "以后导出沿用，可随时在这里修改。")
        self.name_hint.setWordWrap(True)
        self.name_hint.setStyleSheet("color: #b06000;")
        self.name_hint.setVisible(self.first_name)
        self.key = QLabel()
        self.key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key.setStyleSheet("color: #5f6368;")
        self.key.setWordWrap(True)
        self._show_key(signing.own_fingerprint(ws))
        form = QFormLayout()
        form.addRow("签名单位(&N)：", self.name)
        form.addRow("", self.name_hint)
        form.addRow("签名密钥：", self.key)

        self.count = QLabel()
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setVisible(False)
        self.log.setMaximumHeight(120)

        self.all_button = QPushButton("全选")
        self.all_button.clicked.connect(lambda: self._check_all(True))
        self.none_button = QPushButton("全不选")
        self.none_button.clicked.connect(lambda: self._check_all(False))
        self.folder_button = QPushButton("打开所在文件夹")
        self.folder_button.setVisible(False)
        self.folder_button.clicked.connect(lambda: files.open_external(self.result.path.parent))
        self.export_button = QPushButton("导出(&E)…")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.choose_file)
        self.close_button = QPushButton("取消")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.all_button)
        buttons.addWidget(self.none_button)
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.folder_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(help_label)
        layout.addWidget(self.tree, 1)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.log)
        layout.addLayout(buttons)
        self.resize(760, 480)
        self._update()
        if self.first_name:
            self.name.setFocus()
            self.name.selectAll()

    def _show_key(self, fingerprint: str | None) -> None:
        """The full fingerprint: what the other side compares before trusting this workspace."""
        if fingerprint:
            self.key.setText(f"{signing.short(fingerprint)}（完整指纹 {signing.pretty(fingerprint)}）")
        else:
            self.key.setText("首次导出时生成本工作区的签名密钥")

    # ---------------------------------------------------------------- the list

    def _fill_assessments(self, preselect: set) -> None:
        self.tree.setHeaderLabels(["单位", "年度", "状态", "考评标准"])
        rows = assessments.list_assessments(self.ws)
        for row in rows:
            status = assessments.STATUS_LABELS.get(row["status"], row["status"])
            item = QTreeWidgetItem([row["unit_name"], str(row["year"]), status,
                                    row["checklist_title"] or f"{row['checklist_id']}@{row['checklist_version']}"])
            item.setData(0, Qt.ItemDataRole.UserRole, row["id"])
            item.setData(0, Qt.ItemDataRole.UserRole + 1, row)
            item.setCheckState(0, Qt.CheckState.Checked if row["id"] in preselect else Qt.CheckState.Unchecked)
            item.setToolTip(0, f"考评编号 {row['id']}")
            self.tree.addTopLevelItem(item)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

    def _fill_checklists(self, preselect: set) -> None:
        self.tree.setHeaderLabels(["标准", "编号@版本", "级别", "年度"])
        for row in checklist_store.list_checklists(self.ws):
            ref = f"{row['id']}@{row['version']}"
            item = QTreeWidgetItem([row["title"] or row["id"], ref, LEVEL_LABELS.get(row["level"], row["level"] or ""),
                                    str(row["year"] or "")])
            item.setData(0, Qt.ItemDataRole.UserRole, ref)
            item.setCheckState(0, Qt.CheckState.Checked if ref in preselect else Qt.CheckState.Unchecked)
            self.tree.addTopLevelItem(item)
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)

    def _items(self):
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def _check_all(self, on: bool) -> None:
        for item in self._items():
            item.setCheckState(0, Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self._items()
                if item.checkState(0) == Qt.CheckState.Checked]

    def _selected_units(self) -> list[str]:
        if self.kind == "criteria":
            return []
        return [item.data(0, Qt.ItemDataRole.UserRole + 1)["unit_name"] for item in self._items()
                if item.checkState(0) == Qt.CheckState.Checked]

    def _suggested_name(self) -> str:
        return signing.suggested_name(self.ws, self._selected_units() if self.kind == "submission" else ())

    def _name_typed(self, _text: str) -> None:
        self._name_edited = True
        self._update()

    def _update(self) -> None:
        if self.first_name and not self._name_edited and hasattr(self, "name"):
            self.name.setText(self._suggested_name())
        n = len(self.chosen())
        what = "个标准版本" if self.kind == "criteria" else "个考评"
        self.count.setText(f"已选 {n} {what}")
        has_name = not hasattr(self, "name") or bool(self.name.text().strip())
        self.export_button.setEnabled(n > 0 and has_name and self.worker is None and self.result is None)

    def default_name(self) -> str:
        name = self.name.text().strip() or signing.workspace_name(self.ws)
        if self.kind != "criteria":
            rows = [item.data(0, Qt.ItemDataRole.UserRole + 1) for item in self._items()
                    if item.checkState(0) == Qt.CheckState.Checked]
            units_in = list(dict.fromkeys(r["unit_name"] for r in rows))
            if len(units_in) == 1:
                name = units_in[0]
        return f"{name}-{KIND_FILES[self.kind]}-{date.today():%Y%m%d}.dabiao"

    # ---------------------------------------------------------------- exporting

    def choose_file(self) -> None:
        refs = self.chosen()
        if not refs:
            return
        target = files.ask_save_path(self, KIND_TITLES[self.kind], self.default_name(), "达标交换包 (*.dabiao)")
        if target is not None:
            self.export_to(target, refs)

    def export_to(self, target, refs=None) -> None:
        refs = list(refs if refs is not None else self.chosen())
        name = self.name.text().strip()
        if not name:
            show_error(self, "请填写签名单位名称（对方导入时看到的名称）")
            self.name.setFocus()
            return
        if self.first_name or name != signing.workspace_name(self.ws):
            try:
                signing.set_workspace_name(self.ws, name)
            except DabiaoError as exc:
                show_error(self, exc)
                return
        kind = self.kind

        def run(ws, progress):
            return export_bundle(ws, kind, refs, target,
                                 progress=lambda done, total: progress(done, total, f"照片 {done}/{total}"))

        self.worker = TaskWorker(with_workspace(self.ws, run), self)
        self.worker.progress.connect(self._progress)
        self.worker.succeeded.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.bar.setVisible(True)
        self.bar.setRange(0, 0)
        self.bar.setFormat("正在导出…")
        for w in (self.tree, self.name, self.all_button, self.none_button, self.close_button):
            w.setEnabled(False)
        self._update()
        self.worker.start()

    def _progress(self, done: int, total: int, _text: str) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)
        self.bar.setFormat(f"正在写入照片 {done}/{total}")

    def _finish_worker(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        for w in (self.tree, self.name, self.all_button, self.none_button, self.close_button):
            w.setEnabled(True)

    def _done(self, result) -> None:
        self._finish_worker()
        self.result = result
        self._show_key(result.fingerprint)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.bar.setFormat("已完成")
        self.log.setVisible(True)
        self.log.setPlainText("\n".join(result.lines()))
        self.folder_button.setVisible(True)
        self.close_button.setText("完成")
        self.close_button.setDefault(True)
        self.close_button.clicked.disconnect()
        self.close_button.clicked.connect(self.accept)
        self._update()
        self.exported.emit(result)

    def _failed(self, exc) -> None:
        self._finish_worker()
        self.bar.setVisible(False)
        self._update()
        show_error(self, "\n".join(error_lines(exc)), "导出失败")

    def reject(self) -> None:
        if self.worker is not None:
            return  # the bundle is being written: it finishes (or fails) on its own
        super().reject()

    def closeEvent(self, event):
        if self.worker is not None:
            event.ignore()
            return
        super().closeEvent(event)
