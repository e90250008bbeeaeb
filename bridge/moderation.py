"""Moderation decisions and their write-back to the site: the :class:`ModerationService`.

``bridge.moderation`` is the one place a decision about a comment is
made; the inbox pages (``bridge/web/inbox.py``), the JSON API
(``bridge/web/api/comments.py``) and the CLI call it, so who may decide what,
which site can take which decision and how a refusal is worded cannot differ
between them.

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

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from adapters.base import AdapterError, Feature, NotFound
from adapters.types import CommentStatus, ModerationAction, RemoteComment

from . import rights
from .clock import parse_iso
from .errors import Conflict, NotAllowed, ServiceError
from .errors import NotFound as CommentNotFound
from .intake import compile_rules
from .store.inbox import STATUSES, InboxFilter, fts_any
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge
    from .store import Store

#: the inbox status each action leads to ("deleted": gone from the site)
TARGET_STATUS = {
    ModerationAction.APPROVE: "approved", ModerationAction.HOLD: "pending", ModerationAction.SPAM: "spam",
    ModerationAction.UNSPAM: "pending", ModerationAction.TRASH: "trash", ModerationAction.RESTORE: "pending",
    ModerationAction.DELETE: "deleted",
}
ACTION_NAMES: tuple[str, ...] = tuple(a.value for a in ModerationAction)
#: "every comment matching the filter" decides at most this many per call
BULK_LIMIT = 2000
MAX_REPLY = 10_000
#: the queues of the inbox, in the order of their keys (1–5); "flagged": pending and matching the watch list
QUEUES: tuple[str, ...] = ("pending", "flagged", "approved", "spam", "trash")
#: a link in a comment: an <a href> or a bare URL in the text
LINK = re.compile(r"<a\s[^>]*href|(?<![\"'=])\bhttps?://", re.I)

#: moderation's refusals are the shared ones (``bridge/errors.py``); the names stay for callers
ModerationError = ServiceError


class NothingToDo(ServiceError, status=422, title=N_("Nothing to do")):
    """The decision would leave the comment as it is (hold on a pending comment):
    nothing is logged and no write-back is queued."""


class SiteCannot(ServiceError, status=422, title=N_("The site cannot do this")):
    """The comment's site does not offer this (its adapter lacks the feature): refused
    before anything is queued, instead of a write-back that can only fail."""


class StaleDecision(AdapterError):
    """The site changed the comment after the editor decided: the decision is not
    written; the editor must see the site's change and decide again."""

    retriable = False


@dataclass
class Outcome:
    """What happened to one requested decision, in words for the editor."""

    comment_id: int
    ok: bool = False
    conflict: bool = False
    missing: bool = False
    message: str = ""  # Words: English as it is (API), in the reader's language on the pages
    comment: dict | None = None


@dataclass
class BulkOutcome:
    applied: list[int] = field(default_factory=list)
    conflicts: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    remaining: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.ok:
            self.applied.append(outcome.comment_id)
        elif outcome.conflict:
            self.conflicts.append(outcome)
        else:
            self.failed.append(outcome)


def conflict_message(comment: dict) -> Words:
    if comment.get("site_change"):
        return Words(N_("Comment #%(id)s changed after you loaded it (changed on site: %(change)s): it is now "
                        "%(status)s. Nothing was done; look at it again and decide."),
                     id=comment["id"], change=comment["site_change"], status=Words(comment["status"]))
    return Words(N_("Comment #%(id)s changed after you loaded it: it is now %(status)s. Nothing was done; "
                    "look at it again and decide."), id=comment["id"], status=Words(comment["status"]))


def parse_filter(args: Mapping[str, Any], *, default_status: str = "pending") -> InboxFilter:
    """An InboxFilter from query args / form fields / a JSON filter; raises ValueError naming the bad field."""
    status = (args.get("status") or default_status).strip()
    known = (*STATUSES, "flagged", "all")
    if status not in known:
        raise ValueError(Words(N_("status=%(value)r is not one of %(known)s"), value=status, known=", ".join(known)))
    flt = InboxFilter(status=status)
    flt.site = (args.get("site") or "").strip() or None
    flt.post = (args.get("post") or "").strip() or None
    flt.author = (args.get("author") or "").strip() or None
    flt.q = (args.get("q") or "").strip() or None
    for name, attr in (("from", "date_from"), ("to", "date_to"), ("date_from", "date_from"), ("date_to", "date_to")):
        value = (args.get(name) or "").strip()
        if value:
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(Words(N_("%(name)s=%(value)r is not a date (write it as YYYY-MM-DD)"), name=name,
                                       value=value)) from None
            setattr(flt, attr, value)
    return flt


