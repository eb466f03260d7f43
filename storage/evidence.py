"""Photo evidence in the workspace: originals content-addressed and never modified,
derived images rebuildable, attachments to items with caption and role.

Crash safety: files are written under a temporary name and renamed, then the database
row is committed; a crash leaves at most an unreferenced file, never a dangling row.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .assessments import ROLE_CHOICES, ROLE_LABELS, STATUS_LABELS, checklist_of, get_assessment, roles_open
from .errors import StorageError, write_failed
from .photos import PhotoRefused, prepare_photo, read_photo_bytes
from .workspace import new_id, now

if TYPE_CHECKING:
    from .models import AssessmentRow, AttachedPhoto, AttachmentRow, EvidenceRow
    from .photos import PreparedPhoto
    from .workspace import Workspace


@dataclass
class PhotoOutcome:
    """What happened to one file of a batch."""

    path: str
    attachment_id: str | None = None
    sha256: str | None = None
    refused: str | None = None
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None


# One join per path (pathlib parses the "/" on every system): listing the photos of an
# assessment builds three paths per photo.
def original_path(ws: Workspace, sha256: str, ext: str) -> Path:
    return ws.folder / f"evidence/{sha256[:2]}/{sha256}.{ext}"


def derived_path(ws: Workspace, sha256: str, kind: str) -> Path:
    """kind: 'thumb' or 'report'."""
    return ws.folder / f"derived/{sha256[:2]}/{sha256}.{kind}.jpg"


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, fsync, rename: never half a file."""
    tmp = path.with_name(f".{path.name}.{new_id()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # a full disk may refuse the folder already
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise write_failed(exc, path, f"磁盘已满，无法保存 {path.name}；已保存的数据未受影响") from None


def _check_can_attach(ws: Workspace, assessment: AssessmentRow, code: str, role: str) -> None:
    if role not in ROLE_LABELS:
        raise StorageError(f"角色必须是 {ROLE_CHOICES}，现在是 {role!r}")
    if role not in roles_open(ws, assessment):
        if role == "recheck":
            from .answer_store import recheck_refusal

            raise StorageError(recheck_refusal(ws, assessment).replace("复核结果", "复核照片"))
        raise StorageError(f"考评状态为“{STATUS_LABELS[assessment['status']]}”，不能再添加{ROLE_LABELS[role]}照片")
    if code not in checklist_of(ws, assessment).item_index():
        raise StorageError(f"条目 {code} 不在该考评的标准中")


def store_photo(ws: Workspace, prepared: PreparedPhoto) -> None:
    """Put the original and its derived images on disk, and the evidence row in the DB."""
    original = original_path(ws, prepared.sha256, prepared.ext)
    if not original.exists():
        write_atomic(original, prepared.data)
    for kind, data in (("thumb", prepared.thumb), ("report", prepared.report)):
        target = derived_path(ws, prepared.sha256, kind)
        if not target.exists():
            write_atomic(target, data)


def attach_prepared(ws: Workspace, assessment_id: str, code: str, prepared: PreparedPhoto, role: str = "self",
                    caption: str | None = None, original_name: str = "",
                    attachment_id: str | None = None) -> tuple[str, bool]:
    """Store a prepared photo (files first) and attach it; returns (attachment id, already attached)."""
    ws.check_writable()  # before any file is written: a read-only workspace gets nothing
    a = get_assessment(ws, assessment_id)
    _check_can_attach(ws, a, code, role)
    store_photo(ws, prepared)
    row: EvidenceRow = {"sha256": prepared.sha256, "ext": prepared.ext, "original_name": original_name,
                        "size": len(prepared.data), "width": prepared.width, "height": prepared.height,
                        "mime": prepared.mime, "taken_at": prepared.taken_at, "gps_lat": prepared.gps_lat,
                        "gps_lon": prepared.gps_lon, "camera": prepared.camera, "imported_at": now()}
    return _attach(ws, assessment_id, code, prepared.sha256, role, caption, original_name, attachment_id, row)


def attach_stored(ws: Workspace, assessment_id: str, code: str, sha256: str, role: str = "self",
                  caption: str | None = None, original_name: str = "",
                  attachment_id: str | None = None) -> tuple[str, bool]:
    """Attach a photo the workspace already holds (no decoding)."""
    a = get_assessment(ws, assessment_id)
    _check_can_attach(ws, a, code, role)
    return _attach(ws, assessment_id, code, sha256, role, caption, original_name, attachment_id, None)


def stored_photo(ws: Workspace, sha256: str) -> EvidenceRow | None:
    """The evidence row of a photo whose original and derived files are all present."""
    rows = list(ws.db.query("SELECT * FROM evidence WHERE sha256 = ?", [sha256]))
    if not rows:
        return None
    row = rows[0]
    files = (original_path(ws, sha256, row["ext"]), derived_path(ws, sha256, "thumb"), derived_path(ws, sha256, "report"))
    return row if all(f.exists() for f in files) else None


def _attach(ws: Workspace, assessment_id, code, sha256, role, caption, original_name, attachment_id,
            evidence_row: EvidenceRow | None) -> tuple[str, bool]:
    existing = ws.db.execute("SELECT id FROM attachments WHERE assessment_id = ? AND code = ? AND sha256 = ?",
                             [assessment_id, code, sha256]).fetchone()
    if existing:
        return existing[0], True
    att_id = attachment_id or new_id()
    with ws.transaction() as db:
        if evidence_row and not db.execute("SELECT 1 FROM evidence WHERE sha256 = ?", [sha256]).fetchone():
            db["evidence"].insert(evidence_row)
        elif evidence_row:  # its bytes are on disk now: a photo known only by its record is whole again
            db.execute("UPDATE evidence SET absent = 0 WHERE sha256 = ? AND absent = 1", [sha256])
        db["attachments"].insert({"id": att_id, "assessment_id": assessment_id, "code": code, "role": role,
                                  "sha256": sha256, "caption": caption, "added_by": ws.who, "added_at": now()})
        db["assessments"].update(assessment_id, {"updated_at": now()})
        ws.record("attachment", att_id, "add", {"code": code, "role": role, "sha256": sha256,
                                                "name": original_name, "caption": caption},
                  assessment_id=assessment_id)
    return att_id, False


def add_photos(ws: Workspace, assessment_id: str, code: str, paths, role: str = "self", caption: str | None = None,
               progress=None, cancelled=None, keep_stopped=None) -> list[PhotoOutcome]:
    """Import a batch: each good photo is committed on its own, each bad one is refused by
    name with the reason, and the rest of the batch goes in.

    progress(done, total, outcome) is called after each file; cancelled() stops the batch.
    The batch is journaled (storage.import_journal) while it runs; a batch stopped before
    its end (cancelled, killed, an unexpected error) stays recorded, so that the next start
    says what went in, unless keep_stopped() says the person already knows (they pressed
    取消). A batch stopped by a full disk or another storage error raises PhotoBatchStopped,
    whose one line says how many photos went in and the first that did not (then the
    record is removed: the person has been told)."""
    from . import import_journal

    # A workspace opened read-only refuses before anything is written: no photo file in
    # evidence/ or derived/, no journal (the transaction would refuse only after the files).
    ws.check_writable()
    a = get_assessment(ws, assessment_id)
    _check_can_attach(ws, a, code, role)
    paths = [Path(p) for p in paths]
    outcomes = []
    told = False
    journal = import_journal.begin(ws, assessment_id, code, role, paths)
    try:
        for i, path in enumerate(paths):
            if cancelled and cancelled():
                break
            outcome = PhotoOutcome(str(path))
            try:
                data = read_photo_bytes(path)
                outcome.sha256 = hashlib.sha256(data).hexdigest()
                if stored_photo(ws, outcome.sha256):  # seen before: no need to decode it again
                    outcome.attachment_id, outcome.duplicate = attach_stored(
                        ws, assessment_id, code, outcome.sha256, role, caption, path.name)
                else:
                    outcome.attachment_id, outcome.duplicate = attach_prepared(
                        ws, assessment_id, code, prepare_photo(data), role, caption, path.name)
            except PhotoRefused as exc:
                outcome.refused = exc.reason
            except StorageError as exc:  # a full disk, a busy database: the batch stops here
                told = True  # the error says what went in: nothing left to report next start
                raise PhotoBatchStopped(exc, outcomes, paths, i) from None
            outcomes.append(outcome)
            journal.done(i, outcome)
            if progress:
                progress(i + 1, len(paths), outcome)
    finally:
        if len(outcomes) == len(paths) or told or (keep_stopped is not None and not keep_stopped()):
            journal.finish()
        else:
            journal.close()
    return outcomes


class PhotoBatchStopped(StorageError):
    """A batch stopped part way by an error that is not the photo's fault (a full disk, a
    busy or read-only database): one line saying why, how many photos already went in and
    the first that did not. `outcomes` holds the files done (went in or refused),
    `not_in` the paths not imported, starting with the one being stored."""

    def __init__(self, cause: StorageError, outcomes: list, paths: list, stopped_at: int):
        self.cause = cause
        self.outcomes = list(outcomes)
        self.not_in = [str(p) for p in paths[stopped_at:]]
        went_in = sum(1 for o in outcomes if o.ok)
        refused = len(outcomes) - went_in
        first = Path(paths[stopped_at]).name
        why = str(cause).rstrip("。；")
        rest = f"（及其后共 {len(self.not_in)} 张）" if len(self.not_in) > 1 else ""
        super().__init__(f"{why}；照片导入已停止：本批 {len(paths)} 张中已导入 {went_in} 张"
                         + (f"、{refused} 张未通过检查" if refused else "")
                         + f"，从 {first} 起未导入{rest}，腾出空间或排除问题后请重新添加这些照片")


def list_evidence(ws: Workspace, assessment_id: str, code: str | None = None,
                  role: str | None = None) -> list[AttachedPhoto]:
    """Attachments joined with their photo's metadata, in the order they were added."""
    sql = ("SELECT t.*, e.ext, e.original_name, e.size, e.width, e.height, e.taken_at, e.gps_lat, e.gps_lon, "
           "e.camera, e.absent FROM attachments t JOIN evidence e ON e.sha256 = t.sha256 WHERE t.assessment_id = ?")
    params: list = [assessment_id]
    if code is not None:
        sql += " AND t.code = ?"
        params.append(code)
    if role is not None:
        sql += " AND t.role = ?"
        params.append(role)
    rows = list(ws.db.query(sql + " ORDER BY t.added_at, t.rowid", params))
    for r in rows:
        r["original"] = original_path(ws, r["sha256"], r["ext"])
        r["thumb"] = derived_path(ws, r["sha256"], "thumb")
        r["report"] = derived_path(ws, r["sha256"], "report")
    return rows


def is_absent(ws: Workspace, photo) -> bool:
    """Whether only the record of a photo is here, its bytes not (it came in a county's
    year bundle sent without photos): show 照片未随数据包传送 instead of the image.
    `photo`: a sha256, or a row of list_evidence / evidence (its `absent` column)."""
    if isinstance(photo, dict):
        if "absent" in photo:
            return bool(photo["absent"])
        photo = photo["sha256"]
    row = ws.db.execute("SELECT absent FROM evidence WHERE sha256 = ?", [photo]).fetchone()
    return bool(row and row[0])


ABSENT_TEXT = "照片未随数据包传送"  # what to show in place of a photo whose bytes are not here


def ensure_derived(ws: Workspace, sha256: str, ext: str) -> None:
    """Rebuild the derived images of a stored original when they are missing."""
    ensure_derived_files(original_path(ws, sha256, ext), derived_path(ws, sha256, "thumb"),
                         derived_path(ws, sha256, "report"))


def ensure_derived_files(original: Path, thumb: Path, report: Path) -> bool:
    """Make the thumbnail and report image from the original when either is missing (files
    only, no database: safe in a worker thread). False when the original is unusable."""
    if thumb.exists() and report.exists():
        return True
    try:
        prepared = prepare_photo(Path(original).read_bytes())
    except (OSError, PhotoRefused):
        return False
    for target, data in ((thumb, prepared.thumb), (report, prepared.report)):
        if not target.exists():
            write_atomic(target, data)
    return True


def set_caption(ws: Workspace, attachment_id: str, caption: str) -> None:
    """Change a photo's caption (only while its role may still edit)."""
    row = _attachment(ws, attachment_id)
    a = get_assessment(ws, row["assessment_id"])
    if row["role"] not in roles_open(ws, a):
        raise StorageError(f"考评状态为“{STATUS_LABELS[a['status']]}”，不能修改该照片的说明")
    with ws.transaction() as db:
        db["attachments"].update(attachment_id, {"caption": caption})
        ws.record("attachment", attachment_id, "caption", {"old": row["caption"], "new": caption},
                  assessment_id=row["assessment_id"])


def remove_attachment(ws: Workspace, attachment_id: str) -> AttachmentRow:
    """Detach a photo from its item; returns the row so that `restore_attachment` can undo.
    The original file stays (other items or assessments may share it)."""
    row = _attachment(ws, attachment_id)
    a = get_assessment(ws, row["assessment_id"])
    if row["role"] not in roles_open(ws, a):
        raise StorageError(f"考评状态为“{STATUS_LABELS[a['status']]}”，不能删除该照片")
    with ws.transaction() as db:
        db["attachments"].delete(attachment_id)
        ws.record("attachment", attachment_id, "remove", {"code": row["code"], "sha256": row["sha256"]},
                  assessment_id=row["assessment_id"])
    return row


def restore_attachment(ws: Workspace, row: AttachmentRow) -> None:
    """Undo remove_attachment."""
    with ws.transaction() as db:
        db["attachments"].insert({k: row[k] for k in ("id", "assessment_id", "code", "role", "sha256", "caption",
                                                      "added_by", "added_at")})
        ws.record("attachment", row["id"], "restore", {"code": row["code"], "sha256": row["sha256"]},
                  assessment_id=row["assessment_id"])


def _attachment(ws: Workspace, attachment_id: str) -> AttachmentRow:
    rows = list(ws.db.query("SELECT * FROM attachments WHERE id = ?", [attachment_id]))
    if not rows:
        raise StorageError(f"照片附件 {attachment_id} 不存在")
    return rows[0]


def evidence_counts(ws: Workspace, assessment_id: str) -> dict[str, int]:
    """code -> number of photos attached (all roles)."""
    return dict(ws.db.execute("SELECT code, count(*) FROM attachments WHERE assessment_id = ? GROUP BY code",
                              [assessment_id]).fetchall())


def photo_count(ws: Workspace, assessment_id: str) -> int:
    """How many photos are attached to the assessment (all items and roles; the same file
    attached to two items counts twice, as the gap report's appendix prints it twice)."""
    return ws.db.execute("SELECT count(*) FROM attachments WHERE assessment_id = ?", [assessment_id]).fetchone()[0]
