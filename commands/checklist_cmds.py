"""The `checklist` command group: criteria files checked, shown and scored without a
workspace (validate, show, score), imported into one (import), converted between
YAML/JSON and Excel (convert) and the empty Excel template (template)."""

from __future__ import annotations

import json
from pathlib import Path

from checklists import load_answers, load_checklist, score
from checklists.wording import applies_text
from checklists.errors import ChecklistError
from checklists.format import KIND_LABELS, ROLE_LABELS
from checklists.numbers import display
from checklists.serialize import checklist_to_dict
from storage import checklist_store

from .output import fail, group, print_json, print_score_text
from .workspace_cmds import workspace

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx"}


def validate(args) -> int:
    """Exit 0 when every file is valid, else 1 with every problem of every file listed."""
    problems = []
    for name in args.files:
        try:
            checklist = load_checklist(name, args.lib)
        except ChecklistError as exc:
            problems.extend(exc.lines())
            continue
        items = sum(1 for _ in checklist.items())
        print(f"{name}: 有效 — {checklist.title}（{checklist.id}@{checklist.version}，{items} 条，"
              f"满分 {display(checklist.total)}）")
    return fail(*problems) if problems else 0


def show(args) -> int:
    """Print the merged tree, as text or as JSON (base format, with each item's source)."""
    checklist = load_checklist(args.file, args.lib)
    if args.json:
        print_json(checklist_to_dict(checklist, with_source=True))
        return 0
    print(f"{checklist.title}  [{checklist.id}@{checklist.version}]")
    levels = "，".join(f"{lv.label} ≥ {display(lv.min_score)}" for lv in checklist.levels)
    print(f"满分 {display(checklist.total)}；等级：{levels}"
          + (f"；加分上限 {display(checklist.bonus_cap)}" if checklist.bonus_cap is not None else "")
          + (f"；扣分上限 {display(checklist.penalty_cap)}" if checklist.penalty_cap is not None else ""))
    if checklist.unit_tags:
        print("单位标签：" + "，".join(f"{t.tag} {t.label}" for t in checklist.unit_tags))

    def walk(category, depth):
        print("  " * depth + f"{category.code} {category.title}")
        for item in category.items:
            flags = [KIND_LABELS[item.kind]]
            if item.role != "base":
                flags.append(ROLE_LABELS[item.role])
            if item.gate:
                level = checklist.level_by_key(item.gate)
                flags.append(f"{level.label if level else item.gate}必备")
            if item.voids_score:
                flags.append("一票否决，总分记零")
            if item.tagged:
                flags.append(applies_text(item, checklist))
            if item.source:
                flags.append(item.source.label)
            print("  " * (depth + 1) + f"{item.code} {item.title}  {display(item.points)} 分  ({'，'.join(flags)})")
        for sub in category.categories:
            walk(sub, depth + 1)

    for category in checklist.categories:
        walk(category, 0)
    return 0


def score_file(args) -> int:
    """Score an answers file against a criteria file."""
    checklist = load_checklist(args.file, args.lib)
    answers = load_answers(Path(args.answers), checklist)
    result = score(checklist, answers)
    if args.json:
        print_json(result.to_json())
        return 0
    print_score_text(result)
    return 0


def checklist_import(args) -> int:
    """Import criteria files into the workspace (bases are looked up as for validate)."""
    with workspace(args) as ws:
        for name in args.files:
            row, added = checklist_store.import_checklist_file(ws, name, args.lib)
            state = "已导入" if added else "已存在（内容相同）"
            print(f"{row['id']}@{row['version']}\t{state}\t{row['title']}")
    return 0


def convert(args) -> int:
    """Validate IN (every problem listed), then write it as OUT. An overlay stays an
    overlay unless --flatten asks for the merged set."""
    import yaml

    from checklists.serialize import plain
    from checklists.source import read_document
    from checklists.workbook import read_workbook_document, write_workbook

    source, out = Path(args.file), Path(args.out)
    for path, what in ((source, "输入"), (out, "输出")):
        if path.suffix.lower() not in FORMATS:
            return fail(f"{path}: {what}文件须为 .yaml、.yml、.json 或 .xlsx")
    if out.exists() and out.resolve() == source.resolve():
        return fail(f"{out}: 输出文件不能与输入文件相同")
    checklist = load_checklist(source, args.lib)
    overlay = checklist.extends is not None and not args.flatten
    if overlay:
        reader = read_workbook_document if source.suffix.lower() == ".xlsx" else read_document
        data = plain(reader(source).data)
    else:
        data = checklist_to_dict(checklist)
    kind = FORMATS[out.suffix.lower()]
    if kind == "xlsx":
        write_workbook(data, out)
    else:
        text = (json.dumps(data, ensure_ascii=False, indent=2) + "\n" if kind == "json"
                else yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            return fail(f"{out}: 无法写入文件：{exc.strerror or exc}")
    what = "叠加标准" if overlay else ("合并后的完整标准" if checklist.extends else "标准")
    count = sum(1 for _ in checklist.items())
    print(f"已写入 {out}：{what} {checklist.title}（{checklist.ref}，合并后 {count} 条）")
    return 0


def template(args) -> int:
    """Write an empty criteria workbook; an existing file is kept unless --force."""
    from checklists.workbook import write_template

    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return fail(f"{out}: 模板文件须为 .xlsx")
    if out.exists() and not args.force:
        return fail(f"{out}: 文件已存在；如要覆盖请加 --force")
    write_template(out)
    print(f"已写入 {out}：空白考评标准模板（填写前请先阅读“说明”工作表）")
    return 0


def register(subparsers, groups) -> None:
    checklist = group(subparsers, groups, "checklist", "考评标准")
    p = checklist.add_parser("validate", help="检查标准文件，列出全部问题")
    p.add_argument("files", nargs="+")
    p.add_argument("--lib", action="append", default=[], help="查找基础标准的文件或文件夹（可多次）")
    p.set_defaults(func=validate)
    p = checklist.add_parser("show", help="显示合并后的标准")
    p.add_argument("file")
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=show)
    p = checklist.add_parser("score", help="按答卷文件计分")
    p.add_argument("file")
    p.add_argument("--answers", required=True)
    p.add_argument("--lib", action="append", default=[])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=score_file)
    p = checklist.add_parser("import", help="导入标准到工作区")
    p.add_argument("files", nargs="+")
    p.add_argument("--lib", action="append", default=[])
    p.set_defaults(func=checklist_import)
    p = checklist.add_parser("convert", help="在 YAML/JSON 与 Excel（.xlsx）之间转换标准文件")
    p.add_argument("file", metavar="IN")
    p.add_argument("--out", required=True, metavar="OUT", help=".yaml、.yml、.json 或 .xlsx")
    p.add_argument("--lib", action="append", default=[], help="查找基础标准的文件或文件夹（可多次）")
    p.add_argument("--flatten", action="store_true", help="叠加标准写成合并后的完整标准")
    p.set_defaults(func=convert)
    p = checklist.add_parser("template", help="生成空白的 Excel 标准模板")
    p.add_argument("--out", required=True, metavar="FILE.xlsx")
    p.add_argument("--force", action="store_true", help="覆盖已有文件")
    p.set_defaults(func=template)
