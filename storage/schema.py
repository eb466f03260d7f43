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
    """Exchange bundles (storage/exchange/): the signing keys seen on imported bundles
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


@_migration
def m004_score_cache(db: Database):
    """Scores remembered per assessment and role (storage/scores.py), so listing 1,500
    assessments does not score them all again. A row is used only while its key still
    matches (both answer revisions, the criteria's sha256, the scoring code's
    fingerprint), and the triggers below delete an assessment's rows whenever anything
    its score is computed from changes: its answers (either role: the review takes the
    unit's document ticks), its photos (strict evidence rules count them), its checklist
    reference, or any stored criteria text (a base of an overlay). Triggers catch every
    writer, bundle imports included, which may change answers without raising the
    assessment's revision. `judged` marks the row of the role the assessment is judged on
    (storage.scores.ROLE_SQL when it was stored: that can only change with its answers,
    which delete the row), so listing needs no look at the answers at all.
    `answers(assessment_id, role)`: whether a review has begun is one index probe."""
    db.execute("CREATE INDEX idx_answers_assessment_role ON answers(assessment_id, role)")
    db.execute(
        "CREATE TABLE score_cache ("
        " assessment_id TEXT NOT NULL, role TEXT NOT NULL, judged INTEGER NOT NULL DEFAULT 0,"
        " self_rev INTEGER, review_rev INTEGER, criteria TEXT NOT NULL, engine TEXT NOT NULL,"
        " final TEXT, shown NUMERIC, level TEXT, level_label TEXT, answered INTEGER, items INTEGER,"
        " detail TEXT,"
        " PRIMARY KEY (assessment_id, role))"
    )
    forget = "DELETE FROM score_cache WHERE assessment_id"
    for table, columns in (("answers", ""), ("attachments", " OF assessment_id, code, role")):
        db.execute(f"CREATE TRIGGER score_cache_{table}_insert AFTER INSERT ON {table} "
                   f"BEGIN {forget} = NEW.assessment_id; END")
        db.execute(f"CREATE TRIGGER score_cache_{table}_update AFTER UPDATE{columns} ON {table} "
                   f"BEGIN {forget} IN (OLD.assessment_id, NEW.assessment_id); END")
        db.execute(f"CREATE TRIGGER score_cache_{table}_delete AFTER DELETE ON {table} "
                   f"BEGIN {forget} = OLD.assessment_id; END")
    db.execute("CREATE TRIGGER score_cache_assessments_update AFTER UPDATE OF id, checklist_id, checklist_version "
               f"ON assessments BEGIN {forget} IN (OLD.id, NEW.id); END")
    db.execute(f"CREATE TRIGGER score_cache_assessments_delete AFTER DELETE ON assessments "
               f"BEGIN {forget} = OLD.id; END")
    for event in ("UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER score_cache_checklists_{event.lower()} AFTER {event} ON checklists "
                   "BEGIN DELETE FROM score_cache; END")


@_migration
def m005_unit_tags(db: Database):
    """(criteria format 2) A unit's tags (`unit_tags` of the criteria, e.g. big / small
    for 大镇 / 小镇), as a JSON list of tag keys; NULL: none. Items `only_for` / `not_for`
    some tags are scored by them, so changing a unit's tags forgets the cached scores of
    its assessments (as m004's triggers do for answers)."""
    db.execute("ALTER TABLE units ADD COLUMN tags TEXT")
    db.execute("CREATE TRIGGER score_cache_units_tags AFTER UPDATE OF tags ON units "
               "BEGIN DELETE FROM score_cache WHERE assessment_id IN "
               "(SELECT id FROM assessments WHERE unit_id IN (OLD.id, NEW.id)); END")
    db.execute("CREATE TRIGGER score_cache_assessments_unit AFTER UPDATE OF unit_id ON assessments "
               "BEGIN DELETE FROM score_cache WHERE assessment_id IN (OLD.id, NEW.id); END")



@_migration
def m006_city_year(db: Database):
    """(军分区) The third answer role, 复核 (`recheck`): its revision counter on
    assessments and in the score cache key. The recheck draws: which assessments the
    军分区 drew for 复核 in a year, by which rule and from which seed (reproducible), and
    who drew them. Evidence rows whose bytes did not travel (a county's year bundle sent
    without photos): `absent` = 1 keeps the record (hash, name, capture time, caption of
    its attachments) so that figures and photo counts stay exact; a later bundle with the
    bytes fills the file in and clears it."""
    db.execute("ALTER TABLE assessments ADD COLUMN recheck_rev INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE score_cache ADD COLUMN recheck_rev INTEGER")
    db["recheck_draws"].create(
        {"id": str, "year": int, "rule": str, "seed": str, "drawn_at": str, "drawn_by": str},
        pk="id", not_null={"year", "rule", "seed"},
    )
    db["recheck_sample"].create(
        {"draw_id": str, "assessment_id": str, "county_id": str},
        pk=("draw_id", "assessment_id"),
        foreign_keys=[("draw_id", "recheck_draws", "id"), ("assessment_id", "assessments", "id")],
    )
    db["recheck_sample"].create_index(["assessment_id"])
    db.execute("ALTER TABLE evidence ADD COLUMN absent INTEGER NOT NULL DEFAULT 0")


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
