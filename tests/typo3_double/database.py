"""The double's state: one in-memory SQLite database plus FAL file contents, and a model of
TYPO3's DataHandler through which every write of a reaction goes.

DataHandler is modelled from TYPO3-CMS/core@v13.4.9:Classes/DataHandling/DataHandler.php (12.4.45 is the
same for everything here), not from what the connector's README intends:

* the datamap/cmdmap arrays the PHP code passes (``$data[table][uid|"NEW…"] = fields``,
  ``$cmd[table][uid]["delete"] = 1``) are what :meth:`Database.process` takes;
* a field whose TCA column is ``exclude`` is dropped **silently** unless one of the user's groups
  grants ``table:field`` in ``non_exclude_fields`` (process_datamap → getExcludeListArray,
  fillInFieldArray ``continue``s over ``excludedTablesAndFields``);
* a file/inline field lists its children: the listed ones get the parent's uid
  (checkValue_file_processDBdata → RelationHandler::writeForeignField), the field stores their
  count, and children that are *not* listed stay as they are — references add up unless a
  ``delete`` command removes them;
* cmd ``delete`` soft-deletes the record and, for file/inline fields, its children
  (deleteRecord_procBasedOnFieldType → deleteAction); nothing else cascades;
* a new record's empty slug is generated from the *incoming* (untruncated) title
  (checkValueForSlug merges ``$incomingFieldArray``), the title itself is cut to its TCA ``max``;
* errors go to the error log and the record is skipped; the caller decides (``errorLog``).
"""
from __future__ import annotations

import re
import sqlite3
import threading
import time

from .schema import DDL, EXCLUDE_FIELDS, FILE_FIELDS, INPUT_MAX, is_int_column, truncate


