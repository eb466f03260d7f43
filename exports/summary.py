"""县级汇总: every unit of a county for one year, as a PDF to print and an Excel file to work in."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from checklists.numbers import display, round_half_up

from .data import SummaryData
from .document import (
    BODY_H,
    BODY_W,
    Styles,
    build_pdf,
    cn_number,
    heading,
    landscape_pages,
    output_failed,
    para,
    publish,
    resolve_styles,
    table,
)
from .fonts import FontSet


def summary_title(data: SummaryData) -> str:
    return data.title or f"{data.county_name}{data.year}年度\n基层武装部规范化建设考评情况汇总"


def render_summary_pdf(data: SummaryData, out_path, *, fonts: FontSet | None = None) -> Path:
    """Write the county summary PDF (overview, ranking, most lost items, ratio table)."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, summary_story(data, styles), styles, title=summary_title(data).replace("\n", ""))


def summary_story(data: SummaryData, st: Styles) -> list:
    story = [para(summary_title(data), st.title)]
    if data.issuer or data.printed_date:
        story.append(para("　".join(x for x in (data.issuer, data.printed_date) if x), st.subtitle))
    story += heading(f"{cn_number(1)}、总体情况", st.h1)
    story.append(para(_overview(data), st.body))

    story += heading(f"{cn_number(2)}、各单位得分情况", st.h1)
    titles = {r.checklist_title for r in data.rows}
    one_set = len(titles) <= 1
    if one_set and titles:
        story.append(para(f"考评标准：{next(iter(titles))}。", st.body))
    counties = data.spans_counties
    head = (["名次", "单位"] + (["所属县"] if counties else []) + ["单位类别"] + ([] if one_set else ["考评标准"])
            + ["最终得分", "等级", "状态"])
    rows = [head]
    for r in data.rows:
        rows.append([_rank(r.rank), r.unit_name] + ([r.county or "—"] if counties else []) + [r.unit_type]
                    + ([] if one_set else [r.checklist_title]) + [_score(r.final), r.level_label or "—", r.status])
    w = BODY_W
    widths = {(True, False): [0.08, 0.30, 0.25, 0.13, 0.12, 0.12],
              (False, False): [0.07, 0.22, 0.14, 0.22, 0.11, 0.10, 0.14],
              (True, True): [0.08, 0.20, 0.12, 0.25, 0.13, 0.11, 0.11],
              (False, True): [0.08, 0.15, 0.11, 0.12, 0.19, 0.11, 0.10, 0.14]}[(one_set, counties)]
    center = ["center"] * len(head)
    center[1] = "left"
    story.append(table(rows, [x * w for x in widths], st, align=center))

    story += heading(f"{cn_number(3)}、失分较多的条目", st.h1)
    if data.most_lost:
        rows = [["序号", "编号", "条目", "失分单位数", "累计失分"]]
        for n, item in enumerate(data.most_lost, 1):
            rows.append([str(n), item.code, item.title, str(item.units), display(item.total_lost)])
        story.append(table(rows, [0.09 * w, 0.12 * w, 0.47 * w, 0.16 * w, 0.16 * w], st,
                           align=["center", "center", "left", "center", "center"]))
    else:
        story.append(para("各单位均无失分条目。", st.body))

    if data.categories:
        story += landscape_pages()
        story.append(para("附表：各单位分类得分率", st.h1.but(first_indent=0, align="center")))
        story.append(Spacer(1, 4))
        story.append(_ratio_table(data, st))
    return story


def _overview(data: SummaryData) -> str:
    scored = [r for r in data.rows if r.final is not None]
    if data.spans_counties and data.counties:
        who = f"共{len(data.counties)}个县（市、区）{len(data.rows)}个单位"
    else:
        who = f"{'全县' if data.county_name else ''}共{len(data.rows)}个单位"
    text = f"{who}参加{data.year}年度考评，已评定{len(scored)}个。"
    if scored:
        counts: dict = {label: 0 for label in data.levels}
        for r in sorted(scored, key=lambda r: -r.final):
            counts[r.level_label] = counts.get(r.level_label, 0) + 1
        counts = {label: n for label, n in counts.items() if n}
        text += "其中" + "、".join(f"{label}{n}个" for label, n in counts.items()) + "。"
        best = max(scored, key=lambda r: r.final)
        worst = min(scored, key=lambda r: r.final)
        avg = sum(r.final for r in scored) / len(scored)
        text += (f"平均得分{display(avg)}分，最高{display(best.final)}分（{best.unit_name}），"
                 f"最低{display(worst.final)}分（{worst.unit_name}）。")
    pending = len(data.rows) - len(scored)
    if pending:
        text += f"尚有{pending}个单位未完成评定。"
    return text


