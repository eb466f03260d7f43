"""Printed documents: PDF (reportlab) and Excel (openpyxl). Reads plain data, never the database.

Entry points (each returns the written path; PDFs are written atomically):
    gap_report.render_gap_report(GapReportData, out, fonts=None)        差距分析报告
    summary.render_summary_pdf(SummaryData, out, fonts=None)            县级汇总 PDF
    summary.render_summary_xlsx(SummaryData, out)                       县级汇总 Excel
    blank_checklist.render_blank_checklist(Checklist, out, fonts=None)  空白检查表
    actions_notice.render_actions_notice(ActionsNoticeData, out, checklist=None, fonts=None)  整改通知书
    actions_notice.render_actions_list(ActionsNoticeData, out, checklist=None, fonts=None)    整改清单
    fonts.discover_fonts(font_dir=None, system=True, packaged=True) -> FontSet  (FontMissingError)

Decisions:
- Pages follow GB/T 9704-2012 (document.py); text is set by cjk.CJKParagraph, which applies
  the Chinese line-breaking rules reportlab lacks.
- Fonts: user folder (DABIAO_FONT_DIR), then Windows / Kylin / UOS / Linux TrueType fonts, then
  a font package if installed. CFF (.otf, Noto CJK) and variable fonts are skipped. No font:
  FontMissingError; a character no font has: cjk.GlyphMissingError (never a blank box).
- Photos are drawn from the report-size .jpg files as they are (DCTDecode, no ASCII85), so a
  report's size is about the size of its photos.
"""
