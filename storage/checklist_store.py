"""Checklists kept in the workspace: every (id, version) seen, with its source text and
hash, so an old assessment always scores against the criteria it was made with.

Loading one parses its YAML once per text: the parse result is kept as JSON in
`derived/criteria/<sha256 of the text>.json` (rebuildable, like the thumbnails), so that
opening the app, when no criteria changed, parses no YAML and does not even import PyYAML.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from checklists import Checklist, ChecklistError, load_checklist_text
from checklists.library import bundled_files, library_resolver
from checklists.source import document_from_json, document_to_json, parse_document, read_text_file

from .errors import StorageError
from .workspace import new_id, now

if TYPE_CHECKING:
    from .models import ChecklistListRow, ChecklistRow
    from .workspace import Workspace


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _resolver(ws: Workspace, extra_places=()):
    """Bases come from the workspace first, then from files near the imported one."""
    files = library_resolver(extra_places)

    def resolve(set_id, version):
        row = ws.db.execute("SELECT source_text, source_name FROM checklists WHERE id = ? AND version = ?",
                            [set_id, version]).fetchone()
        if row:
            return row[0], row[1]
        return files(set_id, version)

    return resolve


def import_checklist_text(ws: Workspace, text: str, name: str, extra_places=(), *,
                          checklist: Checklist | None = None) -> tuple[ChecklistRow, bool]:
    """Validate and store one criteria text (and any base it needs that the workspace lacks).
    Returns (row, added). The same text twice is a no-op; different text under an
    existing (id, version) is refused. `checklist`: the caller already loaded and validated
    this very text (a bundle import), so it is not parsed again."""
    if checklist is None:
        checklist = load_checklist_text(text, name, resolver=_resolver(ws, extra_places))
    digest = sha256_text(text)
    existing = ws.db.execute("SELECT sha256 FROM checklists WHERE id = ? AND version = ?",
                             [checklist.id, checklist.version]).fetchone()
    if existing:
        if existing[0] == digest:
            return get_row(ws, checklist.id, checklist.version), False
        raise StorageError(
            f"{name}: 工作区已有标准 {checklist.id} 版本 {checklist.version}，但内容不同；"
            "修改后的标准请使用新的版本号"
        )
    # Store the bases first so the set can always be rebuilt from the workspace alone.
    if checklist.extends:
        base_id, base_version = checklist.extends
        if not ws.db.execute("SELECT 1 FROM checklists WHERE id = ? AND version = ?",
                             [base_id, base_version]).fetchone():
            found = _resolver(ws, extra_places)(base_id, base_version)
            if found is not None:
                import_checklist_text(ws, found[0], found[1], extra_places)
    row: ChecklistRow = {"id": checklist.id, "version": checklist.version, "title": checklist.title,
                         "level": checklist.level, "year": checklist.year,
                         "extends_id": checklist.extends[0] if checklist.extends else None,
                         "extends_version": checklist.extends[1] if checklist.extends else None,
                         "source_name": Path(name).name, "source_text": text, "sha256": digest, "imported_at": now()}
    with ws.transaction() as db:
        db["checklists"].insert(row)
        ws.record("checklist", checklist.ref, "import", {"title": checklist.title, "sha256": digest})
    return row, True


def check_file(ws: Workspace, path, extra_places=()) -> Checklist:
    """Validate a criteria file as the import will: bases come from the workspace first,
    then from files beside it (and `extra_places`) and the bundled library. Returns the
    merged checklist or raises ChecklistError listing every problem."""
    from checklists import load_checklist

    path = Path(path)
    return load_checklist(path, resolver=_resolver(ws, list(extra_places) + [path.parent]))


def import_checklist_file(ws: Workspace, path, extra_places=()) -> tuple[ChecklistRow, bool]:
    """Import a .yaml/.yml/.json (or .xlsx, stored as the equivalent YAML text: an
    overlay workbook stays an overlay, so items keep their 省标 / 市标 source) file."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        import yaml

        from checklists.serialize import plain
        from checklists.workbook import read_workbook_document

        check_file(ws, path, extra_places)  # every problem, with its cell, before storing
        data = plain(read_workbook_document(path).data)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        return import_checklist_text(ws, text, path.with_suffix(".yaml").name, list(extra_places) + [path.parent])
    return import_checklist_text(ws, read_text_file(path), str(path), list(extra_places) + [path.parent])


def ensure_bundled(ws: Workspace) -> int:
    """Import the sample criteria shipped with the app (once); returns how many were added.
    Skipped without parsing when the shipped files are the ones already seen (start-up)."""
    files = bundled_files()
    fingerprint = hashlib.sha256(b"".join(hashlib.sha256(p.read_bytes()).digest() for p in files)).hexdigest()
    if ws.meta("bundled_criteria") == fingerprint:
        return 0
    added = 0
    for path in files:
        try:
            _, new = import_checklist_file(ws, path)
            added += new
        except (ChecklistError, StorageError):
            continue  # a newer sample under an old version: keep the workspace's copy
    if not ws.readonly:
        ws.set_meta("bundled_criteria", fingerprint)
    return added


def get_row(ws: Workspace, set_id: str, version: str) -> ChecklistRow | None:
    rows = list(ws.db.query("SELECT * FROM checklists WHERE id = ? AND version = ?", [set_id, version]))
    return rows[0] if rows else None


