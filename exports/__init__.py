"""Printed documents: PDF (reportlab) and Excel (openpyxl). Reads plain data, never the database.

Entry points (each returns the written path; PDFs are written atomically):
    gap_report.render_gap_report(GapReportData, out, fonts=None, photos=True)  差距分析报告
        (collect.gap_report_data(ws, id, photos=True); photos=False: no photo appendix)
    summary.render_summary_pdf(SummaryData, out, fonts=None)            县级汇总 PDF
    summary.render_summary_xlsx(SummaryData, out)                       县级汇总 Excel
    blank_checklist.render_blank_checklist(Checklist, out, fonts=None)  空白检查表
    actions_notice.render_actions_notice(ActionsNoticeData, out, checklist=None, fonts=None)  整改通知书
    actions_notice.render_actions_list(ActionsNoticeData, out, checklist=None, fonts=None)    整改清单
    fonts.discover_fonts(font_dir=None, system=True, packaged=True) -> FontSet  (FontMissingError)
    fonts.font_warning(fonts=None) -> str | None   official faces missing: what stands in, how to add them
    document.chinese_date(date | 'YYYY-MM-DD') -> '2026年12月1日'   成文日期 (GB/T 9704)

Decisions:
- Pages follow GB/T 9704-2012 (document.py); text is set by cjk.CJKParagraph, which applies
  the Chinese line-breaking rules reportlab lacks.
- Fonts: user folder (DABIAO_FONT_DIR), then Windows / Kylin / UOS / Linux TrueType fonts, then
  a font package if installed. CFF (.otf, Noto CJK) and variable fonts are skipped. No font:
  FontMissingError; a character no font has: cjk.GlyphMissingError (never a blank box).
- Photos are drawn from the report-size .jpg files as they are (DCTDecode, no ASCII85), so a
  report's size is about the size of its photos.
"""
