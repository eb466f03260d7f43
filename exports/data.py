"""Plain data the documents are printed from; storage fills these, exports only reads them.

Scores stay exact (Fractions, as the scoring engine gives them); documents round them
half-up only when printing (checklists.numbers.display).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from checklists.model import Checklist
from checklists.scoring import ScoreResult
from storage.assessments import RESULT_STATUSES
from storage.ranking import competition_ranks, most_lost

__all__ = ["competition_ranks"]  # the ranking rule, re-exported for the summaries

ROLE_SELF, ROLE_REVIEW = "self", "review"
PHOTO_ROLE_LABELS = {ROLE_SELF: "自评", ROLE_REVIEW: "考评"}


@dataclass(frozen=True)
class PhotoInfo:
    """One evidence photo as printed: an already-oriented, report-size JPEG (.jpg) file."""

    path: Path
    caption: str = ""
    taken_at: str | None = None  # capture time as shown, e.g. "2027-03-12 09:41"; None if unknown
    role: str = ROLE_SELF  # 'self' (自评) or 'review' (考评)
    name: str = ""  # the file name it was added from, for a note when it cannot be printed
    problem: str | None = None  # why it cannot be printed (e.g. no report image could be made)


@dataclass(frozen=True)
class ActionInfo:
    """One corrective action (整改事项)."""

    item_code: str
    description: str
    owner: str = ""
    due: str = ""  # due date as shown, e.g. "2027-06-30"
    status: str = ""  # status label, e.g. "整改中"
    item_title: str = ""
    closed: bool = False  # done and accepted: left out of "open" lists


@dataclass(frozen=True)
class ChildUnitRow:
    """A unit under the reported one (a town's 民兵营连) with its own figure of the same
    year, as storage.scores gives it; no assessment that year: status "", final None."""

    unit_name: str
    status: str = ""  # label, e.g. "已考评"; "" when it has no assessment that year
    status_key: str = ""  # storage.assessments status key
    final: Fraction | None = None  # the score it is judged on; None: nothing answered yet
    level_label: str = ""  # its level (storage.scores), shown for results only (is_result)
    score_role: str = ROLE_SELF  # whose figure `final` is
    checklist_title: str = ""

    @property
    def result(self) -> bool:
        """A reviewed or final assessment: its level is a result (is_result)."""
        return is_result(self.status_key)


@dataclass(frozen=True)
class GapReportData:
    """Everything the 差距分析报告 of one assessment shows."""

    unit_name: str
    unit_type: str  # label, e.g. "乡镇（街道）武装部"
    parent_name: str  # county (or town for a militia company)
    year: int
    checklist: Checklist  # merged criteria the assessment was made with
    self_result: ScoreResult
    review_result: ScoreResult | None = None
    assessor: str = ""  # 自评人
    reviewer: str = ""  # 考评人
    status: str = ""  # status label, e.g. "已考评"
    self_date: str = ""  # date of the self-assessment (submitted)
    review_date: str = ""  # date of the on-site review (signed, or marked reviewed)
    printed_date: str = ""  # shown under the title; empty: left out
    signed_by: str = ""  # who signed the review off; printed in the signatures once signed
    signed_date: str = ""  # when (empty: not signed, the signature lines are left blank)
    conclusion: str = ""  # inspector's conclusion text (may be empty)
    photos: dict = field(default_factory=dict)  # item code -> list[PhotoInfo]
    actions: list = field(default_factory=list)  # list[ActionInfo]
    militia: list = field(default_factory=list)  # list[ChildUnitRow]: the 民兵营连 under the unit

    @property
    def final_result(self) -> ScoreResult:
        """The result the level is judged on: the review when there is one."""
        return self.review_result or self.self_result


# --------------------------------------------------------------------------- what is a result

# The one rule of what the summary presents as a result (考评结果): an assessment the
# inspectors have finished (已考评) or finalised (已定稿), keys of storage.assessments.STATUSES.
# Only these are ranked, given a level, counted in 达标率 / 达优率 and in the items most
# lost; a unit still in self-assessment (自评中), submitted (已提交) or under review (考评中)
# is listed with its status and its current figure (self score, or the review's so far),
# labelled as such, without rank or level. Its score follows storage.scores either way.
# The order the other units are listed and counted in: the furthest along first.
PENDING_ORDER = {"reviewing": 0, "submitted": 1, "draft": 2}

# The rule as the summary's note and the summary dialog say it.
RESULT_RULE = ("名次、等级、达标率和达优率只统计已考评（含已定稿）的单位，按考评组的考评得分计算；"
               "自评中、已提交和考评中的单位只列出状态和当前得分（自评得分或尚未完成的考评得分），"
               "仅供参考，不作为考评结果。")


def is_result(status: str) -> bool:
    """Whether an assessment in `status` (a storage.assessments status key) has a result
    the summary ranks and counts: reviewed (已考评) or final (已定稿)."""
    return status in RESULT_STATUSES


@dataclass(frozen=True)
class SummaryRow:
    """One unit in the county summary."""

    unit_name: str
    unit_type: str  # label
    checklist_title: str
    final: Fraction | None  # the score it is judged on (storage.scores); None: nothing answered yet.
    # For a unit that is not a result (see is_result) this is only its current figure.
    level_label: str  # "" unless a result
    rank: int | None  # results only
    category_ratios: dict = field(default_factory=dict)  # category code -> Fraction | None
    status: str = ""  # label, e.g. "已考评"
    county: str = ""  # 所属县: the county (市、区) the unit belongs to; "" when none
    status_key: str = ""  # storage.assessments status key, e.g. "reviewed"
    score_role: str = ROLE_SELF  # whose figure `final` is: 'self' or 'review'

    @property
    def result(self) -> bool:
        """A reviewed or final assessment: ranked and counted (is_result)."""
        return is_result(self.status_key)


@dataclass(frozen=True)
class LostItem:
    """An item that cost points in several units."""

    code: str
    title: str
    units: int  # how many units lost points on it
    total_lost: Fraction  # points lost, summed over those units


@dataclass(frozen=True)
class SummaryData:
    """The county summary (县级汇总) of one year."""

    county_name: str
    year: int
    rows: list  # list[SummaryRow], in rank order
    categories: list  # list[(code, title)]: the ratio columns, in order
    most_lost: list = field(default_factory=list)  # list[LostItem] of the results, most lost first
    issuer: str = ""  # 制表单位
    printed_date: str = ""  # 成文日期 as GB/T 9704 writes it: "2026年12月1日"
    title: str = ""  # default: "<county><year>年度基层武装部规范化建设考评情况汇总"
    levels: list = field(default_factory=list)  # level labels, highest first (order of the overview)
    counties: list = field(default_factory=list)  # the counties the rows belong to, by name

    @property
    def spans_counties(self) -> bool:
        """Rows from more than one county (or some from none): the county is shown per row."""
        return len({r.county for r in self.rows}) > 1

    @property
    def results(self) -> list:
        """The rows that are results (reviewed or final) with a score: ranked and counted."""
        return [r for r in self.rows if r.result and r.final is not None]

    @property
    def pending(self) -> list:
        """The rows that are not results: listed with their status, never ranked or counted."""
        return [r for r in self.rows if not r.result]

    def level_rates(self) -> list:
        """[(level label, units at that level or above, their share of the results)], highest
        level first; the share is None when there is no result. 达标率 is the share at 达标 or
        above (达优 included), 达优率 the share at 达优."""
        results = self.results
        place = {label: k for k, label in enumerate(self.levels)}
        out = []
        for k, label in enumerate(self.levels):
            n = sum(1 for r in results if place.get(r.level_label, len(place)) <= k)
            out.append((label, n, Fraction(n, len(results)) if results else None))
        return out


@dataclass(frozen=True)
class ActionsNoticeData:
    """整改通知书 / 整改清单 for one unit."""

    unit_name: str
    year: int
    actions: list  # list[ActionInfo]
    issuer: str  # who issues it, e.g. "某某县人民武装部"
    issued_date: str = ""
    doc_number: str = ""  # 发文字号, e.g. "某武〔2027〕12号"; empty: left out
    deadline_note: str = ""  # extra sentence on how to report back; empty: a standard one


def most_lost_items(results, limit: int = 10) -> list[LostItem]:
    """Items that lost points across the given ScoreResults, most units first, then most
    points (the rule: storage.ranking.most_lost)."""
    units = ([(g.code, g.title, g.lost.numerator, g.lost.denominator) for g in result.gap] for result in results)
    return [LostItem(code, title, n, points) for code, title, n, points in most_lost(units, limit)]
