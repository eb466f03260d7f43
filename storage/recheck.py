"""复核 (recheck): the 军分区 draws, per county, the towns and enterprises it re-checks
on site in a year; only those take recheck answers.

The rule of a draw: per county (the county unit above the assessed town or enterprise),
among that year's assessments of towns and enterprises whose county review is done
(status reviewed or final), either N per county or a share of them (rounded half up, at
least one when the county has any). Which ones is random but reproducible: a
random.Random(seed) per county over its assessment ids sorted, the seed recorded with
the draw (and made from os.urandom when none is given). A year has one active draw,
stored in recheck_draws / recheck_sample (migration m006) and logged in the audit chain.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING

from . import units
from .errors import StorageError
from .workspace import new_id, now

if TYPE_CHECKING:
    from .workspace import Workspace


def has_tables(ws: Workspace) -> bool:
    """Whether the workspace has the recheck tables (m006; a workspace made before it and
    opened read-only is not upgraded: nothing is drawn there)."""
    return ws.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'recheck_sample'").fetchone() \
        is not None


def is_drawn(ws: Workspace, assessment_id: str) -> bool:
    """Whether the assessment is in the 复核 sample of its year (the year's active draw)."""
    if not has_tables(ws):
        return False
    return ws.db.execute("SELECT 1 FROM recheck_sample WHERE assessment_id = ?", [assessment_id]).fetchone() \
        is not None


def has_answers(ws: Workspace, assessment_id: str) -> bool:
    """Whether any 复核 (recheck) answer is stored for the assessment."""
    return ws.db.execute("SELECT 1 FROM answers WHERE assessment_id = ? AND role = 'recheck' LIMIT 1",
                         [assessment_id]).fetchone() is not None


def show_refusal(ws: Workspace, assessment: dict) -> str | None:
    """Why the assessment has no 复核 result to show (not drawn, nothing entered), or None."""
    if is_drawn(ws, assessment["id"]) or has_answers(ws, assessment["id"]):
        return None
    return f"此考评（{assessment['year']} 年）未被抽中复核，没有复核结果；复核名单用 recheck draw 抽取"


# --------------------------------------------------------------------------- the draw

# The statuses in which the county's review is done: only then may the 军分区 draw the
# assessment for 复核 and enter recheck answers.
RECHECK_STATUSES = ("reviewed", "final")  # the county's review is done: a result (assessments.RESULT_STATUSES)
DRAWN_TYPES = ("town", "enterprise")  # the units a 军分区 re-checks (民兵营连 go with their town)


@dataclass(frozen=True)
class Draw:
    """A year's active draw: its rule, seed, who drew it and when, and the assessments drawn."""

    id: str
    year: int
    rule: str  # "per_county:2" or "share:0.2"
    seed: str
    drawn_at: str
    drawn_by: str | None
    ids: tuple[str, ...]  # assessment ids, county by county, in the order drawn
    made: bool = False  # this call made (or replaced) it; False: the same draw was already there
    stale: bool = False  # the same rule and seed would draw other ids now (reviews done since): see redraw


def make_rule(per_county: int | None = None, share=None) -> str:
    """The rule text stored with a draw, from exactly one of N per county or a share (0–1]."""
    if (per_county is None) == (share is None):
        raise StorageError("请给出每县抽取的数量或比例（二者选一）")
    if per_county is not None:
        if isinstance(per_county, bool) or not isinstance(per_county, int) or per_county < 1:
            raise StorageError(f"每县抽取数量应为正整数，现在是 {per_county!r}")
        return f"per_county:{per_county}"
    try:
        value = Decimal(str(share).strip())
    except (InvalidOperation, ValueError):
        raise StorageError(f"抽取比例应为 0 到 1 之间的小数（如 0.2），现在是 {share!r}") from None
    if not value.is_finite() or not (0 < value <= 1):
        raise StorageError(f"抽取比例应大于 0、不超过 1（如 0.2），现在是 {share}")
    return f"share:{value.normalize():f}"


def rule_text(rule: str) -> str:
    """A rule in words: 每县抽取 2 个 / 每县抽取 20%."""
    kind, _, value = rule.partition(":")
    if kind == "per_county":
        return f"每县抽取 {value} 个"
    return f"每县抽取 {(Decimal(value) * 100).normalize():f}%" if kind == "share" else rule


def how_many(rule: str, available: int) -> int:
    """How many of a county's `available` assessments the rule draws: N (at most all), or
    the share rounded half up, at least one when the county has any."""
    if available <= 0:
        return 0
    kind, _, value = rule.partition(":")
    if kind == "per_county":
        return min(int(value), available)
    n = int((Decimal(value) * available).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return min(max(n, 1), available)


def candidates(ws: Workspace, year: int) -> dict[str | None, list[str]]:
    """county id (None: a unit under no county) -> the ids, sorted, of that year's
    assessments of towns and enterprises whose county review is done (reviewed / final)."""
    county = units.county_of_units(ws)
    marks = ",".join("?" * len(RECHECK_STATUSES))
    types = ",".join("?" * len(DRAWN_TYPES))
    out: dict = {}
    for aid, unit_id in ws.db.execute(
            f"SELECT a.id, a.unit_id FROM assessments a JOIN units u ON u.id = a.unit_id WHERE a.year = ? "
            f"AND a.status IN ({marks}) AND u.type IN ({types}) ORDER BY a.id",
            [int(year), *RECHECK_STATUSES, *DRAWN_TYPES]):
        out.setdefault((county.get(unit_id) or {}).get("id"), []).append(aid)
    return out


def choose(pool: dict[str | None, list[str]], rule: str, seed: str) -> list[tuple[str | None, str]]:
    """(county id, assessment id) drawn: per county, random.Random(seed/county) samples
    how_many of its sorted ids, so a county's draw depends only on the seed and its own
    assessments (another county added or reviewed later does not change it)."""
    out = []
    for county_id in sorted(pool, key=lambda c: (c is None, c or "")):
        ids = sorted(pool[county_id])
        rng = random.Random(f"{seed}/{county_id or '-'}")
        out += [(county_id, aid) for aid in rng.sample(ids, how_many(rule, len(ids)))]
    return out


def new_seed() -> str:
    """A fresh seed (from os.urandom), short enough to write in the 通报 and type again."""
    return str(int.from_bytes(os.urandom(4), "big"))


def draw(ws: Workspace, year: int, *, per_county: int | None = None, share=None, seed=None, who: str | None = None,
         redraw: bool = False) -> Draw:
    """Draw the year's 复核 sample (module docstring), store and log it. Drawing again
    with the same rule (and the same seed, or none) changes nothing and returns the stored
    draw. Another rule or seed is refused unless `redraw`, which is refused in turn when
    an assessment that would leave the sample already has 复核 answers or photos."""
    rule = make_rule(per_county, share)
    seed = None if seed is None else str(seed).strip()
    if seed == "":
        raise StorageError("随机种子不能为空")
    if seed is not None and len(seed) > 100:
        raise StorageError("随机种子过长（最多 100 个字符）")
    year = int(year)
    old = draw_info(ws, year)
    pool = candidates(ws, year)
    if old and old.rule == rule and seed in (None, old.seed):
        again = choose(pool, rule, old.seed)
        if not redraw or [aid for _, aid in again] == list(old.ids):
            return replace(old, stale=[aid for _, aid in again] != list(old.ids))
        seed = old.seed
    elif old and not redraw:
        raise StorageError(f"{year} 年已抽取复核名单（{rule_text(old.rule)}，种子 {old.seed}，{old.drawn_at[:10]}）；"
                           "按相同规则与种子再抽不会改变名单；如确需按新规则重抽，请加 --redraw")
    seed = seed if seed is not None else new_seed()
    if not pool:
        raise StorageError(f"{year} 年没有县级考评已完成（已考评或已定稿）的乡镇、企业考评，无可抽取")
    chosen = choose(pool, rule, seed)
    if old:
        _refuse_leaving(ws, set(old.ids) - {aid for _, aid in chosen})
    draw_id, stamp = new_id(), now()
    counties = {}
    for county_id, _ in chosen:
        counties[county_id or ""] = counties.get(county_id or "", 0) + 1
    with ws.transaction() as db:
        if old:
            db.execute("DELETE FROM recheck_sample WHERE draw_id = ?", [old.id])
            db.execute("DELETE FROM recheck_draws WHERE id = ?", [old.id])
        db["recheck_draws"].insert({"id": draw_id, "year": year, "rule": rule, "seed": seed, "drawn_at": stamp,
                                    "drawn_by": who or ws.who})
        db.conn.executemany("INSERT INTO recheck_sample (draw_id, assessment_id, county_id) VALUES (?, ?, ?)",
                            [(draw_id, aid, county_id) for county_id, aid in chosen])
        ws.record("recheck", draw_id, "draw", {
            "year": year, "rule": rule, "seed": seed, "by": who or ws.who, "ids": [aid for _, aid in chosen],
            "counties": counties, "available": {c or "": len(ids) for c, ids in pool.items()},
            "replaces": {"id": old.id, "rule": old.rule, "seed": old.seed, "ids": list(old.ids)} if old else None})
    return replace(draw_info(ws, year), made=True)


def _refuse_leaving(ws: Workspace, leaving: set[str]) -> None:
    """A redraw may not drop an assessment the 军分区 has begun re-checking."""
    if not leaving:
        return
    marks = ",".join("?" * len(leaving))
    begun = ws.db.execute(
        "SELECT DISTINCT u.name FROM assessments a JOIN units u ON u.id = a.unit_id "
        f"WHERE a.id IN ({marks}) AND (EXISTS (SELECT 1 FROM answers r WHERE r.assessment_id = a.id "
        "AND r.role = 'recheck') OR EXISTS (SELECT 1 FROM attachments t WHERE t.assessment_id = a.id "
        "AND t.role = 'recheck')) ORDER BY u.name", sorted(leaving)).fetchall()
    if begun:
        raise StorageError(f"不能重抽：{'、'.join(r[0] for r in begun)} 已有复核结果或照片，重抽会把它们移出复核名单")


def draw_info(ws: Workspace, year: int) -> Draw | None:
    """The year's active draw, or None when nothing is drawn yet."""
    if not has_tables(ws):
        return None
    rows = list(ws.db.query("SELECT * FROM recheck_draws WHERE year = ? ORDER BY drawn_at DESC LIMIT 1",
                            [int(year)]))
    if not rows:
        return None
    d = rows[0]
    ids = tuple(r[0] for r in ws.db.execute("SELECT assessment_id FROM recheck_sample WHERE draw_id = ? "
                                            "ORDER BY rowid", [d["id"]]))
    return Draw(id=d["id"], year=d["year"], rule=d["rule"], seed=d["seed"], drawn_at=d["drawn_at"],
                drawn_by=d["drawn_by"], ids=ids)


def drawn(ws: Workspace, year: int) -> list[str]:
    """The assessment ids drawn for 复核 in the year (empty when nothing is drawn)."""
    info = draw_info(ws, year)
    return list(info.ids) if info else []


def sample(ws: Workspace, year: int) -> list[dict]:
    """The year's sample for listing: assessment id, county, unit, status, whether the
    复核 has begun; by county then unit name."""
    if not has_tables(ws):
        return []
    return list(ws.db.query(
        "SELECT a.id, c.name AS county_name, u.name AS unit_name, u.type AS unit_type, a.status, "
        "EXISTS (SELECT 1 FROM answers r WHERE r.assessment_id = a.id AND r.role = 'recheck') AS recheck_begun "
        "FROM recheck_sample s JOIN recheck_draws d ON d.id = s.draw_id JOIN assessments a ON a.id = s.assessment_id "
        "JOIN units u ON u.id = a.unit_id LEFT JOIN units c ON c.id = s.county_id "
        "WHERE d.year = ? ORDER BY c.name IS NULL, c.name, u.name", [int(year)]))
