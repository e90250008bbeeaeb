"""pytest fixture ``typo3``: a fresh TYPO3 double per test (loaded via ``pytest_plugins``)."""
from __future__ import annotations

import json

import pytest

from .connector import REPLY_LEDGER, SOURCES, Connector
from .core import ReactionsApp
from .database import Database
from .server import BackgroundServer

__all__ = ["README_1_1_FIELDS", "SERVICE_FIELDS", "SERVICE_FILE_PERMISSIONS", "SERVICE_TABLES", "Typo3Double",
           "typo3"]

#: the service user's group as connectors/typo3/README.md (1.2.0) tells an admin to set it up:
#: Tables (modify) and the excluded fields cms-bridge writes (none of the comment tables: pw_comments
#: and EXT:blog mark no comment field as excluded)
SERVICE_TABLES = ["tx_news_domain_model_news", "tt_content", "sys_file_reference", *SOURCES.values(), REPLY_LEDGER]
SERVICE_FIELDS = ["tx_news_domain_model_news:hidden", "tx_news_domain_model_news:fal_media",
                  "tx_news_domain_model_news:teaser", "tx_news_domain_model_news:author",
                  "sys_file_reference:alternative", "sys_file_reference:showinpreview"]
#: the group's Fileoperation permissions the connector needs to store images (FileWriteAccess)
SERVICE_FILE_PERMISSIONS = ["readFolder", "writeFolder", "addFolder", "addFile"]
#: what the 1.1.0 README listed ("the excluded fields hidden of these tables and fal_media of news"):
#: the real 12.4 site had exactly this, and lost teaser and author (observed on TYPO3 12.4: DataHandler drops fields
#: the group may not edit without an error, and the answer was still 201)
README_1_1_FIELDS = ["tx_news_domain_model_news:hidden", "tx_news_domain_model_news:fal_media",
                     "tx_pwcomments_domain_model_comment:hidden", "tx_blog_domain_model_comment:hidden"]


