"""The workspace's SQLite connection, as `ws.db`.

Reading (`execute`, `query`), transactions (`atomic`) and the connection set-up are plain
`sqlite3`, with sqlite-utils' semantics (a write outside a transaction commits at once;
`query` gives dict rows). The table helpers (`db["units"].insert(...)`, `.upsert`,
`.create`, migrations) are sqlite-utils', loaded the first time one is used: importing
sqlite-utils (click, dateutil, pluggy and its plugin scan) costs about 0.1 s, which
opening the app to read the units tree need not pay.
"""

from __future__ import annotations

import itertools
import sqlite3
from contextlib import contextmanager

# Statements that control the transaction themselves: execute() never commits after them.
_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"}
_savepoints = itertools.count(1)  # names for nested transactions, unique in the process


def first_keyword(sql: str) -> str:
    """The statement's first keyword, uppercased, after blanks, `;`, a BOM and comments."""
    i, n = 0, len(sql)
    while i < n:
        if sql[i].isspace() or sql[i] in (";", "\ufeff"):
            i += 1
        elif sql.startswith("--", i):
            newline = sql.find("\n", i)
            if newline == -1:
                return ""
            i = newline + 1
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end == -1:
                return ""
            i = end + 2
        else:
            break
    j = i
    while j < n and (sql[j].isalpha() or sql[j] == "_"):
        j += 1
    return sql[i:j].upper()


def _unique_keys(keys: list[str]) -> list[str]:
    """Column names made unique as sqlite-utils does (`id`, `id_2`, ...)."""
    taken = set(keys)
    if len(taken) == len(keys):
        return keys
    seen: set = set()
    out = []
    for key in keys:
        if key in seen:
            new, n = key, 2
            while new in seen or new in taken:
                new, n = f"{key}_{n}", n + 1
            key = new
        seen.add(key)
        out.append(key)
    return out


class Database:
    """A sqlite3 connection with sqlite-utils' reading API, and its table API on demand."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._utils = None

    @property
    def utils(self):
        """The sqlite-utils Database over the same connection (imported on first use)."""
        if self._utils is None:
            from sqlite_utils import Database as UtilsDatabase

            # No recursive_triggers pragma here: _connect() set it already. sqlite-utils
            # plugins are not for an app's private database (and scanning for them is slow).
            self._utils = UtilsDatabase(self.conn, recursive_triggers=False, execute_plugins=False)
        return self._utils

    def __getitem__(self, table_name: str):
        return self.utils[table_name]

    def table(self, table_name: str, **kwargs):
        return self.utils.table(table_name, **kwargs)

    def __getattr__(self, name: str):
        # Anything else sqlite-utils offers (table_names, vacuum, ...).
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.utils, name)

    # ---------------------------------------------------------------- plain sqlite3

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        """Run one statement. A write outside a transaction is committed at once."""
        was_in_transaction = self.conn.in_transaction
        try:
            cursor = self.conn.execute(sql) if parameters is None else self.conn.execute(sql, parameters)
        except Exception:
            if not was_in_transaction and self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        if (not was_in_transaction and self.conn.in_transaction and cursor.description is None
                and first_keyword(sql) not in _TRANSACTION_CONTROL):
            self.conn.execute("COMMIT")
        return cursor

    def query(self, sql: str, params=None):
        """Rows of a SELECT as dicts (other statements go to sqlite-utils' query())."""
        if first_keyword(sql) != "SELECT":
            return self.utils.query(sql, params)
        cursor = self.conn.execute(sql) if params is None else self.conn.execute(sql, params)
        keys = _unique_keys([d[0] for d in cursor.description])
        return (dict(zip(keys, row)) for row in cursor)

    @contextmanager
    def atomic(self, immediate: bool = False):
        """One transaction; a nested block is a savepoint. immediate: take the write lock at
        BEGIN (waiting for another writer up to the busy timeout): a deferred transaction that
        reads first and writes later fails at once with SQLITE_BUSY when another connection
        (a worker thread, the command line) committed in between, and its edit would be lost."""
        conn = self.conn
        if conn.in_transaction:
            savepoint = f"dabiao_{next(_savepoints)}"
            conn.execute(f"SAVEPOINT {savepoint};")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint};")
                    conn.execute(f"RELEASE SAVEPOINT {savepoint};")
                raise
            else:
                conn.execute(f"RELEASE SAVEPOINT {savepoint};")
        else:
            conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield self
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise

    def table_exists(self, name: str) -> bool:
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 [name]).fetchone() is not None

    def enable_wal(self) -> None:
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            old = self.conn.isolation_level
            try:
                self.conn.isolation_level = None
                self.conn.execute("PRAGMA journal_mode=wal;")
            finally:
                self.conn.isolation_level = old

    def close(self) -> None:
        self.conn.close()
