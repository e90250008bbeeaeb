"""WordPress: one adapter, two transports, one behaviour.

* **REST** (``/wp-json/wp/v2``) through requests, authenticated with an
  *application password* (WordPress never accepts the login password over REST).
* **XML-RPC** (``xmlrpc.php``) through python-wordpress-xmlrpc, which accepts the
  login password or an application password.

``transport = "auto"`` (the default) probes once per adapter instance and keeps
what works, **preferring REST**: hosts block ``xmlrpc.php`` more and more, and
only REST runs WordPress's own spam/trash paths when moderating (see
:meth:`_XmlrpcTransport.moderate`). It falls back to XML-RPC when REST refuses
the credentials (Authorization header stripped, application passwords disabled).

The upsert marker. Core WordPress lets neither transport write a protected meta
key (``_cms_bridge_item_id``): XML-RPC's ``custom_fields`` checks
``auth_post_meta_*`` (false by default) and REST writes only registered meta. So
the item id travels in the post body as an HTML comment,
``<!-- [cms-bridge-item:ID] -->``, which both transports can find with WordPress's
own search (``search=`` / ``s``, a LIKE over post_content that sees comments);
the hit is confirmed by reading the raw content. No plugin is needed.

python-wordpress-xmlrpc 2.3 on Python 3.11 has defects that are worked around
here, never by patching site-packages: the ``collections.Iterable`` alias, the
read-only comment ``parent`` (a results class that reads ``parent``), the
thumbnail round-trip (the post is never read back and re-sent), comments closed
on new posts (``comment_status = "open"`` always), and Fault 403 that is not
always a credentials problem.
"""
from __future__ import annotations

import collections
import collections.abc
import hashlib
import html
import mimetypes
import os
import re
import ssl
import xml.parsers.expat
import xmlrpc.client
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

# Defect 1: the library uses collections.Iterable (removed in 3.10) on every
# non-empty list result. Provide the alias before the library is used.
if not hasattr(collections, "Iterable"):
    collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

import nh3  # noqa: E402
import requests  # noqa: E402
from marshmallow import RAISE, Schema, fields, validate  # noqa: E402
from wordpress_xmlrpc import Client  # noqa: E402
from wordpress_xmlrpc.exceptions import InvalidCredentialsError, XmlrpcDisabledError  # noqa: E402
from wordpress_xmlrpc.fieldmaps import DateTimeFieldMap, FieldMap  # noqa: E402
from wordpress_xmlrpc.methods import comments as xc  # noqa: E402
from wordpress_xmlrpc.methods import media as xm  # noqa: E402
from wordpress_xmlrpc.methods import options as xo  # noqa: E402
from wordpress_xmlrpc.methods import posts as xp  # noqa: E402
from wordpress_xmlrpc.methods import users as xu  # noqa: E402
from wordpress_xmlrpc.wordpress import WordPressComment, WordPressPost  # noqa: E402

from .base import (  # noqa: E402
    AdapterError,
    AuthError,
    CMSAdapter,
    ConfigurationError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RemoteError,
    TemporaryRemoteError,
    Unreachable,
)
from .types import (  # noqa: E402
    CommentStatus,
    ConnectionReport,
    Media,
    ModerationAction,
    RemoteComment,
    RemoteRef,
    SocialItem,
    SyncCursor,
)

USER_AGENT = "cms-bridge (WordPress adapter)"
MARKER = "[cms-bridge-item:{}]"
REPLY_MARKER = "[cms-bridge-reply:{}]"
BATCH = 100  # WordPress's per_page maximum; also our multicall batch
WALK_FIRST = 100  # XML-RPC comment walk: rows in its first read (a no-change sync reads only these)
REPLY_SCAN = 500  # XML-RPC: how many of a post's newest comments are searched for a lost reply
WALK_MAX = 800  # ... doubling per read up to this many (one request; the buffer stays this small)

HEADER_FIX = ('add `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1` (Apache, .htaccess) or '
              '`CGIPassAuth On`; behind nginx/FastCGI pass `fastcgi_param HTTP_AUTHORIZATION $http_authorization;`')


# -- config ------------------------------------------------------------------
def _msgs(kind: str) -> dict:
    return {"required": f"is missing: {kind} expected", "invalid": f"is not {kind}",
            "null": f"must not be empty: {kind} expected"}


def _one_of(choices):
    return validate.OneOf(choices, error="is not one of: " + ", ".join(choices))


class WordPressSiteSchema(Schema):
    """The keys of a ``[[sites]]`` table with ``kind = "wordpress"``."""

    class Meta:
        unknown = RAISE

    username = fields.String(required=True, error_messages=_msgs("a string"))
    password_env = fields.String(required=True, error_messages=_msgs("the name of an environment variable"))
    transport = fields.String(load_default="auto", validate=_one_of(["auto", "rest", "xmlrpc"]))
    post_status = fields.String(load_default="publish", validate=_one_of(["publish", "draft"]))
    categories = fields.List(fields.String(), load_default=list, error_messages=_msgs("a list of strings"))
    tags = fields.List(fields.String(), load_default=list, error_messages=_msgs("a list of strings"))
    unpublish = fields.String(load_default="trash", validate=_one_of(["trash", "draft"]))
    store_commenter_pii = fields.Boolean(load_default=False, truthy={True}, falsy={False},
                                         error_messages=_msgs("true or false"))
    verify_tls = fields.Boolean(load_default=True, truthy={True}, falsy={False},
                                error_messages=_msgs("true or false"))


# -- errors specific to WordPress (all still in the adapters.base family) -----
class TLSFailure(Unreachable):
    """The TLS handshake failed (certificate not trusted, wrong host name)."""


class XmlrpcDisabled(ConfigurationError):
    """XML-RPC is switched off or blocked on the site."""


# -- small helpers -------------------------------------------------------------
_STATUS_FROM_WP = {
    "approved": CommentStatus.APPROVED, "approve": CommentStatus.APPROVED, "1": CommentStatus.APPROVED,
    "hold": CommentStatus.PENDING, "unapproved": CommentStatus.PENDING, "0": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM, "trash": CommentStatus.TRASH, "post-trashed": CommentStatus.TRASH,
}


def _status(value: Any) -> CommentStatus:
    try:
        return _STATUS_FROM_WP[str(value)]
    except KeyError:
        raise RemoteError(f"WordPress returned an unknown comment status {value!r}") from None


