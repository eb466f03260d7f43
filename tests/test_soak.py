"""Soak: the app on a county-and-a-half of assessments stays alive and changes nothing.

A binding that corrupted reference counts (PySide6 6.12.0 on Python 3.11) aborted the
app 1-3 s after the window appeared once a workspace held ~45 assessments; this opens
300 (3 counties x 50 towns x 2 years), lets every badge fill, reads through every item
of three assessments with the keyboard and moves through the units tree for a bounded
time, in a child process (tests/soak_app.py) so that an abort fails this test instead of
killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from storage import Workspace, assessments
from storage.generate import generate_workspace

DRIVER = Path(__file__).resolve().parent / "soak_app.py"
SECONDS = 12


def answers_digest(ws) -> str:
    """Every stored answer as one JSON text (assessment, code, role, value, note, documents):
    equal before and after means nothing was changed."""
    rows = ws.db.execute("SELECT assessment_id, code, role, value, note, documents FROM answers "
                         "ORDER BY assessment_id, code, role").fetchall()
    return json.dumps([list(r) for r in rows], ensure_ascii=False)


def test_app_survives_300_assessments_and_changes_no_answer(tmp_path):
    folder = tmp_path / "ws"
    ws = Workspace.open(folder, backup=False)
    made = generate_workspace(ws, counties=3, towns_per_county=50, years=(2026, 2027), seed=11)
    ws.set_meta("ui.onboarded", "1")
    items = len(list(assessments.checklist_of(ws, assessments.get_assessment(ws, made.assessments[0])).items()))
    before = answers_digest(ws)
    ws.close()
    assert len(made.assessments) == 300

    env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(DRIVER), str(folder), str(SECONDS)], env=env,
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["items_walked"] == 3 * items  # every item of three assessments was shown
    assert report["switches"] >= 50  # and many assessments were opened one after another
    ws = Workspace.open(folder, readonly=True)
    try:
        assert answers_digest(ws) == before
    finally:
        ws.close()
