"""Plain value types that cross every boundary between the bridge and its adapters.

They are deliberately dumb dataclasses and string enums: the store, the web layer
and every adapter can build and read them without knowing about each other.
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


class CommentStatus(enum.StrEnum):
    """The four states every CMS's comments map onto.

    WordPress: hold/approve/spam/trash.  TYPO3 extensions have fewer states; their
    adapter documents how it maps them (e.g. pw_comments has no spam state).
    """

    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"


class ModerationAction(enum.StrEnum):
    """What an editor can decide about a comment."""

    APPROVE = "approve"
    HOLD = "hold"
    SPAM = "spam"
    UNSPAM = "unspam"
    TRASH = "trash"
    RESTORE = "restore"
    DELETE = "delete"  # permanently; the comment is gone at the origin afterwards


@dataclass(frozen=True)
class Media:
    """An image (or video thumbnail) attached to a social item.

    ``local_path`` is set once the bridge has downloaded the file into its own
    content-addressed store; adapters upload from there and never hot-link ``url``.
    """

    url: str
    alt: str = ""
    local_path: str | None = None
    content_type: str | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    kind: str = "image"  # image | video


@dataclass
class SocialItem:
    """A piece of social content, normalised, as it is published into a CMS.

    ``html`` has been sanitised by the bridge already; adapters may sanitise again
    for their target but must never trust it less.
    """

    id: str  # the bridge's own item id (for messages and links back to the bridge)
    title: str
    html: str
    text: str
    url: str  # link to the original post
    author_name: str = ""
    author_url: str = ""
    network: str = ""  # e.g. "mastodon", "youtube", "webhook"
    published_at: datetime | None = None
    media: list[Media] = field(default_factory=list)
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)
    external_id: str = ""
    source_id: str = ""
    contributor: str = ""  # who made it (for attribution / consent), may equal author
    consent_state: str = "not_required"
    consent_evidence_url: str = ""
    #: the upsert marker adapters leave on the site and search for: unique to this
    #: installation and item (``<installation id>-<item id>``, ``[0-9a-z-]`` only), so
    #: two installations publishing into one site never find each other's posts
    #: Adapters refuse to publish an item without one.
    key: str = ""


@dataclass(frozen=True)
class HoldReason:
    """One reason the site gave itself for not approving a comment when it arrived.

    ``code`` names the rule, ``detail`` what matched. WordPress with the connector plugin
    (connectors/wordpress/includes/HoldReasons.php): ``manual`` (every comment must be approved),
    ``max_links`` ("3 of 2": links found, the site's limit), ``moderation_keys`` (the word of its
    Comment Moderation list), ``previously_approved`` (the author has no approved comment yet),
    ``disallowed_keys``, ``plugin`` (core would have approved it; a plugin did not), ``wordpress``
    (core held it for a rule not named here), ``akismet`` (``spam`` | ``ham`` | ``error``).
    TYPO3 with the connector (1.4.0, ``CommentNormalizer::heldBecause``): ``ai_moderation`` (pw_comments'
    AI moderation flagged it; the detail is its reason), ``ai_moderation_error``. Other sites give none."""

    code: str
    detail: str = ""

    @classmethod
    def list_from(cls, entries) -> list[HoldReason]:
        """``[{"code", "detail"}, …]`` as a site sent it; entries without a code are dropped, long ones cut."""
        return [cls(code=str(e["code"])[:50], detail=str(e.get("detail") or "")[:200])
                for e in entries or [] if isinstance(e, dict) and e.get("code")]


@dataclass
class RemoteComment:
    """A visitor comment as it exists on its site right now."""

    remote_id: str
    post_id: str
    status: CommentStatus
    date_gmt: datetime
    content_html: str = ""
    author_name: str = ""
    author_url: str = ""
    author_email: str = ""
    author_ip: str = ""
    parent_id: str | None = None
    post_title: str = ""
    post_url: str = ""
    type: str = "comment"  # comment | pingback | trackback | ...
    link: str = ""  # the comment's own URL on the site, when known
    user_id: str | None = None  # set when a logged-in site user wrote it (e.g. our replies)
    #: why the site held it, in its own words (:class:`HoldReason`); empty when it gives none
    held_because: list[HoldReason] = field(default_factory=list)


@dataclass(frozen=True)
class RemoteRef:
    """Where a published item lives on a site: enough to update or remove it later."""

    remote_id: str
    url: str = ""
    media_id: str | None = None  # the uploaded featured image, so it is not uploaded twice
    media_sha256: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> RemoteRef | None:
        if not data:
            return None
        stored: dict[str, Any] = {k: data.get(k) for k in ("remote_id", "url", "media_id", "media_sha256")}
        return cls(**stored, extra=dict(data.get("extra") or {}))


@dataclass(frozen=True)
class SyncCursor:
    """Position in a site's comment stream: comments strictly after (date, id).

    Comment dates are not unique, so the id breaks ties. ``None`` fields mean
    "from the beginning" (the first sync imports everything).

    ``remaining``, set only on a cursor an adapter's ``fetch_comments`` returns: how
    many comments come after that page, when the adapter knows it cheaply (None:
    not known). Progress only (the CLI's bar and ETA): not stored, not compared.
    """

    after_date: str | None = None  # ISO 8601 UTC, e.g. "2026-11-27T10:00:00Z"
    after_id: str | None = None
    remaining: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return {"after_date": self.after_date, "after_id": self.after_id}

    @classmethod
    def from_dict(cls, data: dict | None) -> SyncCursor:
        data = data or {}
        return cls(after_date=data.get("after_date"), after_id=data.get("after_id"))


@dataclass
class ConnectionReport:
    """What ``cms-bridge sites check`` prints for one site."""

    ok: bool
    kind: str
    version: str = ""
    transport: str = ""  # wordpress: xmlrpc | rest;  typo3: reaction | connector
    capabilities: dict[str, bool] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # each one actionable
    notes: list[str] = field(default_factory=list)


@dataclass
class Anonymized:
    """What an erasure did on one site: the comments anonymised, those kept with
    the reason, and what the site could not change (said in the report)."""

    done: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class StoryEntry:
    """One item of a story as a site shows it: the item itself (its own attribution and
    source link) and the editor's caption for it."""

    item: SocialItem
    caption: str = ""


@dataclass
class Story:
    """Several curated items and the editor's words, published as one post per site.

    ``intro`` is plain text (paragraphs split by blank lines); ``entries`` are in the
    order the site shows them and hold only what may be published (approved, with
    consent, not hidden). ``key`` is the upsert marker, as for :class:`SocialItem`."""

    id: str
    title: str
    intro: str = ""
    entries: list[StoryEntry] = field(default_factory=list)
    key: str = ""
    published_at: datetime | None = None  # when the story was made: its date on the site, stable across updates
