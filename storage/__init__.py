"""The workspace: one folder holding the database, evidence photos, backups and a lock.

No Qt here. Functions take an open `Workspace` first, sqlite-utils style, and return
plain dict rows whose keys are documented as types in `storage.models`.
"""

from .errors import StorageError
from .workspace import Workspace, default_data_dir

__all__ = ["StorageError", "Workspace", "default_data_dir"]
