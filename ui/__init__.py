"""The desktop app (PySide6). Calls storage/ and checklists/ only: no SQL, no scoring here.

Modules (the Qt application object is thin; each window, pane and dialog has its own):

- startup.py        open_app() for main.py: the imports before Qt, and the garbage collector
                    while starting (off, then the heap frozen once the window is up)
- app.py            run_app(): font + Chinese Qt dialogs, open the workspace (locked -> offer
                    read-only or quit), bundled criteria, first-run guide, main window
- main_window.py    wiring of the panes: opening, navigation, review mode, pane widths, closing
- menus.py          actions with their shortcuts, the menus, the toolbar, which are enabled (a
                    mixin of the main window)
- review_flow.py    the 考评 menu's status flow, 采用自评, 考评模式 and 复核模式 (a mixin of the
                    main window)
- backup_flow.py    备份与恢复: the dialog, what a restore waits for, re-reading after it (a mixin)
- help_menu.py      帮助: 键盘操作 and 关于 with the report fonts found (a mixin)
- session.py        AssessmentSession: one open assessment; every edit goes to storage at once,
                    then answers and scores are re-read from storage; undo of value changes and
                    photo removals
- units_pane.py     units (军分区 > county > town / enterprise > 营连) and their assessments by
                    year, level badges, the filter box and the county of the rows on screen
- city_view.py      全市汇总 (军分区): the county table over storage.rollup.city_rollup, computed in
                    a worker, with the 达标率 bar chart and the score histogram; prints the summary
- charts.py         BarChart and Histogram: painted with QPainter from (label, value) lists
- badge_worker.py   BadgeWorker: the units tree's badges scored off the UI thread, in batches
- checklist_pane.py the checklist tree; value keys typed here go to the item's editor
- item_pane.py      texts, value editor, note (auto-saved), document ticks, evidence
- document_ticks.py the item pane's document ticks, what a missing document costs (a mixin)
- editors/          one value editor per item kind (check, rubric, number with bands or a linear
                    rate, score, deduct, and deduct with scoring points / weighted elements)
- evidence_pane.py  gallery (QListView over EvidenceModel), import worker, drop, remove + undo
- photo_viewer.py   zoom, previous / next, caption, capture time
- score_bar.py      final score, level, short_by / blocking items and categories, gap list
- workers.py        PhotoImportWorker (QThread around storage.evidence.add_photos)
- tasks.py          TaskWorker (any function in a thread, on its own SQLite connection) and the
                    "正在生成……" BusyIndicator; used by documents, bundles and criteria
- documents.py      文书 menu: gap report, county summary (PDF / Excel), blank checklist, 整改通知书 /
                    整改清单 rendered by exports/ in a worker into a temporary PDF, then previewed
- exchange.py       交换 and 标准 menus: bundle export / import / received, criteria import (validated
                    first), export as a workbook, the blank template
- files.py          temporary documents, the folder last used, the save dialog, file names, opening
                    with the system
- models/           QAbstractItemModels: checklist tree, units tree, evidence list, gap and
                    corrective-action tables, the 军分区's county table
- dialogs/          first run, new unit, new assessment, unlock, find, gap list, corrective
                    action, action list, conclusion and sign-off, keyboard help; PDF preview (print,
                    save as), summary options, checklist choice, bundle export, bundle import
                    (summary before applying; bundle_preview.py words what it will change), received
                    bundles and review progress, criteria import, the 复核 draw (recheck_dialog.py)
- format.py, theme.py, errors.py   words and figures, painted icons and colours, message boxes

Decisions (where the spec is silent):

- Review mode (Ctrl+R) shows 自评 and 考评 columns side by side; it switches on by itself when
  an assessment that is no longer a draft is opened. Editing follows storage.editable_roles:
  self answers in draft only, review answers after submission until marked reviewed.
- "Differs" means both roles answered and the values or the scores differ; those cells and the
  自评 box above the inspector's editor are tinted.
- The status icon "missing evidence" (red !) shows for an answered item still short of photos
  or of ticked documents (storage scores documents per role, so the inspector ticks their own).
- Keys in the item list: Y/N (check), 1..9 (rubric option), digits start typing a number,
  score or deficiency count (Enter saves and returns to the list, ↑/↓ save and move on like a
  spreadsheet, PgUp/PgDn step), "-" 不涉及, Delete clears, Ctrl+Z undoes. F1 lists them all.
- A note is saved 0.7 s after typing stops, and at once when the item, the mode or the window
  changes; closing never asks anything. A running photo import is cancelled and awaited on
  close (photos already imported stay).
- The demo workspace (storage/demo.py) is written into the empty workspace the person chose on
  first run; the window title then says 示例数据.
- Documents render to a temporary PDF (removed when the app exits) and open in a preview window
  that does not block the main window; the preview uses QtPdf when this Qt has it, else it says
  where the file is and offers 用系统程序打开. 打印 draws each page (at most 300 dpi) onto the
  printer, A4, portrait or landscape as the document; the print dialog's page range is honoured.
  The county summary as Excel goes straight to a save dialog. One document renders at a time.
- 整改通知书 / 整改清单 are for the unit selected on the left: the open assessment when it is that
  unit's, else the unit's latest assessment. 空白检查表 and 导出为 Excel use the open
  assessment's criteria, or ask which when none is open.
- Bundle import: the checks and the staging of photos run in a worker (the dialog shows a busy
  bar), then the dialog shows storage's summary sentence, the signer and its trust, notices, and
  every change grouped by kind (big groups folded) and every item that will not be applied;
  导入 applies in the worker; 信任此签名 shows the full fingerprint to compare by phone, trusts
  the key and checks the bundle again. After an import the units are re-read, the open assessment
  is re-opened when the bundle touched it, and with none open the bundle's first one is opened.
- The export dialog ticks the open assessment (or its criteria), lets the person set the name
  the other side sees on the signature (storage.exchange.signing.set_workspace_name) and shows the full
  fingerprint, proposes 单位-上报包-YYYYMMDD.dabiao in the folder last used.
- Criteria import validates with the same lookup of bases as the import (workspace first, then
  files beside the one chosen, then the bundled library) and adds only after 导入 is pressed.
- Start-up (bench `startup`): the window shows with the units tree filled and the last
  assessment open; the level badges are scored once the tree has been painted, a slice per
  turn of the event loop (their cells keep a badge's width meanwhile). Dialogs, the photo
  viewer, exports/ (reportlab, openpyxl) and checklists.workbook are imported when first
  used; sqlite-utils is loaded a moment after the window is up (ui.app.preload_for_editing);
  the garbage collector is off while starting and the heap frozen after (ui.startup);
  tests/test_startup.py keeps all of that so. A worker thread starts only after garbage is
  collected on the UI thread (tasks.collect_garbage_here): Qt objects must not be destroyed
  from a worker.
"""
