"""The work each benchmark times: our code paths and their floors."""

from __future__ import annotations

import hashlib
import io
import os
import resource
import sys
from pathlib import Path

from PIL import Image, ImageOps

import data
from storage import Workspace, assessments, checklist_store, evidence, units
from storage.generate import best_value


def _peak_mb() -> float:
    """This process's peak resident memory. On Linux from VmHWM: ru_maxrss survives exec,
    so a child started by a big parent (the bench, after decoding 12 MP photos) would
    report the parent's peak instead of its own."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
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
    """Read, hash, decode in draft mode, orient, write the same two derived JPEGs (the
    sizes and qualities storage.photos uses), each flushed to disk as ours are: photos
    must be on disk before the rows that name them commit."""
    from storage.photos import REPORT_QUALITY, REPORT_SIDE, THUMB_SIDE

    out.mkdir(parents=True, exist_ok=True)
    for path in photos:
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        img = Image.open(io.BytesIO(raw))
        img.draft("RGB", (REPORT_SIDE, REPORT_SIDE))
        img = ImageOps.exif_transpose(img)
        for side, quality, name in ((REPORT_SIDE, REPORT_QUALITY, "report"), (THUMB_SIDE, 80, "thumb")):
            copy = img.copy()
            copy.thumbnail((side, side))
            with open(out / f"{digest}.{name}.jpg", "wb") as f:
                copy.save(f, "JPEG", quality=quality)
                f.flush()
                os.fsync(f.fileno())


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
        evidence.add_photos(ws, assessment_id, "1.1", small_photos(folder.parent / "small-photos", n))
        files = [row["original"] for row in evidence.list_evidence(ws, assessment_id)]
    finally:
        ws.close()
    return folder, assessment_id, files


def bundle_roundtrip(ws_dir: Path, assessment_id: str, target: Path) -> None:
    """Export a submission from the town and import it into a fresh workspace."""
    from storage.exchange.export import export_bundle
    from storage.exchange.importer import import_bundle

    out = target.with_suffix(".dabiao")
    ws = Workspace.open(ws_dir, backup=False)
    try:
        export_bundle(ws, "submission", [assessment_id], out)
    finally:
        ws.close()
    other = Workspace.open(target, backup=False)
    try:
        import_bundle(other, out)
    finally:
        other.close()


def floor_zip(files, target: Path) -> None:
    """The least a durable round trip must do: store the same photo files in a zip and
    flush it (as the export does), then extract them and flush each extracted file and
    the folders that received them, in one pass after extracting (as the import does:
    photos on disk before the rows that name them commit)."""
    import shutil
    import zipfile

    archive = target.with_suffix(".zip")
    with open(archive, "wb") as raw:
        with zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
            for f in files:
                zf.write(f, f"evidence/{f.name}")
        raw.flush()
        os.fsync(raw.fileno())
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(target)
    extracted = [target / "evidence" / f.name for f in files]
    for path in extracted:
        with open(path, "rb") as f:
            os.fsync(f.fileno())
    for folder in {p.parent for p in extracted} | {target}:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def bundle_memory(workdir: str, n: int) -> None:
    work = Path(workdir)
    ws_dir, assessment_id, _ = bundle_workspace(work / f"mem-bundle-{n}", n)
    before = _peak_mb()
    bundle_roundtrip(ws_dir, assessment_id, work / f"mem-target-{n}")
    print(max(before, _peak_mb()))


def report_workspace(folder: Path, n: int):
    """A town workspace with the bundled prov-2027-town checklist answered (every tenth item
    a gap) and n report-size photos spread over its items, a few per item:
    (folder, assessment id, the derived report JPEGs the gap report prints)."""
    from storage import answer_store

    ws, assessment_id = empty_assessment(folder)
    try:
        checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, assessment_id))
        items = list(checklist.items())
        for k, item in enumerate(items):
            value = False if (item.kind == "check" and k % 10 == 3) else best_value(item)
            answer_store.set_answer(ws, assessment_id, item.code, "self", value)
        photos = small_photos(folder.parent / "small-photos", n)
        per_item = max(1, -(-n // len(items)))  # ceil: spread over as many items as it takes
        for start in range(0, n, per_item):
            code = items[(start // per_item) % len(items)].code
            outcomes = evidence.add_photos(ws, assessment_id, code, photos[start:start + per_item],
                                           caption="现场照片")
            assert all(o.ok for o in outcomes)
        jpegs = [row["report"] for row in evidence.list_evidence(ws, assessment_id)]
    finally:
        ws.close()
    assert len(jpegs) == n
    return folder, assessment_id, jpegs


def gap_report(ws_dir: Path, assessment_id: str, out: Path) -> None:
    """What `main.py report gap ASSESSMENT --out out` does: collect, then render."""
    from exports.collect import gap_report_data
    from exports.gap_report import render_gap_report

    ws = Workspace.open(ws_dir, backup=False, readonly=True)
    try:
        data = gap_report_data(ws, assessment_id)
    finally:
        ws.close()
    render_gap_report(data, out)


def report_text(pdf: Path) -> list[list[str]]:
    """The text lines of each page of a made report (pdftotext -layout), for the floor."""
    import subprocess

    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[line.strip() for line in page.splitlines() if line.strip()] for page in out.split("\f") if page.strip()]


def floor_report(jpegs, out: Path, pages: list[list[str]] | None = None) -> None:
    """The gap report's floor: reportlab's canvas placing the same derived JPEGs, two per
    page (drawImage of the file path: reportlab passes the JPEG bytes through without
    decoding). With `pages` (report_text of a made report) it also writes each page's
    text lines, already broken and placed, in the shipped CJK font embedded as a subset:
    a comparison for context, not a floor (reportlab's own text drawing is slower than
    exports/rl_speedups/text.py)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "BenchCJK" not in pdfmetrics.getRegisteredFontNames():
        font = Path(__file__).resolve().parent.parent / "exports" / "fonts" / "wqy-microhei.ttc"
        pdfmetrics.registerFont(TTFont("BenchCJK", str(font)))
    pages = pages or []
    page_w, page_h = A4
    margin = 56
    box_w, box_h = page_w - 2 * margin, (page_h - 3 * margin) / 2
    c = canvas.Canvas(str(out), pagesize=A4)
    photo = 0
    for k in range(max(len(pages), -(-len(jpegs) // 2))):
        c.setFont("BenchCJK", 12)
        y = page_h - margin
        for line in pages[k] if k < len(pages) else ():
            c.drawString(margin, y, line)
            y -= 14
        for slot in range(2):
            if photo < len(jpegs):
                c.drawImage(str(jpegs[photo]), margin, margin + slot * (box_h + margin), box_w, box_h,
                            preserveAspectRatio=True)
                photo += 1
        c.showPage()
    c.save()


def startup_workspace(folder: Path, n_units: int) -> Path:
    """A county workspace the app opens at start: one county and n_units - 1 towns, five of
    them with an answered assessment (one with photos), the last one left open."""
    from storage import answer_store

    ws = Workspace.open(folder, backup=False)
    try:
        checklist_store.ensure_bundled(ws)
        county = units.add_unit(ws, "城关县", "county")
        towns = [units.add_unit(ws, f"第{i:02d}镇", "town", county["id"]) for i in range(1, n_units)]
        last = None
        for k, town in enumerate(towns[:5]):
            a = assessments.new_assessment(ws, town["id"], "prov-2027-town", None, 2027)
            checklist = assessments.checklist_of(ws, assessments.get_assessment(ws, a["id"]))
            for j, item in enumerate(checklist.items()):
                if (j + k) % 4:  # three items in four answered
                    answer_store.set_answer(ws, a["id"], item.code, "self", best_value(item))
            last = a["id"]
        evidence.add_photos(ws, last, "1.1", small_photos(folder.parent / "startup-photos", 6))
        ws.set_meta("ui.last_assessment", last)
    finally:
        ws.close()
    return folder
