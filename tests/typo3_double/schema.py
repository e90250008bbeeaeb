"""Tables of the double in SQLite, with the column sizes MySQL/MariaDB would enforce.

SQLite does not enforce varchar sizes, so ``COLUMN_SIZES`` carries them for the
DataHandler emulation, which truncates as TYPO3 does: DataHandler::checkValueForInput cuts a
value to the TCA ``max`` with mb_substr (TYPO3-CMS/core@13.4:Classes/DataHandling/DataHandler.php),
and a too-long value still answers 201 (observed on TYPO3 12.4/13.4: ``tt_content.header`` and
news' ``title`` cut at 255 characters).
"""
from __future__ import annotations

DDL = """
-- TYPO3-CMS/reactions@13.4:ext_tables.sql + Configuration/TCA/sys_reaction.php (hidden, starttime, endtime)
CREATE TABLE sys_reaction (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0,
    starttime INTEGER DEFAULT 0, endtime INTEGER DEFAULT 0,
    reaction_type TEXT, identifier TEXT, secret TEXT, name TEXT DEFAULT '',
    table_name TEXT DEFAULT '', storage_pid INTEGER DEFAULT 0, impersonate_user INTEGER DEFAULT 0,
    fields TEXT DEFAULT '{}'
);
-- TYPO3-CMS/core@13.4:ext_tables.sql (be_users, be_groups; rights reduced to what DataHandler checks here:
-- BackendUserAuthentication::fetchGroupData merges the groups' tables_modify and non_exclude_fields)
CREATE TABLE be_users (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT, disable INTEGER DEFAULT 0, deleted INTEGER DEFAULT 0,
    admin INTEGER DEFAULT 0, usergroup TEXT DEFAULT ''
);
CREATE TABLE be_groups (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT DEFAULT '', deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0,
    tables_modify TEXT DEFAULT '', tables_select TEXT DEFAULT '', non_exclude_fields TEXT DEFAULT '',
    file_permissions TEXT DEFAULT '', file_mountpoints TEXT DEFAULT ''
);
-- TYPO3-CMS/core@v13.4.9:Configuration/TCA/sys_filemounts.php (identifier "<storage>:<path>", read_only)
CREATE TABLE sys_filemounts (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT DEFAULT '', identifier TEXT DEFAULT '',
    read_only INTEGER DEFAULT 0, deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0
);
CREATE TABLE pages (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, title TEXT DEFAULT '', slug TEXT DEFAULT '',
    deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0
);
-- georgringer/news@12.3.1:ext_tables.sql
CREATE TABLE tx_news_domain_model_news (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0,
    deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0, sys_language_uid INTEGER DEFAULT 0,
    title TEXT DEFAULT '', teaser TEXT, bodytext TEXT, datetime INTEGER DEFAULT 0, archive INTEGER DEFAULT 0,
    author TEXT, author_email TEXT DEFAULT '', type TEXT DEFAULT '0', keywords TEXT, description TEXT,
    fal_media INTEGER DEFAULT 0, internalurl TEXT, externalurl TEXT, path_segment TEXT DEFAULT '',
    alternative_title TEXT DEFAULT '', notes TEXT, import_id TEXT DEFAULT '', import_source TEXT DEFAULT ''
);
-- TYPO3-CMS/frontend@13.4:ext_tables.sql (tt_content, the columns a create-record reaction can fill)
CREATE TABLE tt_content (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0,
    deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0, CType TEXT DEFAULT 'text',
    header TEXT DEFAULT '', subheader TEXT DEFAULT '', bodytext TEXT, date INTEGER DEFAULT 0,
    header_link TEXT DEFAULT ''
);
-- teamneusta/pw_comments@7.1.2:ext_tables.sql
CREATE TABLE tx_pwcomments_domain_model_comment (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0,
    deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0, sys_language_uid INTEGER DEFAULT 0,
    entry_uid INTEGER DEFAULT 0, parent_comment INTEGER DEFAULT 0, orig_pid INTEGER DEFAULT 0,
    author INTEGER DEFAULT 0, author_name TEXT DEFAULT '', author_mail TEXT DEFAULT '', author_ident TEXT DEFAULT '',
    message TEXT, votes INTEGER DEFAULT 0, terms_accepted INTEGER DEFAULT 0, rating INTEGER DEFAULT 0,
    ai_moderation_status TEXT DEFAULT '', ai_moderation_reason TEXT, ai_moderation_confidence REAL DEFAULT 0
);
-- TYPO3GmbH/blog@v13.0:ext_tables.sql
CREATE TABLE tx_blog_domain_model_comment (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0,
    cruser_id INTEGER DEFAULT 0, sorting INTEGER DEFAULT 0, deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0,
    name TEXT DEFAULT '', url TEXT DEFAULT '', email TEXT DEFAULT '', comment TEXT,
    parentid INTEGER DEFAULT 0, parenttable TEXT DEFAULT '', post_language_id INTEGER DEFAULT 0,
    hp TEXT DEFAULT '', status INTEGER DEFAULT 0
);
-- connectors/typo3/ext_tables.sql + Configuration/TCA/tx_cmsbridgeconnector_reply.php (the connector's reply
-- ledger; uid, pid, tstamp, crdate, deleted come from the TCA ctrl section)
CREATE TABLE tx_cmsbridgeconnector_reply (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0,
    deleted INTEGER DEFAULT 0, reply_key TEXT DEFAULT '', parent_id TEXT DEFAULT '', source TEXT DEFAULT '',
    comment_uid INTEGER DEFAULT 0
);
-- TYPO3-CMS/core@13.4:ext_tables.sql (sys_file, sys_file_reference; FAL)
CREATE TABLE sys_file (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, storage INTEGER DEFAULT 1, identifier TEXT, name TEXT,
    sha1 TEXT, mime_type TEXT, size INTEGER DEFAULT 0
);
CREATE TABLE sys_file_reference (
    uid INTEGER PRIMARY KEY AUTOINCREMENT, pid INTEGER DEFAULT 0, tstamp INTEGER DEFAULT 0, crdate INTEGER DEFAULT 0,
    deleted INTEGER DEFAULT 0, hidden INTEGER DEFAULT 0, uid_local INTEGER, uid_foreign INTEGER,
    tablenames TEXT, fieldname TEXT, sorting_foreign INTEGER DEFAULT 0, alternative TEXT,
    showinpreview INTEGER DEFAULT 0
);
"""

