"""Units (被考评单位 and those above them), one tree: 军分区 (city) > 县（市、区）人武部
(county) > 乡镇（街道）武装部 (town) / 企业武装部 (enterprise) > 民兵营连 (militia).

A parent, when given, must be of the type the hierarchy puts above (PARENT_TYPES); a
unit may also stand without one (a town's own workspace holds just the town; a county
arrives from its year bundle without its 军分区 and is moved under it: `move_unit`). A
city never has a parent."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from checklists.format import UNIT_TYPES

from .errors import StorageError
from .workspace import new_id, now

if TYPE_CHECKING:
    from .models import UnitRef, UnitRow, UnitTreeRow
    from .workspace import Workspace

UNIT_TYPES_ALL = ("city", "county") + UNIT_TYPES
UNIT_TYPE_LABELS = {"city": "军分区", "county": "县（市、区）人武部", "town": "乡镇（街道）武装部", "enterprise": "企业武装部",
                    "militia": "民兵营（连）"}
# type -> the types its parent may be (none: it stands at the top).
PARENT_TYPES = {"city": (), "county": ("city",), "town": ("county",), "enterprise": ("county",),
                "militia": ("town", "enterprise")}


# A unit's tags (criteria format 2 `unit_tags`): at most this many, each this long.
MAX_TAGS = 20
MAX_TAG_LENGTH = 60


def tags_problem(tags) -> str | None:
    """Why a list of tag keys cannot be a unit's tags (shape only), or None."""
    if not isinstance(tags, list):
        return "单位标签应为列表"
    if len(tags) > MAX_TAGS:
        return f"单位标签最多 {MAX_TAGS} 个，现在是 {len(tags)} 个"
    for tag in tags:
        if not isinstance(tag, str) or not tag.strip() or tag != tag.strip() or len(tag) > MAX_TAG_LENGTH:
            return f"单位标签必须是不超过 {MAX_TAG_LENGTH} 个字符的非空文字"
    if len(set(tags)) != len(tags):
        return "单位标签重复"
    return None


def encode_tags(tags) -> str | None:
    """Tag keys as stored in units.tags: a sorted JSON list; None when there are none."""
    tags = sorted(set(tags or ()))
    return json.dumps(tags, ensure_ascii=False) if tags else None


def decode_tags(text: str | None) -> tuple[str, ...]:
    """units.tags back as a tuple of tag keys; a damaged text (not a list of short
    strings) raises ValueError."""
    if not text:
        return ()
    if len(text) > MAX_TAGS * (MAX_TAG_LENGTH * 6 + 4) + 2:
        raise ValueError("单位标签过长")
    try:
        tags = json.loads(text)
    except (ValueError, RecursionError):
        raise ValueError("单位标签无法读取") from None
    problem = tags_problem(tags)
    if problem:
        raise ValueError(problem)
    return tuple(tags)


def unit_tags(ws: Workspace, unit_id: str) -> tuple[str, ...]:
    """A unit's tag keys (none in a workspace made before tags existed, opened read-only)."""
    if not has_tags_column(ws):
        return ()
    row = ws.db.execute("SELECT tags FROM units WHERE id = ?", [unit_id]).fetchone()
    return decode_tags(row[0]) if row else ()


def has_tags_column(ws: Workspace) -> bool:
    """Whether units has `tags` (migration m005; a workspace made before it and opened
    read-only is not upgraded)."""
    return any(r[1] == "tags" for r in ws.db.execute("PRAGMA table_info(units)").fetchall())


def declared_tags(ws: Workspace) -> dict[str, str]:
    """tag key -> label, of every unit tag the criteria stored in the workspace declare."""
    from . import checklist_store

    out: dict = {}
    for cid, version in ws.db.execute("SELECT id, version FROM checklists ORDER BY id, version").fetchall():
        try:
            checklist = checklist_store.load(ws, cid, version)
        except Exception:  # noqa: BLE001 - a damaged set declares nothing here (db check names it)
            continue
        for t in checklist.unit_tags:
            out.setdefault(t.tag, t.label)
    return out


def short_labels(declared: dict[str, str]) -> dict[str, str]:
    """short label -> key: a label up to its first "（" or "(" (小镇 of 小镇（常住人口5万以下）),
    for those no other declared tag shares, so a person need not type the whole label."""
    found: dict[str, list[str]] = {}
    for key, label in declared.items():
        short = re.split(r"[（(]", label, maxsplit=1)[0].strip()
        if short and short != label:
            found.setdefault(short, []).append(key)
    return {short: keys[0] for short, keys in found.items() if len(keys) == 1}


