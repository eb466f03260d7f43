"""Fill the documents' plain data from a workspace (read only: exports never write)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from storage import actions as action_store
from storage import answers as answer_store
from storage import assessments, evidence, units
from storage.actions import ACTION_STATUS_LABELS

from .data import (ActionInfo, ActionsNoticeData, GapReportData, PhotoInfo, SummaryData, SummaryRow,
                   competition_ranks, most_lost_items)


def _day(stamp: str | None) -> str:
    return (stamp or "")[:10]


def _shown_time(stamp: str | None) -> str | None:
    return stamp.replace("T", " ")[:16] if stamp else None


def has_review(ws, assessment: dict) -> bool:
    """Whether the inspector has entered anything (status past submission with answers)."""
    return bool(answer_store.list_answers(ws, assessment["id"], "review"))


def action_infos(ws, checklist, rows) -> list[ActionInfo]:
    index = checklist.item_index() if checklist else {}
    return [ActionInfo(item_code=r["code"] or "", description=r["description"], owner=r["owner"] or "",
                       due=r["due_date"] or "", status=ACTION_STATUS_LABELS.get(r["status"], r["status"]),
                       item_title=index[r["code"]].title if r["code"] in index else "",
                       closed=r["status"] != "open")
            for r in rows]


def gap_report_data(ws, assessment_id: str) -> GapReportData:
    """Everything the gap report of one assessment prints."""
    a = assessments.get_assessment(ws, assessment_id)
    checklist = assessments.checklist_of(ws, a)
    parent = units.get_unit(ws, a["unit_parent_id"]) if a["unit_parent_id"] else None
    review = answer_store.score_assessment(ws, assessment_id, "review") if has_review(ws, a) else None
    photos: dict = {}
    for row in evidence.list_evidence(ws, assessment_id):
        if not row["report"].exists():  # the printed image; made again from the original if lost
            evidence.ensure_derived_files(row["original"], row["thumb"], row["report"])
        photos.setdefault(row["code"], []).append(PhotoInfo(
            path=row["report"], caption=row["caption"] or row["original_name"] or "",
            taken_at=_shown_time(row["taken_at"]), role=row["role"]))
    return GapReportData(
        unit_name=a["unit_name"], unit_type=units.UNIT_TYPE_LABELS.get(a["unit_type"], a["unit_type"]),
        parent_name=parent["name"] if parent else "", year=a["year"], checklist=checklist,
        self_result=answer_store.score_assessment(ws, assessment_id, "self"), review_result=review,
        assessor=a["assessor"] or "", reviewer=a["reviewer"] or "",
        status=assessments.STATUS_LABELS[a["status"]], self_date=_day(a["submitted_at"]),
        review_date=_day(a["reviewed_at"]), printed_date=date.today().isoformat(),
        conclusion=a["conclusion"] or "", photos=photos,
        actions=action_infos(ws, checklist, action_store.list_actions(ws, assessment_id=assessment_id)),
    )


def summary_data(ws, year: int, county_name: str | None = None) -> SummaryData:
    """Every assessment of a year, ranked by final score (review score once reviewed)."""
    rows_in = assessments.list_assessments(ws, year)
    results = []
    checklists = Counter()
    for a in rows_in:
        role = "review" if has_review(ws, a) else "self"
        result = answer_store.score_assessment(ws, a["id"], role)
        results.append((a, result))
        checklists[(a["checklist_id"], a["checklist_version"])] += 1
    # columns: the categories of the checklist most units were assessed with
    categories = []
    if checklists:
        (set_id, version), _ = checklists.most_common(1)[0]
        main = next(r.checklist for a, r in results if (a["checklist_id"], a["checklist_version"]) == (set_id, version))
        categories = [(c.code, c.title) for c in main.categories
                      if any(i.role == "base" for i in c.walk_items())]
    def shown(ar):  # nothing answered yet: not scored, no rank
        a, r = ar
        return None if len(r.unanswered) == len(r.items) else r.final

    results.sort(key=lambda ar: (shown(ar) is None, -(shown(ar) or 0), ar[0]["unit_name"]))
    ranks = competition_ranks([shown(ar) for ar in results])
    rows = []
    for rank, (a, r) in zip(ranks, results):
        rows.append(SummaryRow(
            unit_name=a["unit_name"], unit_type=units.UNIT_TYPE_LABELS.get(a["unit_type"], a["unit_type"]),
            checklist_title=r.checklist.title, final=shown((a, r)),
            level_label=r.level_label if shown((a, r)) is not None else "", rank=rank,
            category_ratios={c.code: c.ratio for c in r.categories}, status=assessments.STATUS_LABELS[a["status"]]))
    most_lost = most_lost_items([r for a, r in results if shown((a, r)) is not None], limit=15)
    levels = []
    for _, r in results:
        for lv in reversed(r.checklist.levels):
            if lv.label not in levels:
                levels.append(lv.label)
    if county_name is None:
        counties = [u["name"] for u in units.list_units(ws) if u["type"] == "county"]
        county_name = counties[0] if len(counties) == 1 else ""
    return SummaryData(county_name=county_name, year=year, rows=rows, categories=categories, most_lost=most_lost,
                       issuer=(county_name + "人民武装部") if county_name else "", printed_date=date.today().isoformat(),
                       levels=levels)


def actions_notice_data(ws, assessment_id: str, issuer: str | None = None) -> ActionsNoticeData:
    """The open corrective actions of one assessment's unit."""
    a = assessments.get_assessment(ws, assessment_id)
    checklist = assessments.checklist_of(ws, a)
    rows = action_store.list_actions(ws, unit_id=a["unit_id"], status="open")
    if issuer is None:
        parent = units.get_unit(ws, a["unit_parent_id"]) if a["unit_parent_id"] else None
        issuer = (parent["name"] + "人民武装部") if parent else "县（市、区）人民武装部"
    return ActionsNoticeData(unit_name=a["unit_name"], year=a["year"], actions=action_infos(ws, checklist, rows),
                             issuer=issuer, issued_date=date.today().isoformat())
