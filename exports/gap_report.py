"""差距分析报告: what stands between one unit and 达标 / 达优, printed for signing.

Figures: every figure of a row comes from one role. The category table shows the self
figures and the review figures side by side, each with its own 满分: an item one side
marks 不涉及 drops out of that side's 满分 only (the report's note says so). The level is
judged on the review once there is one (GapReportData.final_result).

Gates: an item that must be met for a level (gate) is labelled by that level: on the
lowest level 一票否决, on a higher one “<level>必备” (达优必备, 五星必备). A failed gate
stands out where the reader looks first: 否决 / 未达到 in the tables, first in the gap
list under the level it blocks, and in the conclusion under that level only.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from checklists.model import Category, Checklist, Item
from checklists.numbers import display
from checklists.scoring import FULL, NOT_APPLICABLE, UNANSWERED, ScoreResult

from .cjk import CENTER, CJKParagraph
from .data import PHOTO_ROLE_LABELS, ROLE_REVIEW, ROLE_SELF, GapReportData
from .document import (
    BODY_H,
    BODY_W,
    CellRow,
    JpegPhoto,
    KeepTail,
    Styles,
    build_pdf,
    chinese_date,
    cn_number,
    code_width,
    heading,
    keep_rows_together,
    para,
    resolve_styles,
    signature_block,
    table,
    table_heading,
)
from .fonts import FontSet

PHOTO_H = 46 * mm  # the photo box: three rows of two photos with captions to a page


def render_gap_report(data: GapReportData, out_path, *, fonts: FontSet | None = None, photos: bool = True) -> Path:
    """Write the gap report PDF of one assessment to out_path; returns the path.
    photos=False leaves out the photo appendix (data collected without photos has none)."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, gap_report_story(data, styles, photos=photos), styles,
                     title=f"{data.unit_name}{data.year}年度规范化建设考评差距分析报告",
                     subject=data.checklist.title)


def gap_report_story(data: GapReportData, st: Styles, *, photos: bool = True) -> list:
    story = [para(f"{data.unit_name}\n{data.year}年度规范化建设考评差距分析报告", st.title)]
    if data.printed_date:
        story.append(para(f"（{chinese_date(data.printed_date)}）", st.subtitle))
    story.append(_cover(data, st))
    sections = [
        ("考评结论", _conclusion),
        ("分类得分情况", _categories),
        ("差距清单", _gaps),
    ]
    for n, (title, build) in enumerate(sections, 1):
        story += [*heading(f"{cn_number(n)}、{title}", st.h1), *build(data, st)]
    n_photos = sum(len(p) for p in data.photos.values()) if photos else 0
    # The last section closes with the attachment note and the signatures, which never
    # stand alone at the top of a page: the last rows of its table go over with them, and
    # its heading stays with the first rows.
    title = para(f"{cn_number(len(sections) + 1)}、整改事项", st.h1)
    closing = []
    if n_photos:
        closing.append(para(f"附件：佐证照片（{n_photos}张）", st.body.but(space_before=8)))
    closing.append(signature_block(st, ("被考评单位（盖章）", "负责人签字"),
                                   ("考评组（盖章）", "考评人签字", data.signed_by, data.signed_date)))
    open_actions = [a for a in data.actions if not a.closed]
    if open_actions:
        story.append(KeepTail(actions_table(open_actions, data.checklist, st, min_rows=1), closing, rows=1,
                              head=[title, para(f"未完成的整改事项{len(open_actions)}项：", st.body)]))
    else:
        story.append(KeepTogether([title, para("无未完成的整改事项。", st.body), *closing]))
    if n_photos:
        story += [PageBreak(), para("附件", st.plain.but(font=st.fonts.hei)), para("佐证照片", st.title)]
        story.extend(_photos(data, st))
    return story


# --------------------------------------------------------------------------- gates

def gate_label(checklist: Checklist, key: str) -> str:
    """一票否决 for a gate on the lowest level, “<level>必备” (达优必备, 五星必备) above it."""
    levels = checklist.levels
    if levels and levels[0].key == key:
        return "一票否决"
    level = checklist.level_by_key(key)
    return f"{level.label if level else key}必备"