def resolve_tags(ws: Workspace, given) -> list[str]:
    """Tags as a person gives them (the key, e.g. big, its label, or the label's unique
    short form before "（", 大镇…) -> the keys,
    each declared by some criteria in the workspace; StorageError naming those declared."""
    declared = declared_tags(ws)
    by_label = short_labels(declared) | {label: key for key, label in declared.items()}
    out = []
    for raw in given or ():
        text = (raw or "").strip() if isinstance(raw, str) else raw
        key = text if text in declared else by_label.get(text)
        if key is None:
            known = ("可用：" + "、".join(f"{k}（{v}）" for k, v in declared.items())) if declared \
                else "工作区中的标准都未声明单位标签"
            raise StorageError(f"单位标签“{text}”未在工作区的任何标准中声明（{known}）")
        if key not in out:
            out.append(key)
    problem = tags_problem(out)
    if problem:
        raise StorageError(problem)
    return sorted(out)


def set_tags(ws: Workspace, unit_id: str, tags) -> UnitRow:
    """Set a unit's tags to exactly `tags` (keys or labels; empty: none), with an audit
    event; the scores of its assessments change with them (items only_for / not_for)."""
    unit = get_unit(ws, unit_id)
    if not unit:
        raise StorageError(f"单位 {unit_id} 不存在")
    keys = resolve_tags(ws, tags)
    try:
        old = list(decode_tags(unit.get("tags")))
    except ValueError:  # damaged: setting the tags again is the repair
        old = [unit.get("tags")]
    if old == keys:
        return unit
    with ws.transaction() as db:
        db["units"].update(unit_id, {"tags": encode_tags(keys), "updated_at": now()})
        ws.record("unit", unit_id, "tags", {"old": old, "new": keys})
    return get_unit(ws, unit_id)


def add_unit(ws: Workspace, name: str, unit_type: str, parent_id: str | None = None,
             unit_id: str | None = None, tags=None) -> UnitRow:
    """Create a unit and return its row; names are unique under the same parent. `tags`:
    its unit tags (keys or labels declared by the workspace's criteria)."""
    name = (name or "").strip()
    if not name:
        raise StorageError("单位名称不能为空")
    if unit_type not in UNIT_TYPES_ALL:
        raise StorageError(f"单位类型必须是 {'、'.join(UNIT_TYPES_ALL)} 之一，现在是 {unit_type!r}")
    parent_problem(ws, unit_type, parent_id)
    clash = ws.db.execute("SELECT id FROM units WHERE name = ? AND coalesce(parent_id, '') = coalesce(?, '')",
                          [name, parent_id]).fetchone()
    if clash:
        raise StorageError(f"单位“{name}”已存在")
    keys = resolve_tags(ws, tags) if tags else []
    row: UnitRow = {"id": unit_id or new_id(), "name": name, "type": unit_type, "parent_id": parent_id,
                    "created_at": now(), "updated_at": now(), "tags": encode_tags(keys)}
    with ws.transaction() as db:
        db["units"].insert(row)
        ws.record("unit", row["id"], "add", {"name": name, "type": unit_type, "parent_id": parent_id}
                  | ({"tags": keys} if keys else {}))
    return row


def parent_problem(ws: Workspace, unit_type: str, parent_id: str | None) -> None:
    """Refuse (StorageError, one line) a parent the hierarchy does not put above this type."""
    if not parent_id:
        return
    parent = get_unit(ws, parent_id)
    if not parent:
        raise StorageError(f"上级单位 {parent_id} 不存在")
    allowed = PARENT_TYPES.get(unit_type, ())
    if parent["type"] not in allowed:
        label = UNIT_TYPE_LABELS.get(unit_type, unit_type)
        if not allowed:
            raise StorageError(f"{label}是最上级单位，不能有上级单位（“{parent['name']}”）")
        wanted = "或".join(UNIT_TYPE_LABELS[t] for t in allowed)
        raise StorageError(f"{label}的上级单位应为{wanted}，“{parent['name']}”是"
                           f"{UNIT_TYPE_LABELS.get(parent['type'], parent['type'])}")


