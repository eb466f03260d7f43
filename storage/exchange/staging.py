"""The photos an import brings: copied out of the bundle into a folder of their own
inside the workspace (`.incoming/<uuid>/`), each verified against its hash and checked to
be a real image, and later, once apply() has renamed them into the evidence store,
flushed to disk before the transaction that names them commits.

Copying them out first means a bundle on a slow USB stick is read once, and a refusal
(a damaged photo, a full disk) comes before anything in the workspace has changed. The
staging folder is removed by ImportPlan.discard(); one left by a killed import is
removed by a later import after 12 hours.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from ..errors import StorageError
from ..photos import FORMATS, MAX_PIXELS, MAX_SIDE, pillow
from .bundle_format import BundleReader, evidence_member, refuse


def stage_photos(plan, stage: bool) -> None:
    """Hash every photo member of plan.reader; with stage=True copy the ones the workspace
    lacks (plan.new_files) into temporary files, recorded in plan.staged and
    plan._stage_dir as they are made, so that plan.discard() removes them on any failure.
    (`plan` is an ImportPlan; plan.py imports this module, so it is not imported here.)"""
    ws, reader = plan.ws, plan.reader
    if stage and plan.new_files:
        need = sum(size for _ext, size in plan.new_files.values())
        try:
            free = shutil.disk_usage(ws.folder).free
        except OSError:
            free = None
        if free is not None and free < need + 50 * 1024 * 1024:
            refuse(reader.path, f"磁盘空间不足：需要约 {need // (1024 * 1024) + 50} MB，"
                   f"可用 {free // (1024 * 1024)} MB", "disk")
        clean_stale_incoming(ws)
        plan._stage_dir = ws.folder / ".incoming" / uuid.uuid4().hex
        plan._stage_dir.mkdir(parents=True)
    for e in plan.data["evidence"]:
        if e.get("absent"):
            continue  # its bytes did not travel
        name = evidence_member(e["sha256"], e["ext"])
        if stage and e["sha256"] in plan.new_files:
            tmp = plan._stage_dir / f"{e['sha256']}.{e['ext']}"
            plan.staged[e["sha256"]] = tmp
            try:
                # Not fsynced here: staged files only matter once apply() puts them in place,
                # and it makes them durable then, all together (see make_durable).
                with open(tmp, "wb") as f:
                    reader.copy_member(name, f)
            except OSError as exc:
                raise StorageError(f"无法写入临时文件 {tmp}：{exc.strerror or exc}；工作区未作任何改动") from None
            check_photo_header(reader, tmp, e)
        else:
            reader.hash_member(name)


def make_durable(placed: list[Path]) -> None:
    """Flush the photos just put in place to disk, before the transaction that refers to them.

    Crash safety needs one ordering only: a photo's bytes and its name in evidence/ must be
    on disk before the database commit naming it can be, so a crash leaves at most a file
    nothing refers to, never a row without its file. Staging therefore writes every file
    without fsync (an fsync per file, interleaved with the writes and renames, made the
    file system commit its journal once per photo and was most of an import's time); here,
    after the last rename, each file is fsynced in one pass (their data was already being
    written back meanwhile, so each fsync waits for little), then each folder that received
    one (the renames). Only after that does apply() commit. A crash before this point leaves
    files in .incoming/ (cleaned later) or unreferenced originals, as before.
    """
    try:
        for path in placed:
            with open(path, "rb+") as f:
                os.fsync(f.fileno())
        if os.name == "posix":  # directories can be fsynced on POSIX only; NTFS journals renames
            for folder in sorted({p.parent for p in placed}):
                fd = os.open(folder, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
    except OSError as exc:
        raise StorageError(f"无法把照片写入磁盘（{exc.strerror or exc}）；工作区未作任何改动") from None


def clean_stale_incoming(ws, hours: float = 12) -> None:
    """Temporary folders left by an import that was killed mid-way (older than `hours`)."""
    incoming = ws.folder / ".incoming"
    if not incoming.is_dir():
        return
    for entry in incoming.iterdir():
        try:
            if time.time() - entry.stat().st_mtime > hours * 3600:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass


def check_photo_header(reader: BundleReader, path: Path, e: dict) -> None:
    """A cheap look at a new photo (header only): a real image of the format its name says."""
    from PIL import UnidentifiedImageError  # Pillow loads on the first photo, not with the module

    Image = pillow()  # noqa: N806 - with the HEIC opener registered

    try:
        with Image.open(path) as img:
            fmt, (w, h) = img.format, img.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 不是可识别的图片（{str(exc)[:60]}）",
               "photo")
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds on hostile headers
        refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 已损坏（{str(exc)[:60]}）", "photo")
    if FORMATS.get(fmt) != e["ext"] or w <= 0 or h <= 0 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_PIXELS:
        refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 的格式或尺寸异常（{fmt} {w}×{h}）", "photo")
