"""Trust: who signed a bundle, and whether that key may change what the bundle would change.

A valid signature from a key that is not trusted is accepted with a notice (towns and
inspectors must be able to work before anyone has compared fingerprints), or refused
with `require_trusted`. A workspace id in a manifest is only a claim; the key is the
identity: once a side of an assessment has come here under a trusted key (or was made
here), a bundle signed by another key that would change it is a conflict the plan lists
and apply() refuses, unless the new key is trusted for the same workspace (a confirmed
key change) or a person accepts it. `trust_signer()` trusts the key that signed a bundle
file, for a key not yet seen. The keys themselves are in signing.py; the rules in
docs/bundles.md, "Signatures and trust".
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import StorageError
from . import signing
from .bundle_format import open_bundle, refuse
from .plan import ImportPlan, first, fp_text
from .records import SIDE_LABELS, SIDES_OF_KIND


def check_signer(plan: ImportPlan, require_trusted: bool) -> None:
    """Who signed the bundle, as this workspace knows the key (plan.trust: own, trusted,
    known or new), with a notice for an untrusted key or one claiming to be another's;
    refused when require_trusted and the key is not trusted. Also notes whether this very
    bundle was imported before (plan.already)."""
    ws, s = plan.ws, plan.signer
    own = signing.own_fingerprint(ws)
    row = signing.known_key(ws, s.fingerprint)
    if own == s.fingerprint:
        plan.trust = "own"
    elif row and row["trusted"]:
        plan.trust = "trusted"
    elif row:
        plan.trust = "known"
    else:
        plan.trust = "new"
        plan.key_is_new = True
    my_id = signing.workspace_id(ws)
    if s.workspace_id and s.workspace_id == my_id and plan.trust != "own":
        plan.notices.append(f"警告：此包声称来自本工作区，但签名密钥 {s.short} 不是本工作区的密钥")
    if s.workspace_id and plan.trust in ("known", "new"):
        others = [r for r in signing.keys_of_workspace(ws, s.workspace_id) if r["fingerprint"] != s.fingerprint]
        if others:
            prev = others[-1]
            plan.notices.append(
                f"警告：工作区“{prev['workspace_name']}”此前使用密钥 {signing.short(prev['fingerprint'])}"
                f"{'（已信任）' if prev['trusted'] else ''}，此包使用另一把密钥 {s.short}；请核实后再信任")
    if plan.trust in ("known", "new"):
        if require_trusted:
            refuse(plan.reader.path, f"签名密钥 {s.short}（“{s.workspace_name}”工作区）未被信任；"
                   f"与对方核实指纹后可用 bundle trust {s.short} --bundle {plan.reader.path.name} 信任", "trust")
        plan.notices.append(f"注意：签名有效，但密钥 {s.short} 未被信任，无法确认此包确实来自“{s.workspace_name}”；"
                            f"与对方核对完整指纹 {signing.pretty(s.fingerprint, 8)} 后，可用 bundle trust {s.short} 信任")
    plan.already = first(ws.db.query("SELECT * FROM bundle_imports WHERE manifest_sha256 = ?",
                                     [plan.reader.manifest_sha256]))


def side_guardians(ws, aid: str, side: str) -> list[tuple[str, str | None, str]]:
    """The keys this side of the assessment came under: (fingerprint, workspace id,
    name) of every trusted key that signed a bundle of the side's kind which changed it
    here, plus this workspace's own key when the side was made or edited here."""
    kinds = [k for k, sides in SIDES_OF_KIND.items() if side in sides]
    rows = ws.db.execute(
        "SELECT DISTINCT k.fingerprint, k.workspace_id, coalesce(k.label, k.workspace_name) FROM events e "
        "JOIN bundle_imports b ON b.bundle_id = (CASE WHEN json_valid(e.detail) THEN json_extract(e.detail, '$.bundle') END) "
        "JOIN bundle_keys k ON k.fingerprint = b.fingerprint "
        f"WHERE e.assessment_id = ? AND b.kind IN ({','.join('?' * len(kinds))}) AND k.trusted = 1",
        [aid, *kinds]).fetchall()
    out = [(r[0], r[1], r[2]) for r in rows]
    here = ("(e.entity = 'answer' AND e.entity_id LIKE ? AND e.action = 'set')"
            + (" OR (e.entity = 'assessment' AND e.action IN ('new', 'generate'))" if side == "self" else ""))
    if ws.db.execute(f"SELECT 1 FROM events e WHERE e.assessment_id = ? AND ({here}) LIMIT 1",
                     [aid, f"%/{side}"]).fetchone():
        own = signing.own_fingerprint(ws)
        out.append((own or "本工作区", signing.workspace_id(ws), "本工作区"))
    return out


def check_key_conflict(plan: ImportPlan, aid: str, side: str, label: str) -> None:
    """A workspace id is a claim; the key is the identity. Once this side of the assessment
    has come under a trusted key (or was made here), a bundle signed by any other key may
    change it only when that key is trusted too and was seen for the same workspace (a
    key change a person has confirmed by trusting the new key); else it is a conflict."""
    if plan.trust == "own":
        return
    s = plan.signer
    guardians = side_guardians(plan.ws, aid, side)
    if not guardians or any(fp == s.fingerprint for fp, _w, _n in guardians):
        return
    if plan.trust == "trusted":
        row = signing.known_key(plan.ws, s.fingerprint)
        if row and row["workspace_id"] and any(w == row["workspace_id"] for _fp, w, _n in guardians):
            plan.notices.append(f"注意：{label}的{SIDE_LABELS[side]}此前来自密钥 "
                                f"{'、'.join(fp_text(fp, signing.short) for fp, _w, _n in guardians)}，此包由同一工作区已信任的"
                                f"新密钥 {s.short} 签名（更换过密钥）")
            return
    plan.conflicts.append({"label": label, "side": side, "previous": [(fp, n) for fp, _w, n in guardians],
                           "signer": s.fingerprint})
    plan.notices.extend(plan.conflict_lines()[-1:])


def trust_signer(ws, path, fingerprint: str, label: str | None = None) -> dict:
    """Trust the key that signed the bundle at `path`, after checking its signature and that
    its fingerprint starts with `fingerprint` (what the other side read out). For a key
    not yet seen on an imported bundle, e.g. before `--require-trusted` imports."""
    prefix = signing.normalize(fingerprint)
    if not re.fullmatch(r"[0-9A-F]{8,64}", prefix):
        raise StorageError(f"指纹 {fingerprint!r} 无效：请输入至少 8 位十六进制数字，如 3F2A-9C1B")
    with open_bundle(path) as reader:
        s = reader.signer
    if not s.fingerprint.startswith(prefix):
        raise StorageError(f"{Path(path).name} 的签名密钥是 {signing.pretty(s.fingerprint, 4)}，"
                           f"与所给指纹 {signing.pretty(prefix)} 不符；未作任何改动")
    with ws.transaction():
        signing.remember_key(ws, s.public_key, s.workspace_id, s.workspace_name)
        return signing.trust_key(ws, s.fingerprint, label=label)