def _utc(value: Any) -> datetime:
    """A naive WordPress GMT date string, xmlrpc DateTime or datetime, as aware UTC."""
    if isinstance(value, xmlrpc.client.DateTime):
        value = datetime.strptime(value.value, "%Y%m%dT%H:%M:%S")
    elif isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise RemoteError(f"WordPress returned a date that cannot be read: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cursor_key(cursor: SyncCursor) -> tuple[datetime, int] | None:
    if not cursor.after_date:
        return None
    return _utc(cursor.after_date), int(cursor.after_id or 0)


def _comment_key(comment: RemoteComment) -> tuple[datetime, int]:
    return comment.date_gmt, int(comment.remote_id)


def _post_url_from_comment_link(link: str) -> str:
    url = link.split("#", 1)[0]
    return re.sub(r"comment-page-\d+/?$", "", url)


def _comment_html(raw: str) -> str:
    """Raw comment_content as safe HTML: paragraphs like WordPress shows them."""
    raw = raw or ""
    if "<p" not in raw:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
        raw = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return nh3.clean(raw)


def _parent(value: Any) -> str | None:
    return str(value) if value not in (None, "", "0", 0) else None


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _first_image(item: SocialItem) -> Media | None:
    return next((m for m in item.media if m.kind == "image" and m.local_path), None)


def _attribution(item: SocialItem) -> str:
    """The credit line under every published item: who, where, and the original."""
    parts = []
    if item.author_name:
        name = html.escape(item.author_name)
        if item.author_url:
            name = f'<a href="{html.escape(item.author_url, quote=True)}" rel="nofollow">{name}</a>'
        parts.append(f"By {name}")
    if item.network:
        parts.append(f"on {html.escape(item.network.capitalize())}")
    credit = " ".join(parts)
    original = f'<a href="{html.escape(item.url, quote=True)}" rel="nofollow">View the original post</a>'
    text = f"{credit} · {original}" if credit else original
    return f'<p class="cms-bridge-attribution">{text}</p>'


def _post_body(item: SocialItem) -> str:
    body = nh3.clean(item.html or f"<p>{html.escape(item.text)}</p>")
    return f"{body}\n{_attribution(item)}\n<!-- {MARKER.format(item.id)} -->"


def _excerpt(item: SocialItem) -> str:
    text = item.excerpt or item.text or ""
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"


def _media_filename(media: Media, sha: str) -> str:
    ext = os.path.splitext(media.local_path or "")[1].lower()
    if not ext and media.content_type:
        ext = mimetypes.guess_extension(media.content_type) or ""
    return f"cms-bridge-{sha[:16]}{ext or '.jpg'}"


def _media_type(media: Media) -> str:
    return media.content_type or mimetypes.guess_type(media.local_path or "")[0] or "application/octet-stream"


# -- REST ----------------------------------------------------------------------
class _RestTransport:
    """``/wp-json/wp/v2`` with an application password (HTTP Basic)."""

    name = "rest"
    COMMENT_FIELDS = ("id,post,parent,author,author_name,author_email,author_url,author_ip,"
                      "date_gmt,content,link,status,type")

    def __init__(self, adapter: WordPressAdapter):
        self.adapter = adapter
        self.session = requests.Session()
        self.session.auth = (adapter.username, adapter.password)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.verify = adapter.verify_tls
        self.pretty = True  # /wp-json/...; False: ?rest_route=/...

    def url(self, route: str) -> str:
        route = "/" + route.lstrip("/")
        if self.pretty:
            return f"{self.adapter.base_url}/wp-json{route}"
        return f"{self.adapter.base_url}/?rest_route={route}"

    def request(self, method: str, route: str, *, auth: bool = True, ok=(200, 201), **kw) -> requests.Response:
        self.adapter.request_count += 1
        timeout = kw.pop("timeout", self.adapter.timeout)
        try:
            if auth:
                response = self.session.request(method, self.url(route), timeout=timeout, **kw)
            else:
                response = requests.request(method, self.url(route), headers={"User-Agent": USER_AGENT},
                                            verify=self.adapter.verify_tls, timeout=timeout, **kw)
        except requests.exceptions.SSLError as exc:
            raise TLSFailure(f"TLS failure talking to {self.adapter.base_url}: {exc}",
                             hint="fix the site's certificate, or set verify_tls = false for a test site") from None
        except requests.exceptions.Timeout:
            raise Unreachable(f"{self.adapter.base_url} did not answer within {self.adapter.timeout:g} s",
                              hint="check that the site is up; raise the site's timeout if it is slow") from None
        except requests.exceptions.RequestException as exc:
            raise Unreachable(f"cannot connect to {self.adapter.base_url}: {exc.__class__.__name__}",
                              hint="check the site's URL and that it is up") from None
        if response.status_code not in ok:
            raise self.error(response)
        return response

    def error(self, response: requests.Response) -> AdapterError:
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = {}
        code = body.get("code", "") if isinstance(body, dict) else ""
        message = (body.get("message") if isinstance(body, dict) else "") or response.reason or "no message"
        message = f"WordPress REST {response.request.method} {urlsplit(response.url).path}: {status} {message}"
        if status == 429 or (status == 503 and response.headers.get("Retry-After")):
            return RateLimited(message, retry_after=_retry_after(response.headers.get("Retry-After")),
                               hint="the site is limiting requests; the bridge retries later")
        if status >= 500:
            return TemporaryRemoteError(message, hint="the site failed; the bridge retries later")
        if status == 401:
            if code in ("rest_not_logged_in", "rest_forbidden", "rest_cannot_view", "rest_forbidden_context"):
                return AuthError(message + " (the credentials did not reach WordPress)",
                                 hint="check the username and application password; or the server strips the "
                                 "Authorization header: " + HEADER_FIX + "; or application passwords are disabled")
            return AuthError(message, hint="check username and the application password "
                             "(Users → Profile → Application Passwords; the login password does not work over REST)")
        if status == 403:
            return PermissionDenied(message, hint="give the WordPress account the Editor or Administrator role")
        if status in (404, 410):
            return NotFound(message)
        return RemoteError(message)

    def json(self, method: str, route: str, **kw) -> Any:
        response = self.request(method, route, **kw)
        try:
            return response.json()
        except ValueError:
            raise RemoteError(f"{self.url(route)} did not answer with JSON; is {self.adapter.base_url} "
                              "a WordPress site?") from None

    # -- probing ----------------------------------------------------------
    def index(self) -> dict:
        """The unauthenticated API index; switches to ?rest_route= when /wp-json/ is not routed."""
        for pretty in (True, False):
            self.pretty = pretty
            try:
                data = self.json("GET", "/", auth=False)
            except (NotFound, RemoteError) as exc:
                if isinstance(exc, TemporaryRemoteError):
                    raise
                continue
            if isinstance(data, dict) and "wp/v2" in (data.get("namespaces") or []):
                return data
        self.pretty = True
        raise RemoteError(f"{self.adapter.base_url} has no WordPress REST API (/wp-json/ and ?rest_route= "
                          "gave no wp/v2)", hint="check the URL: it must be the WordPress site's home address")

    def me(self) -> dict:
        return self.json("GET", "/wp/v2/users/me", params={"context": "edit", "_fields": "id,roles,capabilities"})

    def capabilities(self) -> dict[str, bool]:
        caps = self.me().get("capabilities") or {}
        return {"publish": bool(caps.get("publish_posts")), "upload_media": bool(caps.get("upload_files")),
                "moderate_comments": bool(caps.get("moderate_comments"))}

    def version(self) -> str:
        try:
            response = self.adapter.http_get(f"{self.adapter.base_url}/?feed=rss2")
        except AdapterError:
            return ""
        match = re.search(r"wordpress\.org/\?v=([0-9][\w.-]*)", response.text)
        return match.group(1) if match else ""

    # -- comments ---------------------------------------------------------
    def to_comment(self, row: dict) -> RemoteComment:
        content = row.get("content") or {}
        return RemoteComment(
            remote_id=str(row["id"]), post_id=str(row.get("post") or ""), status=_status(row.get("status")),
            date_gmt=_utc(row["date_gmt"]),
            content_html=_comment_html(content.get("raw") if "raw" in content else content.get("rendered", "")),
            author_name=row.get("author_name") or "", author_url=row.get("author_url") or "",
            author_email=row.get("author_email") or "", author_ip=row.get("author_ip") or "",
            parent_id=_parent(row.get("parent")), type=row.get("type") or "comment", link=row.get("link") or "",
            post_url=_post_url_from_comment_link(row.get("link") or ""),
            user_id=_parent(row.get("author")))

    def fetch_comments(self, cursor: SyncCursor, limit: int) -> list[RemoteComment]:
        """One page after ``cursor``, oldest first.

        WordPress filters ``after`` on the *local* comment date (exclusive, whole
        seconds), so we ask for one second before the cursor and drop what is not
        strictly after (date, id) ourselves; ties beyond a full page move on by page.
        """
        params = {"status": "any", "type": "all", "orderby": "date_gmt", "order": "asc", "per_page": limit,
                  "context": "edit", "_fields": self.COMMENT_FIELDS}
        key = _cursor_key(cursor)
        if key:
            params["after"] = _iso(key[0] - timedelta(seconds=1))
        page = 1
        while True:
            rows = self.json("GET", "/wp/v2/comments", params={**params, "page": page})
            if not isinstance(rows, list):
                raise RemoteError("WordPress answered the comment list with something that is not a list")
            found = [c for c in map(self.to_comment, rows) if key is None or _comment_key(c) > key]
            if found or len(rows) < limit:
                return found
            page += 1

    def comments_by_id(self, ids: list[str]) -> list[RemoteComment]:
        rows = self.json("GET", "/wp/v2/comments", params={
            "include": ",".join(ids), "status": "any", "type": "all", "per_page": BATCH, "context": "edit",
            "_fields": self.COMMENT_FIELDS})
        return [self.to_comment(r) for r in rows]

    def post_titles(self, post_ids: list[str]) -> dict[str, tuple[str, str]]:
        """{post id: (title, url)} for posts and pages, one request per type."""
        found: dict[str, tuple[str, str]] = {}
        for route in ("/wp/v2/posts", "/wp/v2/pages"):
            missing = [p for p in post_ids if p not in found]
            if not missing:
                break
            rows = self.json("GET", route, params={
                "include": ",".join(missing), "per_page": BATCH, "context": "edit", "_fields": "id,title,link",
                "status": "publish,future,draft,pending,private,trash"})
            for row in rows:
                title = (row.get("title") or {})
                found[str(row["id"])] = (title.get("raw", title.get("rendered", "")), row.get("link") or "")
        return found

    def moderate(self, comment_id: str, action: ModerationAction) -> CommentStatus | None:
        """REST status updates run wp_spam_comment / wp_trash_comment and their hooks."""
        route = f"/wp/v2/comments/{comment_id}"
        if action is ModerationAction.DELETE:
            self.request("DELETE", route, params={"force": "true"})
            return None
        status = {ModerationAction.APPROVE: "approve", ModerationAction.HOLD: "hold",
                  ModerationAction.SPAM: "spam", ModerationAction.UNSPAM: "unspam",
                  ModerationAction.TRASH: "trash"}.get(action)
        if action is ModerationAction.RESTORE:
            current = self.json("GET", route, params={"context": "edit", "_fields": "status"})["status"]
            status = {"trash": "untrash", "spam": "unspam"}.get(current)
            if status is None:
                return _status(current)  # nothing to restore
        row = self.json("POST", route, json={"status": status}, params={"context": "edit", "_fields": "status"})
        return _status(row["status"])

    def reply(self, parent: RemoteComment, html_text: str) -> RemoteComment:
        row = self.json("POST", "/wp/v2/comments", params={"context": "edit", "_fields": self.COMMENT_FIELDS},
                        json={"post": int(parent.post_id), "parent": int(parent.remote_id), "content": html_text})
        return self.to_comment(row)

    def find_reply(self, parent: RemoteComment, marker: str) -> RemoteComment | None:
        """Our earlier reply to ``parent`` carrying ``marker`` (search is a LIKE over the content)."""
        rows = self.json("GET", "/wp/v2/comments", params={
            "parent": int(parent.remote_id), "post": int(parent.post_id), "status": "any", "type": "all",
            "search": marker, "per_page": BATCH, "context": "edit", "_fields": self.COMMENT_FIELDS})
        for row in rows:
            if marker in ((row.get("content") or {}).get("raw") or ""):
                return self.to_comment(row)
        return None

    # -- posts --------------------------------------------------------------
    def find_post(self, item_id: str) -> dict | None:
        marker = MARKER.format(item_id)
        rows = self.json("GET", "/wp/v2/posts", params={
            "search": marker, "status": "publish,future,draft,pending,private,trash", "context": "edit",
            "_fields": "id,link,content,featured_media", "per_page": 10})
        for row in rows:
            if marker in ((row.get("content") or {}).get("raw") or ""):
                return {"id": str(row["id"]), "link": row.get("link") or "",
                        "featured_media": str(row.get("featured_media") or "") or None}
        return None

    def get_post(self, post_id: str) -> dict | None:
        try:
            row = self.json("GET", f"/wp/v2/posts/{post_id}", params={"context": "edit",
                                                                      "_fields": "id,link,featured_media"})
        except NotFound:
            return None
        return {"id": str(row["id"]), "link": row.get("link") or "",
                "featured_media": str(row.get("featured_media") or "") or None}

    def media_source(self, media_id: str) -> str | None:
        try:
            return self.json("GET", f"/wp/v2/media/{media_id}", params={"_fields": "source_url",
                                                                        "context": "edit"}).get("source_url")
        except NotFound:
            return None

    def upload(self, media: Media, filename: str, sha: str) -> str:
        with open(media.local_path, "rb") as fh:
            data = fh.read()
        row = self.json("POST", "/wp/v2/media", data=data, headers={
            "Content-Type": _media_type(media), "Content-Disposition": f'attachment; filename="{filename}"'})
        media_id = str(row["id"])
        self.json("POST", f"/wp/v2/media/{media_id}", json={"alt_text": media.alt, "title": media.alt or filename},
                  params={"_fields": "id"})
        return media_id

    def term_ids(self, taxonomy: str, names: list[str]) -> list[int]:
        route = "/wp/v2/categories" if taxonomy == "category" else "/wp/v2/tags"
        ids = []
        for name in names:
            cached = self.adapter.term_cache.get((taxonomy, name.lower()))
            if cached is None:
                rows = self.json("GET", route, params={"search": name, "per_page": BATCH, "_fields": "id,name"})
                match = next((r for r in rows if html.unescape(r["name"]).lower() == name.lower()), None)
                if match is None:
                    match = self.json("POST", route, json={"name": name}, params={"_fields": "id,name"})
                cached = int(match["id"])
                self.adapter.term_cache[(taxonomy, name.lower())] = cached
            ids.append(cached)
        return ids

    def save_post(self, post_id: str | None, fields_: dict) -> dict:
        data = {"title": fields_["title"], "content": fields_["content"], "excerpt": fields_["excerpt"],
                "status": fields_["status"], "comment_status": "open",
                "categories": self.term_ids("category", fields_["categories"]),
                "tags": self.term_ids("post_tag", fields_["tags"]),
                "featured_media": int(fields_["featured_media"] or 0)}
        route = "/wp/v2/posts" + (f"/{post_id}" if post_id else "")
        row = self.json("POST", route, json=data, params={"_fields": "id,link"})
        return {"id": str(row["id"]), "link": row.get("link") or ""}

    def unpublish(self, post_id: str, mode: str) -> None:
        if mode == "draft":
            self.json("POST", f"/wp/v2/posts/{post_id}", json={"status": "draft"}, params={"_fields": "id"})
        else:
            self.request("DELETE", f"/wp/v2/posts/{post_id}", params={"_fields": "id"})


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


# -- XML-RPC -----------------------------------------------------------------
class _Comment(WordPressComment):
    """Defect 2: WordPress returns ``parent`` (not ``comment_parent``); also read ``type``."""

    definition = dict(WordPressComment.definition, parent=FieldMap("parent", ["comment_parent"]),
                      type=FieldMap("type", default="comment"), date_created=DateTimeFieldMap("date_created_gmt"))


class _GetComments(xc.GetComments):
    results_class = _Comment


class _GetComment(xc.GetComment):
    results_class = _Comment


class _TimeoutTransport(xmlrpc.client.SafeTransport):
    """xmlrpc.client's transport with a timeout (and TLS verification as configured)."""

    def __init__(self, adapter: WordPressAdapter, https: bool):
        context = None
        if https and not adapter.verify_tls:
            context = ssl._create_unverified_context()  # noqa: S323 - only when the admin asked for it
        super().__init__(context=context)
        self.adapter = adapter
        self.https = https
        self.user_agent = USER_AGENT

    def make_connection(self, host):
        if self.https:
            conn = super().make_connection(host)
        else:
            conn = xmlrpc.client.Transport.make_connection(self, host)
        conn.timeout = self.adapter.timeout
        return conn

    def request(self, host, handler, request_body, verbose=False):
        self.adapter.request_count += 1
        return super().request(host, handler, request_body, verbose)


class _Client(Client):
    """The library's Client, but its constructor call goes through our error mapping."""

    def __init__(self, url, username, password, transport, call):
        self.url, self.username, self.password, self.blog_id = url, username, password, 0
        self.server = xmlrpc.client.ServerProxy(url, allow_none=True, transport=transport)
        self.supported_methods = call(self.server.mt.supportedMethods)


@dataclass
class _Walk:
    """State of one XML-RPC newest-first walk down to ``start`` (a cursor key)."""

    start: tuple[datetime, int] | None
    chunk: int
    top: tuple[datetime, int] | None = None  # the newest comment: the cursor once the walk ends
    low: tuple[datetime, int] | None = None  # the oldest comment read so far
    offset: int = 0  # where the comment after ``low`` was in the list when last read
    ended: bool = False  # reached the cursor or the end of the list
    buffer: list[RemoteComment] = field(default_factory=list)  # read, not yet handed out (≤ WALK_MAX)


class _XmlrpcTransport:
    """``xmlrpc.php`` through python-wordpress-xmlrpc."""

    name = "xmlrpc"

    def __init__(self, adapter: WordPressAdapter):
        self.adapter = adapter
        self.url = f"{adapter.base_url}/xmlrpc.php"
        transport = _TimeoutTransport(adapter, self.url.startswith("https:"))
        self.client = _Client(self.url, adapter.username, adapter.password, transport, self.guard)
        #: the newest-first walk in progress (see :meth:`walk`), and the cursor of one just ended
        self._walk: _Walk | None = None
        self._walk_done: tuple[datetime, int] | None = None

    # -- error mapping ------------------------------------------------------
    def guard(self, fn, *args):
        """Run one XML-RPC call and map every failure onto the adapter error family."""
        base = self.adapter.base_url
        try:
            return fn(*args)
        except InvalidCredentialsError as exc:
            # Defect 5: Fault 403 is also "Sorry, comments are closed" and friends.
            text = str(exc)
            if "username or password" in text.lower() or "incorrect" in text.lower():
                raise AuthError(f"WordPress XML-RPC refused the login: {text}",
                                hint="check username and password (an application password works too)") from None
            raise PermissionDenied(f"WordPress XML-RPC: {text}") from None
        except XmlrpcDisabledError as exc:
            raise XmlrpcDisabled(f"XML-RPC is disabled on {base}: {exc}",
                                 hint='use transport = "rest" (or "auto") with an application password') from None
        except xmlrpc.client.Fault as exc:
            if exc.faultCode == 404:
                raise NotFound(f"WordPress XML-RPC: {exc.faultString}") from None
            if exc.faultCode == 405:
                raise XmlrpcDisabled(f"XML-RPC is disabled on {base}: {exc.faultString}",
                                     hint='use transport = "rest" (or "auto") with an application password') from None
            if exc.faultCode in (401, 403):
                raise PermissionDenied(f"WordPress XML-RPC: {exc.faultString}") from None
            raise RemoteError(f"WordPress XML-RPC fault {exc.faultCode}: {exc.faultString}") from None
        except xmlrpc.client.ProtocolError as exc:
            message = f"{self.url} answered HTTP {exc.errcode} {exc.errmsg}"
            if exc.errcode == 429 or (exc.errcode == 503 and exc.headers.get("Retry-After")):
                raise RateLimited(message, retry_after=_retry_after(exc.headers.get("Retry-After"))) from None
            if exc.errcode >= 500:
                raise TemporaryRemoteError(message, hint="the site failed; the bridge retries later") from None
            if exc.errcode == 401:
                raise AuthError(message, hint="check username and password") from None
            if exc.errcode in (403, 404, 405):
                raise XmlrpcDisabled(f"XML-RPC is disabled or blocked on {base} ({message}): xmlrpc.php is refused "
                                     "by the host or a security plugin",
                                     hint='use transport = "rest" (or "auto") with an application password') from None
            raise RemoteError(message) from None
        except ssl.SSLError as exc:
            raise TLSFailure(f"TLS failure talking to {base}: {exc}",
                             hint="fix the site's certificate, or set verify_tls = false for a test site") from None
        except TimeoutError:
            raise Unreachable(f"{base} did not answer within {self.adapter.timeout:g} s",
                              hint="check that the site is up; raise the site's timeout if it is slow") from None
        except (xml.parsers.expat.ExpatError, xmlrpc.client.ResponseError):
            raise RemoteError(f"{self.url} did not answer with XML-RPC; is {base} a WordPress site?") from None
        except OSError as exc:
            raise Unreachable(f"cannot connect to {base}: {exc.__class__.__name__}: {exc}",
                              hint="check the site's URL and that it is up") from None

    def call(self, method):
        return self.guard(self.client.call, method)

    def multicall(self, calls: list[tuple[str, tuple]]) -> list[Any]:
        """``system.multicall`` (defect 6: not callable through Client.call). Each
        result is the value or an AdapterError for that one call."""
        batch = xmlrpc.client.MultiCall(self.client.server)
        for name, args in calls:
            getattr(batch, name)(*args)
        results = self.guard(batch)
        out = []
        for raw in results.results:
            if isinstance(raw, dict) and "faultCode" in raw:
                fault = xmlrpc.client.Fault(raw["faultCode"], raw["faultString"])
                try:
                    self.guard(_raise, fault)
                except AdapterError as exc:
                    out.append(exc)
            else:
                out.append(raw[0])
        return out

    def auth_args(self, *rest) -> tuple:
        return (0, self.adapter.username, self.adapter.password, *rest)

    # -- probing ------------------------------------------------------------
    def profile(self) -> dict:
        user = self.call(xu.GetProfile())
        return {"roles": list(getattr(user, "roles", []) or [])}

    def capabilities(self) -> dict[str, bool]:
        roles = set(self.profile()["roles"])
        publish = bool(roles & {"administrator", "editor", "author"})
        try:
            self.call(_GetComments({"status": "hold", "number": 1}))
            moderate = True
        except PermissionDenied:
            moderate = False
        return {"publish": publish, "upload_media": publish, "moderate_comments": moderate}

    def version(self) -> str:
        options = self.call(xo.GetOptions(["software_version"]))
        for option in options:
            if getattr(option, "name", "") == "software_version":
                return str(option.value)
        return ""

    # -- comments -------------------------------------------------------------
    def to_comment(self, c: _Comment) -> RemoteComment:
        link = getattr(c, "link", "") or ""
        return RemoteComment(
            remote_id=str(c.id), post_id=str(getattr(c, "post", "") or ""), status=_status(c.status),
            date_gmt=_utc(c.date_created), content_html=_comment_html(getattr(c, "content", "")),
            author_name=getattr(c, "author", "") or "", author_url=getattr(c, "author_url", "") or "",
            author_email=getattr(c, "author_email", "") or "", author_ip=getattr(c, "author_ip", "") or "",
            parent_id=_parent(getattr(c, "parent", None)), post_title=html.unescape(getattr(c, "post_title", "")
                                                                                    or ""),
            post_url=_post_url_from_comment_link(link), type=getattr(c, "type", "") or "comment", link=link,
            user_id=_parent(getattr(c, "user", None)))

    def _slice(self, offset: int, number: int) -> list[RemoteComment]:
        """Comments newest first (date_gmt DESC, id DESC), all statuses and types
        (``status = "any"``: without a status WordPress lists hold + approve only)."""
        rows = self.call(_GetComments({"status": "any", "offset": offset, "number": number}))
        return [self.to_comment(c) for c in rows]

    def walk(self, cursor: SyncCursor, limit: int) -> tuple[list[RemoteComment], SyncCursor]:
        """One page of the comments after ``cursor``, newest first, and the cursor to store with it.

        XML-RPC lists comments newest first, with offsets and no date filter, so
        finding the oldest page after the cursor costs probes. Instead the walk
        goes down from the newest comment to the cursor, reading in growing chunks
        (``WALK_FIRST`` rows, doubling up to ``WALK_MAX``) and handing them out
        ``limit`` at a time; until the walk reaches the cursor the returned cursor
        is the old one, so the caller's stored cursor moves to the walk's newest
        comment only once every page is stored. A crash in between repeats the
        walk, and storing a comment again is a no-op.

        Offsets move when comments are added or deleted while we read, so every
        read after the first starts one row early: that row must be the last one
        read (or newer, when comments were added above). Anything older means rows
        above it were deleted and some could have been skipped: step back and read
        again.
        """
        key = _cursor_key(cursor)
        if self._walk_done is not None and self._walk_done == key:
            self._walk_done = None  # the walk that produced this cursor just ended: up to date
            return [], cursor
        walk = self._walk
        if walk is None or walk.start != key:
            walk = self._walk = _Walk(start=key, chunk=max(WALK_FIRST, limit))
        # Keep one row back until the walk's end is known, so its last page is never
        # empty: the caller stores the final cursor only with a page.
        while len(walk.buffer) <= limit and not walk.ended:
            self._read(walk)
        page, walk.buffer = walk.buffer[:limit], walk.buffer[limit:]
        if walk.buffer or not walk.ended:
            return page, cursor
        self._walk = None
        if walk.top is None:
            return page, cursor
        done = SyncCursor(after_date=_iso(walk.top[0]), after_id=str(walk.top[1]))
        self._walk_done = _cursor_key(done)
        return page, done

    def _read(self, walk: _Walk) -> None:
        """Read the next chunk of the walk into its buffer (one HTTP request, more only
        when the list moved under us)."""
        for _attempt in range(32):
            start = max(walk.offset - 1, 0) if walk.low is not None else 0
            number = (walk.offset - start) + walk.chunk + 1  # overlap + chunk + one to see the end
            rows = self._slice(start, number)
            if walk.low is not None and start > 0 and (not rows or _comment_key(rows[0]) < walk.low):
                walk.offset = max(1, walk.offset - walk.chunk)  # rows above were deleted: step back
                continue
            taken = 0
            for index, comment in enumerate(rows):
                ckey = _comment_key(comment)
                if walk.low is not None and ckey >= walk.low:
                    continue  # the overlap row, or comments added above it since
                if walk.start is not None and ckey <= walk.start:
                    walk.ended = True
                    break
                if walk.top is None:
                    walk.top = ckey
                walk.buffer.append(comment)
                walk.low = ckey
                walk.offset = start + index + 1
                taken += 1
            if len(rows) < number:
                walk.ended = True
            elif not walk.ended and taken == 0:
                walk.offset = start + len(rows)  # a whole chunk of comments added above: move on
            walk.chunk = min(WALK_MAX, walk.chunk * 2)
            return
        raise Unreachable("the site's comment list kept changing while it was read", hint="the next sync retries")

    def comments_by_id(self, ids: list[str]) -> list[RemoteComment]:
        results = self.multicall([("wp.getComment", self.auth_args(int(i))) for i in ids])
        found = []
        for raw in results:
            if isinstance(raw, NotFound):
                continue
            if isinstance(raw, AdapterError):
                raise raw
            found.append(self.to_comment(_Comment(raw)))
        return found

    def _get(self, comment_id: str) -> _Comment:
        return self.call(_GetComment(int(comment_id)))

    def moderate(self, comment_id: str, action: ModerationAction) -> CommentStatus | None:
        """Trash goes through wp.deleteComment (wp_trash_comment, as in wp-admin).
        Other states can only be set with wp.editComment, which writes
        comment_approved directly: WordPress's spam hooks (e.g. Akismet learning)
        do not run, and restore/unspam return to "pending". REST has no such gap,
        which is why ``auto`` prefers it."""
        comment = self._get(comment_id)
        current = _status(comment.status)
        if action is ModerationAction.DELETE:
            for _ in range(2):  # spam/trash: deleted at once; otherwise trashed first
                try:
                    self.call(xc.DeleteComment(int(comment_id)))
                    self._get(comment_id)
                except NotFound:
                    return None
            raise RemoteError(f"comment {comment_id} could not be deleted through XML-RPC")
        if action is ModerationAction.TRASH:
            if current is not CommentStatus.TRASH:
                self.call(xc.DeleteComment(int(comment_id)))
            return _status(self._get(comment_id).status)
        target = {ModerationAction.APPROVE: "approve", ModerationAction.HOLD: "hold",
                  ModerationAction.SPAM: "spam", ModerationAction.UNSPAM: "hold",
                  ModerationAction.RESTORE: "hold"}[action]
        if action in (ModerationAction.UNSPAM, ModerationAction.RESTORE) and current in (
                CommentStatus.PENDING, CommentStatus.APPROVED):
            return current
        if _status(target) is current:
            return current  # editComment with an unchanged status is refused ("could not be updated")
        comment.status = target
        self.call(xc.EditComment(int(comment_id), comment))
        return _status(target)

    def reply(self, parent: RemoteComment, html_text: str) -> RemoteComment:
        comment = _Comment()
        comment.content = html_text
        comment.parent = int(parent.remote_id)
        new_id = self.call(xc.NewComment(int(parent.post_id), comment))
        return self.to_comment(self._get(str(new_id)))

    def find_reply(self, parent: RemoteComment, marker: str) -> RemoteComment | None:
        """Our earlier reply to ``parent`` carrying ``marker``. XML-RPC cannot filter by
        parent or text: the post's newest REPLY_SCAN comments are read (a retry
        follows the lost reply soon, so it is among them)."""
        rows = self.call(_GetComments({"post_id": int(parent.post_id), "status": "any", "number": REPLY_SCAN}))
        for row in rows:
            if _parent(getattr(row, "parent", None)) == str(parent.remote_id) and \
                    marker in (getattr(row, "content", "") or ""):
                return self.to_comment(row)
        return None

    # -- posts -----------------------------------------------------------------
    def find_post(self, item_id: str) -> dict | None:
        marker = MARKER.format(item_id)
        posts = self.call(xp.GetPosts({"s": marker, "number": 10, "post_type": "post",
                                       "post_status": ["publish", "future", "draft", "pending", "private", "trash"]},
                                      ["post_id", "post_content", "link", "post_thumbnail"]))
        for post in posts:
            if marker in (getattr(post, "content", "") or ""):
                return self._post_info(post)
        return None

    @staticmethod
    def _post_info(post: WordPressPost) -> dict:
        thumb = getattr(post, "thumbnail", None)
        thumb_id = thumb.get("attachment_id") if isinstance(thumb, dict) else None
        return {"id": str(post.id), "link": getattr(post, "link", "") or "", "featured_media": thumb_id or None}

    def get_post(self, post_id: str) -> dict | None:
        try:
            post = self.call(xp.GetPost(int(post_id), ["post_id", "link", "post_thumbnail", "post_status"]))
        except (NotFound, PermissionDenied):
            return None
        return self._post_info(post)

    def media_source(self, media_id: str) -> str | None:
        try:
            item = self.call(xm.GetMediaItem(int(media_id)))
        except (NotFound, PermissionDenied, RemoteError):
            return None
        return getattr(item, "link", None)

    def upload(self, media: Media, filename: str, sha: str) -> str:
        with open(media.local_path, "rb") as fh:
            bits = xmlrpc.client.Binary(fh.read())
        result = self.call(xm.UploadFile({"name": filename, "type": _media_type(media), "bits": bits,
                                          "overwrite": False}))
        media_id = str(result.get("attachment_id") or result["id"])
        if media.alt:
            # Stock XML-RPC cannot write the alt text (protected meta); the title and
            # caption carry it, and REST sets the real alt when it is the transport.
            attachment = WordPressPost()
            attachment.post_type = "attachment"
            attachment.title = media.alt
            attachment.excerpt = media.alt
            self.call(xp.EditPost(int(media_id), attachment))
        return media_id

    def save_post(self, post_id: str | None, fields_: dict) -> dict:
        post = WordPressPost()
        post.title = fields_["title"]
        post.content = fields_["content"]
        post.excerpt = fields_["excerpt"]
        post.post_status = fields_["status"]
        post.comment_status = "open"  # defect 4: NewPost would close comments
        post.terms_names = {"category": fields_["categories"] or ["Uncategorized"], "post_tag": fields_["tags"]}
        # Defect 3: never round-trip a fetched post; send the thumbnail as a plain id.
        post.thumbnail = int(fields_["featured_media"] or 0) or ""
        if post_id:
            self.call(xp.EditPost(int(post_id), post))
        else:
            post_id = str(self.call(xp.NewPost(post)))
        saved = self.call(xp.GetPost(int(post_id), ["post_id", "link"]))
        return {"id": str(post_id), "link": getattr(saved, "link", "") or ""}

    def unpublish(self, post_id: str, mode: str) -> None:
        if mode == "draft":
            post = WordPressPost()
            post.post_status = "draft"
            self.call(xp.EditPost(int(post_id), post))
        else:
            self.call(xp.DeletePost(int(post_id)))  # wp_delete_post: to the trash first


def _raise(exc: BaseException):
    raise exc


# -- the adapter -----------------------------------------------------------------
class WordPressAdapter(CMSAdapter):
    kind = "wordpress"
    config_schema = WordPressSiteSchema

    def __init__(self, site: dict, secrets: dict[str, str]):
        super().__init__(site, secrets)
        self.base_url = site["url"].rstrip("/")
        self.username = site.get("username", "")
        self.password = (secrets.get("password") or "").replace(" ", "")
        self.timeout = float(site.get("timeout") or 20.0)
        self.verify_tls = bool(site.get("verify_tls", True))
        self.preferred = site.get("transport", "auto")
        self.store_pii = bool(site.get("store_commenter_pii", False))
        #: HTTP requests made so far (both transports); benchmarks and tests read it
        self.request_count = 0
        self.term_cache: dict[tuple[str, str], int] = {}
        self._post_cache: dict[str, tuple[str, str]] = {}
        self._transport: _RestTransport | _XmlrpcTransport | None = None

    # -- transport selection ------------------------------------------------------
    @property
    def transport_name(self) -> str | None:
        return self._transport.name if self._transport else None

    def transport(self):
        """The transport in use: the configured one, or for ``auto`` the first that
        authenticates (REST, then XML-RPC), probed once and kept."""
        if self._transport is not None:
            return self._transport
        if self.preferred == "rest":
            self._transport = self._open_rest()
        elif self.preferred == "xmlrpc":
            self._transport = self._open_xmlrpc()
        else:
            try:
                self._transport = self._open_rest()
            except (AuthError, PermissionDenied, NotFound, RemoteError) as rest_error:
                if isinstance(rest_error, TemporaryRemoteError):
                    raise
                try:
                    self._transport = self._open_xmlrpc()
                except (AuthError, PermissionDenied, NotFound, RemoteError, ConfigurationError):
                    raise rest_error from None
        return self._transport

    def _open_rest(self) -> _RestTransport:
        rest = _RestTransport(self)
        rest.index()
        rest.me()
        return rest

    def _open_xmlrpc(self) -> _XmlrpcTransport:
        xmlrpc_transport = _XmlrpcTransport(self)
        xmlrpc_transport.profile()
        return xmlrpc_transport

    def http_get(self, url: str) -> requests.Response:
        self.request_count += 1
        try:
            return requests.get(url, timeout=self.timeout, verify=self.verify_tls,
                                headers={"User-Agent": USER_AGENT})
        except requests.exceptions.RequestException as exc:
            raise Unreachable(f"cannot fetch {url}: {exc.__class__.__name__}") from None

    # -- check --------------------------------------------------------------------
    def check(self) -> ConnectionReport:
        report = ConnectionReport(ok=False, kind=self.kind)
        rest = _RestTransport(self)
        index = None
        try:
            index = rest.index()
        except (Unreachable, RateLimited, TemporaryRemoteError) as exc:
            report.problems.append(exc.describe())
            return report
        except RemoteError as exc:
            report.notes.append(f"REST API not found: {exc.message}")
        candidates = [self.preferred] if self.preferred != "auto" else ["rest", "xmlrpc"]
        failures: list[str] = []
        errors: list[AdapterError] = []
        for name in candidates:
            try:
                if name == "rest":
                    if index is None:
                        raise RemoteError("the site has no WordPress REST API (/wp-json/)")
                    chosen = self._open_rest()
                else:
                    chosen = self._open_xmlrpc()
                caps = chosen.capabilities()
            except AdapterError as exc:
                errors.append(exc)
                failures.append(self._explain(name, exc, index))
                if isinstance(exc, (Unreachable, RateLimited)):
                    break
                continue
            self._transport = chosen
            report.transport = name
            report.capabilities = caps
            try:
                report.version = chosen.version()
            except AdapterError:
                report.version = ""
            report.notes.extend(f"not using {f}" for f in failures)
            missing = [k for k, v in caps.items() if not v]
            if missing:
                report.problems.append(
                    f"the account {self.username!r} may not: {', '.join(m.replace('_', ' ') for m in missing)} — "
                    "give it the Editor or Administrator role")
            if name == "xmlrpc":
                report.notes.append("XML-RPC sets spam/hold directly (WordPress's spam hooks do not run) and "
                                    "cannot set image alt text; REST with an application password has neither gap")
            report.ok = not report.problems
            return report
        if index is None and not any(isinstance(e, (AuthError, PermissionDenied, Unreachable)) for e in errors):
            report.problems.append(f"{self.base_url} does not look like a WordPress site (no REST API, no XML-RPC) "
                                   "— check the URL: it must be the site's home address")
        else:
            report.problems.extend(failures)
        return report

    def _explain(self, transport: str, exc: AdapterError, index: dict | None) -> str:
        """Turn a probe failure into one actionable sentence."""
        if transport == "rest" and isinstance(exc, AuthError) and "did not reach" in exc.message:
            return self._explain_rest_login(index)
        if isinstance(exc, AuthError):
            what = "application password" if transport == "rest" else "password"
            return f"{transport.upper()}: wrong credentials for {self.username!r} — check the username and the {what}"
        if isinstance(exc, XmlrpcDisabled):
            return f"XML-RPC: {exc.message} — use transport = \"rest\" with an application password"
        return f"{transport.upper()}: {exc.describe()}"

    def _explain_rest_login(self, index: dict | None) -> str:
        """REST answers "not logged in" alike for a wrong password, the login password
        (REST takes only application passwords), disabled application passwords and
        a stripped Authorization header. The API index and an XML-RPC login with
        the same password (sent in the body, not the header) tell them apart."""
        auth = (index or {}).get("authentication") or {}
        if "application-passwords" not in auth:
            return ("REST: application passwords are disabled on the site (a security plugin or the "
                    "wp_is_application_passwords_available filter) — enable them, or use transport = \"xmlrpc\"")
        if not re.fullmatch(r"[A-Za-z0-9]{24}", self.password):
            return ("REST: wrong credentials — REST needs an application password (Users → Profile → "
                    "Application Passwords, 24 characters); the login password does not work over REST")
        try:
            _XmlrpcTransport(self).profile()
        except AuthError:
            return (f"REST: wrong credentials for {self.username!r} — check the username and the application "
                    "password (XML-RPC refused it too)")
        except AdapterError:
            return ("REST: WordPress did not see the credentials: the username or application password is wrong, "
                    f"or the server strips the Authorization header — {HEADER_FIX}")
        return ("REST: the server strips the Authorization header, so WordPress never sees the application "
                f"password (XML-RPC accepts it) — {HEADER_FIX}; or use transport = \"xmlrpc\"")

    # -- publishing ---------------------------------------------------------------------
    def publish(self, item: SocialItem, existing_ref: RemoteRef | None) -> RemoteRef:
        t = self.transport()
        post = t.get_post(existing_ref.remote_id) if existing_ref else None
        if post is None:
            post = t.find_post(item.id)
        media = _first_image(item)
        media_id = media_sha = None
        if media is not None:
            media_sha = media.sha256 or _file_sha256(media.local_path)
            filename = _media_filename(media, media_sha)
            if existing_ref and existing_ref.media_sha256 == media_sha and existing_ref.media_id:
                media_id = existing_ref.media_id
            elif post and post.get("featured_media"):
                source = t.media_source(post["featured_media"]) or ""
                if media_sha[:16] in source:
                    media_id = post["featured_media"]
            if media_id is None:
                media_id = t.upload(media, filename, media_sha)
        saved = t.save_post(post["id"] if post else None, {
            "title": item.title or _excerpt(item)[:80] or "Untitled", "content": _post_body(item),
            "excerpt": _excerpt(item), "status": self.site.get("post_status", "publish"),
            "categories": list(self.site.get("categories") or []),
            "tags": list(dict.fromkeys([*(self.site.get("tags") or []), *item.tags])),
            "featured_media": media_id})
        return RemoteRef(remote_id=saved["id"], url=saved["link"], media_id=media_id, media_sha256=media_sha,
                         extra={"transport": t.name})

    def unpublish(self, ref: RemoteRef) -> None:
        try:
            self.transport().unpublish(ref.remote_id, self.site.get("unpublish", "trash"))
        except NotFound:
            return  # already gone: the goal is reached

    # -- comments --------------------------------------------------------------------------
    def fetch_comments(self, cursor: SyncCursor, limit: int = 100) -> tuple[list[RemoteComment], SyncCursor]:
        """REST: pages oldest first, each moving the cursor. XML-RPC: pages newest
        first, the cursor moving once the walk down to it is complete (see
        :meth:`_XmlrpcTransport.walk`)."""
        limit = max(1, min(BATCH, limit))
        t = self.transport()
        if isinstance(t, _XmlrpcTransport):
            page, next_cursor = t.walk(cursor, limit)
        else:
            page = t.fetch_comments(cursor, limit)
            next_cursor = SyncCursor(after_date=_iso(page[-1].date_gmt), after_id=page[-1].remote_id) \
                if page else cursor
        if not page:
            return [], next_cursor
        self._fill_posts(page, fetch=True)
        return page, next_cursor

    def fetch_comments_by_id(self, ids: list[str]) -> list[RemoteComment]:
        """Re-read comments by id (≤ 100 per request). Post titles come from the
        cache only: reconciliation needs statuses, and must cost one request per 100."""
        t = self.transport()
        out: list[RemoteComment] = []
        for start in range(0, len(ids), BATCH):
            out.extend(t.comments_by_id([str(i) for i in ids[start:start + BATCH]]))
        self._fill_posts(out, fetch=False)
        return out

    def _fill_posts(self, comments: list[RemoteComment], *, fetch: bool) -> None:
        """Post title and URL on every comment, looked up once per page and cached."""
        wanted = {c.post_id for c in comments if c.post_id and not c.post_title}
        missing = [p for p in wanted if p not in self._post_cache]
        if missing and fetch and isinstance(self._transport, _RestTransport):
            self._post_cache.update(self._transport.post_titles(missing))
            if len(self._post_cache) > 5000:
                self._post_cache.clear()
        for c in comments:
            if c.post_title:
                self._post_cache.setdefault(c.post_id, (c.post_title, c.post_url))
            elif c.post_id in self._post_cache:
                title, url = self._post_cache[c.post_id]
                c.post_title = html.unescape(title)
                c.post_url = url or c.post_url

    def moderate(self, comment_id: str, action: ModerationAction) -> CommentStatus | None:
        return self.transport().moderate(str(comment_id), ModerationAction(action))

    def reply(self, parent: RemoteComment, text: str, *, key: str | None = None) -> RemoteComment:
        """Post a reply; with ``key`` (the outbox job's id) it is idempotent.

        The key travels in the reply as an HTML comment, ``<!-- [cms-bridge-reply:KEY] -->``
        (WordPress keeps it in comment_content, kses included, and never shows it),
        and an earlier reply to the same parent carrying it is returned instead of
        posting again: a crash between WordPress accepting the reply and the local
        save never double-posts. Costs one extra request per reply."""
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
        if not paragraphs:
            raise ValueError("a reply needs some text")
        body = "\n\n".join(html.escape(p, quote=False) for p in paragraphs)
        t = self.transport()
        comment = None
        if key is not None:
            marker = REPLY_MARKER.format(key)
            body += f"\n<!-- {marker} -->"
            comment = t.find_reply(parent, marker)
        if comment is None:
            comment = t.reply(parent, body)
        if not comment.post_title:
            comment.post_title, comment.post_url = parent.post_title, parent.post_url or comment.post_url
        return comment

    def close(self) -> None:
        if isinstance(self._transport, _RestTransport):
            self._transport.session.close()
        self._transport = None


__all__ = ["WordPressAdapter", "WordPressSiteSchema", "TLSFailure", "XmlrpcDisabled"]
