"""差距分析报告: what stands between one unit and 达标 / 达优, printed for signing."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer

from checklists.model import Category
from checklists.numbers import display
from checklists.scoring import NOT_APPLICABLE, UNANSWERED, ScoreResult

from .cjk import CENTER
from .data import PHOTO_ROLE_LABELS, ROLE_REVIEW, ROLE_SELF, GapReportData
from .document import (
    BODY_W,
    CellRow,
    JpegPhoto,
    Styles,
    build_pdf,
    cn_number,
    heading,
    para,
    resolve_styles,
    signature_block,
    table,
)
from .fonts import FontSet


def render_gap_report(data: GapReportData, out_path, *, fonts: FontSet | None = None) -> Path:
    """Write the gap report PDF of one assessment to out_path; returns the path."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, gap_report_story(data, styles), styles,
                     title=f"{data.unit_name}{data.year}年度规范化建设考评差距分析报告",
                     subject=data.checklist.title)


def gap_report_story(data: GapReportData, st: Styles) -> list:
    story = [para(f"{data.unit_name}\n{data.year}年度规范化建设考评差距分析报告", st.title)]
    if data.printed_date:
        story.append(para(f"（{data.printed_date}）", st.subtitle))
    story.append(_cover(data, st))
    sections = [
        ("考评结论", _conclusion),
        ("分类得分情况", _categories),
        ("差距清单", _gaps),
        ("整改事项", _actions),
    ]
    for n, (title, build) in enumerate(sections[:-1], 1):
        story += [*heading(f"{cn_number(n)}、{title}", st.h1), *build(data, st)]
    # The last section, the attachment note and the signatures move to a new page together
    # rather than leave the signatures alone at the top of one.
    title, build = sections[-1]
    ending = [para(f"{cn_number(len(sections))}、{title}", st.h1), *build(data, st)]
    n_photos = sum(len(p) for p in data.photos.values())
    if n_photos:
        ending.append(para(f"附件：佐证照片（{n_photos}张）", st.body.but(space_before=8)))
    ending.append(signature_block(st, ("被考评单位（盖章）", "负责人签字"), ("考评组（盖章）", "考评人签字")))
    story.append(KeepTogether(ending))  # signatures never stand alone on a page
    if n_photos:
        story += [PageBreak(), para("附件", st.plain.but(font=st.fonts.hei)), para("佐证照片", st.title)]
        story.extend(_photos(data, st))
    return story


# --------------------------------------------------------------------------- cover

