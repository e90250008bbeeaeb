"""The cms-bridge connector's reaction types, as connectors/typo3/README.md specifies them.

Each behaviour cites the README section (the contract) and the PHP class it mirrors.
"""
from __future__ import annotations

import base64
import hashlib
import html
import re

from .database import Database, DataHandlerFailed
from .schema import COLUMN_SIZES

NEWS = "tx_news_domain_model_news"
SOURCES = {"blog": "tx_blog_domain_model_comment", "pw_comments": "tx_pwcomments_domain_model_comment"}
ACTIONS = ("approve", "hold", "spam", "unspam", "trash", "restore", "delete")
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
COMMENT_ID = re.compile(r"^([a-z_]+):([1-9][0-9]{0,9})$")
REPLY_LEDGER = "tx_cmsbridgeconnector_reply"  # Classes/Domain/Comment/ReplyLedger.php::TABLE
REPLY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # ReplyLedger::KEY_PATTERN (matched in full)


class ConnectorError(Exception):
    """README "Errors": {"success": false, "code", "error", "details"}."""

    def __init__(self, status: int, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.details = status, code, details or {}

    def body(self) -> dict:
        body = {"success": False, "code": self.code, "error": str(self)}
        if self.details:
            body["details"] = self.details
        return body


def invalid(details: dict) -> ConnectorError:
    return ConnectorError(400, "invalid_payload", "The request body is not valid: "
                          + "; ".join(f"{k}: {v}" for k, v in details.items()), details)


def too_long(table: str, values: dict) -> None:
    """README limits / Classes/Domain/Payload/ColumnLimits.php: refuse instead of truncating."""
    problems = {}
    for column, value in values.items():
        kind, size = COLUMN_SIZES[table].get(column, ("bytes", 1 << 30))
        length = len(value) if kind == "chars" else len(value.encode("utf-8"))
        if isinstance(value, str) and length > size:
            unit = "characters" if kind == "chars" else "bytes"
            problems[column] = f"{length} {unit}, the column holds at most {size}"
    if problems:
        raise ConnectorError(400, "too_long", "Values exceed their database columns: " + ", ".join(problems), problems)


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


class Connector:
    """Dispatches the five bridge-* reaction types (Classes/Reaction/*.php)."""

    TYPES = {
        "bridge-upsert-news": ("upsert_news", [NEWS, "sys_file_reference"]),
        "bridge-unpublish": ("unpublish", [NEWS]),
        "bridge-list-comments": ("list_comments", []),
        "bridge-moderate-comment": ("moderate", list(SOURCES.values())),
        "bridge-reply": ("reply", [*SOURCES.values(), REPLY_LEDGER]),
    }

    def __init__(self, db: Database, base_url_getter) -> None:
        self.db = db
        self.base_url = base_url_getter
        self.comment_sources = ["blog", "pw_comments"]  # installed comment extensions
        self.typo3_version = "13.4.9"
        self.connector_version = "1.1.0"  # ext_emconf.php / AbstractBridgeReaction::CONNECTOR_VERSION

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
            if not isinstance(payload, dict) or not payload:
                # PayloadReader::assertValid: an invalid/empty body arrives as [] (ReactionHandler::getPayload)
                raise invalid({"body": "must be one non-empty JSON object (an invalid or empty body arrives as [])"})
            return getattr(self, method)(reaction, payload, user)
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
        problems = [f'Backend user "{name}" may not modify table {t}: add it to the group\'s "Tables (modify)".'
                    for t in tables if not user["admin"] and t not in user["tables_modify"].split(",")]
        return problems

    def probe(self, reaction: dict, user: dict | None, tables: list[str]) -> dict:
        return {"success": True, "probe": True, "type": reaction["reaction_type"],
                "connector_version": self.connector_version, "typo3_version": self.typo3_version,
                "user": {"uid": user["uid"] if user else 0, "username": user["username"] if user else "",
                         "admin": bool(user and user["admin"])},
                "storage_pid": int(reaction["storage_pid"] or 0), "comment_sources": list(self.comment_sources),
                "problems": self.user_problems(user, tables)}

    # -- bridge-upsert-news: README "bridge-upsert-news", Classes/Domain/News/NewsUpsertRequest.php --------
    def upsert_news(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        problems = {}
        for key in ("import_source", "import_id", "title", "teaser", "bodytext", "author", "externalurl"):
            if not isinstance(p.get(key), str):
                problems[key] = "is required" if key not in p else "must be a string"
            elif key in ("import_source", "import_id", "title") and not p[key].strip():
                problems[key] = "must not be empty"
        if not isinstance(p.get("datetime"), int) or isinstance(p.get("datetime"), bool):
            problems["datetime"] = "must be an integer"
        for key in ("attribution", "image"):
            if key not in p:
                problems[key] = "is required (use null for none)"
            elif p[key] is not None and not isinstance(p[key], dict):
                problems[key] = "must be an object or null"
        if problems:
            raise invalid(problems)
        too_long(NEWS, {k: p[k] for k in ("import_source", "import_id", "title", "teaser", "bodytext", "author",
                                          "externalurl")})
        image = self._image(p["image"]) if p["image"] else None
        body = p["bodytext"]
        credit = attribution_html(p["attribution"] or {})
        if credit:
            body += "\n" + credit
        fields = {"title": p["title"], "teaser": p["teaser"], "bodytext": body, "datetime": p["datetime"],
                  "author": p["author"], "externalurl": p["externalurl"], "import_source": p["import_source"],
                  "import_id": p["import_id"], "hidden": 0}
        existing = self.db.one(
            f"SELECT * FROM {NEWS} WHERE import_source = ? AND import_id = ? AND sys_language_uid = 0 AND deleted = 0"
            " ORDER BY uid LIMIT 1", (p["import_source"], p["import_id"]))
        if existing:
            uid, pid = existing["uid"], existing["pid"]
            self.db.dh_update(user, NEWS, uid, fields)
        else:
            pid = int(reaction["storage_pid"] or 0)
            uid = self.db.dh_insert(user, NEWS, {**fields, "pid": pid})
        image_info = None
        if image:
            file_uid = self._fal_import(image)
            # Classes/Reaction/UpsertNewsReaction.php: fal_media lists the new reference, replacing earlier ones
            for old in self.db.query("SELECT uid FROM sys_file_reference WHERE tablenames = ? AND uid_foreign = ?"
                                     " AND fieldname = 'fal_media' AND deleted = 0", (NEWS, uid)):
                self.db.dh_command(user, "sys_file_reference", old["uid"], "delete")
            self.db.dh_insert(user, "sys_file_reference", {
                "uid_local": file_uid, "uid_foreign": uid, "tablenames": NEWS, "fieldname": "fal_media",
                "alternative": image["alt"], "showinpreview": 1, "pid": pid})
            self.db.dh_update(user, NEWS, uid, {"fal_media": 1})
            image_info = {"file_uid": file_uid, "sha256": image["sha256"]}
        action = "updated" if existing else "created"
        return (200 if existing else 201), {"success": True, "action": action, "uid": uid,
                                            "url": self.news_url(uid), "image": image_info}

    def _image(self, image: dict) -> dict:
        """Classes/Domain/News/ImagePayload.php::fromArray."""
        problems = {}
        if image.get("content_type") not in IMAGE_TYPES:
            problems["image.content_type"] = "must be one of " + ", ".join(IMAGE_TYPES)
        sha = image.get("sha256")
        if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
            problems["image.sha256"] = "must be 64 lower-case hex digits"
        try:
            contents = base64.b64decode(image.get("content_base64") or "", validate=True)
        except ValueError:
            contents = b""
        if not contents:
            problems["image.content_base64"] = "must be non-empty standard base64"
        elif len(contents) > 10 * 1024 * 1024:
            problems["image.content_base64"] = "decodes to more than 10485760 bytes"
        elif isinstance(sha, str) and hashlib.sha256(contents).hexdigest() != sha:
            problems["image.sha256"] = "does not match the decoded content"
        if problems:
            raise invalid(problems)
        return {"contents": contents, "sha256": sha, "alt": str(image.get("alt") or ""),
                "name": f"bridge-{sha[:16]}.{IMAGE_TYPES[image['content_type']]}", "type": image["content_type"]}

    def _fal_import(self, image: dict) -> int:
        """Service/FalImporter.php: one file per content in 1:/cms_bridge/, reused when present."""
        identifier = "/cms_bridge/" + image["name"]
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
        uid = p.get("uid", 0)
        if p.get("mode") not in ("hide", "delete"):
            raise invalid({"mode": "must be one of hide, delete"})
        if not isinstance(uid, int) or uid < 0:
            raise invalid({"uid": "must be an integer"})
        if uid > 0:
            row = self.db.one(f"SELECT * FROM {NEWS} WHERE uid = ? AND deleted = 0", (uid,))
        elif p.get("import_source") and p.get("import_id"):
            row = self.db.one(f"SELECT * FROM {NEWS} WHERE import_source = ? AND import_id = ? AND deleted = 0"
                              " ORDER BY uid LIMIT 1", (p["import_source"], p["import_id"]))
        else:
            raise invalid({"import_id": "uid or import_source and import_id are required"})
        if row is None:
            raise ConnectorError(404, "record_not_found", "No news record with that uid or import_source/import_id")
        if p["mode"] == "delete":
            self.db.dh_command(user, NEWS, row["uid"], "delete")
        else:
            self.db.dh_update(user, NEWS, row["uid"], {"hidden": 1})
        return 200, {"success": True, "uid": row["uid"], "action": "deleted" if p["mode"] == "delete" else "hidden"}

    # -- bridge-list-comments: README "bridge-list-comments", Domain/Comment/CommentCursor.php ------------
    def list_comments(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        sources = sorted(self.comment_sources)
        if "ids" in p:
            ids = p["ids"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or len(ids) > 100:
                raise invalid({"ids": "must be a list of at most 100 strings"})
            found = []
            for raw in ids:
                m = COMMENT_ID.match(raw)
                if not m or m.group(1) not in SOURCES:
                    raise invalid({"ids": f'holds "{raw}", expected "<source>:<uid>" with source blog or pw_comments'})
                if m.group(1) not in sources:
                    continue
                row = self.db.one(f"SELECT * FROM {SOURCES[m.group(1)]} WHERE uid = ?", (int(m.group(2)),))
                if row:
                    found.append(self.normalize(m.group(1), row))
            return 200, {"success": True, "comments": found, "sources": sources}
        limit = p.get("limit")
        if not isinstance(limit, int) or not 1 <= limit <= 200:
            raise invalid({"limit": "must be between 1 and 200"})
        if "after" not in p:
            raise invalid({"after": 'is required (null = from the beginning), or give "ids"'})
        after = p["after"]
        if after is not None:
            m = COMMENT_ID.match(str(after.get("id", ""))) if isinstance(after, dict) else None
            if not m or m.group(1) not in SOURCES or not isinstance(after.get("changed"), int):
                raise invalid({"after": 'must be {"changed": <unix time>, "id": "<source>:<uid>"} or null'})
            position = (after["changed"], m.group(1), int(m.group(2)))
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
                "parent_id": parent, "target": target, "user_id": user_id}

    def news_url(self, uid: int) -> str:
        """Service/UrlBuilder.php::newsUrl with newsDetailPid configured (the double's site routes /news/<slug>)."""
        row = self.db.one(f"SELECT path_segment FROM {NEWS} WHERE uid = ?", (uid,))
        return f"{self.base_url()}/news/{row['path_segment']}" if row else ""

    def _comment(self, raw) -> tuple[str, dict]:
        m = COMMENT_ID.match(raw) if isinstance(raw, str) else None
        if not m or m.group(1) not in SOURCES:
            raise invalid({"id": 'must be "<source>:<uid>" with source blog or pw_comments'})
        source = m.group(1)
        if source not in self.comment_sources:  # Service/CommentFinder.php::rowOrFail
            raise ConnectorError(409, "unsupported", f'The comment extension "{source}" is not installed on this site.')
        row = self.db.one(f"SELECT * FROM {SOURCES[source]} WHERE uid = ?", (int(m.group(2)),))
        if row is None:
            raise ConnectorError(404, "record_not_found", f"No comment {raw}")
        return source, row

    # -- bridge-moderate-comment: README table, Domain/Comment/CommentStatusMapper.php::planFor -----------
    def moderate(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        if p.get("action") not in ACTIONS:
            raise invalid({"action": "must be one of " + ", ".join(ACTIONS)})
        source, row = self._comment(p.get("id"))
        table, uid, action = SOURCES[source], row["uid"], p["action"]
        if action == "delete":
            self.db.dh_command(user, table, uid, "hardDelete")
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
                                   "ai_moderation_reason": "Marked as spam in cms-bridge"},
                          "hold": {"hidden": 1}, "unspam": {"hidden": 1}, "restore": {}}[action]
                if action in ("hold", "unspam") and row["ai_moderation_status"] == "flagged":
                    fields.update(ai_moderation_status="", ai_moderation_reason="")
            if fields:
                self.db.dh_update(user, table, uid, fields)
        comment = self.normalize(source, self.db.one(f"SELECT * FROM {table} WHERE uid = ?", (uid,)))
        return 200, {"success": True, "id": p["id"], "status": comment["status"], "comment": comment}

    # -- bridge-reply: README "bridge-reply", Domain/Comment/ReplyBuilder.php, Reaction/ReplyReaction.php -----
    def reply(self, reaction: dict, p: dict, user: dict) -> tuple[int, dict]:
        problems = {k: "must not be empty" for k in ("message", "author_name")
                    if not isinstance(p.get(k), str) or not p[k].strip()}
        if not isinstance(p.get("author_email", ""), str):
            problems["author_email"] = "must be a string"
        key = p.get("key")
        if key is not None and not isinstance(key, str):  # Domain/Comment/ReplyLedger.php::keyProblem
            problems["key"] = "must be a string or null"
        elif key is not None and not REPLY_KEY.fullmatch(key):
            problems["key"] = 'must be 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", ":" and "-"'
        if problems:
            raise invalid(problems)
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
        uid = self.db.dh_insert(user, table, fields)
        if key is not None:  # ReplyReaction::post: the ledger row, a second DataHandler call on the reply's page
            self.db.dh_insert(user, REPLY_LEDGER, {"pid": fields["pid"], "reply_key": key,
                                                   "parent_id": f"{source}:{parent['uid']}", "source": source,
                                                   "comment_uid": uid})
        row = self.db.one(f"SELECT * FROM {table} WHERE uid = ?", (uid,))
        return {"success": True, "created": True, "comment": self._reply_comment(source, row, user)}

    def _reply_comment(self, source: str, row: dict, user: dict) -> dict:
        comment = self.normalize(source, row)
        comment["user_id"] = f"be_users:{user['uid']}"
        return comment


def attribution_html(attribution: dict) -> str:
    """Classes/Domain/News/AttributionRenderer.php::render."""
    def safe(url):
        return url.strip() if re.fullmatch(r"https?://[^\s<>\"]+", (url or "").strip(), re.I) else ""
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
