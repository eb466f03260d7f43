"""The 文书 menu: each printed document is collected and rendered in a worker thread (a
report with hundreds of photos takes seconds) into a temporary PDF, then shown in the
preview (print, save as). The county summary as Excel is saved where the person chooses.

The documents themselves come from exports/ (data from exports.collect, renderers per
document); nothing here reads the database or computes a score.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from storage import assessments, evidence
from storage.errors import StorageError

from .errors import show_error
from .tasks import BusyIndicator, TaskWorker, error_lines, with_workspace

if TYPE_CHECKING:
    from .dialogs.preview_dialog import PreviewDialog

MANY_PHOTOS = 30  # from this many photos on, the gap report asks whether to print them

# The dialogs and exports/ (reportlab, openpyxl, Pillow) are imported when a document is
# asked for: the main window makes this object at start-up, and need not load them to show.


class DocumentJobs(QObject):
    """Runs one document at a time for the main window and opens its preview."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.ws = window.ws
        self.worker: TaskWorker | None = None
        self.busy: BusyIndicator | None = None
        self.last_preview: PreviewDialog | None = None
        self.last_output: Path | None = None
        self.last_error: str | None = None
        self.font_note: str | None = None  # the last report's stand-in font warning
        self.font_warned = False
        self.font_box = None

    # ---------------------------------------------------------------- the menu

    def gap_report(self) -> None:
        s = self._session()
        if s is None:
            return
        a = s.assessment
        aid = s.id

        photos = self.ask_photo_appendix(aid)
        if photos is None:
            return

        def make(ws, out):
            from exports.collect import gap_report_data
            from exports.gap_report import render_gap_report

            return render_gap_report(gap_report_data(ws, aid, photos=photos), out, photos=photos)

        self.render_pdf("差距分析报告", f"{a['unit_name']}{a['year']}年度差距分析报告", make)

    def ask_photo_appendix(self, assessment_id: str) -> bool | None:
        """Whether the gap report prints its photo appendix: yes without asking for a few
        photos; with many (a page for two, megabytes each) the person chooses. None: cancelled."""
        count = evidence.photo_count(self.ws, assessment_id)
        if count < MANY_PHOTOS:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "差距分析报告",
                          f"这个考评有 {count} 张照片，照片附录约占 {-(-count // 2)} 页。\n"
                          "报告中是否附上照片？", parent=self.window)
        with_photos = box.addButton("附上照片", QMessageBox.ButtonRole.YesRole)
        without = box.addButton("不附照片", QMessageBox.ButtonRole.NoRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(with_photos)
        box.exec()
        clicked = box.clickedButton()
        return True if clicked is with_photos else False if clicked is without else None

    def summary(self) -> None:
        from .dialogs.summary_dialog import SummaryDialog

        s = self.window.session
        dialog = SummaryDialog(self.ws, s.assessment["year"] if s else None, self.window)
        if not dialog.exec():
            return
        year, county, fmt = dialog.chosen()
        if year is None:
            return
        name = f"{county or ''}{year}年度基层武装部规范化建设考评情况汇总"

        def collect(ws):
            from exports.collect import summary_data

            data = summary_data(ws, year, county)
            if not data.rows:
                raise StorageError(f"{year} 年没有考评记录")
            return data

        if fmt == "xlsx":
            from . import files  # the save dialog: only when a document is saved

            target = files.ask_save_path(self.window, "县级汇总另存为 Excel", name + ".xlsx", "Excel 表格 (*.xlsx)")
            if target is None:
                return

            def make_xlsx(ws, _progress):
                from exports.summary import render_summary_xlsx

                return render_summary_xlsx(collect(ws), target)

            self.run_job("县级汇总", "正在生成县级汇总（Excel）…", make_xlsx, self._saved_excel)
            return

        def make(ws, out):
            from exports.summary import render_summary_pdf

            return render_summary_pdf(collect(ws), out)

        self.render_pdf("县级汇总", name, make)

    def blank_checklist(self) -> None:
        s = self.window.session
        if s is not None:
            checklist = s.checklist
        else:
            from .dialogs.checklist_choice import choose_checklist

            checklist = choose_checklist(self.ws, "空白检查表", "选择要打印空白检查表的考评标准：", self.window)
            if checklist is None:
                return

        def make(_ws, out):
            from exports.blank_checklist import render_blank_checklist

            return render_blank_checklist(checklist, out)

        self.render_pdf("空白检查表", f"{checklist.title}（空白检查表）", make)

    def actions_notice(self, as_list: bool = False) -> None:
        target = self.unit_assessment()
        if target is None:
            return
        aid, unit_name = target
        title = "整改清单" if as_list else "整改通知书"

        def make(ws, out):
            from exports.actions_notice import render_actions_list, render_actions_notice
            from exports.collect import actions_notice_data

            data = actions_notice_data(ws, aid)
            checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, aid))
            render = render_actions_list if as_list else render_actions_notice
            return render(data, out, checklist=checklist)

        self.render_pdf(title, f"{unit_name}{title}", make)

    # ---------------------------------------------------------------- choosing what

    def _session(self):
        s = self.window.session
        if s is None:
            self.window.statusBar().showMessage("请先在左侧选择一个考评", 5000)
            return None
        self.window.item_pane.flush()
        return s

    def unit_assessment(self) -> tuple[str, str] | None:
        """(assessment id, unit name) for the current unit: the open assessment when it is
        that unit's, else the unit's latest assessment."""
        s = self.window.session
        unit_id = self.window.units_pane.current_unit_id()
        if s is not None and (unit_id is None or s.assessment["unit_id"] == unit_id):
            self.window.item_pane.flush()
            return s.id, s.assessment["unit_name"]
        rows = assessments.list_assessments(self.ws, unit_id=unit_id) if unit_id else []
        if not rows:
            self.window.statusBar().showMessage("请先在左侧选择一个有考评的单位", 5000)
            return None
        return rows[0]["id"], rows[0]["unit_name"]

    # ---------------------------------------------------------------- running

    def running(self) -> bool:
        return self.worker is not None

    def render_pdf(self, title: str, name: str, make: Callable) -> bool:
        """Render make(ws, out) into a temporary PDF in a worker, then preview it."""
        from . import files  # temporary documents: only when one is made

        out = files.temp_output(name + ".pdf")

        def run(ws, _progress):
            from exports.fonts import font_warning

            make(ws, out)
            self.font_note = font_warning()
            return out

        return self.run_job(title, f"正在生成{title}…", run,
                         lambda path: self._preview(Path(path), title, name + ".pdf"))

    def run_job(self, title: str, text: str, fn: Callable, on_done: Callable) -> bool:
        """Run fn(ws, progress) in a worker with the busy indicator; on_done(result) after,
        or one message naming what failed. One document at a time."""
        if self.worker is not None:
            self.window.statusBar().showMessage("正在生成另一份文书，请稍候", 4000)
            return False
        self.last_error = None
        worker = TaskWorker(with_workspace(self.ws, fn), self)
        busy = BusyIndicator(self.window, title, text)
        worker.progress.connect(busy.progress)
        worker.succeeded.connect(lambda result: self._finished(worker, busy, on_done, result, None, title))
        worker.failed.connect(lambda exc: self._finished(worker, busy, on_done, None, exc, title))
        self.worker, self.busy = worker, busy
        self.window.statusBar().showMessage(text)
        worker.start()
        return True

    def _finished(self, worker, busy, on_done, result, exc, title) -> None:
        worker.wait()
        worker.deleteLater()
        busy.close()
        self.worker = self.busy = None
        self.window.statusBar().clearMessage()
        if exc is not None:
            self.last_error = "\n".join(error_lines(exc))
            show_error(self.window, self.last_error, f"{title}未能生成")
            return
        self.last_output = Path(result)
        on_done(result)

    def _preview(self, path: Path, title: str, name: str) -> None:
        from .dialogs.preview_dialog import PreviewDialog

        dialog = PreviewDialog(path, title, name, self.window)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        self.last_preview = dialog
        dialog.destroyed.connect(lambda *_: self._forget(dialog))
        self._warn_fonts(dialog)

    def _warn_fonts(self, parent) -> None:
        """Once a session: the report was printed with stand-in faces (and how to add the
        official ones); the status bar says it every time."""
        if not self.font_note:
            return
        self.window.statusBar().showMessage("报告未使用公文标准字体（仿宋/黑体/楷体），详见提示", 8000)
        if self.font_warned:
            return
        self.font_warned = True
        box = QMessageBox(QMessageBox.Icon.Warning, "字体提示", self.font_note, parent=parent)
        box.open()
        self.font_box = box

    def _forget(self, dialog) -> None:
        if self.last_preview is dialog:
            self.last_preview = None

    def _saved_excel(self, path) -> None:
        from . import files  # opening with the system: only after saving

        box = QMessageBox(QMessageBox.Icon.Information, "县级汇总", f"已保存：{path}", parent=self.window)
        open_button = box.addButton("打开", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
        box.open()
        box.buttonClicked.connect(lambda b: files.open_external(path) if b is open_button else None)

    def wait_idle(self) -> None:
        """On closing the window: let a running document finish (it cannot be stopped half way)."""
        if self.worker is not None:
            self.worker.wait()
