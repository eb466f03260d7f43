"""Generated 军分区 workspaces for the issue 17 benchmarks (storage.generate_province),
made once per folder, and their county year bundles."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_province(folder: Path, counties: int, towns: int = 15, years=(2027,), militia: int = 0,
                  enterprises: int = 0, photos: int = 0, seed: int = 0) -> Path:
    """A workspace of one 军分区 with counties x towns (and their 民兵营连 / enterprises when
    asked), every unit assessed each year, the score cache filled (as after the first
    listing: every later start and summary reads it). Made once per folder."""
    sys.path.insert(0, str(ROOT))
    from storage import Workspace, scores
    from storage.generate import generate_province

    if not (folder / "dabiao.sqlite").exists():
        ws = Workspace.open(folder, backup=False)
        try:
            generate_province(ws, counties=counties, towns_per_county=towns, years=tuple(years),
                              enterprises_per_county=enterprises, militia_per_town=militia,
                              photos_per_assessment=photos, seed=seed)
            scores.list_scores(ws)
            ws.set_meta("ui.onboarded", "1")
        finally:
            ws.close()
    return folder


def county_bundles(ws_dir: Path, out: Path, year: int, photos: bool = False) -> list[Path]:
    """Each county's year bundle (`bundle export --kind year --year YEAR --county NAME
    [--no-photos]`), exported from the province workspace into `out`, in county order."""
    from storage import Workspace
    from storage.exchange.export import export_bundle

    out.mkdir(parents=True, exist_ok=True)
    ws = Workspace.open(ws_dir, backup=False)
    try:
        counties = [r[0] for r in ws.db.execute("SELECT id FROM units WHERE type = 'county' ORDER BY rowid")]
        return [export_bundle(ws, "year", out=out / f"county-{k:03d}.dabiao", year=year, county=cid,
                              photos=photos).path for k, cid in enumerate(counties)]
    finally:
        ws.close()
