"""One open assessment: the UI's view of it, kept in step with storage.

Every edit goes straight to storage (saved at once); the session then re-reads the
answers and asks storage for the score. No SQL and no scoring happen here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from checklists.errors import DabiaoError
from storage import answer_store
from storage import assessments, evidence, recheck

from .format import value_text

ROLES = assessments.ROLES  # self 自评, review 考评, recheck 复核 (the 军分区, drawn units only)
# the role shown read-only beside a role's own editor: 自评 beside 考评, 考评 beside 复核
REFERENCE_ROLE = {"review": "self", "recheck": "review"}


@dataclass
class UndoStep:
    text: str
    code: str
    run: Callable[[], None]


class _Scores(dict):
    """role -> ScoreResult, each scored when first asked for: in self-assessment mode the
    review score of a draft is never needed, so opening and every edit score one role."""

    def __init__(self, ws, assessment_id: str):
        super().__init__()
        self.ws, self.assessment_id = ws, assessment_id

    def __missing__(self, role: str):
        result = self[role] = answer_store.score_assessment(self.ws, self.assessment_id, role)
        return result


class AssessmentSession(QObject):
    """State of one assessment for the views; emits signals when anything changes."""

    itemChanged = Signal(str)  # an item's answer or evidence changed (code)
    scoreChanged = Signal()
    statusChanged = Signal()
    undoChanged = Signal()
    error = Signal(str)

    def __init__(self, ws, assessment_id: str, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.id = assessment_id
        self.assessment = assessments.get_assessment(ws, assessment_id)
        self.checklist = assessments.checklist_of(ws, self.assessment)
        self.index = self.checklist.item_index()
        self.level_labels = {lv.key: lv.label for lv in self.checklist.levels}
        self.answers: dict = {role: {} for role in ROLES}
        self.results = _Scores(ws, assessment_id)
        self.roles_open: tuple[str, ...] = ()  # roles whose answers may change now (storage's rule)
        self.drawn = False  # in its year's 复核 sample
        self._undo: list[UndoStep] = []
        self.reload()

    # ---------------------------------------------------------------- reading

    def reload(self) -> None:
        self.assessment = assessments.get_assessment(self.ws, self.id)
        self._read_roles()
        for role in ROLES:
            self.answers[role] = answer_store.list_answers(self.ws, self.id, role)
        self._rescore()

    def _read_roles(self) -> None:
        """Which roles are open now and whether the assessment is drawn for 复核 (storage decides)."""
        self.drawn = recheck.is_drawn(self.ws, self.id)
        status = self.assessment["status"]
        self.roles_open = assessments.editable_roles(status, self.drawn and status in assessments.RESULT_STATUSES)

    def _rescore(self) -> None:
        self.results.clear()
        self.results["self"]  # noqa: B018 - scored now (a scoring error shows here); review when asked for

    @property
    def status(self) -> str:
        return self.assessment["status"]

    @property
    def status_label(self) -> str:
        return assessments.STATUS_LABELS.get(self.status, self.status)

    def editable(self, role: str) -> bool:
        return not self.ws.readonly and role in self.roles_open

    @property
    def can_recheck(self) -> bool:
        """Whether 复核 applies: drawn for 复核 and the county's review done (reviewed / final)."""
        return self.drawn and self.status in recheck.RECHECK_STATUSES

    def recheck_unavailable(self) -> str | None:
        """Why 复核模式 is not offered for this assessment, in words; None when it is."""
        if not self.drawn:
            return f"未被抽中复核：{self.assessment['year']} 年复核名单中没有此单位（考评 → 抽取复核单位…）"
        if self.status not in recheck.RECHECK_STATUSES:
            return f"县级考评未完成（现为“{self.status_label}”）：已考评或已定稿后才能复核"
        return None

    def answer(self, code: str, role: str) -> dict | None:
        return self.answers[role].get(code)

    def value(self, code: str, role: str):
        row = self.answers[role].get(code)
        return row["value"] if row else None

    def result(self, code: str, role: str):
        return self.results[role].items.get(code)

    def evidence(self, code: str | None = None, role: str | None = None) -> list[dict]:
        return evidence.list_evidence(self.ws, self.id, code, role)

    def differs(self, code: str, role: str = "review") -> bool:
        """True when `role` and the role it is compared with (自评 for 考评, 考评 for 复核)
        both answered the item and their values (or scores) differ."""
        other = REFERENCE_ROLE[role]
        a, b = self.value(code, other), self.value(code, role)
        if a is None or b is None:
            return False
        return a != b or self.results[other].items[code].score != self.results[role].items[code].score

    def lock_reason(self, role: str) -> str | None:
        """Why this role cannot edit now, in words; None when it can."""
        if self.ws.readonly:
            return "工作区以只读方式打开，不能修改。"
        if self.editable(role):
            return None
        if role == "self":
            return f"考评状态为“{self.status_label}”，自评已锁定。如需修改，请先“解锁”并说明原因。"
        if role == "recheck":
            return self.recheck_unavailable() or "复核结果当前不能修改。"
        if self.status == "draft":
            return "自评尚未提交，提交后才能填写考评。"
        return f"考评状态为“{self.status_label}”，考评结果已锁定。"

    # ---------------------------------------------------------------- writing

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs), True
        except DabiaoError as exc:
            self.error.emit(str(exc))
            return None, False

    def _after_answer(self, code: str) -> None:
        self.assessment = assessments.get_assessment(self.ws, self.id)
        self._read_roles()
        self._rescore()
        self.itemChanged.emit(code)
        self.scoreChanged.emit()

    def set_value(self, code: str, role: str, value) -> bool:
        """Save one value (None clears); undoable."""
        old = self.answers[role].get(code)
        current = old["value"] if old else None
        if current == value and type(current) is type(value):
            return True
        before_status = self.status
        row, ok = self._call(answer_store.set_answer, self.ws, self.id, code, role, value)
        if not ok:
            return False
        self.answers[role][code] = row
        item = self.index[code]
        self._push_undo(f"{code} 改为“{value_text(item, value)}”", code,
                        lambda: self._restore_answer(code, role, old))
        self._after_answer(code)
        if self.status != before_status:
            self.statusChanged.emit()
        return True

    def _restore_answer(self, code: str, role: str, old: dict | None) -> None:
        value = old["value"] if old else None
        note = old["note"] if old else None
        docs = old["documents"] if old else None
        row, ok = self._call(answer_store.set_answer, self.ws, self.id, code, role, value, note, docs,
                             keep_note=False)
        if ok:
            self.answers[role][code] = row
            self._after_answer(code)

    def set_note(self, code: str, role: str, note: str) -> bool:
        old = self.answers[role].get(code)
        note = note or None
        if (old["note"] if old else None) == note:
            return True
        row, ok = self._call(answer_store.set_answer, self.ws, self.id, code, role, self.value(code, role), note,
                             old["documents"] if old else None, keep_note=False)
        if ok:
            self.answers[role][code] = row
            self.itemChanged.emit(code)
        return ok

    def set_documents(self, code: str, role: str, documents: list[str]) -> bool:
        old = self.answers[role].get(code)
        row, ok = self._call(answer_store.set_answer, self.ws, self.id, code, role, self.value(code, role),
                             old["note"] if old else None, list(documents), keep_note=False)
        if ok:
            self.answers[role][code] = row
            self._after_answer(code)
        return ok

    def evidence_changed(self, code: str) -> None:
        """After photos were added (by a worker) or removed."""
        self._rescore()
        self.itemChanged.emit(code)
        self.scoreChanged.emit()

    def remove_photo(self, attachment_id: str) -> bool:
        row, ok = self._call(evidence.remove_attachment, self.ws, attachment_id)
        if not ok:
            return False
        code = row["code"]
        self._push_undo(f"删除 {code} 的照片", code, lambda: self._restore_photo(row))
        self.evidence_changed(code)
        return True

    def _restore_photo(self, row: dict) -> None:
        _, ok = self._call(evidence.restore_attachment, self.ws, row)
        if ok:
            self.evidence_changed(row["code"])

    def set_caption(self, attachment_id: str, caption: str) -> bool:
        _, ok = self._call(evidence.set_caption, self.ws, attachment_id, caption)
        return ok

    # ---------------------------------------------------------------- undo

    def _push_undo(self, text: str, code: str, run) -> None:
        self._undo.append(UndoStep(text, code, run))
        del self._undo[:-50]
        self.undoChanged.emit()

    def undo_text(self) -> str | None:
        return self._undo[-1].text if self._undo else None

    def undo(self) -> str | None:
        """Undo the last value change or photo removal; returns the item code it touched."""
        if not self._undo:
            return None
        step = self._undo.pop()
        step.run()
        self.undoChanged.emit()
        return step.code

    # ---------------------------------------------------------------- status flow

    def _status_call(self, fn, *args) -> bool:
        _, ok = self._call(fn, self.ws, self.id, *args)
        if ok:
            self._status_done()
        return ok

    def _status_done(self) -> None:
        self._undo.clear()
        self.undoChanged.emit()
        self.reload()
        self.statusChanged.emit()
        self.scoreChanged.emit()

    def submit(self) -> bool:
        return self._status_call(assessments.set_status, "submitted")

    def start_review(self) -> bool:
        return self._status_call(assessments.set_status, "reviewing")

    def mark_reviewed(self, confirm_incomplete: bool = False) -> bool:
        _, ok = self._call(assessments.set_status, self.ws, self.id, "reviewed",
                           confirm_incomplete=confirm_incomplete)
        if ok:
            self._status_done()
        return ok

    def unanswered(self, role: str) -> list[tuple[str, str]]:
        """(code, title) of the items without a value for `role`, in checklist order."""
        return assessments.unanswered(self.ws, self.id, role, self.assessment)

    def finalize(self) -> bool:
        return self._status_call(assessments.set_status, "final")

    def unlock(self, reason: str) -> bool:
        return self._status_call(assessments.unlock, reason)

    def can_move_to(self, status: str) -> bool:
        return not self.ws.readonly and status in assessments.FORWARD.get(self.status, ())

    def update_review_info(self, confirm_incomplete: bool = False, **fields) -> bool:
        row, ok = self._call(assessments.update_review_info, self.ws, self.id,
                             confirm_incomplete=confirm_incomplete, **fields)
        if ok:
            self.assessment = row
        return ok

    # ---------------------------------------------------------------- 采用自评

    def adoptable(self, codes=None) -> list[str]:
        """Items (of `codes`, default all) with a self value and no review value yet."""
        wanted = set(codes) if codes is not None else None
        return [item.code for item in self.checklist.items()
                if (wanted is None or item.code in wanted) and self.value(item.code, "self") is not None
                and self.value(item.code, "review") is None]

    def adopt_self(self, codes) -> list[str]:
        """Take the self values of `codes` as this inspector's review answers (one
        transaction, logged); one undo step for the batch. Returns the codes taken."""
        before_status = self.status
        old = {code: self.answers["review"].get(code) for code in codes}
        result, ok = self._call(answer_store.adopt_self, self.ws, self.id, list(codes))
        if not ok or not result.adopted:
            return []
        for role in ROLES:
            self.answers[role] = answer_store.list_answers(self.ws, self.id, role)
        taken = list(result.adopted)

        def undo():
            for code in taken:
                self._restore_answer(code, "review", old.get(code))

        label = f"采用自评（{taken[0]}）" if len(taken) == 1 else f"采用自评（{len(taken)} 项）"
        self._push_undo(label, taken[0], undo)
        self.assessment = assessments.get_assessment(self.ws, self.id)
        self._rescore()
        for code in taken:
            self.itemChanged.emit(code)
        self.scoreChanged.emit()
        if self.status != before_status:
            self.statusChanged.emit()
        return taken