def _actor(user: dict | str) -> tuple[str, list[str] | None]:
    """(name, allowed site ids or None for all) of a user row, or a plain name (CLI)."""
    if isinstance(user, dict):
        allowed = rights.ALL_SITES if user.get("role") == "admin" else user.get("sites")
        return user.get("username") or str(user.get("id")), allowed
    return str(user), rights.ALL_SITES


def _reverse(from_status: str, now: str) -> ModerationAction:
    """The decision that leads back to ``from_status`` from ``now``."""
    if from_status == "pending":
        return {"spam": ModerationAction.UNSPAM, "trash": ModerationAction.RESTORE}.get(now, ModerationAction.HOLD)
    return {"approved": ModerationAction.APPROVE, "spam": ModerationAction.SPAM,
            "trash": ModerationAction.TRASH}[from_status]


def _why(row: dict) -> list[Words]:
    """The signals of a row, as the words the inbox shows under "why look twice"."""
    out = [Words(N_("banned word “%(word)s”") if m["rule"] == "banned" else N_("watched word “%(word)s”"),
                 word=m["word"]) for m in row["watch"]]
    if row["links"]:
        out.append(Words(N_("%(n)s link") if row["links"] == 1 else N_("%(n)s links"), n=row["links"]))
    if row["first_time"]:
        out.append(Words(N_("first comment here")))
    record = row["record"] or {}
    spam, trash = record.get("spam"), record.get("trash")
    if spam and trash:
        out.append(Words(N_("%(spam)s spam and %(trash)s trash before"), spam=spam, trash=trash))
    elif spam:
        out.append(Words(N_("%(n)s spam before"), n=spam))
    elif trash:
        out.append(Words(N_("%(n)s trash before"), n=trash))
    return out


