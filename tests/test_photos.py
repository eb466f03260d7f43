"""Photo evidence: every real fixture and generated case, every kind of broken file, dedupe,
crash safety."""

import io
import os
import signal
import subprocess
import sys
import struct
import textwrap
import zlib

import pytest
from PIL import Image

from storage import assessments
from storage import answer_store
from storage import evidence
from storage.check import check_workspace
from storage.photos import REPORT_SIDE, prepare_photo, read_photo_bytes

import photogen
from conftest import PHOTO_FILES, PHOTOS, ROOT, photo
from wsutil import open_ws, town_assessment

# Pillow warns (and carries on) about the broken EXIF blocks; that is what is tested here.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning:PIL.TiffImagePlugin")


def test_the_committed_photos_are_all_there_and_credited():
    """The fixture folder holds exactly PHOTO_FILES, each named in its README with its source."""
    on_disk = sorted(str(p.relative_to(PHOTOS)) for p in PHOTOS.rglob("*") if p.is_file() and p.name != "README.md")
    assert on_disk == sorted(PHOTO_FILES)
    readme = (PHOTOS / "README.md").read_text(encoding="utf-8")
    for name in PHOTO_FILES:
        assert f"`{name}`" in readme, f"{name} has no source/licence entry in {PHOTOS / 'README.md'}"


def _check_prepared(name, path):
    prepared = prepare_photo(read_photo_bytes(path))
    assert prepared.ext == photogen.expected_ext(name)
    for blob, side in ((prepared.thumb, 320), (prepared.report, REPORT_SIDE)):
        img = Image.open(io.BytesIO(blob))
        assert img.format == "JPEG" and img.mode in ("RGB", "L") and max(img.size) <= side
        # derived images follow the oriented aspect ratio
        assert (img.width >= img.height) == (prepared.width >= prepared.height)
        assert max(img.size) == min(side, max(prepared.width, prepared.height))
    if prepared.gps_lat is not None:
        assert -90 <= prepared.gps_lat <= 90 and -180 <= prepared.gps_lon <= 180
    return prepared


@pytest.mark.parametrize("name", PHOTO_FILES)
def test_every_committed_photo(name):
    """Each real photo is kept, its derived images are valid JPEGs, and its metadata is sane."""
    _check_prepared(name, photo(name))


@pytest.mark.parametrize("name", photogen.GENERATED)
def test_every_generated_photo(name, generated_photos):
    """Each generated case (every orientation, broken EXIF, other formats and sizes) is kept
    like a real photo: broken EXIF is skipped, never a reason to refuse the pixels."""
    prepared = _check_prepared(name, generated_photos[name])
    for field, value in photogen.BROKEN_EXIF.get(name, {}).items():
        assert getattr(prepared, field) == value, (field, getattr(prepared, field))


def test_exif_metadata_is_read(photos_dir):
    c = prepare_photo(read_photo_bytes(photos_dir / "jpg/Canon_40D.jpg"))
    assert c.taken_at == "2008-05-30T15:56:01" and c.camera == "Canon EOS 40D"
    assert c.gps_lat is None and c.gps_lon is None
    p = prepare_photo(read_photo_bytes(photos_dir / "jpg/Kodak_CX7530.jpg"))
    assert p.taken_at == "2005-08-13T09:47:23"
    assert p.camera == "EASTMAN KODAK COMPANY KODAK CX7530 ZOOM DIGITAL CAMERA"
    # south of the equator: GPSLatitudeRef "S" makes the latitude negative
    assert p.gps_lat == pytest.approx(-0.3713, abs=1e-4) and p.gps_lon == pytest.approx(36.056417, abs=1e-5)
    h = prepare_photo(read_photo_bytes(photos_dir / "heic/IMG_5195.HEIC"))
    assert h.ext == "heic" and h.camera == "Apple iPhone 11 Pro Max" and h.taken_at.startswith("2021-04-11")
    # west of Greenwich: GPSLongitudeRef "W" makes the longitude negative
    assert h.gps_lat == pytest.approx(39.051344, abs=1e-5) and h.gps_lon == pytest.approx(-94.288772, abs=1e-5)


def _small_gray(blob_or_path) -> Image.Image:
    img = Image.open(io.BytesIO(blob_or_path) if isinstance(blob_or_path, bytes) else blob_or_path).convert("L")
    return img.resize((24, 18) if img.width >= img.height else (18, 24))


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    assert a.size == b.size
    return sum(abs(x - y) for x, y in zip(a.tobytes(), b.tobytes())) / (a.width * a.height)


ORIENTATION_CASES = [("generated", n) for n in photogen.STORED_AS] + [("committed", n) for n in (3, 6, 8)]


