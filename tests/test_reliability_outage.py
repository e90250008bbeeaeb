"""The real WordPress goes down while decisions, replies and publications are queued,
and comes back: each is applied exactly once — no duplicate post, reply or
attachment, every decision's status on the site.

Bounded here (50 decisions, 5 replies, 5 publications with an image each); the big
run (500 / 20 / 50) is bench/bench_reliability.py. Counted in WordPress's database.
"""
from __future__ import annotations

from collections import Counter

import pytest

from tests.outage_kit import WP_STATUS, queue_work, run_outbox, site_state
from tests.wp_bridge_helpers import image_file, wp_bridge

pytestmark = pytest.mark.wordpress

SOURCES = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["wp"]}]


@pytest.fixture
def bridge(tmp_path, wp, clock):
    b = wp_bridge(tmp_path, wp, clock, raw={"sources": SOURCES, "outbox": {"base_delay": 10.0, "max_attempts": 8}},
                    environ={"TEAM_SECRET": "whsec_" + "A" * 32})
    yield b
    b.close()


def test_a_site_down_during_queued_work_gets_each_change_exactly_once_after_it_returns(bridge, wp, clock, tmp_path):
    queued = queue_work(bridge, wp, image_file(tmp_path), decisions=50, replies=5, publications=5)
    before = site_state(wp)
    jobs = bridge.store.list_jobs(limit=1000)
    assert len(jobs) == 60 and {j["state"] for j in jobs} == {"queued"}

    wp.stop_server()
    try:
        assert not wp.server_running()
        down = run_outbox(bridge, clock, rounds=2, advance=3600)
        # every attempt failed retriably: nothing done, nothing given up
        assert down["done"] == 0 and down["failed"] == 0 and down["retried"] == 120, down
        assert {j["state"] for j in bridge.store.list_jobs(limit=1000)} == {"queued"}
    finally:
        wp.start_server()
    assert site_state(wp) == before  # nothing reached the site while it was down

    up = run_outbox(bridge, clock, rounds=3, advance=3600)
    assert up["done"] == 60 and up["failed"] == 0 and up["retried"] == 0, up
    jobs = bridge.store.list_jobs(limit=1000)
    assert Counter(j["state"] for j in jobs) == {"done": 60}
    assert all(j["attempts"] == 3 for j in jobs)  # two refused while down, one that worked

    after = site_state(wp)
    statuses = {int(r["id"]): r["st"] for r in after["statuses"]}
    for remote_id, action in queued.decisions.items():
        assert statuses[remote_id] == WP_STATUS[action], (remote_id, action)
    # one reply per replied comment, with its text (and the marker the outbox adds to
    # find its own reply again): none posted twice
    assert Counter(int(r["parent"]) for r in after["replies"]) == Counter(list(queued.replies))
    for reply in after["replies"]:
        assert reply["text"].split("\n<!-- [cms-bridge-reply:")[0] == queued.replies[int(reply["parent"])]
    # one post per publication and one attachment for its image
    assert Counter(after["posts"]) == Counter(queued.items.values())
    assert after["attachments"] - before["attachments"] == 5

    # a later sync finds nothing left to do and changes nothing on the site
    assert run_outbox(bridge, clock, rounds=1, advance=0)["done"] == 0
    result = bridge.sync.sync_site("wp")
    assert result.ok and result.written_back == 0
    assert site_state(wp) == after