class ModerationService:
    """Decisions and replies on comments, with per-site rights and the site's features checked here.

    ``user`` is a user row (its role and sites decide what it may act on) or a plain
    name (the CLI: every site)."""

    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.outbox = bridge.outbox
        self._watch: tuple[list, list] | None = None

    # -- what a moderator sees besides the comment (Coral's signals) ------------
    def sources_changed(self) -> None:
        """The sources (and so their rules) changed in the UI: build the watch list anew when next asked."""
        self._watch = None

    def watch_list(self) -> tuple[list, list]:
        """(banned, suspect) as ``[(word, pattern)]``: the words of every source's curation rules
        (``[sources.rules]``), compiled by the same code intake uses, so a word means the same
        in the curation queue and in the inbox. One list for the organisation: a word watched
        for one source is worth a look on any site."""
        if self._watch is None:
            merged: dict[str, list[str]] = {"banned": [], "suspect": []}
            for source in self.bridge.config.sources:
                for rule, words in merged.items():
                    words.extend(w for w in (source.get("rules") or {}).get(rule, []) if w not in words)
            banned, suspect, _ = compile_rules(merged)
            self._watch = (banned, suspect)
        return self._watch

    def inbox_filter(self, args: Mapping[str, Any], *, default_status: str = "pending") -> InboxFilter:
        """:func:`parse_filter`, with the watch list that the "flagged" queue matches."""
        flt = parse_filter(args, default_status=default_status)
        banned, suspect = self.watch_list()
        flt.watch = fts_any([w for w, _ in banned + suspect])
        return flt

    def signals(self, rows: list[dict], allowed: list[str] | None = rights.ALL_SITES) -> list[dict]:
        """Add to each row why a moderator might look twice: ``record`` (the commenter's
        approved/spam/trash comments before this one, on the sites in ``allowed``: an editor
        learns nothing of other sites), ``first_time``, ``links``, ``watch`` (the watch-list
        words it contains, each with its rule), ``suggested`` ("spam" when a banned word is in
        it) and ``why`` (all of that in words)."""
        stats = self.store.author_stats([r["author_key"] for r in rows], allowed)
        banned, suspect = self.watch_list()
        for row in rows:
            record = None
            if row["author_key"]:  # "before": not counting this comment
                record = {"approved": 0, "spam": 0, "trash": 0, "total": 1, **stats.get(row["author_key"], {})}
                if row["status"] in record:
                    record[row["status"]] -= 1
                record["total"] = max(0, record["total"] - 1)
            row["record"] = record
            row["links"] = len(LINK.findall(row.get("content_html") or row.get("content_text") or ""))
            row["first_time"] = record is not None and record["total"] == 0
            text = row.get("content_text") or ""
            row["watch"] = [{"word": w, "rule": rule} for rule, words in (("banned", banned), ("suspect", suspect))
                            for w, pattern in words if pattern.search(text)]
            row["suggested"] = "spam" if any(m["rule"] == "banned" for m in row["watch"]) else None
            row["why"] = _why(row)
        return rows

    def commenter(self, user: dict | str, author_key: str, *, limit: int = 100) -> dict | None:
        """One commenter's comments, newest first, on the sites ``user`` may see only (the
        commenter drawer); None when there are none there. ``counts`` are per status over those
        sites; ``more``: there are more than ``limit``."""
        _, allowed = _actor(user)
        rows, more = self.store.inbox_page(InboxFilter(status="all", author=author_key), allowed, limit=limit)
        if not rows:
            return None
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return {"author_key": author_key, "name": rows[0]["author_name"], "rows": rows, "counts": counts,
                "sites": sorted({r["site_id"] for r in rows}), "more": more is not None}

    # -- checks ------------------------------------------------------------
    def _load(self, user: dict | str, comment_id: int) -> tuple[dict, str]:
        comment = self.store.get_comment(comment_id)
        if comment is None:
            raise CommentNotFound(Words(N_("there is no comment %(id)s"), id=comment_id))
        actor, allowed = _actor(user)
        if rights.forbidden([comment["site_id"]], allowed):
            raise NotAllowed(Words(N_("%(user)s may not moderate comments of site %(site)r"), user=actor,
                                   site=comment["site_id"]), current=comment)
        return comment, actor

    def _require(self, comment: dict, feature: Feature, doing: str) -> None:
        """Refuse ``doing`` on a site whose adapter does not declare ``feature``. A site that is
        no longer configured is left to the write-back to report (its adapter cannot be built)."""
        site_id = comment["site_id"]
        if self.bridge.config.site(site_id) is None or feature in self.bridge.adapter(site_id).features:
            return
        raise SiteCannot(Words(N_("site %(site)r does not let cms-bridge %(doing)s (its connection offers no "
                                  "%(feature)s); do it on the site itself, or connect the site in a way that "
                                  "grants %(feature)s"), site=site_id, doing=doing, feature=feature.value),
                         current=comment)

    def hidden(self, user: dict | str, ids: list[int]) -> list[int]:
        """Of ``ids``, those that are no comment the user may moderate (in the order given)."""
        _, allowed = _actor(user)
        found = {c["id"]: c for c in self.store.comments_by_ids(ids)}
        return [i for i in ids if i not in found or rights.forbidden([found[i]["site_id"]], allowed)]

    # -- deciding (raising) ---------------------------------------------------
    def decide(self, user: dict | str, comment_id: int, action: str, seen_version: int | None = None, *,
               origin: str = "inbox") -> dict:
        """Apply ``action`` (approve, hold, spam, unspam, trash, restore, delete) to a comment.

        Returns the updated comment row plus ``job_id``. Raises Conflict when
        ``seen_version`` is given and the comment changed since, saying what changed.
        Deciding the same thing twice while the first is still queued adds no job.
        """
        try:
            action = ModerationAction(action)
        except ValueError:
            raise ServiceError(Words(N_("%(action)r is not a moderation action; use one of: %(actions)s"),
                                     action=action, actions=", ".join(ACTION_NAMES)),
                               field="action", value=action) from None
        comment, actor = self._load(user, comment_id)
        if seen_version is not None and int(seen_version) != comment["version"]:
            what = comment["site_change"] or Words(N_("it is now %(status)s"), status=Words(comment["status"]))
            raise Conflict(Words(N_("comment %(id)s changed since you saw it (version %(seen)s → %(version)s): "
                                    "%(what)s. Reload it and decide again."), id=comment_id, seen=seen_version,
                                 version=comment["version"], what=what), current=comment)
        if comment["status"] == "deleted":
            raise Conflict(Words(N_("comment %(id)s is deleted on the site; nothing can be decided any more"),
                                 id=comment_id), current=comment)
        to_status = TARGET_STATUS[action]
        if to_status == comment["status"]:
            raise NothingToDo(Words(N_("comment %(id)s is already %(status)s; nothing was changed"), id=comment_id,
                                    status=Words(to_status)), current=comment)
        self._require(comment, Feature.MODERATE, Words(N_("moderate its comments")))
        with self.store.write():
            log_id = self.store.record_decision(comment, actor=actor, action=action.value, to_status=to_status,
                                                origin=origin)
            if log_id is None:  # another request decided this version first
                current = self.store.written_comment(comment_id)
                raise Conflict(Words(N_("comment %(id)s was decided by someone else (or by you, twice) since you "
                                        "saw it: it is now %(status)s. Nothing more was done."), id=comment_id,
                                     status=Words(current["status"])), current=current)
            job = self.outbox.enqueue(
                "moderate", key=f"moderate:{comment['id']}:v{comment['version'] + 1}:{action.value}",
                payload={"comment_id": comment["id"], "action": action.value, "version": comment["version"] + 1},
                site_id=comment["site_id"])
            self.store.link_writeback_job(comment["id"], log_id, job["id"])
        return {**self.store.written_comment(comment_id), "job_id": job["id"]}

    def undo(self, user: dict | str, comment_id: int, version: int, *, origin: str = "inbox") -> dict:
        """Take back the latest decision on a comment, seen at ``version`` (the version it produced).

        If its write-back has not run yet, the job is cancelled and the comment is put
        back locally: the site never hears of it. Otherwise the reverse decision is
        made (and written back like any other). Returns the comment row plus
        ``undone``: "cancelled" or "reversed"."""
        comment, actor = self._load(user, comment_id)
        if int(version) != comment["version"]:
            raise Conflict(Words(N_("comment %(id)s changed after that decision (it is now %(status)s); nothing "
                                    "was undone. Decide it again instead."), id=comment_id,
                                 status=Words(comment["status"])), current=comment)
        last = self.store.last_decision(comment_id)
        if last is None or last["action"] in ("undo", "site_change") or last["to_status"] != comment["status"]:
            raise NothingToDo(Words(N_("comment %(id)s has no decision of yours to undo"), id=comment_id),
                              current=comment)
        if self.store.cancel_decision(comment, last, actor=actor, origin=origin) is not None:
            return {**self.store.written_comment(comment_id), "undone": "cancelled"}
        if comment["status"] == "deleted":
            raise Conflict(Words(N_("comment %(id)s is already deleted on the site; a permanent delete cannot be "
                                    "undone"), id=comment_id), current=comment)
        reverse = _reverse(last["from_status"], comment["status"])
        return {**self.decide(user, comment_id, reverse.value, seen_version=version, origin=origin),
                "undone": "reversed"}

    def reply(self, user: dict | str, comment_id: int, text: str, *, origin: str = "inbox") -> dict:
        """Queue a reply to a comment, posted as the site's connected account.

        Returns ``{"job_id", "comment_id"}``; the reply becomes a local comment row
        (child of this one) once the job has posted it.
        """
        text = (text or "").strip()
        if not text:
            raise ServiceError(Words(N_("a reply needs some text")), field="text", value=text)
        comment, actor = self._load(user, comment_id)
        if comment["status"] == "deleted":
            raise Conflict(Words(N_("comment %(id)s is deleted on the site; it cannot be answered"), id=comment_id),
                           current=comment)
        self._require(comment, Feature.REPLY, Words(N_("reply to its comments")))
        with self.store.write():
            log_id = self.store.record_reply_request(comment, actor=actor, origin=origin, text=text)
            job = self.outbox.enqueue("reply", key=f"reply:{comment['id']}:{log_id}",
                                      payload={"comment_id": comment["id"], "text": text, "actor": actor},
                                      site_id=comment["site_id"])
            self.store.link_writeback_job(comment["id"], log_id, job["id"], on_comment=False)
        return {"job_id": job["id"], "comment_id": comment["id"]}

    # -- deciding (reported in words: pages, API, bulk) -------------------------
    def decide_one(self, user: dict | str, comment_id: int, action: str, seen_version: int | None) -> Outcome:
        """One decision, its refusal (if any) as the message the editor reads."""
        out = Outcome(comment_id)
        if action not in ACTION_NAMES:
            out.message = Words(N_("%(action)r is not an action; use one of %(actions)s."), action=action,
                                actions=", ".join(ACTION_NAMES))
            return out
        try:
            self.decide(user, comment_id, action, seen_version=seen_version)
        except (CommentNotFound, NotAllowed):
            out.missing = True
            out.message = Words(N_("There is no comment #%(id)s you may moderate."), id=comment_id)
            return out
        except ServiceError as exc:
            current = self.store.inbox_comment(comment_id, None) or exc.current
            if isinstance(exc, Conflict) and current is not None:  # a conflict is about a comment that exists
                out.conflict, out.comment, out.message = True, current, conflict_message(current)
            else:
                out.comment, out.message = current, Words(N_("Comment #%(id)s: %(reason)s"), id=comment_id,
                                                          reason=exc.detail)
            return out
        out.ok = True
        out.comment = self.store.inbox_comment(comment_id, None)
        return out

    def decide_many(self, user: dict | str, action: str, ids: list[int],
                    versions: dict[int, int] | None = None) -> BulkOutcome:
        result = BulkOutcome()
        for comment_id in ids:
            result.add(self.decide_one(user, comment_id, action, (versions or {}).get(comment_id)))
        return result

    def decide_matching(self, user: dict | str, action: str, flt: InboxFilter) -> BulkOutcome:
        """Every comment matching the filter on the user's sites, up to BULK_LIMIT per call."""
        _, sites = _actor(user)
        if flt.site and rights.forbidden([flt.site], sites):
            return BulkOutcome()
        keys = self.store.inbox_ids(flt, sites, limit=BULK_LIMIT)
        result = self.decide_many(user, action, [k[1] for k in keys])
        if len(keys) == BULK_LIMIT:
            result.remaining = max(0, self.store.count_matching(flt, sites))
        return result

    def reply_to(self, user: dict | str, comment_id: int, text: str) -> tuple[bool, str]:
        """Queue a reply; (queued?, what to tell the editor)."""
        text = (text or "").strip()
        try:
            comment, _ = self._load(user, comment_id)
        except (CommentNotFound, NotAllowed):
            return False, Words(N_("There is no comment #%(id)s you may reply to."), id=comment_id)
        if not text:
            return False, Words(N_("The reply is empty; write something first."))
        if len(text) > MAX_REPLY:
            return False, Words(N_("The reply is longer than 10,000 characters; shorten it."))
        try:
            self.reply(user, comment_id, text)
        except ServiceError as exc:  # reported in words
            return False, Words(N_("The reply was not queued: %(reason)s"), reason=exc.detail)
        return True, Words(N_("Reply queued; it is posted to %(site)s as the connected account by the next sync."),
                           site=comment["site_id"])