@pytest.mark.parametrize("kind, n", ORIENTATION_CASES, ids=[f"{k}-{n}" for k, n in ORIENTATION_CASES])
def test_all_eight_orientations_come_out_upright(photos_dir, generated_photos, kind, n):
    """Each orientation case shows the same picture once EXIF orientation is applied: all
    eight made from the upright photo, and the committed camera-style files 3, 6 and 8
    (those carry their number drawn on the picture, a small difference)."""
    path = generated_photos[f"orientation/landscape_{n}.jpg"] if kind == "generated" \
        else photos_dir / f"jpg/orientation/landscape_{n}.jpg"
    reference = _small_gray(prepare_photo(read_photo_bytes(photos_dir / photogen.REFERENCE)).report)
    prepared = prepare_photo(read_photo_bytes(path))
    got = Image.open(io.BytesIO(prepared.report))
    assert got.width > got.height and (prepared.width, prepared.height) == (600, 450)
    diff = _mean_difference(reference, _small_gray(prepared.report))
    assert diff < 20, f"orientation {n} not applied (mean difference {diff:.1f})"
    if n != 1:
        # the stored pixels alone are not the upright picture: the test would catch a
        # reader that ignored the tag
        stored = _small_gray(path)
        assert stored.size != reference.size or _mean_difference(reference, stored) >= 20


def _png_header(width, height) -> bytes:
    """A PNG that claims an absurd size (the pixel data is never reached)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def _broken_files(tmp_path, photos_dir):
    good = (photos_dir / "jpg/orientation/landscape_1.jpg").read_bytes()
    files = {
        "truncated.jpg": good[: len(good) // 2],
        "notes.jpg": "这不是图片，是会议记录".encode(),
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
    good = [photos_dir / "jpg/Canon_40D.jpg", photos_dir / "heic/IMG_5195.HEIC"]
    batch = [good[0]] + list(broken.values()) + [good[1]]
    with open_ws(tmp_path / "ws") as ws:
        a = town_assessment(ws)
        outcomes = evidence.add_photos(ws, a["id"], "1.1", batch, caption="议军会议")
        by_name = {os.path.basename(o.path): o for o in outcomes}
        for name, reason in EXPECTED_REASONS.items():
            assert not by_name[name].ok and reason in by_name[name].refused, (name, by_name[name].refused)
        assert by_name["Canon_40D.jpg"].ok and by_name["IMG_5195.HEIC"].ok
        rows = evidence.list_evidence(ws, a["id"], "1.1")
        assert [r["original_name"] for r in rows] == ["Canon_40D.jpg", "IMG_5195.HEIC"]
        assert all(r["caption"] == "议军会议" and r["original"].exists() and r["thumb"].exists() for r in rows)
        assert check_workspace(ws) == []


def test_originals_are_kept_byte_for_byte_and_stored_once(tmp_path, photos_dir):
    src = photos_dir / "jpg/Kodak_CX7530.jpg"
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


def test_photo_count_counts_every_attachment_of_the_assessment(tmp_path, photos_dir):
    """evidence.photo_count (the gap report asks before a long photo appendix): every
    attachment of this assessment, the same file on two items twice, no other's."""
    src = photos_dir / "jpg/Kodak_CX7530.jpg"
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws)
        b = assessments.new_assessment(ws, a["unit_id"], a["checklist_id"], a["checklist_version"], a["year"] + 1)
        assert evidence.photo_count(ws, a["id"]) == 0
        evidence.add_photos(ws, a["id"], "1.1", [src, photos_dir / "jpg/Canon_40D.jpg"])
        evidence.add_photos(ws, a["id"], "1.2", [src])
        evidence.add_photos(ws, b["id"], "1.1", [src])
        assert evidence.photo_count(ws, a["id"]) == 3 and evidence.photo_count(ws, b["id"]) == 1


def test_photos_count_for_strict_evidence(tmp_path, photos_dir):
    """3.3.2 needs 3 photos (strict): it scores 0 until they are attached."""
    with open_ws(tmp_path) as ws:
        a = town_assessment(ws, "prov-2027-town")
        item = [i for i in assessments.checklist_of(ws, a).items() if i.code == "3.3.2"][0]
        assert item.evidence.strict and item.evidence.photos == 3
        best = max(item.options, key=lambda o: o.points).label
        answer_store.set_answer(ws, a["id"], "3.3.2", "self", best)
        assert answer_store.score_assessment(ws, a["id"]).items["3.3.2"].score == 0
        files = sorted((photos_dir / "jpg/orientation").glob("*.jpg"))[:3]
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


def test_killing_the_process_mid_batch_loses_nothing_committed(tmp_path, photos_dir, generated_photos):
    folder = tmp_path / "ws"
    with open_ws(folder) as ws:
        a = town_assessment(ws)
    files = sorted(photos_dir.rglob("*.jpg")) * 4
    files += [generated_photos["size/big.jpg"]] * 2  # a phone-sized photo: long to write
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
        evidence.add_photos(ws, a["id"], "1.1", [photos_dir / "jpg/orientation/landscape_6.jpg"])
        row = evidence.list_evidence(ws, a["id"])[0]
        before = row["report"].read_bytes()
        row["thumb"].unlink()
        row["report"].unlink()
        assert evidence.ensure_derived_files(row["original"], row["thumb"], row["report"])
        assert row["report"].read_bytes() == before and row["thumb"].exists()
        assert not evidence.ensure_derived_files(tmp_path / "missing.jpg", tmp_path / "t.jpg", tmp_path / "r.jpg")
