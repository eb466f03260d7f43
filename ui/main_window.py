"""The main window: units | checklist | item pane, the score bar above, menus for the
status flow, review mode, corrective actions, printed documents (文书), exchange bundles
(交换) and criteria (标准)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QSplitter, QToolBar, QVBoxLayout, QWidget

from appversion import version
from checklists.errors import DabiaoError
from storage import import_journal, units
from storage.assessments import ROLE_LABELS

from .checklist_pane import ChecklistPane
from .city_view import CityPage
from .documents import DocumentJobs
from .errors import ask, show_error
from .exchange import ExchangeFlows
from .format import escape
from .item_pane import ItemPane
from .review_flow import ReviewFlow
from .score_bar import ScoreBar
from .session import AssessmentSession
from .units_pane import UnitsPane

# Each dialog is imported where it is opened, not here: the window shows without them.

LAST_ASSESSMENT = "ui.last_assessment"


def readonly_reason(ws, short: bool = False) -> str:
    """Why the workspace is read-only, in words (storage's `readonly_reason`); short: the
    part before the details (who holds it), for the title bar."""
    reason = ws.readonly_reason or "只能查看，不能修改"
    return reason.split("：")[0] if short else reason


class MainWindow(ReviewFlow, QMainWindow):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.session: AssessmentSession | None = None
        self.mode = "self"

        self.score_bar = ScoreBar()
        self.units_pane = UnitsPane(ws)
        self.checklist_pane = ChecklistPane()
        self.item_pane = ItemPane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.units_pane)
        self.splitter.addWidget(self.checklist_pane)
        self.splitter.addWidget(self.item_pane)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setChildrenCollapsible(False)
        self.units_pane.setMinimumWidth(200)
        self.checklist_pane.setMinimumWidth(330)
        self.item_pane.setMinimumWidth(380)
        self.splitter.setSizes([270, 500, 580])
        self._panes_sized_by_user = False  # until the person drags a divider, panes follow the window
        self.splitter.splitterMoved.connect(self._panes_moved)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.score_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.saved_label = QLabel()
        self.statusBar().addPermanentWidget(self.saved_label)
        # Read-only, and why (a write-protected stick, a read-only share, another Dabiao
        # writing): always in the status bar, whatever passing message is shown beside it.
        self.readonly_label = QLabel()
        self.readonly_label.setStyleSheet("color: #a50e0e; font-weight: bold;")
        self.readonly_label.setVisible(ws.readonly)
        if ws.readonly:
            self.readonly_label.setText(f"只读：{readonly_reason(ws)}")
            self.readonly_label.setToolTip(f"工作区 {ws.folder} 以只读方式打开（{readonly_reason(ws)}）："
                                           "可以查看、打印和导出，不能修改")
        self.statusBar().addPermanentWidget(self.readonly_label)
        self.statusBar().showMessage(f"工作区：{ws.folder}" + ("（只读）" if ws.readonly else ""))

        self.documents = DocumentJobs(self)
        self.exchange = ExchangeFlows(self)
        self.city = CityPage(self)
        self._build_actions()
        self._connect()
        self.update_title()
        self.update_actions()
        self.resize(1366, 740)
        QTimer.singleShot(0, self._open_initial)

    # ---------------------------------------------------------------- building

    def _action(self, text, slot, shortcut=None, tip=None, checkable=False) -> QAction:
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

        mb = self.menuBar()
        m = mb.addMenu("文件(&F)")
        for act in (self.act_new_unit, self.act_new_assessment, None, self.act_import, None, self.act_backups, None,
                    self.act_quit):
            m.addSeparator() if act is None else m.addAction(act)
        m = mb.addMenu("编辑(&E)")
        for act in (self.act_undo, None, self.act_find, self.act_next_open, self.act_prev_open, None,
                    self.act_add_photos, self.act_gallery):
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
        for act in (self.act_export_submission, self.act_export_review, self.act_export_criteria, None,
                    self.act_import_bundle, None, self.act_received):
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
        self.city.update_action()

    def _connect(self) -> None:
        self.units_pane.assessmentSelected.connect(self.open_assessment)
        self.units_pane.newUnitRequested.connect(self.new_unit)
        self.units_pane.newAssessmentRequested.connect(self.new_assessment)
        self.units_pane.enterPressed.connect(self.focus_list)
        self.checklist_pane.currentCodeChanged.connect(self.item_pane.show_code)
        self.checklist_pane.view.key_handler = self.item_pane.handle_key
        self.checklist_pane.view.enterPressed.connect(self.focus_item)
        self.item_pane.backToList.connect(self.focus_list)
        self.item_pane.moveRequested.connect(self.move_in_list)
        self.item_pane.actionRequested.connect(self.new_action)
        self.score_bar.gapRequested.connect(self.show_gap)
        self.score_bar.jumpRequested.connect(self.jump_to)

    def _open_initial(self) -> None:
        QTimer.singleShot(0, self.report_interrupted_imports)
        target = self.ws.meta(LAST_ASSESSMENT)
        ids = self.units_pane.model.assessment_ids()
        if target not in ids:
            target = ids[0] if ids else None
        if target:
            self.units_pane.select(target)
            self.focus_list()
        else:
            self.units_pane.view.setFocus()
        self._update_start_hint()

    def _update_start_hint(self) -> None:
        """The item pane says how to start while the workspace has no assessment."""
        has_assessments = bool(self.units_pane.model.assessment_ids())
        self.item_pane.show_start_hint(has_assessments or bool(units.list_units(self.ws)), has_assessments)

    # ---------------------------------------------------------------- opening

    def open_assessment(self, assessment_id: str, code: str | None = None, force: bool = False) -> bool:
        """Open an assessment (force: re-read it even when it is the open one)."""
        if not force and self.session is not None and self.session.id == assessment_id:
            if code:
                self.jump_to(code)
            return True
        self.item_pane.flush()
        try:
            session = AssessmentSession(self.ws, assessment_id, self)
        except DabiaoError as exc:
            show_error(self, exc)
            return False
        old, self.session = self.session, session
        session.error.connect(lambda msg: show_error(self, msg))
        session.scoreChanged.connect(self._score_changed)
        session.statusChanged.connect(self._status_changed)
        session.undoChanged.connect(self.update_actions)
        session.itemChanged.connect(self._saved)
        a = session.assessment
        title = f"{a['unit_name']} · {a['year']} 年度 · {session.checklist.title}"
        self.checklist_pane.set_session(session, title)
        self.checklist_pane.title.setToolTip(f"考评标准：{session.checklist.ref}")
        self.item_pane.set_session(session)
        # 复核 stays on from one drawn assessment to the next (the 军分区 going through its sample)
        self.mode = "recheck" if self.mode == "recheck" and session.can_recheck else \
            "review" if session.status != "draft" else "self"
        self.act_review_mode.setChecked(self.mode == "review")
        self.act_recheck_mode.setChecked(self.mode == "recheck")
        self._apply_mode()
        self.score_bar.set_session(session, self.mode)
        if old is not None:
            old.deleteLater()
        if not self.ws.readonly and self.ws.meta(LAST_ASSESSMENT) != assessment_id:
            try:
                self.ws.set_meta(LAST_ASSESSMENT, assessment_id)
            except DabiaoError:
                pass
        self.update_title()
        self.update_actions()
        self.jump_to(code or self._first_open_code())
        return True

    def _first_open_code(self) -> str | None:
        s = self.session
        role = self.mode  # self, review or recheck: the mode's own role
        codes = [i.code for i in s.checklist.items()]
        open_codes = [c for c in codes if s.result(c, role).status == "unanswered"]
        return (open_codes or codes or [None])[0]

    def _apply_mode(self) -> None:
        self.checklist_pane.set_mode(self.mode)
        self.item_pane.set_mode(self.mode)
        self.score_bar.set_mode(self.mode)

    def update_title(self) -> None:
        # Qt appends the application display name ("— 达标") itself.
        title = "基层武装部规范化建设考评"
        if self.session is not None:
            a = self.session.assessment
            title = f"{a['unit_name']} {a['year']} 年度 · {self.session.status_label}"
        if self.ws.meta("demo") == "1":
            title += "（示例数据）"
        if self.ws.readonly:
            title += f"【只读：{readonly_reason(self.ws, short=True)}】" if self.ws.readonly_reason else "【只读】"
        self.setWindowTitle(title)

    def refuse_if_readonly(self) -> bool:
        """True (and says why in the status bar) when the workspace cannot be changed."""
        if self.ws.readonly:
            self.statusBar().showMessage(f"工作区以只读方式打开（{readonly_reason(self.ws)}），不能修改", 6000)
            return True
        return False

    def update_actions(self) -> None:
        s = self.session
        has = s is not None
        ro = self.ws.readonly
        self.act_new_unit.setEnabled(not ro)
        self.act_new_assessment.setEnabled(not ro)
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
                    self.act_export_criteria):
            act.setEnabled(not ro)
        undo = s.undo_text() if has else None
        self.act_undo.setEnabled(bool(undo))
        self.act_undo.setText(f"撤销：{undo}(&U)" if undo else "撤销(&U)")

    # ---------------------------------------------------------------- reactions

    def _score_changed(self) -> None:
        if self.session is not None:
            self.units_pane.model.invalidate(self.session.id)

    def _status_changed(self) -> None:
        self.checklist_pane.model.refresh()
        self.item_pane.refresh()
        self.units_pane.model.invalidate(self.session.id)
        self.update_title()
        self.update_actions()

    def _saved(self, _code: str) -> None:
        self.saved_label.setText(f"已自动保存 {datetime.now():%H:%M:%S}")

    # ---------------------------------------------------------------- navigation

    def jump_to(self, code: str | None) -> None:
        if code and self.checklist_pane.select_code(code):
            self.item_pane.show_code(code)
            self.checklist_pane.view.setFocus()

    def move_in_list(self, direction: int) -> None:
        view = self.checklist_pane.view
        view.setFocus()
        key = Qt.Key.Key_Down if direction > 0 else Qt.Key.Key_Up
        QApplication.sendEvent(view, QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier))

    def focus_units(self) -> None:
        self.units_pane.view.setFocus()

    def focus_list(self) -> None:
        self.checklist_pane.view.setFocus()

    def focus_item(self) -> None:
        if not self.item_pane.focus_editor():
            self.item_pane.setFocus()

    def focus_gallery(self) -> None:
        self.item_pane.focus_gallery()

    def find_item(self) -> None:
        from .dialogs.find_dialog import FindDialog

        if self.session is None:
            return
        self.item_pane.flush()  # a number typed and not yet confirmed belongs to the item it was typed into
        dialog = FindDialog(self.session.checklist, self)
        if dialog.exec() and dialog.chosen:
            self.jump_to(dialog.chosen)

    def next_unanswered(self, direction: int) -> None:
        s = self.session
        if s is None:
            return
        self.item_pane.flush()  # first: the value just typed counts (and stays with its item)
        role = self.mode
        codes = [i.code for i in s.checklist.items()]
        current = self.checklist_pane.current_code()
        start = codes.index(current) if current in codes else -1
        n = len(codes)
        for step in range(1, n + 1):
            code = codes[(start + direction * step) % n]
            if s.result(code, role).status == "unanswered":
                self.jump_to(code)
                return
        self.statusBar().showMessage("所有条目都已填写", 4000)

    def undo(self) -> None:
        if self.session is None:
            return
        code = self.session.undo()
        if code:
            self.jump_to(code)
            self.item_pane.evidence.reload()
        self.update_actions()

    # ---------------------------------------------------------------- review mode

    def toggle_review_mode(self, checked: bool) -> None:
        self.item_pane.flush()
        if checked:
            self.act_recheck_mode.setChecked(False)
        self.mode = "review" if checked else "self"
        self._apply_mode()
        if self.session is not None and self.mode == "review" and self.session.status == "draft":
            self.statusBar().showMessage("考评模式：自评尚未提交，提交后考评组才能填写考评结果", 6000)

    def toggle_city_view(self, checked: bool) -> None:
        """全市汇总 in place of the checklist and item panes (the units tree stays)."""
        self.item_pane.flush()
        self.city.show() if checked else self.city.hide()

    # ---------------------------------------------------------------- gap and actions

    def show_gap(self) -> None:
        from .dialogs.gap_dialog import GapDialog

        s = self.session
        if s is None:
            return
        self.item_pane.flush()  # the list includes the value just typed
        role = self.mode
        dialog = GapDialog(s.results[role], ROLE_LABELS[role], self)
        dialog.jumpRequested.connect(self.jump_to)
        dialog.actionRequested.connect(self.new_action)
        dialog.exec()

    def new_action(self, code: str | None = None) -> None:
        from .dialogs.action_dialog import ActionDialog

        if self.refuse_if_readonly():
            return
        s = self.session
        code = code or self.checklist_pane.current_code()
        if s is None or not code or code not in s.index:
            self.statusBar().showMessage("请先选择一个条目", 4000)
            return
        dialog = ActionDialog(s, code, self.mode, self)
        if dialog.exec() and dialog.created:
            self.units_pane.model.refresh_actions()
            self.statusBar().showMessage(f"已为 {code} 生成整改任务", 5000)

    def show_actions(self, all_units: bool = False) -> None:
        from .dialogs.actions_dialog import ActionsDialog

        unit_id = None if all_units else (self.session.assessment["unit_id"] if self.session
                                          else self.units_pane.current_unit_id())
        name = ""
        if unit_id:
            unit = units.get_unit(self.ws, unit_id)
            name = unit["name"] if unit else ""
        dialog = ActionsDialog(self.ws, unit_id, name, self)
        dialog.jumpRequested.connect(lambda aid, code: (self.units_pane.select(aid), self.open_assessment(aid, code),
                                                        self.jump_to(code)))
        dialog.exec()
        if dialog.changed:
            self.units_pane.model.refresh_actions()

    # ---------------------------------------------------------------- records

    def new_unit(self) -> None:
        from .dialogs.unit_dialog import NewUnitDialog

        if self.refuse_if_readonly():
            return
        dialog = NewUnitDialog(self.ws, self.units_pane.current_unit_id(), self)
        if dialog.exec() and dialog.created:
            self.units_pane.reload(select_id=dialog.created["id"])
            self._update_start_hint()

    def new_assessment(self) -> None:
        from .dialogs.assessment_dialog import NewAssessmentDialog

        if self.refuse_if_readonly():
            return
        dialog = NewAssessmentDialog(self.ws, self.units_pane.current_unit_id(), self)
        if dialog.exec() and dialog.created:
            self.units_pane.reload(select_id=dialog.created["id"])
            self.focus_list()

    def import_checklist(self) -> None:
        """Choose a criteria file; it is validated and the result shown before anything is added."""
        self.exchange.import_criteria()

    # ---------------------------------------------------------------- after an exchange

    def refresh_after_import(self, assessment_ids: list) -> None:
        """A bundle changed the workspace: re-read the units and the open assessment; with
        nothing open, open the first assessment the bundle brought."""
        current = self.session.id if self.session is not None else None
        self.units_pane.reload()
        self.units_pane.model.refresh_actions()
        if current and current in assessment_ids:
            self.open_assessment(current, self.checklist_pane.current_code(), force=True)
        elif current is None and assessment_ids:
            self.open_from_list(assessment_ids[0])
        self.update_actions()
        self.statusBar().showMessage("交换包已导入", 6000)

    def open_from_list(self, assessment_id: str) -> None:
        """Open an assessment chosen in a list (received bundles, search): select it on the left."""
        if assessment_id in self.units_pane.model.assessment_ids():
            self.units_pane.select(assessment_id)
        self.open_assessment(assessment_id)
        self.focus_list()

    def add_photos(self) -> None:
        if self.session is None or self.refuse_if_readonly():
            return
        self.item_pane.evidence.choose_files()

    # ---------------------------------------------------------------- backups

    def busy_reason(self) -> str | None:
        """Work in progress that a restore must not pull the data from under."""
        if self.item_pane.evidence.busy():
            return "正在导入照片，请等导入完成后再恢复备份。"
        if self.documents.running():
            return "正在生成文书，请等生成完成后再恢复备份。"
        try:
            open_dialog = self.exchange.dialog is not None and self.exchange.dialog.isVisible()
        except RuntimeError:  # closed and deleted
            open_dialog = False
        if open_dialog:
            return "交换包或标准导入窗口还开着，请先关闭后再恢复备份。"
        return None

    def show_backups(self) -> None:
        from .dialogs.backup_dialog import BackupDialog

        self.item_pane.flush()
        dialog = BackupDialog(self.ws, self, busy=self.busy_reason)
        dialog.restored.connect(lambda _r: self.reload_workspace())
        self.backup_dialog = dialog  # tests look at it
        dialog.exec()

    def reload_workspace(self) -> None:
        """The whole database changed (a backup restored): read everything again."""
        current = self.session.id if self.session is not None else None
        self.units_pane.reload()
        self.units_pane.model.refresh_actions()
        ids = self.units_pane.model.assessment_ids()
        if current in ids:
            self.units_pane.select(current)
            self.open_assessment(current, force=True)
        elif ids:
            self.units_pane.select(ids[0])
            self.open_assessment(ids[0], force=True)
        self.update_title()
        self.update_actions()
        self.statusBar().showMessage("已恢复备份，界面已按恢复后的数据刷新", 8000)

    # ---------------------------------------------------------------- photo imports stopped last time

    def report_interrupted_imports(self) -> None:
        """A photo import stopped half way (the app closed or killed): say what went in."""
        try:
            stopped = import_journal.interrupted(self.ws)
        except DabiaoError:
            return
        for batch in stopped:
            QMessageBox.information(self, "上次的照片导入没有完成", batch.message())
            import_journal.dismiss(self.ws, batch)

    def show_keys(self) -> None:
        from .dialogs.keys_dialog import KeysDialog

        KeysDialog(self).exec()

    def about(self) -> None:
        """Version, data folder, user, and the face each report font role resolved to."""
        from exports.fonts import ROLE_LABELS, ROLES, discover_fonts  # reportlab: only when asked

        sources = {0: "字体文件夹", 1: "系统字体", 2: "随软件附带"}
        try:
            faces = discover_fonts().faces
            fonts = "<br>".join(f"&nbsp;&nbsp;{ROLE_LABELS[r]}：{escape(faces[r].family)}"
                                f"（{escape(faces[r].path.name)}，{sources.get(faces[r].tier, '')}）"
                                for r in ROLES if r in faces)
        except DabiaoError as exc:  # no usable font: say so, as the reports would
            fonts = "&nbsp;&nbsp;" + escape(str(exc).splitlines()[0])
        QMessageBox.about(self, "关于 达标",
                          f"<b>达标</b> Dabiao {escape(version())} — 基层武装部规范化建设考评（离线版）<br>"
                          f"数据文件夹：{escape(str(self.ws.folder))}<br>当前用户：{escape(str(self.ws.who))}<br>"
                          f"报告字体：<br>{fonts}<br>"
                          "每次修改立即保存；按 F1 查看键盘操作。")

    # ---------------------------------------------------------------- pane widths

    def _panes_moved(self, *_):
        self._panes_sized_by_user = True

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if not self._panes_sized_by_user:
            self.fit_panes(event.size().width())

    def fit_panes(self, width: int | None = None) -> None:
        """Share the width: the units list narrow (200-270), the rest half and half, so
        that at 1024×768 the item names in the list still show (not only "…")."""
        margins = self.centralWidget().layout().contentsMargins()
        if self.city.shown():
            self.city.fit()
            return
        width = width if width is not None else self.width()
        total = width - margins.left() - margins.right() - self.splitter.handleWidth() * 2
        if total <= 0:
            return
        left = max(self.units_pane.minimumWidth(), min(270, int(total * 0.22)))
        rest = total - left
        listing = max(self.checklist_pane.minimumWidth(), rest // 2)
        blocked = self.splitter.blockSignals(True)
        self.splitter.setSizes([left, listing, max(self.item_pane.minimumWidth(), rest - listing)])
        self.splitter.blockSignals(blocked)

    # ---------------------------------------------------------------- closing

    def closeEvent(self, event):
        """Never asks "save?": everything is saved already; finish the last note. A running
        photo import is stopped only after asking (the next start lists what did not go in)."""
        evidence = self.item_pane.evidence
        if evidence.busy():
            if not ask(self, "正在导入照片",
                       f"照片还在导入（{evidence.progress_text()}）。现在退出会停止导入：已导入的照片都会保留，"
                       "其余的需要重新添加（下次打开时会列出）。\n\n仍要退出吗？", "停止导入并退出", "继续导入"):
                event.ignore()
                return
        self.item_pane.flush()
        self.item_pane.evidence.wait_idle()
        self.documents.wait_idle()
        self.city.stop()
        self.units_pane.stop_badges()
        super().closeEvent(event)
