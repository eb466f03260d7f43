"""Benchmark `city_summary`: the 军分区 summary (`report city --year YEAR --out
FILE.pdf|FILE.xlsx`) over a year of 1,500 assessments, without the process start.

ours:  open the workspace read-only, `storage.rollup.city_rollup` (every county's figures,
       ranks, per type, failed units with the item that failed them, items most lost,
       同比 with last year, 回头看 of last year's 整改, 复核 deviation), then
       `exports.city_summary.render_city_summary` (PDF, official layout, charts) or
       `exports.city_excel.write_city_excel` (workbook).
floor: bench/city_floor.py — the same figures read with set-based SQL (per assessment
       of both years: county, type, name, status, judged role, final score and level, the
       cached detail of the year's results; last year's actions per county; the 复核
       draw), and the same tables, all of them with the same rows and columns, and the
       two charts, written with plain reportlab (SimpleDocTemplate + Table, the same CJK
       fonts, charts as plain Drawings) or openpyxl write-only (the same ten sheets).

The workspace: `storage.generate_province`, 100 counties x 15 towns (20 x 15 with
--quick), 2026 and 2027, the score cache filled (untimed, as after the first listing);
the summary is of 2027. Target: ≤ 2 × the floor, each format. Peak memory of the roll-up
and PDF (a child process, VmHWM) is printed at a quarter of the size and at full size.

    uv run python bench/run.py city_summary [--quick]
"""

from __future__ import annotations

from pathlib import Path

YEAR = 2027


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


def floor_pdf(ws_dir: Path, out: Path, fonts) -> None:
    """The floor's PDF (bench/city_floor.py)."""
    import city_floor

    city_floor.write_pdf(ws_dir, out, fonts, YEAR)


def floor_xlsx(ws_dir: Path, out: Path) -> None:
    """The floor's workbook (bench/city_floor.py)."""
    import city_floor

    city_floor.write_xlsx(ws_dir, out, YEAR)


def peak_memory_mb(ws_dir: Path, out: Path) -> float:
    """Peak resident memory (VmHWM) of a child process doing `ours` once (roll-up + PDF)."""
    import subprocess
    import sys

    here = Path(__file__).resolve().parent
    code = (f"import sys; sys.path[:0] = [{str(here.parent)!r}, {str(here)!r}]; from pathlib import Path; "
            f"import city_summary; city_summary.ours(Path({str(ws_dir)!r}), Path({str(out)!r})); "
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024


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
    quarter = make_province(work / "ws_quarter", 5 if quick else 25, 15, years=(YEAR - 1, YEAR))
    small, big = peak_memory_mb(quarter, out / "peak.pdf"), peak_memory_mb(ws_dir, out / "peak.pdf")
    n = 15 * (5 if quick else 25)
    print(f"city_summary peak memory (roll-up + PDF): {n} assessments {small:.0f} MB, {4 * n} {big:.0f} MB",
          flush=True)