class DataHandlerFailed(Exception):
    """DataHandler wrote nothing; ``messages`` is what its errorLog would hold."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class Database:
    def __init__(self, path: str = ":memory:") -> None:
        """``path``: a file lets another process or connection read the double's tables as a site's
        read-only database user would (the contract suite's database_url); autocommit makes every
        write visible to it at once."""
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.executescript(DDL)
        self.files: dict[str, bytes] = {}  # FAL identifier -> contents
        self.folders: set[str] = {"/"}  # folders of storage 1 that exist
        self.utf8mb3 = False
        self.frozen_time: int | None = None
        self.runs: list[dict] = []  # every DataHandler run: the arrays it got and its errorLog

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
        not DataHandler: teamneusta/pw_comments Classes/Controller/CommentController.php::createAction
        (commentRepository->add, persistAll) and TYPO3GmbH/blog Classes/Service/CommentService.php::addComment
        (postRepository->update), so no DataHandler hook or webhook sees them)."""
        with self.lock:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            cur = self.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(row.values()))
            return int(cur.lastrowid)

    def update_raw(self, table: str, uid: int, fields: dict) -> None:
        with self.lock:
            sets = ", ".join(f"{c} = ?" for c in fields)
            self.conn.execute(f"UPDATE {table} SET {sets} WHERE uid = ?", [*fields.values(), uid])

    # -- the impersonated backend user ----------------------------------------------------------------
    def user(self, uid: int) -> dict | None:
        """The impersonated user as ReactionUserAuthentication loads it (setBeUserByUid, then
        fetchGroupData): enable fields apply, so a disabled user is no user; the groups' rights are
        merged into ``tables_modify`` and ``non_exclude_fields``
        (TYPO3-CMS/reactions@v13.4.9:Classes/Authentication/ReactionUserAuthentication.php,
        TYPO3-CMS/core@v13.4.9:Classes/Authentication/BackendUserAuthentication.php::fetchGroupData)."""
        row = self.one("SELECT * FROM be_users WHERE uid = ? AND disable = 0 AND deleted = 0", (uid,))
        if row is None:
            return None
        tables, fields, files, mounts = [], [], [], []
        for group_uid in [g for g in str(row["usergroup"] or "").split(",") if g.strip()]:
            group = self.one("SELECT * FROM be_groups WHERE uid = ? AND deleted = 0 AND hidden = 0", (int(group_uid),))
            if group:
                tables += [t for t in group["tables_modify"].split(",") if t]
                fields += [f for f in group["non_exclude_fields"].split(",") if f]
                files += [f for f in group["file_permissions"].split(",") if f]
                mounts += [int(m) for m in group["file_mountpoints"].split(",") if m.strip()]
        file_mounts = [m for uid in mounts for m in self.query(
            "SELECT * FROM sys_filemounts WHERE uid = ? AND deleted = 0 AND hidden = 0", (uid,))]
        return {**row, "tables_modify": ",".join(tables), "non_exclude_fields": ",".join(fields),
                "file_permissions": set(files), "file_mounts": file_mounts}

    @staticmethod
    def may_modify(user: dict | None, table: str) -> bool:
        """BackendUserAuthentication::check('tables_modify', $table) (DataHandler::checkModifyAccessList)."""
        return user is not None and (bool(user["admin"]) or table in user["tables_modify"].split(","))

    @staticmethod
    def may_write_field(user: dict | None, table: str, field: str) -> bool:
        """Not in DataHandler::getExcludeListArray: admin, a column without ``exclude``, or granted."""
        if user is None:
            return False
        if user["admin"] or field not in EXCLUDE_FIELDS.get(table, ()):
            return True
        return f"{table}:{field}" in user["non_exclude_fields"].split(",")

    # -- DataHandler: start($data, $cmd, $user); process_cmdmap(); process_datamap() ---------------------
    def process(self, user: dict | None, data: dict | None = None, cmd: dict | None = None,
                *, datamap_first: bool = False) -> DataHandlerResult:
        """One DataHandler run as the connector's DataHandlerGateway::process does it (commands, then
        data) or the create-record reaction (data only). Returns substNEWwithIDs and the errorLog."""
        result = DataHandlerResult()
        with self.lock:
            steps = [lambda: self._process_cmdmap(user, cmd or {}, result),
                     lambda: self._process_datamap(user, data or {}, result)]
            for step in (reversed(steps) if datamap_first else steps):
                step()
        self.runs.append({"data": data or {}, "cmd": cmd or {}, "errors": list(result.errors)})
        return result

    def _process_datamap(self, user: dict | None, data: dict, result: DataHandlerResult) -> None:
        remap: list[tuple[str, int, str, str]] = []  # (table, uid, field, raw list) for processRemapStack
        for table, records in data.items():
            if not self.may_modify(user, table):
                # DataHandler::process_datamap: 'Attempt to modify table "{table}" without permission'
                result.errors.append(f'Attempt to modify table "{table}" without permission')
                continue
            for record_id, incoming in records.items():
                new = isinstance(record_id, str) and record_id.startswith("NEW")
                row = self._fill_in_field_array(user, table, incoming, new)
                files = {f: row.pop(f) for f in FILE_FIELDS.get(table, ()) if f in row}
                try:
                    self._check_charset(table, row)
                except DataHandlerFailed as failed:
                    result.errors.extend(failed.messages)
                    continue
                row["tstamp"] = self.now()
                if new:
                    pid = incoming.get("pid", 0)
                    row["pid"] = result.ids.get(pid, 0) if isinstance(pid, str) else int(pid or 0)
                    row["crdate"] = row["tstamp"]
                    if table == "tx_news_domain_model_news" and not row.get("path_segment"):
                        # checkValueForSlug: generated from array_replace_recursive($currentRecord,
                        # $incomingFieldArray), i.e. the title as sent, before checkValueForInput's cut
                        row["path_segment"] = self._unique_slug(str(incoming.get("title", "")))
                    uid = self.insert_raw(table, row)
                    result.ids[record_id] = uid
                    result.tables[record_id] = table
                else:
                    uid = int(record_id)
                    if self.one(f"SELECT uid FROM {table} WHERE uid = ?", (uid,)) is None:
                        result.errors.append(f"Attempt to modify record {table}:{uid} that does not exist")
                        continue
                    self.update_raw(table, uid, row)
                remap += [(table, uid, field, str(value)) for field, value in files.items()]
        for table, uid, field, raw in remap:  # processRemapStack: NEW ids are known now
            self._write_file_field(table, uid, field, raw, result)

    def _fill_in_field_array(self, user: dict | None, table: str, incoming: dict, new: bool) -> dict:
        """DataHandler::fillInFieldArray: excluded fields are skipped without a log entry; uid and pid
        are not fields; columns without TCA are ignored; values are cast and cut as checkValue does."""
        columns = self.columns(table)
        row: dict = {}
        for field, value in incoming.items():
            if field in ("uid", "pid") or field not in columns or not self.may_write_field(user, table, field):
                continue
            row[field] = value
        prepared = self._prepare(table, row)
        for field, size in INPUT_MAX.get(table, {}).items():  # checkValueForInput: mb_substr to 'max'
            if isinstance(prepared.get(field), str):
                prepared[field] = prepared[field][:size]
        return prepared

    def _write_file_field(self, table: str, uid: int, field: str, raw: str, result: DataHandlerResult) -> None:
        """checkValue_file_processDBdata: the listed references point to the parent (uid_foreign,
        tablenames, fieldname, sorting_foreign); the column holds their count. Unlisted references
        are left alone."""
        children = []
        for part in dict.fromkeys(p.strip() for p in raw.split(",") if p.strip()):  # checkValueForFile: array_unique
            part = part.removeprefix("sys_file_reference_")
            child = result.ids.get(part) if part.startswith("NEW") else (int(part) if part.isdigit() else None)
            if child and child not in children:
                children.append(child)
        for sorting, child in enumerate(children, start=1):
            self.update_raw("sys_file_reference", child, {"uid_foreign": uid, "tablenames": table, "fieldname": field,
                                                          "sorting_foreign": sorting})
        self.update_raw(table, uid, {field: len(children)})

    def _process_cmdmap(self, user: dict | None, cmd: dict, result: DataHandlerResult) -> None:
        for table, records in cmd.items():
            for uid, commands in records.items():
                for command, value in commands.items():
                    if command == "delete" and value:
                        self._delete_action(user, table, int(uid), result)
                    elif command == "undelete" and value:
                        self._undelete(user, table, int(uid), result)
                    else:  # pragma: no cover - the connector sends no other command
                        raise ValueError(command)

    def _delete_action(self, user: dict | None, table: str, uid: int, result: DataHandlerResult) -> None:
        """DataHandler::deleteAction → deleteRecord: soft delete (TCA ctrl 'delete' => 'deleted'), then
        deleteRecord_procBasedOnFieldType for every file/inline field: its live children are deleted too."""
        if not self.may_modify(user, table):
            result.errors.append(f'Attempt to modify table "{table}" without permission')
            return
        if self.one(f"SELECT uid FROM {table} WHERE uid = ? AND deleted = 0", (uid,)) is None:
            return
        self.update_raw(table, uid, {"deleted": 1, "tstamp": self.now()})
        for field in FILE_FIELDS.get(table, ()):
            for child in self.query("SELECT uid FROM sys_file_reference WHERE tablenames = ? AND uid_foreign = ?"
                                    " AND fieldname = ? AND deleted = 0", (table, uid, field)):
                self._delete_action(user, "sys_file_reference", child["uid"], result)

    def _undelete(self, user: dict | None, table: str, uid: int, result: DataHandlerResult) -> None:
        """cmd undelete (DataHandler::undeleteRecord): the record only; its children are undeleted by
        RelationHandler with undeleteRecord set, which the connector never relies on."""
        if not self.may_modify(user, table):
            result.errors.append(f'Attempt to modify table "{table}" without permission')
            return
        self.update_raw(table, uid, {"deleted": 0, "tstamp": self.now()})

    def hard_delete(self, user: dict | None, table: str, uid: int) -> DataHandlerResult:
        """deleteRecord($table, $uid, false, true): the row is removed for good."""
        result = DataHandlerResult()
        with self.lock:
            if not self.may_modify(user, table):
                result.errors.append(f'Attempt to modify table "{table}" without permission')
            else:
                self.conn.execute(f"DELETE FROM {table} WHERE uid = ?", (uid,))
        return result

    # -- value checks ---------------------------------------------------------------------------------
    def columns(self, table: str) -> set[str]:
        with self.lock:
            return {row[1] for row in self.conn.execute(f"PRAGMA table_info({table})").fetchall()}

    def _check_charset(self, table: str, fields: dict) -> None:
        # utf8mb3 tables refuse 4-byte UTF-8 and DataHandler logs the SQL error, so the create-record
        # reaction answers 400 "Record could not be created" (observed on TYPO3 12.4 set up by the CLI;
        # 13.4's utf8mb4 tables stored emoji)
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
            if is_int_column(table, column) and column not in FILE_FIELDS.get(table, ()):
                # DataHandler::checkValueForDatetime / checkValueForNumber (TYPO3-CMS/core@13.4:
                # Classes/DataHandling/DataHandler.php): integers kept, (int) of the rest; an
                # unparsable datetime string ends as 0 (observed on TYPO3 12.4/13.4)
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
        # TYPO3-CMS/core@v13.4.9:Classes/DataHandling/SlugHelper.php::generate + buildSlugForUniqueInPid
        # (news' path_segment eval uniqueInPid): lower-case, dashes, -1, -2 …
        base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "default"
        slug, n = base, 0
        while self.one("SELECT uid FROM tx_news_domain_model_news WHERE path_segment = ? AND uid != ? AND deleted = 0",
                       (slug, exclude_uid)):
            n += 1
            slug = f"{base}-{n}"
        return truncate("tx_news_domain_model_news", "path_segment", slug)

    # -- one-record shortcuts over process(), raising when DataHandler logged an error ----------------------
    def dh_insert(self, user: dict | None, table: str, fields: dict) -> int:
        key = "NEW1"
        result = self.process(user, {table: {key: fields}}).raise_for_errors()
        if key not in result.ids:
            raise DataHandlerFailed([f"{table}:NEW was not created"])
        return result.ids[key]

    def dh_update(self, user: dict | None, table: str, uid: int, fields: dict) -> None:
        self.process(user, {table: {uid: fields}}).raise_for_errors()

    def dh_command(self, user: dict | None, table: str, uid: int, command: str) -> None:
        if command == "hardDelete":
            self.hard_delete(user, table, uid).raise_for_errors()
        else:
            self.process(user, cmd={table: {uid: {command: 1}}}).raise_for_errors()


class DataHandlerResult:
    """What a DataHandler run leaves: ``substNEWwithIDs`` (ids), ``substNEWwithIDs_table`` (tables)
    and ``errorLog`` (errors)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.tables: dict[str, str] = {}
        self.errors: list[str] = []

    def raise_for_errors(self) -> DataHandlerResult:
        if self.errors:
            raise DataHandlerFailed(self.errors)
        return self
