"""军分区汇总: the 军分区's year over its counties (storage.rollup.city_rollup) as a PDF in
the official layout — overview, charts, the counties ranked, failed units, per unit type,
the items most lost, 复核 against the counties' review, 同比 and 回头看.

The words and table rows live here (shared with exports.city_excel, which writes the
same tables as sheets); storage.rollup gives the figures, exact.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import KeepTogether, Spacer

from checklists.numbers import display
from storage.rollup import TYPE_LABELS, UNIT_TYPES, score_histogram

from .summary import rate_name as level_rate_name

from . import charts
from .cjk import CJKParagraph
from .document import (
    BODY_W,
    CELL_PAD,
    KeepTail,
    Styles,
    build_pdf,
    chinese_date,
    cn_number,
    heading,
    para,
    resolve_styles,
    table,
    table_heading,
)

if TYPE_CHECKING:
    from storage.rollup import CityRollup

    from .fonts import FontSet

NO_PHOTOS = "部分单位的数据上报时未含照片，本汇总的得分和差距不受影响，照片以县级存档为准。"
REASONS = {"veto": "一票否决", "gate": "达标必备条目未达到", "category": "分类得分率未达要求", "lost": "失分最多", "": "—"}
ROLE_NAMES = {"self": "自评", "review": "考评", "recheck": "复核"}
RECHECK_MARK = "*"  # a score judged on the 军分区's 复核, explained under the table (RECHECK_NOTE)
RECHECK_NOTE = "注：得分后带“*”的，为军分区复核得分。"
MOST_RECHECKED = 10  # the units with the largest 复核 deviation listed in the PDF (all in Excel)


# --------------------------------------------------------------------------- words and rows (PDF and Excel)

def city_title(data: CityRollup) -> str:
    return f"{data['city'] or '军分区'}{data['year']}年度\n基层武装部规范化建设考评情况汇总"


def issuer(data: CityRollup) -> str:
    return data["city"] or "军分区"


def pct(ratio) -> str:
    return "—" if ratio is None else f"{display(ratio * 100, 1)}%"


def num(value, places: int = 2) -> str:
    return "—" if value is None else display(value, places)


def signed(value, places: int = 2) -> str:
    """A change with its sign: +2.5, -1, 0."""
    if value is None:
        return "—"
    text = display(abs(value), places)
    return ("+" if value > 0 else "-" if value < 0 else "") + text


def change(value, places: int, unit: str) -> str:
    """提高 2.5个百分点 / 下降 1分 / 持平."""
    if not value:
        return "持平"
    return ("提高" if value > 0 else "下降") + display(abs(value), places) + unit


def rate_name(data: CityRollup, which: str, kind: str | None = None) -> str:
    """The name of the city's 达标率 (which="pass") or 达优率 ("top"); with `kind`, of that unit
    type's own criteria (a 民兵营连 on stars: 三星及以上比例)."""
    labels = level_labels(data, kind)
    return level_rate_name(labels[0] if which == "pass" else labels[1], top=which == "top")


def level_labels(data: CityRollup, kind: str | None = None) -> tuple[str, str]:
    """(lowest, top level label) of the city's figures, or of one unit type's criteria."""
    city = (data["pass_label"], data["top_label"])
    return tuple(data.get("type_labels", {}).get(kind) or city) if kind else city


def own_labels(data: CityRollup) -> bool:
    """Whether some present unit type is judged on other level names than the city's."""
    return any(level_labels(data, k) != level_labels(data) for k in types_present(data))


