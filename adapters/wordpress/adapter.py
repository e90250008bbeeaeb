"""The WordPress adapter: picks a transport and gives both one behaviour."""
from __future__ import annotations

import html
import os
import re

from ..base import (
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
from ..types import (
    Anonymized,
    CommentStatus,
    ConnectionReport,
    ModerationAction,
    RemoteComment,
    RemoteRef,
    SocialItem,
    SyncCursor,
)
from ..words import N_, Words
from .common import (
    ANY_MARKER,
    BATCH,
    HEADER_FIX,
    REPLY_MARKER,
    WALK_FIRST,
    WALK_MAX,
    WordPressSiteSchema,
    XmlrpcDisabled,
    excerpt,
    file_sha256,
    first_image,
    media_filename,
    post_body,
    video_media,
)
from .connection import WordPressConnection
from .rest import RestTransport
from .walk import CommentWalk
from .xmlrpc import XmlrpcTransport


def _ours(post: dict, key: str) -> bool:
    """False when the post carries another installation's (or item's) marker: a
    stored mapping that points there is not ours to overwrite. A post without
    any marker (an editor removed it) stays ours."""
    markers = ANY_MARKER.findall(post.get("content") or "")
    return not markers or key in markers


# -- the adapter -----------------------------------------------------------------
#: how a transport is named in what the adapter says
TRANSPORT_NAMES = {"rest": "REST", "xmlrpc": "XML-RPC"}


class WordPressAdapter(CMSAdapter):
    kind = "wordpress"
    config_schema = WordPressSiteSchema

    def __init__(self, site: dict, secrets: dict[str, str]):
        super().__init__(site, secrets)
        #: the site's address, credentials, timeout and session, shared by both transports and the plugin client
        self.connection = WordPressConnection.for_site(site, secrets)
        self.preferred = site.get("transport", "auto")
        self.store_pii = bool(site.get("store_commenter_pii", False))
        self._post_cache: dict[str, tuple[str, str]] = {}
        self._transport: RestTransport | XmlrpcTransport | None = None
        self._walk: CommentWalk | None = None
        #: rows in the comment walk's first read (doubling up to WALK_MAX); tests vary it
        self.walk_first = WALK_FIRST
        self._walk_transport = None

    @property
    def base_url(self) -> str:
        return self.connection.base_url

    @base_url.setter
    def base_url(self, value: str) -> None:  # tests put a fault proxy in front of the site
        self.connection.base_url = value.rstrip("/")

    @property
    def username(self) -> str:
        return self.connection.username

    @property
    def request_count(self) -> int:
        """HTTP requests made so far (both transports, the plugin client); benchmarks and tests read it."""
        return self.connection.request_count

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

    def _open_rest(self) -> RestTransport:
        rest = RestTransport(self.connection)
        rest.index()
        rest.me()
        return rest

    def _open_xmlrpc(self) -> XmlrpcTransport:
        xmlrpc_transport = XmlrpcTransport(self.connection)
        xmlrpc_transport.profile()
        return xmlrpc_transport

    # -- check --------------------------------------------------------------------
    def check(self) -> ConnectionReport:
        report = ConnectionReport(ok=False, kind=self.kind)
        rest = RestTransport(self.connection)
        index = None
        try:
            index = rest.index()
        except (Unreachable, RateLimited, TemporaryRemoteError) as exc:
            report.problems.append(exc.describe())
            return report
        except RemoteError as exc:
            report.notes.append(Words(N_("REST API not found: %(reason)s"), reason=exc.message))
        candidates = [self.preferred] if self.preferred != "auto" else ["rest", "xmlrpc"]
        failures: list[str] = []
        errors: list[AdapterError] = []
        for name in candidates:
            try:
                if name == "rest":
                    if index is None:
                        raise RemoteError(N_("the site has no WordPress REST API (/wp-json/)"))
                    chosen: RestTransport | XmlrpcTransport = self._open_rest()
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
            report.notes.extend(Words(N_("not using %(transport)s"), transport=f) for f in failures)
            missing = [k for k, v in caps.items() if not v]
            if missing:
                report.problems.append(Words(
                    N_("the account %(user)r may not: %(rights)s — give it the Editor or Administrator role"),
                    user=self.username, rights=", ".join(m.replace("_", " ") for m in missing)))
            if name == "xmlrpc":
                report.notes.append(N_("XML-RPC sets spam/hold directly (WordPress's spam hooks do not run) and "
                                       "cannot set image alt text; REST with an application password has neither gap"))
            report.ok = not report.problems
            return report
        if index is None and not any(isinstance(e, (AuthError, PermissionDenied, Unreachable)) for e in errors):
            report.problems.append(Words(N_("%(site)s does not look like a WordPress site (no REST API, no XML-RPC) "
                                            "— check the URL: it must be the site's home address"), site=self.base_url))
        else:
            report.problems.extend(failures)
        return report

    def _explain(self, transport: str, exc: AdapterError, index: dict | None) -> str:
        """Turn a probe failure into one actionable sentence."""
        if transport == "rest" and isinstance(exc, AuthError) and "did not reach" in exc.message:
            return self._explain_rest_login(index)
        if isinstance(exc, AuthError):
            if transport == "rest":
                return Words(N_("REST: wrong credentials for %(user)r — check the username and the application "
                                "password"), user=self.username)
            return Words(N_("XML-RPC: wrong credentials for %(user)r — check the username and the password"),
                         user=self.username)
        if isinstance(exc, XmlrpcDisabled):
            return Words(N_('XML-RPC: %(problem)s — use transport = "rest" with an application password'),
                         problem=exc.message)
        return Words(N_("%(transport)s: %(problem)s"), transport=TRANSPORT_NAMES[transport], problem=exc.describe())

    def _explain_rest_login(self, index: dict | None) -> str:
        """REST answers "not logged in" alike for a wrong password, the login password
        (REST takes only application passwords), disabled application passwords and
        a stripped Authorization header. The API index and an XML-RPC login with
        the same password (sent in the body, not the header) tell them apart."""
        auth = (index or {}).get("authentication") or {}
        if "application-passwords" not in auth:
            return N_("REST: application passwords are disabled on the site (a security plugin or the "
                      "wp_is_application_passwords_available filter) — enable them, or use transport = \"xmlrpc\"")
        if not re.fullmatch(r"[A-Za-z0-9]{24}", self.connection.password):
            return N_("REST: wrong credentials — REST needs an application password (Users → Profile → "
                      "Application Passwords, 24 characters); the login password does not work over REST")
        try:
            XmlrpcTransport(self.connection).profile()
        except AuthError:
            return Words(N_("REST: wrong credentials for %(user)r — check the username and the application "
                            "password (XML-RPC refused it too)"), user=self.username)
        except AdapterError:
            return Words(N_("REST: WordPress did not see the credentials: the username or application password is "
                            "wrong, or the server strips the Authorization header — %(fix)s"), fix=HEADER_FIX)
        return Words(N_("REST: the server strips the Authorization header, so WordPress never sees the application "
                        "password (XML-RPC accepts it) — %(fix)s; or use transport = \"xmlrpc\""), fix=HEADER_FIX)

    # -- publishing ---------------------------------------------------------------------
    def publish(self, item: SocialItem, existing_ref: RemoteRef | None) -> RemoteRef:
        key = self.require_key(item)
        t = self.transport()
        post = t.get_post(existing_ref.remote_id) if existing_ref else None
        if post is not None and not _ours(post, key):
            post, existing_ref = None, None  # another installation's post (a restored or copied database)
        if post is None:
            post = t.find_post(key)
        media = first_image(item)
        media_id = media_sha = None
        if media is not None:
            media_sha = media.sha256 or file_sha256(media.local_path)
            filename = media_filename(media, media_sha)
            if existing_ref and existing_ref.media_sha256 == media_sha and existing_ref.media_id:
                media_id = existing_ref.media_id
            elif post and post.get("featured_media"):
                source = t.media_source(post["featured_media"]) or ""
                if media_sha[:16] in source:
                    media_id = post["featured_media"]
            if media_id is None:
                # An earlier try may have uploaded it (a crash or a 5xx before the post was saved).
                media_id = t.find_media(media_sha) or t.upload(media, filename, media_sha)
        videos = self._upload_videos(t, item, existing_ref, post)
        saved = t.save_post(post["id"] if post else None, {
            "title": item.title or excerpt(item)[:80] or "Untitled",
            "content": post_body(item, [url for _id, url in videos.values()]),
            "excerpt": excerpt(item), "status": self.site.get("post_status", "publish"),
            "categories": list(self.site.get("categories") or []),
            "tags": list(dict.fromkeys([*(self.site.get("tags") or []), *item.tags])),
            "featured_media": media_id})
        extra = {"transport": t.name, **({"videos": videos} if videos else {})}
        return RemoteRef(remote_id=saved["id"], url=saved["link"], media_id=media_id, media_sha256=media_sha,
                         extra=extra)

    @staticmethod
    def _upload_videos(t, item: SocialItem, existing_ref: RemoteRef | None, post: dict | None) -> dict:
        """sha256 → [attachment id, URL] of the item's videos, each uploaded once: known
        from the earlier publish, or found in the post's content by the file name (which
        carries the sha) when the earlier answer was lost."""
        known = dict(((existing_ref.extra or {}).get("videos") or {}) if existing_ref else {})
        content = ((post or {}).get("content") or {})
        content = content.get("raw", "") if isinstance(content, dict) else str(content)
        videos = {}
        for media in video_media(item):
            sha = media.sha256 or file_sha256(media.local_path)
            if sha in known:
                videos[sha] = known[sha]
                continue
            filename = media_filename(media, sha)
            found = re.search(r'src="([^"]*' + re.escape(os.path.splitext(filename)[0]) + r'[^"]*)"', content)
            if found:
                videos[sha] = [None, html.unescape(found.group(1))]
                continue
            media_id = t.upload(media, filename, sha)
            videos[sha] = [media_id, t.media_source(media_id) or ""]
        return videos

    # stories (issue 14): the post is built in .story / .blocks
    def publish_story(self, story, existing_ref: RemoteRef | None) -> RemoteRef:
        from .story import publish_story

        return publish_story(self, story, existing_ref)

    def unpublish(self, ref: RemoteRef) -> None:
        try:
            self.transport().unpublish(ref.remote_id, self.site.get("unpublish", "trash"))
        except NotFound:
            return  # already gone: the goal is reached

    # -- comments --------------------------------------------------------------------------
    def fetch_comments(self, cursor: SyncCursor, limit: int = 100) -> tuple[list[RemoteComment], SyncCursor]:
        """The comments with an id above the cursor's, newest first, ``limit`` at a
        time; the cursor moves with the walk's last page (see walk.py)."""
        limit = max(1, min(BATCH, limit))
        t = self.transport()
        if isinstance(t, XmlrpcTransport):
            t.forget_held()  # a new sync: statuses are read afresh
        if self._walk is None or self._walk_transport is not t:
            self._walk, self._walk_transport = CommentWalk(t.listing(), self.walk_first, WALK_MAX), t
        page, next_cursor = self._walk.page(cursor, limit)
        if page:
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
        if missing and fetch and isinstance(self._transport, RestTransport):
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

    def anonymize_commenter(self, email: str, remote_ids: list[str]) -> Anonymized:
        from . import privacy

        transport = self.transport()
        if transport.name == "rest":
            return privacy.rest_anonymize(transport, email, remote_ids)
        return privacy.xmlrpc_anonymize(transport, remote_ids)

    def close(self) -> None:
        self.connection.close()
        self._transport = None



