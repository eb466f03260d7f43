"""Writing a criteria workbook: a Checklist (as its flattened base form) or plain data
as in a YAML file (a base set, or an overlay as overlay sheets), every value written the
way the reader reads it back exactly; and the empty template."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from ..errors import ChecklistError, Problem
from ..format import EVIDENCE_KEYS, FORMAT, LINEAR_KEYS, SET_LEVELS
from ..model import Checklist
from ..numbers import exact
from ..serialize import checklist_to_dict
from .layout import (
    BANDS,
    CATEGORIES,
    DOCUMENTS,
    DV_LAST_ROW,
    ELEMENTS,
    GUIDE,
    GUIDE_TITLE,
    ITEMS,
    LEVELS,
    NAME_SEP,
    OPTIONS,
    REASONS,
    REMOVE,
    REPLACE,
    SETTINGS,
    SETTINGS_SHEET,
    SHEETS,
    UNIT_TAGS,
    Column,
    Sheet,
)


def write_workbook(source, path) -> None:
    """Write a set as a criteria workbook: a Checklist (as its flattened base form) or
    plain data as in a YAML file (a base set, or an overlay written as overlay sheets)."""
    data = checklist_to_dict(source) if isinstance(source, Checklist) else source
    try:
        wb = _build(data)
    except ValueError as exc:
        raise ChecklistError([Problem(str(path), "", str(exc))]) from None
    import errno
    import os
    import uuid

    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        import io

        buffer = io.BytesIO()
        wb.save(buffer)  # in memory: a full disk cannot leave openpyxl's zip open half-written
        with open(tmp, "wb") as f:  # then renamed: a full disk never leaves half a workbook
            f.write(buffer.getvalue())
        os.replace(tmp, path)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        why = ("磁盘已满，未写完的文件已删除" if exc.errno == errno.ENOSPC
               else f"{exc.strerror or exc}（文件是否正在 Excel 或 WPS 中打开？）")
        raise ChecklistError([Problem(str(path), "", f"无法写入文件：{why}")]) from None


def _build(data: dict):
    """The openpyxl workbook for plain base or overlay data."""
    from openpyxl import Workbook

    wb = Workbook()
    _write_guide(wb.active)
    sheets = {sheet.key: _new_sheet(wb, sheet) for sheet in SHEETS}

    ext = data.get("extends") or {}
    settings = dict(data, extends_id=ext.get("id"), extends_version=ext.get("version"))
    ws = sheets["settings"]
    for col in SETTINGS:
        _put_row(ws, SETTINGS_SHEET.columns + (Column("note", "说明", "text", ""),),
                 {"key": col.header, "value": _cell_value(settings.get(col.key), col), "note": col.note})
    for level in data.get("levels") or ():
        _put_row(sheets["levels"], LEVELS.columns, level)
    for tag in data.get("unit_tags") or ():
        _put_row(sheets["unit_tags"], UNIT_TAGS.columns, tag)

    rows: list = []  # (category code, item)

    def walk(cat: dict, parent):
        _put_row(sheets["categories"], CATEGORIES.columns, dict(cat, parent=parent))
        rows.extend((cat.get("code"), item) for item in cat.get("items") or ())
        for sub in cat.get("categories") or ():
            walk(sub, cat.get("code"))

    for cat in data.get("categories") or data.get("add_categories") or ():
        walk(cat, None)
    for group in data.get("add_items") or ():
        rows.extend((group.get("category"), item) for item in group.get("items") or ())
    replaced = list(data.get("replace_items") or ())
    for code, item in rows:
        _put_row(sheets["items"], ITEMS.columns, _item_row(item, code))
    for item in replaced:
        _put_row(sheets["replace_items"], REPLACE.columns, _item_row(item, None))
    for item in [item for _, item in rows] + replaced:
        for key, sheet in (("options", OPTIONS), ("bands", BANDS), ("reasons", REASONS), ("elements", ELEMENTS)):
            for part in item.get(key) or ():
                _put_row(sheets[sheet.key], sheet.columns, dict(part, code=item.get("code")))
        if _documents_on_their_sheet(item):
            for doc in (item.get("evidence") or {}).get("documents") or ():
                doc = doc if isinstance(doc, dict) else {"name": doc}
                _put_row(sheets["documents"], DOCUMENTS.columns, dict(doc, code=item.get("code")))
    for code in data.get("remove_items") or ():
        _put_row(sheets["remove_items"], REMOVE.columns, {"code": code})
    _add_drop_downs(sheets)
    return wb


def write_template(path) -> None:
    """An empty criteria workbook: every sheet with its headers, the format and two usual levels."""
    write_workbook({"format": FORMAT, "levels": [{"key": "pass", "label": "达标", "min_score": 80},
                                                 {"key": "excellent", "label": "达优", "min_score": 90}]}, path)


def _documents_on_their_sheet(item: dict) -> bool:
    """(/2) An item with a document that costs points lists all its documents, in order, on
    the 资料 sheet (the 需查资料 column holds names only)."""
    return any(isinstance(d, dict) for d in (item.get("evidence") or {}).get("documents") or ())


def _item_row(item: dict, category) -> dict:
    row = dict(item, category=category)
    for key in EVIDENCE_KEYS:
        row[f"evidence_{key}"] = (item.get("evidence") or {}).get(key)
    if _documents_on_their_sheet(item):
        row["evidence_documents"] = None
    linear = item.get("linear") if isinstance(item.get("linear"), dict) else {}
    for key in LINEAR_KEYS:
        row[f"linear_{key}"] = linear.get(key)
    return row


def _new_sheet(wb, sheet: Sheet):
    """A sheet with its header row (Chinese label + English key, help as a comment), frozen."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(sheet.title)
    columns = sheet.columns + ((Column("note", "说明", "text", "", 60),) if sheet is SETTINGS_SHEET else ())
    for c, col in enumerate(columns, start=1):
        cell = ws.cell(1, c, col.header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="center")
        if col.note:
            cell.comment = Comment(col.note, "达标")
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = max(col.width, len(col.header) + 4)
        if col.as_text:
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    return ws


