"""Who a workspace is, and the Ed25519 key it signs exchange bundles with.

Each workspace has an id (a UUID) and a name in `meta` (`workspace_id`,
`workspace_name`), and its own Ed25519 key pair in `keys/workspace-ed25519.pem`
(created on first need, readable by the owner only). A bundle's manifest names the
signer's public key; a key is shown by its fingerprint, the SHA-256 of the 32 raw
public-key bytes in upper-case hex, grouped by 4 (`3F2A-9C1B-…`), and for short by its
first two groups (`3F2A-9C1B`).

Trust is kept per full public key (table `bundle_keys`), never per short fingerprint:
32 bits are enough for people to compare by eye, not to stop someone making a key with
the same short form. Choosing a key to trust by a short form that matches two keys is
refused.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from ..errors import StorageError
from ..workspace import now

# `cryptography` takes about 0.1 s to import: it is loaded on first use (signing or
# verifying a bundle), not whenever storage is imported (app start-up, every CLI command).
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY_DIR = "keys"
KEY_FILE = "workspace-ed25519.pem"


# ---------------------------------------------------------------- fingerprints


def fingerprint(public_key: bytes) -> str:
    """Full fingerprint: 64 upper-case hex digits, no separators (how it is stored)."""
    return hashlib.sha256(public_key).hexdigest().upper()


def pretty(fp: str, groups: int | None = None) -> str:
    """'3F2A9C1B…' -> '3F2A-9C1B-…' (all groups, or the first `groups`)."""
    parts = [fp[i:i + 4] for i in range(0, len(fp), 4)]
    return "-".join(parts[:groups] if groups else parts)


def short(fp: str) -> str:
    """The short form people read aloud: '3F2A-9C1B'."""
    return pretty(fp, 2)


def normalize(text: str) -> str:
    """What a user typed ('3f2a-9c1b', '3F2A 9C1B…') as bare upper-case hex."""
    return re.sub(r"[\s\-:…\.]", "", text or "").upper()


# ---------------------------------------------------------------- identity


@dataclass
class Identity:
    workspace_id: str
    name: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                          serialization.PublicFormat.Raw)

    @property
    def public_key_b64(self) -> str:
        return base64.b64encode(self.public_key).decode("ascii")

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self.private_key.sign(data)


def workspace_id(ws) -> str | None:
    return ws.meta("workspace_id")


def workspace_name(ws) -> str:
    """The name other workspaces see on this one's bundles: the name set (`bundle name`, the
    export dialog), else the unit this workspace belongs to (its one top unit: the county,
    or the town), else the folder's name."""
    return chosen_name(ws) or own_unit_name(ws) or ws.meta("workspace_name") or ws.folder.resolve().name


def chosen_name(ws) -> str | None:
    """The name a person set; None while there is only a default. (Earlier versions stored
    the folder's name when the key was made: that is no choice either.)"""
    name = ws.meta("workspace_name")
    return None if not name or name == ws.folder.resolve().name else name


def own_unit_name(ws) -> str | None:
    """The unit this workspace belongs to: its only top-level unit (None when there are
    none or several)."""
    if not ws.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'units'").fetchone():
        return None
    rows = ws.db.execute("SELECT name FROM units WHERE parent_id IS NULL LIMIT 2").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def suggested_name(ws, unit_names=()) -> str:
    """What the export dialog proposes on the first export: the one unit a submission is
    about (a town sends its own), else workspace_name()."""
    names = list(dict.fromkeys(n for n in unit_names if n))
    if not chosen_name(ws) and len(names) == 1:
        return names[0]
    return workspace_name(ws)


