"""导入标准: a criteria file (.yaml / .yml / .json, or an Excel workbook) is validated first
and the result shown — a valid set with its title, id@version, items, total and levels;
an invalid one with every problem, each with its file and cell (`标准.xlsx 条目!F12:
分值必须大于0`) or line — and only a valid set, confirmed, is added to the workspace."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget, QProgressBar,
                               QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout)

from checklists import ChecklistError
from checklists.numbers import display
from storage import checklist_store

from ..tasks import TaskWorker, error_lines, with_workspace
from .checklist_choice import LEVEL_LABELS

APPLIES_TO = {"town": "乡镇（街道）", "enterprise": "企业", "militia": "民兵营连", "county": "县"}
OK_STYLE = "font-size: 11pt; padding: 6px; background: #e6f4ea; color: #0d652d; border-radius: 4px;"
BAD_STYLE = "font-size: 11pt; padding: 6px; background: #fce8e6; color: #a50e0e; border-radius: 4px;"


def validate(ws, path: Path):
    """The merged checklist, or ChecklistError with every problem. Bases come from the
    workspace first, then from files beside the one given and the bundled library, the
    way the import itself finds them."""
    return checklist_store.check_file(ws, path)


class CriteriaImportDialog(QDialog):
    imported = Signal(dict)  # the stored checklist row

    def __init__(self, ws, path, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.path = Path(path)
        self.checklist = None
        self.problems: list[str] = []
        self.row: dict | None = None
        self.added: bool | None = None
        self.worker: TaskWorker | None = None
        kind = "Excel 工作簿" if self.path.suffix.lower() == ".xlsx" else "标准文件"
        self.setWindowTitle(f"导入考评标准 — {self.path.name}")

        self.heading = QLabel(f"{kind}：{self.path}")
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner = QLabel("正在检查…")
        self.banner.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.facts = QFormLayout()
        self.facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.outline = QTreeWidget()
        self.outline.setHeaderLabels(["大项", "条目", "分值"])
        self.outline.setRootIsDecorated(False)
        self.outline.setVisible(False)
        header = self.outline.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.problem_list = QListWidget()
        self.problem_list.setVisible(False)
        self.problem_list.setWordWrap(True)
        self.problem_list.setAlternatingRowColors(True)

        self.copy_button = QPushButton("复制问题列表")
        self.copy_button.setVisible(False)
        self.copy_button.clicked.connect(self.copy_problems)
        self.import_button = QPushButton("导入(&I)")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.do_import)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addWidget(self.bar)
        layout.addLayout(self.facts)
        layout.addWidget(self.outline, 1)
        layout.addWidget(self.problem_list, 1)
        layout.addLayout(buttons)
        self.resize(760, 560)
        self._start(lambda ws, _p: validate(ws, self.path), self._validated)

    # ---------------------------------------------------------------- result of the check

    def _validated(self, checklist) -> None:
        self.checklist = c = checklist
        items = list(c.items())
        roles = {}
        for item in items:
            roles[item.role] = roles.get(item.role, 0) + 1
        self.banner.setText(f"✓ 标准有效：{c.title}")
        self.banner.setStyleSheet(OK_STYLE)
        add = self.facts.addRow
        add("编号@版本：", QLabel(c.ref))
        if c.issuer or c.level or c.year:
            add("发布：", QLabel("　".join(x for x in (c.issuer or "", LEVEL_LABELS.get(c.level, c.level or ""),
                                                     f"{c.year} 年" if c.year else "") if x)))
        if c.extends:
            add("依据：", QLabel(f"在 {c.extends[0]}@{c.extends[1]} 基础上增删改"))
        if c.applies_to:
            add("适用：", QLabel("、".join(APPLIES_TO.get(a, a) for a in c.applies_to)))
        kinds = "，".join(f"{label} {roles[key]} 项" for key, label in (("base", "基本项"), ("bonus", "加分项"),
                                                                         ("penalty", "扣分项")) if roles.get(key))
        add("条目：", QLabel(f"共 {len(items)} 项（{kinds}），分 {len(c.categories)} 个大项"))
        total = f"{display(c.total)} 分" + (f"，加分最多 {display(c.bonus_cap)} 分" if c.bonus_cap else "")
        add("总分：", QLabel(total))
        add("等级：", QLabel("；".join(f"{lv.label} ≥ {display(lv.min_score)} 分" for lv in c.levels)))
        existing = checklist_store.get_row(self.ws, c.id, c.version)
        if existing:
            note = QLabel("工作区中已有此编号和版本：内容相同则不会重复导入；内容不同将被拒绝"
                          "（修改后的标准请使用新的版本号）。")
            note.setWordWrap(True)
            note.setStyleSheet("color: #b06000;")
            add("注意：", note)
        for cat in c.categories:
            cat_items = list(cat.walk_items())
            points = sum((i.points for i in cat_items if i.role == "base"), start=0)
            QTreeWidgetItem(self.outline, [f"{cat.code} {cat.title}", str(len(cat_items)), display(points)])
        self.outline.setVisible(True)
        self.import_button.setEnabled(not self.ws.readonly)
        if self.ws.readonly:
            self.import_button.setToolTip("工作区以只读方式打开，不能导入")
        self.import_button.setDefault(True)
        self.import_button.setFocus()

    def _invalid(self, exc, heading: str | None = None) -> None:
        self.problems = error_lines(exc)
        n = len(self.problems)
        if heading:
            self.banner.setText(heading)
        elif isinstance(exc, ChecklistError):
            self.banner.setText(f"✗ 发现 {n} 个问题，标准未导入。请按下列位置修改文件后重新导入：")
        else:
            self.banner.setText("✗ 无法读取此文件，标准未导入：")
        self.banner.setStyleSheet(BAD_STYLE)
        full, short = str(self.path), self.path.name  # the heading names the folder once
        self.problem_list.addItems([line.replace(full, short, 1) if line.startswith(full) else line
                                    for line in self.problems])
        self.problem_list.setVisible(True)
        self.copy_button.setVisible(True)
        self.import_button.setVisible(False)
        self.cancel_button.setText("关闭")
        self.cancel_button.setDefault(True)

    def copy_problems(self) -> None:
        QGuiApplication.clipboard().setText("\n".join(self.problems))

    # ---------------------------------------------------------------- importing

    def do_import(self) -> None:
        if self.checklist is None or self.worker is not None:
            return
        self.import_button.setEnabled(False)
        self.bar.setVisible(True)
        path = self.path
        self._start(lambda ws, _p: checklist_store.import_checklist_file(ws, path), self._imported)

    def _imported(self, result) -> None:
        self.row, self.added = result
        if self.added:
            self.banner.setText(f"✓ 已导入：{self.row['title']}（{self.row['id']}@{self.row['version']}）")
        else:
            self.banner.setText(f"工作区中已有相同的标准 {self.row['id']}@{self.row['version']}，未重复导入")
        self.import_button.setVisible(False)
        self.cancel_button.setText("完成")
        self.cancel_button.clicked.disconnect()
        self.cancel_button.clicked.connect(self.accept)
        self.cancel_button.setDefault(True)
        self.imported.emit(self.row)

    # ---------------------------------------------------------------- worker plumbing

    def _start(self, fn, on_done) -> None:
        worker = TaskWorker(with_workspace(self.ws, fn), self)
        worker.succeeded.connect(lambda result: self._finished(worker, on_done, result, None))
        worker.failed.connect(lambda exc: self._finished(worker, on_done, None, exc))
        self.worker = worker
        worker.start()

    def _finished(self, worker, on_done, result, exc) -> None:
        worker.wait()
        worker.deleteLater()
        self.worker = None
        self.bar.setVisible(False)
        if exc is None:
            on_done(result)
        elif self.checklist is None:
            self._invalid(exc)
        else:  # refused at import (e.g. same id@version, other text): say why, nothing added
            self.outline.setVisible(False)
            self._invalid(exc, "✗ 未导入，工作区未作改动：")

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.wait()
        super().reject()

    def closeEvent(self, event):
        if self.worker is not None:
            self.worker.wait()
        super().closeEvent(event)
