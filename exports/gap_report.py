"""差距分析报告: what stands between one unit and 达标 / 达优, printed for signing.

Figures: every figure of a row comes from one role. The category table shows the self
figures and the review figures side by side, each with its own 满分: an item one side
marks 不涉及 drops out of that side's 满分 only (the report's note says so). The level is
judged on the review once there is one (GapReportData.final_result).

Gates (exports/gates.py): an item that must be met for a level (gate) is labelled by
that level: on the lowest level 一票否决, on a higher one “<level>必备” (达优必备, 五星必备).
A failed gate stands out where the reader looks first: 否决 / 未达到 in the tables, first
in the gap list under the level it blocks, and in the conclusion under that level only.
(/2) A score voided by a voids_score item is the first sentence of the conclusion and
the state of the lowest level; items the unit's tags leave out are not listed, a note
names them and why; a town's 民兵营连 follow in a short table of their own.
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
from .gap_list import gap_groups, gap_section
from .gates import (
    VETO_LABEL,
    gate_failed,
    gate_label,
    gate_status,
    item_mark,
    level_blockers,
    not_applicable_notes,
    tag_labels,
    veto_failed,
    voided_text,
)

__all__ = ["gap_groups", "gate_failed", "gate_label", "gate_status", "level_blockers", "render_gap_report"]

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
        ("差距清单", gap_section),
    ]
    if data.militia:
        sections.append(("所属民兵营（连）考评情况", _militia))
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
    out = []
    figures = f"基本分{display(final.base)}分，加分{display(final.bonus)}分，扣分{display(final.penalty)}分"
    if final.voided:
        # (/2) stated first, in bold, before any figure: the score is 0 whatever the items give
        veto = para(voided_text(final) + "。", st.body.but(font=st.fonts.hei, first_indent=0))
        out += [table([[veto]], [BODY_W], st, head_rows=0, extra=[("BOX", (0, 0), (-1, -1), 1.5, (0, 0, 0))]),
                Spacer(1, 6)]
        vetoes = "、".join(f"“{code} {final.checklist.item(code).title}”" for code in final.voided_by)
        text = (f"经{basis}，{VETO_LABEL}条目{vetoes}未满足，该单位总分记0分，评定等级为“{final.level_label}”"
                f"（{VETO_LABEL}）。按各条目计算的得分为{display(_unvoided(final))}分（{figures}），仅供对照。")
    else:
        text = (f"经{basis}，该单位最终得分{display(final.final)}分（{figures}），"
                f"评定等级为“{final.level_label}”。")
    if review_r:
        text += (f"自评得分{display(self_r.final)}分{_void_mark(self_r)}，"
                 f"考评得分{display(review_r.final)}分{_void_mark(review_r)}。")
    else:
        text += "尚未进行考评，本报告依据自评结果。"
    nxt = final.next_level()
    if nxt is None:
        text += "已达到最高等级。"
    elif final.voided:
        short = nxt.min_score - _unvoided(final)
        text += (f"须先满足{VETO_LABEL}条目，方可评定等级"
                 + (f"；按计算得分，距“{nxt.label}”（{display(nxt.min_score)}分）还差{display(short)}分。"
                    if short > 0 else "。"))
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
    out += [para(text, st.body), Spacer(1, 4)]

    rows = [["等级", "分数线", "是否达到", "差距分数", "未满足的" + "、".join(
        dict.fromkeys(gate_label(checklist, lv.key) for lv in checklist.levels)) + "条目", "得分率不足的类别"]]
    kai = st.small.but(font=st.fonts.kai)
    lower = None
    for lv in final.levels:
        items, cats = level_blockers(final, lv.key)
        gate_cell = []
        if lower is not None and not lower.reached:
            gate_cell.append(para(f"须先达到“{lower.label}”", kai))
        gate_cell += [para(f"{i.code} {i.title}" + ("（总分记0分）" if i.code in final.voided_by else ""),
                           st.small) for i in items]
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
    out.append(["最终得分（百分制）", total, display(self_r.final) + _void_mark(self_r), "", total if review_r else "",
                display(review_r.final) + _void_mark(review_r) if review_r else "", ""])
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
    note += "".join(not_applicable_note(data.final_result))
    out = [t, para(note, st.small.but(font=st.fonts.kai, space_before=3, leading=16)), Spacer(1, 6)]

    code_w = code_width([i.code for i in data.checklist.items()], st.cell, 0.10 * w)  # 3.3.4.1 on one line
    shown = [cat for cat in data.checklist.categories if _shown_items(data, cat)]
    for n, cat in enumerate(shown, 1):
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


def not_applicable_note(result: ScoreResult) -> list[str]:
    """(/2) The note on the items the unit's tags leave out of the report: which and why
    ([] when none)."""
    lines = not_applicable_notes(result)
    if not lines:
        return []
    tags = tag_labels(result.checklist, result.unit_tags) if result.unit_tags else "未设"
    return [f"本单位类型标签为“{tags}”，以下{len(lines)}个条目不适用于本单位，不计入满分，未列入本报告："
            + "；".join(lines) + "。"]


def _shown_items(data: GapReportData, cat: Category) -> list[Item]:
    """A category's items the report lists: all but those the unit's tags leave out."""
    items = data.final_result.items
    return [i for i in cat.walk_items() if not items[i.code].excluded]


def _heading_text(title: str, figures: str, style) -> str:
    """Title and figures on one line when they fit, else the figures on a line of their own
    (never a stub such as “分）” left alone on the second line)."""
    whole = CJKParagraph(title + figures, style)
    whole.wrap(BODY_W, BODY_H)
    return title + figures if len(whole.lines()) <= 1 or not figures else f"{title}\n{figures}"


def _item_rows(cat: Category, data: GapReportData, rows: list, spans: list, nosplit: list, top: bool):
    """Rows for a category's items, with a spanning row before each sub-category (kept on
    the page of the row under it)."""
    if not _shown_items(data, cat):
        return
    if not top:
        spans.append(((0, len(rows)), (-1, len(rows))))
        keep_rows_together(nosplit, len(rows), len(rows) + 1)
        rows.append([f"{cat.code} {cat.title}", "", "", "", ""])
    checklist = data.checklist
    for item in cat.items:
        if data.final_result.items[item.code].excluded:  # not for this unit: named in the note
            continue
        title = item.title
        if item.gate or item.voids_score:
            title = f"★{title}{item_mark(checklist, item)}"
        points = "—" if item.points == 0 and item.role == "base" else display(item.points)
        rows.append([item.code, title, points, item_cell(data.self_result, item, checklist),
                     item_cell(data.review_result, item, checklist)])
    for sub in cat.categories:
        _item_rows(sub, data, rows, spans, nosplit, top=False)


def item_cell(result: ScoreResult | None, item: Item, checklist: Checklist) -> str:
    """One role's figure for an item as its table prints it: the score (base, bonus), the
    points taken off (penalty), 达到 / 否决 / 未达到 for a condition (no points), a failed
    gate or veto marked under its score; 不涉及 / 未评."""
    if result is None:
        return ""
    r = result.items[item.code]
    if r.status == UNANSWERED:
        return "未评"
    if r.status == NOT_APPLICABLE:
        return "不涉及"
    if item.role == "penalty":
        return display(item.points - r.score)
    failed = gate_failed(result, item) or veto_failed(result, item)
    if item.points == 0 and item.role == "base":
        return gate_status(checklist, item) if failed else ("达到" if r.status == FULL else "未达到")
    return f"{display(r.score)}\n{gate_status(checklist, item)}" if failed else display(r.score)


# --------------------------------------------------------------------------- 所属民兵营（连）

def militia_cells(row) -> list[str]:
    """[name, status, score, level] of one 民兵营连 as its table prints it: the level only
    for a result (已考评 / 已定稿); another's score is marked as the self or the review's
    figure so far; no assessment that year: 本年度未考评."""
    if not row.status:
        return [row.unit_name, "本年度未考评", "—", "—"]
    if row.final is None:
        return [row.unit_name, row.status, "—", "—"]
    if row.result:
        return [row.unit_name, row.status, display(row.final), row.level_label or "—"]
    whose = PHOTO_ROLE_LABELS.get(row.score_role, "")
    return [row.unit_name, row.status, f"{display(row.final)}（{whose}）", "—"]


def _militia(data: GapReportData, st: Styles) -> list:
    """The 民兵营连 under the unit, each with its own figure of the same year."""
    rows = [["序号", "民兵营（连）", "考评状态", "得分", "评定等级"]]
    rows += [[str(n), *militia_cells(r)] for n, r in enumerate(data.militia, 1)]
    w = BODY_W
    t = table(rows, [0.08 * w, 0.40 * w, 0.16 * w, 0.18 * w, 0.18 * w], st, dense=True,
              align=["center", "left", "center", "center", "center"])
    note = (f"注：{data.year}年度本单位所属民兵营（连）的考评情况，各按其本身的考评标准评定。"
            "评定等级只列已考评（含已定稿）的单位；其他单位的得分为当前得分，仅供参考。")
    return [t, para(note, st.small.but(font=st.fonts.kai, space_before=3, leading=16)), Spacer(1, 6)]


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


def _unvoided(result: ScoreResult):
    """The final score the items give before a veto sets it to 0 (scoring step 5 without
    the veto: max(0, base + bonus - penalty)), shown for comparison only."""
    return max(0, result.base + result.bonus - result.penalty)


def _void_mark(result: ScoreResult) -> str:
    """（一票否决） after a role's score when that role's score is voided."""
    return f"（{VETO_LABEL}）" if result.voided else ""


def _pct(ratio) -> str:
    return "—" if ratio is None else f"{display(ratio * 100, 1)}%"