def gate_failed(result: ScoreResult, item: Item) -> bool:
    """A gate item that blocks its level (as the scoring engine judges it: not fully met and
    not 不涉及; unanswered counts as not met)."""
    r = result.items[item.code]
    return bool(item.gate) and r.status != NOT_APPLICABLE and not r.fully_met


def gate_status(checklist: Checklist, item: Item) -> str:
    """How a failed gate reads in a score cell: 否决 on the lowest level, else 未达到."""
    return "否决" if gate_label(checklist, item.gate) == "一票否决" else "未达到"


def level_blockers(result: ScoreResult, key: str) -> tuple[list[Item], list]:
    """What blocks one level by itself, in the set's order: its own failed gates, and the
    categories under its own floor as (CategoryResult, floor). (The engine's
    LevelResult also lists what blocks the levels below.)"""
    checklist = result.checklist
    items = [item for item in checklist.items() if item.gate == key and gate_failed(result, item)]
    cats = []
    for category in checklist.categories:
        floor = category.min_ratio.get(key)
        cr = result.category_index[category.code]
        if floor is not None and cr.applicable and cr.ratio < floor:
            cats.append((cr, floor))
    return items, cats


# --------------------------------------------------------------------------- cover

def _cover(data: GapReportData, st: Styles):
    c = data.checklist
    sources = "、".join(f"{s.label} {s.id}（{s.version}）" for s in c.chain) or f"{c.id}（{c.version}）"
    rows = [
        ["被考评单位", data.unit_name, "单位类别", data.unit_type],
        ["上级单位", data.parent_name, "考评年度", f"{data.year}年"],
        ["考评标准", f"{c.title}（版本 {c.version}）", "", ""],
        ["标准构成", sources, "", ""],
        ["自评人", data.assessor, "自评日期", chinese_date(data.self_date)],
        ["考评人", data.reviewer, "考评日期", chinese_date(data.review_date)],
        ["当前状态", data.status, "发布单位", c.issuer or ""],
    ]
    label = st.cell.but(font=st.fonts.hei, align=CENTER)
    cells = [[para(v, label) if i % 2 == 0 and v else v for i, v in enumerate(r)] for r in rows]
    w = BODY_W
    t = table(cells, [0.17 * w, 0.38 * w, 0.17 * w, 0.28 * w], st, head_rows=0,
              spans=[((1, 2), (3, 2)), ((1, 3), (3, 3))])
    return KeepTogether([t, Spacer(1, 8)])


# --------------------------------------------------------------------------- 一、考评结论

