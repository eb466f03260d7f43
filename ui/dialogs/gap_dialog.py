"""The gap list: every item not fully met, largest loss first; Enter jumps to it."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QTableView, QVBoxLayout

from checklists.numbers import display

from ..models.table_models import CodeRole, GapModel
from .common import row_table


def levels_html(result) -> str:
    rows = []
    for lv in result.levels:
        if lv.reached:
            rows.append(f"<b style='color:#1e8e3e'>{escape(lv.label)}：已达到</b>")
            continue
        bits = [f"还差 {display(lv.short_by)} 分" if lv.short_by else "分数已够"]
        if lv.blocking_items:
            bits.append("必备/否决项 " + "、".join(lv.blocking_items))
        if lv.blocking_categories:
            bits.append("大项 " + "、".join(lv.blocking_categories) + " 得分率不足")
        rows.append(f"<b>{escape(lv.label)}</b>（{display(lv.min_score)} 分）：" + escape("；".join(bits)))
    return "<br>".join(rows)


class GapDialog(QDialog):
    jumpRequested = Signal(str)
    actionRequested = Signal(str)

    def __init__(self, result, role_label: str = "自评", parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"差距清单（{role_label}）")
        summary = QLabel(f"当前 {display(result.final)} 分，{escape(result.level_label)}<br>" + levels_html(result))
        summary.setTextFormat(Qt.TextFormat.RichText)
        summary.setWordWrap(True)
        self.model = GapModel(self)
        self.model.set_rows(result.gap)
        self.view = QTableView()
        self.view.setModel(self.model)
        row_table(self.view, stretch=1)
        self.view.doubleClicked.connect(lambda _i: self.jump())
        hint = QLabel("↑↓ 选择，回车跳转到条目；失分按满分折算。")
        hint.setStyleSheet("color: #5f6368;")
        jump = QPushButton("转到条目(&J)")
        jump.clicked.connect(self.jump)
        action = QPushButton("生成整改任务(&T)…")
        action.clicked.connect(self.action)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(jump)
        buttons.addWidget(action)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(860, 520)
        if result.gap:
            self.view.selectRow(0)
        self.view.setFocus()

    def current_code(self) -> str | None:
        index = self.view.currentIndex()
        return index.siblingAtColumn(0).data(CodeRole) if index.isValid() else None

    def jump(self) -> None:
        code = self.current_code()
        if code:
            self.jumpRequested.emit(code)
            self.accept()

    def action(self) -> None:
        code = self.current_code()
        if code:
            self.actionRequested.emit(code)

    def keyPressEvent(self, event):
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.jump()
            return
        super().keyPressEvent(event)