def _put_row(ws, columns: tuple, values: dict) -> None:
    """Append one row, each value written the way the reader reads it back exactly."""
    from openpyxl.styles import Alignment

    r = ws.max_row + 1
    for c, col in enumerate(columns, start=1):
        value = _cell_value(values.get(col.key), col)
        if value is None:
            continue
        cell = ws.cell(r, c, value)
        if isinstance(value, str):
            cell.data_type = "s"  # text, even when it starts with "="
            if col.as_text:
                cell.number_format = "@"
        if col.width >= 20:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _cell_value(value, col: Column):
    """A plain value as a cell value: bools as 是/否, lists joined, exact numbers kept exact."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, Fraction)):
        return _number_cell(value)
    if isinstance(value, dict):  # min_ratio
        return "; ".join(f"{k}={_number_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        parts = [str(v) for v in value]
        if col.kind == "names" and any(NAME_SEP.search(p) for p in parts):
            raise ValueError(f"名称 {parts!r} 含有顿号、逗号、分号或换行，无法写入一个单元格")
        return (", " if col.kind == "keys" else "、").join(parts)
    return value


def _number_cell(value):
    """int, a float that survives Excel's 16 digits exactly, or else exact text ('1/3')."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    number = exact(value)
    if number.denominator == 1:
        return int(number)
    if exact(float("%.16g" % float(number))) == number:
        return float(number)
    return _number_text(number)


def _number_text(value) -> str:
    number = exact(value)
    if number.denominator == 1:
        return str(int(number))
    if exact(float(number)) == number:
        return repr(float(number))
    return f"{number.numerator}/{number.denominator}"


def _add_drop_downs(sheets: dict) -> None:
    """Drop-down lists for kind, role, direction, gate, booleans and the set level."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    def add(ws, column_number, formula, strict=True, first=2, last=DV_LAST_ROW):
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                            errorTitle="请从下拉列表选择", error="请从下拉列表中选择一个值")
        letter = get_column_letter(column_number)
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)

    level_keys = f"'{LEVELS.title}'!$A$2:$A$50"
    for sheet in (ITEMS, REPLACE):
        ws = sheets[sheet.key]
        for c, col in enumerate(sheet.columns, start=1):
            if col.choices:
                add(ws, c, '"' + ",".join(col.choices) + '"')
            elif col.kind == "bool":
                add(ws, c, '"是,否"')
            elif col.key == "gate":  # an overlay may gate on a level of its base: not strict
                add(ws, c, level_keys, strict=False)
    row = 2 + [c.key for c in SETTINGS].index("level")
    add(sheets["settings"], 2, '"' + ",".join(SET_LEVELS) + '"', first=row, last=row)


def _write_guide(ws) -> None:
    """The 说明 sheet: how the workbook works, then every sheet and column explained."""
    from openpyxl.styles import Alignment, Font

    ws.title = GUIDE_TITLE
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 90
    ws.append([f"考评标准 Excel 模板（格式 {FORMAT}）"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in GUIDE:
        ws.append([line])
    ws.append([])
    ws.append(["工作表", "列 / 项目", "说明"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for sheet in SHEETS:
        ws.append([sheet.name, "", sheet.note])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        for col in (SETTINGS if sheet is SETTINGS_SHEET else sheet.columns):
            ws.append(["", col.header, col.note + ("（必填）" if col.required else "")])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column == 3, vertical="top")