def _conclusion(data: GapReportData, st: Styles) -> list:
    final, self_r, review_r = data.final_result, data.self_result, data.review_result
    checklist = data.checklist
    basis = "考评" if review_r else "自评"
    text = (f"经{basis}，该单位最终得分{display(final.final)}分（基本分{display(final.base)}分，"
            f"加分{display(final.bonus)}分，扣分{display(final.penalty)}分），评定等级为“{final.level_label}”。")
    if review_r:
        text += f"自评得分{display(self_r.final)}分，考评得分{display(review_r.final)}分。"
    else:
        text += "尚未进行考评，本报告依据自评结果。"
    nxt = final.next_level()
    if nxt is None:
        text += "已达到最高等级。"
    else:
        items, cats = level_blockers(final, nxt.key)
        needs = []
        if items:
            label = gate_label(checklist, nxt.key)
            needs.append(f"{label}条目" + "、".join(f"“{i.code} {i.title}”" for i in items) + "未满足")
        if cats:
            needs.append("、".join(f"“{cr.code} {cr.title}”" for cr, _ in cats)
                         + "得分率低于“" + nxt.label + "”要求（" + "，".join(
                             f"{_pct(cr.ratio)}，要求{_pct(floor)}" for cr, floor in cats) + "）")
        if nxt.short_by > 0:
            text += f"距“{nxt.label}”（{display(nxt.min_score)}分）还差{display(nxt.short_by)}分"
            text += ("；另有" + "，".join(needs) + "。") if needs else "。"
        elif needs:
            text += (f"得分已达到“{nxt.label}”分数线（{display(nxt.min_score)}分），但" + "，".join(needs)
                     + f"，因此未评为“{nxt.label}”。")
    if final.unanswered:
        text += f"另有{len(final.unanswered)}个条目未填写，按0分计。"
    out = [para(text, st.body), Spacer(1, 4)]

    rows = [["等级", "分数线", "是否达到", "差距分数", "未满足的" + "、".join(
        dict.fromkeys(gate_label(checklist, lv.key) for lv in checklist.levels)) + "条目", "得分率不足的类别"]]
    kai = st.small.but(font=st.fonts.kai)
    lower = None
    for lv in final.levels:
        items, cats = level_blockers(final, lv.key)
        gate_cell = []
        if lower is not None and not lower.reached:
            gate_cell.append(para(f"须先达到“{lower.label}”", kai))
        gate_cell += [para(f"{i.code} {i.title}", st.small) for i in items]
        if not gate_cell:
            gate_cell = "无"
        bars = "\n".join(f"{cr.code} {cr.title}（{_pct(cr.ratio)}，要求{_pct(floor)}）" for cr, floor in cats) or "无"
        if lv.reached:
            state = "达到"
        elif items and gate_label(checklist, lv.key) == "一票否决":
            state = "否决"
        else:
            state = "未达到"
        rows.append([lv.label, display(lv.min_score), state,
                     "—" if lv.reached or lv.short_by == 0 else display(lv.short_by), gate_cell, bars])
        lower = lv
    w = BODY_W
    out.append(table(rows, [0.07 * w, 0.09 * w, 0.11 * w, 0.11 * w, 0.31 * w, 0.31 * w], st, dense=True,
                     align=["center", "center", "center", "center", "left", "left"]))
    if data.conclusion.strip():
        out.append(para("考评组意见：", st.h2.but(space_before=6)))
        out.extend(para(p, st.body) for p in data.conclusion.strip().split("\n") if p.strip())
    return out


# --------------------------------------------------------------------------- 二、分类得分情况

def category_rows(data: GapReportData) -> list[list[str]]:
    """The figures of the category table, one row per scored category then 加分, 扣分 and
    最终得分: [name, self 满分, self 得分, self 得分率, review 满分, review 得分, review 得分率]
    (the review columns empty before the review). Each role's figures are its own."""
    self_r, review_r = data.self_result, data.review_result
    out = []
    for cat in data.checklist.categories:
        s = self_r.category_index[cat.code]
        if s.count == 0:
            continue
        r = review_r.category_index[cat.code] if review_r else None
        out.append([f"{cat.code} {cat.title}", display(s.applicable), display(s.earned), _pct(s.ratio),
                    display(r.applicable) if r else "", display(r.earned) if r else "", _pct(r.ratio) if r else ""])
    cap = data.checklist.bonus_cap
    out.append(["加分" + (f"（上限{display(cap)}分）" if cap is not None else ""), "", display(self_r.bonus), "",
                "", display(review_r.bonus) if review_r else "", ""])
    out.append(["扣分", "", display(self_r.penalty), "", "", display(review_r.penalty) if review_r else "", ""])
    total = display(data.checklist.total)
    out.append(["最终得分（百分制）", total, display(self_r.final), "", total if review_r else "",
                display(review_r.final) if review_r else "", ""])
    return out


def category_heading(data: GapReportData, n: int, cat: Category) -> tuple[str, str]:
    """The heading of a category's item table: (title, figures), the figures of each role
    with that role's own 满分."""
    self_r, review_r = data.self_result, data.review_result
    title = f"（{cn_number(n)}）{cat.title}"
    s = self_r.category_index[cat.code]
    r = review_r.category_index[cat.code] if review_r else None
    role = _category_role(cat)
    if role in ("bonus", "penalty"):
        verb = "加" if role == "bonus" else "扣"
        figures = [f"自评{verb}{display(_role_sum(self_r, cat))}分"]
        if review_r:
            figures.append(f"考评{verb}{display(_role_sum(review_r, cat))}分")
        if role == "bonus" and data.checklist.bonus_cap is not None:
            figures.append(f"加分合计上限{display(data.checklist.bonus_cap)}分")
        return title, "（" + "，".join(figures) + "）"
    if not s.count:
        return title, ""
    if r is None:
        return title, f"（满分{display(s.applicable)}分，自评{display(s.earned)}分）"
    if r.applicable == s.applicable:
        return title, f"（满分{display(s.applicable)}分，自评{display(s.earned)}分，考评{display(r.earned)}分）"
    return title, (f"（自评满分{display(s.applicable)}分、得{display(s.earned)}分；"
                   f"考评满分{display(r.applicable)}分、得{display(r.earned)}分）")


