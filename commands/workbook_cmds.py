"""`checklist convert | template`: criteria between YAML/JSON files and Excel workbooks."""

from __future__ import annotations

import json
from pathlib import Path

from .output import fail

FORMATS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".xlsx": "xlsx"}


def convert(args) -> int:
    """Validate IN (every problem listed), then write it as OUT. An overlay stays an
    overlay unless --flatten asks for the merged set."""
    import yaml

    from checklists import load_checklist
    from checklists.serialize import checklist_to_dict, plain
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
    from .output import group

    checklist = group(subparsers, groups, "checklist", "考评标准")
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