# -- outbox handlers -------------------------------------------------------------
def _remote(comment: dict) -> RemoteComment:
    return RemoteComment(remote_id=comment["remote_id"], post_id=comment["post_id"],
                         status=CommentStatus(comment["remote_status"]) if comment["remote_status"] in
                         {s.value for s in CommentStatus} else CommentStatus.PENDING,
                         date_gmt=parse_iso(comment["date_gmt"]), parent_id=comment["remote_parent_id"],
                         post_title=comment["post_title"], post_url=comment["post_url"], link=comment["link"])


def _final(bridge: Bridge, job: dict, exc: AdapterError) -> bool:
    return not exc.retriable or job["attempts"] + 1 >= job["max_attempts"]


def _site_changed_since(store: Store, comment: dict, job: dict) -> str | None:
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
    what = (Words(N_("deleted on the site")) if now == "deleted"
            else Words(N_("changed on site to %(status)s"), status=Words(now)))
    return Words(N_("%(what)s after your decision; decide again"), what=what)


def make_handlers(bridge: Bridge):
    store = bridge.store

    def handle_moderate(job: dict) -> dict:
        comment = store.get_comment(job["payload"]["comment_id"])
        if comment is None:
            return {"skipped": N_("the comment is no longer in the inbox")}
        stale = _site_changed_since(store, comment, job)
        if stale:
            store.refuse_writeback(comment["id"], job["id"], stale)
            raise StaleDecision(Words(N_("comment %(id)s was %(what)s"), id=comment["id"], what=stale))
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
        parent = store.get_comment(job["payload"]["comment_id"])
        if parent is None:
            return {"skipped": N_("the comment is no longer in the inbox")}
        adapter = bridge.adapter(parent["site_id"])
        # The job id names the reply, so a retry after a crash between posting and
        # saving finds the earlier reply instead of posting twice (where the adapter can).
        try:
            posted = adapter.reply(_remote(parent), job["payload"]["text"], key=str(job["id"]))
        except AdapterError as exc:
            store.fail_writeback(parent["id"], job["id"], exc.describe(), final=_final(bridge, job, exc))
            raise
        site = bridge.site_config(parent["site_id"])
        row = bridge.sync.comment_row(posted, bool(site.get("store_commenter_pii", False)))
        local_id = store.save_reply(parent["site_id"], row, job_id=job["id"])
        return {"reply_comment_id": local_id, "remote_id": posted.remote_id}

    return handle_moderate, handle_reply


def setup(bridge: Bridge) -> ModerationService:
    service = ModerationService(bridge)
    handle_moderate, handle_reply = make_handlers(bridge)
    bridge.outbox.register("moderate", handle_moderate)
    bridge.outbox.register("reply", handle_reply)
    return service