def _cover(data: GapReportData, st: Styles):
    c = data.checklist
    sources = "、".join(f"{s.label} {s.id}（{s.version}）" for s in c.chain) or f"{c.id}（{c.version}）"
    rows = [
        ["被考评单位", data.unit_name, "单位类别", data.unit_type],
        ["上级单位", data.parent_name, "考评年度", f"{data.year}年"],
        ["考评标准", f"{c.title}（版本 {c.version}）", "", ""],
        ["标准构成", sources, "", ""],
        ["自评人", data.assessor, "自评日期", data.self_date],
        ["考评人", data.reviewer, "考评日期", data.review_date],
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
        needs = []
        if nxt.short_by > 0:
            needs.append(f"还差{display(nxt.short_by)}分")
        if nxt.blocking_items:
            needs.append(f"{len(nxt.blocking_items)}个否决条目未满足")
        if nxt.blocking_categories:
            needs.append(f"{len(nxt.blocking_categories)}个类别得分率不足")
        text += f"距“{nxt.label}”（{display(nxt.min_score)}分）" + "，".join(needs) + "。"
    if final.unanswered:
        text += f"另有{len(final.unanswered)}个条目未填写，按0分计。"
    out = [para(text, st.body), Spacer(1, 4)]

    index = data.checklist.item_index()
    cats = {c.code: c for c in data.checklist.all_categories()}
    rows = [["等级", "分数线", "是否达到", "差距分数", "未满足的否决条目", "得分率不足的类别"]]
    for lv in final.levels:
        items = "\n".join(f"{code} {index[code].title}" for code in lv.blocking_items) or "无"
        bars = []
        for code in lv.blocking_categories:
            cr = final.category_index[code]
            bar = cats[code].min_ratio.get(lv.key)
            bars.append(f"{code} {cr.title}（{_pct(cr.ratio)}，要求{_pct(bar)}）")
        rows.append([lv.label, display(lv.min_score), "达到" if lv.reached else "未达到",
                     "—" if lv.reached or lv.short_by == 0 else display(lv.short_by), items, "\n".join(bars) or "无"])
    w = BODY_W
    out.append(table(rows, [0.09 * w, 0.09 * w, 0.11 * w, 0.11 * w, 0.30 * w, 0.30 * w], st, dense=True,
                     align=["center", "center", "center", "center", "left", "left"]))
    if data.conclusion.strip():
        out.append(para("考评组意见：", st.h2.but(space_before=6)))
        out.extend(para(p, st.body) for p in data.conclusion.strip().split("\n") if p.strip())
    return out


# --------------------------------------------------------------------------- 二、分类得分情况

def _categories(data: GapReportData, st: Styles) -> list:
    self_r, review_r = data.self_result, data.review_result
    w = BODY_W
    rows = [["类别", "满分", "自评得分", "考评得分", "得分率"]]
    for cat in data.checklist.categories:
        s = self_r.category_index[cat.code]
        if s.count == 0:
            continue
        r = review_r.category_index[cat.code] if review_r else None
        basis = r or s
        rows.append([f"{cat.code} {cat.title}", display(s.applicable), display(s.earned),
                     display(r.earned) if r else "", _pct(basis.ratio)])
    bonus_cap = data.checklist.bonus_cap
    rows.append(["加分" + (f"（上限{display(bonus_cap)}分）" if bonus_cap is not None else ""), "",
                 display(self_r.bonus), display(review_r.bonus) if review_r else "", ""])
    rows.append(["扣分", "", display(self_r.penalty), display(review_r.penalty) if review_r else "", ""])
    rows.append(["最终得分（百分制）", display(self_r.total), display(self_r.final),
                 display(review_r.final) if review_r else "", ""])
    out = [table(rows, [0.44 * w, 0.12 * w, 0.15 * w, 0.15 * w, 0.14 * w], st,
                 align=["left", "center", "center", "center", "center"]), Spacer(1, 6)]

    for n, cat in enumerate(data.checklist.categories, 1):
        s = self_r.category_index[cat.code]
        r = review_r.category_index[cat.code] if review_r else None
        head = f"（{cn_number(n)}）{cat.title}"
        if s.count:
            head += f"（满分{display(s.applicable)}分，自评{display(s.earned)}分"
            head += f"，考评{display(r.earned)}分）" if r else "）"
        rows = [["编号", "考评内容", "满分", "自评分", "考评分"]]
        spans = []
        _item_rows(cat, data, rows, spans, top=True)
        t = table(rows, [0.11 * w, 0.53 * w, 0.12 * w, 0.12 * w, 0.12 * w], st,
                  align=["center", "left", "center", "center", "center"], spans=spans)
        out += [para(head, st.h2), t, Spacer(1, 6)]
    return out


def _item_rows(cat: Category, data: GapReportData, rows: list, spans: list, top: bool):
    """Rows for a category's items, with a spanning row before each sub-category."""
    if not top:
        spans.append(((0, len(rows)), (-1, len(rows))))
        rows.append([f"{cat.code} {cat.title}", "", "", "", ""])
    for item in cat.items:
        rows.append([item.code, item.title, display(item.points),
                     _score(data.self_result, item.code), _score(data.review_result, item.code)])
    for sub in cat.categories:
        _item_rows(sub, data, rows, spans, top=False)


def _score(result: ScoreResult | None, code: str) -> str:
    if result is None:
        return ""
    r = result.items[code]
    if r.status == UNANSWERED:
        return "未评"
    if r.status == NOT_APPLICABLE:
        return "不涉及"
    return display(r.score)


# --------------------------------------------------------------------------- 三、差距清单

def _gaps(data: GapReportData, st: Styles) -> list:
    final = data.final_result
    if not final.gap:
        return [para("所有条目均已得满分，无差距。", st.body)]
    unanswered = sum(1 for g in final.gap if g.unanswered)
    intro = f"按失分多少排列，共{len(final.gap)}项"
    intro += f"（其中未填写{unanswered}项）" if unanswered else ""
    intro += "。基本项失分已折算为百分制。"
    rows = [["序号", "条目", "得分", "失分", "达标要求、达优要求与缺少的佐证"]]
    for n, g in enumerate(final.gap, 1):
        detail = [para(f"达标要求：{g.requirement}", st.small)]
        if g.excellent:
            detail.append(para(f"达优要求：{g.excellent}", st.small))
        missing = []
        if g.missing_photos:
            missing.append(f"照片{g.missing_photos}张")
        missing.extend(g.missing_documents)
        if missing:
            detail.append(para("缺少佐证：" + "、".join(missing), st.small.but(font=st.fonts.kai)))
        score = "未评" if g.unanswered else display(g.score)
        role = {"penalty": "（扣分项）"}.get(g.role, "")
        rows.append([str(n), f"{g.code} {g.title}{role}", f"{score}/{display(g.points)}", display(g.lost), detail])
    w = BODY_W
    return [para(intro, st.body),
            table(rows, [0.08 * w, 0.25 * w, 0.11 * w, 0.09 * w, 0.47 * w], st, dense=True,
                  align=["center", "left", "center", "center", "left"])]


# --------------------------------------------------------------------------- 四、佐证照片

def _photos(data: GapReportData, st: Styles) -> list:
    """All photos in checklist item order, two to a row, each labelled with its item,
    caption, role and capture time."""
    index = data.checklist.item_index()
    order = {code: i for i, code in enumerate(index)}
    every = [(code, p) for code in sorted(data.photos, key=lambda c: (order.get(c, len(order)), c))
             for p in data.photos[code]]
    n_self = sum(1 for _, p in every if p.role == ROLE_SELF)
    n_review = sum(1 for _, p in every if p.role == ROLE_REVIEW)
    out = [para(f"共{len(every)}张（自评{n_self}张，考评{n_review}张），按条目顺序排列。", st.body)]
    col = BODY_W / 2
    cells = [_photo_cell(code, index[code].title if code in index else "", p, col, st) for code, p in every]
    # Two photos to a row; each row flows to the next page on its own, as a table's rows do.
    out.extend(CellRow(cells[i:i + 2], [col, col], left=4, right=4, top=6, bottom=6)
               for i in range(0, len(cells), 2))
    return out


def _photo_cell(code: str, title: str, photo, col: float, st: Styles) -> list:
    role = PHOTO_ROLE_LABELS.get(photo.role, "")
    when = f"拍摄于{photo.taken_at}" if photo.taken_at else "拍摄时间不详"
    lines = [para(f"{code} {title}", st.caption.but(font=st.fonts.hei))]
    if photo.caption.strip():
        lines.append(para(photo.caption.strip(), st.caption))
    lines.append(para(f"{role}照片，{when}", st.caption.but(font=st.fonts.fang, size=9, leading=12)))
    return [JpegPhoto(photo.path, col - 12, 50 * mm, st), Spacer(1, 3), *lines]


# --------------------------------------------------------------------------- 五、整改事项

def _actions(data: GapReportData, st: Styles) -> list:
    open_actions = [a for a in data.actions if not a.closed]
    if not open_actions:
        return [para("无未完成的整改事项。", st.body)]
    return [para(f"未完成的整改事项{len(open_actions)}项：", st.body),
            actions_table(open_actions, data.checklist, st)]


def actions_table(actions, checklist, st: Styles):
    """The 整改清单 table (shared with the 整改通知书)."""
    index = checklist.item_index() if checklist is not None else {}
    rows = [["序号", "条目", "整改内容", "责任人", "完成时限", "状态"]]
    for n, a in enumerate(actions, 1):
        title = a.item_title or (index[a.item_code].title if a.item_code in index else "")
        rows.append([str(n), f"{a.item_code} {title}".strip(), a.description, a.owner, a.due, a.status])
    w = BODY_W
    return table(rows, [0.08 * w, 0.22 * w, 0.34 * w, 0.12 * w, 0.14 * w, 0.10 * w], st, dense=True,
                 align=["center", "left", "left", "center", "center", "center"])


def _pct(ratio) -> str:
    return "—" if ratio is None else f"{display(ratio * 100, 1)}%"