#: table -> column -> ("chars" | "bytes", size); varchar(n) counts characters, *text bytes
COLUMN_SIZES: dict[str, dict[str, tuple[str, int]]] = {
    "tx_news_domain_model_news": {  # georgringer/news@12.3.1:ext_tables.sql
        "title": ("chars", 255), "teaser": ("bytes", 65535), "bodytext": ("bytes", 16777215),
        "author": ("bytes", 255), "author_email": ("bytes", 255), "externalurl": ("bytes", 65535),
        "keywords": ("bytes", 65535), "description": ("bytes", 65535), "notes": ("bytes", 65535),
        "alternative_title": ("bytes", 255), "path_segment": ("chars", 2048),
        "import_id": ("chars", 100), "import_source": ("chars", 100), "type": ("chars", 100),
    },
    "tt_content": {  # TYPO3-CMS/frontend@13.4:ext_tables.sql
        "header": ("chars", 255), "subheader": ("chars", 255), "bodytext": ("bytes", 16777215),
        "header_link": ("chars", 1024),
    },
    "tx_pwcomments_domain_model_comment": {  # teamneusta/pw_comments@7.1.2:ext_tables.sql
        "author_name": ("bytes", 255), "author_mail": ("bytes", 255), "author_ident": ("bytes", 255),
        "message": ("bytes", 65535), "ai_moderation_status": ("chars", 20),
    },
    "tx_blog_domain_model_comment": {  # TYPO3GmbH/blog@v13.0:ext_tables.sql
        "name": ("chars", 100), "url": ("chars", 255), "email": ("chars", 255), "comment": ("bytes", 65535),
        "parenttable": ("chars", 255),
    },
    "tx_cmsbridgeconnector_reply": {  # connectors/typo3/ext_tables.sql
        "reply_key": ("chars", 64), "parent_id": ("chars", 48), "source": ("chars", 32),
    },
}

