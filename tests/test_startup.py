"""What opening the app loads before its window shows, and the garbage collector's part in
it (ui/startup.py). Many imports sit inside functions to keep these modules off the
start-up path; this test keeps them off (test_storage.py has the same guard for storage
alone)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap

from storage import answer_store
from storage import evidence

from conftest import ROOT, photo
from wsutil import open_ws, town_assessment

# Libraries loaded when first needed, never to show the window: sqlite-utils (the first
# save; preloaded a moment later), YAML (criteria files), Pillow (photos), openpyxl,
# reportlab (documents), cryptography (bundles), Qt's print and PDF modules (the preview).
HEAVY = ("sqlite_utils", "yaml", "PIL", "pi_heif", "pillow_heif", "openpyxl", "reportlab", "cryptography",
         "PySide6.QtPrintSupport", "PySide6.QtPdf", "PySide6.QtPdfWidgets")
# And the app's own modules for what the person has not opened yet: dialogs, documents and
# bundles, the 全市汇总 page's table model and charts (ui.city_view itself is loaded: the
# window asks it whether to offer the page), the photo import worker, the save dialogs and
# temporary files (ui.files), restoring a backup (a damaged database only), the roll-up.
LATER = ("ui.dialogs.", "ui.photo_viewer", "storage.demo", "exports", "checklists.workbook", "storage.exchange",
         "ui.charts", "ui.models.county_model", "ui.models.table_models", "ui.workers", "ui.files",
         "storage.restore", "storage.rollup")
# The value editors: only the one of the item on screen (and their common base).
EDITORS_ALWAYS = {"ui.editors", "ui.editors.base"}

SHOW_AND_QUIT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    import main
    from ui import startup

    startup.import_before_qt()  # as main.main does, before the QApplication made here
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    shown = []

    def look():
        for w in app.topLevelWidgets():
            if isinstance(w, QMainWindow) and w.isVisible():
                shown.append(type(w.item_pane.editor).__module__ if w.item_pane.editor is not None else None)
                app.quit()
                return

    probe = QTimer(app)
    probe.timeout.connect(look)
    probe.start(0)
    code = main.main(["--data-dir", {folder!r}])
    print(json.dumps({{"code": code, "shown": bool(shown), "editor": shown[0] if shown else None,
                      "modules": sorted(sys.modules)}}))
""")


def test_the_window_shows_without_the_heavy_libraries_dialogs_or_documents(tmp_path):
    """The app on a workspace with an assessment open last (answers, a photo): the main
    window shows, and none of HEAVY and LATER is loaded by then, nor the value editors of
    kinds not on screen."""
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
        answer_store.set_answer(ws, a["id"], "1.2", "self", True)
        evidence.add_photos(ws, a["id"], "1.1", [photo("jpg/Canon_40D.jpg")])
        ws.set_meta("ui.onboarded", "1")
        ws.set_meta("ui.last_assessment", a["id"])
    code = SHOW_AND_QUIT.format(root=str(ROOT), folder=str(folder))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["shown"] and result["code"] == 0, out.stderr
    loaded = [m for m in result["modules"]
              if m.split(".")[0] in HEAVY or m in HEAVY or any(m == p or m.startswith(p) for p in LATER)]
    assert loaded == [], loaded
    assert result["editor"] and result["editor"].startswith("ui.editors."), result["editor"]
    editors = {m for m in result["modules"] if m.startswith("ui.editors")}
    assert editors == EDITORS_ALWAYS | {result["editor"]}, editors


def test_every_value_editor_is_still_importable_from_ui_editors():
    """ui.editors imports each kind's editor module when first asked for; the names, EDITORS
    and make_editor's choice are those of the modules themselves."""
    import importlib

    import ui.editors as editors

    for name, module in editors.EDITOR_MODULES.items():
        cls = getattr(importlib.import_module(f"ui.editors.{module}"), name)
        assert getattr(editors, name) is cls and issubclass(cls, editors.ValueEditor)
    assert set(editors.EDITORS) == {"check", "rubric", "number", "score", "deduct", "elements"}
    assert all(cls is getattr(editors, editors.KIND_EDITORS[kind]) for kind, cls in editors.EDITORS.items())
    assert set(editors.__all__) <= set(dir(editors)) | set(editors.EDITOR_MODULES) | {"EDITORS"}


def test_the_collector_is_off_while_starting_and_settled_after(monkeypatch):
    """ui.startup.open_app: collection off from the first import to the window; its
    settle_heap freezes what exists (it lives as long as the app) and turns collection on."""
    from ui import app as ui_app
    from ui import startup

    seen = {}

    def run_app(settle_heap):
        seen["while starting"] = gc.isenabled()
        settle_heap()
        seen["after"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count()
        return 7

    monkeypatch.setattr(ui_app, "run_app", run_app)
    was_enabled = gc.isenabled()
    try:
        assert startup.open_app() == 7
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
    assert seen["while starting"] is False and seen["after"] is True and seen["frozen"] > 0
