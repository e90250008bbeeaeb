"""The outbox with a controllable clock: no sleeping, exact schedules."""
from __future__ import annotations

import pytest

from adapters.base import AuthError, RateLimited, Unreachable
from bridge.clock import FakeClock
from bridge.outbox import Outbox
from bridge.store import open_store


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "b.db"))
    yield s
    s.close()


def make_outbox(store, clock, **kw):
    kw.setdefault("rng", lambda: 1.0)  # jitter at its maximum: delay == full backoff
    return Outbox(store, clock=clock, base_delay=10, max_delay=1000, max_attempts=4, lease_seconds=60, **kw)


def test_same_idempotency_key_yields_one_job(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock)
    a = outbox.enqueue("publish", key="item:1:site:a", payload={"item": 1}, site_id="a")
    b = outbox.enqueue("publish", key="item:1:site:a", payload={"item": 1}, site_id="a")
    assert a["id"] == b["id"]
    assert len(outbox.list()) == 1


def test_refresh_requeues_a_finished_job_with_the_new_payload(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock)
    outbox.register("publish", lambda job: {"ok": job["payload"]["rev"]})
    outbox.enqueue("publish", key="k", payload={"rev": 1})
    assert outbox.run_due().done == 1
    job = outbox.enqueue("publish", key="k", payload={"rev": 2}, refresh=True)
    assert job["state"] == "queued" and job["payload"] == {"rev": 2}
    assert outbox.run_due().done == 1
    assert store.get_job(job["id"])["result"] == {"ok": 2}


def test_a_crashed_workers_lease_expires_and_the_job_is_claimed_again(store):
    clock = FakeClock()
    first = make_outbox(store, clock)
    second = make_outbox(store, clock)
    job = first.enqueue("moderate", key="c:1", payload={})
    assert [j["id"] for j in first.claim()] == [job["id"]]
    assert second.claim() == []          # leased
    clock.advance(59)
    assert second.claim() == []          # still leased
    clock.advance(2)
    reclaimed = second.claim()
    assert [j["id"] for j in reclaimed] == [job["id"]]
    assert first.complete(job) is False  # the dead worker cannot finish it any more
    assert second.complete(reclaimed[0]) is True
    assert store.get_job(job["id"])["state"] == "done"


def test_backoff_schedule_is_exponential_with_jitter_and_capped(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock, rng=lambda: 0.0)
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]  # half of 10, 20, 40, 80
    outbox.rng = lambda: 1.0
    assert [outbox.backoff(n) for n in (1, 2, 3)] == [10.0, 20.0, 40.0]
    assert outbox.backoff(30) == 1000.0


def test_failed_attempts_retry_on_schedule_then_fail_with_the_last_error(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock)
    calls = []

    def flaky(job):
        calls.append(clock())
        raise Unreachable(f"connection refused #{len(calls)}")

    outbox.register("publish", flaky)
    job = outbox.enqueue("publish", key="k", payload={})
    start = clock()
    for delay in (0, 10, 20, 40):
        clock.advance(delay)
        assert outbox.run_due().done == 0
        assert outbox.run_due().done == 0  # nothing due again until the next slot
    assert calls == [start, start + 10, start + 30, start + 70]
    failed = store.get_job(job["id"])
    assert failed["state"] == "failed"
    assert failed["attempts"] == 4
    assert failed["last_error"] == "connection refused #4 (gave up after 4 attempts)"
    assert [j["id"] for j in outbox.list(state="failed")] == [job["id"]]


def test_retry_after_is_honoured(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock)
    outbox.register("publish", lambda job: (_ for _ in ()).throw(RateLimited("429", retry_after=120)))
    job = outbox.enqueue("publish", key="k", payload={})
    outbox.run_due()
    assert store.get_job(job["id"])["next_attempt_at"] == clock() + 120


def test_non_retriable_errors_fail_at_once(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock)
    outbox.register("publish", lambda job: (_ for _ in ()).throw(AuthError("401", hint="re-enter the password")))
    job = outbox.enqueue("publish", key="k", payload={})
    stats = outbox.run_due()
    assert stats.failed == 1
    row = store.get_job(job["id"])
    assert row["state"] == "failed" and row["attempts"] == 1
    assert row["last_error"] == "401 — re-enter the password"


def test_manual_retry_queues_a_failed_job_again(store):
    clock = FakeClock()
    outbox = make_outbox(store, clock)
    state = {"fail": True}

    def handler(job):
        if state["fail"]:
            raise AuthError("401")
        return {"done": True}

    outbox.register("publish", handler)
    job = outbox.enqueue("publish", key="k", payload={})
    outbox.run_due()
    assert outbox.retry(job["id"]) is True
    assert outbox.retry(job["id"]) is False  # queued now, not failed
    state["fail"] = False
    assert outbox.run_due().done == 1
    assert store.get_job(job["id"])["state"] == "done"


def test_a_job_of_unknown_kind_is_failed_not_dropped(store):
    outbox = make_outbox(store, FakeClock())
    job = outbox.enqueue("teleport", key="k", payload={})
    outbox.run_due()
    row = store.get_job(job["id"])
    assert row["state"] == "failed" and "no handler" in row["last_error"]


def test_a_newer_job_supersedes_a_failed_one_and_it_leaves_the_failed_list(store):
    outbox = make_outbox(store, FakeClock())
    outbox.register("publish", lambda job: (_ for _ in ()).throw(AuthError("401")))
    old = outbox.enqueue("publish", key="publish:1:a:r1", payload={})
    outbox.run_due()
    new = outbox.enqueue("publish", key="publish:1:a:r2", payload={})
    assert outbox.supersede(old["id"], f"superseded by job {new['id']}") is True
    assert [j["id"] for j in outbox.list(state="failed")] == []
    assert store.get_job(old["id"])["state"] == "superseded"
    assert outbox.supersede(new["id"], "x") is True and outbox.supersede(new["id"], "x") is False


def test_a_refused_login_marks_the_jobs_site_as_needing_attention(store):
    store.sync_sites([{"id": "corp", "kind": "wordpress", "url": "https://www.example.org"}])
    outbox = make_outbox(store, FakeClock())
    outbox.register("publish", lambda job: (_ for _ in ()).throw(
        AuthError("WordPress refused the application password", hint="create a new one")))
    outbox.enqueue("publish", key="k", payload={}, site_id="corp")
    assert outbox.run_due().failed == 1
    site = store.get_site("corp")
    assert site["status"] == "attention"
    assert site["attention_reason"] == "WordPress refused the application password — create a new one"
