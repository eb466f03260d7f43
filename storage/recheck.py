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

from typing import TYPE_CHECKING

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
