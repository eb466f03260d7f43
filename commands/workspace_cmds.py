"""Workspace commands: unit, assessment, answer, photo, db (`checklist import` is with the
rest of the checklist group in checklist_cmds.py)."""

from __future__ import annotations

import sys
from contextlib import contextmanager

from storage import Workspace, assessments, backup, check, checklist_store, evidence, recheck, scores, units
from storage import answer_store
from storage.restore import restore_backup
from storage.errors import IncompleteReview
from storage.timefmt import local_time
from storage.workspace import default_data_dir

from .output import fail, group, print_json, print_score_text


@contextmanager
def workspace(args, readonly: bool = False, reads_only: bool = False):
    """The workspace chosen by --data-dir / DABIAO_DATA_DIR / the user data folder.
    reads_only: the command only reads (or, like a backup, writes outside the database):
    it still runs, read-only, while another Dabiao is writing to the workspace."""
    ws = Workspace.open(args.data_dir, readonly=readonly, if_locked="readonly" if reads_only else "raise")
    try:
        yield ws
    finally:
        ws.close()


def unit_add(args) -> int:
    with workspace(args) as ws:
        parent = units.find_unit(ws, args.parent)["id"] if args.parent else None
        row = units.add_unit(ws, args.name, args.type, parent, tags=args.tag)
    print(row["id"])
    return 0


def unit_move(args) -> int:
    """Put a unit under another parent (a county from a bundle under the 军分区), or at the top."""
    if bool(args.parent) == bool(args.top):
        return fail("unit move：请给出 --parent 上级单位，或用 --top 移到最上级（二者选一）")
    with workspace(args) as ws:
        unit = units.find_unit(ws, args.unit)
        parent = units.find_unit(ws, args.parent) if args.parent else None
        units.move_unit(ws, unit["id"], parent["id"] if parent else None)
    print(f"{unit['name']}	上级：{parent['name'] if parent else '（无，最上级）'}")
    return 0


def unit_tag(args) -> int:
    """Set a unit's tags (大镇 / 小镇…) to exactly those given, clear them, or show them."""
    if args.clear and args.tags:
        return fail("unit tag：给出标签与 --clear 不能同时使用")
    with workspace(args, reads_only=not (args.clear or args.tags)) as ws:
        unit = units.find_unit(ws, args.unit)
        if args.clear or args.tags:
            unit = units.set_tags(ws, unit["id"], [] if args.clear else args.tags)
        try:
            shown = _tags_shown(ws, units.decode_tags(unit.get("tags")))
        except ValueError as exc:
            return fail(f"{unit['name']} 的标签已损坏（{exc}）；可用 unit tag {unit['name']} 标签… 或 --clear 重新设置")
    print(f"{unit['name']}\t{shown or '（无标签）'}")
    return 0


def _tags_shown(ws, tags) -> str:
    if not tags:
        return ""
    labels = units.declared_tags(ws)
    return "、".join(f"{t}（{labels[t]}）" if t in labels else t for t in tags)


def unit_list(args) -> int:
    with workspace(args, reads_only=True) as ws:
        rows = units.list_units(ws)
        labels = units.declared_tags(ws) if any(r.get("tags") for r in rows) else {}
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        line = (f"{r['id']}\t{'  ' * r['depth']}{r['name']}\t{units.UNIT_TYPE_LABELS.get(r['type'], r['type'])}\t"
                f"{'上级：' + r['parent_name'] if r['parent_name'] else '（最上级）'}")
        try:
            tags = units.decode_tags(r.get("tags"))
        except ValueError as exc:
            line += f"\t标签已损坏（{exc}）"
        else:
            if tags:
                line += "\t" + "、".join(labels.get(t, t) for t in tags)
        print(line)
    return 0


def assessment_new(args) -> int:
    set_id, version = checklist_store.parse_ref(args.checklist)
    with workspace(args) as ws:
        unit = units.find_unit(ws, args.unit)
        row = assessments.new_assessment(ws, unit["id"], set_id, version, args.year)
        if args.baseline:
            answer_store.copy_from(ws, args.baseline, row["id"])
    print(row["id"])
    return 0


