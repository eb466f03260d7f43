"""Generated workspaces at the size of a county, a 军分区 or a province.

For soak tests and benchmarks: counties with towns, one assessment per town and year,
self answers for every item, and for some assessments a submitted or finished review.
Values are random but valid and reproducible from the seed. Units and assessments go
through the ordinary storage functions; the answers of one assessment are written by
plain SQL in one transaction with one audit event, since thousands of `set_answer`
calls (each reloading the checklist) would make a 1,500-town workspace take minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from . import assessments, checklist_store, units
from .answer_store import encode_value
from .workspace import now

if TYPE_CHECKING:
    from .models import AssessmentRow
    from .workspace import Workspace

CHECKLIST = "prov-2027-town"
COUNTY_NAMES = "城关 东山 西河 南岭 北川 青云 白沙 金水 石门 桃源 龙泉 凤凰 安平 永丰 长乐 新华".split()
TOWN_PARTS = "东 西 南 北 中 上 下 新 老 大 小 高 平 清 河 山 桥 湾 坪 岭 溪 塘 庄 坝".split()


@dataclass(frozen=True)
class Generated:
    """What generate_workspace made: unit ids and assessment ids, in creation order."""

    counties: list[str]
    towns: list[str]
    assessments: list[str]


def town_name(rnd: random.Random, taken: set[str]) -> str:
    """A plausible, unique town name (两字 + 镇/乡/街道)."""
    while True:
        name = rnd.choice(TOWN_PARTS) + rnd.choice(TOWN_PARTS) + rnd.choice(("镇", "镇", "乡", "街道"))
        if name not in taken:
            taken.add(name)
            return name


def best_value(item):
    """The answer that earns an item its full points: yes, the best option, the value of
    the best band, no deductions, the full score. (Photos and documents the item asks for
    are apart from the answer.)"""
    if item.kind == "check":
        return True
    if item.kind == "rubric":
        return max(item.options, key=lambda o: o.points).label
    if item.kind == "number":
        return max(item.bands, key=lambda b: b.points).at
    if item.kind == "deduct":
        return 0
    return item.points


def random_value(item, rnd: random.Random):
    """A valid answer for one item, drawn from rnd."""
    if item.na_allowed and rnd.random() < 0.05:
        return "na"
    if item.kind == "check":
        return rnd.random() < 0.85
    if item.kind == "rubric":
        return rnd.choice(item.options).label
    if item.kind == "deduct":
        return Fraction(rnd.choice((0, 0, 0, 1, 2)))
    if item.kind == "score":
        steps = int(item.points / item.step)
        return item.step * rnd.randint(steps // 2, steps)
    return Fraction(rnd.randint(60, 100))


def _write_answers(ws: Workspace, assessment_id: str, rows: list[tuple[str, object]], role: str) -> None:
    stamp = now()
    ws.db.conn.executemany(
        "INSERT OR REPLACE INTO answers (assessment_id, code, role, value, note, documents, who, updated_at, rev) "
        "VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, 1)",
        [(assessment_id, code, role, encode_value(value), ws.who, stamp) for code, value in rows])


def fill_assessment(ws: Workspace, assessment: AssessmentRow, rnd: random.Random, status: str) -> None:
    """Answer every item (self; review too unless the status is draft/submitted) and set
    the status, in one transaction with one audit event."""
    checklist = assessments.checklist_of(ws, assessment)
    items = list(checklist.items())
    self_rows = [(item.code, random_value(item, rnd)) for item in items]
    review_rows = []
    if status in ("reviewing", "reviewed", "final"):
        # Inspectors agree with most self values and correct a few.
        review_rows = [(code, random_value(item, rnd) if rnd.random() < 0.15 else value)
                       for item, (code, value) in zip(items, self_rows)]
        if status == "reviewing":
            review_rows = review_rows[: len(review_rows) // 2]
    with ws.transaction() as db:
        _write_answers(ws, assessment["id"], self_rows, "self")
        _write_answers(ws, assessment["id"], review_rows, "review")
        changes = {"status": status, "self_rev": len(self_rows), "review_rev": len(review_rows),
                   "updated_at": now()}
        if status != "draft":
            changes["submitted_at"] = now()
        if status in ("reviewed", "final"):
            changes.update(reviewed_at=now(), reviewer="考评组 张伟", signed_by="张伟", signed_at=now(),
                           conclusion="经现场考评，基本符合规范化建设要求。")
        db.execute(f"UPDATE assessments SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                   [*changes.values(), assessment["id"]])
        ws.record("assessment", assessment["id"], "generate",
                  {"self": len(self_rows), "review": len(review_rows), "status": status},
                  assessment_id=assessment["id"])


STATUS_MIX = ("draft", "draft", "submitted", "reviewing", "reviewed", "reviewed", "final")


def generate_workspace(ws: Workspace, counties: int, towns_per_county: int, years: tuple[int, ...] = (2027,),
                       seed: int = 1) -> Generated:
    """Fill a workspace with counties x towns, one assessment per town and year of the
    bundled province criteria; earlier years are finished, the last one has mixed statuses."""
    checklist_store.ensure_bundled(ws)
    version = checklist_store.latest_version(ws, CHECKLIST)
    rnd = random.Random(seed)
    made = Generated([], [], [])
    for c in range(counties):
        county = units.add_unit(ws, f"{COUNTY_NAMES[c % len(COUNTY_NAMES)]}县" + (f"{c // 16 + 1}" if c >= 16 else ""),
                                "county")
        made.counties.append(county["id"])
        taken: set[str] = set()
        for _ in range(towns_per_county):
            town = units.add_unit(ws, town_name(rnd, taken), "town", county["id"])
            made.towns.append(town["id"])
            for year in years:
                a = assessments.new_assessment(ws, town["id"], CHECKLIST, version, year)
                status = "final" if year != years[-1] else rnd.choice(STATUS_MIX)
                fill_assessment(ws, a, rnd, status)
                made.assessments.append(a["id"])
    return made
