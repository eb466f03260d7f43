"""Criteria workbooks (.xlsx): everything a `dabiao-checklist/1` file can say, as tables
that provinces and cities write in Excel or WPS.

Reading gives the same plain data a YAML file gives, so the validating loader does every
semantic check; each key path is mapped to the cell it came from, so the loader's
problems read `标准.xlsx 条目!F12: ...`. Pure: reads and writes only the files it is given.
The sheets are described once (SHEETS) and drive the reader, the writer and the 说明 sheet.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from .errors import ChecklistError, Problem, format_path
from .format import (
    BAND_KEYS,
    DIRECTIONS,
    EVIDENCE_KEYS,
    FORMAT,
    HEADER_KEYS,
    KIND_LABELS,
    KINDS,
    LEVEL_KEYS,
    OPTION_KEYS,
    ROLE_LABELS,
    ROLES,
    SET_LEVELS,
)
from .model import Checklist
from .numbers import exact, number_text_problem, shown_number, value_problem
from .serialize import checklist_to_dict
from .source import Document

GUIDE_TITLE = "说明"
IGNORE = object()  # a column the reader skips: notes the author added
NOTE_KEYS = {"note", "notes", "remark", "remarks", "comment"}
NOTE_LABELS = {"备注", "说明", "注释"}
KEY_RE = re.compile(r"([A-Za-z][A-Za-z0-9_]*)\s*[)）\]]?\s*$")
NUMBER_RE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?|[+-]?\d+/\d+")
NAME_SEP = re.compile(r"[、,，;；\n]+")
KEY_SEP = re.compile(r"[\s,，、;；]+")
TRUE_WORDS = {"是", "true", "yes", "y", "1", "√", "✓", "对"}
FALSE_WORDS = {"否", "false", "no", "n", "0", "×", "✗", "错"}
ALIASES = {  # Chinese words accepted in the drop-down columns
    "kind": {label: key for key, label in KIND_LABELS.items()},
    "role": {label: key for key, label in ROLE_LABELS.items()},
    "direction": {"越高越好": "higher", "越大越好": "higher", "越低越好": "lower", "越小越好": "lower"},
    "level": {"省": "province", "省级": "province", "市": "city", "市级": "city", "县": "county", "县级": "county"},
}
DV_LAST_ROW = 2000  # drop-downs cover the rows an author is likely to fill


@dataclass(frozen=True)
class Column:
    """One column (or one 设置 row): English key, Chinese label, how cells are read, help."""

    key: str
    label: str
    kind: str  # text | number | int | bool | enum | keys | names | ratio
    note: str
    width: int = 10
    required: bool = False
    choices: tuple = ()
    as_text: bool = False  # written with the text format, so Excel keeps 1.10 and 2027.1 as typed

    @property
    def header(self) -> str:
        return f"{self.label} {self.key}"


@dataclass(frozen=True)
class Sheet:
    """One sheet: English key, Chinese title (the name written), help, columns."""

    key: str
    title: str
    note: str
    columns: tuple
    ignored: tuple = ()  # keys the reader skips on this sheet

    @property
    def name(self) -> str:
        return f"{self.title}（{self.key}）"


SETTINGS = (
    Column("format", "格式", "text", f"固定为 {FORMAT}", required=True),
    Column("id", "标准编号", "text", "小写字母、数字和连字符，如 prov-2027-town", required=True),
    Column("version", "版本", "text", "文本，如 2027.1（请设为文本格式）", required=True),
    Column("title", "标题", "text", "标准全称", required=True),
    Column("issuer", "发布单位", "text", "如 某省军区"),
    Column("level", "层级", "enum", "province 省 / city 市 / county 县", choices=SET_LEVELS),
    Column("year", "年度", "int", "如 2027"),
    Column("applies_to", "适用单位", "keys", "town 乡镇(街道)武装部、enterprise 企业武装部、militia 民兵营(连)，多个用逗号或顿号分隔"),
    Column("total", "总分", "number", "可不填；填写时必须等于基本项分值合计"),
    Column("bonus_cap", "加分上限", "number", "可不填：加分项最多加这么多分"),
    Column("extends_id", "基础标准编号", "text", "只有叠加标准（市、县细则）填写：所依据的上级标准的编号"),
    Column("extends_version", "基础标准版本", "text", "只有叠加标准填写：所依据的上级标准的版本"),
)

ITEM_COLUMNS = (
    Column("code", "编号", "text", "条目编号，全套唯一，如 1.1（请设为文本格式）", 8, True, as_text=True),
    Column("category", "大项", "text", "所属大项的编号（大项 表中的 编号 code）", 8, True, as_text=True),
    Column("title", "名称", "text", "条目名称", 24, True),
    Column("requirement", "达标要求", "text", "达标要求", 40, True),
    Column("excellent", "达优要求", "text", "可不填：达优在达标之外的要求", 30),
    Column("points", "分值", "number", "满分：大于 0，0.5 的整数倍（带 gate 的 check 条件项可为 0）", 7, True),
    Column("kind", "类型", "enum", "check 是否 / rubric 评级（选项 表）/ number 数值（分档 表）/ deduct 扣分 / score 打分",
           9, True, KINDS),
    Column("unit", "单位", "text", "number、deduct 类可填：如 次、人", 7),
    Column("direction", "方向", "enum", "number 类：higher 越高越好（默认）/ lower 越低越好", 9, choices=DIRECTIONS),
    Column("per", "每项扣分", "number", "deduct 类必填：每缺一项扣的分，扣完为止", 9),
    Column("step", "步长", "number", "score 类可填：打分的最小单位，默认 0.5", 7),
    Column("role", "角色", "enum", "base 基本项（默认）/ bonus 加分项 / penalty 扣分项", 9, choices=ROLES),
    Column("gate", "必备等级", "text", "可不填：等级键（或等级名称）；本条未满分则达不到该等级及以上。pass 即一票否决", 9),
    Column("na_allowed", "可不涉及", "bool", "是：本条可答“不涉及”", 9),
    Column("evidence_photos", "最少照片", "int", "需附的最少照片数", 9),
    Column("evidence_documents", "需查资料", "names", "需查阅的台账、资料名称，用顿号或换行分隔", 24),
    Column("evidence_strict", "照片不足记0分", "bool", "是：照片少于最少照片数时本条记 0 分", 10),
    Column("guidance", "检查方法", "text", "可不填：如何检查", 24),
)
ITEM_KEYS = ("code", "title", "requirement", "excellent", "guidance", "points", "kind", "role", "gate", "na_allowed",
             "unit", "direction", "per", "step")

SETTINGS_SHEET = Sheet("settings", "设置", "标准的基本信息：每行一项，项目 key 列写项目名，值 value 列写内容。", (
    Column("key", "项目", "text", "项目名（下表各行）", 18, True),
    Column("value", "值", "text", "内容", 40, True, as_text=True),
))
LEVELS = Sheet("levels", "等级", "达标等级，由低到高排列；至少一个。叠加标准中按等级键修改已有等级或新增等级。", (
    Column("key", "等级键", "text", "英文键，如 pass、excellent、star3；fail 保留", 12, True, as_text=True),
    Column("label", "名称", "text", "如 达标、达优、三星", 12),
    Column("min_score", "分数线", "number", "达到该等级的最低总分", 9),
))
CATEGORIES = Sheet("categories", "大项", "考评大项，按表中顺序排列；上级大项 填写后成为其下级大项（最多 3 层）。", (
    Column("code", "编号", "text", "大项编号，如 1（请设为文本格式）", 8, True, as_text=True),
    Column("title", "名称", "text", "大项名称", 24, True),
    Column("parent", "上级大项", "text", "可不填：上级大项的编号", 9, as_text=True),
    Column("min_ratio", "得分率要求", "ratio", "可不填：如 pass=0.6; excellent=0.8（该大项得分率须达到的比例）", 28),
))
ITEMS = Sheet("items", "条目", "考评条目，一行一条；同一大项内按表中顺序排列。", ITEM_COLUMNS)
OPTIONS = Sheet("options", "选项", "rubric（评级）类条目的选项，一行一个，按 条目编号 对应。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("label", "选项", "text", "选项名称，同一条目内不重复", 30, True),
    Column("points", "分值", "number", "选中该项的得分；最高一项须等于条目满分", 7, True),
))
BANDS = Sheet("bands", "分档", "number（数值）类条目的分档，一行一档，按 条目编号 对应。", (
    Column("code", "条目编号", "text", "条目编号", 9, True, as_text=True),
    Column("at", "达到值", "number", "higher：数值 ≥ 此值得本档分；lower：数值 ≤ 此值得本档分", 9, True),
    Column("points", "得分", "number", "本档得分；最高一档须等于条目满分", 7, True),
))
REPLACE = Sheet("replace_items", "替换条目", "只用于叠加标准：按编号整条替换基础标准中的条目（位置不变），列同 条目 表；"
                                       "其选项、分档也写在 选项、分档 表中。",
                tuple(c for c in ITEM_COLUMNS if c.key != "category"), ignored=("category",))
REMOVE = Sheet("remove_items", "删除条目", "只用于叠加标准：按编号删除基础标准中的条目。", (
    Column("code", "条目编号", "text", "要删除的条目编号", 12, True, as_text=True),
))
SHEETS = (SETTINGS_SHEET, LEVELS, CATEGORIES, ITEMS, OPTIONS, BANDS, REPLACE, REMOVE)

GUIDE = (
    "每个工作表第一行是表头，写作“中文名 英文键”，程序按英文键识别列：列的顺序可以调整；以 # 开头或名为“备注”的列会被忽略。",
    "空行会被跳过；合并单元格按左上角的值计入被合并的每一格。",
    "数字可以是数字格式，也可以是文本格式（如 4、0.5、60%）。编号（1.1、2.10）和版本请设为文本格式，以免被改成数字或日期。",
    "是/否 列可填 是、否、TRUE、FALSE、1、0；类型、角色、方向 列有下拉选项，也可填中文（如 是否、评级、加分项）。",
    "基础标准：设置、等级、大项、条目 四张表必填；rubric 条目在 选项 表列出选项，number 条目在 分档 表列出分档。",
    "叠加标准（市、县细则）：在 设置 表填写 基础标准编号、基础标准版本。此时 大项 表各行是新增大项；条目 表中属于新增大项的条目"
    "随新增大项加入，属于基础标准已有大项的条目追加到该大项末尾；替换条目 表按编号整条替换；删除条目 表按编号删除；"
    "等级 表按等级键修改分数线或名称，新的等级键为新增等级。",
    "检查时，每个问题都指出单元格，如：标准.xlsx 条目!F12: 分值必须大于 0。",
)


# --------------------------------------------------------------------------- reading


def read_workbook_document(path) -> Document:
    """Read a criteria workbook into plain data plus a key path -> cell map. A broken
    structure (not a workbook, missing sheet or column) raises with every such problem;
    problems in rows go into Document.problems, which the loader reports with its own."""
    path = Path(path)
    return _Reader(_open(path), str(path)).document()


@dataclass(frozen=True)
class WorkbookLimits:
    """What a criteria workbook may hold, checked on the zip before openpyxl reads it (a
    real one has a few hundred rows and is well under a megabyte inflated)."""

    max_file: int = 32 * 1024 ** 2        # the .xlsx itself
    max_members: int = 1000
    max_inflated: int = 48 * 1024 ** 2    # every member, uncompressed, as declared
    max_ratio: int = 200                  # uncompressed / compressed, for members over 1 MB
    max_rows: int = 20_000                # <row> elements in one sheet
    max_cells: int = 300_000              # <c> elements in all sheets


WORKBOOK_LIMITS = WorkbookLimits()
OLD_BINARY = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2 compound file: .xls, WPS .et
OLD_FORMAT = "不支持旧的 .xls/.et 格式，请在 Excel/WPS 中另存为 .xlsx"
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def check_workbook_file(path, limits: WorkbookLimits = WORKBOOK_LIMITS) -> None:
    """Refuse, with one clear problem, a file that is not an .xlsx (an old .xls / .et) or
    that holds more than a criteria workbook could: read from the zip's directory (declared
    sizes; zipfile never inflates more than a member declares) and by streaming each sheet
    in 1 MB chunks counting rows and cells. Bounded in memory and time."""
    import zipfile

    name = str(path)

    def refuse(message: str):
        raise ChecklistError([Problem(name, "", message)])

    try:
        with open(path, "rb") as f:
            head = f.read(8)
            size = f.seek(0, 2)
    except OSError as exc:
        refuse(f"无法读取文件：{exc.strerror or exc}")
    if head.startswith(OLD_BINARY) or Path(path).suffix.lower() in (".xls", ".et", ".ett", ".xlt"):
        refuse(OLD_FORMAT)
    if size > limits.max_file:
        refuse(f"文件过大（{size // 1024 ** 2} MB，标准工作簿不超过 {limits.max_file // 1024 ** 2} MB）")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        refuse("不是有效的 Excel 工作簿（.xlsx）；.xls 等其他格式请在 Excel 或 WPS 中另存为 .xlsx")
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            refuse(f"工作簿的内部文件过多（{len(infos)} 个），不像考评标准工作簿")
        total = 0
        for info in infos:
            total += info.file_size
            if (info.file_size > 1024 ** 2 and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
                refuse(f"工作簿中的 {info.filename} 压缩比异常（解压后 {info.file_size // 1024 ** 2} MB），疑似压缩炸弹，已拒绝")
        if total > limits.max_inflated:
            refuse(f"工作簿解压后过大（{total // 1024 ** 2} MB，上限 {limits.max_inflated // 1024 ** 2} MB）；"
                   "考评标准工作簿只需数百行")
        cells = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            rows, tail = 0, b""
            try:
                with zf.open(info) as member:
                    while True:
                        chunk = member.read(1 << 20)
                        if not chunk:
                            break
                        block = tail + chunk
                        # a tag cut at the chunk's end is counted in the next block
                        cut = max(len(block) - 16, 0)
                        rows += len(_ROW_TAG.findall(block, 0, cut)) if cut else 0
                        cells += len(_CELL_TAG.findall(block, 0, cut)) if cut else 0
                        tail = block[cut:]
                        if rows > limits.max_rows:
                            refuse(f"工作表 {Path(info.filename).stem} 超过 {limits.max_rows} 行，不像考评标准工作簿，已拒绝")
                        if cells > limits.max_cells:
                            refuse(f"工作簿超过 {limits.max_cells} 个单元格，不像考评标准工作簿，已拒绝")
            except ChecklistError:
                raise
            except Exception:  # noqa: BLE001 - zlib / CRC errors of a damaged member
                refuse("工作簿已损坏（内部文件无法解压）")


def _open(path: Path):
    """The openpyxl workbook (cached formula values), or one clear problem. The file is
    checked first (check_workbook_file): openpyxl holds every cell in memory."""
    check_workbook_file(path)
    import openpyxl

    try:
        with warnings.catch_warnings():  # WPS extensions openpyxl does not know
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, data_only=True)
    except OSError as exc:
        raise ChecklistError([Problem(str(path), "", f"无法读取文件：{exc.strerror or exc}")]) from None
    except Exception as exc:  # a corrupt or non-xlsx file can fail anywhere inside openpyxl
        cause = exc
        while cause is not None:
            if isinstance(cause, ValueError) and "digits" in str(cause):  # an int of over 4,300 digits
                raise ChecklistError([Problem(str(path), "", "单元格中的数字过长，已拒绝")]) from None
            cause = cause.__cause__ or cause.__context__
        raise ChecklistError([Problem(str(path), "", "不是有效的 Excel 工作簿（.xlsx）；"
                                                     ".xls 等其他格式请在 Excel 或 WPS 中另存为 .xlsx")]) from None


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
        self.origin: dict[int, tuple] = {}  # id(item dict) -> (row, option rows, band rows)
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
            sheet = _sheet_for(ws.title)
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
        last_row, last_col = _extent(ws)
        if not required and not last_row:
            return []  # an optional sheet left completely empty
        header = self._header(ws, sheet, last_row, last_col)
        if header is None:
            return []
        first, columns = header
        anchors = _merged_anchors(ws)
        sheet_columns = {c.key: c for c in sheet.columns}
        out = []
        for r in range(first + 1, last_row + 1):
            raw, own = {}, False
            for key, c in columns.items():
                at = anchors.get((r, c), (r, c))
                cell = ws.cell(*at)
                own = own or (at == (r, c) and not _blank(cell.value))
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
            found = {c: _column_key(ws.cell(r, c).value, known, labels) for c in range(1, last_col + 1)}
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
        if _blank(value):
            return None
        if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
            self.report(ref, "单元格是日期/时间（Excel 会把 1-1、1/2 之类自动改成日期）；请把单元格设为文本格式后重新输入")
            return None
        kind = column.kind
        if kind in ("number", "int"):
            try:
                number = _number(value)
            except _OutOfRange as exc:
                self.report(ref, f"数字 {shown_number(_shown(value, cell.number_format))} 无法接受：{exc}")
                return None
        if kind == "number":
            return number
        if kind == "int":
            if isinstance(number, Fraction):
                self.report(ref, f"必须是整数，现在是 {_shown(value, cell.number_format)}")
                return None
            return number
        if kind == "bool":
            flag = _boolean(value)
            if flag is None:
                self.report(ref, f"应填 是 或 否，现在是 {_shown(value, cell.number_format)!r}")
            return flag
        text = _shown(value, cell.number_format)
        if kind == "enum":
            return _choice(text, column)
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
                out[self._level_key(m.group(1))] = _number(m.group(2))
            except _OutOfRange as exc:
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
        categories = self._rows(CATEGORIES, required=not overlay)
        items = self._rows(ITEMS, required=not overlay)
        options = self._by_code(self._rows(OPTIONS, required=False))
        bands = self._by_code(self._rows(BANDS, required=False))
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
        if levels or not overlay:
            data["levels"] = [self._plain(r, ("levels", i), LEVEL_KEYS)
                              for i, r in enumerate(levels)]
            self.cells[("levels",)] = self.title(LEVELS)

        seen_codes: set = set()
        roots, by_code = self._tree(categories, overlay)
        groups: dict = {}  # overlay: existing category code -> (first row, items)
        for row in items:
            item = self._item(row, options, bands, seen_codes)
            code = row.values.get("category")
            if code is None:
                self.report(row.ref("category"), "缺少所属大项的编号")
            elif code in by_code:
                by_code[code].items.append(item)
            elif overlay:
                groups.setdefault(code, (row, []))[1].append(item)
            else:
                self.report(row.ref("category"), f"大项 {code!r} 不在 {self.title(CATEGORIES)} 表中")
        replacements = [self._item(row, options, bands, seen_codes) for row in replaced]
        for pool in (options, bands):
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
            key = _column_key(cell_key, known, labels) if cell_key is not None else None
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
            node = _Node(row, {k: row.values[k] for k in ("code", "title", "min_ratio") if k in row.values})
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

    def _item(self, row: _Row, options: dict, bands: dict, seen: set) -> dict:
        """An item row, with the option and band rows of its code, as plain data."""
        item = {k: row.values[k] for k in ITEM_KEYS if k in row.values}
        if isinstance(item.get("gate"), str):
            item["gate"] = self._level_key(item["gate"])
        evidence = {k: row.values[f"evidence_{k}"] for k in EVIDENCE_KEYS if f"evidence_{k}" in row.values}
        if evidence:
            item["evidence"] = evidence
        code = row.values.get("code")  # a duplicate code gets the same rows; the loader reports it
        opts, bnds = options.get(code, []), bands.get(code, [])
        seen.add(code)
        if opts:
            item["options"] = [{k: r.values[k] for k in OPTION_KEYS if k in r.values} for r in opts]
        if bnds:
            item["bands"] = [{k: r.values[k] for k in BAND_KEYS if k in r.values} for r in bnds]
        self.origin[id(item)] = (row, opts, bnds)
        return item

    def _category(self, node: _Node, path: tuple) -> dict:
        """A category node as plain data, mapping its key paths (and its items') to cells."""
        cat = self._plain(node.row, path, ("code", "title", "min_ratio"))
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
        row, opts, bnds = self.origin[id(item)]
        self.cells[path] = row.ref("code")
        for key, ref in row.refs.items():
            if key.startswith("evidence_"):
                self.cells.setdefault(path + ("evidence",), ref)
                self.cells[path + ("evidence", key[len("evidence_"):])] = ref
            elif key != "category":
                self.cells[path + (key,)] = ref
        for i, _ in enumerate(item.get("evidence", {}).get("documents") or ()):
            self.cells[path + ("evidence", "documents", i)] = row.ref("evidence_documents")
        for key, rows in (("options", opts), ("bands", bnds)):
            self.cells[path + (key,)] = rows[0].ref("code") if rows else row.ref("kind")
            for i, r in enumerate(rows):
                self.cells[path + (key, i)] = r.ref("code")
                for k, ref in r.refs.items():
                    if k != "code":
                        self.cells[path + (key, i, k)] = ref


def _sheet_for(title: str) -> Sheet | None:
    """The sheet a tab stands for: its Chinese title, its English key, or `条目 items`."""
    text = title.strip()
    m = KEY_RE.search(text)
    for sheet in SHEETS:
        if text == sheet.title or text.lower() == sheet.key or (m and m.group(1).lower() == sheet.key):
            return sheet
    return None


def _column_key(value, known: dict, labels: dict):
    """A header cell -> its key (`分值 points`, `分值(points)`, `points`, `分值`), IGNORE
    for notes, None when blank, else the header text (unknown)."""
    if _blank(value):
        return None
    text = str(value).strip()
    if text.startswith("#"):
        return IGNORE
    m = KEY_RE.search(text)
    if m:
        key = m.group(1).lower()
        if key in known:
            return key
        return IGNORE if key in NOTE_KEYS else text
    if text in labels:
        return labels[text]
    return IGNORE if text in NOTE_LABELS else text


def _extent(ws) -> tuple[int, int]:
    """(last row, last column) holding a value: formatting far below the data (as some
    editors save it) must not make us walk a million empty rows."""
    cells = getattr(ws, "_cells", None)  # openpyxl's own map of the cells the file holds
    if cells is None:
        return ws.max_row, ws.max_column
    filled = [key for key, cell in cells.items() if not _blank(cell.value)]
    return max((r for r, _ in filled), default=0), max((c for _, c in filled), default=0)


def _merged_anchors(ws) -> dict:
    """(row, col) -> (row, col) of the top-left cell, for every cell inside a merged range."""
    out = {}
    for rng in ws.merged_cells.ranges:
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                out[(r, c)] = (rng.min_row, rng.min_col)
    return out


def _in_cycle(node: _Node, by_code: dict) -> bool:
    seen = {node.row.values.get("code")}
    parent = node.row.values.get("parent")
    while parent in by_code:
        if parent in seen:
            return True
        seen.add(parent)
        parent = by_code[parent].row.values.get("parent")
    return False


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value, number_format: str | None = None) -> str:
    """A cell as the text it shows: 1.1 -> '1.1', 2 -> '2', 1.1 with format 0.00 -> '1.10'."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        m = re.fullmatch(r"0(?:\.(0+))?", number_format or "")
        if m:
            return f"{value:.{len(m.group(1) or '')}f}"
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


class _OutOfRange(ValueError):
    """A number in a cell too large or too precise to be a score, point or count."""


def _number(value):
    """An exact number from a cell: int, or Fraction (floats via their repr; text such as
    '4', '0.5', '60%', '１．５' is read too). Anything else is returned for the loader to refuse.
    A number out of range (numbers.value_problem) raises _OutOfRange, checked on the text
    before converting it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return value
        problem = value_problem(value)
        if problem:
            raise _OutOfRange(problem)
        value = exact(value)
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lower()
        percent = text.endswith("%")
        text = text[:-1].strip() if percent else text
        if not NUMBER_RE.fullmatch(text):
            return value.strip()
        problem = number_text_problem(text)
        if problem:
            raise _OutOfRange(problem)
        try:
            value = Fraction(text) / (100 if percent else 1)
        except (ValueError, ZeroDivisionError):
            return value.strip()
    problem = value_problem(value)
    if problem:
        raise _OutOfRange(problem)
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def _boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = unicodedata.normalize("NFKC", str(value)).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _choice(text: str, column: Column) -> str:
    """A drop-down value: the key, its Chinese word, or `check 是否`; else the text as given."""
    aliases = ALIASES.get(column.key, {})
    if text in aliases:
        return aliases[text]
    m = KEY_RE.search(text)
    if m and m.group(1).lower() in column.choices:
        return m.group(1).lower()
    return text.lower() if text.isascii() else text


# --------------------------------------------------------------------------- writing


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
        for option in item.get("options") or ():
            _put_row(sheets["options"], OPTIONS.columns, dict(option, code=item.get("code")))
        for band in item.get("bands") or ():
            _put_row(sheets["bands"], BANDS.columns, dict(band, code=item.get("code")))
    for code in data.get("remove_items") or ():
        _put_row(sheets["remove_items"], REMOVE.columns, {"code": code})
    _add_drop_downs(sheets)
    return wb


def write_template(path) -> None:
    """An empty criteria workbook: every sheet with its headers, the format and two usual levels."""
    write_workbook({"format": FORMAT, "levels": [{"key": "pass", "label": "达标", "min_score": 80},
                                                 {"key": "excellent", "label": "达优", "min_score": 90}]}, path)


def _item_row(item: dict, category) -> dict:
    row = dict(item, category=category)
    for key in EVIDENCE_KEYS:
        row[f"evidence_{key}"] = (item.get("evidence") or {}).get(key)
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
