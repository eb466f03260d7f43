"""`report gap | summary | city | blank | actions`: the printed documents, from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

from checklists import load_checklist
from storage import assessments, checklist_store
from storage.errors import StorageError

from .output import group
from .workspace_cmds import workspace

# exports/ (reportlab, openpyxl, Pillow) is imported by the command that prints: every
# command's parser is built for any command, and the others need not load it.


def _suffix(out: str, allowed: tuple[str, ...]) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in allowed:
        raise StorageError(f"{out}: 输出文件应为 {' 或 '.join(allowed)}")
    return suffix


_warned = False


def _font_warning() -> None:
    """After a PDF is written: say on stderr, once, when the official faces (仿宋 / 黑体 /
    楷体 / 宋体) were missing and others stood in for them, and how to add them."""
    global _warned
    from exports.fonts import font_warning

    text = None if _warned else font_warning()
    if text:
        _warned = True
        print(f"注意：{text}", file=sys.stderr)


def report_gap(args) -> int:
    from exports.collect import gap_report_data
    from exports.gap_report import render_gap_report

    _suffix(args.out, (".pdf",))
    with workspace(args, readonly=True) as ws:
        data = gap_report_data(ws, args.assessment, photos=args.photos)
    print(render_gap_report(data, args.out, photos=args.photos))
    _font_warning()
    return 0


def report_summary(args) -> int:
    from exports.collect import summary_data
    from exports.summary import render_summary_pdf, render_summary_xlsx

    suffix = _suffix(args.out, (".pdf", ".xlsx"))
    with workspace(args, readonly=True) as ws:
        data = summary_data(ws, args.year, args.county)
    if not data.rows:
        raise StorageError(f"{args.year} 年没有考评记录")
    render = render_summary_xlsx if suffix == ".xlsx" else render_summary_pdf
    print(render(data, args.out))
    if suffix == ".pdf":
        _font_warning()
    return 0


def report_city(args) -> int:
    """The 军分区 summary of a year (PDF or Excel) over every county in the workspace."""
    from storage.rollup import city_rollup

    suffix = _suffix(args.out, (".pdf", ".xlsx"))
    with workspace(args, readonly=True) as ws:
        data = city_rollup(ws, args.year)
    if not data["total"]:
        raise StorageError(f"{args.year} 年没有考评记录，无法生成军分区汇总")
    if suffix == ".xlsx":
        from exports.city_excel import write_city_excel

        print(write_city_excel(data, args.out))
        return 0
    from exports.city_summary import render_city_summary

    print(render_city_summary(data, args.out))
    _font_warning()
    return 0


def report_blank(args) -> int:
    from exports.blank_checklist import render_blank_checklist

    _suffix(args.out, (".pdf",))
    if Path(args.checklist).suffix.lower() in (".yaml", ".yml", ".json", ".xlsx") and Path(args.checklist).exists():
        checklist = load_checklist(args.checklist, args.lib)
    else:
        set_id, version = checklist_store.parse_ref(args.checklist)
        with workspace(args, readonly=True) as ws:
            version = version or checklist_store.latest_version(ws, set_id)
            checklist = checklist_store.load(ws, set_id, version or "")
    print(render_blank_checklist(checklist, args.out))
    _font_warning()
    return 0


def report_actions(args) -> int:
    from exports.actions_notice import render_actions_list, render_actions_notice
    from exports.collect import actions_notice_data

    _suffix(args.out, (".pdf",))
    with workspace(args, readonly=True) as ws:
        data = actions_notice_data(ws, args.assessment, args.issuer)
        checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, args.assessment))
    render = render_actions_list if args.list else render_actions_notice
    print(render(data, args.out, checklist=checklist))
    _font_warning()
    return 0


def register(subparsers, groups) -> None:
    report = group(subparsers, groups, "report", "打印文书（PDF / Excel）")
    p = report.add_parser("gap", help="差距分析报告")
    p.add_argument("assessment")
    p.add_argument("--out", required=True)
    p.add_argument("--no-photos", dest="photos", action="store_false", help="不附佐证照片（报告更短、文件更小）")
    p.set_defaults(func=report_gap)
    p = report.add_parser("summary", help="县级汇总（.pdf 或 .xlsx）")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--county", help="只汇总该县（市、区）的单位（名称或编号；默认：全部单位，分属多个县时列出所属县）")
    p.add_argument("--out", required=True)
    p.set_defaults(func=report_summary)
    p = report.add_parser("city", help="军分区汇总：各县达标率、排名、复核偏差、同比、回头看（.pdf 或 .xlsx）")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--out", required=True)
    p.set_defaults(func=report_city)
    p = report.add_parser("blank", help="空白检查表（现场纸质使用）")
    p.add_argument("checklist", help="标准文件，或工作区中的 ID[@VERSION]")
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--out", required=True)
    p.set_defaults(func=report_blank)
    p = report.add_parser("actions", help="整改通知书（--list：整改清单）")
    p.add_argument("assessment")
    p.add_argument("--list", action="store_true", help="只打印整改清单")
    p.add_argument("--issuer", help="发文单位")
    p.add_argument("--out", required=True)
    p.set_defaults(func=report_actions)
