"""军分区汇总 as an Excel workbook: the PDF's tables as sheets of numbers (rates as
percentages, scores to two decimals) to sort and work in; openpyxl in write-only mode,
so a province's 1,500 units write in a moment.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from checklists.numbers import round_half_up
from storage.rollup import TYPE_LABELS, UNIT_TYPES

from .city_summary import REASONS, city_title, level_labels, note, overview, own_labels, rate_name
from .summary import MARGINS, save_workbook

if TYPE_CHECKING:
    from storage.rollup import CityRollup

SCORE, RATE, COUNT = "0.00", "0.0%", "0"


def _n(value, places: int = 2):
    """An exact value as a float rounded half-up; None stays empty. A Fraction or int is
    rounded on its integers, floor((2|n| 10^p + d) / 2d), the same whole number as
    round_half_up and the same float (both the nearest double to whole / 10^p), without
    Decimals."""
    if value is None:
        return None
    if isinstance(value, (Fraction, int)):
        n, d, scale = value.numerator, value.denominator, 10 ** places
        whole = (2 * abs(n) * scale + d) // (2 * d)
        return (whole if n >= 0 else -whole) / scale
    return float(round_half_up(value, places))


def _rate(value):
    return _n(value, 4)


def write_city_excel(data: CityRollup, out_path) -> Path:
    """Write the workbook: 说明, 县排名, 未达标单位, 分类型, 各县分类型, 失分条目, 复核偏差,
    复核单位, 同比, 回头看."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    styles = _Styles()
    pass_name, top_name = rate_name(data, "pass"), rate_name(data, "top")
    p, t = data["pass_label"], data["top_label"]

    about = wb.create_sheet("说明")
    about.column_dimensions["A"].width = 100
    for text, style in ((city_title(data).replace("\n", ""), styles.title), (overview(data), styles.wrap),
                        (note(data), styles.wrap)):
        about.append([styles.cell(about, text, style)])

    def figures_row(f):
        return [f["assessed"], f["passed"], _rate(f["pass_rate"]), f["top"], _rate(f["top_rate"]), _n(f["average"]),
                _n(f["stdev"]), _n(f["min"]), _n(f["max"]), f["pending"]]

    fig_cols = [("考评单位数", 10, COUNT), (f"{p}数", 8, COUNT), (pass_name, 10, RATE), (f"{t}数", 8, COUNT),
                (top_name, 10, RATE), ("平均分", 9, SCORE), ("标准差", 9, SCORE), ("最低分", 9, SCORE),
                ("最高分", 9, SCORE), ("未完成考评", 10, COUNT)]
    rows = [[c["rank"], c["county"]] + figures_row(c["figures"]) for c in data["counties"]]
    rows.append([None, "全区"] + figures_row(data["figures"]))
    _sheet(wb, styles, "县排名", f"各县（市、区）排名（{data['rank_rule']}）",
           [("名次", 6, COUNT), ("县（市、区）", 16, None)] + fig_cols, rows)

    _sheet(wb, styles, "未达标单位", "未达标单位（有一票否决或达标必备条目未达到的列该条目，否则列失分最多的条目）",
           [("序号", 6, COUNT), ("县（市、区）", 14, None), ("单位", 18, None), ("类别", 18, None),
            ("得分", 8, SCORE), ("得分来源", 8, None), ("条目编号", 10, None), ("条目", 30, None),
            ("原因", 16, None), ("该条目失分", 10, SCORE)],
           [[n, x["county"], x["unit"], TYPE_LABELS.get(x["unit_type"], x["unit_type"]), _n(x["final"]),
             {"recheck": "复核", "review": "考评"}.get(x["role"], "自评"), x["item_code"] or None,
             x["item_title"] or None, REASONS[x["reason"]], _n(x["lost"]) if x["item_code"] else None]
            for n, x in enumerate(data["failed"], 1)])

    # a type judged on other level names (stars): its own names in a last column
    names_col, names = ([("等级名称（达标／达优）", 16, None)], lambda k: ["／".join(level_labels(data, k))]) \
        if own_labels(data) else ([], lambda k: [])
    _sheet(wb, styles, "分类型", "分类型情况（全区）", [("单位类别", 20, None)] + fig_cols + names_col,
           [[TYPE_LABELS[k]] + figures_row(data["by_type"][k]) + names(k) for k in UNIT_TYPES])
    _sheet(wb, styles, "各县分类型", "各县（市、区）分类型情况",
           [("县（市、区）", 16, None), ("单位类别", 20, None)] + fig_cols + names_col,
           [[c["county"], TYPE_LABELS[k]] + figures_row(c["by_type"][k]) + names(k) for c in data["counties"]
            for k in UNIT_TYPES if c["by_type"][k]["assessed"] or c["by_type"][k]["pending"]])

    _sheet(wb, styles, "失分条目", "失分较多的条目（基层武装部）",
           [("序号", 6, COUNT), ("编号", 10, None), ("条目", 44, None), ("失分单位数", 10, COUNT), ("累计失分", 10, SCORE)],
           [[n, i["code"], i["title"], i["units"], _n(i["points"])] for n, i in enumerate(data["most_lost"], 1)])

    dev_cols = [("抽取复核数", 10, COUNT), ("已复核单位数", 12, COUNT), ("得分不同的条目数", 14, COUNT),
                ("条目分差合计", 12, SCORE), ("考评总分", 10, SCORE), ("复核总分", 10, SCORE),
                ("考评总分减复核总分", 16, SCORE), ("平均每单位偏差", 14, SCORE)]

    def dev_row(d):
        return [d["drawn"], d["rechecked"], d["items_differ"], _n(d["points_differ"]), _n(d["review_total"]),
                _n(d["recheck_total"]), _n(d["net"]), _n(d["net"] / d["rechecked"]) if d["rechecked"] else None]

    rows = [[c["county"]] + dev_row(c["deviation"]) for c in data["counties"]
            if c["deviation"]["drawn"] or c["deviation"]["rechecked"]]
    _sheet(wb, styles, "复核偏差", "县级考评与军分区复核的偏差（正数：县级考评打分偏高）",
           [("县（市、区）", 16, None)] + dev_cols, rows + [["全区"] + dev_row(data["deviation"])])
    _sheet(wb, styles, "复核单位", "已复核单位（按偏差从大到小）",
           [("县（市、区）", 14, None), ("单位", 18, None), ("考评得分", 10, SCORE), ("复核得分", 10, SCORE),
            ("考评减复核", 10, SCORE), ("得分不同的条目数", 14, COUNT), ("条目分差合计", 12, SCORE)],
           [[u["county"], u["unit"], _n(u["review"]), _n(u["recheck"]), _n(u["review"] - u["recheck"]),
             u["items_differ"], _n(u["points_differ"])] for u in data["rechecked"]])

    y = data["year"]
    rows = []
    for name, now, last in [("全区", data["figures"], data["last_year"])] + [
            (c["county"], c["figures"], c["last_year"]) for c in data["counties"]]:
        if not (now["assessed"] or last):
            continue
        both = bool(last) and bool(now["assessed"])
        rows.append([name, _rate(now["pass_rate"]), _rate(last and last["pass_rate"]),
                     _n((now["pass_rate"] - last["pass_rate"]) * 100, 1) if both else None, _n(now["average"]),
                     _n(last and last["average"]), _n(now["average"] - last["average"]) if both else None])
    _sheet(wb, styles, "同比", f"与{y - 1}年度对比",
           [("县（市、区）", 16, None), (f"{y}年{pass_name}", 12, RATE), (f"{y - 1}年{pass_name}", 12, RATE),
            ("增减（百分点）", 12, "0.0"), (f"{y}年平均分", 12, SCORE), (f"{y - 1}年平均分", 12, SCORE),
            ("增减（分）", 10, SCORE)], rows)

    rows = [[c["county"], lb["total"], lb["closed"], lb["verified"], lb["open"],
             _rate(lb["closed"] / lb["total"]) if lb["total"] else None]
            for c, lb in [(c, c["lookback"]) for c in data["counties"]] + [({"county": "全区"}, data["lookback"])]
            if lb["total"] or c["county"] == "全区"]
    _sheet(wb, styles, "回头看", f"{y - 1}年度整改落实情况（回头看）",
           [("县（市、区）", 16, None), ("上年整改事项", 12, COUNT), ("已整改（含已验收）", 16, COUNT),
            ("其中已验收", 10, COUNT), ("尚未整改", 10, COUNT), ("整改完成率", 10, RATE)], rows)
    return save_workbook(wb, out_path)


