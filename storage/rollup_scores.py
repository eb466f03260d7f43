"""The judged scores of a year's assessments as the 军分区 roll-up reads them: one query
joining each assessment to its judged score-cache row (storage.scores.judged_cache_join),
the cached texts parsed once each and the detail only when asked for; the scores the cache
lacks are computed (storage.scores.scores).
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import TYPE_CHECKING

from . import scores

if TYPE_CHECKING:
    from .workspace import Workspace


class CachedScore:
    """The judged score of an assessment as the roll-up needs it, read straight from its
    score_cache row (stands in for scores.Score): the final as a Fraction (each distinct
    text parsed once), the detail JSON parsed at most once and only when asked for; losses
    are integer pairs (the most-lost sums, the failing item), category ratios become
    Fractions only for a unit that failed."""

    __slots__ = ("role", "final", "level", "_detail", "_memo", "_losses", "_ratios", "_categories")

    def __init__(self, role, final, level, detail, memo):
        self.role, self.level, self._detail, self._memo = role, level, detail, memo
        self.final = None if final is None else memo.fraction(final)
        self._losses = self._ratios = self._categories = None

    @classmethod
    def of_score(cls, s, memo) -> CachedScore:
        """From a scores.Score (an assessment the cache did not hold)."""
        c = cls(s.role, None, s.level, None, memo)
        c.final, c._categories = s.final, dict(s.categories)
        c._losses = [(code, v.numerator, v.denominator) for code, v in s.lost]
        return c

    def losses(self) -> list:
        """[(item code, numerator, denominator) of the points lost] in the gap list's order."""
        if self._losses is None:
            d = json.loads(self._detail) if self._detail else {"lost": [], "categories": []}
            pair = self._memo.pair
            self._losses = [(code, *pair(text)) for code, text in d["lost"]]
            self._ratios = d["categories"]
        return self._losses

    @property
    def categories(self) -> dict:
        """Top-level category code -> ratio (Fraction | None), like Score.categories."""
        if self._categories is None:
            self.losses()
            self._categories = {code: None if r is None else self._memo.fraction(r) for code, r in self._ratios}
        return self._categories


class TextMemo:
    """"n/d" texts of the cache parsed once each (scores, ratios and losses recur)."""

    def __init__(self):
        self._pairs: dict = {}
        self._fractions: dict = {}

    def pair(self, text: str) -> tuple[int, int]:
        got = self._pairs.get(text)
        if got is None:
            n, d = text.split("/")
            got = self._pairs[text] = (int(n), int(d))
        return got

    def fraction(self, text: str) -> Fraction:
        got = self._fractions.get(text)
        if got is None:
            got = self._fractions[text] = Fraction(*self.pair(text))
        return got


def year_scores(ws: Workspace, year: int, memo: TextMemo) -> tuple[list[dict], dict]:
    """(assessment rows of the year, id -> CachedScore) in one query joining each row's judged
    cache row under the key storage.scores checks; scores the cache lacks (a read-only
    workspace never listed, an edit since) come from scores.scores, computed."""
    join, params = scores.judged_cache_join(ws)
    sql = (f"SELECT a.id, a.unit_id, a.status, a.checklist_id, a.checklist_version, u.name, u.type, "
           f"s.role, s.final, s.level, s.detail FROM assessments a JOIN units u ON u.id = a.unit_id "
           f"LEFT JOIN checklists c ON c.id = a.checklist_id AND c.version = a.checklist_version "
           f"{join} WHERE a.year = ? ORDER BY u.name, a.id")
    rows, got = {}, {}
    for aid, unit_id, status, cid, cver, name, utype, role, final, level, detail in ws.db.execute(
            sql, params + [int(year)]):
        rows[aid] = {"id": aid, "unit_id": unit_id, "status": status, "checklist_id": cid,
                     "checklist_version": cver, "unit_name": name, "unit_type": utype}
        if role is not None:
            got[aid] = CachedScore(role, final, level, detail, memo)
    missing = [aid for aid in rows if aid not in got]
    if missing:
        got.update((aid, CachedScore.of_score(s, memo)) for aid, s in scores.scores(ws, missing).items())
    return list(rows.values()), got
