"""The cms-bridge connector's reaction types as its PHP (connectors/typo3, 1.4.0) does them.

Each reaction type here is a port of its PHP class: it parses the payload as
``Classes/Domain/Payload/PayloadReader.php`` does (same keys, order and sentences), builds the
same DataHandler datamap/cmdmap arrays as ``Classes/Reaction/*Reaction.php`` and hands them to
the double's DataHandler model (:meth:`Database.process`), which applies TYPO3's semantics to
them — so what the site ends up holding follows from the arrays, not from what the README
intends. :func:`upsert_plan` is the one place that builds the upsert's arrays; a test pins it
to the connector's own fixture of plans.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re

from .database import Database, DataHandlerFailed
from .schema import COLUMN_SIZES

NEWS = "tx_news_domain_model_news"
REFERENCE = "sys_file_reference"
SOURCES = {"blog": "tx_blog_domain_model_comment", "pw_comments": "tx_pwcomments_domain_model_comment"}
ACTIONS = ("approve", "hold", "spam", "unspam", "trash", "restore", "delete")
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
COMMENT_ID = re.compile(r"^([a-z_]+):([1-9][0-9]{0,9})$")
REPLY_LEDGER = "tx_cmsbridgeconnector_reply"  # Classes/Domain/Comment/ReplyLedger.php::TABLE
REPLY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # ReplyLedger::KEY_PATTERN (matched in full)
CONNECTOR_VERSION = "1.4.0"  # AbstractBridgeReaction::CONNECTOR_VERSION, ext_emconf.php
SPAM_REASON = "Marked as spam in cms-bridge"  # CommentStatusMapper::SPAM_REASON

#: the fields each reaction type writes, per table (AbstractBridgeReaction::fieldsWritten overrides:
#: NewsUpsertRequest::FIELDS + fal_media, ImageReferencePlan::REFERENCE_FIELDS, CommentStatusMapper::
#: fieldsWritten, ReplyBuilder::FIELDS, ReplyLedger::FIELDS): the probe reports those the service user
#: may not write (Domain/Access/FieldAccess.php::report), and a write that would lose one is refused
NEWS_FIELDS = ("title", "teaser", "bodytext", "datetime", "author", "externalurl", "import_source", "import_id",
               "hidden")
WRITES: dict[str, dict[str, tuple[str, ...]]] = {
    "bridge-upsert-news": {NEWS: (*NEWS_FIELDS, "fal_media"),
                           REFERENCE: ("uid_local", "tablenames", "fieldname", "alternative", "showinpreview")},
    "bridge-unpublish": {NEWS: ("hidden",)},
    "bridge-list-comments": {},
    "bridge-moderate-comment": {SOURCES["blog"]: ("status", "hidden"),
                                SOURCES["pw_comments"]: ("hidden", "ai_moderation_status", "ai_moderation_reason")},
    "bridge-reply": {
        SOURCES["blog"]: ("parentid", "parenttable", "post_language_id", "status", "hidden", "name", "email",
                          "comment"),
        SOURCES["pw_comments"]: ("entry_uid", "orig_pid", "parent_comment", "sys_language_uid", "hidden",
                                 "author_name", "author_mail", "message"),
        REPLY_LEDGER: ("reply_key", "parent_id", "source", "comment_uid"),
    },
    "bridge-erase-commenter": {SOURCES["blog"]: ("name", "email", "url"),
                               SOURCES["pw_comments"]: ("author_name", "author_mail", "author_ident", "author")},
}
#: Classes/Domain/Privacy/CommenterErasure.php::FIELDS / EMAIL_COLUMNS: the columns that hold the person
#: (teamneusta/pw_comments@7.1.2:ext_tables.sql, TYPO3GmbH/blog@v13.0:ext_tables.sql) and their anonymous value
ERASE_FIELDS = {"pw_comments": {"author_name": "Anonymous", "author_mail": "", "author_ident": "", "author": 0},
                "blog": {"name": "Anonymous", "email": "", "url": ""}}
ERASE_EMAIL_COLUMNS = {"pw_comments": "author_mail", "blog": "email"}
ERASE_MAX_PER_REQUEST = 200  # CommenterErasure::MAX_PER_REQUEST
MAX_IMAGES = 20  # NewsUpsertRequest::MAX_IMAGES
#: "table:field" → the request key it comes from, for the 403's details (NewsUpsertRequest::REQUEST_KEYS,
#: ReplyBuilder::REQUEST_KEYS); anything else is named "table:field"
REQUEST_KEYS = {
    **{f"{NEWS}:{f}": f for f in NEWS_FIELDS}, f"{NEWS}:fal_media": "image", f"{REFERENCE}:uid_local": "image",
    f"{REFERENCE}:alternative": "image.alt",
    f"{SOURCES['blog']}:name": "author_name", f"{SOURCES['blog']}:email": "author_email",
    f"{SOURCES['blog']}:comment": "message", f"{SOURCES['pw_comments']}:author_name": "author_name",
    f"{SOURCES['pw_comments']}:author_mail": "author_email", f"{SOURCES['pw_comments']}:message": "message",
}
#: TCA 'default' of the excluded fields written on create (news hidden, sys_file_reference showinpreview);
#: FieldAccess::lostFields compares with it, '' otherwise
TCA_DEFAULTS = {(NEWS, "hidden"): 0, (REFERENCE, "showinpreview"): 0}


IMAGE_FOLDER = (1, "/cms_bridge/")  # extension setting imageFolder, default "1:/cms_bridge/"


def file_write_problems(user: dict, folders: set[str], storage: int = IMAGE_FOLDER[0],
                        folder: str = IMAGE_FOLDER[1]) -> list[str]:
    """Classes/Domain/Access/FileWriteAccess.php::problems: inside a reaction FAL evaluates no
    permissions (StoragePermissionsAspect only restricts backend requests, TYPO3-CMS/core@v13.4.9:
    Classes/Resource/Security/StoragePermissionsAspect.php), so the connector applies the user's
    file permissions and mounts itself: readFolder, writeFolder, addFile (+ addFolder while the
    folder is missing) and a writable mount containing the folder; a mount on a missing folder
    counts for nothing (ResourceStorage::addFileMount refuses it)."""
    if user["admin"]:
        return []
    target = f"{storage}:{folder}"
    needed = {"readFolder": "Directory: Read", "writeFolder": "Directory: Write", "addFile": "Files: Add"}
    if folder not in folders:
        needed["addFolder"] = "Directory: Add"
    problems = []
    missing = [f'"{label}" ({permission})' for permission, label in needed.items()
               if permission not in user["file_permissions"]]
    if missing:
        problems.append(f"The service user may not store images in {target}: give its group the file permissions "
                        f'{", ".join(missing)} ("Fileoperation permissions").')
    writable = read_only = False
    for mount in user["file_mounts"]:
        base, _, path = mount["identifier"].partition(":")
        if int(base or 0) != storage:
            continue
        path = "/" + path.strip("/") + ("/" if path.strip("/") else "")
        if path not in folders:
            problems.append(f'File mount "{mount["title"]}" points to {storage}:{path}, which does not exist; TYPO3 '
                            "ignores such a mount. Create the folder first (Filelist), then the mount.")
            continue
        if path == "/" or folder.startswith(path):
            read_only, writable = (True, writable) if mount["read_only"] else (read_only, True)
    if not writable:
        problems.append(f"The service user's file mount on {target} is read-only: clear \"Read-only\" on the file "
                        "mount." if read_only else
                        f"The service user has no file mount containing {target}: create the folder (Filelist), a "
                        "file mount on it (or a parent) and add the mount to the group's \"File Mounts\".")
    return problems


def php_str(value) -> str:
    """PHP's (string) for the scalars compared here: null → "", ints as digits."""
    return "" if value is None else str(value)


