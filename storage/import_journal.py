"""A record of each running photo import, so that an import stopped half way (the app
closed, the program killed, the computer switched off) is reported on the next start:
how many photos went in and which did not.

`journal/photos-<id>.jsonl` in the workspace: the first line names the batch (assessment,
item, role, who, when, every file), then one line per file as it is done. It is written
when the batch starts and removed when it ends. What went in is taken from the journal
and from the audit log (each committed photo has an `attachment add` event), so a line
lost in a crash still counts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .workspace import new_id, now

if TYPE_CHECKING:
    from .workspace import Workspace

FOLDER = "journal"
_running: set[Path] = set()  # batches of this process still going: never "interrupted"


def _folder(ws: Workspace) -> Path:
    return ws.folder / FOLDER


class PhotoBatch:
    """The journal of one running batch (begin() makes it)."""

    def __init__(self, path: Path):
        self.path = path
        self._file = None

    def _line(self, record: dict, sync: bool = False) -> None:
        try:
            if self._file is None:
                self._file = open(self.path, "a", encoding="utf-8")
            self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
            self._file.flush()
            if sync:
                os.fsync(self._file.fileno())
        except OSError:
            pass  # the journal helps the next start explain; it never stops an import

    def done(self, index: int, outcome) -> None:
        self._line({"i": index, "ok": outcome.ok, "refused": outcome.refused})

    def close(self) -> None:
        _running.discard(self.path)
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None

    def finish(self) -> None:
        """The batch ended as the person expected: nothing to tell next time."""
        self.close()
        self.path.unlink(missing_ok=True)


def begin(ws: Workspace, assessment_id: str, code: str, role: str, paths) -> PhotoBatch:
    batch_id = new_id()
    folder = _folder(ws)
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        pass
    batch = PhotoBatch(folder / f"photos-{batch_id}.jsonl")
    _running.add(batch.path)
    batch._line({"batch": batch_id, "assessment_id": assessment_id, "code": code, "role": role, "who": ws.who,
                 "started_at": now(), "paths": [str(p) for p in paths]}, sync=True)
    return batch


@dataclass
class Interrupted:
    """A photo import that did not end: what went in and what did not."""

    path: Path
    assessment_id: str
    code: str
    role: str
    started_at: str
    paths: list[str]
    went_in: list[str] = field(default_factory=list)
    refused: dict = field(default_factory=dict)  # path -> reason
    not_in: list[str] = field(default_factory=list)
    label: str = ""  # "城关镇 2027 年考评"

    def message(self) -> str:
        from .timefmt import local_time

        role = "考评" if self.role == "review" else "自评"
        names = "、".join(Path(p).name for p in self.not_in[:12]) + ("……" if len(self.not_in) > 12 else "")
        text = (f"{local_time(self.started_at)} 开始的照片导入没有完成（程序在导入过程中被关闭）：\n"
                f"{self.label} 条目 {self.code}（{role}），共 {len(self.paths)} 张，已导入 {len(self.went_in)} 张")
        if self.refused:
            text += f"，{len(self.refused)} 张未通过检查"
        if self.not_in:
            folders = sorted({str(Path(p).parent) for p in self.not_in})
            text += (f"；未导入 {len(self.not_in)} 张：{names}\n（位于 {'、'.join(folders)}）\n"
                     "请重新添加未导入的照片。")
        else:
            text += "；全部照片都已导入。"
        return text


def interrupted(ws: Workspace) -> list[Interrupted]:
    """Batches that did not end, oldest first: not those this process is running, and none
    on a workspace opened read-only (the process writing to it may be importing now)."""
    folder = _folder(ws)
    if ws.readonly or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("photos-*.jsonl"), key=lambda p: p.stat().st_mtime):
        if path in _running:
            continue
        try:
            lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        except (OSError, ValueError):
            lines = []
        if not lines or "paths" not in lines[0]:
            dismiss(ws, path)
            continue
        head = lines[0]
        item = Interrupted(path, head["assessment_id"], head["code"], head["role"], head["started_at"],
                           list(head["paths"]))
        ok = set()
        for rec in lines[1:]:
            i = rec.get("i")
            if not isinstance(i, int) or not 0 <= i < len(item.paths):
                continue
            if rec.get("ok"):
                ok.add(i)
            else:
                item.refused[item.paths[i]] = rec.get("refused") or ""
        # photos committed after the last journal line reached the disk
        names = set()
        for (detail,) in ws.db.execute(
                "SELECT detail FROM events WHERE assessment_id = ? AND entity = 'attachment' AND action = 'add' "
                "AND at >= ?", [item.assessment_id, item.started_at]).fetchall():
            d = json.loads(detail or "{}")
            if d.get("code") == item.code and d.get("role") == item.role:
                names.add(d.get("name"))
        for i, p in enumerate(item.paths):
            if i in ok or (p not in item.refused and Path(p).name in names):
                item.went_in.append(p)
            elif p not in item.refused:
                item.not_in.append(p)
        row = ws.db.execute("SELECT u.name, a.year FROM assessments a JOIN units u ON u.id = a.unit_id "
                            "WHERE a.id = ?", [item.assessment_id]).fetchone()
        item.label = f"{row[0]} {row[1]} 年考评" if row else f"考评 {item.assessment_id}"
        out.append(item)
    return out


def dismiss(ws: Workspace, item: Interrupted | Path | str) -> None:
    """Forget a stopped batch once the person has been told."""
    path = item.path if isinstance(item, Interrupted) else Path(item)
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
