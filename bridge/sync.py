"""Pull comments from the sites, reconcile what the inbox holds open, drain the outbox.

What ``cms-bridge sync`` (cron) runs, per site:

1. **Pull**: comments after the stored cursor, page by page; each page is
   written with the cursor after it in one transaction and then dropped, so
   memory stays flat however many comments a site has.
2. **Reconcile** (:meth:`SyncService.reconcile_site`, the one step a site that
   reports its own changes can replace): WordPress has no modified date for
   comments, so the comments the inbox still holds open (pending, or with a
   write-back pending) are re-read by id in batches every sync; then a *rolling*
   slice of all the others, decided ones included, at most ``[sync]
   reconcile_budget`` requests of ``reconcile_batch`` comments, continuing where
   the last sync stopped and starting over at the end. So every stored comment
   is re-read at least every ⌈stored / (budget × batch)⌉ syncs (50,000 comments,
   budget 10: every 50 syncs, under an hour of minute-syncs), and a comment
   spammed or trashed in wp-admin after the inbox approved it is seen. What the
   site changed is recorded as a site change, what it deleted becomes "deleted",
   and our own write-backs coming back are echoes, not changes.
3. **Drain** the site's due outbox jobs (moderation write-back, replies, publishing).

After the sites, the notifications service (``bridge/notifications.py``) enqueues the due
digests and alerts and sends the due ``notify`` jobs, which belong to no site.

Before the sites, the due feed sources are polled (intake's ``poll``: due feeds,
then due media downloads), under a lease of their own. A failing source is
reported in the run (and makes it not ok) but never stops the sites' sync.

A per-site lease in the store makes overlapping cron runs safe; one site's
failure never stops the others.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.base import AdapterError, Feature
from adapters.types import RemoteComment, SyncCursor

from .clock import iso_from_datetime
from .sanitize import clean_html, html_to_text

if TYPE_CHECKING:
    from adapters.base import CMSAdapter

    from .core import Bridge
    from .intake import PollResult

log = logging.getLogger(__name__)

PAGE_SIZE = 100


@dataclass
class SiteSyncResult:
    site_id: str
    new: int = 0
    changed: int = 0
    written_back: int = 0
    retrying: int = 0
    failed_jobs: int = 0
    error: str | None = None
    skipped: bool = False  # another run holds this site's lease
    attention: bool = False
    started: float = field(default_factory=time.monotonic, repr=False)  # for the duration in /metrics

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        if self.skipped:
            return f"{self.site_id}: skipped, another sync of this site is running"
        text = (f"{self.site_id}: {self.new} new, {self.changed} changed, {self.written_back} written back, "
                f"{self.retrying + self.failed_jobs} errors")
        if self.error:
            text += f" — FAILED: {self.error}"
        return text


def source_summary(result: PollResult) -> str:
    """One line for a polled source (an intake ``PollResult``)."""
    if result.ok:
        text = f"source {result.source_id}: {result.new_items} new"
        if getattr(result, "warning", None):
            text += f" (warning: {result.warning})"
        return text
    return f"source {result.source_id}: FAILED: {result.error}"


@dataclass
class SyncRun:
    results: list[SiteSyncResult] = field(default_factory=list)
    #: intake PollResults of the sources polled in this run (not-due ones included, ``polled=False``)
    sources: list = field(default_factory=list)
    #: why the sources were not polled at all (another run holds their lease, or polling crashed)
    sources_skipped: str | None = None
    sources_error: str | None = None
    #: (jobs enqueued, outbox RunStats) of the notifications sent at the end of the run
    notifications: tuple | None = None
    notifications_error: str | None = None

    @property
    def polled(self) -> list:
        return [r for r in self.sources if getattr(r, "polled", True)]

    @property
    def ok(self) -> bool:
        return (all(r.ok for r in self.results) and all(r.ok for r in self.sources)
                and self.sources_error is None)


class LockBusy(Exception):
    """Another sync holds the site's lease."""


