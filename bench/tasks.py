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


def small_photos(folder: Path, n: int) -> list[Path]:
    """n distinct 1600 px JPEGs (about 200 KB): quick to make, like report-size photos."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"P{i:04d}.jpg"
        if not path.exists():
            img = Image.new("RGB", (48, 36))
            img.putdata([((i * 37 + k * 11) % 256, (k * 7) % 256, (i + k) % 256) for k in range(48 * 36)])
            img.resize((1600, 1200), Image.Resampling.BICUBIC).save(path, "JPEG", quality=88)
        out.append(path)
    return out


def bundle_workspace(folder: Path, n: int):
    """A town workspace holding one assessment with n photos: (folder, assessment id, evidence files)."""
    ws, assessment_id = empty_assessment(folder)
    try:
        evidence.add_photos(ws, assessment_id, "1.1", small_photos(folder.parent / f"photos-{n}", n))
        files = [row["original"] for row in evidence.list_evidence(ws, assessment_id)]
    finally:
        ws.close()
    return folder, assessment_id, files


def bundle_roundtrip(ws_dir: Path, assessment_id: str, target: Path) -> None:
    """Export a submission from the town and import it into a fresh workspace."""
    from storage import bundles

    out = target.with_suffix(".dabiao")
    ws = Workspace.open(ws_dir, backup=False)
    try:
        bundles.export_bundle(ws, "submission", [assessment_id], out)
    finally:
        ws.close()
    other = Workspace.open(target, backup=False)
    try:
        bundles.import_bundle(other, out)
    finally:
        other.close()


def floor_zip(files, target: Path) -> None:
    """zipfile storing the same photo files, then extracting them."""
    import shutil
    import zipfile

    archive = target.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for f in files:
            zf.write(f, f"evidence/{f.name}")
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(target)


def bundle_memory(workdir: str, n: int) -> None:
    work = Path(workdir)
    ws_dir, assessment_id, _ = bundle_workspace(work / f"mem-bundle-{n}", n)
    before = _peak_mb()
    bundle_roundtrip(ws_dir, assessment_id, work / f"mem-target-{n}")
    print(max(before, _peak_mb()))
