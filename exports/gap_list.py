"""三、差距清单 of the gap report: every item that lost points, what it lost and why.

The order: the vetoes that void the score (一票否决，总分记零), then each level's failed
gates, lowest level first, then every other gap item, largest loss first (the engine's
order). Each row names what lost the points, as the engine computed it: (/2) the scoring
points counted (text × count, points lost), the elements not met (with their points) and
the documents that took points off (with what each took), all in the item's own points.
"""

from __future__ import annotations

from checklists.numbers import display
from checklists.scoring import GapItem
from checklists.wording import element_text

from .data import GapReportData
from .document import BODY_W, Styles, keep_rows_together, para, table
from .gates import VETO_LABEL, gate_failed, gate_label, gate_status, item_mark, veto_failed

VETO_GROUP = f"{VETO_LABEL}（总分记零）：未满足的总分记0分，不评定等级"


def gap_groups(data: GapReportData) -> list[tuple[str, list]]:
    """The gap list in print order: the failed vetoes, then for each level, lowest first,
    its failed gates (in the set's order) under a heading naming the level they block;
    then every other gap item, largest loss first. [(group heading or "", [GapItem])]."""
    final, checklist = data.final_result, data.checklist
    index = checklist.item_index()
    order = {code: k for k, code in enumerate(index)}
    first: set = set()
    groups = []
    vetoes = [g for g in final.gap if g.code in index and veto_failed(final, index[g.code])]
    if vetoes:
        groups.append((VETO_GROUP, sorted(vetoes, key=lambda g: order[g.code])))
        first.update(g.code for g in vetoes)
    for level in checklist.levels:
        items = [g for g in final.gap if g.code in index and g.code not in first
                 and index[g.code].gate == level.key and gate_failed(final, index[g.code])]
        items.sort(key=lambda g: order[g.code])
        if items:
            label = gate_label(checklist, level.key)
            groups.append((f"{label}：未满足的不能评为“{level.label}”", items))
            first.update(g.code for g in items)
    rest = [g for g in final.gap if g.code not in first]
    if rest:
        groups.append(("其他失分条目：按失分多少排列" if groups else "", rest))
    return groups


def loss_lines(data: GapReportData, g: GapItem) -> list[str]:
    """(/2) What took the points off one gap item, as the engine counted it: each scoring
    point (text × count, points lost), the elements not met (with their points), each
    document not presented that cost points (what it took), strict photos short; in the
    item's own points."""
    item = data.checklist.item_index().get(g.code)
    lines: list[str] = []
    if g.unanswered:  # nothing was counted: the row says 未评
        return lines
    if g.reasons:
        units = {r.key: (r.unit or "处") for r in item.reasons} if item else {}
        lines.append("扣分原因：" + "；".join(
            f"{r.text}×{r.count}{units.get(r.key, '处')}，扣{display(r.lost)}分" for r in g.reasons))
    if g.elements_missing and item is not None:
        missing = [item.element(key) for key in g.elements_missing]
        lines.append("未做到的要素：" + "；".join(element_text(e) for e in missing if e is not None))
    if g.documents_lost:
        lines.append("缺少资料失分：" + "；".join(f"{d.name}，扣{display(d.lost)}分" for d in g.documents_lost))
    r = data.final_result.items.get(g.code)
    if r is not None and r.evidence_zeroed and item is not None:
        lines.append(f"照片不足{item.evidence.photos}张，本条记0分")
    return lines


def gap_section(data: GapReportData, st: Styles) -> list:
    """The gap list section: an intro sentence and the table."""
    final, checklist = data.final_result, data.checklist
    if not final.gap:
        return [para("所有条目均已得满分，无差距。", st.body)]
    index = checklist.item_index()
    groups = gap_groups(data)
    unanswered = sum(1 for g in final.gap if g.unanswered)
    intro = f"共{len(final.gap)}项"
    firsts = [(head.split("：")[0], len(items)) for head, items in groups if head and not head.startswith("其他")]
    if firsts:
        intro += ("，其中" + "、".join(f"{label}{n}项" for label, n in firsts)
                  + "列在最前（不论失分多少，未满足即不能评为相应等级），其余按失分多少排列")
    else:
        intro += "，按失分多少排列"
    intro += f"（其中未填写{unanswered}项）" if unanswered else ""
    intro += "。失分栏已将基本项折算为百分制；扣分原因、要素和资料的失分按本条目分值计。"
    rows = [["序号", "条目", "得分", "失分", "达标要求、失分原因与缺少的佐证"]]
    spans: list = []
    extra: list = []
    n = 0
    hei, kai = st.small.but(font=st.fonts.hei), st.small.but(font=st.fonts.kai)
    for head, items in groups:
        if head:
            spans.append(((0, len(rows)), (-1, len(rows))))
            keep_rows_together(extra, len(rows), len(rows) + 1)
            rows.append([para(head, hei), "", "", "", ""])
        for g in items:
            n += 1
            item = index.get(g.code)
            detail = [para(f"达标要求：{g.requirement}", st.small)]
            if g.excellent:
                detail.append(para(f"达优要求：{g.excellent}", st.small))
            detail += [para(line, hei) for line in loss_lines(data, g)]
            missing = []
            if g.missing_photos:
                missing.append(f"照片{g.missing_photos}张")
            missing.extend(g.missing_documents)
            if missing:
                detail.append(para("缺少佐证：" + "、".join(missing), kai))
            title, score, lost = f"{g.code} {g.title}", f"{display(g.score)}/{display(g.points)}", display(g.lost)
            if g.role == "penalty":
                title += "（扣分项）"
                score = f"扣{display(g.points - g.score)}分"
            elif item is not None and (gate_failed(final, item) or veto_failed(final, item)):
                title = f"★{title}{item_mark(checklist, item)}"
                if g.points == 0:
                    score, lost = gate_status(checklist, item), "—"
            if g.unanswered:
                score = "未评"
            rows.append([str(n), title, score, lost, detail])
    w = BODY_W
    return [para(intro, st.body),
            table(rows, [0.08 * w, 0.25 * w, 0.11 * w, 0.09 * w, 0.47 * w], st, dense=True,
                  align=["center", "left", "center", "center", "left"], spans=spans, extra=extra)]
