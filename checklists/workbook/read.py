"""Reading a criteria workbook into the plain data a YAML file gives (so the validating
loader does every semantic check), with each key path mapped to the cell it came from:
the loader's problems then read `标准.xlsx 条目!F12: ...`."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import ChecklistError, Problem, format_path
from ..format import (
    BAND_KEYS,
    ELEMENT_KEYS,
    EVIDENCE_KEYS,
    HEADER_KEYS,
    LEVEL_KEYS,
    LINEAR_KEYS,
    MISSING_ZERO,
    OPTION_KEYS,
    REASON_KEYS,
    UNIT_TAG_KEYS,
)
from ..numbers import shown_number
from ..source import Document
from .cells import (
    OutOfRange,
    cell_boolean,
    cell_choice,
    cell_number,
    cell_text,
    column_key,
    extent,
    is_blank,
    merged_anchors,
    sheet_for,
)
from .guard import open_workbook
from .layout import (
    BANDS,
    CATEGORIES,
    DOCUMENTS,
    ELEMENTS,
    FALSE_WORDS,
    IGNORE,
    ITEM_KEYS,
    ITEMS,
    KEY_SEP,
    LEVELS,
    NAME_SEP,
    OPTIONS,
    REASONS,
    REMOVE,
    REPLACE,
    SETTINGS,
    SETTINGS_SHEET,
    UNIT_TAGS,
    ZERO_WORDS,
    Column,
    Sheet,
)

# The sheets of an item's parts, one row each, found by the item's code: item key -> sheet
# and the keys each row gives. `documents` rows go into evidence.documents.
PARTS = (("options", OPTIONS, OPTION_KEYS), ("bands", BANDS, BAND_KEYS), ("reasons", REASONS, REASON_KEYS),
         ("elements", ELEMENTS, ELEMENT_KEYS), ("documents", DOCUMENTS, ("name", "missing")))


def read_workbook_document(path) -> Document:
    """Read a criteria workbook into plain data plus a key path -> cell map. A broken
    structure (not a workbook, missing sheet or column) raises with every such problem;
    problems in rows go into Document.problems, which the loader reports with its own."""
    path = Path(path)
    return _Reader(open_workbook(path), str(path)).document()


@dataclass
class _Row:
    """One non-empty row: values read (empty cells left out) and the cell of every column."""

    sheet: str
    number: int
    values: dict
    refs: dict

    def ref(self, key: str = "code") -> str:
        return self.refs.get(key) or f"{self.sheet}!A{self.number}"


@dataclass
class _Node:
    """A category row while the tree is built."""

    row: _Row
    fields: dict
    items: list = field(default_factory=list)
    subs: list = field(default_factory=list)


class _Reader:
    """Turns one workbook into a Document, collecting every problem on the way."""

    def __init__(self, wb, name: str):
        self.name = name
        self.fatal: list[Problem] = []
        self.problems: list[Problem] = []
        self.cells: dict[tuple, str] = {}  # key path -> cell ("条目!F12") or sheet name
        self.labels: dict[str, str] = {}  # cell -> its column's header ("分值 points")
        self.origin: dict[int, tuple] = {}  # id(item dict) -> (row, {part: its rows})
        self.level_labels: dict[str, str] = {}
        self.sheets = self._find_sheets(wb)

    def report(self, where: str | None, message: str, fatal: bool = False) -> None:
        shown = self.labels.get(where, "")
        (self.fatal if fatal else self.problems).append(Problem(self.name, shown, message, cell=where))

    def locate(self, path: tuple) -> tuple:
        """Document.locate: the cell of `path` (or of its nearest mapped ancestor) and
        what to show beside it: the column header, or the rest of the key path."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.cells:
                cell = self.cells[path[:cut]]
                return cell, format_path(path[cut:]) if cut < len(path) else self.labels.get(cell, "")
        return None, format_path(path)

    def title(self, sheet: Sheet) -> str:
        ws = self.sheets.get(sheet.key)
        return ws.title if ws is not None else sheet.title

    # ---- sheets, headers, cells

    def _find_sheets(self, wb) -> dict:
        found = {}
        for ws in wb.worksheets:
            sheet = sheet_for(ws.title)
            if sheet is None:
                continue  # 说明 and any sheet the author added
            if sheet.key in found:
                self.report(ws.title, f"与工作表 {found[sheet.key].title} 重复（都是 {sheet.name}）", fatal=True)
            else:
                found[sheet.key] = ws
        return found

    def _rows(self, sheet: Sheet, required: bool) -> list[_Row]:
        ws = self.sheets.get(sheet.key)
        if ws is None:
            if required:
                self.report(None, f"缺少工作表 {sheet.name}", fatal=True)
            return []
        last_row, last_col = extent(ws)
        if not required and not last_row:
            return []  # an optional sheet left completely empty
        header = self._header(ws, sheet, last_row, last_col)
        if header is None:
            return []
        first, columns = header
        anchors = merged_anchors(ws)
        sheet_columns = {c.key: c for c in sheet.columns}
        out = []
        for r in range(first + 1, last_row + 1):
            raw, own = {}, False
            for key, c in columns.items():
                at = anchors.get((r, c), (r, c))
                cell = ws.cell(*at)
                own = own or (at == (r, c) and not is_blank(cell.value))
                raw[key] = (cell, f"{ws.title}!{cell.coordinate}")
                self.labels[raw[key][1]] = sheet_columns[key].header
            if own:  # rows filled only by a merged cell above are empty rows
                out.append(self._row(ws.title, r, raw, sheet_columns))
        return out

    def _header(self, ws, sheet: Sheet, last_row: int, last_col: int):
        """(header row number, key -> column number), looking in the first 10 rows."""
        known = {c.key: c for c in sheet.columns}
        labels = {c.label: c.key for c in sheet.columns}
        for r in range(1, min(last_row, 10) + 1):
            found = {c: column_key(ws.cell(r, c).value, known, labels) for c in range(1, last_col + 1)}
            if not any(k in known for k in found.values() if isinstance(k, str)):
                continue
            columns = {}
            for c, key in found.items():
                ref = f"{ws.title}!{ws.cell(r, c).coordinate}"
                if key is None or key is IGNORE or key in sheet.ignored:
                    continue
                if key not in known:
                    hint = "、".join(col.header for col in sheet.columns)
                    self.report(ref, f"未知的列 {key!r}（可用：{hint}；备注列请以 # 开头）", fatal=True)
                elif key in columns:
                    self.report(ref, f"列 {known[key].header} 重复", fatal=True)
                else:
                    columns[key] = c
            for col in sheet.columns:
                if col.required and col.key not in columns:
                    self.report(ws.title, f"第 {r} 行表头缺少列 {col.header}", fatal=True)
            return r, columns
        wanted = "、".join(c.header for c in sheet.columns if c.required)
        self.report(ws.title, f"找不到表头行（应有 {wanted} 等列）", fatal=True)
        return None

    def _row(self, sheet: str, number: int, raw: dict, columns: dict) -> _Row:
        values = {}
        for key, (cell, ref) in raw.items():
            value = self._value(cell, columns[key], ref)
            if value is not None:
                values[key] = value
        return _Row(sheet, number, values, {key: ref for key, (_, ref) in raw.items()})

    def _value(self, cell, column: Column, ref: str):
        """One cell as the plain value a YAML file would hold (None when empty)."""
        value = cell.value
        if is_blank(value):
            return None
        if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
            self.report(ref, "单元格是日期/时间（Excel 会把 1-1、1/2 之类自动改成日期）；请把单元格设为文本格式后重新输入")
            return None
        kind = column.kind
        if kind in ("number", "int"):
            try:
                number = cell_number(value)
            except OutOfRange as exc:
                self.report(ref, f"数字 {shown_number(cell_text(value, cell.number_format))} 无法接受：{exc}")
                return None
        if kind == "number":
            return number
        if kind == "int":
            if isinstance(number, Fraction):
                self.report(ref, f"必须是整数，现在是 {cell_text(value, cell.number_format)}")
                return None
            return number
        if kind == "bool":
            flag = cell_boolean(value)
            if flag is None:
                self.report(ref, f"应填 是 或 否，现在是 {cell_text(value, cell.number_format)!r}")
            return flag
        text = cell_text(value, cell.number_format)
        if kind == "enum":
            return cell_choice(text, column)
        if kind == "keys":
            return [part for part in KEY_SEP.split(text) if part]
        if kind == "names":
            return [part.strip() for part in NAME_SEP.split(text) if part.strip()]
        if kind == "ratio":
            return self._ratio(text, ref)
        return text

    def _ratio(self, text: str, ref: str) -> dict | None:
        """'pass=0.6; excellent=80%' -> {'pass': 3/5, 'excellent': 4/5}."""
        out = {}
        for part in re.split(r"[;；,，、\n]+", text):
            if not part.strip():
                continue
            m = re.fullmatch(r"\s*(.+?)\s*[=＝:：]\s*(.+?)\s*", part)
            if m is None:
                self.report(ref, f"得分率要求应写成 pass=0.6; excellent=0.8，无法识别 {part.strip()!r}")
                continue
            try:
                out[self._level_key(m.group(1))] = cell_number(m.group(2))
            except OutOfRange as exc:
                self.report(ref, f"得分率 {shown_number(m.group(2))} 无法接受：{exc}")
        return out or None

    def _level_key(self, text: str) -> str:
        """A level key, also when the author wrote the level's name (达标 -> pass)."""
        keys = set(self.level_labels.values())
        return text if text in keys else self.level_labels.get(text, text)

    # ---- the document

    def document(self) -> Document:
        settings = self._settings()
        overlay = any(k in settings.values for k in ("extends_id", "extends_version"))
        levels = self._rows(LEVELS, required=not overlay)
        self.level_labels = {r.values["label"]: r.values["key"] for r in levels
                             if isinstance(r.values.get("label"), str) and isinstance(r.values.get("key"), str)}
        tags = self._rows(UNIT_TAGS, required=False)
        categories = self._rows(CATEGORIES, required=not overlay)
        items = self._rows(ITEMS, required=not overlay)
        pools = {key: self._by_code(self._rows(sheet, required=False)) for key, sheet, _ in PARTS}
        replaced = self._rows(REPLACE, required=False)
        removed = self._rows(REMOVE, required=False)
        if self.fatal:
            raise ChecklistError(list(dict.fromkeys(self.fatal + self.problems)))

        data: dict = {}
        self.cells[()] = self.title(SETTINGS_SHEET)
        for key in HEADER_KEYS:
            if key in settings.refs:
                self.cells[(key,)] = settings.refs[key]
            if key in settings.values:
                data[key] = settings.values[key]
        if overlay:
            data["extends"] = {k: settings.values[f"extends_{k}"] for k in ("id", "version")
                               if f"extends_{k}" in settings.values}
            self.cells[("extends",)] = settings.refs.get("extends_id") or settings.refs.get("extends_version")
            for k in ("id", "version"):
                if f"extends_{k}" in settings.refs:
                    self.cells[("extends", k)] = settings.refs[f"extends_{k}"]
        if tags:
            data["unit_tags"] = [self._plain(r, ("unit_tags", i), UNIT_TAG_KEYS) for i, r in enumerate(tags)]
            self.cells[("unit_tags",)] = self.title(UNIT_TAGS)
        if levels or not overlay:
            data["levels"] = [self._plain(r, ("levels", i), LEVEL_KEYS)
                              for i, r in enumerate(levels)]
            self.cells[("levels",)] = self.title(LEVELS)

        seen_codes: set = set()
        roots, by_code = self._tree(categories, overlay)
        groups: dict = {}  # overlay: existing category code -> (first row, items)
        for row in items:
            item = self._item(row, pools, seen_codes)
            code = row.values.get("category")
            if code is None:
                self.report(row.ref("category"), "缺少所属大项的编号")
            elif code in by_code:
                by_code[code].items.append(item)
            elif overlay:
                groups.setdefault(code, (row, []))[1].append(item)
            else:
                self.report(row.ref("category"), f"大项 {code!r} 不在 {self.title(CATEGORIES)} 表中")
        replacements = [self._item(row, pools, seen_codes) for row in replaced]
        for pool in pools.values():
            for code, rows in pool.items():
                if code not in seen_codes:
                    self.report(rows[0].ref("code"),
                                f"条目 {code!r} 不在 {self.title(ITEMS)} 或 {self.title(REPLACE)} 表中")

        top = "add_categories" if overlay else "categories"
        if roots or not overlay:
            data[top] = [self._category(node, (top, i)) for i, node in enumerate(roots)]
            self.cells[(top,)] = self.title(CATEGORIES)
        if not overlay:
            for rows, sheet in ((replaced, REPLACE), (removed, REMOVE)):
                if rows:
                    self.report(rows[0].ref("code"), f"只有叠加标准（{self.title(SETTINGS_SHEET)} 表填了 基础标准编号 "
                                                     f"extends_id）才能使用 {self.title(sheet)} 表")
        else:
            if groups:
                data["add_items"] = []
                for g, (code, (row, group)) in enumerate(groups.items()):
                    for key in ((), ("category",), ("items",)):
                        self.cells[("add_items", g) + key] = row.ref("category")
                    for j, item in enumerate(group):
                        self._map_item(("add_items", g, "items", j), item)
                    data["add_items"].append({"category": code, "items": group})
            if replacements:
                data["replace_items"] = replacements
                for i, item in enumerate(replacements):
                    self._map_item(("replace_items", i), item)
            if removed:
                data["remove_items"] = [r.values.get("code") for r in removed]
                self.cells[("remove_items",)] = self.title(REMOVE)
                for i, r in enumerate(removed):
                    self.cells[("remove_items", i)] = r.ref("code")
        return Document(self.name, data, {}, list(dict.fromkeys(self.problems)), self.locate)

    def _settings(self) -> _Row:
        """The 设置 sheet as one row: setting key -> value and -> the value's cell."""
        rows = self._rows(SETTINGS_SHEET, required=True)
        known = {c.key: c for c in SETTINGS}
        labels = {c.label: c.key for c in SETTINGS}
        values, refs, where = {}, {}, {}
        for row in rows:
            cell_key, cell_ref = row.values.get("key"), row.ref("key")
            value_ref = row.ref("value")
            key = column_key(cell_key, known, labels) if cell_key is not None else None
            if key is None:
                self.report(cell_ref, "缺少项目名（如 标准编号 id）")
                continue
            if key is IGNORE or key not in known:
                self.report(cell_ref, f"未知的设置项 {cell_key!r}（可用：{'、'.join(c.header for c in SETTINGS)}）")
                continue
            if key in refs:
                self.report(cell_ref, f"设置项 {known[key].header} 重复（另见 {where[key]}）")
                continue
            refs[key], where[key] = value_ref, cell_ref
            self.labels[value_ref] = known[key].header
            ws = self.sheets[SETTINGS_SHEET.key]
            cell = ws[value_ref.split("!", 1)[1]]
            value = self._value(cell, known[key], value_ref)
            if value is not None:
                values[key] = value
        return _Row(self.title(SETTINGS_SHEET), 0, values, refs)

    def _by_code(self, rows: list[_Row]) -> dict:
        out: dict = {}
        for row in rows:
            code = row.values.get("code")
            if code is None:
                self.report(row.ref("code"), "缺少条目编号")
            else:
                out.setdefault(code, []).append(row)
        return out

    def _tree(self, rows: list[_Row], overlay: bool):
        """Category rows -> (top-level nodes, code -> node); bad parents are reported."""
        nodes, by_code = [], {}
        for row in rows:
            node = _Node(row, {k: row.values[k] for k in ("code", "title", "points", "min_ratio") if k in row.values})
            code = row.values.get("code")
            if code in by_code:
                self.report(row.ref("code"), f"大项编号 {code!r} 重复")
                continue
            if code is not None:
                by_code[code] = node
            nodes.append(node)
        roots = []
        for node in nodes:
            parent = node.row.values.get("parent")
            if parent is None:
                roots.append(node)
            elif parent not in by_code:
                hint = "；叠加标准只能在本表新增的大项下设下级大项" if overlay else ""
                self.report(node.row.ref("parent"), f"上级大项 {parent!r} 不在 {self.title(CATEGORIES)} 表中{hint}")
                roots.append(node)
            elif _in_cycle(node, by_code):
                self.report(node.row.ref("parent"), "上级大项构成循环")
                roots.append(node)
            else:
                by_code[parent].subs.append(node)
        return roots, by_code

    def _item(self, row: _Row, pools: dict, seen: set) -> dict:
        """An item row, with the rows of its code on the parts' sheets (options, bands,
        reasons, elements, documents), as plain data."""
        item = {k: row.values[k] for k in ITEM_KEYS if k in row.values}
        if isinstance(item.get("gate"), str):
            item["gate"] = self._level_key(item["gate"])
        linear = {k: row.values[f"linear_{k}"] for k in LINEAR_KEYS if f"linear_{k}" in row.values}
        if isinstance(linear.get("below"), str) and linear["below"].lower() in FALSE_WORDS:
            del linear["below"]  # 否: the same as leaving it empty
        if linear:
            item["linear"] = linear
        evidence = {k: row.values[f"evidence_{k}"] for k in EVIDENCE_KEYS if f"evidence_{k}" in row.values}
        code = row.values.get("code")  # a duplicate code gets the same rows; the loader reports it
        seen.add(code)
        parts = {key: pools[key].get(code, []) for key, _, _ in PARTS}
        for key, _, keys in PARTS:
            rows = parts[key]
            if not rows:
                continue
            values = [{k: r.values[k] for k in keys if k in r.values} for r in rows]
            if key == "documents":
                evidence["documents"] = list(evidence.get("documents") or ()) + [_document(v) for v in values]
            else:
                item[key] = values
        if evidence:
            item["evidence"] = evidence
        self.origin[id(item)] = (row, parts)
        return item

    def _category(self, node: _Node, path: tuple) -> dict:
        """A category node as plain data, mapping its key paths (and its items') to cells."""
        cat = self._plain(node.row, path, ("code", "title", "points", "min_ratio"))
        for key in cat.get("min_ratio") or {}:
            self.cells[path + ("min_ratio", key)] = node.row.ref("min_ratio")
        self.cells[path + ("items",)] = node.row.ref("code")
        if node.items:
            cat["items"] = node.items
            for j, item in enumerate(node.items):
                self._map_item(path + ("items", j), item)
        if node.subs:
            self.cells[path + ("categories",)] = node.subs[0].row.ref("parent")
            cat["categories"] = [self._category(sub, path + ("categories", k)) for k, sub in enumerate(node.subs)]
        return cat

    def _plain(self, row: _Row, path: tuple, keys: tuple) -> dict:
        """The given keys of a row as a dict, mapping path and path + (key,) to cells."""
        self.cells[path] = row.ref(keys[0])
        for key in keys:
            if key in row.refs:
                self.cells[path + (key,)] = row.refs[key]
        return {k: row.values[k] for k in keys if k in row.values}

    def _map_item(self, path: tuple, item: dict) -> None:
        row, parts = self.origin[id(item)]
        self.cells[path] = row.ref("code")
        for key, ref in row.refs.items():
            for group in ("evidence", "linear"):
                if key.startswith(group + "_"):
                    self.cells.setdefault(path + (group,), ref)
                    self.cells[path + (group, key[len(group) + 1:])] = ref
                    break
            else:
                if key != "category":
                    self.cells[path + (key,)] = ref
        for key in ("only_for", "not_for"):  # a list in one cell: each tag is that cell
            for i, _ in enumerate(item.get(key) if isinstance(item.get(key), list) else ()):
                self.cells[path + (key, i)] = row.ref(key)
        documents = item.get("evidence", {}).get("documents") or ()
        in_column = len(documents) - len(parts["documents"])
        for i in range(in_column):
            self.cells[path + ("evidence", "documents", i)] = row.ref("evidence_documents")
        for i, r in enumerate(parts["documents"]):
            self.cells[path + ("evidence", "documents", in_column + i)] = r.ref("name")
            for k, ref in r.refs.items():
                if k != "code":
                    self.cells[path + ("evidence", "documents", in_column + i, k)] = ref
        if parts["documents"] and not in_column:
            self.cells[path + ("evidence", "documents")] = parts["documents"][0].ref("code")
        for key, _, _ in PARTS:
            if key == "documents":
                continue
            rows = parts[key]
            self.cells[path + (key,)] = rows[0].ref("code") if rows else row.ref("kind")
            for i, r in enumerate(rows):
                self.cells[path + (key, i)] = r.ref("code")
                for k, ref in r.refs.items():
                    if k != "code":
                        self.cells[path + (key, i, k)] = ref


def _document(values: dict):
    """A row of the 资料 sheet as a document: its name alone when it costs nothing, else
    {name, missing} (zero written as zero / 记0分 / 不得分)."""
    missing = values.get("missing")
    if isinstance(missing, str) and missing.strip().lower() in ZERO_WORDS:
        missing = MISSING_ZERO
    if missing is None:
        return values.get("name") if "name" in values else {}
    return {k: v for k, v in (("name", values.get("name")), ("missing", missing)) if v is not None}


def _in_cycle(node: _Node, by_code: dict) -> bool:
    seen = {node.row.values.get("code")}
    parent = node.row.values.get("parent")
    while parent in by_code:
        if parent in seen:
            return True
        seen.add(parent)
        parent = by_code[parent].row.values.get("parent")
    return False


