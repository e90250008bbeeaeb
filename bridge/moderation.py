"""Moderation decisions and their write-back to the site.

A decision takes effect in the inbox at once (the comment gets its new status,
``writeback_state = "pending"``, a ``moderation_log`` row) and reaches the site
through an outbox job, so the web request never waits on the site. The job's
result becomes the comment's ``remote_status``; until then ``expected_status``
lets the sync recognise our own change coming back (echo) instead of reporting it
as a change the site made.

Stale decisions are refused: every change of a comment bumps its ``version``;
a caller that passes the version it showed the editor gets :class:`Conflict`
when the comment changed since (typically the site changed it behind our back).
"""
from __future__ import annotations

from adapters.base import AdapterError, NotFound
from adapters.types import CommentStatus, ModerationAction, RemoteComment

from . import rights
from .clock import parse_iso
from .errors import ServiceError

#: the inbox status each action leads to ("deleted": gone from the site)
TARGET_STATUS = {
    ModerationAction.APPROVE: "approved", ModerationAction.HOLD: "pending", ModerationAction.SPAM: "spam",
    ModerationAction.UNSPAM: "pending", ModerationAction.TRASH: "trash", ModerationAction.RESTORE: "pending",
    ModerationAction.DELETE: "deleted",
}


class ModerationError(ServiceError):
    """A moderation decision that cannot be made; ``comment`` is the comment's current row."""

    title = "Invalid decision"

    def __init__(self, detail: str, *, comment: dict | None = None):
        super().__init__(detail)
        self.comment = comment


class CommentNotFound(ModerationError):
    status = 404
    title = "No such comment"


class NotAllowed(ModerationError):
    status = 403
    title = "Not allowed for this site"


class Conflict(ModerationError):
    """The comment changed since the editor saw it; ``comment`` is its current row."""

    status = 409
    title = "The comment changed meanwhile"


class NothingToDo(ModerationError):
    """The decision would leave the comment as it is (hold on a pending comment):
    nothing is logged and no write-back is queued."""

    status = 422
    title = "Nothing to do"


class StaleDecision(AdapterError):
    """The site changed the comment after the editor decided: the decision is not
    written; the editor must see the site's change and decide again."""

    retriable = False


def _actor(user) -> tuple[str, list[str] | None]:
    """(name, allowed site ids or None for all) of a user row, or a plain name (CLI)."""
    if isinstance(user, dict):
        allowed = rights.ALL_SITES if user.get("role") == "admin" else user.get("sites")
        return user.get("username") or str(user.get("id")), allowed
    return str(user), rights.ALL_SITES


def _load(bridge, user, comment_id: int) -> tuple[dict, str]:
    comment = bridge.store.get_comment(comment_id)
    if comment is None:
        raise CommentNotFound(f"there is no comment {comment_id}")
    actor, allowed = _actor(user)
    if rights.forbidden([comment["site_id"]], allowed):
        raise NotAllowed(f"{actor} may not moderate comments of site {comment['site_id']!r}", comment=comment)
    return comment, actor