def list_checklists(ws: Workspace) -> list[ChecklistListRow]:
    """Every stored version, newest year and id first."""
    return list(ws.db.query(
        "SELECT id, version, title, level, year, extends_id, extends_version, sha256, imported_at "
        "FROM checklists ORDER BY year DESC, id, imported_at"))


def latest_version(ws: Workspace, set_id: str) -> str | None:
    row = ws.db.execute("SELECT version FROM checklists WHERE id = ? ORDER BY imported_at DESC, rowid DESC LIMIT 1",
                        [set_id]).fetchone()
    return row[0] if row else None


def load(ws: Workspace, set_id: str, version: str) -> Checklist:
    """The merged checklist for (id, version), rebuilt from the stored sources."""
    chain = _chain_texts(ws, set_id, version)
    if not chain:
        raise StorageError(f"工作区中没有标准 {set_id} 版本 {version}")
    for cid, cversion, text, _name, stored in chain:
        _check_intact(cid, cversion, text, stored)
    return _load_cached(tuple(link[:4] for link in chain), str(ws.folder / "derived" / "criteria"), ws.readonly)


_INTACT: set = set()  # (id, version, stored sha256, text) found intact in this process


def _check_intact(set_id: str, version: str, text: str, stored: str | None) -> None:
    """A stored criteria text must still match the hash stored with it: a damaged byte
    (a failing disk, an edit by hand) would silently change what it scores, so the
    damaged record is named instead and everything else stays usable. Hashed once per
    text in a process: load() runs on every saved value."""
    key = (set_id, version, stored, text)
    if key in _INTACT:
        return
    if stored and stored != sha256_text(text):
        raise StorageError(f"工作区中标准 {set_id}@{version} 的原文已损坏（与保存时的哈希不符）；用到它的考评暂不能计分，"
                           "其余不受影响；请运行 db check，并从备份恢复（db restore）或重新导入该标准")
    _INTACT.add(key)


def _chain_texts(ws: Workspace, set_id, version) -> tuple:
    """(id, version, source text, source name, stored sha256) of the set and its bases."""
    out = []
    while set_id:
        row = ws.db.execute("SELECT source_text, source_name, extends_id, extends_version, sha256 FROM checklists "
                            "WHERE id = ? AND version = ?", [set_id, version]).fetchone()
        if not row or len(out) > 3:
            break
        out.append((set_id, version, row[0], row[1], row[4]))
        set_id, version = row[2], row[3]
    return tuple(out)


_VALIDATED: dict = {}  # (text, name) -> (Checklist, ((base id, base version, what the resolver gave), ...))


def load_text_cached(text: str, name: str, resolver) -> Checklist:
    """load_checklist_text, remembered for this process: the same text, whose bases the
    resolver still gives exactly as before, is not parsed and validated again (a bundle
    carrying criteria already checked by an earlier import)."""
    key = (text, name)
    hit = _VALIDATED.get(key)
    if hit is not None and all(resolver(i, v) == found for i, v, found in hit[1]):
        return hit[0]
    asked = []

    def recording(set_id, version):
        found = resolver(set_id, version)
        asked.append((set_id, version, found))
        return found

    checklist = load_checklist_text(text, name, resolver=recording)
    if len(_VALIDATED) >= 16:
        _VALIDATED.pop(next(iter(_VALIDATED)))
    _VALIDATED[key] = (checklist, tuple(asked))
    return checklist


@lru_cache(maxsize=32)
def _load_cached(chain: tuple, parsed_dir: str, readonly: bool) -> Checklist:
    texts = {(i, v): (t, n) for i, v, t, n in chain}
    _, _, text, name = chain[0]
    return load_checklist_text(text, name, resolver=lambda i, v: texts.get((i, v)),
                               parse=_kept_parse(Path(parsed_dir), readonly))


def _kept_parse(folder: Path, readonly: bool):
    """parse_document, through the parse results kept in `folder` (written unless the
    workspace is read-only). A missing, damaged or outdated file is parsed again."""

    def parse(text: str, name: str):
        if name.lower().endswith(".json"):
            return parse_document(text, name)  # JSON criteria parse fast enough
        path = folder / f"{sha256_text(text)}.json"
        try:
            doc = document_from_json(path.read_text(encoding="utf-8"), name)
        except (OSError, UnicodeDecodeError):
            doc = None
        if doc is not None:
            return doc
        doc = parse_document(text, name)
        kept = None if readonly else document_to_json(doc)
        if kept is not None:
            tmp = path.with_name(f".{path.name}.{new_id()}.tmp")
            try:
                folder.mkdir(parents=True, exist_ok=True)
                tmp.write_text(kept, encoding="utf-8")
                tmp.replace(path)
            except OSError:  # a full or read-only disk: parse again next time
                try:
                    tmp.unlink(missing_ok=True)
                except OSError:
                    pass
        return doc

    return parse


def parse_ref(ref: str) -> tuple[str, str | None]:
    """'city-2027-town@1' -> ('city-2027-town', '1'); no version -> (id, None)."""
    if "@" in ref:
        set_id, version = ref.split("@", 1)
        return set_id, version
    return ref, None
