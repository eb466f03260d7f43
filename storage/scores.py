"""The score of an assessment — one rule for every list and document — and the score cache.

The rule: an assessment is judged on its highest role that has answers — the 军分区's
复核 (recheck) once any recheck answer is stored, else the county inspector's review once
the review has begun (any review answer is stored), else the unit's self-assessment; a
role with nothing answered yet is not scored (no score, no level, no rank). `score_role` / `ROLE_SQL` say
which role, `final_score` scores it, `list_scores` (assessment list) and `scores`
(county summary) read it from the cache.

The cache (table `score_cache`, migration m004) keeps per (assessment, role) what the
lists and the summary show. A row is used only while its key matches: the assessment's
three answer revisions, the sha256 of its criteria text, and `engine_fingerprint()` (the
scoring code); the table's triggers also delete an assessment's rows whenever its
answers, photos or checklist reference change, or any criteria text is replaced, so a
stale score is never shown. Rows are written only by a read-write workspace; a read-only
one (reports while the app is open) or a failed write (busy, full or read-only disk)
just scores without remembering.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from checklists import score
from checklists.numbers import to_json_number
from checklists.scoring import ScoreResult

from . import checklist_store, schema
from .answer_store import scoring_inputs
from .assessments import get_assessment

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .models import ScoredAssessmentRow
    from .workspace import Workspace

# Whether the review (the 复核) of assessment `a` has begun: one probe of idx_answers_assessment_role.
REVIEW_BEGUN_SQL = "EXISTS (SELECT 1 FROM answers r WHERE r.assessment_id = a.id AND r.role = 'review')"
RECHECK_BEGUN_SQL = "EXISTS (SELECT 1 FROM answers r WHERE r.assessment_id = a.id AND r.role = 'recheck')"
ROLE_SQL = f"CASE WHEN {RECHECK_BEGUN_SQL} THEN 'recheck' WHEN {REVIEW_BEGUN_SQL} THEN 'review' ELSE 'self' END"

# Bump when what a cached row means changes without the code below changing.
CACHE_FORMAT = "3"


def score_role(ws: Workspace, assessment_id: str) -> str:
    """'recheck' once the 军分区 has entered any 复核 answer, else 'review' once the
    inspector has entered any answer, else 'self'."""
    row = ws.db.execute(f"SELECT {ROLE_SQL} FROM assessments a WHERE a.id = ?", [assessment_id]).fetchone()
    return row[0] if row else "self"


def applicable_count(result: ScoreResult) -> int:
    """How many items apply to the unit: all but those its tags leave out (never answerable)."""
    return len(result.items) - len(result.not_applicable)


def answered_count(result: ScoreResult) -> int:
    """How many of the items that apply to the unit are answered."""
    return applicable_count(result) - len(result.unanswered)


def is_scored(result: ScoreResult) -> bool:
    """False while nothing at all is answered in the role (items the unit's tags leave
    out do not count as answered): no score, no level, no rank."""
    return answered_count(result) > 0


def final_score(ws: Workspace, assessment_id: str) -> tuple[str, ScoreResult]:
    """(role, full result) the assessment is judged on."""
    from .answer_store import score_assessment

    role = score_role(ws, assessment_id)
    return role, score_assessment(ws, assessment_id, role)


@dataclass(frozen=True)
class Score:
    """What lists and the summary show of an assessment's score (exact Fractions)."""

    role: str  # 'self' | 'review' | 'recheck'
    final: Fraction | None  # None: nothing answered yet
    level: str | None  # level key; None when not scored
    level_label: str  # "" when not scored
    answered: int
    items: int
    categories: dict  # top-level category code -> ratio (Fraction | None)
    lost: tuple  # ((item code, points lost), ...) for items that lost points, the gap list's order
    # Why it could not be scored (a stored answer damaged or out of range, naming it); then
    # it is shown unscored like one with nothing answered, and never cached.
    problem: str | None = None

    @property
    def shown(self):
        """The final score as JSON shows it (rounded half-up), None when not scored."""
        return None if self.final is None else to_json_number(self.final)


