"""A criteria workbook checked before openpyxl reads it (openpyxl holds every cell in
memory): not an old .xls / .et, not a zip bomb, not more rows and cells than criteria
could need; then opened, any failure inside openpyxl turned into one clear problem."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChecklistError, Problem
from ..source import OLD_BINARY, OLD_FORMAT, OLD_SUFFIXES


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
    if head.startswith(OLD_BINARY) or Path(path).suffix.lower() in OLD_SUFFIXES:
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


def open_workbook(path: Path):
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
