"""Connections, transactions and migrations: what every query module stands on."""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from typing import Any

from sqlite_utils import Database

from .. import clock
from .migrations import MIGRATION_SET, known_names, migrations


class StoreError(Exception):
    """The database cannot be used as it is (newer schema, unreadable file)."""


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

    def __init__(self, path: str, *, tracer=None):
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

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.db.execute(sql, params).fetchone()
        return row[0] if row is not None else None

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

    @staticmethod
    def now_iso() -> str:
        return clock.iso()
