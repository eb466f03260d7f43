"""What a county's year bundle (`year`, 县年度数据包) carries, collected with a few set
queries (a county has hundreds of assessments; one query per row would dominate).

Every assessment of the year whose unit is the county or under it (towns, enterprises,
民兵营连), each with all three sides (自评, 考评, 复核 when there is any: answers, the
side's fields, photos), conclusion and sign-off, its corrective actions and the earlier
actions they were carried from (so the 军分区 can count 回头看), its audit events
(checked against their hashes); the county's unit tree with parents, types and tags;
the checklists the assessments use. Photos: their records always; with photos=False
each is marked `"absent": true` and its bytes stay home, as do the bytes of a photo
that is absent here too (a 军分区 passing on what it received without photos).
"""

from __future__ import annotations

from .. import audit, units
from ..errors import StorageError
from .chains import checklist_chain, unit_chain
from .local_rows import rows_in
from .records import (ACTION_COLS, ANSWER_COLS, ASSESSMENT_CORE, ATTACHMENT_COLS, EVENT_COLS, EVIDENCE_COLS,
                      SIDE_FIELDS, SIDES_OF_KIND, pick)

UNREVIEWED = ("draft", "submitted", "reviewing")  # statuses the export warns about: not reviewed yet


def year_county(ws, county: str | None) -> dict:
    """The county whose year is sent: by name or id, or the workspace's only county."""
    if county:
        return units.find_county(ws, county)
    rows = list(ws.db.query("SELECT * FROM units WHERE type = 'county' ORDER BY name"))
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise StorageError("工作区中没有县（市、区）人武部单位，无法导出县年度数据包")
    names = "、".join(r["name"] for r in rows[:10])
    raise StorageError(f"工作区中有 {len(rows)} 个县（市、区）（{names}），请用 --county 指定导出哪一个")


def year_choices(ws) -> tuple[list[int], list[dict]]:
    """What a county's year bundle can be made of here: the years that have assessments
    (latest first) and the county units (by name), for the app's export dialog."""
    years = [r["year"] for r in ws.db.query("SELECT DISTINCT year FROM assessments ORDER BY year DESC")]
    counties = list(ws.db.query("SELECT * FROM units WHERE type = 'county' ORDER BY name"))
    return years, counties


def year_overview(ws, year: int, county: str) -> dict:
    """How much a county's year bundle would carry, before writing it: assessments, those
    not yet reviewed (the export warns), photo attachments and distinct photo files."""
    root = year_county(ws, county)
    unit_ids = [u["id"] for u in _under(ws, root["id"])]
    found = rows_in(ws, "SELECT id, status FROM assessments WHERE year = ? AND unit_id IN ({ids})", unit_ids, [year])
    ids = [a["id"] for a in found]
    attachments = rows_in(ws, "SELECT sha256 FROM attachments WHERE assessment_id IN ({ids})", ids)
    return {"county": root["name"], "assessments": len(found),
            "unreviewed": sum(1 for a in found if a["status"] in UNREVIEWED),
            "photos": len(attachments), "files": len({a["sha256"] for a in attachments})}


def _under(ws, root_id: str) -> list[dict]:
    """The unit `root_id` and every unit under it, parents first, in the order entered."""
    by_parent: dict = {}
    for r in ws.db.query("SELECT * FROM units ORDER BY created_at, rowid"):
        by_parent.setdefault(r["parent_id"], []).append(r)
    out, todo, seen = [], [root_id], set()
    rows = {r["id"]: r for rs in by_parent.values() for r in rs}
    while todo:
        uid = todo.pop(0)
        if uid in seen or uid not in rows:
            continue
        seen.add(uid)
        out.append(rows[uid])
        todo.extend(r["id"] for r in by_parent.get(uid, []))
    return out


