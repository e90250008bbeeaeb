"""Connections, transactions and migrations: what every query module stands on."""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from sqlite_utils import Database

from .. import clock
from .migrations import MIGRATION_SET, known_names, migrations


class StoreError(Exception):
    """The database cannot be used as it is (newer schema, unreadable file)."""


#: a row or its absence: the row converters (``_job``, ``_item`` …) give back what they were given,
#: so a caller that knows the row exists keeps a ``dict`` and one that may miss keeps ``dict | None``
Row = TypeVar("Row", bound="dict | None")


def inserted_id(cursor: sqlite3.Cursor) -> int:
    """The rowid the INSERT on ``cursor`` made (sqlite3 says None only after a statement that
    inserted nothing, which would be a bug here)."""
    if cursor.lastrowid is None:
        raise StoreError("the INSERT made no row")
    return cursor.lastrowid


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    if text is None or text == "":
        return default
    return json.loads(text)


_CONTROL = {c: " " for c in [*range(0x20), 0x7F]}


def search_words(text: str) -> list[str]:
    """The words of a search box: control characters (a NUL made FTS5 fail with
    "unterminated string") are spaces, like any other separator."""
    return (text or "").translate(_CONTROL).split()


class StoreBase:
    """One SQLite file in WAL mode, one connection per thread.

    sqlite3 connections must not cross threads, and the production server runs
    several threads and processes; WAL lets readers run alongside the one writer.
    Writes go through :meth:`write`, which takes the write lock up front
    (BEGIN IMMEDIATE) so two writers never deadlock upgrading a read lock.
    """

    def __init__(self, path: str, *, tracer: Callable[[str, Any], None] | None = None):
        self.path = str(path)
        self._local = threading.local()
        self._tracer = tracer
        if self.path != ":memory:":
            parent = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(parent, exist_ok=True)

    # -- connections -----------------------------------------------------
    def _connect(self) -> Database:
        conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        return Database(conn, tracer=self._tracer, execute_plugins=False)

    @property
    def db(self) -> Database:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
        return db

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- transactions ----------------------------------------------------
    @contextlib.contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction (nested calls join the outer one)."""
        db = self.db
        if db.conn.in_transaction:
            with db.atomic():
                yield db
            return
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.conn.rollback()
            raise
        else:
            db.conn.commit()

    def query(self, sql: str, params: Any = ()) -> list[dict]:
        return [dict(r) for r in self.db.execute(sql, params).fetchall()]

    def query_one(self, sql: str, params: Any = ()) -> dict | None:
        row = self.db.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def query_row(self, sql: str, params: Any = ()) -> dict:
        """The row ``sql`` must find (one just written in this transaction): a miss is a bug."""
        row = self.query_one(sql, params)
        if row is None:
            raise StoreError(f"no row where one was just written: {sql}")
        return row

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row is not None else None

    # -- backup ----------------------------------------------------------
    def backup_to(self, dest: str, *, progress: Callable[[int, int], None] | None = None, pages: int = 512) -> None:
        """Copy the whole database to ``dest`` with SQLite's online backup API.

        The copy is consistent while ``serve`` and ``sync`` keep writing: the
        backup restarts its pass when a writer on another connection changes a
        page, and copies in steps of ``pages`` so writers are never held up for
        long. ``progress(remaining, total)`` is called after each step.
        """
        target = sqlite3.connect(dest)
        try:
            self.db.conn.backup(target, pages=pages,
                                progress=(lambda _status, remaining, total: progress(remaining, total))
                                if progress else None)
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            target.close()

    def restore_from(self, source: str) -> None:
        """Replace this database's content with ``source`` (a file made by
        :meth:`backup_to`), through the backup API so the WAL stays coherent for
        connections that are still open."""
        self.close()
        self.__dict__.pop("_installation_id", None)  # the backup's id replaces ours
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            src.backup(self.db.conn)
        finally:
            src.close()

    def integrity_problems(self) -> list[str]:
        """What ``PRAGMA integrity_check`` finds (empty when the file is sound)."""
        rows = [r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall()]
        return [] if rows == ["ok"] else rows

    def table_counts(self) -> dict[str, int]:
        """Rows per table, for a backup's manifest and for checking a restore."""
        names = [r[0] for r in self.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE '%_fts%' ORDER BY name").fetchall()]
        return {name: self.db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}

    # -- schema ----------------------------------------------------------
    def unknown_migrations(self) -> list[str]:
        names = {m.name for m in migrations.applied(self.db)}
        return sorted(names - set(known_names()))

    def migrate(self) -> list[str]:
        """Apply pending migrations; refuse a database from a newer cms-bridge."""
        unknown = self.unknown_migrations()
        if unknown:
            raise StoreError(
                f"the database {self.path} was written by a newer cms-bridge "
                f"(it carries migrations this version does not know: {', '.join(unknown)}); "
                "upgrade cms-bridge or point server.database at another file"
            )
        pending = [m.name for m in migrations.pending(self.db)]
        if pending:
            migrations.apply(self.db)
        return pending

    def applied_migrations(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    def check_health(self) -> None:
        """Raise if the database cannot be read (used by /healthz)."""
        self.db.execute(
            "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = ?", [MIGRATION_SET]
        ).fetchone()

    #: where the store's own timestamps come from; wall time unless a caller (a
    #: test placing decisions at known times, the benchmark) sets another clock
    time_source = staticmethod(clock.now)

    def now_iso(self) -> str:
        return clock.iso(self.time_source())
