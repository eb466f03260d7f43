"""Benchmark `city_summary`: the 军分区 summary (`report city --year YEAR --out
FILE.pdf|FILE.xlsx`) over a year of 1,500 assessments, without the process start.

ours:  open the workspace read-only, `storage.rollup.city_rollup` (every county's figures,
       ranks, per type, failed units with the item that failed them, items most lost,
       同比 with last year, 回头看 of last year's 整改, 复核 deviation), then
       `exports.city_summary.render_city_summary` (PDF, official layout, charts) or
       `exports.city_excel.write_city_excel` (workbook).
floor: one SQL query reading the same figures — the judged final score and level of each
       finished assessment of the year, grouped by county, from the score cache — and the
       county table (assessed, 达标率, 达优率, average, spread, lowest, highest, rank)
       written with plain reportlab (SimpleDocTemplate + Table, the same CJK fonts) or
       openpyxl in write-only mode.

The workspace: `storage.generate_province`, 100 counties x 15 towns (20 x 15 with
--quick), 2026 and 2027, the score cache filled (untimed, as after the first listing);
the summary is of 2027. Target: ≤ 2 × the floor, each format.

    uv run python bench/run.py city_summary [--quick]
"""

from __future__ import annotations

import sqlite3
import statistics
from pathlib import Path

YEAR = 2027
FLOOR_SQL = (
    "SELECT CASE WHEN p.type = 'county' THEN p.name WHEN g.type = 'county' THEN g.name END AS county, "
    "sc.shown, sc.level FROM assessments a JOIN units u ON u.id = a.unit_id "
    "LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN units g ON g.id = p.parent_id "
    "JOIN score_cache sc ON sc.assessment_id = a.id AND sc.judged = 1 "
    "WHERE a.year = ? AND a.status IN ('reviewed', 'final') AND u.type IN ('town', 'enterprise') "
    "ORDER BY county")
HEADER = ["名次", "县（市、区）", "考评单位", "达标率", "达优率", "平均分", "标准差", "最低分", "最高分"]
TOP_LEVELS = ("excellent", "star5")


def ours(ws_dir: Path, out: Path) -> None:
    """`report city` without the process: the roll-up, then the PDF or the workbook."""
    from storage import Workspace
    from storage.rollup import city_rollup

    ws = Workspace.open(ws_dir, backup=False, readonly=True)
    try:
        data = city_rollup(ws, YEAR)
    finally:
        ws.close()
    if out.suffix == ".xlsx":
        from exports.city_excel import write_city_excel

        write_city_excel(data, out)
    else:
        from exports.city_summary import render_city_summary

        render_city_summary(data, out)


def floor_rows(ws_dir: Path) -> list[list]:
    """The county table from one query: rank, county, assessed, rates, score statistics."""
    conn = sqlite3.connect(ws_dir / "dabiao.sqlite")
    try:
        groups: dict = {}
        for county, shown, level in conn.execute(FLOOR_SQL, [YEAR]):
            groups.setdefault(county, []).append((float(shown), level))
    finally:
        conn.close()
    rows = []
    for county, got in groups.items():
        finals = [s for s, _ in got]
        passed = sum(1 for _, lv in got if lv != "fail") / len(got)
        top = sum(1 for _, lv in got if lv in TOP_LEVELS) / len(got)
        rows.append([county, len(got), passed, top, statistics.fmean(finals), statistics.pstdev(finals),
                     min(finals), max(finals)])
    rows.sort(key=lambda r: (-r[2], -r[4], r[0]))
    return [[str(k + 1), r[0], str(r[1]), f"{r[2]:.1%}", f"{r[3]:.1%}", f"{r[4]:.2f}", f"{r[5]:.2f}",
             f"{r[6]:.2f}", f"{r[7]:.2f}"] for k, r in enumerate(rows)]


def floor_pdf(ws_dir: Path, out: Path, fonts) -> None:
    """The county table with plain reportlab: a title and one Table, the same fonts."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    rows = floor_rows(ws_dir)
    doc = SimpleDocTemplate(str(out), pagesize=A4)
    title = Paragraph(f"{YEAR}年度基层武装部规范化建设考评情况汇总",
                      ParagraphStyle("t", fontName=fonts.hei, fontSize=16, leading=24))
    table = Table([HEADER] + rows, repeatRows=1)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts.song), ("FONTSIZE", (0, 0), (-1, -1), 9),
                               ("FONTNAME", (0, 0), (-1, 0), fonts.hei),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    doc.build([title, table])


def floor_xlsx(ws_dir: Path, out: Path) -> None:
    """The county table with openpyxl in write-only mode."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("县排名")
    sheet.append(HEADER)
    for row in floor_rows(ws_dir):
        sheet.append(row)
    wb.save(out)


def bench(quick: bool, work: Path, measure, report) -> None:
    """Run by bench/run.py (its measure and report)."""
    from exports.fonts import discover_fonts
    from province import make_province

    ws_dir = make_province(work / "ws", 20 if quick else 100, 15, years=(YEAR - 1, YEAR))
    out = work / "out"
    out.mkdir(exist_ok=True)
    fonts = discover_fonts()
    ours(ws_dir, out / "city.pdf")  # untimed: fonts, the OS file cache
    reps = 3 if quick else 7
    report("city_summary_pdf", *measure(lambda: ours(ws_dir, out / "city.pdf"),
                                        lambda: floor_pdf(ws_dir, out / "floor.pdf", fonts), reps))
    report("city_summary_xlsx", *measure(lambda: ours(ws_dir, out / "city.xlsx"),
                                         lambda: floor_xlsx(ws_dir, out / "floor.xlsx"), reps))
