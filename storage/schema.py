"""The database schema, created and upgraded with sqlite-utils' Migrations.

Add a migration at the end to change the schema; never edit one that has shipped.
A workspace holding a migration this list does not know was made by a newer Dabiao.

`migrations` (the sqlite-utils Migrations) is built on first use: opening a workspace
that is up to date only compares names (`applied_names`), without importing sqlite-utils.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "dabiao"
MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' Migrations.migrations_table

_STEPS: list = []  # the migration functions, in order


def _migration(fn):
    _STEPS.append(fn)
    return fn


@_migration
def m001_initial(db: Database):
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["checklists"].create(
        {"id": str, "version": str, "title": str, "level": str, "year": int, "extends_id": str,
         "extends_version": str, "source_name": str, "source_text": str, "sha256": str, "imported_at": str},
        pk=("id", "version"), not_null={"source_text", "sha256"},
    )
    db["units"].create(
        {"id": str, "name": str, "type": str, "parent_id": str, "created_at": str, "updated_at": str},
        pk="id", not_null={"name", "type"}, foreign_keys=[("parent_id", "units", "id")],
    )
    db["units"].create_index(["name"])
    db["assessments"].create(
        {"id": str, "unit_id": str, "checklist_id": str, "checklist_version": str, "year": int, "status": str,
         "assessor": str, "reviewer": str, "conclusion": str, "signed_by": str, "signed_at": str,
         "baseline_id": str, "created_at": str, "updated_at": str, "submitted_at": str, "reviewed_at": str,
         "self_rev": int, "review_rev": int},
        pk="id", not_null={"unit_id", "checklist_id", "checklist_version", "year", "status"},
        foreign_keys=[("unit_id", "units", "id")], defaults={"self_rev": 0, "review_rev": 0},
    )
    db.execute(
        "CREATE UNIQUE INDEX idx_assessments_unit_year ON assessments(unit_id, checklist_id, year)"
    )
    db["answers"].create(
        {"assessment_id": str, "code": str, "role": str, "value": str, "note": str, "documents": str,
         "who": str, "updated_at": str, "rev": int},
        pk=("assessment_id", "code", "role"), foreign_keys=[("assessment_id", "assessments", "id")],
        defaults={"rev": 1},
    )
    db["evidence"].create(
        {"sha256": str, "ext": str, "original_name": str, "size": int, "width": int, "height": int, "mime": str,
         "taken_at": str, "gps_lat": float, "gps_lon": float, "camera": str, "imported_at": str},
        pk="sha256",
    )
    db["attachments"].create(
        {"id": str, "assessment_id": str, "code": str, "role": str, "sha256": str, "caption": str,
         "added_by": str, "added_at": str},
        pk="id", foreign_keys=[("assessment_id", "assessments", "id"), ("sha256", "evidence", "sha256")],
    )
    db["attachments"].create_index(["assessment_id", "code"])
    db["actions"].create(
        {"id": str, "unit_id": str, "assessment_id": str, "code": str, "description": str, "owner": str,
         "due_date": str, "status": str, "created_at": str, "updated_at": str, "closed_at": str,
         "carried_from": str},
        pk="id", foreign_keys=[("unit_id", "units", "id")],
    )
    db["events"].create(
        {"seq": int, "at": str, "who": str, "entity": str, "entity_id": str, "assessment_id": str,
         "action": str, "detail": str, "prev_hash": str, "hash": str},
        pk="seq", not_null={"hash"},
    )
    db["events"].create_index(["assessment_id"])


@_migration
def m002_attachment_photo_index(db: Database):
    """Find every item a stored photo is attached to (dedupe, db check, bundles)."""
    db["attachments"].create_index(["sha256"])


@_migration
def m003_exchange_bundles(db: Database):
    """Exchange bundles (storage/bundles.py): the signing keys seen on imported bundles
    (and which of them are trusted), the bundles imported, and the audit history that
    came with them from other workspaces (kept as received, outside the local chain)."""
    db["bundle_keys"].create(
        {"fingerprint": str, "public_key": str, "workspace_id": str, "workspace_name": str, "label": str,
         "first_seen": str, "trusted": int, "trusted_at": str, "trusted_by": str},
        pk="fingerprint", not_null={"public_key"}, defaults={"trusted": 0},
    )
    db["bundle_imports"].create(
        {"manifest_sha256": str, "bundle_id": str, "kind": str, "workspace_id": str, "workspace_name": str,
         "fingerprint": str, "created_at": str, "imported_at": str, "imported_by": str, "summary": str},
        pk="manifest_sha256",
    )
    db["bundle_events"].create(
        {"origin": str, "seq": int, "assessment_id": str, "at": str, "who": str, "entity": str, "entity_id": str,
         "action": str, "detail": str, "prev_hash": str, "hash": str, "bundle_id": str},
        pk=("origin", "seq"),
    )
    db["bundle_events"].create_index(["assessment_id"])


def known_names() -> set[str]:
    return {fn.__name__ for fn in _STEPS}


def applied_names(db) -> list[str]:
    """Names of the migrations this database has had, in order (plain SQL, read-only)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      [MIGRATIONS_TABLE]).fetchone():
        return []
    return [r[0] for r in db.execute(f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ? ORDER BY rowid",
                                     [MIGRATION_SET])]


_migrations = None


def __getattr__(name: str):
    """`schema.migrations`: sqlite-utils' Migrations holding _STEPS, made on first use."""
    global _migrations
    if name != "migrations":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _migrations is None:
        from sqlite_utils import Migrations

        built = Migrations(MIGRATION_SET)
        assert built.migrations_table == MIGRATIONS_TABLE
        for fn in _STEPS:
            built()(fn)
        _migrations = built
    return _migrations