def overview(data: CityRollup) -> str:
    f = data["figures"]
    counties = [c for c in data["counties"] if c["figures"]["assessed"] or c["figures"]["pending"]]
    t = {k: data["by_type"][k] for k in UNIT_TYPES}
    kinds = "、".join(f"{TYPE_LABELS[k]}{t[k]['assessed'] + t[k]['pending']}个" for k in ("town", "enterprise")
                      if t[k]["assessed"] + t[k]["pending"])
    text = (f"{data['year']}年度，全区{len(counties)}个县（市、区）共{f['assessed'] + f['pending']}个基层武装部"
            + (f"（{kinds}）" if kinds else "") + f"参加考评，已完成考评{f['assessed']}个")
    text += f"，未完成考评{f['pending']}个。" if f["pending"] else "。"
    if f["assessed"]:
        text += (f"已完成考评的单位中，{data['pass_label']}及以上{f['passed']}个，{rate_name(data, 'pass')}{pct(f['pass_rate'])}；"
                 f"{data['top_label']}{f['top']}个，{rate_name(data, 'top')}{pct(f['top_rate'])}；平均得分{num(f['average'])}分，"
                 f"标准差{num(f['stdev'])}，最高{num(f['max'])}分，最低{num(f['min'])}分；"
                 f"未达标{sum(1 for x in data['failed'] if x['unit_type'] != 'militia')}个。")
    m = t["militia"]
    if m["assessed"]:
        text += f"另考评民兵营（连）{m['assessed']}个，{rate_name(data, 'pass', 'militia')}{pct(m['pass_rate'])}。"
    d = data["deviation"]
    if d["drawn"] or d["rechecked"]:
        text += f"军分区抽取{d['drawn']}个单位复核，已复核{d['rechecked']}个，其结果以复核为准。"
    last = data["last_year"]
    if last and f["assessed"]:
        text += (f"与{data['year'] - 1}年度相比，{rate_name(data, 'pass')}"
                 f"{change((f['pass_rate'] - last['pass_rate']) * 100, 1, '个百分点')}，"
                 f"平均得分{change(f['average'] - last['average'], 2, '分')}。")
    return text


def note(data: CityRollup) -> str:
    return ("说明：只统计县级考评已完成（已考评、已定稿）的单位，每个单位的各项数字都取自同一评分：经军分区复核的取复核结果，"
            f"其余取县级考评结果。{data['pass_label']}指达到标准的最低等级，{data['top_label']}指达到最高等级。"
            f"{data['rank_rule']}。" + (NO_PHOTOS if data["photos_absent"] else ""))


def ranking_rows(data: CityRollup) -> list:
    head = ["名次", "县（市、区）", "考评\n单位数", f"{data['pass_label']}\n数", rate_name(data, "pass"),
            f"{data['top_label']}\n数", rate_name(data, "top"), "平均分", "标准差", "最低分", "最高分"]
    rows = [head]
    for c in data["counties"]:
        f = c["figures"]
        rows.append(["—" if c["rank"] is None else str(c["rank"]), c["county"], str(f["assessed"]), str(f["passed"]),
                     pct(f["pass_rate"]), str(f["top"]), pct(f["top_rate"]), num(f["average"]), num(f["stdev"]),
                     num(f["min"]), num(f["max"])])
    f = data["figures"]
    rows.append(["", "全区", str(f["assessed"]), str(f["passed"]), pct(f["pass_rate"]), str(f["top"]),
                 pct(f["top_rate"]), num(f["average"]), num(f["stdev"]), num(f["min"]), num(f["max"])])
    return rows


def failed_rows(data: CityRollup) -> list:
    rows = [["序号", "县（市、区）", "单位", "类别", "得分", "未达标原因"]]
    for n, x in enumerate(data["failed"], 1):
        why = REASONS[x["reason"]]
        if x["item_code"]:
            why = f"{x['item_code']} {x['item_title']}（{why}，失{num(x['lost'])}分）"
        rows.append([str(n), x["county"], x["unit"], TYPE_LABELS.get(x["unit_type"], x["unit_type"]),
                     num(x["final"]) + (RECHECK_MARK if x["role"] == "recheck" else ""), why])
    return rows


def type_rows(data: CityRollup) -> list:
    """Per unit type; when a type is judged on other level names than the city's (stars), a
    last column names them: its 达标数 counts its lowest level and above, its 达优数 its top."""
    extra = own_labels(data)
    rows = [["单位类别", "考评单位数", f"{data['pass_label']}数", rate_name(data, "pass"), f"{data['top_label']}数",
             rate_name(data, "top"), "平均分", "未完成考评"] + (["等级名称"] if extra else [])]
    for k in UNIT_TYPES:
        f = data["by_type"][k]
        if f["assessed"] or f["pending"]:
            rows.append([TYPE_LABELS[k], str(f["assessed"]), str(f["passed"]), pct(f["pass_rate"]), str(f["top"]),
                         pct(f["top_rate"]), num(f["average"]), str(f["pending"])]
                        + (["／".join(level_labels(data, k))] if extra else []))
    return rows


