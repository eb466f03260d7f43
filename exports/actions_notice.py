"""整改通知书 and 整改清单: a unit's open corrective actions, with owners and due dates."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table

from checklists.model import Checklist

from .cjk import RIGHT
from .data import ActionsNoticeData
from .document import SIZE, KeepTail, Styles, build_pdf, chinese_date, para, resolve_styles, signature_block
from .fonts import FontSet
from .gap_report import actions_table

RED = (0.86, 0.08, 0.08)


def render_actions_notice(data: ActionsNoticeData, out_path, *, checklist: Checklist | None = None,
                          fonts: FontSet | None = None) -> Path:
    """Write the 整改通知书 (letter, with the 整改清单 as its attachment)."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, notice_story(data, styles, checklist), styles,
                     title=f"{data.unit_name}整改通知书")


def render_actions_list(data: ActionsNoticeData, out_path, *, checklist: Checklist | None = None,
                        fonts: FontSet | None = None) -> Path:
    """Write the 整改清单 alone, as a form to track and sign."""
    styles = resolve_styles(fonts)
    return build_pdf(out_path, list_story(data, styles, checklist), styles, title=f"{data.unit_name}整改清单")


def open_actions(data: ActionsNoticeData) -> list:
    return [a for a in data.actions if not a.closed]


def notice_story(data: ActionsNoticeData, st: Styles, checklist: Checklist | None) -> list:
    actions = open_actions(data)
    story: list = []
    if data.doc_number:
        story += [para(data.issuer, st.title.but(size=30, leading=44, color=RED, space_after=18)),
                  para(data.doc_number, st.plain.but(align="center")), RedRule(), Spacer(1, 18)]
    story.append(para("整改通知书", st.title))
    story.append(para(f"{data.unit_name}：", st.plain))
    deadline = data.deadline_note or (f"请对照清单逐项落实，于各项完成时限前整改到位，并在完成后5个工作日内"
                                      f"将整改情况和佐证材料书面报{data.issuer}。")
    if actions:
        text = (f"根据{data.year}年度基层武装部规范化建设考评结果，你单位存在{len(actions)}项需要整改的问题，"
                f"具体见附件《整改清单》。{deadline}")
    else:
        text = f"根据{data.year}年度基层武装部规范化建设考评结果，你单位暂无需要整改的问题。"
    story.append(para(text, st.body))
    # The signature and date never stand alone at the top of a page: the closing lines go with them.
    ending = [para("特此通知。", st.body)]
    if actions:
        ending.append(Spacer(1, SIZE["三号"]))
        ending.append(para("附件：整改清单", st.body))
    story.append(KeepTogether([*ending, Spacer(1, 2 * SIZE["三号"]), *_signed(data, st)]))
    if actions:
        story += [PageBreak(), para("附件", st.plain.but(font=st.fonts.hei)), Spacer(1, 6)]
        story += _list_body(data, st, checklist, actions)
    return story


def _signed(data: ActionsNoticeData, st: Styles) -> list:
    """署名 and 成文日期 (GB/T 9704 7.3.5.1): the date four characters in from the right, the
    issuer centred over it."""
    s = st.plain.but(align=RIGHT)
    char = s.size + s.tracking
    issued = chinese_date(data.issued_date)
    if not issued:
        return [para(data.issuer, s.but(right_indent=4 * char))]
    date_w = stringWidth(issued, s.font, s.size) + len(issued) * s.tracking
    issuer_w = stringWidth(data.issuer, s.font, s.size) + len(data.issuer) * s.tracking
    return [para(data.issuer, s.but(right_indent=max(0.0, 4 * char + (date_w - issuer_w) / 2))),
            para(issued, s.but(right_indent=4 * char))]


def list_story(data: ActionsNoticeData, st: Styles, checklist: Checklist | None) -> list:
    story = _list_body(data, st, checklist, open_actions(data))
    signatures = signature_block(st, ("被考评单位（盖章）", "负责人签字"), (data.issuer, "经办人签字"))
    if story and isinstance(story[-1], Table):  # the signatures never alone on a page
        story[-1] = KeepTail(story[-1], [signatures], rows=2)
    else:
        story.append(signatures)
    return story


def _list_body(data: ActionsNoticeData, st: Styles, checklist, actions) -> list:
    out = [para("整改清单", st.title),
           para(f"被考评单位：{data.unit_name}　　考评年度：{data.year}年　　共{len(actions)}项", st.plain.but(size=14))]
    out.append(Spacer(1, 6))
    if actions:
        out.append(actions_table(actions, checklist, st))
    else:
        out.append(para("无需要整改的问题。", st.body))
    return out


class RedRule(Flowable):
    """The red separator line under a 版头 (GB/T 9704: as wide as the 版心)."""

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        return availWidth, 4 * mm

    def draw(self):
        self.canv.setStrokeColorRGB(*RED)
        self.canv.setLineWidth(1.2)
        self.canv.line(0, 2 * mm, self.width, 2 * mm)
