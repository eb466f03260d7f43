"""The status flow of the open assessment, as the main window's 考评 menu runs it: 提交自评,
解锁, 开始考评, 标记已考评 (an incomplete review listed and confirmed), 定稿, 考评结论与签字,
采用自评 (the unit's self values taken as this inspector's review answers), and the
军分区's 复核: 复核模式 for a drawn assessment whose county review is done, 抽取复核单位.

A mixin of MainWindow (ui/main_window.py): it uses the window's session, panes, mode and
status bar; the rules themselves are the session's and storage's."""

from __future__ import annotations

from checklists.numbers import display

from .errors import ask


class ReviewFlow:
    """The 考评 menu's actions for MainWindow."""

    # ---------------------------------------------------------------- status flow

    def enter_review_mode(self) -> None:
        """Show 自评 and 考评 side by side (the menu's check follows)."""
        if self.mode != "review":
            self.act_review_mode.setChecked(True)
            self.toggle_review_mode(True)

    # ---------------------------------------------------------------- 复核

    def toggle_recheck_mode(self, checked: bool) -> None:
        """复核模式: the county's 考评 read-only beside the 军分区's own 复核 values. Offered
        only for an assessment drawn for 复核 whose county review is done; leaving it goes
        back to 考评模式."""
        s = self.session
        if checked and (s is None or not s.can_recheck):
            self.act_recheck_mode.setChecked(False)
            reason = s.recheck_unavailable() if s is not None else "请先打开一个考评"
            self.statusBar().showMessage(f"不能复核：{reason}", 8000)
            return
        self.item_pane.flush()
        if checked:
            self.act_review_mode.setChecked(False)
            self.mode = "recheck"
        else:
            self.mode = "review" if s is not None and s.status != "draft" else "self"
            self.act_review_mode.setChecked(self.mode == "review")
        self._apply_mode()
        self.update_actions()

    def enter_recheck_mode(self) -> bool:
        """Switch to 复核模式 when it applies (the menu's check follows)."""
        if self.mode != "recheck":
            self.act_recheck_mode.setChecked(True)
            self.toggle_recheck_mode(True)
        return self.mode == "recheck"

    def update_recheck_actions(self) -> None:
        """复核模式 enabled only where it applies, its tooltip saying why not; a session that
        no longer allows it (unlocked, redrawn) leaves 复核模式."""
        s = self.session
        reason = "请先打开一个考评" if s is None else s.recheck_unavailable()
        self.act_recheck_mode.setEnabled(reason is None)
        tip = "县级考评与军分区复核并排显示，军分区填写复核结果" if reason is None else f"不能复核：{reason}"
        self.act_recheck_mode.setToolTip(tip)
        self.act_recheck_mode.setStatusTip(tip)
        if reason is not None and self.mode == "recheck":
            self.act_recheck_mode.setChecked(False)
            self.toggle_recheck_mode(False)
        self.act_recheck_draw.setEnabled(not self.ws.readonly)

    def draw_recheck(self) -> None:
        """抽取复核单位…: the draw dialog; afterwards the tree and the open assessment are
        read again (whether it is drawn decides 复核模式)."""
        from .dialogs.recheck_dialog import RecheckDrawDialog

        self.item_pane.flush()
        year = self.session.assessment["year"] if self.session is not None else None
        dialog = RecheckDrawDialog(self.ws, year, self)
        dialog.drawn.connect(self._recheck_drawn)
        self.recheck_dialog = dialog  # tests look at it
        dialog.exec()

    def _recheck_drawn(self, _year: int) -> None:
        if self.session is not None:
            self.session.reload()
            self._status_changed()

    def submit(self) -> None:
        s = self.session
        if s is None:
            return
        self.item_pane.flush()
        r = s.results["self"]
        unanswered = len(r.unanswered)
        text = "提交后自评答案和照片将锁定，交由考评组考评；如需修改须解锁并说明原因。"
        if unanswered:
            text += f"\n\n还有 {unanswered} 项未填写，仍要提交吗？"
        if not ask(self, "提交自评", text, "提交"):
            return
        if s.submit():
            self.statusBar().showMessage("自评已提交", 5000)

    def unlock(self) -> None:
        from .dialogs.unlock_dialog import UnlockDialog

        s = self.session
        if s is None:
            return
        dialog = UnlockDialog(s.status_label, self)
        if dialog.exec() and dialog.text():
            if s.unlock(dialog.text()):
                if s.status == "draft" and self.mode == "review":
                    self.act_review_mode.setChecked(False)
                    self.toggle_review_mode(False)
                self.statusBar().showMessage(f"已解锁：{dialog.text()}", 5000)

    def start_review(self) -> None:
        if self.session is not None and self.session.start_review():
            self.enter_review_mode()

    def mark_reviewed(self) -> None:
        """An incomplete review lists its unreviewed items and needs an explicit
        confirmation (logged); without a conclusion the sign-off comes first."""
        from .dialogs.incomplete_dialog import confirm_incomplete
        from .dialogs.signoff_dialog import SignoffDialog

        s = self.session
        if s is None:
            return
        self.item_pane.flush()
        incomplete = confirm_incomplete(self, s, "标记已考评", "标记为已考评", "仍然标记已考评", jump=self.jump_to)
        if incomplete is False:
            return
        if not s.assessment.get("conclusion"):
            dialog = SignoffDialog(s, self, incomplete_confirmed=bool(incomplete))
            dialog.jumpRequested.connect(self.jump_to)
            if not dialog.exec():
                return
        r = s.results["review"]
        if not incomplete:
            text = f"考评得分 {display(r.final)}，{r.level_label}。标记为已考评后考评结果锁定。"
            if not ask(self, "标记已考评", text, "确定"):
                return
        if s.mark_reviewed(confirm_incomplete=bool(incomplete)):
            self.statusBar().showMessage(f"已标记为已考评：{display(r.final)} 分，{r.level_label}", 6000)

    def finalize(self) -> None:
        s = self.session
        if s is not None and ask(self, "定稿", "定稿后考评结果不再修改（如需修改须解锁并说明原因）。", "定稿"):
            s.finalize()

    def signoff(self) -> None:
        from .dialogs.signoff_dialog import SignoffDialog

        if self.session is not None:
            dialog = SignoffDialog(self.session, self)
            dialog.jumpRequested.connect(self.jump_to)
            dialog.exec()

    # ---------------------------------------------------------------- 采用自评

    def adopt_current(self) -> None:
        """The current item's self value becomes this inspector's review answer."""
        s = self.session
        code = self.checklist_pane.current_code()
        if s is None or not code:
            return
        if not s.editable("review"):
            self.statusBar().showMessage(s.lock_reason("review") or "当前不能填写考评", 6000)
            return
        self.item_pane.flush()
        if s.value(code, "self") is None:
            self.statusBar().showMessage(f"{code} 没有自评结果，无可采用", 5000)
            return
        if s.value(code, "review") is not None:
            self.statusBar().showMessage(f"{code} 已有考评结果，未改动（如需改为自评结果，请直接修改）", 6000)
            return
        if s.adopt_self([code]):
            self.enter_review_mode()
            self.item_pane.show_code(code)
            self.statusBar().showMessage(f"{code} 已采用自评结果（Ctrl+Z 撤销）", 5000)

    def adopt_all(self) -> None:
        """Every item with a self value and no review value yet, listed to confirm."""
        from .dialogs.adopt_dialog import AdoptSelfDialog

        s = self.session
        if s is None:
            return
        if not s.editable("review"):
            self.statusBar().showMessage(s.lock_reason("review") or "当前不能填写考评", 6000)
            return
        self.item_pane.flush()
        codes = s.adoptable()
        if not codes:
            self.statusBar().showMessage("没有可采用的条目：有自评结果的条目都已考评", 6000)
            return
        dialog = AdoptSelfDialog(s, codes, self)
        if not dialog.exec() or not dialog.chosen():
            return
        taken = s.adopt_self(dialog.chosen())
        if taken:
            self.enter_review_mode()
            self.item_pane.refresh()
            self.statusBar().showMessage(f"已采用 {len(taken)} 项自评结果（Ctrl+Z 撤销）", 6000)