def _category_role(cat: Category) -> str:
    roles = {item.role for item in cat.walk_items()}
    return roles.pop() if len(roles) == 1 else "base"


def _role_sum(result: ScoreResult, cat: Category):
    """Points a bonus category adds, or a penalty category takes off, under one role."""
    total = 0
    for item in cat.walk_items():
        r = result.items[item.code]
        if r.status in (UNANSWERED, NOT_APPLICABLE):
            continue
        total += r.score if item.role == "bonus" else item.points - r.score
    return total


def _categories(data: GapReportData, st: Styles) -> list:
    review = data.review_result is not None
    w = BODY_W
    figures = category_rows(data)
    if review:
        rows = [["类别", "自评", "", "", "考评", "", ""], ["", "满分", "得分", "得分率", "满分", "得分", "得分率"]]
        rows += figures
        spans = [((0, 0), (0, 1)), ((1, 0), (3, 0)), ((4, 0), (6, 0))]
        widths = [0.34 * w] + [0.11 * w] * 6
        t = table(rows, widths, st, head_rows=2, spans=spans, align=["left"] + ["center"] * 6)
    else:
        rows = [["类别", "满分", "自评得分", "得分率"]] + [r[:4] for r in figures]
        t = table(rows, [0.46 * w, 0.18 * w, 0.18 * w, 0.18 * w], st, align=["left"] + ["center"] * 3)
    note = ("注：标为“不涉及”的条目不计入满分。自评、考评各按本方的认定计算满分、得分和得分率，"
            "两者的满分可能不同；评定等级以考评为准。") if review else "注：标为“不涉及”的条目不计入满分。"
    out = [t, para(note, st.small.but(font=st.fonts.kai, space_before=3, leading=16)), Spacer(1, 6)]

    code_w = code_width([i.code for i in data.checklist.items()], st.cell, 0.10 * w)  # 3.3.4.1 on one line
    for n, cat in enumerate(data.checklist.categories, 1):
        title, numbers = category_heading(data, n, cat)
        role = _category_role(cat)
        head = {"bonus": ["编号", "加分事项", "加分上限", "自评加分", "考评加分"],
                "penalty": ["编号", "扣分事项", "扣分上限", "自评扣分", "考评扣分"]}.get(
                    role, ["编号", "考评内容", "满分", "自评分", "考评分"])
        rows = [head]
        spans: list = []
        nosplit: list = []
        _item_rows(cat, data, rows, spans, nosplit, top=True)
        t = table(rows, [code_w, 0.58 * w - code_w, 0.14 * w, 0.14 * w, 0.14 * w], st,
                  align=["center", "left", "center", "center", "center"], spans=spans, extra=nosplit)
        out += [*table_heading(_heading_text(title, numbers, st.h2), st.h2, t), Spacer(1, 6)]
    return out


def _heading_text(title: str, figures: str, style) -> str:
    """Title and figures on one line when they fit, else the figures on a line of their own
    (never a stub such as “分）” left alone on the second line)."""
    whole = CJKParagraph(title + figures, style)
    whole.wrap(BODY_W, BODY_H)
    return title + figures if len(whole.lines()) <= 1 or not figures else f"{title}\n{figures}"


