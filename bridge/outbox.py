"""The durable job queue through which every side effect on a CMS goes.

A web request or a sync never calls a site directly to change it: it enqueues a
job. Workers claim due jobs with a lease, so a worker that dies mid-job only
delays it until the lease runs out. Failures are retried with exponential
backoff and jitter (never sooner than a site's ``Retry-After``) up to a bound,
after which the job is ``failed`` with its last error: listed, and retryable by
hand. Nothing is dropped silently: a job only leaves the queue as ``done``,
``failed``, or ``superseded`` by a newer job of the same intent.
"""
from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from adapters.base import AdapterError

from . import clock as clock_mod

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger(__name__)

#: handler(job) -> result dict (stored on the job). Raise AdapterError to fail.
Handler = Callable[[dict], "dict | None"]


@dataclass
class RunStats:
    done: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class Outbox:
    def __init__(self, store: Store, *, clock: Callable[[], float] = clock_mod.now,
                 rng: Callable[[], float] = random.random, max_attempts: int = 8,
                 base_delay: float = 30.0, max_delay: float = 6 * 3600.0, lease_seconds: float = 300.0):
        self.store = store
        self.clock = clock
        self.rng = rng
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease_seconds = lease_seconds
        self.handlers: dict[str, Handler] = {}
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    # -- producing -------------------------------------------------------
    def enqueue(self, kind: str, *, key: str, payload: dict, site_id: str | None = None,
                delay: float = 0.0, refresh: bool = False) -> dict:
        """Add a job unless one with the same idempotency key exists.

        With ``refresh=True`` a job of that key that already ran (done or failed)
        is queued again with the new payload: the same intent, a newer revision
        (e.g. republishing an edited item updates the same post). A job that is
        still queued or running is left alone, so double clicks never double up.
        """
        job, created = self.store.insert_job(kind=kind, site_id=site_id, key=key, payload=payload,
                                             max_attempts=self.max_attempts, run_at=self.clock() + delay)
        if not created and refresh and job["state"] in ("done", "failed"):
            job = self.store.requeue_job(job["id"], payload=payload, run_at=self.clock() + delay)
        elif not created and job["state"] == "queued" and job["payload"] != payload and refresh:
            job = self.store.requeue_job(job["id"], payload=payload, run_at=job["next_attempt_at"])
        return job

    # -- consuming -------------------------------------------------------
    def claim(self, *, limit: int = 10, site_id: str | None = None, kinds: list[str] | None = None) -> list[dict]:
        now = self.clock()
        return self.store.claim_jobs(owner=self.owner, now=now, lease_until=now + self.lease_seconds,
                                     limit=limit, site_id=site_id, kinds=kinds)

    def complete(self, job: dict, result: dict | None = None) -> bool:
        return self.store.finish_job(job["id"], self.owner, result)

    def backoff(self, attempts: int) -> float:
        """Delay after the ``attempts``-th failure: exponential, capped, with
        "equal jitter" (half fixed, half random) so retries of many jobs spread out."""
        delay = min(self.max_delay, self.base_delay * (2 ** max(0, attempts - 1)))
        return delay / 2 + self.rng() * delay / 2

    def fail(self, job: dict, error: BaseException | str, *, retriable: bool | None = None,
             retry_after: float | None = None) -> str:
        """Record a failed attempt; returns the job's new state (queued or failed)."""
        if isinstance(error, AdapterError):
            message = error.describe()
            retriable = error.retriable if retriable is None else retriable
            retry_after = error.retry_after if retry_after is None else retry_after
        else:
            message = str(error) or type(error).__name__
            retriable = True if retriable is None else retriable
        if isinstance(error, AdapterError) and error.needs_attention and job.get("site_id"):
            # refused credentials or permissions: an admin must act, and retrying won't help
            self.store.set_site_attention(job["site_id"], message)
        attempts = job["attempts"] + 1
        if not retriable or attempts >= job["max_attempts"]:
            if retriable:
                message = f"{message} (gave up after {attempts} attempts)"
            self.store.reschedule_job(job["id"], self.owner, error=message, next_attempt_at=None)
            return "failed"
        delay = self.backoff(attempts)
        if retry_after is not None:
            delay = max(delay, float(retry_after))
        self.store.reschedule_job(job["id"], self.owner, error=message, next_attempt_at=self.clock() + delay)
        return "queued"

    def run_due(self, *, site_id: str | None = None, kinds: list[str] | None = None,
                limit: int = 1000, batch: int = 20) -> RunStats:
        """Claim and run due jobs until none are due (or ``limit`` ran)."""
        stats = RunStats()
        ran = 0
        while ran < limit:
            jobs = self.claim(limit=min(batch, limit - ran), site_id=site_id, kinds=kinds)
            if not jobs:
                break
            for job in jobs:
                ran += 1
                self.run_one(job, stats)
        return stats

    def run_one(self, job: dict, stats: RunStats | None = None) -> str:
        stats = stats if stats is not None else RunStats()
        handler = self.handlers.get(job["kind"])
        if handler is None:
            state = self.fail(job, f"no handler for job kind {job['kind']!r} in this cms-bridge",
                              retriable=False)
            stats.failed += 1
            stats.errors.append(f"job {job['id']}: unknown kind {job['kind']}")
            return state
        try:
            result = handler(job)
        except Exception as exc:  # every failure is recorded on the job, never lost
            if not isinstance(exc, AdapterError):
                log.exception("job %s (%s) crashed", job["id"], job["kind"])
            state = self.fail(job, exc)
            if state == "failed":
                stats.failed += 1
            else:
                stats.retried += 1
            stats.errors.append(f"job {job['id']} ({job['kind']}): {exc}")
            return state
        self.complete(job, result)
        stats.done += 1
        return "done"

    def supersede(self, job_id: int, reason: str) -> bool:
        """A newer job carries the same intent further (e.g. the next revision of a
        post): retire this one if it is still queued or failed, so "needs attention"
        does not list a failure that no longer matters. A running job is left to
        finish; handlers re-read current state, so it cannot undo the newer one."""
        return self.store.supersede_job(job_id, reason)

    # -- inspecting ------------------------------------------------------
    def retry(self, job_id: int) -> bool:
        return self.store.retry_job(job_id, self.clock())

    def list(self, **filters: Any) -> list[dict]:
        return self.store.list_jobs(**filters)
