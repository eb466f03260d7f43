"""空白检查表: the criteria printed blank, with boxes to fill in on site on paper."""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Spacer

from checklists.model import Category, Checklist, Item
from checklists.numbers import display
from checklists.wording import applies_text, document_text, element_text, linear_text, reason_text

from .document import (
    BODY_W,
    KeepTail,
    Styles,
    build_pdf,
    cn_number,
    code_width,
    keep_rows_together,
    layout_table,
    para,
    resolve_styles,
    signature_block,
    table,
    table_heading,
)
from .fonts import FontSet
from .gates import gate_label, item_mark

BOX = "□"
BLANK = "________"


def render_blank_checklist(checklist: Checklist, out_path, *, fonts: FontSet | None = None) -> Path:
    """Write the blank on-site checklist PDF for a merged checklist."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, blank_checklist_story(checklist, styles), styles,
                     title=f"{checklist.title} 现场检查表", subject=checklist.ref)


def blank_checklist_story(checklist: Checklist, st: Styles) -> list:
    story = [para("规范化建设考评现场检查表", st.title),
             para(f"依据《{checklist.title}》（版本 {checklist.version}）", st.subtitle.but(size=14, leading=24))]
    head = st.plain.but(size=14, leading=30)
    info = layout_table([[para(f"被考评单位：{BLANK}{BLANK}", head), para("检查日期：____年__月__日", head)],
                         [para(f"检　查　人：{BLANK}{BLANK}", head), para(f"陪同人员：{BLANK}", head)]],
                        [BODY_W * 0.55, BODY_W * 0.45], st)
    story += [info, Spacer(1, 4)]
    gates = sorted({gate_label(checklist, i.gate) for i in checklist.items() if i.gate},
                   key=lambda g: g != "一票否决")
    if any(i.voids_score for i in checklist.items()) and "一票否决" not in gates:
        gates.insert(0, "一票否决")
    story.append(para("填写说明：“是否”类在□内打“√”；“评级”类勾选一项；“数值”类填写实际数量；“扣分”类填写"
                      "缺项或发生次数，列有评分点的逐点填写次数和扣分；“要素”类在做到的要素前打“√”；"
                      "“打分”类直接填写得分；注明“缺扣”的资料未能提供时按所注扣分。"
                      + (f"标★的为{'、'.join(gates)}条目。" if gates else "") + "得分栏由检查组填写。",
                      st.small.but(font=st.fonts.kai, leading=16)))
    story.append(Spacer(1, 6))
    w = BODY_W
    # The code column fits the longest code on one line (3.3.4.1 must not break).
    code_w = code_width([i.code for i in checklist.items()], st.small, 0.08 * w)
    widths = [code_w, 0.47 * w - code_w, 0.07 * w, 0.28 * w, 0.08 * w, 0.10 * w]
    total = st.plain.but(size=14, leading=26)
    caps = [f"加分：{BLANK}" + (f"（上限{display(checklist.bonus_cap)}分）" if checklist.bonus_cap is not None else ""),
            f"扣分：{BLANK}" + (f"（上限{display(checklist.penalty_cap)}分）" if checklist.penalty_cap is not None
                              else "")]
    closing = [
        para(f"基本项得分：{BLANK}　" + "　".join(caps), total.but(space_before=6)),
        para(f"最终得分：{BLANK}　评定等级：{BOX}" + f"　{BOX}".join(lv.label for lv in reversed(checklist.levels))
             + f"　{BOX}未达标", total),
        signature_block(st, ("检查组（签字）", "组长签字"), ("被考评单位（盖章）", "负责人签字"), leading=30),
    ]
    categories = list(checklist.categories)
    for n, cat in enumerate(categories, 1):
        base = [i for i in cat.walk_items()]
        # a declared category points (/2) is the scale when some items are alternatives
        points = cat.points if cat.points is not None else sum((i.points for i in base), start=0)
        role = base[0].role if base and all(i.role == base[0].role for i in base) else "base"
        label = {"bonus": "，加分项", "penalty": "，扣分项"}.get(role, "")
        title = f"{cn_number(n)}、{cat.title}（{display(points)}分{label}）"
        head = {"penalty": ["编号", "扣分事项及标准", "分值", "检查记录", "扣分", "备注"]}.get(
            role, ["编号", "考评内容及要求", "分值", "检查记录", "得分", "备注"])
        rows = [head]
        spans: list = []
        extra: list = [("VALIGN", (0, 1), (-1, -1), "TOP")]
        _rows(cat, checklist, st, rows, spans, extra, top=True)
        # Rows are tall (a form to fill in): one may stand at a page's foot or head by itself.
        t = table(rows, widths, st, dense=True, align=["center", "left", "center", "left", "center", "left"],
                  spans=spans, extra=extra, min_rows=1)
        if n == len(categories):
            # The totals and signatures close the last table: never alone on the last page.
            t = KeepTail(t, closing, rows=1)
        story += [*table_heading(title, st.h1.but(first_indent=0), t, rows=1), Spacer(1, 6)]
    if not categories:
        story += closing
    return story


def _rows(cat: Category, checklist: Checklist, st: Styles, rows: list, spans: list, extra: list, top: bool):
    if not top:  # a sub-category's heading row, kept on the page of its first item
        spans.append(((0, len(rows)), (-1, len(rows))))
        keep_rows_together(extra, len(rows), len(rows) + 1)
        rows.append([para(f"{cat.code} {cat.title}", st.small.but(font=st.fonts.hei)), "", "", "", "", ""])
    for item in cat.items:
        rows.append([item.code, _content(item, checklist, st), display(item.points), _record(item, checklist, st),
                     "", ""])
    for sub in cat.categories:
        _rows(sub, checklist, st, rows, spans, extra, top=False)


def _content(item: Item, checklist: Checklist, st: Styles) -> list:
    title = f"★{item.title}{item_mark(checklist, item)}" if item.gate or item.voids_score else item.title
    out = [para(title, st.small.but(font=st.fonts.hei)), para(item.requirement, st.small)]
    if item.tagged:
        out.append(para(f"适用范围：{applies_text(item, checklist)}", st.small.but(font=st.fonts.kai)))
    if item.guidance:
        out.append(para(f"查证：{item.guidance}", st.small.but(font=st.fonts.kai)))
    ev = item.evidence
    need = []
    if ev.photos:
        need.append(f"{BOX}照片{ev.photos}张")
    need.extend(f"{BOX}{document_text(item, d)}" for d in ev.documents)
    if need:
        out.append(para("佐证：" + "　".join(need), st.small.but(font=st.fonts.kai)))
    return out


def _record(item: Item, checklist: Checklist, st: Styles) -> list:
    """The boxes and blanks for one item's answer, by kind."""
    s = st.small
    unit = item.unit or ""
    lines: list[str] = []
    if item.kind == "check":
        lines.append(f"{BOX}是　　{BOX}否")
    elif item.kind == "rubric":
        lines += [f"{BOX}{o.label}（{display(o.points)}分）" for o in item.options]
    elif item.kind == "number" and item.linear is not None:
        lines.append(f"实际：{BLANK}{unit}")
        lines.append(linear_text(item))
    elif item.kind == "number":
        lines.append(f"实际：{BLANK}{unit}")
        sign = "≤" if item.direction == "lower" else "≥"
        lines.append("；".join(f"{sign}{display(b.at)}{unit}得{display(b.points)}分" for b in item.bands))
    elif item.kind == "deduct" and item.reasons:  # (/2) each scoring point with a box for its count
        for n, r in enumerate(item.reasons, 1):
            lines += [f"{_circled(n)}{reason_text(r)}", f"　____{r.unit or '处'}，扣____分"]
        lines.append(f"各点合计，扣完{display(item.points)}分为止")
    elif item.kind == "elements":
        lines += [f"{BOX}{element_text(e)}" for e in item.elements]
        lines.append(f"做到的各项相加，最多{display(item.points)}分")
    elif item.kind == "deduct":
        lines.append(f"缺项/次数：{BLANK}")
        lines.append(f"每项扣{display(item.per)}分，扣完为止")
    elif item.kind == "score":
        lines.append(f"得分：{BLANK}")
        lines.append(f"0～{display(item.points)}分，按{display(item.step)}分计")
    if item.na_allowed:
        lines.append(f"{BOX}不涉及")
    if item.tagged:
        lines.append(f"{BOX}本单位不适用")
    if item.voids_score:
        lines.append("★未满足的，总分记0分")
    if item.gate:
        level = checklist.level_by_key(item.gate)
        lines.append(f"★未满足不能评为“{level.label if level else item.gate}”")
    return [para(line, s) for line in lines]


def _circled(n: int) -> str:
    """①..⑳ for the scoring points of an item (then plain numbers)."""
    return chr(0x2460 + n - 1) if 1 <= n <= 20 else f"{n}."