#: integer columns, cast with (int) as DataHandler does for TCA number/datetime/check fields
INT_COLUMNS = {
    "pid", "hidden", "deleted", "datetime", "archive", "date", "entry_uid", "parent_comment", "orig_pid",
    "parentid", "status", "post_language_id", "sys_language_uid", "uid_local", "uid_foreign",
    "showinpreview", "fal_media", "comment_uid", "sorting_foreign",
}
#: integer columns whose name is text elsewhere (news.author is tinytext)
TABLE_INT_COLUMNS = {"tx_pwcomments_domain_model_comment": {"author"}}


#: TCA columns with 'exclude' => true among those the bridge writes: a non-admin may write them only
#: when a group grants "<table>:<field>" in non_exclude_fields (DataHandler::getExcludeListArray).
#: georgringer/news@12.3.2:Configuration/TCA/tx_news_domain_model_news.php (hidden, teaser, author,
#: fal_media, sys_language_uid, archive, author_email, keywords, description, alternative_title,
#: istopnews, starttime, endtime are exclude; title, bodytext, datetime, externalurl, notes, type are not;
#: import_id/import_source are passthrough); TYPO3-CMS/core@v13.4.9:Configuration/TCA/sys_file_reference.php
#: (title, link, description, alternative, crop, autoplay) and georgringer/news@12.3.2:
#: Configuration/TCA/Overrides/sys_file_reference.php (showinpreview). pw_comments' TCA marks its
#: columns 'exclude' => 0 (teamneusta/pw_comments:Configuration/TCA/tx_pwcomments_domain_model_comment.php).
EXCLUDE_FIELDS: dict[str, frozenset[str]] = {
    "tx_news_domain_model_news": frozenset({"hidden", "teaser", "author", "fal_media", "sys_language_uid", "archive",
                                            "author_email", "keywords", "description", "alternative_title",
                                            "istopnews", "starttime", "endtime"}),
    "sys_file_reference": frozenset({"title", "link", "description", "alternative", "crop", "autoplay",
                                     "showinpreview"}),
    # tt_content's enable fields are exclude fields in TYPO3-CMS/frontend:Configuration/TCA/tt_content.php
    # (that file is not in the stored sources this was checked against; the core convention is assumed)
    "tt_content": frozenset({"hidden"}),
}

#: TCA type 'file' fields: TYPO3-CMS/core@v13.4.9:Classes/Configuration/Tca/TcaPreparation.php
#: ::configureFileReferences gives them foreign_table sys_file_reference, foreign_field uid_foreign,
#: foreign_table_field tablenames and foreign_match_fields fieldname; no enableCascadingDelete = false,
#: so DataHandler::deleteRecord_procBasedOnFieldType deletes the children with their parent.
FILE_FIELDS: dict[str, tuple[str, ...]] = {"tx_news_domain_model_news": ("fal_media",)}

#: news' title input has 'max' => 255 (DataHandler::checkValueForInput cuts it); the slug has 2048
INPUT_MAX = {"tx_news_domain_model_news": {"title": 255}}


def is_int_column(table: str, column: str) -> bool:
    return column in INT_COLUMNS or column in TABLE_INT_COLUMNS.get(table, set())


def truncate(table: str, column: str, value: str) -> str:
    """Cut ``value`` to the column size, silently, as TCA ``max`` (DataHandler::checkValueForInput)
    and the column size do; see the module docstring."""
    kind, size = COLUMN_SIZES.get(table, {}).get(column, ("bytes", 1 << 30))
    if kind == "chars":
        return value[:size]
    raw = value.encode("utf-8")
    if len(raw) <= size:
        return value
    return raw[:size].decode("utf-8", errors="ignore")
