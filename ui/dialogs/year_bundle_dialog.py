"""导出县年度数据包（报军分区）: a county's whole year as one bundle for its 军分区 — the
year, the county, with or without photos, what will go — then the file; the bundle is
written by a worker under the busy indicator and the result said in one line."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QVBoxLayout)

from checklists.errors import DabiaoError
from storage.exchange import signing
from storage.exchange.export import export_bundle
from storage.exchange.export_year import year_choices, year_overview

from .. import files
from ..errors import show_error
from ..tasks import BusyIndicator, TaskWorker, error_lines, with_workspace

TITLE = "导出县年度数据包"
NO_PHOTOS = "不含照片（数据包小；据此打印的材料会注明未含照片）"
HELP = ("县年度数据包装有本县（市、区）及所属乡镇、企业、民兵营连该年度的全部考评：自评、考评"
        "（及复核）答案、结论与签字、整改任务和操作记录，报军分区导入汇总。")


class YearBundleDialog(QDialog):
    """Choose the year and county, photos or not; export writes the bundle in a worker."""

    exported = Signal(object)  # storage.exchange.export.ExportResult

    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.worker: TaskWorker | None = None
        self.busy: BusyIndicator | None = None
        self.result = None
        self.message = ""  # the one line said about the last export (done or failed)
        self.setWindowTitle(TITLE)

        help_label = QLabel(HELP)
        help_label.setWordWrap(True)
        years, counties = year_choices(ws)
        self.year = QComboBox()
        for y in years:
            self.year.addItem(f"{y} 年", y)
        self.county = QComboBox()
        for c in counties:
            self.county.addItem(c["name"], c["id"])
        self.county.setEnabled(len(counties) > 1)
        self.no_photos = QCheckBox(NO_PHOTOS)
        self.signer = QLabel(f"签名单位：{signing.workspace_name(ws)}（军分区导入时看到的名称）")
        self.signer.setStyleSheet("color: #5f6368;")
        form = QFormLayout()
        form.addRow("年度(&Y)：", self.year)
        form.addRow("县（市、区）(&C)：", self.county)
        form.addRow("", self.no_photos)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b06000;")
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.setVisible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("导出(&E)…")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText("取消")
        self.buttons.accepted.connect(self.choose_file)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(help_label)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.warning)
        layout.addWidget(self.signer)
        layout.addWidget(self.outcome)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(620)
        self.adjustSize()

        for box in (self.year, self.county):
            box.currentIndexChanged.connect(lambda *_: self._update())
        self.no_photos.toggled.connect(lambda *_: self._update())
        self._update()

    # ---------------------------------------------------------------- what will go

    def chosen(self) -> tuple[int | None, str | None, bool]:
        """(year, county id, photos) as chosen now."""
        return self.year.currentData(), self.county.currentData(), not self.no_photos.isChecked()

    def _update(self) -> None:
        """Say what the bundle will carry and warn about unreviewed assessments, as the CLI does."""
        year, county, photos = self.chosen()
        self.overview = None
        self.warning.clear()
        if year is None or county is None:
            self.summary.setText("工作区中还没有考评。" if year is None else
                                 "工作区中没有县（市、区）人武部单位，无法导出县年度数据包。")
        else:
            try:
                self.overview = year_overview(self.ws, year, county)
            except DabiaoError as exc:
                self.summary.setText("\n".join(exc.lines()))
        ov = self.overview
        if ov is not None:
            if not ov["assessments"]:
                self.summary.setText(f"{ov['county']} 没有 {year} 年的考评，无法导出。")
            else:
                photos_text = (f"，{ov['photos']} 张照片（{ov['files']} 个照片文件）" if photos
                               else "；不含照片文件（只含照片的记录与说明）")
                self.summary.setText(f"将导出 {ov['county']} {year} 年 {ov['assessments']} 个考评{photos_text}。")
                if ov["unreviewed"]:
                    self.warning.setText(f"注意：{ov['assessments']} 个考评中有 {ov['unreviewed']} 个尚未考评完毕，"
                                         "导出的是当前的数据。")
        self.warning.setVisible(bool(self.warning.text()))
        ready = ov is not None and ov["assessments"] > 0 and self.worker is None and not self.ws.readonly
        self.ok_button.setEnabled(ready)

    def default_name(self) -> str:
        year, _county, _photos = self.chosen()
        county = self.overview["county"] if self.overview else self.county.currentText()
        return f"{county}-{year}年度数据-{date.today():%Y%m%d}.dabiao"

    # ---------------------------------------------------------------- exporting

    def choose_file(self) -> None:
        if not self.ok_button.isEnabled():
            return
        target = files.ask_save_path(self, TITLE, self.default_name(), "达标交换包 (*.dabiao)")
        if target is not None:
            self.export_to(target)

    def export_to(self, target) -> None:
        """Write the bundle to `target` in a worker, the busy indicator shown meanwhile."""
        year, county, photos = self.chosen()

        def run(ws, progress):
            return export_bundle(ws, "year", out=target, year=year, county=county, photos=photos,
                                 progress=lambda done, total: progress(done, total, f"照片 {done}/{total}"))

        self.worker = TaskWorker(with_workspace(self.ws, run), self)
        self.busy = BusyIndicator(self, TITLE, "正在导出县年度数据包……")
        self.worker.progress.connect(self.busy.progress)
        self.worker.succeeded.connect(self._done)
        self.worker.failed.connect(self._failed)
        for w in (self.year, self.county, self.no_photos, self.cancel_button):
            w.setEnabled(False)
        self._update()
        self.worker.start()

    def _finish_worker(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        if self.busy is not None:
            self.busy.close()
            self.busy = None
        self.year.setEnabled(True)
        self.county.setEnabled(self.county.count() > 1)
        self.no_photos.setEnabled(True)
        self.cancel_button.setEnabled(True)

    def _done(self, result) -> None:
        self._finish_worker()
        self.result = result
        c = result.counts
        photos = (f"{c.get('photos', 0)} 张照片" if result.photos else "不含照片文件")
        year = self.chosen()[0]
        county = self.overview["county"] if self.overview else self.county.currentText()
        self.message = f"已导出{county} {year} 年度数据包：{result.path}（{c.get('assessments', 0)} 个考评，{photos}）"
        self.outcome.setText(self.message)
        self.outcome.setStyleSheet("")
        self.outcome.setVisible(True)
        self.cancel_button.setText("完成")
        self._update()
        self.exported.emit(result)

    def _failed(self, exc) -> None:
        self._finish_worker()
        self.message = "导出失败：" + "；".join(error_lines(exc))
        self.outcome.setText(self.message)
        self.outcome.setStyleSheet("color: #c5221f;")
        self.outcome.setVisible(True)
        self._update()
        show_error(self, self.message, "导出失败")

    def reject(self) -> None:
        if self.worker is not None:
            return  # the bundle is being written: it finishes (or fails) on its own
        super().reject()

    def closeEvent(self, event):
        if self.worker is not None:
            event.ignore()
            return
        super().closeEvent(event)
