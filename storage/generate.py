"""Generated workspaces at the size of a county, a 军分区 or a province.

For soak tests and benchmarks: counties with towns, one assessment per town and year,
self answers for every item, and for some assessments a submitted or finished review.
Values are random but valid and reproducible from the seed. Units and assessments go
through the ordinary storage functions; the answers of one assessment are written by
plain SQL in one transaction with one audit event, since thousands of `set_answer`
calls (each reloading the checklist) would make a 1,500-town workspace take minutes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import assessments, checklist_store, units
from .answer_store import encode_value
from .errors import StorageError
from .generate_names import Namer
from .generate_photos import photo_pool
# best_value: re-exported (tests and bench/ take it from here)
from .generate_values import best_value as best_value, candidates, random_value
from .workspace import new_id, now

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


# --------------------------------------------------------------------------- a province
#
# generate_province: one 军分区 (city) > counties > towns and enterprises > 民兵营连, each
# unit assessed every year on the bundled criteria for its type, both roles answered
# from a realistic spread (most 达标, some 达优, some failing, a few vetoed), a few photos
# each, and 整改 actions on the earlier years' gaps (some closed). Rows are written with
# plain SQL, one transaction per county with its audit events; photo files are written
# without fsync (generated data is regenerated, not recovered after a crash).

CRITERIA_BY_TYPE = {"town": "prov-2027-town", "enterprise": "enterprise-2027", "militia": "militia-2027-company"}
# (share of units, chance that an item falls short in the self-assessment of the first year)
QUALITY_TIERS = ((0.25, 0.08), (0.60, 0.18), (0.15, 0.36))
CHECK_SHORT = 0.4  # yes/no items fall short less often (they lose all their points, graded ones part)
IMPROVEMENT = 0.9  # each later year a unit falls short this much less often
VETO_SHARE = 0.02  # assessments with a 一票否决 item failed
BONUS_SHARE = 0.35  # bonus items a unit earns (the rest: none of it)
PENALTY_SHARE = 0.03  # penalty items that strike a unit
REVIEW_WORSE, REVIEW_BETTER = 0.05, 0.02  # items the inspectors find worse / better than the unit said
DOCUMENT_MISSING = 0.1  # items whose document list is presented short of one
FIXES = ("制定整改方案，明确责任人和完成时限，逐项抓好落实", "补齐相关台账资料，规范登记和归档",
         "对照标准组织专项检查，问题整改到位后报县人武部验收", "落实经费和人员保障，按标准完成建设",
         "加强教育培训，建立长效机制，防止问题反弹")
OWNERS = {"town": ("武装部部长", "专职武装干事", "党委书记"), "enterprise": ("企业武装部部长", "分管领导"),
          "militia": ("连长", "指导员", "排长")}
CONCLUSIONS = {"fail": "经现场考评，未达到规范化建设标准，限期整改。",
               "pass": "经现场考评，达到规范化建设标准。", "excellent": "经现场考评，达到规范化建设优秀标准。"}


@dataclass
class Province:
    """What generate_province made: unit ids by type, assessment ids by year, action ids,
    and the number of photo attachments."""

    city: str
    counties: list[str]
    towns: list[str]
    enterprises: list[str]
    militia: list[str]
    assessments: dict[int, list[str]]
    actions: list[str]
    attachments: int


@dataclass(frozen=True)
class ItemPlan:
    """One item as the generator answers it: the value earning full points, the values
    falling short, and what kind of item it is."""

    item: object
    best: object
    short: tuple
    veto: bool  # a check gating the lowest level: answering it false fails (一票否决)

    @property
    def role(self) -> str:
        return self.item.role


def plan_items(checklist) -> list[ItemPlan]:
    """Every item of a checklist with its best and short values (by the value's own score)."""
    from checklists.answers import check_value
    from checklists.scoring import value_score

    plans = []
    for item in checklist.items():
        scored = []
        for value in candidates(item):
            value, problem = check_value(item, value)
            if problem is None and value not in [v for v, _ in scored]:
                scored.append((value, value_score(item, value)))
        top = max(s for _, s in scored)
        best = next(v for v, s in scored if s == top)
        # nearest to full points first: a unit falling short mostly loses part of an item
        short = tuple(v for v, s in sorted(scored, key=lambda vs: -vs[1]) if s < top)
        # a check that gates the lowest level (未发生失泄密, 完成征兵任务): failing it is a veto
        veto = item.kind == "check" and item.gate == checklist.levels[0].key
        plans.append(ItemPlan(item, best, short, veto))
    return plans


def _draw_value(plan: ItemPlan, rnd: random.Random, p_short: float):
    """(value, fell short) for one item of a unit that falls short with p_short."""
    if plan.veto:
        return plan.best, False
    if plan.role == "bonus":
        p = 1 - BONUS_SHARE
    elif plan.role == "penalty":
        p = PENALTY_SHARE
    else:  # items that gate a level (党委议军) are rarely failed; a yes/no item loses all
        p = p_short / 4 if plan.item.gate else p_short * CHECK_SHORT if plan.item.kind == "check" else p_short
    if plan.item.na_allowed and rnd.random() < 0.04:
        return "na", False
    if plan.short and rnd.random() < p:
        return _short_value(plan, rnd), True
    return plan.best, False


def _short_value(plan: ItemPlan, rnd: random.Random):
    """A value that falls short, mostly the nearest one (part of the points lost)."""
    return rnd.choices(plan.short, weights=[0.35 ** k for k in range(len(plan.short))])[0]


def _documents(plan: ItemPlan, rnd: random.Random) -> str | None:
    """The documents a unit presents for an item (JSON), sometimes one short."""
    docs = list(plan.item.evidence.documents)
    if not docs:
        return None
    if rnd.random() < DOCUMENT_MISSING:
        docs.pop(rnd.randrange(len(docs)))
    return json.dumps(docs, ensure_ascii=False)


def draw_answers(plans: list[ItemPlan], rnd: random.Random, p_short: float, vetoed: bool):
    """Self and review answers of one assessment: ([(code, value, documents, note)] per
    role, the codes the review found short). The inspectors keep most of the unit's values,
    find a few worse and a few better; a veto is always in the review, in the self half the time."""
    self_rows, review_rows, gaps = [], [], []
    veto_code = rnd.choice([p.item.code for p in plans if p.veto]) if vetoed and any(p.veto for p in plans) else None
    for plan in plans:
        code = plan.item.code
        value, short = _draw_value(plan, rnd, p_short)
        if code == veto_code:
            value, short = False, rnd.random() < 0.5
        note = "已列入整改计划。" if short and rnd.random() < 0.3 else None
        self_rows.append((code, value, _documents(plan, rnd), note))
        review, review_note = value, None
        roll = rnd.random()
        if code == veto_code:
            review, review_note = False, "经核查，发生一票否决情形。"
        elif plan.short and plan.role == "base" and not plan.veto and roll < REVIEW_WORSE and value != "na":
            review, review_note = _short_value(plan, rnd), "现场核查与自评不符，按实际情况评定。"
        elif plan.role == "base" and roll > 1 - REVIEW_BETTER and value != "na":
            review = plan.best
        review_rows.append((code, review, None, review_note))
        if review != plan.best and review != "na" and plan.role != "bonus":
            gaps.append(code)
    return self_rows, review_rows, gaps


def photo_slots(plans: list[ItemPlan], n: int, short: set[str]) -> list[str]:
    """The items a unit attaches photos to, one code per photo: every item whose rule is
    strict gets the photos it asks for (one fewer where the unit fell short on it), then
    n more go to the other items asking for photos, in checklist order. n = 0: none at all."""
    if n <= 0:
        return []
    slots: list[str] = []
    for p in plans:
        ev = p.item.evidence
        if ev.strict and ev.photos:
            slots += [p.item.code] * (ev.photos - (p.item.code in short))
    others = [p.item.code for p in plans if p.item.evidence.photos and not p.item.evidence.strict]
    return slots + others[:n]


def pool_size(criteria, n: int) -> int:
    """Distinct photos a county needs so no assessment attaches the same photo twice."""
    most = max(sum(p.item.evidence.photos for p in sets.plans if p.item.evidence.strict) for sets in criteria.values())
    return max(4, most + n) if n > 0 else 0


@dataclass
class _Sets:
    """The criteria of one unit type: (id, version) and the items' plans."""

    checklist_id: str
    version: str
    plans: list[ItemPlan]


def _criteria(ws: Workspace) -> dict[str, _Sets]:
    out = {}
    for unit_type, checklist_id in CRITERIA_BY_TYPE.items():
        version = checklist_store.latest_version(ws, checklist_id)
        if version is None:
            raise StorageError(f"缺少内置标准 {checklist_id}")
        out[unit_type] = _Sets(checklist_id, version, plan_items(checklist_store.load(ws, checklist_id, version)))
    return out


class _Writer:
    """Rows of one county gathered, then written in one go (inside the caller's transaction)."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.units: list[tuple] = []
        self.assessments: list[tuple] = []
        self.answers: list[tuple] = []
        self.attachments: list[tuple] = []
        self.actions: list[tuple] = []

    def unit(self, name: str, unit_type: str, parent_id: str | None) -> str:
        uid = new_id()
        stamp = now()
        self.units.append((uid, name, unit_type, parent_id, stamp, stamp))
        return uid

    def flush(self) -> None:
        ws, db = self.ws, self.ws.db.conn
        db.executemany("INSERT INTO units (id, name, type, parent_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                       self.units)
        for uid, name, unit_type, parent_id, _, _ in self.units:
            ws.record("unit", uid, "add", {"name": name, "type": unit_type, "parent_id": parent_id})
        db.executemany(
            "INSERT INTO assessments (id, unit_id, checklist_id, checklist_version, year, status, assessor, reviewer, "
            "conclusion, signed_by, signed_at, created_at, updated_at, submitted_at, reviewed_at, self_rev, "
            "review_rev) VALUES (" + ", ".join("?" * 17) + ")", self.assessments)
        db.executemany("INSERT INTO answers (assessment_id, code, role, value, note, documents, who, updated_at, rev) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)", self.answers)
        db.executemany("INSERT INTO attachments (id, assessment_id, code, role, sha256, caption, added_by, added_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", self.attachments)
        for row in self.assessments:
            ws.record("assessment", row[0], "generate", {"year": row[4], "status": row[5]}, assessment_id=row[0])
        db.executemany("INSERT INTO actions (id, unit_id, assessment_id, code, description, owner, due_date, status, "
                       "created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.actions)
        for row in self.actions:
            ws.record("action", row[0], "add", {"code": row[3], "description": row[4], "owner": row[5],
                                                "due_date": row[6]}, assessment_id=row[2])


def _level_of(plans: list[ItemPlan], rows) -> str:
    """A rough level for the conclusion text (the engine scores the real one): fail when a
    veto or many gaps, excellent when almost none."""
    by_code = {p.item.code: p for p in plans}
    lost = sum(1 for code, value, _, _ in rows if by_code[code].role == "base" and value not in (by_code[code].best, "na"))
    if any(by_code[code].veto and value is False for code, value, _, _ in rows) or lost > len(plans) * 0.2:
        return "fail"
    return "excellent" if lost <= len(plans) * 0.05 else "pass"


def _assess(w: _Writer, sets: _Sets, unit_id: str, year: int, status: str, p_short: float,
            rnd: random.Random, namer, pool: list[str], photos: int) -> tuple[str, list[str]]:
    """One assessment of a unit: its row, both roles' answers and photos; returns (id, review gaps)."""
    aid = new_id()
    self_rows, review_rows, gaps = draw_answers(sets.plans, rnd, p_short, rnd.random() < VETO_SHARE)
    stamp = now()
    who = namer.person()
    for role, rows in (("self", self_rows), ("review", review_rows)):
        w.answers += [(aid, code, role, encode_value(value), note, docs, who if role == "self" else "考评组", stamp)
                      for code, value, docs, note in rows]
    titles = {p.item.code: p.item.title for p in sets.plans}
    by_code = {p.item.code: p for p in sets.plans}
    offset = rnd.randrange(len(pool)) if pool else 0
    short = {code for code, value, _, _ in self_rows if value not in (by_code[code].best, "na")}
    for k, code in enumerate(photo_slots(sets.plans, photos, short)):
        w.attachments.append((new_id(), aid, code, "self", pool[(offset + k) % len(pool)],
                              f"{titles[code]}现场照片", who, stamp))
    month = rnd.randint(10, 11)
    reviewer = namer.person()
    w.assessments.append((aid, unit_id, sets.checklist_id, sets.version, year, status, who,
                          f"县人武部考评组 {reviewer}", CONCLUSIONS[_level_of(sets.plans, review_rows)], reviewer,
                          f"{year}-{month + 1:02d}-{rnd.randint(1, 28):02d}", stamp, stamp,
                          f"{year}-{month:02d}-{rnd.randint(1, 28):02d}T09:00:00",
                          f"{year}-{month + 1:02d}-{rnd.randint(1, 28):02d}T16:00:00", len(self_rows), len(review_rows)))
    return aid, gaps


def _actions(w: _Writer, plans: list[ItemPlan], unit_id: str, unit_type: str, aid: str, year: int,
             gaps: list[str], rnd: random.Random) -> None:
    """整改 on up to three of an assessment's gaps, due next year; about two in three closed."""
    titles = {p.item.code: p.item.title for p in plans}
    for code in rnd.sample(gaps, min(3, len(gaps))):
        status = rnd.choices(("verified", "done", "open"), (40, 25, 35))[0]
        due = f"{year + 1}-{rnd.choice((3, 6, 9)):02d}-30"
        closed = None if status == "open" else f"{year + 1}-{rnd.randint(1, 8):02d}-{rnd.randint(1, 28):02d}T10:00:00"
        stamp = now()
        w.actions.append((new_id(), unit_id, aid, code, f"针对“{titles[code]}”存在的问题，{rnd.choice(FIXES)}",
                          rnd.choice(OWNERS[unit_type]), due, status, stamp, stamp, closed))


def _quality(rnd: random.Random) -> float:
    """A unit's chance of falling short on an item in the first year (its tier)."""
    roll, acc = rnd.random(), 0.0
    for share, p_short in QUALITY_TIERS:
        acc += share
        if roll < acc:
            return p_short
    return QUALITY_TIERS[-1][1]


def generate_province(ws: Workspace, *, counties: int = 100, towns_per_county: int = 15,
                      years: tuple[int, ...] = (2026, 2027), enterprises_per_county: int = 1,
                      militia_per_town: int = 1, photos_per_assessment: int = 2, seed: int = 0,
                      progress=None) -> Province:
    """Fill an empty workspace with a province-size 军分区: counties of towns (each with its
    民兵营连) and enterprises, every unit assessed each year on the bundled criteria for its
    type, reviewed, with photos and 整改 on the earlier years' gaps. Same seed, same data
    (ids and timestamps aside). progress(county index, counties) after each county."""
    if ws.db.execute("SELECT 1 FROM units LIMIT 1").fetchone():
        raise StorageError("工作区中已有单位，模拟数据只能生成在空工作区中")
    checklist_store.ensure_bundled(ws)
    criteria = _criteria(ws)
    years = tuple(sorted(years))
    rnd = random.Random(seed)
    namer = Namer(rnd)
    w = _Writer(ws)
    city = w.unit(namer.city(), "city", None)
    made = Province(city, [], [], [], [], {y: [] for y in years}, [], 0)
    with ws.transaction():
        w.flush()
    for c in range(counties):
        w = _Writer(ws)
        county_name = namer.county()
        county = w.unit(county_name, "county", city)
        made.counties.append(county)
        members = []  # (unit id, type)
        for _ in range(towns_per_county):
            town_name = namer.town()
            town = w.unit(town_name, "town", county)
            made.towns.append(town)
            members.append((town, "town"))
            for k in range(militia_per_town):
                militia = w.unit(namer.militia(town_name, k), "militia", town)
                made.militia.append(militia)
                members.append((militia, "militia"))
        for _ in range(enterprises_per_county):
            enterprise = w.unit(namer.enterprise(county_name), "enterprise", county)
            made.enterprises.append(enterprise)
            members.append((enterprise, "enterprise"))
        with ws.transaction():
            pool = photo_pool(ws, rnd, pool_size(criteria, photos_per_assessment), years[-1])
            for unit_id, unit_type in members:
                p_short = _quality(rnd)
                for k, year in enumerate(years):
                    status = "final" if year != years[-1] else rnd.choice(("reviewed",) * 7 + ("final",) * 3)
                    sets = criteria[unit_type]
                    aid, gaps = _assess(w, sets, unit_id, year, status, p_short * IMPROVEMENT ** k, rnd,
                                        namer, pool, photos_per_assessment)
                    made.assessments[year].append(aid)
                    if year != years[-1]:
                        _actions(w, sets.plans, unit_id, unit_type, aid, year, gaps, rnd)
            w.flush()
        made.actions.extend(row[0] for row in w.actions)
        made.attachments += len(w.attachments)
        if progress:
            progress(c + 1, counties)
    return made
