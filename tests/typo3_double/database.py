"""The double's state: one in-memory SQLite database plus FAL file contents, and a small
DataHandler emulation through which every write of a reaction goes.

The DataHandler rules reproduced are only those cms-bridge can observe: permission
failures of the impersonated user, "Incorrect string value" on utf8mb3 tables, silent
truncation, (int) casts, slug generation, tstamp/crdate.
"""
from __future__ import annotations

import re
import sqlite3
import threading
import time

from .schema import DDL, is_int_column, truncate


class DataHandlerFailed(Exception):
    """DataHandler wrote nothing; ``messages`` is what its errorLog would hold."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class Database:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(":memory:", check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(DDL)
        self.files: dict[str, bytes] = {}  # FAL identifier -> contents
        self.utf8mb3 = False
        self.frozen_time: int | None = None

    # -- plumbing -------------------------------------------------------------------------
    def now(self) -> int:
        return self.frozen_time if self.frozen_time is not None else int(time.time())

    def query(self, sql: str, params: tuple | list = ()) -> list[dict]:
        with self.lock:
            return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def one(self, sql: str, params: tuple | list = ()) -> dict | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def insert_raw(self, table: str, row: dict) -> int:
        """Write without DataHandler: how site visitors' comments arrive (Extbase persistence,
        research notes §2.1/§3: pw_comments and EXT:blog do not use DataHandler)."""
        with self.lock:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            cur = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
            return int(cur.lastrowid)

    def update_raw(self, table: str, uid: int, fields: dict) -> None:
        with self.lock:
            sets = ", ".join(f"{c} = ?" for c in fields)
            self.conn.execute(f"UPDATE {table} SET {sets} WHERE uid = ?", [*fields.values(), uid])

    # -- DataHandler emulation ---------------------------------------------------------------
    def user(self, uid: int) -> dict | None:
        """The impersonated user as ReactionUserAuthentication loads it: enable fields
        apply, so a disabled user is no user
        (TYPO3-CMS/reactions@13.4:Classes/Authentication/ReactionUserAuthentication.php)."""
        return self.one("SELECT * FROM be_users WHERE uid = ? AND disable = 0 AND deleted = 0", (uid,))

    def _check_permission(self, user: dict | None, table: str) -> None:
        # TYPO3-CMS/core@13.4:Classes/DataHandling/DataHandler.php (checkModifyAccessList):
        # "Attempt to modify table '<table>' without permission"
        if user is None or not (user["admin"] or table in user["tables_modify"].split(",")):
            raise DataHandlerFailed([f'Attempt to modify table "{table}" without permission'])

    def _check_charset(self, table: str, fields: dict) -> None:
        # research notes §0: utf8mb3 tables refuse 4-byte UTF-8; DataHandler logs the SQL error
        if not self.utf8mb3:
            return
        for column, value in fields.items():
            if isinstance(value, str) and any(ord(ch) > 0xFFFF for ch in value):
                raise DataHandlerFailed([
                    "SQL error: 'Incorrect string value: '\\xF0\\x9F...' for column "
                    f"`{table}`.`{column}`' ({table}:NEW)"
                ])

    def _prepare(self, table: str, fields: dict) -> dict:
        prepared: dict = {}
        for column, value in fields.items():
            if is_int_column(table, column):
                # TYPO3-CMS/core@13.4:Classes/DataHandling/DataHandler.php (checkValueForDatetime /
                # checkValueForNumber): integers kept, unparsable strings become 0 (research notes §0)
                try:
                    prepared[column] = int(str(value).strip()) if str(value).strip() else 0
                except ValueError:
                    prepared[column] = 0
            elif isinstance(value, str):
                prepared[column] = truncate(table, column, value)
            else:
                prepared[column] = value
        return prepared

    def _unique_slug(self, title: str, exclude_uid: int = 0) -> str:
        # TYPO3-CMS/core@13.4:Classes/DataHandling/SlugHelper.php: lower-case, dashes, unique -1, -2 …
        base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "default"
        slug, n = base, 0
        while self.one("SELECT uid FROM tx_news_domain_model_news WHERE path_segment = ? AND uid != ? AND deleted = 0",
                       (slug, exclude_uid)):
            n += 1
            slug = f"{base}-{n}"
        return slug

    def dh_insert(self, user: dict | None, table: str, fields: dict) -> int:
        """DataHandler->process_datamap() for one NEW record."""
        with self.lock:
            self._check_permission(user, table)
            self._check_charset(table, fields)
            row = self._prepare(table, fields)
            row.setdefault("pid", 0)
            row["tstamp"] = row["crdate"] = self.now()
            if table == "tx_news_domain_model_news" and not row.get("path_segment"):
                # 12.4 SlugEnricher / 13.4 checkValueForSlug fill empty slugs of new records (notes §4.2)
                row["path_segment"] = self._unique_slug(str(row.get("title", "")))
            if table in ("sys_file_reference",):
                row.setdefault("deleted", 0)
            return self.insert_raw(table, row)

    def dh_update(self, user: dict | None, table: str, uid: int, fields: dict) -> None:
        with self.lock:
            self._check_permission(user, table)
            self._check_charset(table, fields)
            row = self._prepare(table, fields)
            row["tstamp"] = self.now()
            self.update_raw(table, uid, row)

    def dh_command(self, user: dict | None, table: str, uid: int, command: str) -> None:
        """cmdmap: delete (soft, deleted=1), undelete, and the hard delete of deleteRecord(…, forceHardDelete)."""
        with self.lock:
            self._check_permission(user, table)
            if command == "delete":
                self.update_raw(table, uid, {"deleted": 1, "tstamp": self.now()})
            elif command == "undelete":
                self.update_raw(table, uid, {"deleted": 0, "tstamp": self.now()})
            elif command == "hardDelete":
                self.conn.execute(f"DELETE FROM {table} WHERE uid = ?", (uid,))
            else:  # pragma: no cover - programming error in the double
                raise ValueError(command)