def decide(bridge, user, comment_id: int, action: str, seen_version: int | None = None, *,
           origin: str = "inbox") -> dict:
    """Apply ``action`` (approve, hold, spam, unspam, trash, restore, delete) to a comment.

    Returns the updated comment row plus ``job_id``. Raises Conflict when
    ``seen_version`` is given and the comment changed since, saying what changed.
    Deciding the same thing twice while the first is still queued adds no job.
    """
    try:
        action = ModerationAction(action)
    except ValueError:
        known = ", ".join(a.value for a in ModerationAction)
        raise ModerationError(f"{action!r} is not a moderation action; use one of: {known}") from None
    comment, actor = _load(bridge, user, comment_id)
    if seen_version is not None and int(seen_version) != comment["version"]:
        what = comment["site_change"] or f"it is now {comment['status']}"
        raise Conflict(f"comment {comment_id} changed since you saw it (version {seen_version} → "
                       f"{comment['version']}): {what}. Reload it and decide again.", comment=comment)
    if comment["status"] == "deleted":
        raise Conflict(f"comment {comment_id} is deleted on the site; nothing can be decided any more",
                       comment=comment)
    to_status = TARGET_STATUS[action]
    if to_status == comment["status"]:
        raise NothingToDo(f"comment {comment_id} is already {to_status}; nothing was changed", comment=comment)
    with bridge.store.write():
        log_id = bridge.store.record_decision(comment, actor=actor, action=action.value, to_status=to_status,
                                              origin=origin)
        if log_id is None:  # another request decided this version first
            current = bridge.store.get_comment(comment_id)
            raise Conflict(f"comment {comment_id} was decided by someone else (or by you, twice) since you saw "
                           f"it: it is now {current['status']}. Nothing more was done.", comment=current)
        job = bridge.outbox.enqueue(
            "moderate", key=f"moderate:{comment['id']}:v{comment['version'] + 1}:{action.value}",
            payload={"comment_id": comment["id"], "action": action.value, "version": comment["version"] + 1},
            site_id=comment["site_id"])
        bridge.store.link_writeback_job(comment["id"], log_id, job["id"])
    return {**bridge.store.get_comment(comment_id), "job_id": job["id"]}


def _reverse(from_status: str, now: str) -> ModerationAction:
    """The decision that leads back to ``from_status`` from ``now``."""
    if from_status == "pending":
        return {"spam": ModerationAction.UNSPAM, "trash": ModerationAction.RESTORE}.get(now, ModerationAction.HOLD)
    return {"approved": ModerationAction.APPROVE, "spam": ModerationAction.SPAM,
            "trash": ModerationAction.TRASH}[from_status]


def undo(bridge, user, comment_id: int, version: int, *, origin: str = "inbox") -> dict:
    """Take back the latest decision on a comment, seen at ``version`` (the version it produced).

    If its write-back has not run yet, the job is cancelled and the comment is put
    back locally: the site never hears of it. Otherwise the reverse decision is
    made (and written back like any other). Returns the comment row plus
    ``undone``: "cancelled" or "reversed"."""
    comment, actor = _load(bridge, user, comment_id)
    if int(version) != comment["version"]:
        raise Conflict(f"comment {comment_id} changed after that decision (it is now {comment['status']}); "
                       "nothing was undone. Decide it again instead.", comment=comment)
    last = bridge.store.last_decision(comment_id)
    if last is None or last["action"] in ("undo", "site_change") or last["to_status"] != comment["status"]:
        raise NothingToDo(f"comment {comment_id} has no decision of yours to undo", comment=comment)
    if bridge.store.cancel_decision(comment, last, actor=actor, origin=origin) is not None:
        return {**bridge.store.get_comment(comment_id), "undone": "cancelled"}
    if comment["status"] == "deleted":
        raise Conflict(f"comment {comment_id} is already deleted on the site; a permanent delete cannot be undone",
                       comment=comment)
    reverse = _reverse(last["from_status"], comment["status"])
    return {**decide(bridge, user, comment_id, reverse.value, seen_version=version, origin=origin),
            "undone": "reversed"}


def reply(bridge, user, comment_id: int, text: str, *, origin: str = "inbox") -> dict:
    """Queue a reply to a comment, posted as the site's connected account.

    Returns ``{"job_id", "comment_id"}``; the reply becomes a local comment row
    (child of this one) once the job has posted it.
    """
    text = (text or "").strip()
    if not text:
        raise ModerationError("a reply needs some text")
    comment, actor = _load(bridge, user, comment_id)
    if comment["status"] == "deleted":
        raise Conflict(f"comment {comment_id} is deleted on the site; it cannot be answered", comment=comment)
    with bridge.store.write():
        log_id = bridge.store.record_reply_request(comment, actor=actor, origin=origin, text=text)
        job = bridge.outbox.enqueue("reply", key=f"reply:{comment['id']}:{log_id}",
                                    payload={"comment_id": comment["id"], "text": text, "actor": actor},
                                    site_id=comment["site_id"])
        bridge.store.link_writeback_job(comment["id"], log_id, job["id"], on_comment=False)
    return {"job_id": job["id"], "comment_id": comment["id"]}


