"""An in-memory CMS, like Apache Libcloud's ``DummyNodeDriver``: a site that keeps its
posts and comments in the adapter object, for tests that need "a site" but not a real
CMS (rights, curation, the UI, the outbox), so they never point a WordPress adapter at
an address nobody answers.

Its feature set is configurable (``features = [...]`` in the ``[[sites]]`` table, all
of them by default), so a test states the site it means — "a site that cannot
update", "a site without comments" — and sync, the UI and ``sites check`` read it
like any other adapter's. A method for a feature the site lacks raises
:class:`~adapters.base.Unsupported`, as a real adapter does.

Not registered by default: a test (tests/conftest.py) or a plugin registers it with
``registry.register_cms_adapter("memory", "adapters.memory:MemoryAdapter")``.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

from marshmallow import RAISE, Schema, fields, validate

from .base import ALL_FEATURES, CMSAdapter, Feature, NotFound
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

#: the status a comment has after each decision
_AFTER = {ModerationAction.APPROVE: CommentStatus.APPROVED, ModerationAction.HOLD: CommentStatus.PENDING,
          ModerationAction.SPAM: CommentStatus.SPAM, ModerationAction.UNSPAM: CommentStatus.PENDING,
          ModerationAction.TRASH: CommentStatus.TRASH, ModerationAction.RESTORE: CommentStatus.PENDING}


class MemorySiteSchema(Schema):
    """The keys of a ``[[sites]]`` table with ``kind = "memory"``."""

    class Meta:
        unknown = RAISE

    features = fields.List(fields.String(validate=validate.OneOf(
        sorted(f.value for f in Feature),
        error=Words(N_("is not a feature: use one of %(features)s"), features=", ".join(sorted(Feature))))),
        load_default=lambda: sorted(f.value for f in ALL_FEATURES))


class MemoryAdapter(CMSAdapter):
    """One in-memory site: ``posts`` (remote id → what was published) and ``comments``
    (remote id → RemoteComment), both readable and seedable by tests."""

    kind = "memory"
    config_schema = MemorySiteSchema

    def __init__(self, site: dict, secrets: dict[str, str]):
        super().__init__(site, secrets)
        self._features = frozenset(Feature(f) for f in site.get("features", [f.value for f in ALL_FEATURES]))
        self.posts: dict[str, dict] = {}
        self.comments: dict[str, RemoteComment] = {}
        self._ids = itertools.count(1)
        self.calls: list[str] = []  # method names, in order: what the bridge asked of the site

    @property
    def features(self) -> frozenset[Feature]:
        return self._features

    def _need(self, feature: Feature, call: str) -> None:
        self.calls.append(call)
        if feature not in self._features:
            raise self.unsupported(feature)

    def _next_id(self) -> str:
        return str(next(self._ids))

    # -- what a test seeds --------------------------------------------------------
    def add_comment(self, post_id: str = "1", *, status: CommentStatus = CommentStatus.PENDING,
                    text: str = "a comment", author_name: str = "Visitor", **extra) -> RemoteComment:
        """A visitor's comment arriving on the site; returned as the site keeps it."""
        comment = RemoteComment(remote_id=self._next_id(), post_id=str(post_id), status=CommentStatus(status),
                                date_gmt=datetime.now(UTC).replace(microsecond=0), content_html=f"<p>{text}</p>",
                                author_name=author_name, **extra)
        self.comments[comment.remote_id] = comment
        return comment

    # -- the CMSAdapter interface ----------------------------------------------------
    def check(self) -> ConnectionReport:
        self.calls.append("check")
        return ConnectionReport(ok=True, kind=self.kind, version="memory", transport="memory",
                                capabilities={f.value: f in self._features for f in Feature})

    def publish(self, item: SocialItem, existing_ref: RemoteRef | None) -> RemoteRef:
        key = self.require_key(item)
        self._need(Feature.PUBLISH, "publish")
        found = next((rid for rid, post in self.posts.items() if post["key"] == key), None)
        if found is not None and Feature.UPDATE not in self._features:
            raise self.unsupported(Feature.UPDATE)
        remote_id = found or self._next_id()
        self.posts[remote_id] = {"key": key, "title": item.title, "text": item.text, "status": "publish",
                                 "images": [m.url for m in item.media] if Feature.IMAGES in self._features else []}
        return RemoteRef(remote_id=remote_id, url=f"{self.site['url'].rstrip('/')}/posts/{remote_id}")

    def publish_story(self, story: Story, existing_ref: RemoteRef | None) -> RemoteRef:
        key = self.require_key(story)
        self._need(Feature.UPDATE, "publish_story")
        remote_id = next((rid for rid, post in self.posts.items() if post["key"] == key), None) or self._next_id()
        self.posts[remote_id] = {"key": key, "title": story.title, "text": story.intro, "status": "publish",
                                 "items": [e.item.id for e in story.entries]}
        return RemoteRef(remote_id=remote_id, url=f"{self.site['url'].rstrip('/')}/posts/{remote_id}")

    def unpublish(self, ref: RemoteRef) -> None:
        self._need(Feature.UNPUBLISH, "unpublish")
        if ref.remote_id in self.posts:
            self.posts[ref.remote_id]["status"] = "trash"

    def fetch_comments(self, cursor: SyncCursor, limit: int = 100) -> tuple[list[RemoteComment], SyncCursor]:
        """Oldest id first, strictly after ``cursor.after_id``; ``remaining`` is exact."""
        self._need(Feature.COMMENTS, "fetch_comments")
        after = int(cursor.after_id or 0)
        page = sorted((c for c in self.comments.values() if int(c.remote_id) > after),
                      key=lambda c: int(c.remote_id))[:max(1, limit)]
        if not page:
            return [], replace(cursor, remaining=0)
        last = page[-1]
        remaining = sum(1 for c in self.comments.values() if int(c.remote_id) > int(last.remote_id))
        return page, SyncCursor(after_date=last.date_gmt.strftime("%Y-%m-%dT%H:%M:%SZ"), after_id=last.remote_id,
                                remaining=remaining)

    def fetch_comments_by_id(self, ids: list[str]) -> list[RemoteComment]:
        self._need(Feature.COMMENTS, "fetch_comments_by_id")
        return [self.comments[str(i)] for i in ids if str(i) in self.comments]

    def moderate(self, comment_id: str, action: ModerationAction) -> CommentStatus | None:
        self._need(Feature.MODERATE, "moderate")
        comment = self.comments.get(str(comment_id))
        if comment is None:
            raise NotFound(Words(N_("memory site %(site)r has no comment %(comment_id)s"),
                                 site=self.site.get("id"), comment_id=comment_id))
        action = ModerationAction(action)
        if action is ModerationAction.DELETE:
            del self.comments[comment.remote_id]
            return None
        comment.status = _AFTER[action]
        return comment.status

    def reply(self, parent: RemoteComment, text: str, *, key: str | None = None) -> RemoteComment:
        """Idempotent by ``key``, as WordPress's adapter is: a retry returns the earlier reply."""
        self._need(Feature.REPLY, "reply")
        if not (text or "").strip():
            raise ValueError("a reply needs some text")
        earlier = next((c for c in self.comments.values() if key is not None and c.link == f"reply:{key}"), None)
        if earlier is not None:
            return earlier
        return self.add_comment(parent.post_id, status=CommentStatus.APPROVED, text=text, author_name="cms-bridge",
                                parent_id=parent.remote_id, post_title=parent.post_title, post_url=parent.post_url,
                                link=f"reply:{key}" if key is not None else "", user_id="1")

    def anonymize_commenter(self, email: str, remote_ids: list[str]) -> Anonymized:
        self._need(Feature.ERASE, "anonymize_commenter")
        result = Anonymized()
        for comment in self.comments.values():
            if comment.remote_id in remote_ids or (email and comment.author_email == email):
                comment.author_name, comment.author_email, comment.author_url, comment.author_ip = \
                    "Anonymous", "", "", ""
                result.done.append(comment.remote_id)
        result.done.extend(i for i in remote_ids if i not in result.done)  # gone: nothing of the person is left
        return result
