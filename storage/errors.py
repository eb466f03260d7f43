"""Errors the user can act on, raised by the storage layer."""

from checklists.errors import DabiaoError


class StorageError(DabiaoError):
    """A refused or impossible workspace operation, worded for the user."""


class WorkspaceLocked(StorageError):
    """Another Dabiao process is writing to this workspace."""


class LockedAnswers(StorageError):
    """The answers of this role cannot change in the assessment's current status."""


class IncompleteReview(StorageError):
    """Marking a review done, or signing it off, while items have no review answer: needs
    `confirm_incomplete=True`, which is recorded in the audit event. `items` holds the
    unanswered items as (code, title), in checklist order."""

    def __init__(self, message: str, items: list[tuple[str, str]]):
        super().__init__(message)
        self.items = items


def write_failed(exc: OSError, path, disk_full: str) -> StorageError:
    """The one-line error for a failed write: `disk_full` when the disk is full (ENOSPC),
    else what the OS said, naming the file."""
    import errno

    if getattr(exc, "errno", None) == errno.ENOSPC:
        return StorageError(disk_full)
    return StorageError(f"无法写入 {path}：{exc.strerror or exc}")
