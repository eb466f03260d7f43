"""Criteria workbooks (.xlsx): everything a `dabiao-checklist/1` or `/2` file can say, as tables
that provinces and cities write in Excel or WPS.

Reading gives the same plain data a YAML file gives, so the validating loader does every
semantic check; each key path is mapped to the cell it came from, so the loader's
problems read `标准.xlsx 条目!F12: ...`. Pure: reads and writes only the files it is given.

  layout.py  the sheets and columns, described once (SHEETS): they drive the reader, the
             writer and the 说明 sheet
  guard.py   the file checked before openpyxl reads it (old formats, zip bombs, size)
  cells.py   one cell as a plain value
  read.py    a workbook -> Document (plain data + key path -> cell)
  write.py   plain data or a Checklist -> a workbook; the empty template
"""

from .guard import WORKBOOK_LIMITS, WorkbookLimits, check_workbook_file
from .read import read_workbook_document
from .write import write_template, write_workbook

__all__ = ["WORKBOOK_LIMITS", "WorkbookLimits", "check_workbook_file", "read_workbook_document",
           "write_template", "write_workbook"]
