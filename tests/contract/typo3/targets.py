"""Where the TYPO3 contract cases run: the project's TYPO3 double, or a real TYPO3 named by the
environment (``CMS_BRIDGE_TYPO3_CONTRACT`` = path of a JSON file, see README.md here).

Both kinds are reached the same way — HTTP to reaction URLs with their secrets — and their
effects are read the same way: SQL over a read-only database connection (the double's tables
live in an SQLite file for this). Where a real site gives no database, comment effects are read
through the connector's own ``bridge-list-comments`` reaction and news-row effects cannot be
read; the case then checks the HTTP answer only and says which effects went unread.
"""
from __future__ import annotations

import json
import os
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

ENV = "CMS_BRIDGE_TYPO3_CONTRACT"

#: every reaction a target must offer (name → what it is; README.md tells an admin how to create them)
REACTIONS = {
    "create-record": "core create-record into tx_news_domain_model_news, storage pid = news folder, field map "
                     "title/teaser/bodytext←${html}/datetime/author/externalurl←${source_url}/notes←${item_id}, "
                     "impersonating the service user",
    "create-record-disabled": "a second create-record reaction with 'disabled' set",
    "create-record-disabled-user": "a create-record reaction (same field map) impersonating a disabled backend user",
    "bridge-upsert-news": "the connector's upsert reaction, impersonating the service user",
    "bridge-upsert-news-restricted": "an upsert reaction impersonating a user whose group lacks the excluded "
                                     "fields teaser and author (the 1.1.0 README's rights)",
    "bridge-unpublish": "the connector's unpublish reaction",
    "bridge-list-comments": "the connector's list-comments reaction",
    "bridge-moderate-comment": "the connector's moderate reaction",
    "bridge-reply": "the connector's reply reaction",
    "bridge-erase-commenter": "the connector's erase reaction (1.3.0), impersonating the service user",
}


#: ``Target.post(credential=OWN)``: send the reaction's own secret
OWN = object()


class EffectUnavailable(LookupError):
    """This target gives no way to read that effect (a real site without database_url)."""


@dataclass
class Reaction:
    url: str
    secret: str


