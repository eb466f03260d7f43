"""Photo evidence: every real fixture, every kind of broken file, dedupe, crash safety."""

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
import zlib
import struct

import pytest
from PIL import Image

from storage import assessments
from storage import answers as answer_store
from storage import evidence
from storage.check import check_workspace
from storage.photos import REPORT_SIDE, PhotoRefused, prepare_photo, read_photo_bytes

from conftest import PHOTOS, ROOT
from wsutil import open_ws, town_assessment

FIXTURE_FILES = sorted(p for p in PHOTOS.rglob("*") if p.is_file() and p.suffix.lower() not in (".md", ".txt")) \
    if PHOTOS.is_dir() else []


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: str(p.relative_to(PHOTOS)))
def test_every_fixture_photo(path):
    """All shared fixtures are real images (the 'broken' ones carry broken EXIF, not broken
    pixels): each is kept, its derived images are valid JPEGs, and its metadata is sane."""
    prepared = prepare_photo(read_photo_bytes(path))
    assert prepared.ext == ("heic" if path.suffix.lower() in (".heic", ".heif") else "jpg")
    for blob, side in ((prepared.thumb, 320), (prepared.report, REPORT_SIDE)):
        img = Image.open(io.BytesIO(blob))
        assert img.format == "JPEG" and max(img.size) <= side
        # derived images follow the oriented aspect ratio
        assert (img.width >= img.height) == (prepared.width >= prepared.height)
    if prepared.gps_lat is not None:
        assert -90 <= prepared.gps_lat <= 90 and -180 <= prepared.gps_lon <= 180


def test_exif_metadata_is_read(photos_dir):
    p = prepare_photo(read_photo_bytes(photos_dir / "jpg/gps/DSCN0010.jpg"))
    assert p.taken_at == "2008-10-22T16:28:39" and p.camera == "NIKON COOLPIX P6000"
    assert p.gps_lat == pytest.approx(43.467448, abs=1e-5) and p.gps_lon == pytest.approx(11.885127, abs=1e-3)
    h = prepare_photo(read_photo_bytes(photos_dir / "heic/IMG_5195.HEIC"))
    assert h.ext == "heic" and h.camera == "Apple iPhone 11 Pro Max" and h.taken_at.startswith("2021-04-11")


@pytest.mark.parametrize("n", range(1, 9))
def test_all_eight_orientations_come_out_upright(photos_dir, n):
    """Each orientation fixture shows the same picture once EXIF orientation is applied."""
    reference = Image.open(io.BytesIO(prepare_photo(read_photo_bytes(
        photos_dir / "jpg/orientation/landscape_1.jpg")).report)).convert("L").resize((24, 18))
    got = Image.open(io.BytesIO(prepare_photo(read_photo_bytes(
        photos_dir / f"jpg/orientation/landscape_{n}.jpg")).report)).convert("L")
    assert got.width > got.height
    got = got.resize((24, 18))
    diff = sum(abs(a - b) for a, b in zip(reference.tobytes(), got.tobytes())) / (24 * 18)
    assert diff < 20, f"orientation {n} not applied (mean difference {diff:.1f})"