def summarize(role: str, result: ScoreResult) -> Score:
    scored = is_scored(result)
    return Score(role=role, final=result.final if scored else None, level=result.level if scored else None,
                 level_label=result.level_label if scored else "", answered=answered_count(result),
                 items=applicable_count(result), categories={c.code: c.ratio for c in result.categories},
                 lost=tuple((g.code, g.lost) for g in result.gap if g.lost > 0))


# --------------------------------------------------------------------------- engine fingerprint

_ENGINE: str | None = None


def engine_fingerprint() -> str:
    """A hash of the code a score is computed by (the checklists package, answer decoding,
    this module), so a cached score made by another version of Dabiao is not used. Where
    the sources cannot be read (a frozen build), the program's files are fixed anyway:
    the format number and the build's own module files stand in."""
    global _ENGINE
    if _ENGINE is None:
        import checklists

        from . import answer_store

        h = hashlib.sha256(CACHE_FORMAT.encode())
        files = sorted(Path(checklists.__file__).parent.glob("*.py")) + [Path(answer_store.__file__), Path(__file__)]
        for path in files:
            try:
                h.update(path.name.encode() + b"\0" + path.read_bytes())
            except OSError:
                h.update(path.name.encode() + b"\0?")
        _ENGINE = h.hexdigest()[:32]
    return _ENGINE


# --------------------------------------------------------------------------- the cache

_COLUMNS = ("assessment_id", "role", "judged", "self_rev", "review_rev", "recheck_rev", "criteria", "engine", "final", "shown",
            "level", "level_label", "answered", "items", "detail")
_STORE_SQL = f"INSERT OR REPLACE INTO score_cache ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"

# The key a cached row must match, `a` the assessment, `c` its criteria row, `s` the cache
# (formatted with the recheck revision of `a`: _recheck_rev).
_KEY_SQL = ("s.assessment_id = a.id AND s.judged = 1 AND s.self_rev IS a.self_rev AND s.review_rev IS a.review_rev "
            "AND s.recheck_rev IS {recheck_rev} AND s.criteria = c.sha256 AND s.engine = ?")


def _recheck_rev(ws: Workspace) -> str:
    """`a.recheck_rev`, or 0 in a workspace made before the 复核 (m006) and opened
    read-only (not upgraded: it has no such column, and no recheck answers)."""
    columns = {r[1] for r in ws.db.execute("PRAGMA table_info(assessments)").fetchall()}
    return "a.recheck_rev" if "recheck_rev" in columns else "0"


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _cache_row(key: dict, s: Score) -> tuple:
    detail = json.dumps({"categories": [[code, _fraction_text(r)] for code, r in s.categories.items()],
                         "lost": [[code, _fraction_text(lost)] for code, lost in s.lost]}, separators=(",", ":"))
    return (key["id"], s.role, 1, key["self_rev"], key["review_rev"], key["recheck_rev"], key["criteria_sha256"],
            engine_fingerprint(),
            _fraction_text(s.final), s.shown, s.level, s.level_label, s.answered, s.items, detail)


class _Fractions(dict):
    """"n/d" text -> Fraction, each distinct text parsed once (ratios and losses recur)."""

    def __missing__(self, text):
        n, d = text.split("/")
        value = self[text] = Fraction(int(n), int(d))
        return value


def _from_cache(fractions: _Fractions, role, final, level, level_label, answered, items, detail) -> Score:
    d = json.loads(detail)
    return Score(role=role, final=None if final is None else fractions[final], level=level,
                 level_label=level_label or "", answered=answered, items=items,
                 categories={code: None if r is None else fractions[r] for code, r in d["categories"]},
                 lost=tuple((code, fractions[lost]) for code, lost in d["lost"]))