def set_workspace_name(ws, name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise StorageError("工作区名称不能为空")
    if len(name) > 60:
        raise StorageError("工作区名称过长（最多 60 个字）")
    old = ws.meta("workspace_name")
    if old != name:
        with ws.transaction():
            ws.db["meta"].upsert({"key": "workspace_name", "value": name}, pk="key")
            ws.record("workspace", workspace_id(ws) or "", "rename", {"old": old, "new": name})
    return name


def key_path(ws) -> Path:
    return ws.folder / KEY_DIR / KEY_FILE


def identity(ws, create: bool = True) -> Identity:
    """This workspace's id, name and signing key; created on first use (needs a writable
    workspace)."""
    ws_id = workspace_id(ws)
    path = key_path(ws)
    if (ws_id is None or not path.exists()) and (not create or ws.readonly):
        raise StorageError("本工作区还没有签名密钥；请以可写方式打开工作区后再导出交换包")
    if ws_id is None:
        ws_id = str(uuid.uuid4())
        with ws.transaction():
            ws.db["meta"].upsert({"key": "workspace_id", "value": ws_id}, pk="key")
    if not path.exists():
        _create_key(path)
    return Identity(ws_id, workspace_name(ws), _load_key(path))


def _create_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # never replaces a key that appeared meanwhile
        except FileExistsError:
            pass
        except OSError:  # file systems without hard links
            if not path.exists():
                os.replace(tmp, path)
        tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageError(f"无法保存签名密钥 {path}：{exc.strerror or exc}") from None


def _load_key(path: Path) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise StorageError(f"签名密钥 {path} 无法读取或已损坏（{exc}）；可删除该文件以生成新密钥，"
                           "但此前信任旧密钥的工作区需要重新信任") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise StorageError(f"签名密钥 {path} 不是 Ed25519 密钥")
    return key


def verify(public_key: bytes, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---------------------------------------------------------------- keys seen and trusted


def own_fingerprint(ws) -> str | None:
    """This workspace's key fingerprint, when it has one (never creates it)."""
    path = key_path(ws)
    if not path.exists():
        return None
    try:
        return identity(ws, create=False).fingerprint
    except StorageError:
        return None


def known_key(ws, fp: str) -> dict | None:
    rows = list(ws.db.query("SELECT * FROM bundle_keys WHERE fingerprint = ?", [fp]))
    return rows[0] if rows else None


def keys_of_workspace(ws, other_workspace_id: str) -> list[dict]:
    return list(ws.db.query("SELECT * FROM bundle_keys WHERE workspace_id = ? ORDER BY first_seen",
                            [other_workspace_id]))


def remember_key(ws, public_key: bytes, other_workspace_id: str, name: str) -> bool:
    """Note a signer's key the first time it is seen (inside the caller's transaction).
    Returns True when it was new. Later sightings change nothing."""
    fp = fingerprint(public_key)
    if known_key(ws, fp):
        return False
    ws.db["bundle_keys"].insert({
        "fingerprint": fp, "public_key": base64.b64encode(public_key).decode("ascii"),
        "workspace_id": other_workspace_id, "workspace_name": name, "label": None, "first_seen": now(),
        "trusted": 0, "trusted_at": None, "trusted_by": None})
    ws.record("bundle_key", fp, "seen", {"workspace_id": other_workspace_id, "workspace_name": name})
    return True


def find_key(ws, text: str) -> dict:
    """The one key whose fingerprint starts with `text` (at least 8 hex digits)."""
    prefix = normalize(text)
    if not re.fullmatch(r"[0-9A-F]{8,64}", prefix):
        raise StorageError(f"指纹 {text!r} 无效：请输入至少 8 位十六进制数字，如 3F2A-9C1B")
    rows = list(ws.db.query("SELECT * FROM bundle_keys WHERE fingerprint LIKE ? ORDER BY first_seen",
                            [prefix + "%"]))
    if not rows:
        raise StorageError(f"没有见过指纹为 {pretty(prefix)} 的密钥；请先导入（或 --dry-run 查看）该工作区的交换包")
    if len(rows) > 1:
        listed = "；".join(f"{pretty(r['fingerprint'], 4)}（{r['workspace_name']}）" for r in rows)
        raise StorageError(f"有 {len(rows)} 把密钥的指纹以 {pretty(prefix)} 开头：{listed}；请输入更长的指纹")
    return rows[0]


def trust_key(ws, text: str, label: str | None = None, trusted: bool = True) -> dict:
    """Mark a seen key trusted (or no longer trusted); `label` names it locally."""
    row = find_key(ws, text)
    changes = {"trusted": 1 if trusted else 0, "trusted_at": now() if trusted else None,
               "trusted_by": ws.who if trusted else None}
    if label is not None:
        changes["label"] = label.strip() or None
    if all(row.get(k) == v for k, v in changes.items() if k in ("trusted", "label")):
        return row
    with ws.transaction() as db:
        db["bundle_keys"].update(row["fingerprint"], changes)
        ws.record("bundle_key", row["fingerprint"], "trust" if trusted else "untrust",
                  {"workspace_name": row["workspace_name"], "label": changes.get("label", row["label"])})
    return known_key(ws, row["fingerprint"])


def list_keys(ws) -> list[dict]:
    """Every key seen on imported bundles, trusted first."""
    return list(ws.db.query("SELECT * FROM bundle_keys ORDER BY trusted DESC, workspace_name, first_seen"))
