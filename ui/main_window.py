"""The main window: units | checklist | item pane, the score bar above, and the wiring of
the panes to the open assessment: opening, navigation, review mode, corrective actions,
pane widths, closing. Mixins of this window: the actions, menus and toolbar (ui/menus.py),
the 考评 flow (ui/review_flow.py), 备份与恢复 (ui/backup_flow.py) and 帮助 (ui/help_menu.py);
printed documents (文书), exchange bundles (交换), criteria (标准) and 全市汇总 run in their
own helpers."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from checklists.errors import DabiaoError
from storage import import_journal, units
from storage.assessments import ROLE_LABELS

from .backup_flow import BackupFlow
from .checklist_pane import ChecklistPane
from .city_view import CityPage
from .documents import DocumentJobs
from .errors import ask, show_error
from .exchange import ExchangeFlows
from .help_menu import HelpMenu
from .item_pane import ItemPane
from .menus import WindowActions
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


class MainWindow(ReviewFlow, WindowActions, BackupFlow, HelpMenu, QMainWindow):
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

    def _connect(self) -> None:
        self.units_pane.assessmentSelected.connect(self.open_assessment)
        self.units_pane.newUnitRequested.connect(self.new_unit)
        self.units_pane.newAssessmentRequested.connect(self.new_assessment)
        self.units_pane.unitTagsRequested.connect(self.edit_unit_tags)
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

    def edit_unit_tags(self, unit_id: str | None = None) -> None:
        """单位标签… of a unit (the selected one): saved at once; the open assessment is
        re-read, so the items that now (no longer) apply show so, and the badges rescored."""
        from .dialogs.unit_tags_dialog import UnitTagsDialog

        if self.refuse_if_readonly():
            return
        unit_id = unit_id or self.units_pane.current_unit_id()
        if not unit_id:
            self.statusBar().showMessage("请先在左侧选择一个单位", 4000)
            return
        self.item_pane.flush()
        dialog = UnitTagsDialog(self.ws, unit_id, self)
        if not (dialog.exec() and dialog.changed):
            return
        tree = self.units_pane.model
        for assessment_id in tree.ids_under(tree.index_of(unit_id)):  # its scores changed with its tags
            tree.invalidate(assessment_id)
        s = self.session
        if s is not None and s.assessment["unit_id"] == unit_id:
            s.reload()
            s.scoreChanged.emit()  # the score bar and the item shown
            self._status_changed()  # every row of the list, the item pane's editability
        self.statusBar().showMessage("单位标签已保存", 5000)

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