def collect_year(ws, year: int, county: str | None, photos: bool) -> tuple[dict, list[str]]:
    """data.json of a county's year bundle, and warnings for the person exporting."""
    root = year_county(ws, county)
    tree = _under(ws, root["id"])
    unit_ids = [u["id"] for u in tree]
    found = rows_in(ws, "SELECT * FROM assessments WHERE year = ? AND unit_id IN ({ids})", unit_ids, [year])
    if not found:
        raise StorageError(f"{root['name']} 没有 {year} 年的考评，无法导出县年度数据包")
    order = {uid: i for i, uid in enumerate(unit_ids)}
    found.sort(key=lambda a: (order[a["unit_id"]], a["created_at"] or "", a["id"]))
    ids = [a["id"] for a in found]

    units_out: dict = {}
    unit_chain(ws, root["id"], units_out)  # the county with anything above it, parents first
    for u in tree:
        unit_chain(ws, u["id"], units_out)
    checklists: dict = {}
    for a in found:
        checklist_chain(ws, a["checklist_id"], a["checklist_version"], checklists)

    sides = SIDES_OF_KIND["year"]
    by_aid: dict = {aid: {"answers": [], "attachments": [], "actions": [], "events": []} for aid in ids}
    for r in rows_in(ws, "SELECT * FROM answers WHERE assessment_id IN ({ids}) ORDER BY assessment_id, role, code",
                      ids):
        by_aid[r["assessment_id"]]["answers"].append(pick(r, ANSWER_COLS))
    for r in rows_in(ws, "SELECT * FROM attachments WHERE assessment_id IN ({ids}) ORDER BY added_at, rowid", ids):
        by_aid[r["assessment_id"]]["attachments"].append(pick(r, ATTACHMENT_COLS))
    for r in rows_in(ws, "SELECT * FROM actions WHERE assessment_id IN ({ids}) ORDER BY created_at, rowid", ids):
        by_aid[r["assessment_id"]]["actions"].append(pick(r, ACTION_COLS))
    for r in rows_in(ws, "SELECT * FROM events WHERE assessment_id IN ({ids}) ORDER BY seq", ids):
        ev = pick(r, EVENT_COLS)
        if audit.event_hash(ev["prev_hash"], ev) != ev["hash"]:
            raise StorageError(f"考评 {r['assessment_id']} 的审计日志第 {ev['seq']} 条已损坏（哈希不符），不能导出；"
                               "请运行 db check 并从备份恢复")
        by_aid[r["assessment_id"]]["events"].append(ev)
    earlier = _earlier_actions(ws, found, by_aid)

    shas = {att["sha256"] for parts in by_aid.values() for att in parts["attachments"]}
    evidence = {r["sha256"]: r for r in rows_in(ws, "SELECT * FROM evidence WHERE sha256 IN ({ids})", sorted(shas))}
    missing = shas - set(evidence)
    if missing:
        raise StorageError(f"照片附件指向不存在的照片 {sorted(missing)[0][:12]}；请运行 db check")
    evidence_out = []
    for sha in sorted(shas):
        row = evidence[sha]
        record = pick(row, EVIDENCE_COLS)
        if not photos or row.get("absent"):
            record["absent"] = True
        evidence_out.append(record)

    out, warnings = [], []
    for a in found:
        item = pick(a, ASSESSMENT_CORE)
        for side in sides:
            item |= pick(a, SIDE_FIELDS[side])
        item["recheck_rev"] = item["recheck_rev"] or 0
        item |= by_aid[a["id"]]
        item["earlier_actions"] = earlier.get(a["id"], [])
        out.append(item)
    unreviewed = sum(1 for a in found if a["status"] in UNREVIEWED)
    if unreviewed:
        warnings.append(f"注意：{len(found)} 个考评中有 {unreviewed} 个尚未考评完毕，导出的是当前的数据")
    kept_home = sum(1 for e in evidence_out if e.get("absent"))
    if photos and kept_home:
        warnings.append(f"注意：{kept_home} 张照片在本工作区也只有记录（此前随数据包传来时未含照片），其文件未能随包")
    return {"checklists": list(checklists.values()), "units": list(units_out.values()), "assessments": out,
            "evidence": evidence_out}, warnings


def _earlier_actions(ws, found: list[dict], by_aid: dict) -> dict:
    """assessment id -> the earlier years' actions of its unit that its actions were carried
    from, following carried_from back (at most 20 years), oldest last."""
    unit_of = {a["id"]: a["unit_id"] for a in found}
    wanted = {}  # earlier action id -> assessment id it is sent with
    for aid, parts in by_aid.items():
        for act in parts["actions"]:
            if act["carried_from"]:
                wanted[act["carried_from"]] = aid
    out: dict = {}
    sent = {act["id"] for parts in by_aid.values() for act in parts["actions"]}
    for _ in range(20):
        todo = {k: v for k, v in wanted.items() if k not in sent}
        if not todo:
            break
        wanted = {}
        for r in rows_in(ws, "SELECT * FROM actions WHERE id IN ({ids})", sorted(todo)):
            aid = todo[r["id"]]
            if r["unit_id"] != unit_of[aid] or r["assessment_id"] == aid:
                continue  # not this unit's earlier year: not ours to send
            sent.add(r["id"])
            out.setdefault(aid, []).append(pick(r, ACTION_COLS))
            if r["carried_from"]:
                wanted[r["carried_from"]] = aid
    return out
