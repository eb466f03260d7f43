"""The main window's actions, menus and toolbar: every QAction with its shortcut and tip,
the menus (文件, 编辑, 考评, 整改, 文书, 交换, 标准, 视图, 帮助), the 常用 toolbar, and which
actions are enabled for the open assessment and a read-only workspace.

A mixin of MainWindow (ui/main_window.py): the slots are the window's own (and those of its
documents, exchange and city helpers); nothing here decides a rule, it only asks the session."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QToolBar


class WindowActions:
    """Actions, menus, toolbar and their enabled state, for MainWindow."""

    def _action(self, text, slot, shortcut=None, tip=None, checkable=False) -> QAction:
        """One action of the window: its shortcut works wherever the focus is in the window."""
        act = QAction(text, self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(tip)
        act.setCheckable(checkable)
        act.triggered.connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        """Every action of the window, then the menus and the toolbar that show them."""
        a = self._action
        self.act_new_unit = a("新建单位(&U)…", self.new_unit, "Ctrl+Shift+N", "新建县、乡镇（街道）、企业或民兵营连")
        self.act_new_assessment = a("新建考评(&N)…", self.new_assessment, "Ctrl+N", "为单位新建年度考评")
        self.act_import = a("导入考评标准(&I)…", self.import_checklist, None,
                            "导入省、市、县下发的考评标准（YAML 或 Excel），先检查再导入")
        self.act_export_xlsx = a("导出为 Excel(&E)…", self.exchange.export_criteria_workbook, None,
                                 "把当前考评标准写成 Excel 工作簿，便于修改后下发")
        self.act_template = a("下载空白模板(&T)…", self.exchange.write_template, None,
                              "空白的 Excel 标准模板，含填写说明和下拉选项")
        self.act_doc_gap = a("差距分析报告(&G)…", self.documents.gap_report, None,
                             "当前考评的差距分析报告（预览、打印）")
        self.act_doc_summary = a("县级汇总(&S)…", self.documents.summary, None, "某年度全部单位的得分、等级和排名")
        self.act_doc_blank = a("空白检查表(&B)…", self.documents.blank_checklist, None,
                               "打印空白检查表，供现场纸质填写")
        self.act_doc_notice = a("整改通知书(&N)…", lambda: self.documents.actions_notice(False), None,
                                "当前单位未完成的整改任务，以通知书形式下发")
        self.act_doc_list = a("整改清单(&L)…", lambda: self.documents.actions_notice(True), None,
                              "当前单位未完成的整改任务清单")
        self.act_export_submission = a("导出上报包(&S)…", lambda: self.exchange.export_bundle("submission"), None,
                                       "自评答案和照片，交县人武部或考评组")
        self.act_export_review = a("导出考评包(&R)…", lambda: self.exchange.export_bundle("review"), None,
                                   "考评结果、考评照片和签字，交县人武部或被考评单位")
        self.act_export_criteria = a("导出标准包(&C)…", lambda: self.exchange.export_bundle("criteria"), None,
                                     "考评标准和单位名单，下发给乡镇")
        self.act_export_year = a("导出县年度数据包（报军分区）(&Y)…", self.exchange.export_year_bundle, None,
                                 "本县（市、区）某年度的全部考评打成一个数据包报军分区，可选不含照片")
        self.act_import_bundle = a("导入交换包(&I)…", lambda: self.exchange.import_bundle(), "Ctrl+Shift+I",
                                   "导入 U 盘带来的 .dabiao 交换包：先检查并说明内容，确认后导入")
        self.act_received = a("已收到的上报(&V)…", self.exchange.received, None, "本工作区的各个考评及考评进度")
        self.act_backups = a("备份与恢复(&B)…", self.show_backups, None,
                             "查看工作区的备份，立即备份，或恢复到某个备份（恢复前先保留当前数据）")
        self.act_quit = a("退出(&X)", self.close, "Ctrl+Q")
        self.act_undo = a("撤销(&U)", self.undo, "Ctrl+Z")
        self.act_find = a("查找条目(&F)…", self.find_item, "Ctrl+F", "按编号或关键词查找条目")
        self.act_next_open = a("下一个未填条目(&N)", lambda: self.next_unanswered(1), "F8")
        self.act_prev_open = a("上一个未填条目(&P)", lambda: self.next_unanswered(-1), "Shift+F8")
        self.act_units = a("单位列表(&1)", self.focus_units, "Ctrl+1")
        self.act_list = a("条目列表(&2)", self.focus_list, "Ctrl+2")
        self.act_item = a("条目详情(&3)", self.focus_item, "Ctrl+3")
        self.act_unit_tags = a("单位标签(&T)…", self.edit_unit_tags, None,
                               "所选单位属于哪类单位（如大镇、小镇）：决定哪些条目对它适用")
        self.act_add_photos = a("添加照片(&P)…", self.add_photos, "Ctrl+P", "为当前条目添加照片")
        self.act_gallery = a("转到照片列表(&G)", self.focus_gallery, "Ctrl+Shift+P")
        self.act_gap = a("差距清单(&G)…", self.show_gap, "Ctrl+G", "按失分排序的未满分条目")
        self.act_submit = a("提交自评(&S)…", self.submit, None, "提交后自评答案锁定，交由考评组考评")
        self.act_unlock = a("解锁(&L)…", self.unlock, None, "解锁需填写原因，记入操作日志")
        self.act_review_mode = a("考评模式(&R)", self.toggle_review_mode, "Ctrl+R",
                                 "自评与考评并排显示，考评组填写考评结果", checkable=True)
        self.act_recheck_mode = a("复核模式(&H)", self.toggle_recheck_mode, "Ctrl+Shift+R",
                                  "县级考评与军分区复核并排显示，军分区填写复核结果", checkable=True)
        self.act_recheck_draw = a("抽取复核单位(&W)…", self.draw_recheck, None,
                                  "军分区：按县随机抽取复核的乡镇、企业（可复现的随机种子）")
        self.act_start_review = a("开始考评(&B)", self.start_review)
        self.act_reviewed = a("标记已考评(&D)…", self.mark_reviewed)
        self.act_final = a("定稿(&F)…", self.finalize)
        self.act_signoff = a("考评结论与签字(&C)…", self.signoff)
        self.act_adopt = a("采用自评（当前条目）(&O)", self.adopt_current, "Ctrl+Shift+A",
                           "把被考评单位对当前条目的自评结果作为考评结果（记入操作日志，可撤销）")
        self.act_adopt_all = a("采用自评（所有未考评条目）(&M)…", self.adopt_all, None,
                               "列出有自评、尚未考评的条目，确认后把勾选的条目的自评结果作为考评结果")
        self.act_new_action = a("为当前条目生成整改任务(&T)…", self.new_action, "Ctrl+T")
        self.act_actions = a("本单位整改清单(&L)…", self.show_actions, "Ctrl+Shift+T")
        self.act_all_actions = a("全部整改任务(&A)…", lambda: self.show_actions(all_units=True))
        self.act_city = a("全市汇总(&4)", self.toggle_city_view, "Ctrl+4",
                          "军分区：各县（市、区）达标率、达优率、排名和复核偏差，图表", checkable=True)
        self.act_doc_city = a("军分区汇总(&C)…", self.city.print_summary, None,
                              "全市各县（市、区）考评情况汇总（PDF），按全市汇总所选年度")
        self.act_keys = a("键盘操作(&K)", self.show_keys, "F1")
        self.act_about = a("关于(&A)", self.about)
        self._build_menus()
        self._build_toolbar()
        self.city.update_action()

    def _build_menus(self) -> None:
        """The menu bar, in the order of the work: file, edit, the 考评 flow, 整改, 文书, 交换, 标准, view, help."""
        mb = self.menuBar()
        m = mb.addMenu("文件(&F)")
        for act in (self.act_new_unit, self.act_new_assessment, None, self.act_import, None, self.act_backups, None,
                    self.act_quit):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("编辑(&E)")
        for act in (self.act_undo, None, self.act_find, self.act_next_open, self.act_prev_open, None,
                    self.act_add_photos, self.act_gallery, None, self.act_unit_tags):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("考评(&A)")
        for act in (self.act_gap, None, self.act_submit, self.act_unlock, None, self.act_review_mode,
                    self.act_start_review, self.act_adopt, self.act_adopt_all, None, self.act_signoff,
                    self.act_reviewed, self.act_final, None, self.act_recheck_mode, self.act_recheck_draw):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("整改(&R)")
        for act in (self.act_new_action, self.act_actions, self.act_all_actions):
            m.addAction(act)
        m = mb.addMenu("文书(&D)")
        for act in (self.act_doc_gap, self.act_doc_summary, self.act_doc_city, self.act_doc_blank, None,
                    self.act_doc_notice,
                    self.act_doc_list):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("交换(&X)")
        for act in (self.act_export_submission, self.act_export_review, self.act_export_criteria,
                    self.act_export_year, None, self.act_import_bundle, None, self.act_received):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("标准(&C)")
        for act in (self.act_import, None, self.act_export_xlsx, self.act_template):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("视图(&V)")
        for act in (self.act_units, self.act_list, self.act_item, None, self.act_city):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("帮助(&H)")
        m.addAction(self.act_keys)
        m.addAction(self.act_about)

    def _build_toolbar(self) -> None:
        """The 常用 toolbar: the actions used every day, text only."""
        tb = QToolBar("常用")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # 全市汇总 near the front: at 1024 px the last buttons go behind the toolbar's » (it
        # shows only in a 军分区's workspace).
        for act in (self.act_new_assessment, self.act_city, None, self.act_submit, self.act_unlock, None,
                    self.act_review_mode, self.act_signoff, self.act_reviewed, None, self.act_gap, self.act_actions,
                    None, self.act_find):
            tb.addSeparator() if act is None else tb.addAction(act)
        self.addToolBar(tb)
        self.toolbar = tb

    def update_actions(self) -> None:
        s = self.session
        has = s is not None
        ro = self.ws.readonly
        self.act_new_unit.setEnabled(not ro)
        self.act_new_assessment.setEnabled(not ro)
        self.act_unit_tags.setEnabled(not ro)
        self.act_import.setEnabled(not ro)
        self.act_gap.setEnabled(has)
        self.act_find.setEnabled(has)
        self.act_review_mode.setEnabled(has)
        self.act_submit.setEnabled(has and s.can_move_to("submitted"))
        self.act_unlock.setEnabled(has and not ro and s.status != "draft")
        self.act_start_review.setEnabled(has and s.can_move_to("reviewing"))
        self.act_reviewed.setEnabled(has and s.can_move_to("reviewed"))
        self.act_final.setEnabled(has and s.can_move_to("final"))
        self.act_signoff.setEnabled(has and not ro and s.status != "draft")
        self.act_adopt.setEnabled(has and s.editable("review"))
        self.act_adopt_all.setEnabled(has and s.editable("review"))
        self.update_recheck_actions()
        self.act_new_action.setEnabled(has and not ro)
        self.act_actions.setEnabled(True)
        self.act_add_photos.setEnabled(has and not ro)
        self.act_doc_gap.setEnabled(has)
        for act in (self.act_import_bundle, self.act_export_submission, self.act_export_review,
                    self.act_export_criteria, self.act_export_year):
            act.setEnabled(not ro)
        undo = s.undo_text() if has else None
        self.act_undo.setEnabled(bool(undo))
        self.act_undo.setText(f"撤销：{undo}(&U)" if undo else "撤销(&U)")
