"""The REST transport (``/wp-json/wp/v2``, application passwords) through requests."""
from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import requests

from ..base import AdapterError, AuthError, NotFound, PermissionDenied, RateLimited, RemoteError, TemporaryRemoteError
from ..http import retry_after_seconds
from ..types import CommentStatus, Media, ModerationAction, RemoteComment
from ..words import N_, Words
from .common import BATCH, HEADER_FIX, MARKER, MEDIA_MARKER, comment_from_row, comment_status, local_file, media_type
from .connection import WordPressConnection
from .responses import NO_JSON, created_id, decode_json
from .walk import Listing


class RestTransport:
    """``/wp-json/wp/v2`` with an application password (HTTP Basic)."""

    name = "rest"
    COMMENT_FIELDS = ("id,post,parent,author,author_name,author_email,author_url,author_ip,"
                      "date_gmt,content,link,status,type,meta")  # meta: the plugin's held_because

    def __init__(self, connection: WordPressConnection):
        self.connection = connection
        self.pretty = True  # /wp-json/...; False: ?rest_route=/...
        self._listed: int | None = None  # X-WP-Total of the last comment list read

    def url(self, route: str) -> str:
        route = "/" + route.lstrip("/")
        if self.pretty:
            return f"{self.connection.base_url}/wp-json{route}"
        return f"{self.connection.base_url}/?rest_route={route}"

    def request(self, method: str, route: str, *, auth: bool = True, ok=(200, 201), **kw) -> requests.Response:
        response = self.connection.request(method, self.url(route), auth=auth, **kw)
        if ok is not None and response.status_code not in ok:
            raise self.error(response)
        return response

    def error(self, response: requests.Response) -> AdapterError:
        status = response.status_code
        body = decode_json(response.text)
        code = body.get("code", "") if isinstance(body, dict) else ""
        message = (body.get("message") if isinstance(body, dict) else "") or response.reason or "no message"
        request = f"{response.request.method} {urlsplit(response.url).path}"
        message = Words(N_("WordPress REST %(request)s: %(status)s %(message)s"), request=request, status=status,
                        message=message)
        if status == 429 or (status == 503 and response.headers.get("Retry-After")):
            return RateLimited(message, retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                               hint=N_("the site is limiting requests; the bridge retries later"))
        if status >= 500:
            return TemporaryRemoteError(message, hint=N_("the site failed; the bridge retries later"))
        if status == 401:
            if code in ("rest_not_logged_in", "rest_forbidden", "rest_cannot_view", "rest_forbidden_context"):
                return AuthError(Words(N_("%(answer)s (the credentials did not reach WordPress)"), answer=message),
                                 hint=Words(N_("check the username and application password; or the server strips "
                                               "the Authorization header: %(fix)s; or application passwords are "
                                               "disabled"), fix=HEADER_FIX))
            return AuthError(message, hint=N_("check username and the application password (Users → Profile → "
                                              "Application Passwords; the login password does not work over REST)"))
        if status == 403:
            return PermissionDenied(message, hint=N_("give the WordPress account the Editor or Administrator role"))
        if status in (404, 410):
            return NotFound(message)
        return RemoteError(message)

    def json(self, method: str, route: str, **kw) -> Any:
        """The JSON document of a successful answer, PHP output around it ignored
        (see :mod:`.responses`). No document at all: for a read, "not a WordPress
        site"; for a write, the site may have acted, so a retriable error."""
        response = self.request(method, route, **kw)
        return self.body(response, method, route)

    def body(self, response: requests.Response, method: str, route: str) -> Any:
        data = decode_json(response.text)
        if data is not NO_JSON:
            return data
        if method != "GET":
            raise TemporaryRemoteError(
                Words(N_("WordPress REST %(request)s: %(status)s without a readable result"),
                      request=f"{method} {urlsplit(response.url).path}", status=response.status_code),
                hint=N_("the site may have acted; the bridge retries and finds the result"))
        raise RemoteError(Words(N_("%(url)s did not answer with JSON; is %(site)s a WordPress site?"),
                                url=self.url(route), site=self.connection.base_url))

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
        raise RemoteError(Words(N_("%(site)s has no WordPress REST API (/wp-json/ and ?rest_route= gave no wp/v2)"),
                                site=self.connection.base_url),
                          hint=N_("check the URL: it must be the WordPress site's home address"))

    def me(self) -> dict:
        return self.json("GET", "/wp/v2/users/me", params={"context": "edit", "_fields": "id,roles,capabilities"})

    def capabilities(self) -> dict[str, bool]:
        caps = self.me().get("capabilities") or {}
        return {"publish": bool(caps.get("publish_posts")), "upload_media": bool(caps.get("upload_files")),
                "moderate_comments": bool(caps.get("moderate_comments"))}

    def version(self) -> str:
        try:
            response = self.connection.get(f"{self.connection.base_url}/?feed=rss2")
        except AdapterError:
            return ""
        match = re.search(r"wordpress\.org/\?v=([0-9][\w.-]*)", response.text)
        return match.group(1) if match else ""

    # -- comments ---------------------------------------------------------
    def to_comment(self, row: dict) -> RemoteComment:
        return comment_from_row(row)

    def listing(self) -> Listing:
        """Newest id first: REST orders by id, so the walk needs nothing else (see walk.py)."""
        return Listing(read=self._slice, key=lambda c: (int(c.remote_id),), max_number=BATCH, by_id=True,
                       total=lambda: self._listed)

    def _slice(self, offset: int, number: int) -> list[RemoteComment]:
        """One read of the list; its ``X-WP-Total`` header (the rows the query matches,
        whatever the offset) is kept as :meth:`listing`'s total."""
        route = "/wp/v2/comments"
        response = self.request("GET", route, params={
            "status": "any", "type": "all", "orderby": "id", "order": "desc", "offset": offset,
            "per_page": number, "context": "edit", "_fields": self.COMMENT_FIELDS})
        try:
            self._listed = int(response.headers.get("X-WP-Total", ""))
        except ValueError:
            self._listed = None  # a proxy or plugin dropped it: no total
        rows = self.body(response, "GET", route)
        if not isinstance(rows, list):
            raise RemoteError(N_("WordPress answered the comment list with something that is not a list"))
        return [self.to_comment(r) for r in rows]

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
                return comment_status(current)  # nothing to restore
        row = self.json("POST", route, json={"status": status}, params={"context": "edit", "_fields": "status"})
        return comment_status(row["status"])

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
                                                                      "_fields": "id,link,featured_media,content"})
        except NotFound:
            return None
        return {"id": str(row["id"]), "link": row.get("link") or "",
                "featured_media": str(row.get("featured_media") or "") or None,
                "content": (row.get("content") or {}).get("raw") or ""}

    def media_source(self, media_id: str) -> str | None:
        try:
            return self.json("GET", f"/wp/v2/media/{media_id}", params={"_fields": "source_url",
                                                                        "context": "edit"}).get("source_url")
        except NotFound:
            return None

    def find_media(self, sha: str) -> str | None:
        """An attachment we uploaded earlier with this content: its description
        carries ``MEDIA_MARKER`` and its file name the hash's first 16 digits
        (WordPress searches title, excerpt and description)."""
        rows = self.json("GET", "/wp/v2/media", params={
            "search": sha[:16], "context": "edit", "per_page": 10, "_fields": "id,source_url,description"})
        for row in rows if isinstance(rows, list) else []:
            description = (row.get("description") or {}).get("raw") or ""
            if MEDIA_MARKER.format(sha) in description or f"cms-bridge-{sha[:16]}" in (row.get("source_url") or ""):
                return str(row["id"])
        return None

    def upload(self, media: Media, filename: str, sha: str) -> str:
        """One request: the bytes, with title, alt text and the content marker as
        query parameters (core's attachments controller reads them on create), so
        no crash can leave an attachment without its marker. Status and headers
        decide: 201 + ``Location``, or ``X-WP-Upload-Attachment-ID`` even on a 5xx
        (the file is stored; only its sub-sizes failed)."""
        with open(local_file(media.local_path), "rb") as fh:
            data = fh.read()
        route = "/wp/v2/media"
        response = self.request("POST", route, ok=None, data=data, params={
            "title": media.alt or filename.rsplit(".", 1)[0], "alt_text": media.alt,
            "description": MEDIA_MARKER.format(sha), "_fields": "id"}, headers={
            "Content-Type": media_type(media), "Content-Disposition": f'attachment; filename="{filename}"'})
        media_id = created_id(response.status_code, response.headers)
        if media_id is not None:
            return media_id
        if response.status_code not in (200, 201):
            raise self.error(response)
        row = self.body(response, "POST", route)
        if not isinstance(row, dict) or "id" not in row:
            raise TemporaryRemoteError(Words(N_("WordPress REST POST %(route)s: %(status)s without an attachment id"),
                                             route=route, status=response.status_code),
                                       hint=N_("the site may have acted; the bridge retries and finds the upload"))
        return str(row["id"])

    def term_ids(self, taxonomy: str, names: list[str]) -> list[int]:
        route = "/wp/v2/categories" if taxonomy == "category" else "/wp/v2/tags"
        ids = []
        for name in names:
            cached = self.connection.term_cache.get((taxonomy, name.lower()))
            if cached is None:
                rows = self.json("GET", route, params={"search": name, "per_page": BATCH, "_fields": "id,name"})
                match = next((r for r in rows if html.unescape(r["name"]).lower() == name.lower()), None)
                if match is None:
                    match = self.json("POST", route, json={"name": name}, params={"_fields": "id,name"})
                cached = int(match["id"])
                self.connection.term_cache[(taxonomy, name.lower())] = cached
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
