"""Shared pieces of the WordPress adapter: site config schema, markers, value
conversions and the HTML of published posts."""
from __future__ import annotations

import hashlib
import html
import mimetypes
import os
import re
import xmlrpc.client
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import nh3
from marshmallow import RAISE, Schema, fields, validate

from ..base import (
    ConfigurationError,
    RemoteError,
    Unreachable,
)
from ..types import (
    CommentStatus,
    HoldReason,
    Media,
    RemoteComment,
    SocialItem,
)
from ..words import N_, Words

USER_AGENT = "cms-bridge (WordPress adapter)"
MARKER = "[cms-bridge-item:{}]"
REPLY_MARKER = "[cms-bridge-reply:{}]"
MEDIA_MARKER = "[cms-bridge-media:{}]"  # in an attachment's description: its content's SHA-256
#: any installation's item marker: a post carrying one that is not ours is never touched
ANY_MARKER = re.compile(r"\[cms-bridge-item:([0-9a-z-]+)\]")
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
    # -- the connector plugin (connectors/wordpress/, bridge/wordpress_plugin.py): the variable holding
    # the secret its events are signed with; plugin = "off" makes sync ignore its changes route
    webhook_secret_env = fields.String(load_default="", error_messages=_msgs("the name of an environment variable"))
    plugin = fields.String(load_default="auto", validate=_one_of(["auto", "off"]))


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


def comment_status(value: Any) -> CommentStatus:
    try:
        return _STATUS_FROM_WP[str(value)]
    except KeyError:
        raise RemoteError(Words(N_("WordPress returned an unknown comment status %(value)r"), value=value)) from None


def utc(value: Any) -> datetime:
    """A naive WordPress GMT date string, xmlrpc DateTime or datetime, as aware UTC."""
    if isinstance(value, xmlrpc.client.DateTime):
        value = datetime.strptime(value.value, "%Y%m%dT%H:%M:%S")
    elif isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        raise RemoteError(Words(N_("WordPress returned a date that cannot be read: %(value)r"), value=value))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def comment_key(comment: RemoteComment) -> tuple[datetime, int]:
    return comment.date_gmt, int(comment.remote_id)


def post_url_from_comment_link(link: str) -> str:
    url = link.split("#", 1)[0]
    return re.sub(r"comment-page-\d+/?$", "", url)


def comment_html(raw: str | None) -> str:
    """Raw comment_content as safe HTML: paragraphs like WordPress shows them."""
    raw = raw or ""
    if "<p" not in raw:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
        raw = "".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return nh3.clean(raw)


def optional_id(value: Any) -> str | None:
    return str(value) if value not in (None, "", "0", 0) else None


#: the connector plugin's comment meta: why WordPress held the comment (HoldRecorder.php)
HELD_META = "_cms_bridge_held_because"


def held_because(row: dict) -> list[HoldReason]:
    """The plugin's reasons in a REST-shaped comment (``meta``, context=edit) or an event; a site
    without the plugin has no such meta (REST answers ``"meta": []``) and gives none."""
    meta = row.get("meta")
    entries = meta.get(HELD_META) if isinstance(meta, dict) else None
    return HoldReason.list_from(entries)


def comment_from_row(row: dict) -> RemoteComment:
    """A comment in REST's shape (``/wp/v2/comments``, ``context=edit``; the connector
    plugin answers in the same shape) as a RemoteComment: the raw content when the
    answer has it, else the rendered one."""
    content = row.get("content") or {}
    link = row.get("link") or ""
    return RemoteComment(
        remote_id=str(row["id"]), post_id=str(row.get("post") or ""), status=comment_status(row.get("status")),
        date_gmt=utc(row["date_gmt"]),
        content_html=comment_html(content.get("raw") if "raw" in content else content.get("rendered", "")),
        author_name=row.get("author_name") or "", author_url=row.get("author_url") or "",
        author_email=row.get("author_email") or "", author_ip=row.get("author_ip") or "",
        parent_id=optional_id(row.get("parent")), type=row.get("type") or "comment", link=link,
        post_url=post_url_from_comment_link(link), user_id=optional_id(row.get("author")),
        held_because=held_because(row))


def local_file(path: str | None) -> str:
    """A downloaded media file's path (``first_image`` and ``video_media`` give only media that has one)."""
    if not path:
        raise ValueError("the media was never downloaded (Media.local_path is empty)")
    return path


def file_sha256(path: str | None) -> str:
    digest = hashlib.sha256()
    with open(local_file(path), "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def first_image(item: SocialItem) -> Media | None:
    return next((m for m in item.media if m.kind == "image" and m.local_path), None)


def _attribution(item: SocialItem) -> str:
    """The credit line under every published item: who, where, and the original."""
    parts = []
    if item.author_name:
        name = html.escape(item.author_name)
        if item.author_url:
            name = f'<a href="{html.escape(item.author_url, quote=True)}" rel="nofollow">{name}</a>'
        parts.append(f"By {name}")
    if not item.url:  # sent to us directly (a contributor's upload): there is no original to point to
        return f'<p class="cms-bridge-attribution">{" ".join(parts) or "Sent in"}</p>'
    if item.network:
        parts.append(f"on {html.escape(item.network.capitalize())}")
    credit = " ".join(parts)
    original = f'<a href="{html.escape(item.url, quote=True)}" rel="nofollow">View the original post</a>'
    text = f"{credit} · {original}" if credit else original
    return f'<p class="cms-bridge-attribution">{text}</p>'


def video_media(item: SocialItem) -> list[Media]:
    return [m for m in item.media if m.kind == "video" and m.local_path]


def post_body(item: SocialItem, video_urls: Sequence[str] = ()) -> str:
    """The post's HTML; videos (already in the media library) as WordPress's video block markup."""
    body = nh3.clean(item.html or f"<p>{html.escape(item.text)}</p>")
    for url in video_urls:
        body += (f'\n<figure class="wp-block-video"><video controls src="{html.escape(url, quote=True)}">'
                 "</video></figure>")
    return f"{body}\n{_attribution(item)}\n<!-- {MARKER.format(item.key)} -->"


def shorten(text: str, limit: int = 300) -> str:
    """``text`` cut at a word to at most ``limit`` characters, "…" marking the cut (a post's excerpt)."""
    return text if len(text) <= limit else text[:limit - 3].rsplit(" ", 1)[0] + "…"


def excerpt(item: SocialItem) -> str:
    return shorten(item.excerpt or item.text or "")


def media_filename(media: Media, sha: str) -> str:
    ext = os.path.splitext(media.local_path or "")[1].lower()
    if not ext and media.content_type:
        ext = mimetypes.guess_extension(media.content_type) or ""
    return f"cms-bridge-{sha[:16]}{ext or '.jpg'}"


def media_type(media: Media) -> str:
    return media.content_type or mimetypes.guess_type(media.local_path or "")[0] or "application/octet-stream"