def _item_rows(cat: Category, data: GapReportData, rows: list, spans: list, nosplit: list, top: bool):
    """Rows for a category's items, with a spanning row before each sub-category (kept on
    the page of the row under it)."""
    if not top:
        spans.append(((0, len(rows)), (-1, len(rows))))
        keep_rows_together(nosplit, len(rows), len(rows) + 1)
        rows.append([f"{cat.code} {cat.title}", "", "", "", ""])
    checklist = data.checklist
    for item in cat.items:
        title = item.title
        if item.gate:
            title = f"★{title}（{gate_label(checklist, item.gate)}）"
        points = "—" if item.points == 0 and item.role == "base" else display(item.points)
        rows.append([item.code, title, points, item_cell(data.self_result, item, checklist),
                     item_cell(data.review_result, item, checklist)])
    for sub in cat.categories:
        _item_rows(sub, data, rows, spans, nosplit, top=False)


def item_cell(result: ScoreResult | None, item: Item, checklist: Checklist) -> str:
    """One role's figure for an item as its table prints it: the score (base, bonus), the
    points taken off (penalty), 达到 / 否决 / 未达到 for a condition (no points), a failed
    gate marked under its score; 不涉及 / 未评."""
    if result is None:
        return ""
    r = result.items[item.code]
    if r.status == UNANSWERED:
        return "未评"
    if r.status == NOT_APPLICABLE:
        return "不涉及"
    if item.role == "penalty":
        return display(item.points - r.score)
    failed = gate_failed(result, item)
    if item.points == 0 and item.role == "base":
        return gate_status(checklist, item) if failed else ("达到" if r.status == FULL else "未达到")
    return f"{display(r.score)}\n{gate_status(checklist, item)}" if failed else display(r.score)


# --------------------------------------------------------------------------- 三、差距清单

def gap_groups(data: GapReportData) -> list[tuple[str, list]]:
    """The gap list in print order: for each level, lowest first, its failed gates (in the
    set's order) under a heading naming the level they block; then every other gap item,
    largest loss first. [(group heading or "", [GapItem])]."""
    final, checklist = data.final_result, data.checklist
    index = checklist.item_index()
    gated: set = set()
    groups = []
    for level in checklist.levels:
        items = [g for g in final.gap if g.code in index and index[g.code].gate == level.key
                 and gate_failed(final, index[g.code])]
        order = {code: k for k, code in enumerate(index)}
        items.sort(key=lambda g: order[g.code])
        if items:
            label = gate_label(checklist, level.key)
            groups.append((f"{label}：未满足的不能评为“{level.label}”", items))
            gated.update(g.code for g in items)
    rest = [g for g in final.gap if g.code not in gated]
    if rest:
        groups.append(("其他失分条目：按失分多少排列" if groups else "", rest))
    return groups


def _gaps(data: GapReportData, st: Styles) -> list:
    final, checklist = data.final_result, data.checklist
    if not final.gap:
        return [para("所有条目均已得满分，无差距。", st.body)]
    index = checklist.item_index()
    groups = gap_groups(data)
    unanswered = sum(1 for g in final.gap if g.unanswered)
    intro = f"共{len(final.gap)}项"
    gates = [(head.split("：")[0], len(items)) for head, items in groups if head and not head.startswith("其他")]
    if gates:
        intro += "，其中" + "、".join(f"{label}{n}项" for label, n in gates) + "列在最前（不论失分多少，未满足即不能评为相应等级），其余按失分多少排列"
    else:
        intro += "，按失分多少排列"
    intro += f"（其中未填写{unanswered}项）" if unanswered else ""
    intro += "。基本项失分已折算为百分制。"
    rows = [["序号", "条目", "得分", "失分", "达标要求、达优要求与缺少的佐证"]]
    spans: list = []
    extra: list = []
    n = 0
    for head, items in groups:
        if head:
            spans.append(((0, len(rows)), (-1, len(rows))))
            keep_rows_together(extra, len(rows), len(rows) + 1)
            rows.append([para(head, st.small.but(font=st.fonts.hei)), "", "", "", ""])
        for g in items:
            n += 1
            item = index.get(g.code)
            detail = [para(f"达标要求：{g.requirement}", st.small)]
            if g.excellent:
                detail.append(para(f"达优要求：{g.excellent}", st.small))
            missing = []
            if g.missing_photos:
                missing.append(f"照片{g.missing_photos}张")
            missing.extend(g.missing_documents)
            if missing:
                detail.append(para("缺少佐证：" + "、".join(missing), st.small.but(font=st.fonts.kai)))
            title, score, lost = f"{g.code} {g.title}", f"{display(g.score)}/{display(g.points)}", display(g.lost)
            if g.role == "penalty":
                title += "（扣分项）"
                score = f"扣{display(g.points - g.score)}分"
            elif item is not None and item.gate and gate_failed(final, item):
                title = f"★{title}（{gate_label(checklist, item.gate)}）"
                if g.points == 0:
                    score, lost = gate_status(checklist, item), "—"
            if g.unanswered:
                score = "未评"
            rows.append([str(n), title, score, lost, detail])
    w = BODY_W
    return [para(intro, st.body),
            table(rows, [0.08 * w, 0.25 * w, 0.11 * w, 0.09 * w, 0.47 * w], st, dense=True,
                  align=["center", "left", "center", "center", "left"], spans=spans, extra=extra)]


