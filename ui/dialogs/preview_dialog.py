"""Preview of a printed document (a PDF just rendered): pages shown in the app with QtPdf
when this Qt has it, else where the file is and a button to open it with the system's
PDF reader; 打印 (the pages drawn onto the printer) and 另存为 (a copy where the person
chooses)."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QMargins, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QKeySequence, QPageLayout, QPageSize, QPainter, QShortcut
from PySide6.QtWidgets import (QApplication, QComboBox, QDialog, QHBoxLayout, QLabel, QProgressDialog,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from .. import files
from ..errors import show_error

try:  # QtPdf is missing from some Qt builds (distribution packages): fall back to the system reader
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPdfWidgets import QPdfView

    HAVE_QTPDF = True
except ImportError:  # pragma: no cover - depends on the Qt build
    QPdfDocument = QPdfView = None
    HAVE_QTPDF = False

PRINT_DPI = 300  # pages are drawn at most this fine: enough for text and photos, bounded memory

ZOOMS = (("适合宽度", "width"), ("整页", "page"), ("50%", 0.5), ("75%", 0.75), ("100%", 1.0), ("125%", 1.25),
         ("150%", 1.5), ("200%", 2.0))


class PreviewDialog(QDialog):
    """Shows `path` (a PDF); `title` names the document, `suggested_name` is what 另存为 proposes."""

    def __init__(self, path, title: str, suggested_name: str | None = None, parent=None, *, use_qtpdf: bool = True):
        super().__init__(parent)
        self.path = Path(path)
        self.title = title
        self.suggested_name = suggested_name or self.path.name
        self.saved_to: Path | None = None
        self.document = None
        self.view = None
        self._typed_page: int | None = None  # a page typed in the counter and jumped to
        self.setWindowTitle(f"{title} — 预览")
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)

        self.info = QLabel()
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.zoom = QComboBox()
        for text, value in ZOOMS:
            self.zoom.addItem(text, value)
        self.zoom.currentIndexChanged.connect(self._zoom_changed)
        self.page = QSpinBox()
        self.page.setMinimum(1)
        self.page.setPrefix("第 ")
        self.page.setSuffix(" 页")
        self.page.setEnabled(False)
        self.page.valueChanged.connect(self._go_to_page)
        top = QHBoxLayout()
        heading = QLabel(title)
        heading.setStyleSheet("font-weight: bold; font-size: 11pt;")
        top.addWidget(heading)
        top.addSpacing(12)
        top.addWidget(self.info, 1)
        top.addWidget(self.page)
        top.addSpacing(12)
        top.addWidget(QLabel("缩放："))
        top.addWidget(self.zoom)

        self.print_button = QPushButton("打印(&P)…")
        self.save_button = QPushButton("另存为(&S)…")
        self.open_button = QPushButton("用系统程序打开(&O)")
        close = QPushButton("关闭")
        self.print_button.clicked.connect(self.print_document)
        self.save_button.clicked.connect(self.save_as)
        self.open_button.clicked.connect(self.open_external)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        if HAVE_QTPDF and use_qtpdf:
            layout.addWidget(self._pdf_view(), 1)
        else:
            layout.addWidget(self._fallback(), 1)
        layout.addLayout(buttons)

        QShortcut(QKeySequence.StandardKey.Print, self, self.print_document)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save_as)
        for button in (self.print_button, self.save_button, self.open_button, close):
            button.setAutoDefault(False)  # Enter in the page box only turns the page
        self.resize(self._good_size())
        if self.view is not None:
            self.view.setFocus()  # PgUp / PgDn / arrows scroll the pages

    # ---------------------------------------------------------------- building

    def _pdf_view(self) -> QWidget:
        self.document = QPdfDocument(self)
        error = self.document.load(str(self.path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setDocumentMargins(QMargins(16, 16, 16, 16))
        self.view.setStyleSheet("QPdfView { background: #5f6368; }")
        pages = self.document.pageCount()
        if error != QPdfDocument.Error.None_ or pages == 0:
            self.info.setText(f"无法显示预览（{error.name}）；文件：{self.path}")
            self.print_button.setEnabled(False)
        else:
            self.page.setSuffix(f" 页，共 {pages} 页")
            self.page.setMaximum(pages)
            self.page.setEnabled(True)
            # the counter follows the scroll (wheel, PgDn, the scroll bar): QPdfView's own
            # current page falls back to page 1 whenever the viewport's top is in the gap
            # between two pages, so the page is worked out here from the layout
            bar = self.view.verticalScrollBar()
            bar.valueChanged.connect(self._sync_page)
            bar.rangeChanged.connect(self._sync_page)
        return self.view

    def _fallback(self) -> QWidget:
        self.zoom.setEnabled(False)
        self.print_button.setEnabled(False)
        self.print_button.setToolTip("此电脑的 Qt 没有 PDF 组件，请用系统程序打开后打印")
        box = QWidget()
        text = QLabel(
            f"<p>文书已生成。此电脑的 Qt 缺少 PDF 预览组件（QtPdf），不能在程序内显示。</p>"
            f"<p>文件位置：<br><b>{self.path}</b></p>"
            "<p>请点“用系统程序打开”查看和打印，或点“另存为”保存到需要的位置。</p>")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(box)
        layout.addStretch(1)
        layout.addWidget(text)
        layout.addStretch(1)
        self.info.setText("")
        return box

    def _good_size(self) -> QSize:
        screen = (self.parentWidget().screen() if self.parentWidget() else None) or QApplication.primaryScreen()
        if screen is None:
            return QSize(900, 700)
        area = screen.availableGeometry()
        return QSize(min(1000, area.width() - 40), max(480, area.height() - 60))

    # ---------------------------------------------------------------- viewing

    def page_count(self) -> int:
        return self.document.pageCount() if self.document is not None else 0

    def _page_changed(self, page: int) -> None:
        blocked = self.page.blockSignals(True)
        self.page.setValue(page + 1)
        self.page.blockSignals(blocked)

    def _page_heights(self) -> list[float]:
        """Each page's height on screen, as QPdfView lays the pages out (before rounding)."""
        view, doc = self.view, self.document
        margins = view.documentMargins()
        width = max(1, view.viewport().width() - margins.left() - margins.right())
        height = max(1, view.viewport().height() - margins.top() - margins.bottom())
        mode = view.zoomMode()
        heights = []
        for n in range(doc.pageCount()):
            size = doc.pagePointSize(n)
            w, h = max(size.width(), 1e-6), max(size.height(), 1e-6)
            if mode == QPdfView.ZoomMode.FitToWidth:
                heights.append(h * width / w)
            elif mode == QPdfView.ZoomMode.FitInView:
                heights.append(h * min(width / w, height / h))
            else:
                heights.append(h * view.zoomFactor())  # a common factor: only proportions count
        return heights

    def visible_page(self) -> int:
        """The page (0-based) under the middle of the viewport: the one being read."""
        bar = self.view.verticalScrollBar()
        heights = self._page_heights()
        if not heights:
            return 0
        margins = self.view.documentMargins()
        spacing = self.view.pageSpacing()
        laid = margins.top() + margins.bottom() + sum(heights) + spacing * (len(heights) - 1)
        content = bar.maximum() + bar.pageStep()  # the document's height as the view has it
        scale = content / laid if laid > 0 and bar.maximum() > 0 else 1.0
        middle = bar.value() + self.view.viewport().height() / 2
        top = margins.top() * scale
        for n, h in enumerate(heights):
            bottom = top + h * scale
            if middle < bottom + spacing * scale / 2:
                return n
            top = bottom + spacing * scale
        return len(heights) - 1

    def _sync_page(self, *_args) -> None:
        if self.view is None or not self.page_count():
            return
        page = self.visible_page()
        if self._typed_page is not None:
            # just jumped to a typed page: it stays the counter's page while it is in view
            if abs(page - self._typed_page) <= 1:
                return
            self._typed_page = None
        self._page_changed(page)

    def _go_to_page(self, number: int) -> None:
        if self.view is not None and 1 <= number <= self.page_count():
            self._typed_page = number - 1
            self.view.pageNavigator().jump(number - 1, QPointF(0, 0), self.view.zoomFactor())

    def _zoom_changed(self) -> None:
        if self.view is None:
            return
        value = self.zoom.currentData()
        if value == "width":
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        elif value == "page":
            self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        else:
            self.view.setZoomMode(QPdfView.ZoomMode.Custom)
            self.view.setZoomFactor(float(value))

    # ---------------------------------------------------------------- actions

    def open_external(self) -> None:
        if not files.open_external(self.path):
            show_error(self, f"没有找到能打开 PDF 的程序。文件位置：{self.path}")

    def save_as(self) -> None:
        target = files.ask_save_path(self, f"另存为 — {self.title}", self.suggested_name, "PDF 文件 (*.pdf)")
        if target is None:
            return
        try:
            shutil.copyfile(self.path, target)
        except OSError as exc:
            show_error(self, f"无法保存到 {target}：{exc.strerror or exc}（文件是否正在别的程序中打开？）")
            return
        self.saved_to = target
        self.info.setText(f"已保存到 {target}")

    def print_document(self) -> None:
        if self.document is None or not self.print_button.isEnabled():
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter  # Qt's print module: loaded when printing

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.title)
        prepare_printer(printer, self.document)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(f"打印 — {self.title}")
        dialog.setMinMax(1, self.page_count())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        progress = QProgressDialog("正在发送到打印机…", "取消", 0, self.page_count(), self)
        progress.setWindowTitle("打印")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        try:
            printed = print_pdf(self.document, printer, progress)
        except RuntimeError as exc:
            show_error(self, str(exc))
            return
        finally:
            progress.close()
        if printed:
            self.info.setText(f"已发送 {printed} 页到打印机")


