"""A workspace under review, for test_review_flow.py (storage and the command line) and the
app's test_ui_review.py / test_ui_exchange.py: 某县 > 城关镇 and 东风镇, a 2027 assessment
of 城关镇 with five self answers (SELF), submitted. A test module imports the fixtures by
name (`from review_ws import aid, template, ws, ws_dir`); each test gets its own copy."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from storage import Workspace, assessments, checklist_store, units
from storage import answer_store

CHECKLIST = "city-2027-town"
SELF = {"1.1": Fraction(3), "1.2": True, "1.5": Fraction(3, 2), "2.4": Fraction(85), "10.1": True}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The workspace, made once for a test module."""
    folder = tmp_path_factory.mktemp("review") / "ws"
    with Workspace.open(folder, backup=False) as ws:
        checklist_store.ensure_bundled(ws)
        county = units.add_unit(ws, "某县", "county")
        town = units.add_unit(ws, "城关镇", "town", county["id"])
        units.add_unit(ws, "东风镇", "town", county["id"])
        a = assessments.new_assessment(ws, town["id"], CHECKLIST, None, 2027)
        index = assessments.checklist_of(ws, a).item_index()
        for code, value in SELF.items():
            if code in index:
                answer_store.set_answer(ws, a["id"], code, "self", value)
        assessments.set_status(ws, a["id"], "submitted")
        ws.set_meta("ui.onboarded", "1")
    return folder


@pytest.fixture
def ws_dir(template, tmp_path) -> Path:
    """A copy of the template (without its lock file) for one test."""
    return Path(shutil.copytree(template, tmp_path / "ws", ignore=shutil.ignore_patterns("dabiao.lock")))


@pytest.fixture
def ws(ws_dir):
    w = Workspace.open(ws_dir, backup=False)
    yield w
    w.close()


@pytest.fixture
def aid(ws) -> str:
    """The id of 城关镇's submitted assessment."""
    return assessments.list_assessments(ws)[0]["id"]