class SqlEffects:
    """Reads rows over a DB-API connection: ``sqlite:///path`` (opened read-only) or
    ``mysql://user:password@host:port/database`` (PyMySQL, installed by whoever runs a real target)."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            self.conn = sqlite3.connect(f"file:{unquote(parts.path)}?mode=ro", uri=True, check_same_thread=False)
            self.conn.row_factory = sqlite3.Row
            self.mark = "?"
        elif parts.scheme in ("mysql", "mariadb"):
            try:
                import pymysql  # noqa: PLC0415 - only a real-target run needs it
            except ImportError as exc:  # pragma: no cover - depends on the maintainer's machine
                raise RuntimeError(f"{ENV}: database_url {parts.scheme}:// needs PyMySQL "
                                   "(pip install PyMySQL), or leave database_url out") from exc
            self.conn = pymysql.connect(host=parts.hostname, port=parts.port or 3306,
                                        user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                                        database=parts.path.lstrip("/"), cursorclass=pymysql.cursors.DictCursor,
                                        autocommit=True)
            self.mark = "%s"
        else:
            raise ValueError(f"{ENV}: database_url must be sqlite:///… or mysql://…, not {url!r}")

    def rows(self, table: str, where: str = "1=1", params: tuple = ()) -> list[dict]:
        sql = f"SELECT * FROM {table} WHERE {where} ORDER BY uid".replace("?", self.mark)
        cursor = self.conn.cursor()
        cursor.execute(sql, params)
        return [dict(row) for row in cursor.fetchall()]

    def close(self) -> None:
        self.conn.close()


class ConnectorEffects:
    """No database: comment rows come back through bridge-list-comments by id; nothing else can be read."""

    def __init__(self, target: Target):
        self.target = target

    def rows(self, table: str, where: str = "1=1", params: tuple = ()) -> list[dict]:
        if table != "tx_pwcomments_domain_model_comment" or where != "uid = ?":
            raise EffectUnavailable(f"{table} rows need database_url")
        response = self.target.post("bridge-list-comments", {"ids": [f"pw_comments:{params[0]}"]})
        comments = response.json().get("comments", [])
        if not comments:
            return []
        status = comments[0]["status"]
        return [{"uid": params[0], "hidden": int(status != "approved"), "deleted": int(status == "trash"),
                 "ai_moderation_status": "flagged" if status == "spam" else None,
                 "author_name": comments[0]["author_name"], "author_mail": comments[0]["author_email"]}]

    def close(self) -> None:
        pass


@dataclass
class Target:
    """One TYPO3 to run the cases against."""

    name: str
    base_url: str
    reactions: dict[str, Reaction]
    comment_uid: int  # a visible pw_comments comment the run may reply to
    effects: SqlEffects | ConnectorEffects | None = None
    closers: list = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.reactions[name].url

    def post(self, name: str, body=None, *, raw: bytes | None = None, method: str = "POST", url: str | None = None,
             credential=OWN, header: str = "x-api-key") -> requests.Response:
        """One request as cms-bridge sends it: JSON body, the secret in x-api-key, no redirects.
        ``credential``: OWN (the reaction's secret), another string, or None for no header."""
        headers = {"Accept": "application/json"}
        if credential is OWN:
            headers[header] = self.reactions[name].secret
        elif credential is not None:
            headers[header] = credential
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None and raw is None:
            headers["Content-Type"] = "application/json"
        return requests.request(method, url or self.url(name), data=data, headers=headers, allow_redirects=False,
                                timeout=30)

    def rows(self, table: str, where: str = "1=1", params: tuple = ()) -> list[dict]:
        return self.effects.rows(table, where, params)

    def close(self) -> None:
        if self.effects is not None:
            self.effects.close()
        for close in self.closers:
            close()


def double_target(tmp_dir: Path) -> Target:
    """The TYPO3 double, seeded like the real instances the fidelity run compared it with: pages 1–3,
    news 1 on pid 2, four pw_comments rows on pid 3 (one held), one reaction per type with storage
    pid 2, newsDetailPid = 0, EXT:blog not installed, and the 13.4 site's rights (teaser and author
    granted) — plus the restricted and disabled users the F2/F6 cases need."""
    from tests.typo3_double.fixtures import README_1_1_FIELDS, SERVICE_TABLES, Typo3Double  # noqa: PLC0415

    db_file = tmp_dir / "typo3-double.sqlite"
    double = Typo3Double(db_path=str(db_file))
    for title in ("Home", "News", "Comments"):
        double.add_page(title)
    news = double.add_news("Harness news for comments", pid=2)
    first = None
    for name, hidden in (("Alice", 0), ("Bob", 0), ("Carol", 0), ("Held", 1)):
        uid = double.add_pw_comment(f"Comment by {name}", pid=3, orig_pid=3, entry_uid=news, author_name=name,
                                    hidden=hidden)
        first = first or uid
    double.set_comment_sources(["pw_comments"])
    double.set_news_detail_pid(0)
    fields = {"title": "${title}", "teaser": "${teaser}", "bodytext": "${html}", "datetime": "${datetime}",
              "author": "${author}", "externalurl": "${source_url}", "notes": "${item_id}"}
    reactions = {}
    for name in ("create-record", "create-record-disabled"):
        url, secret = double.add_reaction("create-record", table="tx_news_domain_model_news", fields=fields,
                                          storage_pid=2, hidden=int(name.endswith("disabled")))
        reactions[name] = Reaction(url, secret)
    disabled_user = double.add_user("cms-bridge-disabled", groups=[double.service_group], disabled=True)
    url, secret = double.add_reaction("create-record", table="tx_news_domain_model_news", fields=fields,
                                      storage_pid=2, user=disabled_user)
    reactions["create-record-disabled-user"] = Reaction(url, secret)
    for reaction_type in ("bridge-upsert-news", "bridge-unpublish", "bridge-list-comments",
                          "bridge-moderate-comment", "bridge-reply", "bridge-erase-commenter"):
        url, secret = double.add_reaction(reaction_type, storage_pid=2)
        reactions[reaction_type] = Reaction(url, secret)
    restricted = double.add_group("cms-bridge 1.1.0 README", tables=SERVICE_TABLES, fields=README_1_1_FIELDS)
    url, secret = double.add_reaction("bridge-upsert-news", storage_pid=2,
                                      user=double.add_user("cms-bridge-restricted", groups=[restricted]))
    reactions["bridge-upsert-news-restricted"] = Reaction(url, secret)
    target = Target("double", double.base_url, reactions, comment_uid=first,
                    effects=SqlEffects(f"sqlite://{db_file}"), closers=[double.stop])
    target.double = double
    return target


def env_target() -> Target | None:
    """The real TYPO3 the environment names, or None when ``CMS_BRIDGE_TYPO3_CONTRACT`` is unset."""
    path = os.environ.get(ENV)
    if not path:
        return None
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = [f"{name} ({what})" for name, what in REACTIONS.items() if name not in config.get("reactions", {})]
    if missing:
        raise ValueError(f"{ENV}={path}: reactions missing: " + "; ".join(missing))
    reactions = {name: Reaction(str(r["url"]), str(r["secret"])) for name, r in config["reactions"].items()}
    first_url = reactions["create-record"].url
    base = config.get("base_url") or first_url.split("/typo3/reaction/")[0]
    target = Target(config.get("name", "real"), base, reactions, comment_uid=int(config["comment_uid"]))
    target.effects = SqlEffects(config["database_url"]) if config.get("database_url") else ConnectorEffects(target)
    return target


def random_identifier() -> str:
    return str(uuid.uuid4())