def _ratio_table(data: SummaryData, st: Styles):
    cats = data.categories
    counties = data.spans_counties
    head = ["名次", "单位"] + (["所属县"] if counties else []) + [f"{code}\n{title}" for code, title in cats] + ["最终得分"]
    rows = [head]
    for r in data.rows:
        rows.append([_rank(r.rank), r.unit_name] + ([r.county or "—"] if counties else [])
                    + [_pct(r.category_ratios.get(code)) for code, _ in cats] + [_score(r.final)])
    total = BODY_H  # the 版心 turned on its side
    named = [12 * mm] + ([24 * mm, 16 * mm] if counties else [40 * mm])  # the county comes out of the unit's room
    col = (total - sum(named) - 16 * mm) / max(1, len(cats))
    widths = named + [col] * len(cats) + [16 * mm]
    align = ["center", "left"] + (["center"] if counties else []) + ["center"] * (len(cats) + 1)
    return table(rows, widths, st, dense=True, align=align)


def _rank(rank) -> str:
    return "—" if rank is None else str(rank)


def _score(value) -> str:
    return "—" if value is None else display(value)


def _pct(ratio) -> str:
    return "—" if ratio is None else f"{display(ratio * 100, 1)}%"


# --------------------------------------------------------------------------- Excel

def render_summary_xlsx(data: SummaryData, out_path) -> Path:
    """Write the summary as an .xlsx: plain values (no formulas), frozen header, Chinese-wide columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    counties = data.spans_counties
    head = ["名次", "单位"] + (["所属县"] if counties else []) + ["单位类别", "考评标准", "最终得分", "等级", "状态"]
    final_col, first_ratio = head.index("最终得分") + 1, len(head) + 1
    head += [f"{code} {title}得分率" for code, title in data.categories]
    ws.append(head)
    for r in data.rows:
        ws.append([r.rank, r.unit_name] + ([r.county] if counties else [])
                  + [r.unit_type, r.checklist_title, _number(r.final, 2), r.level_label, r.status]
                  + [_number(r.category_ratios.get(code), 4) for code, _ in data.categories])
    for row in ws.iter_rows(min_row=2, min_col=first_ratio):
        for c in row:
            c.number_format = "0.0%"
    for row in ws.iter_rows(min_row=2, min_col=final_col, max_col=final_col):
        row[0].number_format = "0.00"

    lost = wb.create_sheet("失分条目")
    lost.append(["序号", "编号", "条目", "失分单位数", "累计失分"])
    for n, item in enumerate(data.most_lost, 1):
        lost.append([n, item.code, item.title, item.units, _number(item.total_lost, 2)])

    for sheet in (ws, lost):
        for cell in sheet[1]:
            cell.font = Font(name="黑体", bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.font = Font(name="仿宋")
        sheet.freeze_panes = "C2"
        sheet.print_title_rows = "1:1"
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToHeight = 0
        _fit_columns(sheet)
    return _save_workbook(wb, out_path)


def _number(value, places: int):
    """An exact value as a float rounded half-up (None stays empty)."""
    return None if value is None else float(round_half_up(value, places))


def text_width(text) -> int:
    """Display width in Excel units: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in str(text))


def _fit_columns(sheet, header_cap: int = 16, cap: int = 60):
    from openpyxl.utils import get_column_letter

    for idx, column in enumerate(sheet.iter_cols(), 1):
        header, *cells = column
        widest = min(text_width(header.value or ""), header_cap)
        for c in cells:
            if c.value is None:
                continue
            shown = f"{c.value:.1%}" if c.number_format == "0.0%" and isinstance(c.value, float) else c.value
            widest = max(widest, text_width(shown))
        sheet.column_dimensions[get_column_letter(idx)].width = min(cap, widest + 2)


def _save_workbook(wb, out_path) -> Path:
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