def _png_header(width, height) -> bytes:
    """A PNG that claims an absurd size (the pixel data is never reached)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def _broken_files(tmp_path, photos_dir):
    good = (photos_dir / "jpg/exif-org/fujifilm-dx10.jpg").read_bytes()
    files = {
        "truncated.jpg": good[: len(good) // 2],
        "notes.jpg": "这不是图片，是会议记录".encode("utf-8"),
        "empty.jpg": b"",
        "bomb.png": _png_header(40000, 40000),
        "wide.png": _png_header(200000, 10),
    }
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    files["anim.gif"] = gif.getvalue()
    out = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        out[name] = tmp_path / name
    out["missing.jpg"] = tmp_path / "missing.jpg"
    out["folder.jpg"] = tmp_path / "folder.jpg"
    out["folder.jpg"].mkdir()
    return out


EXPECTED_REASONS = {
    "truncated.jpg": "不完整或已损坏",
    "notes.jpg": "不是可识别的图片",
    "empty.jpg": "文件为空",
    "bomb.png": "解压炸弹",
    "wide.png": "尺寸异常",
    "anim.gif": "不支持的图片格式 GIF",
    "missing.jpg": "文件不存在",
    "folder.jpg": "不是文件",
}


def test_broken_files_are_refused_by_name_and_the_batch_goes_in(tmp_path, photos_dir):
    (tmp_path / "in").mkdir()
    broken = _broken_files(tmp_path / "in", photos_dir)
    good = [photos_dir / "jpg/Canon_40D.jpg", photos_dir / "heic/samplefilehub.heif"]
    batch = [good[0]] + list(broken.values()) + [good[1]]
    with open_ws(tmp_path / "ws") as ws:
        a = town_assessment(ws)
        outcomes = evidence.add_photos(ws, a["id"], "1.1", batch, caption="议军会议")
        by_name = {os.path.basename(o.path): o for o in outcomes}
        for name, reason in EXPECTED_REASONS.items():
            assert not by_name[name].ok and reason in by_name[name].refused, (name, by_name[name].refused)
        assert by_name["Canon_40D.jpg"].ok and by_name["samplefilehub.heif"].ok
        rows = evidence.list_evidence(ws, a["id"], "1.1")
        assert [r["original_name"] for r in rows] == ["Canon_40D.jpg", "samplefilehub.heif"]
        assert all(r["caption"] == "议军会议" and r["original"].exists() and r["thumb"].exists() for r in rows)
        assert check_workspace(ws) == []


def test_originals_are_kept_byte_for_byte_and_stored_once(tmp_path, photos_dir):
    src = photos_dir / "jpg/gps/DSCN0021.jpg"
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        first = evidence.add_photos(ws, a["id"], "1.1", [src])[0]
        again = evidence.add_photos(ws, a["id"], "1.1", [src])[0]
        other = evidence.add_photos(ws, a["id"], "1.2", [src])[0]
        assert again.duplicate and again.attachment_id == first.attachment_id
        assert not other.duplicate
        stored = list((tmp_path / "evidence").rglob("*.jpg"))
        assert len(stored) == 1 and stored[0].read_bytes() == src.read_bytes()
        assert stored[0].name == f"{first.sha256}.jpg" and stored[0].parent.name == first.sha256[:2]
        assert ws.db["evidence"].count == 1 and ws.db["attachments"].count == 2


def test_photos_count_for_strict_evidence(tmp_path, photos_dir):
    """3.3.2 needs 3 photos (strict): it scores 0 until they are attached."""
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws, "prov-2027-town")
        item = [i for i in assessments.checklist_of(ws, a).items() if i.code == "3.3.2"][0]
        assert item.evidence.strict and item.evidence.photos == 3
        best = max(item.options, key=lambda o: o.points).label
        answer_store.set_answer(ws, a["id"], "3.3.2", "self", best)
        assert answer_store.score_assessment(ws, a["id"]).items["3.3.2"].score == 0
        files = sorted((photos_dir / "jpg/gps").glob("*.jpg"))[:3]
        evidence.add_photos(ws, a["id"], "3.3.2", files)
        assert answer_store.score_assessment(ws, a["id"]).items["3.3.2"].score == item.points


def test_remove_and_undo(tmp_path, photos_dir):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        o = evidence.add_photos(ws, a["id"], "1.1", [photos_dir / "jpg/Canon_40D.jpg"])[0]
        row = evidence.remove_attachment(ws, o.attachment_id)
        assert evidence.list_evidence(ws, a["id"]) == []
        evidence.restore_attachment(ws, row)
        assert [r["id"] for r in evidence.list_evidence(ws, a["id"])] == [o.attachment_id]
        assert check_workspace(ws) == []


def test_db_check_names_a_damaged_evidence_file(tmp_path, photos_dir):
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        o = evidence.add_photos(ws, a["id"], "1.1", [photos_dir / "jpg/Canon_40D.jpg"])[0]
        path = evidence.original_path(ws, o.sha256, "jpg")
        data = bytearray(path.read_bytes())
        data[100] ^= 0xFF
        path.write_bytes(bytes(data))
        problems = check_workspace(ws)
        assert len(problems) == 1 and str(path) in problems[0] and "Canon_40D.jpg" in problems[0]


def test_full_disk_leaves_no_half_written_file(tmp_path, monkeypatch, photos_dir):
    import errno

    from storage.errors import StorageError

    real_fsync = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        events = ws.db["events"].count
        monkeypatch.setattr(os, "fsync", full)
        with pytest.raises(StorageError, match="磁盘已满"):
            evidence.add_photos(ws, a["id"], "1.1", [photos_dir / "jpg/Canon_40D.jpg"])
        monkeypatch.setattr(os, "fsync", real_fsync)
        assert [p for p in (tmp_path / "evidence").rglob("*") if p.is_file()] == []
        assert ws.db["attachments"].count == 0 and ws.db["events"].count == events


def test_killing_the_process_mid_batch_loses_nothing_committed(tmp_path, photos_dir):
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
    files = sorted((photos_dir / "jpg/exif-org").glob("*.jpg")) * 4
    files += [photos_dir / "jpg/mobile/HMD_Nokia_8.3_5G.jpg"] * 2
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from storage import Workspace, evidence
        ws = Workspace.open({str(folder)!r}, backup=False)
        files = {[str(f) for f in files]!r}
        def progress(done, total, outcome):
            print(done, flush=True)
        # a distinct caption per call keeps the batch long
        for i in range(50):
            evidence.add_photos(ws, {a['id']!r}, "1.{{}}".format(1 + i % 3), files, progress=progress)
        """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    for _ in range(6):
        proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    with open_ws(folder) as ws:
        assert check_workspace(ws) == []
        committed = ws.db["attachments"].count
        assert committed >= 5
        for row in evidence.list_evidence(ws, a["id"]):
            assert row["original"].exists() and row["report"].exists()
    leftovers = [p for p in folder.rglob("*.tmp")]
    assert leftovers == [] or all(p.name.startswith(".") for p in leftovers)


def test_derived_images_are_rebuilt_from_the_original(tmp_path, photos_dir):
    """Derived images are rebuildable: removed (or never made, after a bundle import),
    they come back from the original."""
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        evidence.add_photos(ws, a["id"], "1.1", [photos_dir / "jpg/orientation/portrait_6.jpg"])
        row = evidence.list_evidence(ws, a["id"])[0]
        before = row["report"].read_bytes()
        row["thumb"].unlink()
        row["report"].unlink()
        assert evidence.ensure_derived_files(row["original"], row["thumb"], row["report"])
        assert row["report"].read_bytes() == before and row["thumb"].exists()
        assert not evidence.ensure_derived_files(tmp_path / "missing.jpg", tmp_path / "t.jpg", tmp_path / "r.jpg")