def types_present(data: CityRollup) -> list:
    return [k for k in UNIT_TYPES if data["by_type"][k]["assessed"] or data["by_type"][k]["pending"]]


def county_type_rows(data: CityRollup) -> list:
    kinds = types_present(data)
    rows = [["县（市、区）"] + [f"{TYPE_LABELS[k]}\n考评数／{rate_name(data, 'pass', k)}" for k in kinds]]
    for c in data["counties"]:
        cells = []
        for k in kinds:
            f = c["by_type"][k]
            cells.append(f"{f['assessed']}／{pct(f['pass_rate'])}" if f["assessed"] else "—")
        rows.append([c["county"]] + cells)
    return rows


def lost_rows(data: CityRollup) -> list:
    rows = [["序号", "编号", "条目", "失分单位数", "累计失分"]]
    for n, item in enumerate(data["most_lost"], 1):
        rows.append([str(n), item["code"], item["title"], str(item["units"]), num(item["points"])])
    return rows


def deviation_rows(data: CityRollup) -> list:
    rows = [["县（市、区）", "抽取\n复核数", "已复核\n单位数", "得分不同\n的条目数", "条目分差\n合计", "考评总分\n减复核总分",
             "平均每单位\n偏差"]]
    for c in data["counties"] + [{"county": "全区", "deviation": data["deviation"]}]:
        d = c["deviation"]
        if not (d["drawn"] or d["rechecked"]) and c["county"] != "全区":
            continue
        rows.append([c["county"], str(d["drawn"]), str(d["rechecked"]), str(d["items_differ"]), num(d["points_differ"]),
                     signed(d["net"]), signed(d["net"] / d["rechecked"]) if d["rechecked"] else "—"])
    return rows


def rechecked_rows(data: CityRollup, limit: int | None = None) -> list:
    rows = [["县（市、区）", "单位", "考评得分", "复核得分", "考评减复核", "得分不同\n的条目数", "条目分差\n合计"]]
    for u in data["rechecked"][:limit]:
        rows.append([u["county"], u["unit"], num(u["review"]), num(u["recheck"]), signed(u["review"] - u["recheck"]),
                     str(u["items_differ"]), num(u["points_differ"])])
    return rows


def yoy_rows(data: CityRollup) -> list:
    year, name = data["year"], rate_name(data, "pass")
    rows = [["县（市、区）", f"{year}年\n{name}", f"{year - 1}年\n{name}", "增减\n（百分点）", f"{year}年\n平均分",
             f"{year - 1}年\n平均分", "增减\n（分）"]]
    pairs = [("全区", data["figures"], data["last_year"])] + [(c["county"], c["figures"], c["last_year"])
                                                              for c in data["counties"]]
    for name, now, last in pairs:
        if not last or not now["assessed"]:
            if last or now["assessed"]:
                rows.append([name, pct(now["pass_rate"]), pct(last and last["pass_rate"]), "—", num(now["average"]),
                             num(last and last["average"]), "—"])
            continue
        rows.append([name, pct(now["pass_rate"]), pct(last["pass_rate"]),
                     signed((now["pass_rate"] - last["pass_rate"]) * 100, 1), num(now["average"]),
                     num(last["average"]), signed(now["average"] - last["average"])])
    return rows


def lookback_rows(data: CityRollup) -> list:
    rows = [["县（市、区）", "上年整改\n事项", "已整改\n（含已验收）", "其中\n已验收", "尚未整改", "整改完成率"]]
    for c in data["counties"] + [{"county": "全区", "lookback": data["lookback"]}]:
        lb = c["lookback"]
        if lb["total"] or c["county"] == "全区":
            rows.append([c["county"], str(lb["total"]), str(lb["closed"]), str(lb["verified"]), str(lb["open"]),
                         pct(lb["closed"] / lb["total"]) if lb["total"] else "—"])
    return rows


