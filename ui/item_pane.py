"""The right-hand pane: one item's texts, the value editor that fits its kind, note,
document ticks (ui/document_ticks.py, a mixin of the pane), evidence gallery; in review
mode the 自评 answer is shown above the inspector's own editor, in recheck mode (复核) the
county's 考评 above the 军分区's. Every change is saved at once through the session."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit,
                               QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget)

from checklists.numbers import display
from checklists.wording import applies_text
from storage.assessments import ROLE_LABELS

from . import theme
from .document_ticks import DocumentTicks, documents_lost_text
from .evidence_pane import EvidencePane
from .format import escape, evidence_text, item_meta, value_text
from .editors import make_editor
from .session import REFERENCE_ROLE
from .wrapping import FocusRing

ROLE_WORDS = ROLE_LABELS  # 自评 / 考评 / 复核
WHO_FILLS = {"self": "本单位填写", "review": "考评组填写", "recheck": "军分区复核组填写"}
REFERENCE_TITLES = {"self": ("自评（被考评单位填写）", "自评（与考评不一致）"),
                    "review": ("考评（县人武部考评组填写，只读）", "考评（与复核不一致）")}


def _label(text: str = "", *, wrap: bool = True, selectable: bool = True, style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.RichText if "<" in text else Qt.TextFormat.AutoText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class ItemPane(DocumentTicks, QScrollArea):
    backToList = Signal()
    moveRequested = Signal(int)  # -1 / +1: go to the previous / next row of the list
    actionRequested = Signal(str)  # item code

    def __init__(self, parent=None):
        super().__init__(parent)
        self.session = None
        self.mode = "self"
        self.code: str | None = None
        self.editor = None
        self._editor_role = "self"  # the role the current editor saves for
        self._doc_boxes: list[QCheckBox] = []
        self._doc_cells: list[QWidget] = []
        self._doc_costs: list[QLabel | None] = []  # (/2) what a document that counts costs
        self._shown_excluded = False
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(700)
        self._note_timer.timeout.connect(self.flush_note)
        self._note_target: tuple | None = None  # (code, role) the pending note belongs to

        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("itemPaneBody")
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(8)

        self.header = _label(style="font-size: 13pt; font-weight: bold;")
        self.meta = _label(style="color: #5f6368;")
        self.banner = _label(style=f"background: {theme.LOCKED_BACKGROUND.name()}; color: #a50e0e; "
                                   "padding: 6px; border-radius: 4px;")
        self.banner.hide()
        self.texts = _label()
        self.texts.setTextFormat(Qt.TextFormat.RichText)

        # review mode: what the unit answered, above the inspector's own editor (recheck
        # mode: what the county's inspectors answered, above the 军分区's)
        self.self_box = QGroupBox(REFERENCE_TITLES["self"][0])
        sb = QVBoxLayout(self.self_box)
        self.self_summary = _label()
        self.self_summary.setTextFormat(Qt.TextFormat.RichText)
        sb.addWidget(self.self_summary)
        self.self_box.hide()

        self.answer_box = QGroupBox("自评")
        ab = QVBoxLayout(self.answer_box)
        ab.setSpacing(6)
        self.editor_holder = QVBoxLayout()
        ab.addLayout(self.editor_holder)
        self.result = _label(selectable=False)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        ab.addWidget(self.result)
        self.docs_title = _label("资料（已提供的请勾选）：", selectable=False, style="color: #3c4043;")
        self.docs_grid = QGridLayout()
        self.docs_grid.setHorizontalSpacing(12)
        ab.addWidget(self.docs_title)
        ab.addLayout(self.docs_grid)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("备注：情况说明、存在问题等（自动保存）")
        self.note.setFixedHeight(64)
        self.note.setTabChangesFocus(True)
        self.note.textChanged.connect(self._note_edited)
        self._note_palette = self.note.palette()
        self._locked_note_palette = self.note.palette()  # read-only: greyed like the disabled ticks
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            self._locked_note_palette.setColor(group, QPalette.ColorRole.Base, QColor("#f1f3f4"))
            self._locked_note_palette.setColor(group, QPalette.ColorRole.Text, QColor("#5f6368"))
        ab.addWidget(self.note)

        self.evidence = EvidencePane()
        self.evidence.importFinished.connect(lambda _o: self.refresh_result())

        self.action_button = QPushButton("生成整改任务… (Ctrl+T)")
        self.action_button.setToolTip("把本条目的差距转为整改任务（责任人、期限）")
        self.action_button.clicked.connect(lambda: self.code and self.actionRequested.emit(self.code))
        actions_row = QHBoxLayout()
        actions_row.addStretch(1)
        actions_row.addWidget(self.action_button)

        self.excluded_notice = _label(style=f"background: {theme.INFO_BACKGROUND.name()}; color: #3c4043; "
                                             "padding: 8px; border-radius: 4px;")
        self.excluded_notice.setObjectName("excludedNotice")
        self.excluded_notice.setTextFormat(Qt.TextFormat.RichText)
        self.excluded_notice.hide()

        self.category_summary = _label()
        self.category_summary.setTextFormat(Qt.TextFormat.RichText)
        self.category_summary.hide()

        for w in (self.header, self.meta, self.banner, self.texts, self.excluded_notice, self.category_summary,
                  self.self_box,
                  self.answer_box, self.evidence):
            layout.addWidget(w)
        layout.addLayout(actions_row)
        layout.addStretch(1)
        self.placeholder = _label(self.PICK_HINT, style="color: #5f6368; font-size: 11pt;")
        layout.insertWidget(0, self.placeholder)
        self._show_parts(False)
        self.focus_ring = FocusRing(body)  # plainly shows which control Space / Enter will act on

    # ---------------------------------------------------------------- context

    PICK_HINT = "请在左侧选择一个考评，再在中间选择条目。"

    def show_start_hint(self, has_units: bool, has_assessments: bool) -> None:
        """With nothing on the left, say how to start instead of "select one"."""
        if has_assessments:
            text = self.PICK_HINT
        elif has_units:
            text = "还没有考评。在左侧选中一个单位，点击左下角“新建考评…”（Ctrl+N）。"
        else:
            text = "还没有考评。点击左下角“新建单位…”，再“新建考评…”。"
        self.placeholder.setText(text)

    @property
    def role(self) -> str:
        """The role the editor saves for: the mode's own (self, review or recheck)."""
        return self.mode if self.mode in ROLE_WORDS else "self"

    def set_session(self, session) -> None:
        self.flush()
        self.session = session
        self.code = None
        if session is not None:
            session.itemChanged.connect(self._item_changed)
            session.scoreChanged.connect(self._score_changed)
        self.show_code(None)

    def set_mode(self, mode: str) -> None:
        self.flush()
        self.mode = mode
        self.show_code(self.code, force=True)

    def _show_parts(self, item: bool, category: bool = False, excluded: bool = False) -> None:
        """Which parts show: an item's (no answer parts when its unit's tags exclude it), a
        category's summary, or the placeholder."""
        self.placeholder.setVisible(not item and not category)
        for w in (self.header, self.meta):
            w.setVisible(item or category)
        self.texts.setVisible(item)
        for w in (self.answer_box, self.evidence, self.action_button):
            w.setVisible(item and not excluded)
        self.excluded_notice.setVisible(item and excluded)
        self.self_box.setVisible(item and not excluded and self.role in REFERENCE_ROLE)
        self.category_summary.setVisible(category)
        if not item:
            self.banner.hide()

    def show_code(self, code: str | None, force: bool = False) -> None:
        """Show an item (or a category summary); code None shows the placeholder."""
        if code == self.code and not force:
            return
        self.flush()
        if code != self.code:
            self.verticalScrollBar().setValue(0)  # a new item starts at its title
        self.code = code
        s = self.session
        if s is None or code is None:
            self._show_parts(False)
            return
        item = s.index.get(code)
        if item is None:
            category = next((c for c in s.checklist.all_categories() if c.code == code), None)
            self._show_category(category)
            return
        excluded = self._excluded(code)
        self._show_parts(True, excluded=excluded)
        self.header.setText(f"{escape(item.code)}　{escape(item.title)}")
        meta = item_meta(item, s.level_labels)
        self.meta.setText(meta + (" · " + applies_text(item, s.checklist) if item.tagged else ""))
        parts = [f"<p style='margin:0 0 6px 0'><b>达标要求：</b>{escape(item.requirement)}</p>"]
        if item.excellent:
            parts.append(f"<p style='margin:0 0 6px 0'><b>达优要求：</b>{escape(item.excellent)}</p>")
        if item.guidance:
            parts.append(f"<p style='margin:0'><b>检查方法：</b>{escape(item.guidance)}</p>")
        self.texts.setText("".join(parts))
        self.answer_box.setTitle(f"{ROLE_WORDS[self.role]}（{WHO_FILLS[self.role]}）")

        self._drop_editor()
        self._set_documents(item if not excluded else None)
        self._shown_excluded = excluded
        if excluded:  # nothing to answer: no editor, no ticks, no photos
            self.excluded_notice.setText(self._excluded_text(item))
            self.banner.hide()
            self.evidence.set_context(s, None, self.role)  # Ctrl+P adds no photo to it either
            return
        self.editor = make_editor(item)
        self._editor_role = self.role
        self.editor.valueChosen.connect(self._value_chosen)
        self.editor.finished.connect(self.backToList.emit)
        self.editor.moveRequested.connect(self.moveRequested.emit)
        self.editor_holder.addWidget(self.editor)
        self.editor.show()  # now, not queued: a digit typed at once must not be reset by a late show

        self.evidence.set_context(s, code, self.role, show_roles=self.role != "self")
        self._fill()
        self._tab_order()

    def _drop_editor(self) -> None:
        """Remove the shown editor. Its pending value was committed by flush(); nothing it
        emits from now on (a focus-out while it is removed) may reach the item shown next."""
        if self.editor is not None:
            self.editor.blockSignals(True)
            self.editor.setParent(None)
            self.editor.deleteLater()
            self.editor = None

    def _excluded(self, code: str) -> bool:
        """(/2) Whether the unit's tags leave the item out (only_for / not_for)."""
        r = self.session.result(code, self.role) if self.session is not None else None
        return r is not None and r.excluded

    def _excluded_text(self, item) -> str:
        """不适用: whom the item is for, the unit's own tags, and that it is not scored."""
        s = self.session
        tags = s.results[self.role].unit_tags
        labels = [(s.checklist.unit_tag(t).label if s.checklist.unit_tag(t) else t) for t in tags]
        unit = "、".join(labels) if labels else "未设单位类型"
        return (f"<b>不适用</b>：本条目{escape(applies_text(item, s.checklist))}。<br>"
                f"本单位（{escape(unit)}）不填写此条目，不计入应得分。")

    def _tab_order(self) -> None:
        """Editors are rebuilt per item, so they would sit at the end of the focus chain: put
        them first, then the document ticks, note, photos and the action button."""
        chain = list(self.editor.focus_chain()) + self._doc_boxes + [
            self.note, self.evidence.view, self.evidence.add_button, self.evidence.view_button,
            self.evidence.remove_button, self.action_button]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def _show_category(self, category) -> None:
        self._show_parts(False, category is not None)
        if category is None:
            return
        s = self.session
        self.header.setText(f"{escape(category.code)}　{escape(category.title)}")
        self.meta.setText("大项" if category in s.checklist.categories else "小类")
        rows = []
        shown = (REFERENCE_ROLE[self.role], self.role) if self.role in REFERENCE_ROLE else ("self",)
        for role in shown:
            cr = s.results[role].category_index.get(category.code)
            if cr is None:
                continue
            ratio = f"，得分率 {display(cr.ratio * 100, 1)}%" if cr.ratio is not None else ""
            rows.append(f"<p><b>{ROLE_WORDS[role]}</b>：得 {display(cr.earned)} / {display(cr.applicable)} 分{ratio}；"
                        f"已填 {cr.answered} / {cr.count} 项</p>")
        bars = [f"{s.level_labels.get(k, k)}需得分率不低于 {display(v * 100, 1)}%"
                for k, v in category.min_ratio.items()]
        if bars:
            rows.append("<p style='color:#5f6368'>" + "；".join(bars) + "</p>")
        rows.append("<p style='color:#5f6368'>按 → 展开，↓ 进入条目。</p>")
        self.category_summary.setText("".join(rows))

    # ---------------------------------------------------------------- filling from the session

    def _fill(self) -> None:
        """Put the stored answer of the current item into the widgets (no saving)."""
        s, code, role = self.session, self.code, self.role
        if s is None or code is None or code not in s.index or self.editor is None:
            return
        answer = s.answer(code, role)
        editable = s.editable(role)
        reason = s.lock_reason(role)
        self.banner.setText(reason or "")
        self.banner.setVisible(bool(reason))
        self.editor.set_value(answer["value"] if answer else None)
        self.editor.set_editable(editable)
        self._fill_documents((answer or {}).get("documents"), editable)
        if self._note_target is None:
            self.note.blockSignals(True)
            self.note.setPlainText((answer or {}).get("note") or "")
            self.note.blockSignals(False)
        self.set_note_locked(not editable)
        self.refresh_result()
        if self.role in REFERENCE_ROLE:
            self._fill_reference()
        self.evidence.update_buttons()

    def set_note_locked(self, locked: bool) -> None:
        """A locked answer's note is read-only and looks it: grey, and says so when empty."""
        self.note.setReadOnly(locked)
        self.note.setPalette(self._locked_note_palette if locked else self._note_palette)
        self.note.setPlaceholderText("备注（已锁定，不能修改）" if locked else "备注：情况说明、存在问题等（自动保存）")
        self.note.setFocusPolicy(Qt.FocusPolicy.ClickFocus if locked else Qt.FocusPolicy.StrongFocus)

    def refresh_result(self) -> None:
        s, code = self.session, self.code
        if s is None or code is None or code not in s.index or self.editor is None:
            return
        item = s.index[code]
        r = s.result(code, self.role)
        status = r.status if r else "unanswered"
        color = theme.STATUS_COLORS.get(status, theme.STATUS_COLORS["unanswered"]).name()
        if status == "unanswered":
            text = "<span style='color:#5f6368'>尚未填写</span>"
        elif status == "na":
            text = "不涉及（不计入应得分）"
        else:
            text = (f"<b style='color:{color}'>得分 {display(r.score)} / {display(item.points)}</b>"
                    f" · {theme.STATUS_LABELS[status]}")
            if r.evidence_zeroed:
                text += " · <b style='color:#c5221f'>照片不足，按规定不得分</b>"
            if r.documents_lost:  # (/2) documents that count and were not presented
                text += f"<br><span style='color:#c5221f'>{documents_lost_text(item, r)}</span>"
        missing = evidence_text(r)
        if missing and status != "na":
            text += f"<br><span style='color:#c5221f'>佐证：{escape(missing)}</span>"
        self.result.setText(text)
        self.evidence.update_title()
        gap = r is not None and status not in ("full", "na") and item.role != "bonus"
        self.action_button.setEnabled(gap and not s.ws.readonly)

    def _fill_reference(self) -> None:
        """The answer the mode's role is compared with, read-only above its editor: 自评
        beside 考评, 考评 beside 复核 (with the 自评 value in grey); tinted when they differ."""
        s, code = self.session, self.code
        item = s.index[code]
        ref = REFERENCE_ROLE[self.role]
        a = s.answer(code, ref)
        r = s.result(code, ref)
        value = value_text(item, a["value"] if a else None)
        score = "" if not r or r.status in ("unanswered", "na") else f" · 得 {display(r.score)} 分"
        lines = [f"<b>{escape(value)}</b>{score}"]
        if a and a.get("note"):
            lines.append(f"备注：{escape(a['note'])}")
        if a and a.get("documents"):
            lines.append("已提供资料：" + escape("、".join(a["documents"])))
        photos = sum(1 for e in self.evidence.model.rows() if e["role"] == ref)
        lines.append(f"照片 {photos} 张")
        if ref == "review":
            own = s.answer(code, "self")
            lines.append(f"<span style='color:#5f6368'>自评：{escape(value_text(item, own['value'] if own else None))}"
                         "</span>")
        self.self_summary.setText("<br>".join(lines))
        differs = s.differs(code, self.role)
        plain, differing = REFERENCE_TITLES[ref]
        self.self_box.setTitle(differing if differs else plain)
        self.self_box.setStyleSheet(f"QGroupBox {{ background: {theme.DIFF_BACKGROUND.name()}; }}" if differs else "")

    def _item_changed(self, code: str) -> None:
        if code == self.code:
            self._fill()

    def _score_changed(self) -> None:
        """The item shown is gone (another criteria version), or the unit's tags now take
        it in or leave it out: show it afresh."""
        s, code = self.session, self.code
        if code is not None and s is not None and (
                code not in s.index or self._excluded(code) != self._shown_excluded):
            self.show_code(code, force=True)

    def refresh(self) -> None:
        """After a status change: editability and banner."""
        self.show_code(self.code, force=True)

    # ---------------------------------------------------------------- saving

    def _value_chosen(self, code: str, value) -> None:
        """A value from the editor: saved to the editor's own item and role (`code` travels
        with the value), never to whatever item is shown by the time it arrives."""
        if self.session is None or code not in self.session.index:
            return
        self.flush_note()
        if not self.session.set_value(code, self._editor_role, value) and code == self.code:
            self._fill()  # refused: show the stored value again

    def _note_edited(self) -> None:
        if self.note.isReadOnly() or self.code is None:
            return
        self._note_target = (self.code, self.role)
        self._note_timer.start()

    def flush(self) -> None:
        """Save whatever is pending for the shown item: a number typed without Enter, a note
        still being typed. Called before the item is left in any way (another item, F8,
        find, gap list, mode or assessment switch, submit, close)."""
        if self.editor is not None and self.code is not None:
            self.editor.commit_pending()
        self.flush_note()

    def flush_note(self) -> None:
        """Save a note still being typed to the item and role it was typed for."""
        self._note_timer.stop()
        target, self._note_target = self._note_target, None
        if target is None or self.session is None:
            return
        code, role = target
        self.session.set_note(code, role, self.note.toPlainText().strip())

    # ---------------------------------------------------------------- keyboard

    def handle_key(self, key: int, text: str) -> bool:
        """Keys typed in the checklist list go to the value editor."""
        if self.editor is None or self.code is None or self.session is None or self.code not in self.session.index:
            return False
        if not self.session.editable(self.role):
            return False
        return self.editor.handle_key(key, text)

    def focus_editor(self) -> bool:
        if self.editor is None or not self.answer_box.isVisible():
            return False
        self.editor.focus_input()
        self.ensureWidgetVisible(self.editor)
        return True

    def focus_gallery(self) -> None:
        self.evidence.view.setFocus()
        self.ensureWidgetVisible(self.evidence)