class ConnectorError(Exception):
    """Classes/Domain/Payload/InvalidPayload.php: {"success": false, "code", "error", "details"}."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.details = status, code, details or {}

    def body(self) -> dict:
        body = {"success": False, "code": self.code, "error": str(self)}
        if self.details:
            body["details"] = self.details
        return body


def invalid(details: dict) -> ConnectorError:
    """InvalidPayload::invalid."""
    return ConnectorError(400, "invalid_payload", "The request body is not valid: "
                          + "; ".join(f"{k}: {v}" for k, v in details.items()), details)


class PayloadReader:
    """Classes/Domain/Payload/PayloadReader.php: collects one problem per key, in reading order."""

    def __init__(self, payload) -> None:
        self.payload = payload if isinstance(payload, dict) else {}
        self.problems: dict[str, str] = {}

    def has(self, key: str) -> bool:
        return key in self.payload

    def string(self, key: str, allow_empty: bool = True) -> str:
        if key not in self.payload:
            self.problems[key] = "is required"
            return ""
        value = self.payload[key]
        if not isinstance(value, str):
            self.problems[key] = "must be a string"
            return ""
        if not allow_empty and value.strip() == "":
            self.problems[key] = "must not be empty"
        return value

    def int(self, key: str, minimum: int = 0, maximum: int | None = None, default: int | None = None) -> int:
        if key not in self.payload:
            if default is not None:
                return default
            self.problems[key] = "is required"
            return 0
        value = self.payload[key]
        if not isinstance(value, int) or isinstance(value, bool):
            self.problems[key] = "must be an integer"
            return 0
        if value < minimum or (maximum is not None and value > maximum):
            self.problems[key] = f"must be at least {minimum}" if maximum is None else \
                f"must be between {minimum} and {maximum}"
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.string(key, False)
        if value != "" and value not in allowed:
            self.problems[key] = "must be one of " + ", ".join(allowed)
        return value

    def object_or_null(self, key: str) -> dict | None:
        if key not in self.payload:
            self.problems[key] = "is required (use null for none)"
            return None
        value = self.payload[key]
        if value is None:
            return None
        if not isinstance(value, dict) and value != []:
            self.problems[key] = "must be an object or null"
            return None
        return value or {}

    def string_list(self, key: str, max_items: int) -> list[str]:
        value = self.payload.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems[key] = "must be a list of strings"
            return []
        if len(value) > max_items:
            self.problems[key] = f"must hold at most {max_items} entries"
        return value

    def add(self, key: str, problem: str) -> None:
        self.problems[key] = problem

    def assert_valid(self) -> None:
        if not self.payload:
            raise invalid({"body": "must be one non-empty JSON object (an invalid or empty body arrives as [])"})
        if self.problems:
            raise invalid(self.problems)


def too_long(table: str, values: dict, prefix: str = "") -> None:
    """Classes/Domain/Payload/ColumnLimits.php::violations → InvalidPayload::tooLong."""
    problems = {}
    for column, value in values.items():
        if not isinstance(value, str):
            continue
        kind, size = COLUMN_SIZES[table].get(column, ("bytes", 1 << 30))
        length = len(value) if kind == "chars" else len(value.encode("utf-8"))
        if length > size:
            unit = "characters" if kind == "chars" else "bytes"
            problems[prefix + column] = f"{length} {unit}, the column holds at most {size}"
    if problems:
        raise ConnectorError(400, "too_long", "Values exceed their database columns: " + ", ".join(problems), problems)


def comment_id(raw: str):
    """Classes/Domain/Comment/CommentId.php::tryParse."""
    m = COMMENT_ID.match(raw)
    return (m.group(1), int(m.group(2))) if m and m.group(1) in SOURCES else None


def comment_ids(reader: PayloadReader, key: str, max_items: int) -> list[tuple[str, int]]:
    """CommentId::listFrom: the ids of a request's list; a malformed one is the key's problem."""
    ids = []
    for raw in reader.string_list(key, max_items):
        parsed = comment_id(raw)
        if parsed is None:
            reader.add(key, f'holds "{raw}", expected "<source>:<uid>" with source blog or pw_comments')
            continue
        ids.append(parsed)
    return ids


def status_of(source: str, row: dict) -> str:
    """README "Statuses and moderation" / Classes/Domain/Comment/CommentStatusMapper.php::statusOf."""
    if row["deleted"]:
        return "trash"
    if source == "blog":
        return {90: "trash", 50: "spam"}.get(row["status"],
                                             "approved" if row["status"] == 10 and not row["hidden"] else "pending")
    if row["hidden"]:
        return "spam" if row["ai_moderation_status"] == "flagged" else "pending"
    return "approved"


def held_because(source: str, row) -> list[dict]:
    """Classes/Domain/Comment/CommentNormalizer.php::heldBecause (1.4.0): pw_comments' AI moderation
    verdict as the record keeps it, except the reason cms-bridge writes itself; EXT:blog keeps none."""
    if source != "pw_comments":
        return []
    status, reason = row["ai_moderation_status"] or "", (row["ai_moderation_reason"] or "").strip()
    if status == "flagged" and reason != SPAM_REASON:
        return [{"code": "ai_moderation", "detail": reason}]
    if status == "error":
        return [{"code": "ai_moderation_error", "detail": reason}]
    return []


def images_plan(live_references: list[dict], requested: list[tuple[str, str]]) -> dict:
    """Classes/Domain/News/ImageReferencePlan.php::decideList (1.3.0): each requested image (sha1, alt),
    in order, keeps the first live fal_media reference not yet taken whose file has the same content
    (sys_file.sha1); one without gets a new reference; every live reference not kept is deleted.

    DataHandler never deletes an inline child that the parent's field no longer lists
    (TYPO3-CMS/core@13.4:Classes/DataHandling/DataHandler.php::checkValue_file_processDBdata
    writes only the listed ones, RelationHandler::writeForeignField), so each removal is an
    explicit ``$cmd['sys_file_reference'][<uid>]['delete'] = 1``; the order of the fal_media list
    is the display order (writeForeignField writes sorting_foreign = 1, 2, … in list order)."""
    taken: set[int] = set()
    slots = []
    for sha1, alt in requested:
        kept = next((r for r in live_references if int(r["uid"]) not in taken and r.get("file_sha1")
                     and r["file_sha1"] == sha1), None)
        if kept is not None:
            taken.add(int(kept["uid"]))
        slots.append({"reference": int(kept["uid"]) if kept else None, "file": int(kept["file_uid"]) if kept else None,
                      "alternative": (kept.get("alternative") or "") if kept else None, "alt": alt})
    delete = [int(r["uid"]) for r in live_references if int(r["uid"]) not in taken]
    live_kept = [int(r["uid"]) for r in live_references if int(r["uid"]) in taken]
    reordered = [slot["reference"] for slot in slots if slot["reference"] is not None] != live_kept
    new = [position for position, slot in enumerate(slots) if slot["reference"] is None]
    return {"slots": slots, "delete": delete, "new": new, "needs_file": bool(new),
            "changes": bool(new or delete or reordered)}


def image_plan(live_references: list[dict], image_sha1: str | None, alt: str = "") -> dict:
    """ImageReferencePlan::decide: the single "image" of 1.2.0 is the list of one image, or none."""
    return images_plan(live_references, [] if image_sha1 is None else [(image_sha1, alt)])


def upsert_plan(fields: dict, *, existing: dict | None, storage_pid: int, plan: dict, file_uids: dict[int, int],
                news_id: str = "NEW1", reference_ids: dict[int, str] | None = None) -> tuple[dict, dict]:
    """The datamap and cmdmap of one bridge-upsert-news request (Classes/Reaction/UpsertNewsReaction.php
    with ImageReferencePlan::dataMapFor/commandMap): the news fields, then the image part. A new
    reference has no uid_foreign: writeForeignField sets it (and sorting_foreign) from the parent's
    fal_media list, which names the new "NEW…" ids (resolved on DataHandler's remap stack) and the kept
    uids in display order, or "" when all go."""
    reference_ids = reference_ids or {}
    news_key = int(existing["uid"]) if existing else news_id
    pid = int(existing["pid"]) if existing else storage_pid
    record = dict(fields)
    if existing is None:
        record["pid"] = storage_pid
    data: dict = {NEWS: {news_key: record}}
    references: dict = {}
    listed = []
    for position, slot in enumerate(plan["slots"]):
        if slot["reference"] is None:
            references[reference_ids[position]] = {"uid_local": file_uids.get(position, 0), "tablenames": NEWS,
                                                   "fieldname": "fal_media", "pid": pid, "alternative": slot["alt"],
                                                   "showinpreview": 1}
            listed.append(reference_ids[position])
            continue
        if slot["alternative"] != slot["alt"]:
            references[slot["reference"]] = {"alternative": slot["alt"]}
        listed.append(str(slot["reference"]))
    if references:
        data[REFERENCE] = references
    if plan["changes"]:
        record["fal_media"] = ",".join(listed)
    cmd = {REFERENCE: {uid: {"delete": 1} for uid in plan["delete"]}} if plan["delete"] else {}
    return data, cmd


class Connector:
    """Dispatches the six bridge-* reaction types (Classes/Reaction/*.php)."""

    TYPES = {
        "bridge-upsert-news": ("upsert_news", [NEWS, REFERENCE]),
        "bridge-unpublish": ("unpublish", [NEWS]),
        "bridge-list-comments": ("list_comments", []),
        "bridge-moderate-comment": ("moderate", list(SOURCES.values())),
        "bridge-reply": ("reply", [*SOURCES.values(), REPLY_LEDGER]),
        "bridge-erase-commenter": ("erase_commenter", list(SOURCES.values())),
    }

    def __init__(self, db: Database, base_url_getter) -> None:
        self.db = db
        self.base_url = base_url_getter
        self.comment_sources = ["blog", "pw_comments"]  # installed comment extensions
        self.typo3_version = "13.4.9"  # Typo3Version::getVersion(); 12.4.45 for a 12.4 site
        self.connector_version = CONNECTOR_VERSION
        self.news_detail_pid = 4  # extension setting newsDetailPid; 0: URLs are "" (Service/UrlBuilder.php)
        self.legacy_image_handling = False  # True: the 1.1.0 arrays (no delete commands), to show the old bug

    def handles(self, reaction_type: str) -> bool:
        return reaction_type in self.TYPES

    # -- frame: Classes/Reaction/AbstractBridgeReaction.php -----------------------------------------
    def react(self, reaction: dict, payload, user: dict | None) -> tuple[int, dict]:
        method, tables = self.TYPES[reaction["reaction_type"]]
        try:
            if isinstance(payload, dict) and payload.get("probe") is True:  # README "Probe"
                return 200, self.probe(reaction, user, tables)
            problems = self.user_problems(user, tables)
            if problems:
                raise ConnectorError(403, "forbidden", " ".join(problems))
            return getattr(self, method)(reaction, payload if isinstance(payload, dict) else {}, user)
        except DataHandlerFailed as failed:  # Service/DataHandlerGateway.php: 422 record_not_saved
            return 422, ConnectorError(422, "record_not_saved", "Record could not be saved",
                                       {"messages": "\n".join(failed.messages)}).body()
        except ConnectorError as error:
            return error.status, error.body()

    def user_problems(self, user: dict | None, tables: list[str]) -> list[str]:
        if user is None:
            return ['The reaction has no usable backend user: set "Impersonate user" on the reaction and enable '
                    'that user (DataHandler creates be_users disabled).']
        name = user["username"]
        return [f'Backend user "{name}" may not modify table {t}: add it to the group\'s "Tables (modify)".'
                for t in tables if not self.db.may_modify(user, t)]

    def not_writable(self, reaction_type: str, user: dict | None) -> dict[str, list[str]]:
        """"table:field" per table for every field this type writes that DataHandler would drop."""
        if user is None:
            return {}
        return {table: [f"{table}:{f}" for f in fields if not self.db.may_write_field(user, table, f)]
                for table, fields in WRITES[reaction_type].items()}

    def probe(self, reaction: dict, user: dict | None, tables: list[str]) -> dict:
        """AbstractBridgeReaction::probe with FieldAccess::report: one sentence per table."""
        problems = self.user_problems(user, tables)
        not_writable: list[str] = []
        for dropped in self.not_writable(reaction["reaction_type"], user).values():
            if dropped:
                not_writable += dropped
                problems.append(
                    f'Backend user "{user["username"]}" may not write {", ".join(dropped)}; DataHandler would drop '
                    f'{"it" if len(dropped) == 1 else "them"} without an error: add '
                    + ", ".join(f'"{d}"' for d in dropped)
                    + ' to the group\'s "Allowed excludefields" (TYPO3 13.4: "Allowed fields").')
        if reaction["reaction_type"] == "bridge-upsert-news" and user is not None:  # UpsertNewsReaction::extraProblems
            problems += file_write_problems(user, self.db.folders)
        return {"success": True, "probe": True, "type": reaction["reaction_type"],
                "connector_version": self.connector_version, "typo3_version": self.typo3_version,
                "user": {"uid": user["uid"] if user else 0, "username": user["username"] if user else "",
                         "admin": bool(user and user["admin"])},
                "storage_pid": int(reaction["storage_pid"] or 0), "comment_sources": list(self.comment_sources),
                "fields": {"not_writable": not_writable}, "problems": problems}

    def refuse_lost_fields(self, user: dict, rows: list[tuple[str, dict, dict | None]], *,
                           images_key: str = "image") -> None:
        """AbstractBridgeReaction::assertNothingLost + FieldAccess::lostFields: a value the user may not
        write that differs from what the row holds anyway (the current value on an update, the TCA
        default on a create) would be dropped silently, so nothing is written: 403 forbidden."""
        details = {}
        for table, fields, existing in rows:
            for field, value in fields.items():
                if field in ("pid", "uid") or self.db.may_write_field(user, table, field):
                    continue
                current = existing[field] if existing is not None and field in existing else \
                    TCA_DEFAULTS.get((table, field), "")
                if php_str(value) == php_str(current):
                    continue
                grant = f"{table}:{field}"
                key = REQUEST_KEYS.get(grant, grant)
                if images_key != "image" and key.startswith("image"):  # NewsUpsertRequest::REQUEST_KEYS_IMAGES
                    key = images_key + key.removeprefix("image")
                details[key] = (
                    f'the service user may not write {grant} (an excluded field): add "{grant}" to its group\'s '
                    '"Allowed excludefields" (TYPO3 13.4: "Allowed fields")')
        if details:
            raise ConnectorError(403, "forbidden", "Nothing was written: the service user may not write "
                                 + ", ".join(details) + ', and DataHandler would drop them without an error. Grant '
                                 'the excluded fields named in "details" to its group (or run "cms-bridge sites '
                                 'check").', details)

    # -- bridge-upsert-news: Classes/Domain/News/NewsUpsertRequest.php, Reaction/UpsertNewsReaction.php --------
    def upsert_news(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        reader = PayloadReader(p)
        values = {"import_source": reader.string("import_source", False),
                  "import_id": reader.string("import_id", False), "title": reader.string("title", False),
                  "teaser": reader.string("teaser"), "bodytext": reader.string("bodytext")}
        datetime = reader.int("datetime")
        values.update(author=reader.string("author"), externalurl=reader.string("externalurl"))
        if values["externalurl"] and not safe_url(values["externalurl"]):
            reader.add("externalurl", "must be an http(s) URL or empty")
        attribution = reader.object_or_null("attribution") or {}
        for key in ("author_name", "author_url", "network", "source_url"):
            if not isinstance(attribution.get(key, ""), str):
                reader.add(f"attribution.{key}", "must be a string")
        as_list, raw_images = self._read_images(reader)
        reader.assert_valid()
        too_long(NEWS, values)
        images = self._images(raw_images, as_list)
        credit = attribution_html(attribution)
        body = values["bodytext"] + ("\n" + credit if credit else "")
        too_long(NEWS, {"bodytext": body})
        fields = {"title": values["title"], "teaser": values["teaser"], "bodytext": body, "datetime": datetime,
                  "author": values["author"], "externalurl": values["externalurl"],
                  "import_source": values["import_source"], "import_id": values["import_id"], "hidden": 0}
        # Service/RecordReader.php::findNewsByImport: language 0, hidden ones included, deleted ones not
        existing = self.db.one(
            f"SELECT * FROM {NEWS} WHERE import_source = ? AND import_id = ? AND sys_language_uid = 0 AND deleted = 0"
            " ORDER BY uid LIMIT 1", (values["import_source"], values["import_id"]))
        if self.legacy_image_handling:
            return self._legacy_upsert(reaction, user, fields, existing, images[0] if images else None)
        plan, data, cmd, file_uids, new_ids = self._plan_images(reaction, user, fields, existing, images, as_list)
        result = self.db.process(user, data, cmd).raise_for_errors()  # DataHandlerGateway::process
        uid = int(existing["uid"]) if existing else result.ids["NEW1"]
        self._assert_saved(uid, fields)
        answered = [{"file_uid": file_uids[i] if slot["reference"] is None else slot["file"],
                     "sha256": images[i]["sha256"],
                     "reference_uid": result.ids.get(new_ids[i]) if slot["reference"] is None else slot["reference"],
                     "changed": plan["changes"]} for i, slot in enumerate(plan["slots"])]
        body = {"success": True, "action": "updated" if existing else "created", "uid": uid, "url": self.news_url(uid),
                "image": answered[0] if answered else None}
        if as_list:
            body["images"] = answered
        return (200 if existing else 201), body

    def _read_images(self, reader: PayloadReader) -> tuple[bool, list]:
        """NewsUpsertRequest::fromPayload (1.3.0): "images" (a list of objects) or "image" (one or null)."""
        if not reader.has("images"):
            image = reader.object_or_null("image")
            return False, [] if image is None else [image]
        if reader.has("image"):
            reader.add("image", 'must be left out when "images" is given (send one of them)')
        value = reader.payload["images"]
        if not isinstance(value, list):  # PayloadReader::objectList
            reader.add("images", "must be a list of objects (possibly empty)")
            return True, []
        if len(value) > MAX_IMAGES:
            reader.add("images", f"must hold at most {MAX_IMAGES} entries")
            return True, []
        for position, entry in enumerate(value):
            if not isinstance(entry, dict):
                reader.add(f"images.{position}", "must be an object")
        return True, value if all(isinstance(e, dict) for e in value) else []

    def _images(self, raw_images: list, as_list: bool) -> list[dict]:
        """ImagePayload::fromArray per image; for a list, every wrong field named "images.<position>.<field>"."""
        images, problems = [], {}
        for position, raw in enumerate(raw_images):
            try:
                images.append(self._image(raw, f"images.{position}" if as_list else "image"))
            except ConnectorError as error:
                problems.update(error.details)
        if problems:
            raise invalid(problems)
        return images

    def _plan_images(self, reaction: dict, user: dict, fields: dict, existing: dict | None, images: list[dict],
                     as_list: bool) -> tuple[dict, dict, dict, dict, dict]:
        """UpsertNewsReaction::handle steps 1-2: the plan, the rights check before the files or a row are
        written (dataMapForRightsCheck: file uid 0), then the files, then the arrays."""
        live = self.db.query(
            f"SELECT r.uid, r.uid_local AS file_uid, f.sha1 AS file_sha1, r.alternative FROM {REFERENCE} r"
            " LEFT JOIN sys_file f ON f.uid = r.uid_local WHERE r.tablenames = ? AND r.uid_foreign = ?"
            " AND r.fieldname = 'fal_media' AND r.deleted = 0 ORDER BY r.sorting_foreign, r.uid",
            (NEWS, existing["uid"])) if existing else []
        storage_pid = int(reaction["storage_pid"] or 0)
        requested = [(hashlib.sha1(i["contents"], usedforsecurity=False).hexdigest(), i["alt"]) for i in images]
        plan = images_plan(live, requested)
        new_ids = {position: (f"NEWref{position}" if as_list else "NEW2") for position in plan["new"]}
        check, _ = upsert_plan(fields, existing=existing, storage_pid=storage_pid, plan=plan, file_uids={},
                               reference_ids=new_ids)
        current = {slot["reference"]: {"alternative": slot["alternative"]} for slot in plan["slots"]
                   if slot["reference"] is not None}
        self.refuse_lost_fields(user, [(table, row, existing if table == NEWS else current.get(key))
                                       for table, records in check.items() for key, row in records.items()],
                                images_key="images" if as_list else "image")
        file_uids = {position: self._fal_import(images[position], user) for position in plan["new"]}
        data, cmd = upsert_plan(fields, existing=existing, storage_pid=storage_pid, plan=plan, file_uids=file_uids,
                                reference_ids=new_ids)
        return plan, data, cmd, file_uids, new_ids

    def _assert_saved(self, uid: int, fields: dict) -> None:
        """Step 4, read back (NewsUpsertRequest::notSaved): a value sent that is empty now is reported."""
        row = self.db.one(f"SELECT * FROM {NEWS} WHERE uid = ?", (uid,)) or {}
        missing = {REQUEST_KEYS.get(f"{NEWS}:{f}", f): f"was sent but is empty in news record {uid} after saving"
                   for f in NEWS_FIELDS if php_str(fields.get(f)) not in ("", "0")
                   and php_str(row.get(f)) in ("", "0")}
        if missing:
            raise ConnectorError(422, "record_not_saved", f"News record {uid} was saved without "
                                 + ", ".join(missing) + ".", missing)

    def _legacy_upsert(self, reaction: dict, user: dict, fields: dict, existing: dict | None, image: dict | None):
        """Connector 1.1.0's arrays (legacy_upsert_plan), to show what DataHandler does with them."""
        file_uid = self._fal_import(image) if image else None
        data, cmd = legacy_upsert_plan(fields, existing=existing, storage_pid=int(reaction["storage_pid"] or 0),
                                       image=image, file_uid=file_uid)
        result = self.db.process(user, data, cmd).raise_for_errors()
        uid = int(existing["uid"]) if existing else result.ids["NEW1"]
        info = {"file_uid": file_uid, "sha256": image["sha256"], "reference_uid": result.ids.get("NEW2"),
                "changed": True} if image else None
        return (200 if existing else 201), {"success": True, "action": "updated" if existing else "created",
                                            "uid": uid, "url": self.news_url(uid), "image": info}

    def _image(self, image: dict, key: str = "image") -> dict:
        """Classes/Domain/News/ImagePayload.php::fromArray (problems named "<key>.<field>")."""
        problems = {}
        if image.get("content_type") not in IMAGE_TYPES:
            problems[f"{key}.content_type"] = "must be one of " + ", ".join(IMAGE_TYPES)
        sha = image.get("sha256")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            problems[f"{key}.sha256"] = "must be 64 lower-case hex digits"
        alt = image.get("alt", "")
        if not isinstance(alt, str):
            problems[f"{key}.alt"] = "must be a string"
        try:
            contents = base64.b64decode(image.get("content_base64") or "", validate=True)
        except ValueError:
            contents = b""
        if not contents:
            problems[f"{key}.content_base64"] = "must be non-empty standard base64"
        elif len(contents) > 10 * 1024 * 1024:
            problems[f"{key}.content_base64"] = "decodes to more than 10485760 bytes"
        elif isinstance(sha, str) and hashlib.sha256(contents).hexdigest() != sha:
            problems[f"{key}.sha256"] = "does not match the decoded content"
        if problems:
            raise invalid(problems)
        return {"contents": contents, "sha256": sha, "alt": alt,
                "name": f"bridge-{sha[:16]}.{IMAGE_TYPES[image['content_type']]}", "type": image["content_type"]}

    def _fal_import(self, image: dict, user: dict | None = None) -> int:
        """Service/FalImporter.php::import: refused (403, nothing stored) when the user may not store
        images there; the folder is created inside its existing parent; one file per content,
        reused when present."""
        if user is not None:
            problems = file_write_problems(user, self.db.folders)
            if problems:
                raise ConnectorError(403, "forbidden", " ".join(problems),
                                     {"image": "the service user may not store images in the image folder"})
        self.db.folders.add(IMAGE_FOLDER[1])
        identifier = IMAGE_FOLDER[1] + image["name"]
        found = self.db.one("SELECT uid FROM sys_file WHERE storage = 1 AND identifier = ?", (identifier,))
        if found:
            return found["uid"]
        self.db.files[identifier] = image["contents"]
        sha1 = hashlib.sha1(image["contents"], usedforsecurity=False).hexdigest()  # sys_file.sha1
        return self.db.insert_raw("sys_file", {"storage": 1, "identifier": identifier, "name": image["name"],
                                               "sha1": sha1,
                                               "mime_type": image["type"], "size": len(image["contents"])})

    # -- bridge-unpublish: README "bridge-unpublish", Classes/Reaction/UnpublishReaction.php ---------------
    def unpublish(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        """Classes/Domain/Request/UnpublishRequest.php + Reaction/UnpublishReaction.php: every key is read
        (so a missing import pair is reported even when uid is given); delete is the cmd ``delete``,
        which takes the news' file references along (DataHandler::deleteRecord_procBasedOnFieldType)."""
        reader = PayloadReader(p)
        uid = reader.int("uid", 0, None, 0)
        source, import_id = reader.string("import_source"), reader.string("import_id")
        mode = reader.choice("mode", ("hide", "delete"))
        if uid == 0 and (source == "" or import_id == ""):
            reader.add("import_id", "uid or import_source and import_id are required")
        reader.assert_valid()
        if uid > 0:
            row = self.db.one(f"SELECT * FROM {NEWS} WHERE uid = ? AND deleted = 0", (uid,))
        else:
            row = self.db.one(f"SELECT * FROM {NEWS} WHERE import_source = ? AND import_id = ? AND deleted = 0"
                              " ORDER BY uid LIMIT 1", (source, import_id))
        if row is None:
            raise ConnectorError(404, "record_not_found", "No news record with that uid or import_source/import_id")
        if mode == "delete":
            self.db.process(user, cmd={NEWS: {row["uid"]: {"delete": 1}}}).raise_for_errors()
        else:
            data = {NEWS: {row["uid"]: {"hidden": 1}}}  # Domain/News/UnpublishPlan.php::for
            self.refuse_lost_fields(user, [(NEWS, data[NEWS][row["uid"]], row)])
            self.db.process(user, data).raise_for_errors()
        return 200, {"success": True, "uid": row["uid"], "action": "deleted" if mode == "delete" else "hidden"}

    # -- bridge-list-comments: README "bridge-list-comments", Domain/Comment/CommentCursor.php ------------
    def list_comments(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        """Classes/Domain/Request/ListCommentsRequest.php, Domain/Comment/CommentCursor.php."""
        sources = sorted(self.comment_sources)
        reader = PayloadReader(p)
        if reader.has("ids"):
            ids = comment_ids(reader, "ids", 100)
            reader.assert_valid()
            found = []
            for source, uid in ids:
                if source not in sources:
                    continue
                row = self.db.one(f"SELECT * FROM {SOURCES[source]} WHERE uid = ?", (uid,))
                if row:
                    found.append(self.normalize(source, row))
            return 200, {"success": True, "comments": found, "sources": sources}
        limit = reader.int("limit", 1, 200)
        after = None
        if not reader.has("after"):
            reader.add("after", 'is required (null = from the beginning), or give "ids"')
        else:
            after = p["after"]
            if after is not None:
                m = comment_id(str(after.get("id", ""))) if isinstance(after, dict) else None
                if not m or not isinstance(after.get("changed"), int):
                    reader.add("after", 'must be {"changed": <unix time>, "id": "<source>:<uid>"} or null')
                else:
                    position = (after["changed"], m[0], m[1])
        reader.assert_valid()
        comments = []
        for source in sources:
            rows = self.db.query(f"SELECT * FROM {SOURCES[source]} ORDER BY tstamp, uid")
            for row in rows:
                if after is None or (row["tstamp"], source, row["uid"]) > position:
                    comments.append(self.normalize(source, row))
        comments.sort(key=lambda c: (c["changed"], c["source"], c["uid"]))
        comments = comments[:limit]
        nxt = {"changed": comments[-1]["changed"], "id": comments[-1]["id"]} if comments else after
        return 200, {"success": True, "comments": comments, "next": nxt, "sources": sources}

    def normalize(self, source: str, row: dict) -> dict:
        """README "Comment object" / Domain/Comment/CommentNormalizer.php."""
        if source == "blog":
            target = {"type": "page", "uid": row["parentid"]}
            author = (row["name"], row["email"], row["url"])
            message, parent, user_id = row["comment"] or "", None, None
        else:
            target = {"type": "news", "uid": row["entry_uid"]} if row["entry_uid"] else {"type": "page",
                                                                                         "uid": row["orig_pid"]}
            author = (row["author_name"], row["author_mail"], "")
            message = row["message"] or ""
            parent = f"pw_comments:{row['parent_comment']}" if row["parent_comment"] else None
            user_id = f"fe_users:{row['author']}" if row["author"] else None
        if target["type"] == "news":
            found = self.db.one(f"SELECT title FROM {NEWS} WHERE uid = ? AND deleted = 0", (target["uid"],))
            target.update(title=found["title"] if found else "", url=self.news_url(target["uid"]))
        else:
            found = self.db.one("SELECT title, slug FROM pages WHERE uid = ? AND deleted = 0", (target["uid"],))
            target.update(title=found["title"] if found else "",
                          url=self.base_url() + (found["slug"] or f"/page-{target['uid']}") if found else "")
        return {"id": f"{source}:{row['uid']}", "source": source, "uid": row["uid"], "status": status_of(source, row),
                "created": row["crdate"], "changed": row["tstamp"], "author_name": author[0] or "",
                "author_email": author[1] or "", "author_url": author[2] or "", "message": message,
                "parent_id": parent, "target": target, "user_id": user_id,
                "held_because": held_because(source, row)}

    def news_url(self, uid: int) -> str:
        """Service/UrlBuilder.php::newsUrl: "" when the extension setting newsDetailPid is 0; otherwise the
        site's router builds the detail URL (the double's site routes it as /news/<slug>)."""
        if self.news_detail_pid <= 0:
            return ""
        row = self.db.one(f"SELECT path_segment FROM {NEWS} WHERE uid = ?", (uid,))
        return f"{self.base_url()}/news/{row['path_segment']}" if row else ""

    def _comment(self, raw: str) -> tuple[str, dict]:
        source, uid = comment_id(raw)
        if source not in self.comment_sources:  # Service/CommentFinder.php::rowOrFail
            raise ConnectorError(409, "unsupported", f'The comment extension "{source}" is not installed on this site.')
        row = self.db.one(f"SELECT * FROM {SOURCES[source]} WHERE uid = ?", (uid,))
        if row is None:
            raise ConnectorError(404, "record_not_found", f"No comment {raw}")
        return source, row

    # -- bridge-moderate-comment: README table, Domain/Comment/CommentStatusMapper.php::planFor -----------
    def moderate(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        """Classes/Domain/Request/ModerateCommentRequest.php, Domain/Comment/CommentStatusMapper.php::planFor."""
        reader = PayloadReader(p)
        raw_id = reader.string("id", False)
        if comment_id(raw_id) is None and "id" not in reader.problems:
            reader.add("id", 'must be "<source>:<uid>" with source blog or pw_comments')
        reader.choice("action", ACTIONS)
        reader.assert_valid()
        source, row = self._comment(raw_id)
        table, uid, action = SOURCES[source], row["uid"], p["action"]
        if action == "delete":
            self.db.hard_delete(user, table, uid).raise_for_errors()  # DataHandlerGateway::hardDelete
            return 200, {"success": True, "id": p["id"], "status": None, "comment": None}
        if action == "trash":
            self.db.dh_command(user, table, uid, "delete")
        else:
            if row["deleted"]:
                self.db.dh_command(user, table, uid, "undelete")
            if source == "blog":
                fields = {"approve": {"status": 10, "hidden": 0}, "hold": {"status": 0, "hidden": 0},
                          "unspam": {"status": 0, "hidden": 0}, "spam": {"status": 50},
                          "restore": {"status": 0} if row["status"] == 90 else {}}[action]
            else:  # pw_comments 7.x: the double's table has the ai_moderation_* columns
                fields = {"approve": {"hidden": 0, "ai_moderation_status": "approved"},
                          "spam": {"hidden": 1, "ai_moderation_status": "flagged",
                                   "ai_moderation_reason": SPAM_REASON},
                          "hold": {"hidden": 1}, "unspam": {"hidden": 1}, "restore": {}}[action]
                if action in ("hold", "unspam") and row["ai_moderation_status"] == "flagged":
                    fields.update(ai_moderation_status="", ai_moderation_reason="")
            if fields:
                self.refuse_lost_fields(user, [(table, fields, row)])  # ModerateCommentReaction::handle
                self.db.dh_update(user, table, uid, fields)
        comment = self.normalize(source, self.db.one(f"SELECT * FROM {table} WHERE uid = ?", (uid,)))
        return 200, {"success": True, "id": p["id"], "status": comment["status"], "comment": comment}

    # -- bridge-reply: README "bridge-reply", Domain/Comment/ReplyBuilder.php, Reaction/ReplyReaction.php -----
    def reply(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        """Classes/Domain/Request/ReplyRequest.php: parent_id, message, author_name and author_email are
        all required (author_email may be empty); key is optional (Domain/Comment/ReplyLedger.php)."""
        reader = PayloadReader(p)
        if comment_id(reader.string("parent_id", False)) is None and "parent_id" not in reader.problems:
            reader.add("parent_id", 'must be "<source>:<uid>" with source blog or pw_comments')
        reader.string("message", False)
        reader.string("author_name", False)
        email = reader.string("author_email")
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            reader.add("author_email", "must be an e-mail address or empty")
        key = p.get("key")
        if key is not None and not isinstance(key, str):  # ReplyLedger::keyProblem
            reader.add("key", "must be a string or null")
        elif key is not None and not REPLY_KEY.fullmatch(key):
            reader.add("key", 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", ":" and "-"')
        reader.assert_valid()
        source, parent = self._comment(p.get("parent_id"))
        if key is None:
            return 201, self._post_reply(source, parent, p, user, None)
        parent_id = f"{source}:{parent['uid']}"
        # README "bridge-reply", idempotency: one LockFactory lock per key + parent (ReplyLedger::lockId)
        with self.db.lock:
            entry = self.db.one(f"SELECT * FROM {REPLY_LEDGER} WHERE reply_key = ? AND parent_id = ? AND deleted = 0"
                                " ORDER BY uid LIMIT 1", (key, parent_id))
            if entry is None or not entry["comment_uid"]:  # ReplyLedger::outcome: CREATE
                return 201, self._post_reply(source, parent, p, user, key)
            existing = self.db.one(f"SELECT * FROM {SOURCES[entry['source']]} WHERE uid = ?", (entry["comment_uid"],))
            reply_id = f"{entry['source']}:{entry['comment_uid']}"
            if existing is None:  # GONE: deleted for good on the site; never posted twice
                raise ConnectorError(404, "record_not_found", f'The reply with key "{key}" was posted as {reply_id} '
                                     "and has since been deleted on the site; it is not posted again.")
            return 200, {"success": True, "created": False, "comment": self._reply_comment(entry["source"], existing,
                                                                                           user)}

    def _post_reply(self, source: str, parent: dict, p: dict, user: dict, key: str | None) -> dict:
        table = SOURCES[source]
        if source == "blog":
            fields = {"pid": parent["pid"], "parentid": parent["parentid"], "parenttable": "pages",
                      "post_language_id": parent["post_language_id"], "status": 10, "hidden": 0,
                      "name": p["author_name"], "email": p.get("author_email", ""), "comment": p["message"]}
            too_long(table, {"name": fields["name"], "email": fields["email"], "comment": fields["comment"]})
        else:
            fields = {"pid": parent["pid"], "entry_uid": parent["entry_uid"], "orig_pid": parent["orig_pid"],
                      "parent_comment": parent["uid"], "sys_language_uid": parent["sys_language_uid"], "hidden": 0,
                      "author_name": p["author_name"], "author_mail": p.get("author_email", ""),
                      "message": p["message"]}
            too_long(table, {"author_name": fields["author_name"], "author_mail": fields["author_mail"],
                             "message": fields["message"]})
        ledger = None if key is None else {"pid": fields["pid"], "reply_key": key,
                                           "parent_id": f"{source}:{parent['uid']}", "source": source,
                                           "comment_uid": 1}
        # ReplyReaction::post: nothing is posted when DataHandler would drop a value of the reply or its ledger row
        self.refuse_lost_fields(user, [(table, fields, None)] + ([(REPLY_LEDGER, ledger, None)] if ledger else []))
        uid = self.db.dh_insert(user, table, fields)
        if ledger is not None:  # the ledger row, a second DataHandler call on the reply's page
            self.db.dh_insert(user, REPLY_LEDGER, {**ledger, "comment_uid": uid})
        row = self.db.one(f"SELECT * FROM {table} WHERE uid = ?", (uid,))
        return {"success": True, "created": True, "comment": self._reply_comment(source, row, user)}

    # -- bridge-erase-commenter: Classes/Reaction/EraseCommenterReaction.php, Domain/Privacy/CommenterErasure.php --
    def erase_commenter(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        """Every comment written with ``email`` (case-insensitive, at most 200 per source and request:
        ``more`` says the rest) and the comments in ``ids`` get their person columns anonymised in one
        DataHandler call; the text stays (as WordPress's eraser keeps it)."""
        reader = PayloadReader(p)
        email = reader.string("email").strip()
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            reader.add("email", "must be an e-mail address or empty")
        ids = comment_ids(reader, "ids", 100)
        if not email and not ids and "ids" not in reader.problems:
            reader.add("email", 'give an e-mail address, or the comments in "ids"')
        reader.assert_valid()
        rows: dict[str, tuple[str, dict]] = {}
        more = False
        for source in sorted(self.comment_sources):
            table = SOURCES[source]
            if email:  # RecordReader::commentsByEmail: LOWER(column) = lower-cased address, deleted ones too
                found = self.db.query(f"SELECT * FROM {table} WHERE lower({ERASE_EMAIL_COLUMNS[source]}) = ? "
                                      "ORDER BY uid LIMIT ?", (email.lower(), ERASE_MAX_PER_REQUEST + 1))
                more = more or len(found) > ERASE_MAX_PER_REQUEST
                rows.update({f"{source}:{r['uid']}": (source, r) for r in found[:ERASE_MAX_PER_REQUEST]})
            for wanted_source, uid in ids:
                row = self.db.one(f"SELECT * FROM {table} WHERE uid = ?", (uid,)) if wanted_source == source else None
                if row:
                    rows[f"{source}:{uid}"] = (source, row)
        data: dict = {}
        checks = []
        for source, row in rows.values():  # CommenterErasure::fieldsFor: only what still names the person
            fields = {c: v for c, v in ERASE_FIELDS[source].items() if php_str(row.get(c)) != php_str(v)}
            if fields:
                data.setdefault(SOURCES[source], {})[row["uid"]] = fields
                checks.append((SOURCES[source], fields, row))
        self.refuse_lost_fields(user, checks)
        if data:
            self.db.process(user, data).raise_for_errors()
        missing = [f"{s}:{u}" for s, u in ids if f"{s}:{u}" not in rows]
        return 200, {"success": True, "anonymised": list(rows), "missing": missing, "more": more}

    def _reply_comment(self, source: str, row: dict, user: dict) -> dict:
        comment = self.normalize(source, row)
        comment["user_id"] = f"be_users:{user['uid']}"
        return comment


def safe_url(url) -> str:
    """AttributionRenderer::safeUrl: only http(s) links are kept."""
    return url.strip() if re.fullmatch(r"https?://[^\s<>\"]+", (url or "").strip(), re.I) else ""


def legacy_upsert_plan(fields: dict, *, existing: dict | None, storage_pid: int, image: dict | None,
                       file_uid: int | None) -> tuple[dict, dict]:
    """The arrays connector 1.1.0 sent (its UpsertNewsReaction::handle): a NEW reference listed in
    ``fal_media`` and no delete command, in the belief that listing replaces. Kept only so a test can
    show what DataHandler does with them (references add up: 2, then 3 live ones)."""
    news_key = int(existing["uid"]) if existing else "NEW1"
    record = dict(fields)
    if existing is None:
        record["pid"] = storage_pid
    data: dict = {NEWS: {news_key: record}}
    if image is None:
        return data, {}
    data[REFERENCE] = {"NEW2": {"uid_local": file_uid, "uid_foreign": news_key, "tablenames": NEWS,
                                "fieldname": "fal_media", "alternative": image["alt"], "showinpreview": 1,
                                "pid": int(existing["pid"]) if existing else storage_pid}}
    record["fal_media"] = "NEW2"
    return data, {}


def attribution_html(attribution: dict) -> str:
    """Classes/Domain/News/AttributionRenderer.php::render."""
    safe = safe_url
    author = (attribution.get("author_name") or "").strip()
    author_url, source_url = safe(attribution.get("author_url")), safe(attribution.get("source_url"))
    network = (attribution.get("network") or "").strip()
    if not author and not source_url:
        return ""
    parts = []
    if author:
        name = html.escape(author)
        parts.append(f'<a href="{html.escape(author_url)}" rel="noopener">{name}</a>' if author_url else name)
    label = f"on {html.escape(network)}" if network else ""
    if source_url:
        label = f'<a href="{html.escape(source_url)}" rel="noopener">{label or "original post"}</a>'
    if label:
        parts.append(label)
    return '<p class="cms-bridge-attribution">Source: ' + " ".join(parts) + "</p>"