def assessment_list(args) -> int:
    with workspace(args, reads_only=True) as ws:
        rows = scores.list_scores(ws, args.year)
    for r in rows:  # an assessment whose stored answer cannot be read: listed unscored, named
        if r.get("problem"):
            print(f"注意：{r['problem']}", file=sys.stderr)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        shown = "—" if r["final"] is None else r["final"]
        level = "无法计分（答案已损坏）" if r.get("problem") else (r["level_label"] or "尚未填写")
        print(f"{r['id']}\t{r['year']}\t{r['unit_name']}\t{r['checklist_id']}@{r['checklist_version']}\t"
              f"{assessments.STATUS_LABELS[r['status']]}\t{assessments.ROLE_LABELS[r['score_role']]}\t{shown}\t"
              f"{level}")
    return 0


def assessment_show(args) -> int:
    with workspace(args, readonly=True) as ws:
        a = assessments.get_assessment(ws, args.assessment)
        refusal = recheck.show_refusal(ws, a) if args.role == "recheck" else None
        if refusal:
            return fail(refusal)
        result = answer_store.score_assessment(ws, a["id"], args.role)
        counts = evidence.evidence_counts(ws, a["id"])
    if args.json:
        print_json(result.to_json() | {"status": a["status"], "evidence": counts})
        return 0
    print(f"{a['unit_name']} {a['year']} 年  状态：{assessments.STATUS_LABELS[a['status']]}  "
          f"（{assessments.ROLE_LABELS[args.role]}）")
    if not scores.is_scored(result):  # nothing answered in this role: no score, as the lists show it
        print(f"{result.checklist.title}（{result.checklist.id}@{result.checklist.version}）")
        print(f"总分 —    等级：尚未填写（{scores.applicable_count(result)} 项均未填写）")
        return 0
    print_score_text(result)
    return 0


CONFIRM_HINT = "如确认在考评未完成时继续，请加 --confirm-incomplete（此确认记入操作日志）"


def assessment_status(args) -> int:
    with workspace(args) as ws:
        try:
            if args.action == "submit":
                a = assessments.set_status(ws, args.assessment, "submitted")
            elif args.action == "unlock":
                a = assessments.unlock(ws, args.assessment, args.reason)
            else:
                a = assessments.set_status(ws, args.assessment, args.to, confirm_incomplete=args.confirm_incomplete)
        except IncompleteReview as exc:
            return fail(*exc.lines(), CONFIRM_HINT)
    print(assessments.STATUS_LABELS[a["status"]])
    return 0


def assessment_conclude(args) -> int:
    """考评结论与签字, headless."""
    with workspace(args) as ws:
        try:
            a = assessments.conclude(ws, args.assessment, args.conclusion, args.signed_by, reviewer=args.reviewer,
                                     signed_at=args.date, confirm_incomplete=args.confirm_incomplete)
        except IncompleteReview as exc:
            return fail(*exc.lines(), CONFIRM_HINT)
        missing = len(assessments.unanswered(ws, a["id"], "review", a))
    print(f"已签字：{a['signed_by']} {a['signed_at']}" + (f"（考评未完成：{missing} 项未考评，已确认）" if missing else ""))
    return 0


def answer_import(args) -> int:
    with workspace(args) as ws:
        changed = answer_store.import_answers_file(ws, args.assessment, args.file, args.role)
    print(f"已导入，{changed} 项有变化")
    return 0


def answer_note(args) -> int:
    with workspace(args) as ws:
        row = answer_store.set_note(ws, args.assessment, args.code, args.role, args.text)
    print(f"{args.code}（{assessments.ROLE_LABELS[args.role]}）说明：{row['note'] or '（已清除）'}")
    return 0