def _keys(ws: Workspace, ids: list, chunk: int = 400) -> list[dict]:
    """For assessments not found in the cache: what scoring them needs and the key they are
    stored under (the role by ROLE_SQL, the three revisions, the criteria's sha256)."""
    out = []
    recheck_rev = _recheck_rev(ws)
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        out += ws.db.query(
            f"SELECT a.id, a.checklist_id, a.checklist_version, a.self_rev, a.review_rev, "
            f"{recheck_rev} AS recheck_rev, {ROLE_SQL} AS score_role, "
            "c.sha256 AS criteria_sha256 FROM assessments a "
            "LEFT JOIN checklists c ON c.id = a.checklist_id AND c.version = a.checklist_version "
            f"WHERE a.id IN ({','.join('?' * len(part))})", part)
    return out


def _compute(ws: Workspace, keys: list[dict]) -> dict[str, Score]:
    """assessment id -> Score, for _keys rows; inputs read in batches, each checklist loaded
    once. An assessment with an answer that cannot be read is unscored, its Score naming
    the record (`problem`); the others are scored as usual."""
    damaged: dict = {}
    inputs = scoring_inputs(ws, [(k["id"], k["score_role"]) for k in keys], damaged=damaged)
    checklists: dict = {}
    out = {}
    for k in keys:
        bad = damaged.get((k["id"], k["score_role"]))
        if bad is not None:
            out[k["id"]] = Score(role=k["score_role"], final=None, level=None, level_label="", answered=0, items=0,
                                 categories={}, lost=(), problem=str(bad))
            continue
        ref = (k["checklist_id"], k["checklist_version"])
        if ref not in checklists:
            checklists[ref] = checklist_store.load(ws, *ref)
        out[k["id"]] = summarize(k["score_role"], score(checklists[ref], inputs[(k["id"], k["score_role"])]))
    return out


def _remember(ws: Workspace, keys: list[dict], computed: dict[str, Score]) -> None:
    """Store computed scores under the key read with them; skipped when the workspace is
    read-only, and a write that fails (busy, read-only or full disk) is just not kept."""
    if ws.readonly or not computed or not _cache_ready(ws):
        return
    try:
        with ws.db.atomic():
            ws.db.conn.executemany(_STORE_SQL, [_cache_row(k, computed[k["id"]]) for k in keys
                                                if k["id"] in computed and k["criteria_sha256"] is not None
                                                and computed[k["id"]].problem is None])
    except sqlite3.Error:
        pass


def _score_missing(ws: Workspace, ids: list) -> dict[str, Score]:
    keys = _keys(ws, ids)
    computed = _compute(ws, keys)
    _remember(ws, keys, computed)
    return computed


@contextmanager
def _snapshot(ws: Workspace):
    """One read transaction around reading the key, the inputs and storing the result:
    if anything changed in between, SQLite refuses the write and the score is not kept.
    A commit that fails (full disk) only loses the remembered scores, never the listing.
    Inside a caller's transaction, that transaction is the snapshot."""
    conn = ws.db.conn
    with ws._mutex:
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")


def _cache_ready(ws: Workspace) -> bool:
    """Whether the workspace has the cache as migration m004 made it: its table with these
    columns and the triggers that keep it true. A workspace made before that migration and
    opened read-only cannot be upgraded; whatever score table it may hold (an older
    layout, no triggers keeping it true) is not read: its scores are computed, not kept."""
    if "m004_score_cache" not in schema.applied_names(ws.db):
        return False
    columns = {r[1] for r in ws.db.execute("PRAGMA table_info(score_cache)").fetchall()}
    return set(_COLUMNS) <= columns


def _cache_table(ws: Workspace) -> str:
    """The cache table, or an empty stand-in where there is none to trust (_cache_ready)."""
    if _cache_ready(ws):
        return "score_cache"
    return "(SELECT " + ", ".join(f"NULL AS {c}" for c in _COLUMNS) + " WHERE 0)"