def prepare_printer(printer, document) -> None:
    """A4, portrait or landscape as the document's first page, every page by default."""
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    if document.pageCount():
        size = document.pagePointSize(0)
        landscape = size.width() > size.height()
        printer.setPageOrientation(QPageLayout.Orientation.Landscape if landscape
                                   else QPageLayout.Orientation.Portrait)
    printer.setFromTo(1, max(1, document.pageCount()))


def print_pdf(document, printer, progress=None) -> int:
    """Draw the pages of a loaded QPdfDocument onto a QPrinter (the page range it was given),
    each page scaled to fill the paper (the PDF carries its own margins). Returns the
    number of pages sent; stops early when `progress` (a QProgressDialog) is cancelled."""
    count = document.pageCount()
    first, last = printer.fromPage(), printer.toPage()
    if first <= 0 or last <= 0:
        first, last = 1, count
    first, last = max(1, first), min(count, last)
    printer.setFullPage(True)
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError("无法开始打印：打印机不可用或输出文件无法写入")
    sent = 0
    try:
        dpi = min(printer.resolution(), PRINT_DPI)
        for n, page in enumerate(range(first - 1, last)):
            if progress is not None:
                if progress.wasCanceled():
                    break
                progress.setValue(n)
                QApplication.processEvents()
            if n:
                printer.newPage()
            size = document.pagePointSize(page)
            image = document.render(page, QSize(max(1, round(size.width() / 72 * dpi)),
                                                max(1, round(size.height() / 72 * dpi))))
            area = painter.viewport()
            scaled = image.size().scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x = area.x() + (area.width() - scaled.width()) // 2
            y = area.y() + (area.height() - scaled.height()) // 2
            painter.drawImage(QRect(x, y, scaled.width(), scaled.height()), image)
            sent += 1
    finally:
        painter.end()
    return sent
