"""The two adapter interfaces and the error family every adapter raises.

The outbox decides whether to retry from ``error.retriable`` alone and the site
is flagged for an admin from ``error.needs_attention`` alone, so adapters must
map their transport's failures onto these classes faithfully.
"""
from __future__ import annotations

import abc
import enum
from typing import Any, ClassVar

from .types import (
    Anonymized,
    CommentStatus,
    ConnectionReport,
    ModerationAction,
    RemoteComment,
    RemoteRef,
    SocialItem,
    Story,
    SyncCursor,
)
from .words import N_, Words


class AdapterError(Exception):
    """Base of every failure an adapter reports.

    ``str(error)`` says what happened; ``hint`` says what the user can do about it.
    Both are English, written as :class:`~adapters.words.Words` (or ``N_`` constants)
    so the bridge's pages can say them in their reader's language.
    """

    retriable: ClassVar[bool] = False
    needs_attention: ClassVar[bool] = False

    def __init__(self, message: str, *, hint: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.retry_after = retry_after

    def describe(self) -> str:
        """What happened and what to do, as one text (the English is what is stored)."""
        if not self.hint:
            return as_words(self.message)
        return Words(N_("%(message)s — %(hint)s"), message=as_words(self.message), hint=as_words(self.hint))


def as_words(text: str) -> Words:
    """``text`` as Words: itself when it is, else a text whose msgid is itself (an
    ``N_`` constant is found in the catalogue as it is; anything else stays English)."""
    return text if isinstance(text, Words) else Words(text)


class AuthError(AdapterError):
    """Credentials were refused (HTTP 401, XML-RPC 403 on login)."""

    needs_attention = True


class PermissionDenied(AdapterError):
    """Logged in, but the account may not do this (HTTP 403)."""

    needs_attention = True


class Unreachable(AdapterError):
    """Connection refused, DNS failure, TLS failure during transfer, timeout, 5xx."""

    retriable = True


class RateLimited(AdapterError):
    """HTTP 429 / 503 with Retry-After: try again, but not before ``retry_after`` s."""

    retriable = True


class NotFound(AdapterError):
    """The remote object is gone (deleted post or comment)."""


class RemoteError(AdapterError):
    """The site answered, but not with what its API promises (malformed response,
    unexpected status). Not retried: retrying the same request gives the same answer."""


class TemporaryRemoteError(RemoteError):
    """A server-side failure that may pass (HTTP 5xx)."""

    retriable = True


class Unsupported(AdapterError):
    """The site or mode cannot do this at all (e.g. TYPO3 reaction mode has no comments)."""


class ConfigurationError(AdapterError):
    """The site is set up in a way the bridge cannot work with (wrong URL, redirect,
    XML-RPC disabled with transport = "xmlrpc"). An admin must change something."""

    needs_attention = True


class Feature(enum.StrEnum):
    """What a connected site can do, declared by its adapter (as Apache Libcloud's
    drivers declare ``features``). Sync, the curation UI and ``sites check`` read
    these instead of calling a method and catching ``Unsupported``: a site that
    cannot list comments still gets its publish jobs drained."""

    PUBLISH = "publish"  # create a post / news record
    UPDATE = "update"  # publish() again updates the same record in place
    UNPUBLISH = "unpublish"  # take a published item down
    IMAGES = "images"  # the item's image goes into the site's media library
    COMMENTS = "comments"  # fetch_comments / fetch_comments_by_id
    MODERATE = "moderate"
    REPLY = "reply"
    ERASE = "erase"  # anonymise a commenter's comments on the site (a GDPR erasure request)


ALL_FEATURES: frozenset[Feature] = frozenset(Feature)


class CMSAdapter(abc.ABC):
    """One connected site.

    Instances are created per site from its validated config section and the
    secrets its ``*_env`` keys named; they may keep connections open and cache
    what they probed (e.g. the transport that works), so callers reuse them.
    Every outside call has a timeout.
    """

    kind: ClassVar[str]

    #: marshmallow schema class for this kind's extra keys in a ``[[sites]]`` table
    config_schema: ClassVar[Any] = None

    #: what every site of this kind can do; an adapter whose abilities depend on
    #: the site's configuration (TYPO3's modes) overrides :attr:`features`
    default_features: ClassVar[frozenset[Feature]] = ALL_FEATURES

    def __init__(self, site: dict, secrets: dict[str, str]):
        self.site = site
        self.secrets = secrets

    @property
    def features(self) -> frozenset[Feature]:
        """What this site can do, from its configuration alone (no network call)."""
        return self.default_features

    def supports(self, feature: Feature | str) -> bool:
        return Feature(feature) in self.features

    @staticmethod
    def require_key(item: SocialItem | Story) -> str:
        """The item's installation-unique upsert key; publishing without one could
        update another installation's post, so it is a bug, never a fallback."""
        if not item.key:
            raise ValueError(f"item {item.id!r} has no upsert key (SocialItem.key); build it with the curation service")
        return item.key

    def unsupported(self, feature: Feature | str, hint: str = "") -> Unsupported:
        """The error an optional method raises for a feature this site lacks."""
        return Unsupported(Words(N_("%(kind)s site %(site)r cannot %(feature)s"),
                                 kind=self.kind, site=self.site.get("id", "?"), feature=Words(Feature(feature).value)),
                           hint=hint)

    @abc.abstractmethod
    def check(self) -> ConnectionReport:
        """Probe the site: version, transport/mode, capabilities, actionable problems."""

    @abc.abstractmethod
    def publish(self, item: SocialItem, existing_ref: RemoteRef | None) -> RemoteRef:
        """Create or update the site's post/news for ``item`` (an upsert).

        Must find its own earlier post by a marker stored on the site (post meta,
        import_id) when ``existing_ref`` is None, so that a crash between the remote
        call and the local commit never produces a duplicate.
        """

    @abc.abstractmethod
    def unpublish(self, ref: RemoteRef) -> None:
        """Take a published item down (trash or draft, as the site config says)."""

    @abc.abstractmethod
    def fetch_comments(self, cursor: SyncCursor, limit: int = 100) -> tuple[list[RemoteComment], SyncCursor]:
        """One page of comments strictly after ``cursor``, all statuses and types, and
        the cursor to store with that page. An empty list means "up to date"; callers
        loop page by page, passing back the cursor they got.

        Pages normally come oldest first, each moving the cursor. An adapter whose
        API lists newest first (WordPress, walking down to its id cursor, see
        adapters/wordpress/walk.py) may instead walk down to the cursor, returning
        the unchanged cursor until the walk's last page, which carries the new
        cursor: the stored cursor then never passes a comment that is not stored yet.

        The returned cursor may carry ``remaining`` (see :class:`SyncCursor`): how many
        comments this pull will still deliver after the page, when the adapter knows
        it without extra cost (WordPress REST: ``X-WP-Total`` on a first sync; the
        memory adapter: exactly), else None. Sync passes it on as the progress total."""

    @abc.abstractmethod
    def fetch_comments_by_id(self, ids: list[str]) -> list[RemoteComment]:
        """Re-read these comments (at most 100 per call). Ids missing from the result
        no longer exist on the site."""

    @abc.abstractmethod
    def moderate(self, comment_id: str, action: ModerationAction) -> CommentStatus | None:
        """Apply ``action`` through the site's own moderation path; return the new
        status, or None when the comment was deleted permanently."""

    @abc.abstractmethod
    def reply(self, parent: RemoteComment, text: str, *, key: str | None = None) -> RemoteComment:
        """Post ``text`` as the connected account, as a child of ``parent``.

        ``key`` names this reply (the outbox job's id): an adapter that can find an
        earlier reply carrying it returns that one instead of posting again, so a
        retry after a crash between posting and saving never double-posts. An
        adapter that cannot look replies up says so in its docstring."""

    def anonymize_commenter(self, email: str, remote_ids: list[str]) -> Anonymized:
        """Anonymise, on the site, every comment written with ``email`` and the
        comments ``remote_ids`` (those cms-bridge holds for that person), as the
        CMS's own personal-data eraser does. Optional: ``Feature.ERASE``."""
        raise self.unsupported(Feature.ERASE, N_("anonymise the comments in the CMS's own privacy tools"))

    # stories (issue 14): optional; an adapter that can show a story overrides this
    def publish_story(self, story: Story, existing_ref: RemoteRef | None) -> RemoteRef:
        """Create or update the one post/news record that shows ``story`` (an upsert
        found again by ``story.key``, as :meth:`publish` finds its item's post)."""
        raise self.unsupported(Feature.UPDATE, N_("this kind of site cannot show stories"))

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


class Source(abc.ABC):
    """A polled source of social items (a feed)."""

    kind: ClassVar[str]
    config_schema: ClassVar[Any] = None

    def __init__(self, source: dict, secrets: dict[str, str]):
        self.source = source
        self.secrets = secrets

    @abc.abstractmethod
    def fetch(self, state: dict) -> tuple[list[SocialItem], dict]:
        """Items new since ``state`` (conditional-GET validators and the like) and the
        state to keep for next time. Raises an AdapterError when the source fails."""