def judged_cache_join(ws: Workspace) -> tuple[str, list]:
    """(SQL, params): `LEFT JOIN ... s ON ...` joining each assessment `a` (with its criteria
    row `c`) to its judged role's cache row while the key still matches, for readers that
    take cached figures in their own set query (storage/rollup.py); s.* is NULL otherwise."""
    join = f"LEFT JOIN {_cache_table(ws)} s ON {_KEY_SQL.format(recheck_rev=_recheck_rev(ws))}"
    return join, [engine_fingerprint()]


_LIST_SQL = (
    "SELECT a.*, u.name AS unit_name, u.type AS unit_type, c.title AS checklist_title, "
    "s.role AS score_role, s.shown AS final, s.level AS level, s.level_label AS level_label "
    "FROM assessments a JOIN units u ON u.id = a.unit_id "
    "LEFT JOIN checklists c ON c.id = a.checklist_id AND c.version = a.checklist_version "
    f"LEFT JOIN {{cache}} s ON {_KEY_SQL} {{where}} "
    "ORDER BY a.year DESC, u.name"
)


def list_scores(ws: Workspace, year: int | None = None) -> list[ScoredAssessmentRow]:
    """The rows of assessments.list_assessments, each with the score it is judged on:
    `score_role` ('self' | 'review' | 'recheck'), `final` (as JSON shows it; None when nothing is
    answered), `level`, `level_label`, and `problem` on a row that could not be scored (a
    stored answer damaged or out of range, named). Cached scores come with the rows in one
    query; the others are computed and remembered (not in a workspace opened read-only,
    nor in one made before the cache existed)."""
    where, params = ("WHERE a.year = ?", [int(year)]) if year is not None else ("", [])
    with _snapshot(ws):
        sql = _LIST_SQL.format(cache=_cache_table(ws), where=where, recheck_rev=_recheck_rev(ws))
        cursor = ws.db.execute(sql, [engine_fingerprint()] + params)
        keys = [d[0] for d in cursor.description]
        rows = [dict(zip(keys, values)) for values in cursor]
        missing = [r for r in rows if r["score_role"] is None]
        if missing:
            computed = _score_missing(ws, [r["id"] for r in missing])
            for r in missing:
                s = computed[r["id"]]
                r.update(score_role=s.role, final=s.shown, level=s.level, level_label=s.level_label)
                if s.problem:
                    r["problem"] = s.problem  # unscored: an answer cannot be read (named)
    return rows


_SCORES_SQL = (
    "SELECT a.id, s.role, s.final, s.level, s.level_label, s.answered, s.items, s.detail "
    "FROM assessments a LEFT JOIN checklists c ON c.id = a.checklist_id AND c.version = a.checklist_version "
    f"JOIN {{cache}} s ON {_KEY_SQL} WHERE a.id IN ({{marks}})"
)


def scores(ws: Workspace, assessment_ids: Iterable[str], chunk: int = 400) -> dict[str, Score]:
    """assessment id -> Score it is judged on (the summary's figures), from the cache where
    it holds them, computed (and remembered when possible) otherwise."""
    ids = list(dict.fromkeys(assessment_ids))
    out: dict = {}
    fractions = _Fractions()
    with _snapshot(ws):
        cache, recheck_rev = _cache_table(ws), _recheck_rev(ws)
        for start in range(0, len(ids), chunk):
            part = ids[start:start + chunk]
            sql = _SCORES_SQL.format(cache=cache, marks=",".join("?" * len(part)), recheck_rev=recheck_rev)
            for aid, *cached in ws.db.execute(sql, [engine_fingerprint()] + part):
                out[aid] = _from_cache(fractions, *cached)
        missing = [aid for aid in ids if aid not in out]
        if missing:
            out.update(_score_missing(ws, missing))
    unknown = [aid for aid in ids if aid not in out]
    if unknown:
        get_assessment(ws, unknown[0])  # raises: 找不到考评记录
    return out
