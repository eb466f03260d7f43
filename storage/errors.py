"""Errors the user can act on, raised by the storage layer."""

from checklists.errors import DabiaoError


class StorageError(DabiaoError):
    """A refused or impossible workspace operation, worded for the user."""


class WorkspaceLocked(StorageError):
    """Another Dabiao process is writing to this workspace."""


class LockedAnswers(StorageError):
    """The answers of this role cannot change in the assessment's current status."""