def move_unit(ws: Workspace, unit_id: str, parent_id: str | None) -> UnitRow:
    """Put a unit under another parent (None: at the top), e.g. a county that came from its
    year bundle without a parent under the 军分区; logged. Same rules as add_unit."""
    unit = get_unit(ws, unit_id)
    if not unit:
        raise StorageError(f"单位 {unit_id} 不存在")
    parent_problem(ws, unit["type"], parent_id)
    if parent_id == unit["parent_id"]:
        return unit
    seen, cur = set(), parent_id
    while cur and cur not in seen:  # the typed hierarchy prevents loops; older data might not
        if cur == unit_id:
            raise StorageError(f"不能把“{unit['name']}”移到它自己的下级单位之下")
        seen.add(cur)
        row = ws.db.execute("SELECT parent_id FROM units WHERE id = ?", [cur]).fetchone()
        cur = row[0] if row else None
    clash = ws.db.execute("SELECT id FROM units WHERE name = ? AND coalesce(parent_id, '') = coalesce(?, '') "
                          "AND id != ?", [unit["name"], parent_id, unit_id]).fetchone()
    if clash:
        raise StorageError(f"上级单位下已有名为“{unit['name']}”的单位")
    with ws.transaction() as db:
        db["units"].update(unit_id, {"parent_id": parent_id, "updated_at": now()})
        ws.record("unit", unit_id, "move", {"name": unit["name"], "old": unit["parent_id"], "new": parent_id})
    return get_unit(ws, unit_id)


def get_unit(ws: Workspace, unit_id: str) -> UnitRow | None:
    rows = list(ws.db.query("SELECT * FROM units WHERE id = ?", [unit_id]))
    return rows[0] if rows else None


def find_unit(ws: Workspace, name_or_id: str) -> UnitRow:
    """A unit by id, or by a name that is unique in the workspace."""
    unit = get_unit(ws, name_or_id)
    if unit:
        return unit
    rows = list(ws.db.query("SELECT * FROM units WHERE name = ?", [name_or_id]))
    if not rows:
        raise StorageError(f"找不到单位“{name_or_id}”")
    if len(rows) > 1:
        raise StorageError(f"有 {len(rows)} 个单位名为“{name_or_id}”，请用编号指定")
    return rows[0]


def list_units(ws: Workspace) -> list[UnitTreeRow]:
    """All units as one tree, parents before children, in the order they were entered
    (the county's list of towns as the person typed it, not re-sorted by the characters'
    code points); at the top the 军分区 first, then units without a parent (counties not
    yet moved under it, a town's own workspace)."""
    rows = list(ws.db.query("SELECT * FROM units ORDER BY created_at, rowid"))
    by_parent: dict = {}
    for r in rows:
        by_parent.setdefault(r["parent_id"], []).append(r)
    names = {r["id"]: r["name"] for r in rows}
    by_parent[None] = sorted(by_parent.get(None, []), key=lambda r: r["type"] != "city")  # stable: entry order
    out = []

    def walk(parent, depth):
        for r in by_parent.get(parent, []):
            out.append(r | {"depth": depth, "parent_name": names.get(r["parent_id"])})
            walk(r["id"], depth + 1)

    walk(None, 0)
    known = {r["id"] for r in out}
    out.extend(r | {"depth": 0, "parent_name": None} for r in rows if r["id"] not in known)  # orphans (parent missing)
    return out


def county_of_units(ws: Workspace) -> dict[str, UnitRef]:
    """unit id -> the county (县、市、区) unit it belongs to (a county: itself), for every unit
    under one; plain SQL over all units at once."""
    rows = {r[0]: r for r in ws.db.execute("SELECT id, name, type, parent_id FROM units")}
    out: dict = {}
    for uid in rows:
        path, cur = [], uid
        while cur in rows and cur not in out and cur not in path:
            path.append(cur)
            if rows[cur][2] == "county":
                break
            cur = rows[cur][3]
        found = out.get(cur) if cur in out else (
            {"id": cur, "name": rows[cur][1]} if cur in rows and rows[cur][2] == "county" else None)
        if found is not None:
            for seen in path:
                out[seen] = found
    return out


def find_county(ws: Workspace, name_or_id: str) -> UnitRow:
    """A county-level unit by id or name; unknown: one clear line naming the counties there are."""
    rows = list(ws.db.query("SELECT * FROM units WHERE type = 'county' AND (id = ? OR name = ?) ORDER BY name",
                            [name_or_id, name_or_id]))
    if len(rows) == 1:
        return rows[0]
    if len(rows) > 1:
        raise StorageError(f"有 {len(rows)} 个县（市、区）名为“{name_or_id}”，请用编号指定")
    names = [r[0] for r in ws.db.execute("SELECT name FROM units WHERE type = 'county' ORDER BY name")]
    shown = "、".join(names[:10]) + (f"等 {len(names)} 个" if len(names) > 10 else "")
    known = f"；工作区中的县（市、区）有：{shown}" if names else "；工作区中还没有县（市、区）"
    raise StorageError(f"找不到县（市、区）“{name_or_id}”{known}")