def answer_adopt(args) -> int:
    """采用自评: the unit's self values become this inspector's review answers."""
    if bool(args.codes) == bool(args.all):
        return fail("请给出条目编号，或用 --all 采用所有未考评条目（二者选一）")
    with workspace(args) as ws:
        result = answer_store.adopt_self(ws, args.assessment, None if args.all else args.codes,
                                         overwrite=args.overwrite)
    print(f"已采用 {len(result.adopted)} 项自评结果作为考评结果" + (f"：{'、'.join(result.adopted)}" if result.adopted
                                                            and len(result.adopted) <= 20 else ""))
    if result.already:
        print(f"{len(result.already)} 项已有考评结果，未改动" + ("" if args.overwrite else "（加 --overwrite 覆盖）")
              + (f"：{'、'.join(result.already)}" if not args.all else ""))
    if result.no_self and not args.all:
        print(f"{len(result.no_self)} 项没有自评结果，无可采用：{'、'.join(result.no_self)}")
    return 0


def photo_add(args) -> int:
    with workspace(args) as ws:
        outcomes = evidence.add_photos(ws, args.assessment, args.item, args.files, role=args.role,
                                       caption=args.caption)
    refused = 0
    for o in outcomes:
        if o.ok:
            print(f"{o.path}\t{'已附加过' if o.duplicate else '已添加'}\t{o.sha256[:12]}")
        else:
            refused += 1
            print(f"{o.path}: 已拒绝：{o.refused}", file=sys.stderr)
    return 1 if refused else 0


def db_check(args) -> int:
    with workspace(args, readonly=True) as ws:
        problems = check.check_workspace(ws)
        absent = check.absent_photos(ws)
    if problems:
        return fail(*problems)
    print("工作区检查通过：数据库、照片文件与审计日志均完好"
          + (f"（另有 {absent} 张照片只有记录：随县年度数据包传来时未含照片文件）" if absent else ""))
    return 0


def db_backup(args) -> int:
    with workspace(args, reads_only=True) as ws:
        path = backup.make_backup(ws, backup.MANUAL)
    print(path)
    return 0


def db_backups(args) -> int:
    folder = default_data_dir() if not args.data_dir else args.data_dir
    rows = backup.list_backups(folder)
    if args.json:
        print_json([{"n": i, "name": b.name, "path": str(b.path), "made_at": b.made_at.isoformat(timespec="seconds"),
                     "kind": b.kind, "size": b.size} for i, b in enumerate(rows, 1)])
        return 0
    if not rows:
        print("还没有备份（main.py db backup 立即备份）")
        return 0
    for i, b in enumerate(rows, 1):
        print(f"{i}\t{local_time(b.made_at, seconds=True)}\t{b.kind_label}\t{b.size // 1024} KB\t{b.name}")
    return 0


def db_restore(args) -> int:
    """Restore a backup; the current database is kept as a backup first. Works even when
    the current database cannot be opened."""
    folder = default_data_dir() if not args.data_dir else args.data_dir
    result = restore_backup(folder, args.backup)
    print(f"已恢复到 {local_time(backup.describe(result.restored).made_at)} 的备份（{result.restored.name}）")
    if result.saved:
        print(f"恢复前的数据已另存为 {result.saved.name}（可用 db restore {result.saved.name} 改回）")
    return 0


