"""Importing a bundle: check everything, then apply once.

`prepare_import()` opens the bundle (bundle_format: the zip, the manifest, the
signature), checks data.json (records.validate_data), the signer (trust.check_signer),
that the members are exactly those data.json names and that the carried checklists are
valid and agree with the workspace's, plans every change (merge.plan_changes), then
hashes every photo, copying out the new ones (staging). It returns the `ImportPlan`
(plan.py) with nothing changed; `import_bundle()` applies it (or only reports, dry run),
`summarize()` only looks. A refusal is a `BundleRefused` naming the reason, and leaves
the workspace as it was.
"""

from __future__ import annotations

from checklists import ChecklistError

from .. import checklist_store
from .bundle_format import DATA, LIMITS, Limits, checklist_member, evidence_member, loads_strict, open_bundle, refuse
from .merge import plan_changes
from .plan import ImportPlan, ImportResult
from .records import Bad, validate_data
from .staging import stage_photos
from .trust import check_signer


def prepare_import(ws, path, *, stage: bool = True, require_trusted: bool = False,
                   accept_key_change: bool = False, limits: Limits = LIMITS) -> ImportPlan:
    """Check everything in the bundle against the workspace and work out what importing it
    would change, changing nothing. With stage=True the new photos are copied out of the
    bundle into temporary files (verified), ready for apply(); stage=False only hashes
    them (dry run, summaries); staging needs a writable workspace (checked first, so that
    nothing is copied into one opened read-only). Raises BundleRefused naming the reason."""
    if stage:
        ws.check_writable()
    reader = open_bundle(path, limits)
    plan = None
    try:
        raw = reader.read_member(DATA)
        data = loads_strict(raw, DATA, reader.path)
        try:
            validate_data(data, reader.kind, reader)
        except Bad as exc:
            refuse(reader.path, str(exc), "data")
        plan = ImportPlan(ws, reader, data, {})
        check_signer(plan, require_trusted)
        texts = _check_members_and_checklists(plan)
        plan_changes(plan, texts)
        if accept_key_change:
            plan.accept_key_change()
        stage_photos(plan, stage)
        return plan
    except BaseException:
        if plan is not None:
            plan.discard()
        else:
            reader.close()
        raise


def import_bundle(ws, path, *, dry_run: bool = False, require_trusted: bool = False, derive: bool = False,
                  accept_key_change: bool = False, limits: Limits = LIMITS) -> ImportResult:
    """Check, then apply (unless dry_run) a bundle. Refusals raise BundleRefused; so does a
    bundle signed by another key than the trusted one a unit's data came under (see
    ImportPlan.conflicts), unless accept_key_change."""
    if not dry_run:
        ws.check_writable()  # before anything is staged in the workspace
    plan = prepare_import(ws, path, stage=not dry_run, require_trusted=require_trusted,
                          accept_key_change=accept_key_change, limits=limits)
    if plan.conflicts and not plan.key_change_accepted:
        reason = plan.conflict_refusal()
        plan.discard()
        refuse(plan.reader.path, reason, "key")
    if dry_run:
        plan.discard()
        return ImportResult(plan, applied=False, dry_run=True)
    return plan.apply(derive=derive)


def summarize(ws, path, *, require_trusted: bool = False) -> str:
    """The sentence the app shows before importing (every check is run; nothing changes)."""
    plan = prepare_import(ws, path, stage=False, require_trusted=require_trusted)
    try:
        return plan.summary()
    finally:
        plan.discard()


def _check_members_and_checklists(plan: ImportPlan) -> dict:
    """Members must be exactly what data.json names; checklist texts verified and
    consistent with the workspace. Returns {(id, version): (text, name)} carried."""
    reader, data, ws = plan.reader, plan.data, plan.ws
    wanted = {DATA}
    for c in data["checklists"]:
        wanted.add(checklist_member(c["sha256"]))
    photos = reader.manifest.get("photos", True)
    if not isinstance(photos, bool):
        refuse(reader.path, "manifest.json 的 photos 应为 true 或 false", "format")
    for e in data["evidence"]:
        if e.get("absent"):
            continue  # only the record travels (a year bundle without photos)
        name = evidence_member(e["sha256"], e["ext"])
        wanted.add(name)
        if name in reader.members and reader.members[name]["size"] != e["size"]:
            refuse(reader.path, f"照片 {e['original_name'] or e['sha256'][:12]} 的大小与清单不符", "size")
    missing = sorted(wanted - set(reader.members))
    if missing:
        refuse(reader.path, f"data.json 提到的成员 {missing[0]} 不在交换包里", "member")
    extra = sorted(set(reader.members) - wanted)
    if extra:
        refuse(reader.path, f"交换包中有 data.json 未用到的成员：{extra[0]}", "member")
    evidence_shas = {e["sha256"] for e in data["evidence"]}
    for a in data["assessments"]:
        for att in a["attachments"]:
            if att["sha256"] not in evidence_shas:
                refuse(reader.path, f"照片附件 {att['id']} 的照片不在交换包里", "member")

    carried: dict = {}
    for c in data["checklists"]:
        raw = reader.read_member(checklist_member(c["sha256"]))
        local = ws.db.execute("SELECT sha256 FROM checklists WHERE id = ? AND version = ?",
                              [c["id"], c["version"]]).fetchone()
        if local and local[0] != c["sha256"]:
            refuse(reader.path, f"工作区已有标准 {c['id']} 版本 {c['version']}，但交换包中的内容不同"
                   "（修改后的标准应使用新的版本号）", "checklist")
        if local:
            continue  # the very same text (same hash) is already here
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            refuse(reader.path, f"标准 {c['id']}@{c['version']} 的原文不是 UTF-8 文本", "checklist")
        carried[(c["id"], c["version"])] = (text, c["source_name"] or f"{c['id']}-{c['version']}.yaml")

    def resolver(set_id, version):
        row = ws.db.execute("SELECT source_text, source_name FROM checklists WHERE id = ? AND version = ?",
                            [set_id, str(version)]).fetchone()
        if row:
            return row[0], row[1]
        return carried.get((set_id, str(version)))

    plan._resolver = resolver
    for key, (text, name) in carried.items():
        try:
            checklist = checklist_store.load_text_cached(text, name, resolver)
        except ChecklistError as exc:
            refuse(reader.path, f"标准 {key[0]}@{key[1]} 无效：{exc.lines()[0]}", "checklist")
        if (checklist.id, str(checklist.version)) != key:
            refuse(reader.path, f"标准原文的编号/版本（{checklist.id}@{checklist.version}）与记录"
                   f"（{key[0]}@{key[1]}）不符", "checklist")
        plan._checklists[key] = checklist
    for a in data["assessments"]:
        key = (a["checklist_id"], a["checklist_version"])
        if key not in plan._checklists:
            if not checklist_store.get_row(ws, *key):
                refuse(reader.path, f"考评 {a['id']} 使用的标准 {key[0]} 版本 {key[1]} 既不在本工作区，也不在交换包中",
                       "checklist")
            plan._checklists[key] = checklist_store.load(ws, *key)
    return carried
