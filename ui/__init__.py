"""The desktop app (PySide6). Calls storage/ and checklists/ only: no SQL, no scoring here.

Modules (the Qt application object is thin; each window, pane and dialog has its own):

- app.py            run_app(): font + Chinese Qt dialogs, open the workspace (locked -> offer
                    read-only or quit), bundled criteria, first-run guide, main window
- main_window.py    menus / toolbar / shortcuts, status flow, review mode, wiring of the panes
- session.py        AssessmentSession: one open assessment; every edit goes to storage at once,
                    then answers and scores are re-read from storage; undo of value changes and
                    photo removals
- units_pane.py     units (county > town > 营连) and their assessments by year, level badges
- checklist_pane.py the checklist tree; value keys typed here go to the item's editor
- item_pane.py      texts, value editor, note (auto-saved), document ticks, evidence
- value_editors.py  one editor per item kind (check, rubric, number, deduct, score)
- evidence_pane.py  gallery (QListView over EvidenceModel), import worker, drop, remove + undo
- photo_viewer.py   zoom, previous / next, caption, capture time
- score_bar.py      final score, level, short_by / blocking items and categories, gap list
- workers.py        PhotoImportWorker (QThread around storage.evidence.add_photos)
- models/           QAbstractItemModels: checklist tree, units tree, evidence list, gap and
                    corrective-action tables
- dialogs/          first run, new unit, new assessment, unlock, find, gap list, corrective
                    action, action list, conclusion and sign-off, keyboard help
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
"""