class SyncService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.lock_seconds = float(bridge.config.sync.lock_seconds)
        self.batch = bridge.config.sync.reconcile_batch
        self.budget = bridge.config.sync.reconcile_budget
        self._salt: str | None = None
        #: ``(site_id, comments, total)`` after each page pulled: the page's size, and this
        #: pull's total (pulled so far + the adapter's ``remaining``) or None when the adapter
        #: cannot tell (the CLI's bar with an ETA, or its running count, on a terminal)
        self.on_pulled: Callable[[str, int, int | None], None] | None = None

    # -- entry points ----------------------------------------------------------
    def run(self, site_ids: list[str] | None = None, *, wait: bool = False, wait_seconds: float | None = None,
            sleep: Callable[[float], None] = time.sleep, sources: bool = True, sites: bool = True) -> SyncRun:
        """Poll the due feed sources (unless ``sources=False``), then sync the given (default:
        every configured) site (unless ``sites=False``); never stops at one failure."""
        run = SyncRun()
        if sources:
            self.poll_sources(run)
        if sites:
            self.bridge.refresh_sites()
            ids = site_ids or [s["id"] for s in self.bridge.config.sites]
            for site_id in ids:
                run.results.append(self.sync_site(site_id, wait=wait, wait_seconds=wait_seconds, sleep=sleep))
        self.notify(run)
        return run

    def notify(self, run: SyncRun) -> None:
        """Digests and alerts on what this run found, and the due notification jobs: those
        have no site, so no site's drain (``_drain``) runs them. Never stops the sync."""
        try:
            run.notifications = self.bridge.notifications.run()
        except Exception as exc:  # noqa: BLE001 - the sites were synced regardless
            log.exception("sending notifications crashed")
            run.notifications_error = f"{exc.__class__.__name__}: {exc}"

    def poll_sources(self, run: SyncRun) -> None:
        """intake's poll of the due sources under the ``sync:sources`` lease; nothing here raises.

        Run even without feed sources: the poll also downloads the images of webhook
        deliveries (due ``fetch_media`` jobs), which nothing else does."""
        intake = self.bridge.intake
        lock, owner = "sync:sources", self.bridge.outbox.owner
        if not self.store.acquire_lock(lock, owner, self.bridge.clock(), self.lock_seconds):
            run.sources_skipped = "another sync is polling the sources"
            return
        try:
            run.sources = list(intake.poll())
        except Exception as exc:  # noqa: BLE001 - the sites are synced regardless
            log.exception("polling the sources crashed")
            run.sources_error = f"{exc.__class__.__name__}: {exc}"
        finally:
            self.store.release_lock(lock, owner)

    def sync_site(self, site_id: str, *, wait: bool = False, wait_seconds: float | None = None,
                  sleep: Callable[[float], None] = time.sleep) -> SiteSyncResult:
        result = SiteSyncResult(site_id)
        lock = f"sync:{site_id}"
        owner = self.bridge.outbox.owner
        deadline = time.monotonic() + (wait_seconds if wait_seconds is not None else self.lock_seconds)
        while not self.store.acquire_lock(lock, owner, self.bridge.clock(), self.lock_seconds):
            if not wait or time.monotonic() > deadline:
                result.skipped = True
                return result
            sleep(1.0)
        try:
            self._sync_locked(site_id, result, lambda: self.store.renew_lock(
                lock, owner, self.bridge.clock(), self.lock_seconds))
        finally:
            self.store.release_lock(lock, owner)
        return result

    # -- the three steps ---------------------------------------------------------
    def _sync_locked(self, site_id: str, result: SiteSyncResult, renew: Callable[[], object]) -> None:
        self._guarded(site_id, result, lambda: self._pull_and_reconcile(site_id, result, renew))
        # Drained even when pulling failed: a site whose comment listing is down
        # (or that has none) still gets its decisions and posts.
        self._guarded(site_id, result, lambda: self._drain(site_id, result))
        if result.error is None:
            site_row = self.store.get_site(site_id)
            if site_row and site_row["status"] == "attention":
                self.store.set_site_attention(site_id, None)
        self.store.record_site_sync(site_id, summary=result.summary(), error=result.error,
                                    seconds=time.monotonic() - result.started)

    def _guarded(self, site_id: str, result: SiteSyncResult, step: Callable[[], None]) -> None:
        """Run one step; an adapter error or a bug is recorded on the result (the
        first one wins), never raised, so one site's failure stops nothing else."""
        try:
            step()
            return
        except AdapterError as exc:
            error = exc.describe()
            if exc.needs_attention:
                result.attention = True
                self.store.set_site_attention(site_id, error)
        except Exception as exc:  # noqa: BLE001 - one site's bug must not stop the others
            log.exception("sync of site %s crashed", site_id)
            error = f"{exc.__class__.__name__}: {exc}"
        result.error = result.error or error

    def _pull_and_reconcile(self, site_id: str, result: SiteSyncResult, renew: Callable[[], object]) -> None:
        """Steps 1 and 2, for a site that can list comments at all (its adapter says so)."""
        adapter = self.bridge.adapter(site_id)
        if not adapter.supports(Feature.COMMENTS):
            return
        site = self.bridge.site_config(site_id)
        started = self.store.now_iso()
        result.new, redelivered = self.pull(site_id, adapter, site, renew)
        def reconcile() -> int:
            return self.reconcile_site(site_id, adapter, renew, seen_before=started)
        # -- WordPress connector plugin (bridge/wordpress_plugin.py): if the site's plugin is active,
        # read the changes from it instead of reconciling; None = no plugin there, reconcile as before
        via_plugin = self.bridge.wordpress_plugin.reconcile(site_id, adapter, site, renew, fallback=reconcile)
        result.changed = redelivered + (reconcile() if via_plugin is None else via_plugin)

    def reconcile_site(self, site_id: str, adapter: CMSAdapter, renew: Callable[[], object] = lambda: None,
                       seen_before: str | None = None) -> int:
        """Step 2: what the site changed in comments the inbox already has. By
        polling: the open ones, then a rolling slice of the rest. A path that learns
        the site's changes otherwise (the WordPress connector plugin's change feed)
        replaces this one function."""
        return self.reconcile(site_id, adapter, renew, seen_before) + self.roll(site_id, adapter, renew)

    def _drain(self, site_id: str, result: SiteSyncResult) -> None:
        stats = self.bridge.outbox.run_due(site_id=site_id)
        result.written_back, result.retrying, result.failed_jobs = stats.done, stats.retried, stats.failed

    def pull(self, site_id: str, adapter: CMSAdapter, site: dict,
             renew: Callable[[], object] = lambda: None) -> tuple[int, int]:
        """Comments after the cursor, one page in memory at a time; returns (new, changed).

        A stream that delivers changed comments again (TYPO3's connector orders by
        ``tstamp``) brings comments the inbox already has: their status is recorded
        like a re-read's (site change or our own echo), in the page's transaction.
        """
        cursor = SyncCursor.from_dict(self.store.comment_cursor(site_id))
        store_pii = bool(site.get("store_commenter_pii", False))
        created = changed = pulled = 0
        while True:
            page, cursor = adapter.fetch_comments(cursor, PAGE_SIZE)
            if not page:
                return created, changed
            rows = [self.comment_row(c, store_pii) for c in page]
            with self.store.write():
                new = self.store.save_comment_page(site_id, rows, cursor.to_dict())
                if new < len(rows):  # some were known already; new ones compare equal and are skipped
                    known = [(self.store.get_comment_by_remote(site_id, r["remote_id"]), r["status"]) for r in rows]
                    changed += self.store.apply_site_statuses(
                        site_id, [{"row": k, "status": status} for k, status in known if k is not None])
            created += new
            renew()
            pulled += len(rows)
            if self.on_pulled:
                total = None if cursor.remaining is None else pulled + cursor.remaining
                self.on_pulled(site_id, len(rows), total)

    def reconcile(self, site_id: str, adapter: CMSAdapter, renew: Callable[[], object] = lambda: None,
                  seen_before: str | None = None) -> int:
        """Re-read the open comments by id (not those this run just pulled); record what the site changed."""
        changed = 0
        for rows in self.store.iter_open_comments(site_id, self.batch, seen_before):
            changed += self._reread(site_id, adapter, rows)
            renew()
        return changed

    def roll(self, site_id: str, adapter: CMSAdapter, renew: Callable[[], object] = lambda: None,
             budget: int | None = None) -> int:
        """The rolling reconcile: up to ``budget`` requests (``[sync] reconcile_budget``)
        re-reading stored comments by local id from where the last sync stopped
        (``sync_state`` ``site:<id>`` / ``reconcile_position``). At the end the lap is
        recorded (``reconcile_lap_at``) and the next sync starts over: never the
        same comment twice in one sync."""
        budget = self.budget if budget is None else budget
        scope = f"site:{site_id}"
        position = int(self.store.get_state(scope, "reconcile_position") or 0)
        changed = 0
        for _request in range(budget):
            rows = self.store.comments_after(site_id, position, self.batch)
            if not rows:
                if position:  # a lap is complete: the next sync starts over
                    self.store.set_state(scope, "reconcile_position", 0)
                    self.store.set_state(scope, "reconcile_lap_at", self.store.now_iso())
                break
            changed += self._reread(site_id, adapter, rows)
            position = rows[-1]["id"]
            self.store.set_state(scope, "reconcile_position", position)
            renew()
        return changed

    def _reread(self, site_id: str, adapter: CMSAdapter, rows: list[dict]) -> int:
        remote = {c.remote_id: c.status.value for c in adapter.fetch_comments_by_id([r["remote_id"] for r in rows])}
        return self.store.apply_site_statuses(
            site_id, [{"row": r, "status": remote.get(r["remote_id"], "deleted")} for r in rows])

    # -- rows --------------------------------------------------------------------
    def comment_row(self, comment: RemoteComment, store_pii: bool) -> dict:
        """A RemoteComment as a comments row: sanitised, and personal data only on request."""
        content_html = clean_html(comment.content_html)
        return {
            "remote_id": comment.remote_id, "remote_parent_id": comment.parent_id, "post_id": comment.post_id,
            "post_title": comment.post_title, "post_url": comment.post_url, "link": comment.link,
            "type": comment.type or "comment", "author_name": comment.author_name, "author_url": comment.author_url,
            "author_key": self.author_key(comment.author_email),
            "author_email": comment.author_email if store_pii else None,
            "author_ip": comment.author_ip if store_pii else None,
            "content_html": content_html, "content_text": html_to_text(content_html),
            "status": comment.status.value, "date_gmt": iso_from_datetime(comment.date_gmt),
            "held_because": [{"code": r.code, "detail": r.detail} for r in comment.held_because],
        }

    def author_key(self, email: str) -> str:
        """A salted hash of the e-mail: groups a commenter's comments without keeping the address."""
        if not email:
            return ""
        digest = hashlib.sha256(f"{self.salt()}:{email.strip().lower()}".encode()).hexdigest()
        return digest[:32]

    def salt(self) -> str:
        if self._salt is None:
            name = self.bridge.config.security.commenter_salt_env
            salt = os.environ.get(name) if name else None
            if not salt:
                # First writer wins, so concurrent first runs agree on one salt.
                salt = self.store.ensure_state("security", "commenter_salt", secrets.token_hex(32))
            self._salt = salt
        return self._salt


def setup(bridge: Bridge) -> SyncService:
    return SyncService(bridge)