class _Styles:
    """The named styles of the sheets, made once (write-only cells take them by object).
    Each combination of font, alignment, number format and border is registered with the
    workbook once, on a template cell; later cells copy its style indices (setting a
    style object hashes it every time: most of the workbook's time at 1,500 units)."""

    def __init__(self):
        from openpyxl.styles import Alignment, Border, Font, Side

        thin = Side(style="thin")
        self.grid = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.title = (Font(name="黑体", size=12), Alignment(horizontal="left", vertical="center", wrap_text=True))
        self.head = (Font(name="黑体", size=10), Alignment(horizontal="center", vertical="center", wrap_text=True))
        self.wrap = (Font(name="仿宋", size=11), Alignment(horizontal="left", vertical="top", wrap_text=True))
        self.body = (Font(name="仿宋", size=10), Alignment(vertical="center"))
        self._made: dict = {}

    def cell(self, sheet, value, style, fmt=None, border=False):
        from openpyxl.cell import WriteOnlyCell

        c = WriteOnlyCell(sheet, value=value)
        key = (id(style), fmt, border)
        made = self._made.get(key)
        if made is None:
            c.font, c.alignment = style
            if fmt:
                c.number_format = fmt
            if border:
                c.border = self.grid
            self._made[key] = (style, c)  # the style kept alive: its id stays its own
        else:
            set_styles_as(c, made[1])
        return c


def set_styles_as(cell, template) -> None:
    """Give `cell` the font, alignment, number format and border of `template` (a cell of
    the same workbook), as setting each of them would, without hashing and looking up the
    style objects again. Relies on openpyxl internals (pinned >=3.1,<3.2 in pyproject.toml;
    tests/test_city_summary.py checks the styles cell by cell): a cell's `_style` is a
    StyleArray of indices into its workbook's style lists, and StyleArray.__copy__ copies it."""
    cell._style = template._style.__copy__()


def _sheet(wb, styles: _Styles, name: str, title: str, cols: list, rows: list) -> None:
    """One sheet: a title row, the header (repeated on printed pages), the rows."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    ws = wb.create_sheet(name)
    for k, (_, width, _) in enumerate(cols, 1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape" if len(cols) > 7 else "portrait"
    ws.page_setup.paperSize = "9"  # A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_margins = PageMargins(**MARGINS)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.append([styles.cell(ws, title, styles.title)])
    ws.append([styles.cell(ws, h, styles.head, border=True) for h, _, _ in cols])
    for row in rows:
        ws.append([styles.cell(ws, v, styles.body, fmt, border=True) for v, (_, _, fmt) in zip(row, cols)])
