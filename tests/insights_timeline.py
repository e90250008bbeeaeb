"""pytest plugin (loaded by tests/conftest.py): the hand-counted insights timeline that
tests/test_insights.py, tests/test_insights_web.py and tests/test_insights_browser.py
count from, on the curation world (``pytest.mark.bridge_config(*CURATION)``).

Fixtures: ``store`` (the bridge's store, its timestamps on the test's ``FakeClock``) and
``timeline`` (the story; returns the comment ids by remote id)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bridge.insights import DayRange


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.fixture
def store(bridge, clock):
    bridge.store.time_source = clock
    return bridge.store


def comment(remote_id, date_gmt, *, status="pending", post_id="1", post_title="Turbines",
            post_url="https://corp.example.org/turbines") -> dict:
    return {"remote_id": remote_id, "remote_parent_id": None, "post_id": post_id, "post_title": post_title,
            "post_url": post_url, "link": f"{post_url}#c{remote_id}", "type": "comment", "author_name": "Ann",
            "author_url": "", "author_key": "k", "author_email": None, "author_ip": None,
            "content_text": "hi", "content_html": "<p>hi</p>", "status": status, "date_gmt": date_gmt}


def item(store, source_id, contributor) -> int:
    n = store.scalar("SELECT count(*) FROM items") + 1
    return store.insert_item({"source_id": source_id, "external_id": f"x{n}", "contributor": contributor,
                              "title": f"Item {n}"}, [])


ANN = {"username": "ann", "role": "editor", "sites": None}
BOB = {"username": "bob", "role": "editor", "sites": ["shop"]}
ADMIN = {"username": "root", "role": "admin", "sites": None}
RANGE = DayRange(date(2027, 1, 10), date(2027, 1, 15))


@pytest.fixture
def timeline(bridge, store, clock):
    """The story the figures are counted from (UTC)."""
    ids = {}

    def save(site, rows):
        store.save_comment_page(site, rows, {"page": clock.t})
        for r in rows:
            ids[r["remote_id"]] = store.get_comment_by_remote(site, r["remote_id"])["id"]

    clock.t = at("2027-01-08T12:00:00")                      # corp: 1 pending before the range
    save("corp", [comment("old1", "2027-01-08T11:00:00.000000Z")])
    clock.t = at("2027-01-10T09:00:00")
    save("corp", [comment("c1", "2027-01-10T08:00:00.000000Z"), comment("c2", "2027-01-10T08:30:00.000000Z"),
                  comment("c3", "2027-01-09T23:00:00.000000Z", post_id="2", post_title="Old")])
    shop_post = {"post_id": "7", "post_title": "Shop news", "post_url": "https://shop.example.org/news"}
    save("shop", [comment("s1", "2027-01-10T08:50:00.000000Z", **shop_post),
                  comment("s2", "2027-01-10T08:55:00.000000Z", status="approved", **shop_post)])
    clock.t = at("2027-01-11T08:00:00")
    save("shop", [comment("s3", "2027-01-11T07:00:00.000000Z", status="approved", **shop_post)])

    clock.t = at("2027-01-10T09:10:00")                      # c1 waited 70 min
    bridge.moderation.decide(ANN, ids["c1"], "approve")
    clock.t = at("2027-01-10T09:20:00")                      # c2 waited 50 min
    bridge.moderation.decide(ANN, ids["c2"], "spam")
    clock.t = at("2027-01-11T09:00:00")                      # s1 waited 24 h 10 min
    bridge.moderation.decide(BOB, ids["s1"], "trash")
    clock.t = at("2027-01-12T10:00:00")                      # c3 approved in the CMS, 59 h after posting
    row = store.get_comment(ids["c3"])
    store.apply_site_statuses("corp", [{"row": row, "status": "approved"}])

    clock.t = at("2027-01-04T10:00:00")                      # an item before the range
    item(store, "team", "Ana")
    clock.t = at("2027-01-10T10:00:00")
    t1, t2, f1 = item(store, "team", "Ana"), item(store, "team", "Ana"), item(store, "fans", "Bo")
    clock.t = at("2027-01-13T10:00:00")
    item(store, "staff", "Cy")
    clock.t = at("2027-01-10T12:00:00")                      # 2 h after arrival
    store.add_item_decision(t1, actor="ann", action="approve", from_state="pending", to_state="approved")
    clock.t = at("2027-01-11T10:00:00")                      # 24 h
    store.add_item_decision(f1, actor="ann", action="reject", from_state="pending", to_state="rejected")
    clock.t = at("2027-01-12T10:00:00")                      # 48 h
    store.add_item_decision(t2, actor="ann", action="approve", from_state="pending", to_state="approved")

    clock.t = at("2027-01-10T12:00:00")                      # corp: one retry, then published
    job = bridge.outbox.enqueue("publish", key="publish:1:corp", payload={"item_id": t1}, site_id="corp")
    store.set_publication_job(t1, "corp", state="queued", job_id=job["id"])
    store.claim_jobs(owner="w", now=clock.t, lease_until=clock.t + 60, limit=5, kinds=["publish"])
    store.reschedule_job(job["id"], "w", error="503", next_attempt_at=clock.t)
    clock.t = at("2027-01-10T12:05:00")
    store.claim_jobs(owner="w", now=clock.t, lease_until=clock.t + 60, limit=5, kinds=["publish"])
    store.finish_job(job["id"], "w", {})
    store.mark_published(t1, "corp", remote_ref={"id": 1}, remote_url="https://corp.example.org/n/1", revision=1)
    clock.t = at("2027-01-12T12:00:00")                      # shop: gave up
    job = bridge.outbox.enqueue("publish", key="publish:3:shop", payload={"item_id": t2}, site_id="shop")
    store.claim_jobs(owner="w", now=clock.t, lease_until=clock.t + 60, limit=5, kinds=["publish"])
    store.reschedule_job(job["id"], "w", error="refused", next_attempt_at=None)
    clock.t = at("2027-01-15T08:00:00")
    return ids