# --------------------------------------------------------------------------- 附件：佐证照片

def _photos(data: GapReportData, st: Styles) -> list:
    """All photos in checklist item order, two to a row, numbered, each labelled with its
    item, caption, role and capture time."""
    index = data.checklist.item_index()
    order = {code: i for i, code in enumerate(index)}
    every = [(code, p) for code in sorted(data.photos, key=lambda c: (order.get(c, len(order)), c))
             for p in data.photos[code]]
    n_self = sum(1 for _, p in every if p.role == ROLE_SELF)
    n_review = sum(1 for _, p in every if p.role == ROLE_REVIEW)
    out = [para(f"共{len(every)}张（自评{n_self}张，考评{n_review}张），按条目顺序排列。", st.body)]
    col = BODY_W / 2
    cells = [_photo_cell(n, code, index[code].title if code in index else "", p, col, st)
             for n, (code, p) in enumerate(every, 1)]
    # Two photos to a row; each row flows to the next page on its own, as a table's rows do.
    out.extend(CellRow(cells[i:i + 2], [col, col], left=4, right=4, top=5, bottom=5)
               for i in range(0, len(cells), 2))
    return out


def photo_caption(n: int, photo) -> str:
    """照片N and the photo's caption; never its file name (a camera's DSCN0010.jpg says nothing)."""
    caption = " ".join(photo.caption.split())
    return f"照片{n}　{caption}" if caption else f"照片{n}"


def _photo_cell(n: int, code: str, title: str, photo, col: float, st: Styles) -> list:
    role = PHOTO_ROLE_LABELS.get(photo.role, "")
    when = f"拍摄于{photo.taken_at}" if photo.taken_at else "拍摄时间不详"
    lines = [para(f"{code} {title}", st.caption.but(font=st.fonts.hei)),
             para(photo_caption(n, photo), st.caption),
             para(f"{role}照片，{when}", st.caption.but(font=st.fonts.fang, size=9, leading=12))]
    return [JpegPhoto(photo.path, col - 12, PHOTO_H, st, name=photo.name, problem=photo.problem),
            Spacer(1, 3), *lines]


# --------------------------------------------------------------------------- 四、整改事项

def actions_table(actions, checklist, st: Styles, min_rows: int = 2):
    """The 整改清单 table (shared with the 整改通知书)."""
    index = checklist.item_index() if checklist is not None else {}
    rows = [["序号", "条目", "整改内容", "责任人", "完成时限", "状态"]]
    for n, a in enumerate(actions, 1):
        title = a.item_title or (index[a.item_code].title if a.item_code in index else "")
        rows.append([str(n), f"{a.item_code} {title}".strip(), a.description, a.owner, a.due, a.status])
    w = BODY_W
    return table(rows, [0.07 * w, 0.21 * w, 0.33 * w, 0.12 * w, 0.17 * w, 0.10 * w], st, dense=True,
                 align=["center", "left", "left", "center", "center", "center"], min_rows=min_rows)


def _pct(ratio) -> str:
    return "—" if ratio is None else f"{display(ratio * 100, 1)}%"
