"""县级汇总: every unit of a county for one year, as a PDF to print and an Excel file to work in.

Only results — reviewed or final assessments (exports.data.is_result) — are ranked, given a
level and counted in 达标率 / 达优率 and in the items most lost. The other units are listed
apart with their status and their current figure labelled as what it is (“自评 86.5（未考评）”),
never with a rank or a level; the note under the overview says so (data.RESULT_RULE).
"""

from __future__ import annotations

import math
import os
import tempfile
import unicodedata
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import CondPageBreak, Spacer

from checklists.numbers import display, round_half_up

from .cjk import CJKParagraph
from .data import PENDING_ORDER, RESULT_RULE, SummaryData, SummaryRow
from .document import (
    BODY_H,
    BODY_W,
    CELL_PAD,
    Styles,
    build_pdf,
    chinese_date,
    cn_number,
    heading,
    landscape_pages,
    output_failed,
    para,
    publish,
    resolve_styles,
    table,
    table_heading,
)
from .fonts import FontSet


# Under the results table when some units were re-checked by the 军分区 (复核): whose score it is.
RECHECK_NOTE = "得分后注“（复核）”的单位经军分区复核，其得分和等级以复核结果为准。"


def summary_title(data: SummaryData) -> str:
    return data.title or f"{data.county_name}{data.year}年度\n基层武装部规范化建设考评情况汇总"