# -- outbox handlers -------------------------------------------------------------
def _remote(comment: dict) -> RemoteComment:
    return RemoteComment(remote_id=comment["remote_id"], post_id=comment["post_id"],
                         status=CommentStatus(comment["remote_status"]) if comment["remote_status"] in
                         {s.value for s in CommentStatus} else CommentStatus.PENDING,
                         date_gmt=parse_iso(comment["date_gmt"]), parent_id=comment["remote_parent_id"],
                         post_title=comment["post_title"], post_url=comment["post_url"], link=comment["link"])


def _final(bridge, job: dict, exc: AdapterError) -> bool:
    return not exc.retriable or job["attempts"] + 1 >= job["max_attempts"]


def _site_changed_since(store, comment: dict, job: dict) -> str | None:
    """Why the job's decision must not be written, or None.

    Deciding clears ``site_change_at`` and bumps ``version``; a sync that sees the
    site change the comment (not our own write-back echoing) sets
    ``site_change_at`` and bumps it again. So the decision is stale when the site
    changed at or after the moment of the decision, or the version moved past the
    one the decision produced."""
    if not comment["site_change_at"]:
        return None
    decided_at = store.decision_time(job["id"])
    version = job["payload"].get("version")
    moved = version is not None and comment["version"] > int(version)
    if not moved and (decided_at is None or comment["site_change_at"] < decided_at):
        return None
    now = comment["remote_status"] or comment["status"]
    what = "deleted on the site" if now == "deleted" else f"changed on site to {now}"
    return f"{what} after your decision; decide again"


def make_handlers(bridge):
    store = bridge.store

    def handle_moderate(job: dict) -> dict:
        comment = store.get_comment(job["payload"]["comment_id"])
        if comment is None:
            return {"skipped": "the comment is no longer in the inbox"}
        stale = _site_changed_since(store, comment, job)
        if stale:
            store.refuse_writeback(comment["id"], job["id"], stale)
            raise StaleDecision(f"comment {comment['id']} was {stale}")
        try:
            new = bridge.adapter(comment["site_id"]).moderate(comment["remote_id"], job["payload"]["action"])
        except AdapterError as exc:
            if isinstance(exc, NotFound) and job["payload"]["action"] == "delete":
                new = None  # already gone: that is what was asked for
            else:
                store.fail_writeback(comment["id"], job["id"], exc.describe(), final=_final(bridge, job, exc))
                raise
        remote_status = "deleted" if new is None else CommentStatus(new).value
        store.finish_writeback(comment["id"], job["id"], remote_status)
        return {"remote_status": remote_status}

    def handle_reply(job: dict) -> dict:
        from .sync import SyncService  # the row format of pulled comments

        parent = store.get_comment(job["payload"]["comment_id"])
        if parent is None:
            return {"skipped": "the comment is no longer in the inbox"}
        adapter = bridge.adapter(parent["site_id"])
        # The job id names the reply, so a retry after a crash between posting and
        # saving finds the earlier reply instead of posting twice (where the adapter can).
        try:
            posted = adapter.reply(_remote(parent), job["payload"]["text"], key=str(job["id"]))
        except AdapterError as exc:
            store.fail_writeback(parent["id"], job["id"], exc.describe(), final=_final(bridge, job, exc))
            raise
        site = bridge.site_config(parent["site_id"])
        sync = bridge.services.get("sync") or SyncService(bridge)
        row = sync.comment_row(posted, bool(site.get("store_commenter_pii", False)))
        local_id = store.save_reply(parent["site_id"], row, job_id=job["id"])
        return {"reply_comment_id": local_id, "remote_id": posted.remote_id}

    return handle_moderate, handle_reply


def setup(bridge) -> None:
    handle_moderate, handle_reply = make_handlers(bridge)
    bridge.outbox.register("moderate", handle_moderate)
    bridge.outbox.register("reply", handle_reply)
