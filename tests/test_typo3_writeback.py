"""Reply jobs and rate limits through the bridge's outbox against the TYPO3 double in
connector mode: a reply is posted once even when the local save was lost (the job id is
the connector's reply key), and a 429 from a proxy in front of the site reschedules the job
no sooner than its Retry-After."""
from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from adapters.base import RateLimited
from adapters.types import SyncCursor
from bridge import moderation
from bridge.clock import FakeClock
from bridge.outbox import Outbox
from bridge.store import open_store
from tests.test_typo3_adapter import connector_adapter

PW = "tx_pwcomments_domain_model_comment"
LEDGER = "tx_cmsbridgeconnector_reply"
CAPABILITIES = {"list_comments": "bridge-list-comments", "reply": "bridge-reply"}
TEXT = "Thanks for writing!\n\nWe will look into it."


@pytest.fixture
def bridge(typo3, make_bridge):
    connector, environ = {}, {}
    for name, reaction_type in CAPABILITIES.items():
        url, secret = typo3.add_reaction(reaction_type)
        connector[name] = {"url": url, "secret_env": f"T3_{name.upper()}"}
        environ[f"T3_{name.upper()}"] = secret
    raw = {"outbox": {"base_delay": 10.0, "max_attempts": 5},
           "sites": [{"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 news", "mode": "connector",
                      "connector": connector, "timeout": 5.0}]}
    return make_bridge(raw, environ)


def synced_parent(bridge, typo3) -> dict:
    remote = typo3.add_pw_comment("Where is turbine 7?", hidden=0)
    result = bridge.sync.sync_site("t3")
    assert result.ok, result.error
    return bridge.store.get_comment_by_remote("t3", f"pw_comments:{remote}")


def replies_to(typo3, parent: dict) -> list[dict]:
    return typo3.rows(PW, "parent_comment = ?", (int(parent["remote_id"].split(":")[1]),))


def test_reply_is_posted_once_when_the_local_save_was_lost(bridge, typo3):
    parent = synced_parent(bridge, typo3)
    queued = bridge.moderation.reply("ed", parent["id"], TEXT)

    # The job's remote part ran and TYPO3 stored the reply; then the process died before
    # the local save: the job is still due and nothing is stored here.
    first = bridge.adapter("t3").reply(moderation._remote(parent), TEXT, key=str(queued["job_id"]))
    assert bridge.store.get_comment_by_remote("t3", first.remote_id) is None
    assert [(r["reply_key"], r["comment_uid"]) for r in typo3.rows(LEDGER)] == [
        (str(queued["job_id"]), int(first.remote_id.split(":")[1]))]

    stats = bridge.outbox.run_due()  # the retry
    assert (stats.done, stats.failed, stats.retried) == (1, 0, 0), stats.errors
    assert [f"pw_comments:{r['uid']}" for r in replies_to(typo3, parent)] == [first.remote_id]
    assert len(typo3.rows(LEDGER)) == 1
    mine = bridge.store.get_comment_by_remote("t3", first.remote_id)
    assert mine["parent_id"] == parent["id"] and mine["writeback_state"] == "done"
    job = next(j for j in bridge.outbox.list(kind="reply") if j["id"] == queued["job_id"])
    assert job["state"] == "done" and job["result"]["remote_id"] == first.remote_id
    assert typo3.requests[-1]["body"]["key"] == str(queued["job_id"])

    # A second reply with the same words is a new job, hence a new key: posted (once).
    again = bridge.moderation.reply("ed", parent["id"], TEXT)
    assert bridge.outbox.run_due().done == 1
    assert len(replies_to(typo3, parent)) == 2
    assert {r["reply_key"] for r in typo3.rows(LEDGER)} == {str(queued["job_id"]), str(again["job_id"])}


def test_a_rate_limited_reply_job_waits_for_retry_after(bridge, typo3, clock):
    parent = synced_parent(bridge, typo3)
    queued = bridge.moderation.reply("ed", parent["id"], TEXT)
    typo3.set_rate_limited("300")
    stats = bridge.outbox.run_due()
    assert (stats.done, stats.retried) == (0, 1)
    job = next(j for j in bridge.outbox.list(kind="reply") if j["id"] == queued["job_id"])
    assert job["state"] == "queued" and job["next_attempt_at"] >= clock() + 300  # backoff alone: 10 s
    assert "rate limited (429)" in job["last_error"]
    typo3.clear_rate_limit()
    clock.advance(299)
    assert bridge.outbox.run_due().done == 0
    assert replies_to(typo3, parent) == []
    clock.advance(1)
    assert bridge.outbox.run_due().done == 1
    assert len(replies_to(typo3, parent)) == 1


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "outbox.db"))
    yield s
    s.close()


@pytest.mark.parametrize("header", ["seconds", "http-date"])
def test_outbox_reschedules_a_429_no_sooner_than_retry_after(typo3, store, header):
    clock = FakeClock()
    outbox = Outbox(store, clock=clock, base_delay=10, max_delay=1000, max_attempts=4, lease_seconds=60,
                    rng=lambda: 1.0)
    adapter = connector_adapter(typo3, capabilities=("list_comments",))
    seen: list[float | None] = []

    def fetch(job):
        try:
            comments, _ = adapter.fetch_comments(SyncCursor())
        except RateLimited as exc:
            seen.append(exc.retry_after)
            raise
        return {"comments": len(comments)}

    outbox.register("fetch", fetch)
    job = outbox.enqueue("fetch", key="fetch:t3", payload={}, site_id="t3")
    typo3.set_rate_limited("600" if header == "seconds" else formatdate(time.time() + 600, usegmt=True), times=1)
    assert outbox.run_due().retried == 1
    [retry_after] = seen
    assert 595 <= retry_after <= 600
    queued = store.get_job(job["id"])
    assert queued["state"] == "queued" and queued["next_attempt_at"] == clock() + retry_after
    clock.advance(retry_after - 1)
    assert outbox.run_due().done == 0 and typo3.app.rate_limited_count == 1
    clock.advance(1)
    assert outbox.run_due().done == 1
    assert store.get_job(job["id"])["state"] == "done"