def render_summary_pdf(data: SummaryData, out_path, *, fonts: FontSet | None = None) -> Path:
    """Write the county summary PDF (overview, results ranked, units not yet reviewed, most
    lost items, the category ratios of the results on landscape pages)."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, summary_story(data, styles), styles, title=summary_title(data).replace("\n", ""))


def _byline(data: SummaryData) -> str:
    """制表单位 and 成文日期 (GB/T 9704: 2026年12月1日)."""
    return "　".join(x for x in (data.issuer, chinese_date(data.printed_date)) if x)


def summary_story(data: SummaryData, st: Styles) -> list:
    story = [para(summary_title(data), st.title)]
    if data.issuer or data.printed_date:
        story.append(para(_byline(data), st.subtitle))
    story += heading(f"{cn_number(1)}、总体情况", st.h1)
    story.append(para(_overview(data), st.body))
    story.append(para(_note(data), st.body))

    story += heading(f"{cn_number(2)}、各单位得分情况", st.h1)
    shared = _shared_facts(data)
    if shared:
        story.append(para(shared, st.body))
    if any(r.result and r.score_role == "recheck" for r in data.rows):
        story.append(para(RECHECK_NOTE, st.body))
    done = [r for r in data.rows if r.result]
    if done:  # a heading goes over with its table only when its first rows would not fit under it
        story += table_heading(f"（一）已考评单位（{len(done)}个，按考评得分排名）", st.h2,
                               _results_table(data, done, st))
    else:
        story += [para("（一）已考评单位", st.h2), para("尚无已考评的单位。", st.body)]
    if data.pending:
        story.append(Spacer(1, 6))
        story += table_heading(f"（二）未完成考评的单位（{len(data.pending)}个，不排名次）", st.h2,
                               _pending_table(data, data.pending, st))

    story += heading(f"{cn_number(3)}、失分较多的条目", st.h1)
    if data.most_lost:
        story.append(para(f"按{len(data.results)}个已考评单位的考评结果统计。", st.body))
        w = BODY_W
        rows = [["序号", "编号", "条目", "失分单位数", "累计失分"]]
        for n, item in enumerate(data.most_lost, 1):
            rows.append([str(n), item.code, item.title, str(item.units), display(item.total_lost)])
        story.append(table(rows, [0.09 * w, 0.12 * w, 0.47 * w, 0.16 * w, 0.16 * w], st,
                           align=["center", "center", "left", "center", "center"]))
    elif data.results:
        story.append(para("已考评单位均无失分条目。", st.body))
    else:
        story.append(para("尚无已考评的单位，暂不统计。", st.body))

    if data.categories and data.results:
        story += landscape_pages()
        story.append(para("附表：已考评单位分类得分率", st.h1.but(first_indent=0, align="center")))
        story.append(Spacer(1, 4))
        story += ratio_tables(data, st)
    return story


# --------------------------------------------------------------------------- words

def rate_name(label: str, top: bool = False) -> str:
    """达标 -> 达标率, 达优 -> 达优率; another level (三星) -> 三星及以上比例, the top one
    (`top`: nothing above it) -> 五星比例. The one rule of both summaries."""
    if label in ("达标", "达优"):
        return f"{label}率"
    return f"{label}比例" if top else f"{label}及以上比例"


def _status_counts(data: SummaryData) -> str:
    """已考评12个（含已定稿3个），考评中2个，已提交5个，自评中9个: the result statuses
    together, then each other status, the furthest along first."""
    done = [r for r in data.rows if r.result]
    final = sum(1 for r in done if r.status_key == "final")
    parts = [f"已考评{len(done)}个" + (f"（含已定稿{final}个）" if final else "")]
    counts: dict = {}
    for r in sorted(data.pending, key=lambda r: PENDING_ORDER.get(r.status_key, 9)):
        counts[r.status or "状态不明"] = counts.get(r.status or "状态不明", 0) + 1
    parts += [f"{label}{n}个" for label, n in counts.items()]
    return "，".join(parts)



def _overview(data: SummaryData) -> str:
    if data.spans_counties and data.counties:
        who = f"共{len(data.counties)}个县（市、区）{len(data.rows)}个单位"
    else:
        who = f"{'全县' if data.county_name else ''}共{len(data.rows)}个单位"
    text = f"{who}参加{data.year}年度考评，其中{_status_counts(data)}。"
    results = data.results
    if results:
        counts: dict = {label: 0 for label in data.levels}
        for r in results:
            counts[r.level_label] = counts.get(r.level_label, 0) + 1
        text += f"已考评的{len(results)}个单位中，" + "、".join(f"{label}{n}个" for label, n in counts.items() if n)
        rates = "，".join(f"{rate_name(label)}{_pct(rate)}" for label, _, rate in reversed(data.level_rates()))
        best = max(results, key=lambda r: r.final)
        worst = min(results, key=lambda r: r.final)
        avg = sum(r.final for r in results) / len(results)
        text += ((f"，{rates}" if rates else "") + f"；平均得分{display(avg)}分，最高{display(best.final)}分"
                 f"（{best.unit_name}），最低{display(worst.final)}分（{worst.unit_name}）。")
        pending = len(data.pending)
        if pending:
            text += f"其余{pending}个单位尚未完成考评，不排名次、不评定等级，不计入达标率和达优率。"
    else:
        text += "尚无已考评的单位，暂不排名次、不评定等级，不计算达标率和达优率。"
    return text


def _note(data: SummaryData) -> str:
    """The rule of what is a result, and what the rates are."""
    defs = [f"{rate_name(label)}指达到{label}{'等级' if k == 0 else '及以上等级'}的单位数占已考评单位数的比例"
            for k, (label, _, _) in enumerate(data.level_rates())]
    return "说明：" + RESULT_RULE + ("，".join(reversed(defs)) + "。" if defs else "")


def _shared_facts(data: SummaryData) -> str:
    """What every row has in common, said once instead of on every row."""
    parts = []
    titles = {r.checklist_title for r in data.rows}
    if len(titles) == 1:
        parts.append(f"考评标准：{next(iter(titles))}")
    types = {r.unit_type for r in data.rows}
    if len(types) == 1 and next(iter(types)):
        parts.append(f"单位类别：{next(iter(types))}")
    return "；".join(parts) + "。" if parts else ""


def current_figure(r: SummaryRow) -> str:
    """The figure of a unit that is not a result, labelled as what it is: 自评 86.5（未考评）,
    考评 72.5（考评未完成）; 未填写 when nothing is answered."""
    if r.final is None:
        return "尚未填写"
    if r.score_role == "review":
        return f"考评 {display(r.final)}（考评未完成）"
    return f"自评 {display(r.final)}（未考评）"


# --------------------------------------------------------------------------- portrait tables

def _optional_columns(data: SummaryData) -> list:
    """(header, weight, align, value) of the columns shown only when rows differ in them."""
    cols = []
    if data.spans_counties:
        cols.append(("所属县", 0.14, "center", lambda r: r.county or "—"))
    if len({r.unit_type for r in data.rows}) > 1:
        cols.append(("单位类别", 0.20, "center", lambda r: r.unit_type))
    if len({r.checklist_title for r in data.rows}) > 1:
        cols.append(("考评标准", 0.24, "left", lambda r: r.checklist_title))
    return cols


def _column_table(cols, rows, st: Styles):
    total = sum(w for _, w, _, _ in cols)
    body = [[h for h, _, _, _ in cols]] + [[value(r) for _, _, _, value in cols] for r in rows]
    return table(body, [w / total * BODY_W for _, w, _, _ in cols], st, align=[a for _, _, a, _ in cols])


def _results_table(data: SummaryData, rows: list, st: Styles):
    cols = ([("名次", 0.08, "center", lambda r: _rank(r.rank)), ("单位", 0.28, "left", lambda r: r.unit_name)]
            + _optional_columns(data)
            + [("考评得分", 0.13, "center", lambda r: _score(r.final) + ("（复核）" if r.score_role == "recheck" else "")),
               ("等级", 0.11, "center", lambda r: r.level_label or "—"),
               ("状态", 0.11, "center", lambda r: r.status)])
    return _column_table(cols, rows, st)


def _pending_table(data: SummaryData, rows: list, st: Styles):
    number = {id(r): n for n, r in enumerate(rows, 1)}
    cols = ([("序号", 0.08, "center", lambda r: str(number[id(r)])), ("单位", 0.28, "left", lambda r: r.unit_name)]
            + _optional_columns(data)
            + [("状态", 0.11, "center", lambda r: r.status or "—"),
               ("当前得分（仅供参考，不作为考评结果）", 0.36, "center", current_figure)])
    return _column_table(cols, rows, st)


# --------------------------------------------------------------------------- landscape appendix

PAD = CELL_PAD[0] + CELL_PAD[1]
RATIO_MIN, RATIO_MAX = 11 * mm, 22 * mm  # a ratio column: at least the widest figure, at most this
TITLE_LINES, TITLE_CHARS = 3, 3  # a category title goes in its header in at most 3 lines of 3+ characters


def _natural(texts, style, least: float = 0.0, most: float | None = None) -> float:
    """A column width holding the widest of `texts` on one line (padding included), within bounds."""
    w = max((pdfmetrics.stringWidth(str(t), style.font, style.size) for t in texts), default=0.0) + PAD + 1
    w = max(least, w)
    return w if most is None else min(most, w)


def _title_fits(title: str, width: float, st: Styles) -> bool:
    inner = width - PAD
    if inner < TITLE_CHARS * st.small_head.size:
        return False
    p = CJKParagraph(title, st.small_head)
    p.wrap(inner, 10_000)
    return len(p.lines()) <= TITLE_LINES


def ratio_tables(data: SummaryData, st: Styles) -> list:
    """The category ratios of the results on landscape pages, legible however many categories:
    ratio columns are never narrower than their widest figure (a figure never breaks); when
    they do not all fit across the page they go over several tables, each repeating the
    rank and unit; a header holds the category's title only when it fits in a few lines,
    else just its code, and a key under the table's caption gives the titles."""
    rows = data.results
    cats = data.categories
    counties = data.spans_counties
    small, head = st.small, st.small_head
    rank_w = _natural(["名次"], head, least=10 * mm)
    unit_w = _natural([r.unit_name for r in rows], small, least=24 * mm, most=40 * mm)
    county_w = _natural([r.county or "—" for r in rows], small, least=14 * mm, most=24 * mm) if counties else 0
    score_w = _natural(["考评", *(_score(r.final) for r in rows)], small, least=14 * mm)
    figures = [_pct(r.category_ratios.get(code)) for r in rows for code, _ in cats] + [code for code, _ in cats]
    ratio_min = _natural(figures, small, least=RATIO_MIN)
    room = BODY_H - rank_w - unit_w - county_w - score_w  # the 版心 turned on its side
    per_table = max(1, int(room // ratio_min))
    parts = math.ceil(len(cats) / per_table)
    size = math.ceil(len(cats) / parts)
    groups = [cats[k:k + size] for k in range(0, len(cats), size)]
    widths = [min(RATIO_MAX, room / len(g)) for g in groups]
    titled = all(_title_fits(title, w, st) for g, w in zip(groups, widths) for _, title in g)
    out = []
    for k, (group, col) in enumerate(zip(groups, widths), 1):
        head_row = (["名次", "单位"] + (["所属县"] if counties else [])
                    + [f"{code}\n{title}" if titled else code for code, title in group] + ["考评\n得分"])
        body = [head_row]
        for r in rows:
            body.append([_rank(r.rank), r.unit_name] + ([r.county or "—"] if counties else [])
                        + [_pct(r.category_ratios.get(code)) for code, _ in group] + [_score(r.final)])
        col_widths = [rank_w, unit_w] + ([county_w] if counties else []) + [col] * len(group) + [score_w]
        align = ["center", "left"] + (["center"] if counties else []) + ["center"] * (len(group) + 1)
        t = table(body, col_widths, st, dense=True, align=align)
        above = []
        if parts > 1:
            above.append(para(f"（{cn_number(k)}）分类{group[0][0]}至{group[-1][0]}",
                              st.h2.but(keep_with_next=False)))  # CondPageBreak below keeps them
        if not titled:
            key = "；".join(f"{code} {title}" for code, title in group)
            above.append(para(f"表头为分类编号：{key}。", small.but(space_after=3)))
        if above:
            t.wrap(BODY_H, BODY_W)
            need = sum(f.wrap(BODY_H, BODY_W)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in above)
            need += sum(t._rowHeights[:3])
            out.append(CondPageBreak(need + 1))
            out += above
        out.append(t)
        if k < len(groups):
            out.append(Spacer(1, 10))
    return out


def _rank(rank) -> str:
    return "—" if rank is None else str(rank)


def _score(value) -> str:
    return "—" if value is None else display(value)


def _pct(ratio) -> str:
    return "—" if ratio is None else f"{display(ratio * 100, 1)}%"


# --------------------------------------------------------------------------- Excel

SCORE_FORMAT, RATE_FORMAT, COUNT_FORMAT = "0.0#", "0.0%", "0"
# Page set-up of the workbook's sheets: A4, 1 page wide (as many long as it takes),
# margins in inches, headers repeated on every printed page.
MARGINS = dict(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)


def _xlsx_columns(data: SummaryData) -> list:
    """(header, width, format or None, wrap, value) of the summary sheet's columns."""
    rows = data.rows
    unit_w = min(30, max([text_width(r.unit_name) for r in rows] + [8]) + 2)
    cols = [("名次", 6, COUNT_FORMAT, False, lambda r: r.rank),
            ("单位", unit_w, None, False, lambda r: r.unit_name)]
    if data.spans_counties:
        cols.append(("所属县", min(16, max([text_width(r.county) for r in rows] + [6]) + 2), None, False,
                     lambda r: r.county or None))
    if len({r.unit_type for r in rows}) > 1:
        cols.append(("单位类别", 16, None, True, lambda r: r.unit_type))
    if len({r.checklist_title for r in rows}) > 1:
        cols.append(("考评标准", 24, None, True, lambda r: r.checklist_title))
    cols += [("状态", 8, None, False, lambda r: r.status),
             ("考评得分", 9, SCORE_FORMAT, False, lambda r: _number(r.final, 2) if r.result else None),
             ("等级", 8, None, False, lambda r: (r.level_label or None) if r.result else None)]
    if any(r.result and r.score_role == "recheck" for r in rows):  # whose score: the 军分区's 复核 or the county's
        cols.insert(-1, ("得分来源", 8, None, False,
                         lambda r: ("复核" if r.score_role == "recheck" else "考评") if r.result else None))
    if data.pending:  # their figure apart, never in the result's columns
        cols += [("当前得分（未考评，仅供参考）", 12, SCORE_FORMAT, True,
                  lambda r: None if r.result else _number(r.final, 2)),
                 ("当前得分来源", 11, None, True, lambda r: None if r.result or r.final is None else
                  ("自评" if r.score_role != "review" else "考评（未完成）"))]
    ratio_w = 9 if len(data.categories) <= 12 else 7.5  # "100.0%" in either; more columns, narrower
    for code, title in data.categories:
        cols.append((f"{code}\n{title}", ratio_w, RATE_FORMAT, True,
                     lambda r, code=code: _number(r.category_ratios.get(code), 4) if r.result else None))
    return cols


def _lines(text: str, width: float) -> int:
    """Lines `text` takes in a wrapped cell `width` Excel units wide (CJK characters count 2,
    a little over: 10-11 pt Chinese faces are wider than two digits of the default font)."""
    room = max(1.0, (width - 1) * 0.9)
    return sum(max(1, math.ceil(text_width(part) / room)) for part in str(text).split("\n"))


def render_summary_xlsx(data: SummaryData, out_path) -> Path:
    """Write the summary as an .xlsx: a title block (county, year, 制表单位 and date, overall
    figures, the rule of what is a result), then one row per unit with plain values (no
    formulas) in number formats; results only ranked and with a level; set up to print on
    A4 landscape one page wide with the header rows on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    cols = _xlsx_columns(data)
    last = get_column_letter(len(cols))
    total = sum(w for _, w, _, _, _ in cols)
    for k, (_, width, _, _, _) in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(k)].width = width

    # title block
    shared = _shared_facts(data)
    block = [(summary_title(data).replace("\n", ""), Font(name="宋体", size=16, bold=True), "center", 30),
             ("　　".join(x for x in (data.issuer and f"制表单位：{data.issuer}",
                                    data.printed_date and f"制表日期：{chinese_date(data.printed_date)}") if x),
              Font(name="楷体", size=11), "center", None),
             (_overview(data), Font(name="仿宋", size=11), "left", None),
             (_note(data), Font(name="仿宋", size=11), "left", None)]
    if shared:
        block.append((shared, Font(name="仿宋", size=11), "left", None))
    row = 1
    for text, font, align, height in block:
        if not text:
            continue
        ws.merge_cells(f"A{row}:{last}{row}")
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
        cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
        ws.row_dimensions[row].height = height or 16 * _lines(text, total) + 4
        row += 1
    row += 1  # one empty row before the table

    # header: a group row over the category ratios, each other header merged down over it
    thin = Side(style="thin")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)
    group, head = row, row + 1
    first_ratio = len(cols) - len(data.categories) + 1
    for k, (title, width, _, _, _) in enumerate(cols, 1):
        if k < first_ratio:
            ws.merge_cells(start_row=group, start_column=k, end_row=head, end_column=k)
            ws.cell(row=group, column=k, value=title)
        else:
            ws.cell(row=head, column=k, value=title)
    if data.categories:
        ws.merge_cells(start_row=group, start_column=first_ratio, end_row=group, end_column=len(cols))
        ws.cell(row=group, column=first_ratio, value="各类得分率（已考评单位）")
    for r in (group, head):
        for k in range(1, len(cols) + 1):
            cell = ws.cell(row=r, column=k)
            cell.font = Font(name="黑体", size=10)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = grid
    # 13 points a header line; a merged header has the group row's 16 points too
    ws.row_dimensions[group].height = 16
    ws.row_dimensions[head].height = max([16] + [13 * _lines(t, w) + 4 - (16 if k < first_ratio else 0)
                                                 for k, (t, w, _, _, _) in enumerate(cols, 1)])

    # one row per unit
    for n, r in enumerate(data.rows, head + 1):
        for k, (_, width, fmt, wrap, value) in enumerate(cols, 1):
            cell = ws.cell(row=n, column=k, value=value(r))
            cell.font = Font(name="仿宋", size=10)
            cell.border = grid
            cell.alignment = Alignment(horizontal="left" if k == 2 or wrap and fmt is None else "center",
                                       vertical="center", wrap_text=wrap)
            if fmt:
                cell.number_format = fmt

    freeze = 3 if data.spans_counties else 2
    _print_setup(ws, f"{group}:{head}", f"{get_column_letter(freeze + 1)}{head + 1}", landscape=True)

    lost = wb.create_sheet("失分条目")
    lost_cols = [("序号", 6, COUNT_FORMAT), ("编号", 10, None), ("条目", 44, None), ("失分单位数", 10, COUNT_FORMAT),
                 ("累计失分", 10, SCORE_FORMAT)]
    for k, (_, width, _) in enumerate(lost_cols, 1):
        lost.column_dimensions[get_column_letter(k)].width = width
    lost.merge_cells(f"A1:{get_column_letter(len(lost_cols))}1")
    lost["A1"] = (f"失分较多的条目（按{len(data.results)}个已考评单位的考评结果统计）" if data.results
                  else "失分较多的条目（尚无已考评的单位，暂不统计）")
    lost["A1"].font = Font(name="黑体", size=12)
    lost["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lost.row_dimensions[1].height = 24
    for k, (title, _, _) in enumerate(lost_cols, 1):
        cell = lost.cell(row=2, column=k, value=title)
        cell.font = Font(name="黑体", size=10)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = grid
    for n, item in enumerate(data.most_lost, 1):
        values = [n, item.code, item.title, item.units, _number(item.total_lost, 2)]
        for k, ((_, _, fmt), value) in enumerate(zip(lost_cols, values), 1):
            cell = lost.cell(row=n + 2, column=k, value=value)
            cell.font = Font(name="仿宋", size=10)
            cell.border = grid
            cell.alignment = Alignment(horizontal="left" if k == 3 else "center", vertical="center", wrap_text=k == 3)
            if fmt:
                cell.number_format = fmt
    _print_setup(lost, "2:2", "A3", landscape=False)
    return save_workbook(wb, out_path)


def _print_setup(sheet, title_rows: str, freeze: str, *, landscape: bool) -> None:
    from openpyxl.worksheet.page import PageMargins

    sheet.freeze_panes = freeze
    sheet.print_title_rows = title_rows
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages long as it takes
    sheet.page_margins = PageMargins(**MARGINS)
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def _number(value, places: int):
    """An exact value as a float rounded half-up (None stays empty)."""
    return None if value is None else float(round_half_up(value, places))


def text_width(text) -> int:
    """Display width in Excel units: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def save_workbook(wb, out_path) -> Path:
    """Write an openpyxl workbook to out_path in one piece: saved in memory, written to a
    temporary file beside it and published over it; a failure names the file (output_failed)."""
    out = Path(out_path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".dabiao-", suffix=".xlsx", dir=out.parent)
    except OSError as exc:
        raise output_failed(exc, out) from None
    os.close(fd)
    try:
        import io

        buffer = io.BytesIO()
        wb.save(buffer)  # in memory: a full disk cannot leave openpyxl's zip open half-written
        with open(tmp, "wb") as f:
            f.write(buffer.getvalue())
        publish(tmp, out)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise output_failed(exc, out) from None
        raise
    return out
