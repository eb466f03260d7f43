"""The import plan: a checked bundle and everything importing it would change, before
anything has changed.

importer.prepare_import() builds an `ImportPlan`: every check done (trust.py,
importer.py, staging.py), and one `Change` per thing to do (merge.py and the
merge_*.py planners), each with what the app needs to show it. The plan says what it
would do (`summary()`, `lines()`, `conflicts`), then either `apply()`s it, all at once,
or is `discard()`ed. apply() puts the verified new photos in place and flushes them to
disk first (staging.make_durable), then runs every change in one transaction with the
import's own audit event; on any failure the photos just put in place are removed again
and the workspace is as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..check import file_sha256
from ..errors import StorageError
from ..evidence import ensure_derived, original_path
from ..timefmt import local_time
from ..workspace import now
from . import signing, staging
from .bundle_format import KIND_LABELS, BundleReader, refuse
from .records import SIDE_LABELS


@dataclass
class Change:
    """One thing the import will do; `apply(ws)` runs inside the import transaction. The
    optional fields let the app show it readably: which assessment (`group`), the item
    (`code`, `item`: the checklist Item), the side, the answer before and after (`old`,
    `new`: dicts of value / note / documents, decoded; old None when missing here), and
    how many records it stands for (`count`: events of a history change). `batch`
    (sql, values) instead of `apply`: a row queued for one executemany with its like (a
    new assessment's answers and photos; no closure holding the plan)."""

    what: str          # counter key
    label: str
    apply: object
    group: str | None = None
    code: str | None = None
    item: object = None
    side: str | None = None
    old: dict | None = None
    new: dict | None = None
    count: int = 1
    batch: tuple | None = None


@dataclass
class ImportPlan:
    """A checked bundle and what importing it would change. Nothing has changed yet."""

    ws: object
    reader: BundleReader
    data: dict
    staged: dict                       # sha256 -> temp file (new photos, verified)
    changes: list[Change] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    new_files: dict = field(default_factory=dict)  # sha256 -> (ext, size): files to put in place
    trust: str = "new"                 # own / trusted / known / new
    already: dict | None = None        # bundle_imports row when this exact bundle was imported before
    key_is_new: bool = False
    # Assessments whose side came here under a trusted key (or was made here) that this
    # bundle, signed by another key, would change: {"label", "side", "previous": [(fp,
    # name)], "signer": fp}. apply() refuses while there are any, unless a person has
    # decided to accept the other key (accept_key_change()).
    conflicts: list = field(default_factory=list)
    key_change_accepted: bool = False
    local: object = None               # local_rows.LocalRows: the workspace's rows the bundle meets
    _batches: dict = field(default_factory=dict)      # SQL -> rows, run together at the end of apply()
    _checklists: dict = field(default_factory=dict)   # (id, version) -> Checklist
    _resolver: object = None
    _stage_dir: Path | None = None
    _done: bool = False

    # ------------------------------------------------------------ description

    @property
    def kind(self) -> str:
        return self.reader.kind

    @property
    def signer(self):
        return self.reader.signer

    def signer_line(self) -> str:
        s = self.signer
        label = None
        row = signing.known_key(self.ws, s.fingerprint)
        if row and row.get("label"):
            label = row["label"]
        state = {"own": "本工作区自己的密钥", "trusted": "已信任",
                 "known": "未信任：此前见过但尚未标记为信任", "new": "未信任：首次见到此密钥"}[self.trust]
        name = f"“{s.workspace_name}”工作区" + (f"（本地标注：{label}）" if label and label != s.workspace_name else "")
        return f"签名：{name}，密钥 {s.short}（{state}）"

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def conflict_lines(self) -> list[str]:
        """One line per assessment in conflict, naming both fingerprints (full, grouped)."""
        out = []
        for c in self.conflicts:
            before = "、".join(f"{fp_text(fp, signing.pretty)}（{name}）" for fp, name in c["previous"])
            out.append(f"密钥冲突：{c['label']}的{SIDE_LABELS[c['side']]}此前来自已信任的密钥 {before}；"
                       f"此包由另一把密钥 {signing.pretty(c['signer'])}（声称来自“{self.signer.workspace_name}”）签名")
        return out

    def conflict_refusal(self) -> str:
        """The one-line reason a plan in conflict is refused (short fingerprints)."""
        c = self.conflicts[0]
        before = "、".join(fp_text(fp, signing.short) for fp, _name in c["previous"])
        more = f"等 {len(self.conflicts)} 个考评" if len(self.conflicts) > 1 else ""
        return (f"{c['label']}{more}的{SIDE_LABELS[c['side']]}此前来自已信任的密钥 {before}，此包却由另一把密钥 "
                f"{self.signer.short}（“{self.signer.workspace_name}”）签名，不能覆盖；如对方确已更换电脑或密钥，"
                f"请电话核对新密钥的完整指纹后用 bundle trust {self.signer.short} --bundle {self.reader.path.name} "
                "信任它，或由负责人确认后用 --accept-key-change 导入")

    def accept_key_change(self) -> None:
        """A person has compared both fingerprints and decided this bundle may replace data
        that came under another key: apply() will go ahead (and the audit event says so)."""
        self.key_change_accepted = True

    def what(self) -> str:
        """What importing would change, in words ('新增 2 个考评、148 张照片、更新 1 个考评结果')."""
        c = self.counts
        parts = []
        for key, text in (("assessments_added", "新增 {} 个考评"), ("photos_added", "{} 张照片"),
                          ("self_updated", "更新 {} 份自评"), ("review_updated", "更新 {} 个考评结果"),
                          ("recheck_updated", "更新 {} 个复核结果"),
                          ("checklists_added", "新增 {} 个标准版本"), ("units_added", "新增 {} 个单位"),
                          ("units_updated", "更新 {} 个单位"), ("actions_changed", "{} 项整改"),
                          ("photos_removed", "移除 {} 张照片"), ("files_repaired", "补回 {} 个缺失的照片文件"),
                          ("files_absent", "{} 张照片只有记录（照片文件未随包）"),
                          ("files_filled", "补入 {} 张此前未随包的照片")):
            if c.get(key):
                parts.append(text.format(c[key]))
        if c.get("history"):
            parts.append(f"{c['history']} 条历史记录")
        return "、".join(parts)

    def summary(self) -> str:
        """One sentence for the app before applying: what it will add and update, who signed."""
        what = self.what()
        if self.already and not self.has_changes:
            text = f"此交换包已于 {local_time(self.already['imported_at'])} 导入过，没有新的内容"
        elif what:
            text = "此交换包将" + what
        else:
            text = "此交换包没有新的内容（工作区已有其中的全部数据）"
        if self.skipped:
            text += f"；{len(self.skipped)} 项不能应用（本工作区的较新或不同，逐项列出）"
        if self.conflicts and not self.key_change_accepted:
            text += f"；{len(self.conflicts)} 个考评的签名密钥与此前已信任的不同，需人工确认"
        s = self.signer
        return f"{text}；签名：{s.workspace_name} 工作区，密钥 {s.short}（{_TRUST_SHORT[self.trust]}）"

    def lines(self, state: str = "plan") -> list[str]:
        """Everything to tell the user; state: plan (before applying), dry-run, applied, unchanged."""
        m = self.reader.manifest
        out = [f"{KIND_LABELS[self.kind]}交换包 {self.reader.path.name}（制作于 {local_time(m.get('created_at')) or '?'}，"
               f"达标 {(m.get('app') or {}).get('version', '?')}）", self.signer_line()]
        out += self.notices
        what = self.what()
        if self.already and not self.has_changes:
            out.append(f"此交换包已于 {local_time(self.already['imported_at'])} 导入过，没有新的变化；工作区未作任何改动")
        elif state == "applied":
            out.append("已导入：" + what)
        elif state == "unchanged":
            out.append("没有可应用的内容：工作区已有此包中的数据或更新的数据；工作区未作任何改动")
        elif state == "dry-run":
            out.append(("试运行：导入将" + what if what else "试运行：此包没有新的内容") + "；工作区未作任何改动")
        else:
            out.append("导入将" + what if what else "此包没有新的内容")
        if self.skipped:
            out.append(f"以下 {len(self.skipped)} 项未应用（本工作区的数据保持不变）：")
            out += [f"  - {line}" for line in self.skipped]
        return out

    # ------------------------------------------------------------ apply / discard

    def batch(self, sql: str, values: list) -> None:
        """(inside apply) Queue one row for `sql`; all queued rows run together, in one
        executemany per statement, after the changes (rows of records added before)."""
        self._batches.setdefault(sql, []).append(values)

    def apply(self, *, derive: bool = False) -> ImportResult:
        """Put the verified photos in place, then apply every change in one transaction.
        On any failure the photos put in place are removed again and nothing is changed."""
        if self._done:
            raise StorageError("此导入已完成或已放弃")
        try:
            self.ws.check_writable()  # before a photo is put in place
        except StorageError:
            self.discard()
            raise
        if self.conflicts and not self.key_change_accepted:
            path = self.reader.path
            self.discard()
            refuse(path, self.conflict_refusal(), "key")
        ws = self.ws
        if not self.staged and self.new_files:
            raise StorageError("照片尚未校验（用 prepare_import(..., stage=True)）")
        if not self.changes:
            # Nothing to apply (already imported, or everything in it is here or older):
            # the workspace is left exactly as it was, not even the import is logged.
            self.discard()
            return ImportResult(self, applied=False)
        placed: list[Path] = []
        made: list[Path] = []
        try:
            for sha, (ext, _size) in self.new_files.items():
                target = original_path(ws, sha, ext)
                tmp = self.staged[sha]
                if target.exists() and file_sha256(target) == sha:
                    tmp.unlink(missing_ok=True)
                    continue
                if not target.parent.exists():
                    target.parent.mkdir(parents=True)
                    made.append(target.parent)
                os.replace(tmp, target)
                placed.append(target)
            staging.make_durable(placed)
            with ws.transaction():
                self._batches = {}
                for change in self.changes:
                    if change.batch is not None:
                        self.batch(*change.batch)
                    else:
                        change.apply(ws)
                for sql, rows in self._batches.items():
                    ws.db.conn.executemany(sql, rows)
                if self.key_is_new:
                    signing.remember_key(ws, self.signer.public_key, self.signer.workspace_id,
                                         self.signer.workspace_name)
                if self.already is None:
                    ws.db["bundle_imports"].insert({
                        "manifest_sha256": self.reader.manifest_sha256,
                        "bundle_id": self.reader.manifest.get("bundle_id"), "kind": self.kind,
                        "workspace_id": self.signer.workspace_id, "workspace_name": self.signer.workspace_name,
                        "fingerprint": self.signer.fingerprint, "created_at": self.reader.manifest.get("created_at"),
                        "imported_at": now(), "imported_by": ws.who,
                        "summary": json.dumps(self.counts | {"skipped": len(self.skipped)}, ensure_ascii=False)})
                ws.record("bundle", str(self.reader.manifest.get("bundle_id")), "import", {
                    "kind": self.kind, "file": self.reader.path.name, "from": self.signer.workspace_name,
                    "workspace_id": self.signer.workspace_id, "fingerprint": self.signer.fingerprint,
                    "trust": self.trust, "counts": self.counts, "skipped": self.skipped[:50]}
                    | ({"key_change_accepted": [c["label"] for c in self.conflicts],
                        "key_change_previous": sorted({fp for c in self.conflicts for fp, _n in c["previous"]})}
                       if self.conflicts else {}))
        except BaseException:
            for path in placed:
                path.unlink(missing_ok=True)
            for folder in made:
                try:
                    folder.rmdir()
                except OSError:
                    pass
            self.discard()
            raise
        self.discard()
        # Thumbnails and report images are rebuildable: by default they are made on first
        # use (evidence.ensure_derived), so an import costs little more than copying files.
        if derive:
            for sha, (ext, _size) in self.new_files.items():
                try:
                    ensure_derived(ws, sha, ext)
                except Exception:  # noqa: BLE001 - thumbnails are rebuildable; never fail an import
                    pass
        self._remember_scores()
        return ImportResult(self, applied=True)

    def _remember_scores(self) -> None:
        """Score the bundle's assessments now and keep them in the score cache, so that the
        lists, badges and the 军分区's county table after an import of 100 county bundles do
        not score 1,500 assessments at once (~1 ms each here). The import is already
        committed: a failure here only leaves the scores to be computed on first use."""
        from ..scores import scores

        ids = [a["id"] for a in self.data.get("assessments", ()) if isinstance(a, dict) and "id" in a]
        try:
            scores(self.ws, ids)
        except Exception:  # noqa: BLE001 - the cache is rebuildable; never fail an applied import
            pass

    def discard(self) -> None:
        """Remove the temporary files and close the bundle (after apply, or instead of it)."""
        for tmp in self.staged.values():
            tmp.unlink(missing_ok=True)
        self.staged = {}
        if self._stage_dir is not None:
            shutil.rmtree(self._stage_dir, ignore_errors=True)
            try:
                self._stage_dir.parent.rmdir()
            except OSError:
                pass
            self._stage_dir = None
        self.reader.close()
        self._done = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self._done:
            self.discard()


def fp_text(fp: str, shown) -> str:
    """A fingerprint as shown (short or grouped); this workspace without a key yet as is."""
    return shown(fp) if re.fullmatch(r"[0-9A-F]{64}", fp or "") else fp


_TRUST_SHORT = {"own": "本工作区", "trusted": "已信任", "known": "未信任", "new": "未信任"}


@dataclass
class ImportResult:
    plan: ImportPlan
    applied: bool
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.applied and self.plan.has_changes

    @property
    def skipped(self) -> list[str]:
        return self.plan.skipped

    @property
    def counts(self) -> dict:
        return self.plan.counts

    def lines(self) -> list[str]:
        if self.dry_run:
            return self.plan.lines("dry-run")
        return self.plan.lines("applied" if self.applied else "unchanged")


# ---------------------------------------------------------------------- for the planners


def bump(plan: ImportPlan, key: str, n: int = 1) -> None:
    """Count n more of `key` in what the plan will do (plan.counts, the summary's words)."""
    plan.counts[key] = plan.counts.get(key, 0) + n


def first(rows):
    """The first row of a query, or None."""
    for row in rows:
        return row
    return None
