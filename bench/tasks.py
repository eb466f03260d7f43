"""The work each benchmark times: our code paths and their floors."""

from __future__ import annotations

import hashlib
import io
import resource
import sys
from pathlib import Path

from PIL import Image, ImageOps

import data
from storage import Workspace, assessments, checklist_store, evidence, units


def _peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def empty_assessment(folder: Path):
    """A fresh workspace with one town and a draft assessment: (workspace, assessment id)."""
    ws = Workspace.open(folder, backup=False)
    checklist_store.ensure_bundled(ws)
    town = units.add_unit(ws, "城关镇", "town")
    a = assessments.new_assessment(ws, town["id"], "prov-2027-town", None, 2027)
    return ws, a["id"]


def import_photos(target, photos) -> None:
    ws, assessment_id = target
    try:
        outcomes = evidence.add_photos(ws, assessment_id, "1.1", photos)
        assert all(o.ok for o in outcomes)
    finally:
        ws.close()


def floor_photos(photos, out: Path) -> None:
    """Read, hash, decode in draft mode, orient, write the same two derived JPEGs."""
    out.mkdir(parents=True, exist_ok=True)
    for path in photos:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        img = Image.open(io.BytesIO(raw))
        img.draft("RGB", (1600, 1600))
        img = ImageOps.exif_transpose(img)
        for side, name in ((1600, "report"), (320, "thumb")):
            copy = img.copy()
            copy.thumbnail((side, side))
            copy.save(out / f"{digest}.{name}.jpg", "JPEG", quality=85)


def import_memory(workdir: str, n: int) -> None:
    work = Path(workdir)
    photos = data.phone_photos(work / "photos", n)
    target = empty_assessment(work / f"mem-ws-{n}")
    import_photos(target, photos)
    print(_peak_mb())
