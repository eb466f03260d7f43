"""F1: the keyboard, on one page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

KEYS = [
    ("Ctrl+1 / Ctrl+2 / Ctrl+3", "转到 单位列表 / 条目列表 / 条目详情"),
    ("↑ ↓", "在条目之间移动；← → 折叠 / 展开大项"),
    ("Y / N / 空格", "是否类条目：是 / 否 / 切换"),
    ("1 … 9", "评级类条目：选择第 1…9 个选项"),
    ("数字，回车", "数值、打分、扣分类条目：直接输入，回车保存并回到列表"),
    ("数字，↑ ↓", "输入后按 ↑ ↓：保存并移到上一条 / 下一条（PgUp / PgDn 增减数值）"),
    ("+", "扣分类：缺项数加一"),
    ("-", "不涉及（仅限允许不涉及的条目）"),
    ("Delete", "清除本条目的填写"),
    ("回车", "在条目列表中：转到填写区"),
    ("Ctrl+Z", "撤销上一次修改或删除照片"),
    ("Ctrl+F", "按编号或关键词查找条目"),
    ("F8 / Shift+F8", "下一个 / 上一个未填写的条目"),
    ("Ctrl+G", "差距清单（按失分排序，回车跳转）"),
    ("Ctrl+P", "为当前条目添加照片"),
    ("Ctrl+Shift+P", "转到照片列表（回车查看，Delete 删除）"),
    ("Ctrl+T / Ctrl+Shift+T", "生成整改任务 / 整改清单"),
    ("Ctrl+R", "切换考评模式（自评与考评并排）"),
    ("Ctrl+Shift+R", "复核模式（抽中复核的单位：考评与复核并排）"),
    ("Ctrl+4", "全市汇总（军分区：各县达标率、排名与图表）"),
    ("Ctrl+N / Ctrl+Shift+N", "新建考评 / 新建单位"),
    ("Alt+字母", "打开菜单"),
]


class KeysDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("键盘操作")
        rows = "".join(f"<tr><td style='padding:2px 16px 2px 0'><b>{k}</b></td><td>{v}</td></tr>" for k, v in KEYS)
        label = QLabel(f"<p>所有操作都可以只用键盘完成。每次修改立即自动保存；输入了数字还没按回车就离开条目（F8、↑ ↓、查找、点击列表、切换模式、关闭窗口），输入的数字会先保存到它所在的条目。</p><table>{rows}</table>")
        label.setTextFormat(Qt.TextFormat.RichText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(buttons)
