"""Fill the documents' plain data from a workspace (read only: exports never write)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from checklists.errors import DabiaoError
from storage import actions as action_store
from storage import answer_store
from storage import assessments, checklist_store, evidence, scores, units
from storage.unit_children import child_assessments
from storage.actions import ACTION_STATUS_LABELS

from .data import (PENDING_ORDER, ActionInfo, ActionsNoticeData, ChildUnitRow, GapReportData, PhotoInfo,
                   SummaryData, SummaryRow, competition_ranks, is_result, most_lost_items)
from .document import chinese_date

if TYPE_CHECKING:
    from collections.abc import Iterable

    from checklists.model import Checklist
    from storage.models import ActionRow, AssessmentListRow
    from storage.scores import Score
    from storage.workspace import Workspace


def _day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def _shown_time(stamp: str | None) -> str | None:
    return stamp.replace("T", " ")[:16] if stamp else None


def action_infos(ws: Workspace, checklist: Checklist | None, rows: Iterable[ActionRow]) -> list[ActionInfo]:
    index = checklist.item_index() if checklist else {}
    return [ActionInfo(item_code=r["code"] or "", description=r["description"], owner=r["owner"] or "",
                       due=r["due_date"] or "", status=ACTION_STATUS_LABELS.get(r["status"], r["status"]),
                       item_title=index[r["code"]].title if r["code"] in index else "",
                       closed=r["status"] != "open")
            for r in rows]


def gap_report_data(ws: Workspace, assessment_id: str, *, photos: bool = True) -> GapReportData:
    """Everything the gap report of one assessment prints. photos=False: without the photo
    appendix (the photos are neither listed nor their report images made)."""
    want_photos = photos
    a = assessments.get_assessment(ws, assessment_id)
    checklist = assessments.checklist_of(ws, a)
    parent = units.get_unit(ws, a["unit_parent_id"]) if a["unit_parent_id"] else None
    review = answer_store.score_assessment(ws, assessment_id, "review") if scores.score_role(
        ws, assessment_id) == "review" else None
    photos: dict = {}
    for row in evidence.list_evidence(ws, assessment_id) if want_photos else ():
        problem = None
        if evidence.is_absent(ws, row):  # only its record came (a year bundle without photos)
            problem = evidence.ABSENT_TEXT
        elif not row["report"].exists():  # the printed image; made again from the original if lost
            try:
                evidence.ensure_derived_files(row["original"], row["thumb"], row["report"])
            except DabiaoError:  # full or read-only disk: this photo gets the note below
                pass
            if not row["report"].exists():  # never the thumbnail instead: a note says why
                problem = "原始照片缺失或无法读取，无法生成打印用图片，未予打印"
        photos.setdefault(row["code"], []).append(PhotoInfo(
            path=row["report"], caption=row["caption"] or "", name=row["original_name"] or "",
            taken_at=_shown_time(row["taken_at"]), role=row["role"], problem=problem))
    signed = bool(a["signed_at"])
    return GapReportData(
        unit_name=a["unit_name"], unit_type=units.UNIT_TYPE_LABELS.get(a["unit_type"], a["unit_type"]),
        parent_name=parent["name"] if parent else "", year=a["year"], checklist=checklist,
        self_result=answer_store.score_assessment(ws, assessment_id, "self"), review_result=review,
        assessor=a["assessor"] or "", reviewer=a["reviewer"] or "",
        status=assessments.STATUS_LABELS[a["status"]], self_date=chinese_date(_day(a["submitted_at"])),
        review_date=chinese_date(_day(a["signed_at"]) or _day(a["reviewed_at"])),
        printed_date=chinese_date(date.today()),
        signed_by=(a["signed_by"] or "") if signed else "", signed_date=chinese_date(_day(a["signed_at"])),
        conclusion=a["conclusion"] or "", photos=photos,
        actions=action_infos(ws, checklist, action_store.list_actions(ws, assessment_id=assessment_id)),
        militia=militia_rows(ws, a["unit_id"], a["year"]),
    )


def militia_rows(ws: Workspace, unit_id: str, year: int) -> list[ChildUnitRow]:
    """The 民兵营连 directly under a unit, each with its figure of `year` read through
    storage.scores (one row per assessment; a company without one that year: one row
    saying so). [] when the unit has none."""
    children = child_assessments(ws, unit_id, year, "militia")
    figures = scores.scores(ws, [r["id"] for _, rows in children for r in rows])
    out = []
    for unit, rows in children:
        if not rows:
            out.append(ChildUnitRow(unit_name=unit["name"]))
        for r in rows:
            s = figures[r["id"]]
            out.append(ChildUnitRow(unit_name=unit["name"], status=assessments.STATUS_LABELS[r["status"]],
                                    status_key=r["status"], final=s.final, level_label=s.level_label,
                                    score_role=s.role, checklist_title=r["checklist_title"] or ""))
    return out


@dataclass(frozen=True)
class _Lost:
    code: str
    title: str
    lost: object


@dataclass(frozen=True)
class _Gaps:  # what most_lost_items reads of a result
    gap: tuple


def summary_data(ws: Workspace, year: int, county_name: str | None = None) -> SummaryData:
    """Every assessment of a year. Each carries the score it is judged on (storage.scores:
    the review once it has begun, else the self-assessment; nothing answered: none), but
    only results (data.is_result: reviewed or final) are ranked, given a level and counted
    in the items most lost; the others follow, the furthest along first, with their status.

    county_name: None, every unit (titled with the county when they all belong to one);
    "" the same, untitled; a county's name (or id): only that county's units. When the
    rows span several counties, each row carries its county (所属县)."""
    rows_in = assessments.list_assessments(ws, year)
    county_of = units.county_of_units(ws)
    if county_name:
        county = units.find_county(ws, county_name)
        rows_in = [a for a in rows_in if county_of.get(a["unit_id"], {}).get("id") == county["id"]]
        county_name = county["name"]
    figures = scores.scores(ws, [a["id"] for a in rows_in])
    checklists = {ref: checklist_store.load(ws, *ref)
                  for ref in dict.fromkeys((a["checklist_id"], a["checklist_version"]) for a in rows_in)}
    results = [(a, figures[a["id"]], checklists[(a["checklist_id"], a["checklist_version"])]) for a in rows_in]
    # columns: the categories of the checklist most units were assessed with
    categories = []
    used = Counter((a["checklist_id"], a["checklist_version"]) for a in rows_in)
    if used:
        main = checklists[used.most_common(1)[0][0]]
        categories = [(c.code, c.title) for c in main.categories
                      if any(i.role == "base" for i in c.walk_items())]

    def county(a: AssessmentListRow) -> str:
        return county_of.get(a["unit_id"], {}).get("name", "")

    # a 民兵营连 is listed under its town: its 单位类别 names the town (民兵营（连）（合林镇）)
    town_of = {u["id"]: u["parent_name"] for u in units.list_units(ws) if u["type"] == "militia" and u["parent_name"]}

    def type_label(a: AssessmentListRow) -> str:
        label = units.UNIT_TYPE_LABELS.get(a["unit_type"], a["unit_type"])
        return f"{label}（{town_of[a['unit_id']]}）" if a["unit_id"] in town_of else label

    def ranked(a: AssessmentListRow, s: Score) -> bool:
        return is_result(a["status"]) and s.final is not None

    def order(r):
        a, s, _ = r
        if ranked(a, s):
            return (0, -s.final, a["unit_name"], county(a))
        return (1 if is_result(a["status"]) else 2 + PENDING_ORDER.get(a["status"], 9), 0, a["unit_name"], county(a))

    results.sort(key=order)
    ranks = competition_ranks([s.final if ranked(a, s) else None for a, s, _ in results])
    rows = []
    for rank, (a, s, checklist) in zip(ranks, results):
        result = is_result(a["status"])
        rows.append(SummaryRow(
            unit_name=a["unit_name"], unit_type=type_label(a),
            checklist_title=checklist.title, final=s.final, level_label=s.level_label if result else "", rank=rank,
            category_ratios=dict(s.categories), status=assessments.STATUS_LABELS[a["status"]], county=county(a),
            status_key=a["status"], score_role=s.role))
    titles = {ref: {code: item.title for code, item in c.item_index().items()} for ref, c in checklists.items()}
    most_lost = most_lost_items([
        _Gaps(tuple(_Lost(code, titles[(a["checklist_id"], a["checklist_version"])].get(code, ""), lost)
                    for code, lost in s.lost))
        for a, s, _ in results if ranked(a, s)], limit=15)
    levels = []
    for _, _, checklist in results:
        for lv in reversed(checklist.levels):
            if lv.label not in levels:
                levels.append(lv.label)
    counties = sorted({r.county for r in rows if r.county})
    if county_name is None:
        county_name = counties[0] if len(counties) == 1 and all(r.county for r in rows) else ""
    return SummaryData(county_name=county_name, year=year, rows=rows, categories=categories, most_lost=most_lost,
                       issuer=(county_name + "人民武装部") if county_name else "", printed_date=chinese_date(date.today()),
                       levels=levels, counties=counties)


def actions_notice_data(ws: Workspace, assessment_id: str, issuer: str | None = None) -> ActionsNoticeData:
    """The open corrective actions of one assessment's unit."""
    a = assessments.get_assessment(ws, assessment_id)
    checklist = assessments.checklist_of(ws, a)
    rows = action_store.list_actions(ws, unit_id=a["unit_id"], status="open")
    if issuer is None:
        parent = units.get_unit(ws, a["unit_parent_id"]) if a["unit_parent_id"] else None
        issuer = (parent["name"] + "人民武装部") if parent else "县（市、区）人民武装部"
    return ActionsNoticeData(unit_name=a["unit_name"], year=a["year"], actions=action_infos(ws, checklist, rows),
                             issuer=issuer, issued_date=chinese_date(date.today()))