class Typo3Double:
    """Facade the tests use: create reactions and users, insert visitors' comments, read rows,
    and switch the failure modes observed on real TYPO3 12.4/13.4 sites: a disabled service user
    (400 "Record could not be created"), utf8mb3 tables refusing emoji, fields the group may not
    edit, missing file permissions, about 0.7 s a request for the secret check."""

    def __init__(self, db_path: str = ":memory:") -> None:
        self.db = Database(db_path)
        self.connector = Connector(self.db, lambda: self.base_url)
        self.app = ReactionsApp(self.db, self.connector)
        self.server = BackgroundServer(self.app)
        self.base_url = self.server.base_url
        # README step 4: the image folder exists (FalImporter creates it only inside an existing parent),
        # a file mount on it, and the group's file permissions
        self.db.folders.add("/cms_bridge/")
        self.image_mount = self.db.insert_raw("sys_filemounts", {"title": "cms-bridge images",
                                                                 "identifier": "1:/cms_bridge/"})
        self.service_group = self.add_group("cms-bridge", tables=SERVICE_TABLES, fields=SERVICE_FIELDS,
                                            file_permissions=SERVICE_FILE_PERMISSIONS, mounts=[self.image_mount])
        self.service_user = self.add_user("cms-bridge", groups=[self.service_group])

    # -- setup ------------------------------------------------------------------------------------
    def add_group(self, title: str, *, tables: list[str] = (), fields: list[str] = (),
                  file_permissions: list[str] = (), mounts: list[int] = ()) -> int:
        """A be_groups row: Tables (listing/modify), Allowed excludefields ("table:field"),
        Fileoperation permissions and File Mounts (sys_filemounts uids)."""
        return self.db.insert_raw("be_groups", {"title": title, "tables_modify": ",".join(tables),
                                                "tables_select": ",".join(tables),
                                                "non_exclude_fields": ",".join(fields),
                                                "file_permissions": ",".join(file_permissions),
                                                "file_mountpoints": ",".join(str(m) for m in mounts)})

    def add_user(self, username: str, *, groups: list[int] = (), tables: list[str] | None = None,
                 admin: bool = False, disabled: bool = False) -> int:
        """A be_users row; ``tables`` makes a group of its own holding those tables (no excluded fields)."""
        if tables is not None:
            groups = [*groups, self.add_group(f"{username} tables", tables=tables)]
        return self.db.insert_raw("be_users", {"username": username, "admin": int(admin), "disable": int(disabled),
                                               "usergroup": ",".join(str(g) for g in groups)})

    def add_reaction(self, reaction_type: str, *, table: str = "", fields: dict | None = None, storage_pid: int = 5,
                     user: int | None = None, **options) -> tuple[str, str]:
        """A sys_reaction record; returns (full reaction URL, plain secret). ``user`` defaults to the
        enabled, non-admin service user; pass 0 for none."""
        identifier, secret = self.app.add_reaction(
            reaction_type, table_name=table, fields=fields or {}, storage_pid=storage_pid,
            impersonate_user=self.service_user if user is None else user, **options)
        return f"{self.base_url}/typo3/reaction/{identifier}", secret

    def add_page(self, title: str, slug: str = "") -> int:
        return self.db.insert_raw("pages", {"title": title, "slug": slug or "/" + title.lower().replace(" ", "-")})

    def add_news(self, title: str, **fields) -> int:
        return self.db.insert_raw("tx_news_domain_model_news", {"title": title, "path_segment": fields.pop(
            "path_segment", title.lower().replace(" ", "-")), **fields})

    def add_pw_comment(self, message: str, *, tstamp: int | None = None, **fields) -> int:
        """A visitor's pw_comments comment, written as Extbase would (no DataHandler)."""
        now = self.db.now() if tstamp is None else tstamp
        row = {"pid": 9, "hidden": 1, "author_name": "Visitor", "author_mail": "visitor@example.org",
               "message": message, "crdate": now, "tstamp": now, **fields}
        return self.db.insert_raw("tx_pwcomments_domain_model_comment", row)

    def add_blog_comment(self, comment: str, *, post: int, tstamp: int | None = None, **fields) -> int:
        """A visitor's EXT:blog comment (CommentService::addComment: pid = parentid = post uid)."""
        now = self.db.now() if tstamp is None else tstamp
        row = {"pid": post, "parentid": post, "parenttable": "pages", "status": 0, "name": "Reader",
               "email": "reader@example.org", "comment": comment, "crdate": now, "tstamp": now, **fields}
        return self.db.insert_raw("tx_blog_domain_model_comment", row)

    # -- failure modes ----------------------------------------------------------------------------
    def set_user_disabled(self, disabled: bool = True, user: int | None = None) -> None:
        self.db.update_raw("be_users", user or self.service_user, {"disable": int(disabled)})

    def set_user_tables(self, tables: list[str]) -> None:
        """The service group's Tables (modify)."""
        self.db.update_raw("be_groups", self.service_group, {"tables_modify": ",".join(tables)})

    def set_excluded_fields(self, fields: list[str]) -> None:
        """The service group's Allowed excludefields, exactly (e.g. README_1_1_FIELDS for the 12.4 site)."""
        self.db.update_raw("be_groups", self.service_group, {"non_exclude_fields": ",".join(fields)})

    def grant_fields(self, *fields: str) -> None:
        current = self.db.one("SELECT non_exclude_fields FROM be_groups WHERE uid = ?", (self.service_group,))
        names = [f for f in current["non_exclude_fields"].split(",") if f]
        self.set_excluded_fields(names + [f for f in fields if f not in names])

    def revoke_fields(self, *fields: str) -> None:
        current = self.db.one("SELECT non_exclude_fields FROM be_groups WHERE uid = ?", (self.service_group,))
        self.set_excluded_fields([f for f in current["non_exclude_fields"].split(",") if f and f not in fields])

    def set_file_permissions(self, permissions: list[str], mounts: list[int] | None = None) -> None:
        """The service group's Fileoperation permissions (and File Mounts, sys_filemounts uids)."""
        fields = {"file_permissions": ",".join(permissions)}
        if mounts is not None:
            fields["file_mountpoints"] = ",".join(str(m) for m in mounts)
        self.db.update_raw("be_groups", self.service_group, fields)

    def add_file_mount(self, identifier: str, *, read_only: bool = False) -> int:
        """A sys_filemounts row, e.g. "1:/cms_bridge/"."""
        return self.db.insert_raw("sys_filemounts", {"title": identifier, "identifier": identifier,
                                                     "read_only": int(read_only)})

    def set_typo3_version(self, version: str) -> None:
        """What the connector's probe reports (Typo3Version::getVersion), e.g. 12.4.45 or 13.4.9."""
        self.connector.typo3_version = version

    def set_news_detail_pid(self, pid: int) -> None:
        """The connector's extension setting newsDetailPid; 0 (the real sites' value): news URLs are ""."""
        self.connector.news_detail_pid = pid

    def set_utf8mb3(self, enabled: bool = True) -> None:
        self.db.utf8mb3 = enabled

    def set_latency(self, seconds: float) -> None:
        self.app.latency = seconds

    def set_time(self, unix_time: int | None) -> None:
        self.db.frozen_time = unix_time

    def set_rate_limited(self, retry_after: str | None = "30", *, times: int | None = None) -> None:
        """A reverse proxy or WAF in front of the site answers 429 (TYPO3 itself never does), with
        ``retry_after`` as its Retry-After header (seconds or an HTTP date; None: no header), for the
        next ``times`` requests or until :meth:`clear_rate_limit`."""
        self.app.rate_limit = {"retry_after": retry_after, "times": times}

    def clear_rate_limit(self) -> None:
        self.app.rate_limit = None

    def set_connector_installed(self, installed: bool) -> None:
        self.app.connector_installed = installed

    def set_comment_sources(self, sources: list[str]) -> None:
        self.connector.comment_sources = list(sources)

    # -- inspection ---------------------------------------------------------------------------------
    def live_references(self, news_uid: int) -> list[dict]:
        """The news record's sys_file_reference rows of fal_media that are not deleted."""
        return self.rows("sys_file_reference", "tablenames = 'tx_news_domain_model_news' AND fieldname = 'fal_media'"
                         " AND uid_foreign = ? AND deleted = 0", (news_uid,))

    def rows(self, table: str, where: str = "1=1", params: tuple = ()) -> list[dict]:
        return self.db.query(f"SELECT * FROM {table} WHERE {where} ORDER BY uid", params)

    def row(self, table: str, uid: int) -> dict | None:
        return self.db.one(f"SELECT * FROM {table} WHERE uid = ?", (uid,))

    def file_contents(self, identifier: str) -> bytes:
        return self.db.files[identifier]

    @property
    def requests(self) -> list[dict]:
        """Every POST that reached the reaction route, in order (``body`` parsed when JSON)."""
        out = []
        for request in self.app.requests:
            try:
                body = json.loads(request["body"])
            except ValueError:
                body = request["body"]
            out.append({"path": request["path"], "body": body})
        return out

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def typo3():
    """A fresh TYPO3 double with an enabled non-admin service user; latency default 0."""
    double = Typo3Double()
    try:
        yield double
    finally:
        double.stop()