# --------------------------------------------------------------------------- the PDF

def render_city_summary(data: CityRollup, out_path, fonts: FontSet | None = None) -> Path:
    """Write the 军分区 summary PDF."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, city_story(data, styles), styles, title=city_title(data).replace("\n", ""))


def _t(rows, weights, st: Styles, align, dense=True):
    """A dense table of the body's width, shared by `weights`, each column at least as wide
    as its header's longest line and its short cells (numbers, rates: up to 8 characters)
    on one line, so 名次 or 县（市、区） never break."""
    return table(rows, column_widths(rows, weights, st), st, dense=dense, align=align)


def column_widths(rows, weights, st: Styles) -> list[float]:
    """Widths by `weights`, raised to each column's least (header lines, short cells) and the
    raise taken from the columns with room, in proportion to their room."""
    pad = CELL_PAD[0] + CELL_PAD[1] + 1
    least = []
    for c in range(len(weights)):
        texts = [line for line in str(rows[0][c]).split("\n")]
        fonts = [st.small_head] * len(texts)
        short = [str(r[c]) for r in rows[1:] if len(str(r[c])) <= 8]
        texts += short
        fonts += [st.small] * len(short)
        least.append(max(pdfmetrics.stringWidth(t, f.font, f.size) for t, f in zip(texts, fonts)) + pad)
    total = sum(weights)
    widths = [w / total * BODY_W for w in weights]
    if sum(least) > BODY_W:
        return widths
    short = sum(max(0.0, m - w) for w, m in zip(widths, least))
    room = sum(max(0.0, w - m) for w, m in zip(widths, least))
    return [m if w <= m else w - (w - m) / room * short for w, m in zip(widths, least)]


def city_story(data: CityRollup, st: Styles) -> list:
    printed = data.get("printed_date") or chinese_date(date.today())
    story = [para(city_title(data), st.title), para("　".join((issuer(data), printed)), st.subtitle)]
    n = iter(range(1, 20))
    story += heading(f"{cn_number(next(n))}、总体情况", st.h1)
    story.append(para(overview(data), st.body))
    story.append(para(note(data), st.body))
    story += _charts(data, st)

    def h1(title):
        return CJKParagraph(f"{cn_number(next(n))}、{title}", st.h1.but(keep_with_next=False))

    def section(title, t, *intro) -> None:
        """A heading (and its intro) kept with the table's first rows: never alone at a page's foot."""
        story.append(KeepTail(t, [], rows=2, head=[h1(title), *intro]))

    section("各县（市、区）排名", _t(ranking_rows(data), [6, 16, 8, 7, 10, 7, 10, 9, 8, 9, 9], st,
                                    ["center", "left"] + ["center"] * 9))

    if data["failed"]:
        section("未达标单位", _t(failed_rows(data), [6, 14, 18, 14, 10, 38], st,
                                ["center", "left", "left", "center", "center", "left"]),
                para("未达标原因：有一票否决或达标必备条目未达到的，列该条目；否则列失分最多的条目。", st.body))
        if any(x["role"] == "recheck" for x in data["failed"]):
            story.append(para(RECHECK_NOTE, st.small))
    else:
        story += heading(f"{cn_number(next(n))}、未达标单位", st.h1)
        story.append(para("已完成考评的单位均已达标。" if data["figures"]["assessed"] else "尚无已完成考评的单位。",
                          st.body))

    if len(type_rows(data)) > 1:
        rows = type_rows(data)
        section("分类型情况", _t(rows, [22, 11, 9, 12, 9, 12, 10, 11, 14][:len(rows[0])], st,
                                ["left"] + ["center"] * 8))
        if len(types_present(data)) > 1:
            story.append(Spacer(1, 6))
            kinds = len(types_present(data))
            story += table_heading("各县（市、区）分类型情况", st.h2,
                                   _t(county_type_rows(data), [20] + [26] * kinds, st, ["left"] + ["center"] * kinds))
    else:
        story += heading(f"{cn_number(next(n))}、分类型情况", st.h1)
        story.append(para("尚无考评记录。", st.body))

    if data["most_lost"]:
        section("失分较多的条目", _t(lost_rows(data), [8, 12, 50, 14, 14], st,
                                    ["center", "center", "left", "center", "center"]))
    else:
        story += heading(f"{cn_number(next(n))}、失分较多的条目", st.h1)
        story.append(para("已完成考评的单位均无失分条目。" if data["figures"]["assessed"] else "暂不统计。", st.body))

    d = data["deviation"]
    if d["rechecked"] or d["drawn"]:
        section("复核情况", _t(deviation_rows(data), [20, 11, 11, 13, 13, 14, 14], st, ["left"] + ["center"] * 6),
                para("对抽中复核的单位，比较县级考评与军分区复核的逐条得分：得分不同的条目数、各条目得分之差的绝对值合计，"
                     "以及考评总分与复核总分之差（正数表示县级考评打分偏高）。", st.body))
        if data["rechecked"]:
            shown = min(MOST_RECHECKED, len(data["rechecked"]))
            story.append(Spacer(1, 6))
            story += table_heading(f"偏差最大的{shown}个单位" if len(data["rechecked"]) > shown else "已复核单位",
                                   st.h2, _t(rechecked_rows(data, MOST_RECHECKED), [16, 22, 11, 11, 12, 12, 12], st,
                                             ["left", "left"] + ["center"] * 5))
    else:
        story += heading(f"{cn_number(next(n))}、复核情况", st.h1)
        story.append(para("本年度尚未抽取复核单位。", st.body))

    if data["last_year"]:
        section("与上年度对比（同比）", _t(yoy_rows(data), [20, 13, 13, 12, 13, 13, 11], st, ["left"] + ["center"] * 6))
    else:
        story += heading(f"{cn_number(next(n))}、与上年度对比（同比）", st.h1)
        story.append(para(f"工作区中没有{data['year'] - 1}年度的考评结果，暂不对比。", st.body))

    if data["lookback"]["total"]:
        section("上年度整改落实情况（回头看）",
                _t(lookback_rows(data), [22, 13, 15, 12, 13, 14], st, ["left"] + ["center"] * 5))
    else:
        story += heading(f"{cn_number(next(n))}、上年度整改落实情况（回头看）", st.h1)
        story.append(para(f"{data['year'] - 1}年度没有登记整改事项。", st.body))
    return _signed(story, [Spacer(1, 24), para(issuer(data), st.plain.but(align="right")),
                           para(printed, st.plain.but(align="right"))])


def _signed(story: list, signature: list) -> list:
    """The closing signature kept with the last section's tail: the last table's last rows
    (KeepTail), else the last paragraph (KeepTogether); never alone on a page."""
    last = story[-1]
    if isinstance(last, KeepTail) and not last.tail:
        last.tail = signature
        return story
    return story[:-1] + [KeepTogether([last, *signature])]


def _charts(data: CityRollup, st: Styles) -> list:
    """The 达标率 of each county in bars (in rank order, the city's rate as a line) and the
    histogram of the counted scores (the 达标 line marked)."""
    out = []
    ranked = [(c["county"], c["figures"]["pass_rate"]) for c in data["counties"] if c["figures"]["assessed"]]
    if ranked:
        out.append(para(f"图1　各县（市、区）{rate_name(data, 'pass')}", st.h2.but(align="center")))
        dense = len(ranked) > 40  # a province's counties: thinner bars, two or three charts
        out += charts.rate_bars(ranked, st.fonts.hei, BODY_W, mark=data["figures"]["pass_rate"], mark_label="全区",
                                per_chart=48 if dense else 36, bar_h=(3.6 if dense else 4.6) * mm,
                                size=8 if dense else 9)
    if data["scores"]:
        low = min(60, int(min(data["scores"]) // 5 * 5))
        bins = score_histogram(data["scores"], 5, low=low, high=max(100, int(-(-max(data["scores"]) // 5) * 5)))
        out.append(Spacer(1, 6))
        out.append(para("图2　得分分布（基层武装部，每5分一档）", st.h2.but(align="center")))
        out.append(charts.histogram(bins, st.fonts.hei, BODY_W, mark=data["pass_score"],
                                    mark_label=f"{data['pass_label']}线"))
    return out