def register(subparsers, groups) -> None:
    unit = group(subparsers, groups, "unit", "被考评单位")
    p = unit.add_parser("add", help="新增单位，输出其编号")
    p.add_argument("name")
    p.add_argument("--type", required=True, choices=units.UNIT_TYPES_ALL,
                   help="city 军分区 / county 县人武部 / town 乡镇 / enterprise 企业 / militia 民兵营连")
    p.add_argument("--parent", help="上级单位（名称或编号）：county 属 city，town/enterprise 属 county，"
                                    "militia 属 town/enterprise；city 没有上级")
    p.add_argument("--tag", action="append", default=[], help="单位标签（标准 unit_tags 的键或名称，如 big），可多次给出")
    p.set_defaults(func=unit_add)
    p = unit.add_parser("move", help="把单位移到另一上级单位之下（如把县人武部归入军分区）")
    p.add_argument("unit", help="单位名称或编号")
    p.add_argument("--parent", help="新的上级单位（名称或编号）")
    p.add_argument("--top", action="store_true", help="移到最上级（不属于任何单位）")
    p.set_defaults(func=unit_move)
    p = unit.add_parser("tag", help="设置单位标签（大镇/小镇等），不给标签则显示当前标签")
    p.add_argument("unit", help="单位名称或编号")
    p.add_argument("tags", nargs="*", help="标签的键或名称；给出的即为全部标签")
    p.add_argument("--clear", action="store_true", help="清除全部标签")
    p.set_defaults(func=unit_tag)
    p = unit.add_parser("list", help="列出单位")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=unit_list)

    assessment = group(subparsers, groups, "assessment", "考评")
    p = assessment.add_parser("new", help="新建考评，输出其编号")
    p.add_argument("--unit", required=True)
    p.add_argument("--checklist", required=True, help="ID 或 ID@VERSION")
    p.add_argument("--year", required=True, type=int)
    p.add_argument("--baseline", help="从往年考评复制自评答案")
    p.set_defaults(func=assessment_new)
    p = assessment.add_parser("list", help="列出考评")
    p.add_argument("--year", type=int)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=assessment_list)
    p = assessment.add_parser("show", help="显示考评得分")
    p.add_argument("assessment")
    p.add_argument("--role", choices=assessments.ROLES, default="self")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=assessment_show)
    p = assessment.add_parser("submit", help="提交自评（锁定自评答案）")
    p.add_argument("assessment")
    p.set_defaults(func=assessment_status)
    p = assessment.add_parser("unlock", help="解锁（需说明原因）")
    p.add_argument("assessment")
    p.add_argument("--reason", required=True)
    p.set_defaults(func=assessment_status)
    p = assessment.add_parser("status", help="推进考评状态")
    p.add_argument("assessment")
    p.add_argument("--to", required=True, choices=assessments.STATUSES)
    p.add_argument("--confirm-incomplete", action="store_true", help="考评未完成时仍标记已考评（记入操作日志）")
    p.set_defaults(func=assessment_status)
    p = assessment.add_parser("conclude", help="考评结论与签字")
    p.add_argument("assessment")
    p.add_argument("--conclusion", required=True)
    p.add_argument("--signed-by", required=True, help="签字人")
    p.add_argument("--reviewer", help="考评组组长及成员")
    p.add_argument("--date", help="签字日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--confirm-incomplete", action="store_true", help="考评未完成时仍签字（记入操作日志）")
    p.set_defaults(func=assessment_conclude)

    answer = group(subparsers, groups, "answer", "答案")
    p = answer.add_parser("import", help="从答卷文件导入答案")
    p.add_argument("assessment")
    p.add_argument("file")
    p.add_argument("--role", choices=assessments.ROLES, default="self")
    p.set_defaults(func=answer_import)
    p = answer.add_parser("note", help="填写条目说明（空文字清除）")
    p.add_argument("assessment")
    p.add_argument("code")
    p.add_argument("text")
    p.add_argument("--role", choices=assessments.ROLES, default="self")
    p.set_defaults(func=answer_note)
    p = answer.add_parser("adopt", help="采用自评结果作为考评结果")
    p.add_argument("assessment")
    p.add_argument("codes", nargs="*", metavar="CODE")
    p.add_argument("--all", action="store_true", help="所有有自评、未考评的条目")
    p.add_argument("--overwrite", action="store_true", help="已有考评结果的条目也改为自评结果")
    p.set_defaults(func=answer_adopt)

    photo = group(subparsers, groups, "photo", "照片佐证")
    p = photo.add_parser("add", help="为条目添加照片")
    p.add_argument("assessment")
    p.add_argument("item")
    p.add_argument("files", nargs="+")
    p.add_argument("--caption")
    p.add_argument("--role", choices=assessments.ROLES, default="self")
    p.set_defaults(func=photo_add)

    db = group(subparsers, groups, "db", "工作区数据库")
    p = db.add_parser("check", help="检查数据库、照片与审计日志")
    p.set_defaults(func=db_check)
    p = db.add_parser("backup", help="立即备份")
    p.set_defaults(func=db_backup)
    p = db.add_parser("backups", help="列出备份（最新的在前，带编号）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=db_backups)
    p = db.add_parser("restore", help="恢复备份（先保留当前数据）")
    p.add_argument("backup", help="db backups 中的编号、备份文件名或路径")
    p.set_defaults(func=db_restore)
