"""Exchange bundles (`.dabiao`): how towns, inspectors and the county move data on USB
sticks. The format and the rules: docs/bundles.md.

Kinds:
- `criteria`   (county -> towns): checklists with their bases, and the unit list;
- `submission` (town -> county / inspector): assessments with the self side: self
  answers, self photos, corrective actions, the assessment's audit history;
- `review`     (inspector -> county / town): the review side: review answers, review
  photos, reviewer, conclusion, sign-off, status, and the audit history;
- `year`       (county -> 军分区): a county's year, every side, photos or only their records.

One idea a module, in the order a bundle meets them:

    bundle_kinds.py   the kinds and their labels (cheap: the command line lists them)
    signing.py        this workspace's identity and Ed25519 key; keys seen and trusted
    bundle_format.py  the zip on disk: layout, limits, strict JSON, the signed manifest
    records.py        what data.json carries, and the checks on every record
    export.py         export_bundle(): collect the records of a kind, write the signed zip
    chains.py         the checklists (bases first) and units (parents first) a bundle takes along
    export_year.py    ... what a county's year bundle carries, collected with set queries
    importer.py       prepare_import(), import_bundle(), summarize(): check everything, then plan
    trust.py          who signed, key conflicts, trust_signer()
    plan.py           ImportPlan / Change / ImportResult: what an import would change; apply()
    local_rows.py     the workspace's rows a bundle meets, read once with set queries
    merge.py          the merge rules: checklists, units, assessments, their side's fields, history
    merge_answers.py  ... answers, by revision
    merge_photos.py   ... photos (attachments) and the photo files they need
    merge_actions.py  ... corrective actions
    staging.py        new photos copied out and verified before apply(), flushed to disk in it
    progress.py       received bundles and review progress, for the inspector's overview

Import the module you need (`from storage.exchange import importer`): this file imports
nothing, so that `bundle_kinds` stays cheap to load.
"""
