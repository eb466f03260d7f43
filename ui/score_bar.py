"""The live score bar: final score, level reached, what stands between the unit and the
next level (points short, blocking gate items and categories), and the gap list; beside
it the score compared with (自评 in 考评 mode, 考评分 in 复核 mode)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout

from checklists.numbers import display

from storage.assessments import ROLE_LABELS

from . import theme
from .format import escape

MAX_LINKS = 4


class ScoreBar(QFrame):
    gapRequested = Signal()
    jumpRequested = Signal(str)  # item or category code

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.mode = "self"
        self.setObjectName("scoreBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#scoreBar { background: #f8f9fa; border: 1px solid #dadce0; border-radius: 4px; }")

        self.role_label = QLabel("自评得分")
        self.role_label.setStyleSheet("color: #5f6368;")
        self.final_label = QLabel("—")
        self.final_label.setObjectName("finalLabel")
        self.final_label.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.total_label = QLabel("")
        self.total_label.setStyleSheet("color: #5f6368;")
        self.level_label = QLabel("")
        self.level_label.setObjectName("levelLabel")
        self.level_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = QLabel("")
        self.detail.setObjectName("detailLabel")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.detail.linkActivated.connect(self.jumpRequested.emit)
        self.veto = QLabel("")  # (/2) 一票否决: the score is voided
        self.veto.setObjectName("vetoLabel")
        self.veto.setWordWrap(True)
        self.veto.setTextFormat(Qt.TextFormat.RichText)
        self.veto.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.veto.setStyleSheet("color: #c5221f; font-weight: bold;")
        self.veto.linkActivated.connect(self.jumpRequested.emit)
        self.veto.hide()
        self.breakdown = QLabel("")
        self.breakdown.setStyleSheet("color: #5f6368;")
        self.other = QLabel("")
        self.other.setStyleSheet("color: #5f6368;")
        self.gap_button = QPushButton("差距清单 (Ctrl+G)")
        self.gap_button.setToolTip("按失分从多到少列出未满分的条目，回车跳转")
        self.gap_button.clicked.connect(self.gapRequested.emit)

        score_box = QVBoxLayout()
        score_box.setSpacing(0)
        score_box.addWidget(self.role_label)
        row = QHBoxLayout()
        row.setSpacing(4)
        row.addWidget(self.final_label)
        row.addWidget(self.total_label, 0, Qt.AlignmentFlag.AlignBottom)
        score_box.addLayout(row)

        text_box = QVBoxLayout()
        text_box.setSpacing(2)
        text_box.addWidget(self.veto)
        text_box.addWidget(self.detail)
        text_box.addWidget(self.breakdown)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.setSpacing(14)
        layout.addLayout(score_box)
        layout.addWidget(self.level_label)
        layout.addLayout(text_box, 1)
        layout.addWidget(self.other)
        layout.addWidget(self.gap_button)
        self.refresh()

    def set_session(self, session, mode: str = "self") -> None:
        self.session = session
        self.mode = mode
        if session is not None:
            session.scoreChanged.connect(self.refresh)
            session.statusChanged.connect(self.refresh)
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.refresh()

    def refresh(self) -> None:
        s = self.session
        if s is None:
            self.final_label.setText("—")
            self.total_label.setText("")
            self.level_label.hide()
            self.detail.setText("<span style='color:#5f6368'>未打开考评</span>")
            self.breakdown.setText("")
            self.veto.hide()
            self.other.setText("")
            self.gap_button.setEnabled(False)
            return
        role = self.mode if self.mode in ROLE_LABELS else "self"
        r = s.results[role]
        self.role_label.setText(f"{ROLE_LABELS[role]}得分")
        count = len(r.items) - len(r.not_applicable)  # (/2) items the unit's tags leave out: not counted
        if count and len(r.unanswered) >= count:
            self._show_unanswered(s, role, count)
            return
        self.final_label.setText(display(r.final))
        self.total_label.setText(f"/ {display(r.total)}")
        keys = [lv.key for lv in r.levels]
        index = keys.index(r.level) if r.level in keys else -1
        color = theme.level_color(index, len(keys)).name()
        self.level_label.setText(r.level_label)
        self.level_label.setStyleSheet(f"background: {color}; color: white; font-weight: bold; font-size: 12pt;"
                                       "padding: 4px 12px; border-radius: 12px;")
        self.level_label.show()
        self.veto.setText(self._veto_html(r))
        self.veto.setVisible(r.voided)
        self.final_label.setStyleSheet("font-size: 20pt; font-weight: bold;"
                                       + (" color: #c5221f;" if r.voided else ""))
        self.detail.setText(self._detail_html(r))
        bonus = f" + 加分 {display(r.bonus)}" if r.bonus else ""
        penalty = f" − 扣分 {display(r.penalty)}" if r.penalty else ""
        answered = count - len(r.unanswered)
        excluded = f"（{len(r.not_applicable)} 项不适用）" if r.not_applicable else ""
        self.breakdown.setText(f"基本分 {display(r.base)}{bonus}{penalty} · 已填 {answered}/{count} 项{excluded}")
        self.other.setText(self._other_text(s, role))
        self.gap_button.setText(f"差距清单（{len(r.gap)}）Ctrl+G")
        self.gap_button.setEnabled(True)

    def _show_unanswered(self, s, role: str, count: int) -> None:
        """Nothing answered yet in this role: no score, no level, no gap list (as the lists
        say 尚未填写; a 0 / 未达标 here would read as a result)."""
        self.final_label.setText("—")
        self.final_label.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.total_label.setText("")
        self.level_label.hide()
        self.veto.hide()
        self.detail.setText(f"<span style='color:#5f6368'>{ROLE_LABELS[role]}尚未填写：填写后显示得分、等级与差距</span>")
        excluded = f"（{len(s.results[role].not_applicable)} 项不适用）" if s.results[role].not_applicable else ""
        self.breakdown.setText(f"已填 0/{count} 项{excluded}")
        self.other.setText(self._other_text(s, role))
        self.gap_button.setText("差距清单 (Ctrl+G)")
        self.gap_button.setEnabled(False)

    @staticmethod
    def _other_text(s, role: str) -> str:
        """The score compared with beside the big one: 自评 beside 考评; 考评分 beside 复核分."""
        if role == "review":
            o = s.results["self"]
            return f"自评 {display(o.final)} · {o.level_label}"
        if role == "recheck":
            o = s.results["review"]
            return f"考评分 {display(o.final)} · {o.level_label}"
        return ""

    def _veto_html(self, r) -> str:
        """一票否决：7.6 空白村，总分记0分 (each item a link to it); '' when nothing voids."""
        if not r.voided:
            return ""
        titles = {i.code: i.title for i in r.checklist.items()}
        links = "、".join(f"<a href='{escape(c)}' style='color:#c5221f'>{escape(c)} {escape(titles.get(c, ''))}</a>"
                         for c in r.voided_by)
        return f"一票否决：{links}，总分记0分"

    def _detail_html(self, r) -> str:
        nxt = r.next_level()
        if nxt is None:
            return f"<b style='color:#1e8e3e'>已达最高等级“{escape(r.level_label)}”</b>"
        parts = []
        if nxt.short_by > 0:
            parts.append(f"距<b>{escape(nxt.label)}</b>还差 <b>{display(nxt.short_by)}</b> 分")
        else:
            parts.append(f"分数已够<b>{escape(nxt.label)}</b>（{display(nxt.min_score)} 分）")
        if nxt.blocking_items:
            parts.append("未满足的必备/否决项：" + self._links(nxt.blocking_items, r.checklist))
        if nxt.blocking_categories:
            parts.append("得分率不足的大项：" + self._links(nxt.blocking_categories, r.checklist, categories=True))
        return " · ".join(parts)

    def _links(self, codes, checklist, categories: bool = False) -> str:
        titles = {c.code: c.title for c in checklist.all_categories()} if categories else \
            {i.code: i.title for i in checklist.items()}
        out = [f"<a href='{escape(c)}' style='color:#c5221f'>{escape(c)} {escape(titles.get(c, ''))}</a>"
               for c in codes[:MAX_LINKS]]
        more = f" 等 {len(codes)} 项" if len(codes) > MAX_LINKS else ""
        return "、".join(out) + more
