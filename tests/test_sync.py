"""Comment sync and moderation write-back against the harness's real WordPress."""
from __future__ import annotations

import pytest

from bridge import moderation
from tests.wp_bridge_helpers import (
    TRANSPORTS,
    add_replies_and_pingback,
    local_comment,
    rest_comment,
    sync_wp,
    wp_bridge,
    wp_config,
)

pytestmark = pytest.mark.wordpress


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


@pytest.fixture
def bridge(tmp_path, wp, make_bridge, transport):
    """The harness's WordPress through each transport in turn."""
    return make_bridge(config=wp_config(tmp_path, wp, transport))


def test_pull_1000_comments_then_nothing_new_then_site_changes(bridge, wp):
    seeded = wp.seed_comments(1000)
    post = seeded["post_id"]
    ids = [int(r["id"]) for r in wp.rest.get("comments", params={
        "post": post, "status": "approve", "per_page": 3, "orderby": "id", "order": "asc"}).json()]
    extra = add_replies_and_pingback(wp, post, ids[:2])

    result = sync_wp(bridge)
    assert result.new == 1000 + 3 + 1  # + WordPress's sample comment
    store = bridge.store
    assert store.count_comments("wp") == 1004
    expected = {"pending": 400 + 1, "approved": 400 + 2 + 1, "spam": 100, "trash": 100}
    assert {s: store.count_comments("wp", s) for s in expected} == expected
    reply = local_comment(bridge, extra["replies"][0])
    assert reply["remote_parent_id"] == str(ids[0]) and reply["parent_id"] == local_comment(bridge, ids[0])["id"]
    ping = local_comment(bridge, extra["pingback"])
    assert ping["type"] == "pingback" and ping["status"] == "pending"
    one = local_comment(bridge, seeded["first_id"])
    assert one["post_id"] == str(post) and one["post_title"].startswith("Seeded post")
    assert one["post_url"].startswith(wp.url) and one["author_key"] and one["author_email"] is None

    again = sync_wp(bridge)
    assert (again.new, again.changed) == (0, 0)

    pending = [c["id"] for c in wp.rest.get("comments", params={"post": post, "status": "hold", "per_page": 3,
                                                                   "orderby": "id"}).json()]
    wp.php(f"wp_set_comment_status({pending[0]}, 'approve'); wp_spam_comment({pending[1]}); "
           f"wp_delete_comment({pending[2]}, true);")
    changed = sync_wp(bridge)
    assert (changed.new, changed.changed) == (0, 3)
    assert local_comment(bridge, pending[0])["status"] == "approved"
    assert local_comment(bridge, pending[1])["status"] == "spam"
    gone = local_comment(bridge, pending[2])
    assert gone["status"] == "deleted" and "deleted on the site" in gone["site_change"]
    log = store.moderation_log_for(gone["id"])
    assert [(e["actor"], e["origin"], e["to_status"]) for e in log] == [("site", "sync", "deleted")]
    assert sync_wp(bridge).changed == 0


def test_decisions_and_reply_are_written_back(bridge, wp):
    seeded = wp.seed_comments(6, status="hold")
    sync_wp(bridge)
    first = seeded["first_id"]
    ids = [c["id"] for c in wp.rest.get("comments", params={"status": "hold", "per_page": 10,
                                                             "orderby": "id", "order": "asc"}).json()]
    # hold needs an approved comment (on a pending one it is nothing to do): approved and written back first
    approved = local_comment(bridge, ids[4])
    bridge.moderation.decide("ed", approved["id"], "approve", seen_version=approved["version"])
    assert sync_wp(bridge).written_back == 1 and rest_comment(wp, ids[4])["status"] == "approved"
    plan = {ids[0]: ("approve", "approved"), ids[1]: ("spam", "spam"), ids[2]: ("trash", "trash"),
            ids[3]: ("delete", None), ids[4]: ("hold", "hold")}
    for remote_id, (action, _) in plan.items():
        row = local_comment(bridge, remote_id)
        out = bridge.moderation.decide({"username": "ed", "sites": None}, row["id"], action,
                                seen_version=row["version"])
        assert out["writeback_state"] == "pending" and out["job_id"]
    parent = local_comment(bridge, first)
    bridge.moderation.reply("ed", parent["id"], "Thank you!")

    result = sync_wp(bridge)
    assert result.written_back == 6 and result.changed == 0, [j["last_error"] for j in bridge.outbox.list()]
    for remote_id, (action, shown) in plan.items():
        comment = rest_comment(wp, remote_id)
        assert (comment or {}).get("status") == shown, action
        row = local_comment(bridge, remote_id)
        assert row["writeback_state"] == "done"
    replies = wp.rest.get("comments", params={"parent": first, "context": "edit"}).json()
    assert len(replies) == 1 and "Thank you!" in replies[0]["content"]["raw"]
    mine = local_comment(bridge, replies[0]["id"])
    assert mine["parent_id"] == parent["id"] and mine["status"] == "approved"
    # Our own changes coming back are echoes, not site changes.
    assert sync_wp(bridge).changed == 0 and sync_wp(bridge).new == 0


def test_stale_decision_is_refused_with_what_changed(bridge, wp):
    seeded = wp.seed_comments(1, status="hold")
    sync_wp(bridge)
    row = local_comment(bridge, seeded["first_id"])
    wp.php(f"wp_spam_comment({seeded['first_id']});")
    sync_wp(bridge)
    with pytest.raises(moderation.Conflict, match="set to spam on the site"):
        bridge.moderation.decide("ed", row["id"], "approve", seen_version=row["version"])


def test_jobs_survive_the_site_going_down_and_run_exactly_once(bridge, wp, clock):
    seeded = wp.seed_comments(1, status="hold")
    sync_wp(bridge)
    row = local_comment(bridge, seeded["first_id"])
    bridge.moderation.decide("ed", row["id"], "approve")

    wp.stop_server()
    down = bridge.sync.sync_site("wp")
    assert not down.ok and "cannot connect" in down.error
    # the outbox is drained even though pulling failed: the job was tried, and waits
    assert down.retrying == 1 and bridge.outbox.run_due(site_id="wp").retried == 0
    job = bridge.outbox.list(kind="moderate")[0]
    assert job["state"] == "queued" and job["attempts"] == 1
    assert local_comment(bridge, seeded["first_id"])["writeback_state"] == "pending"

    wp.start_server()
    assert sync_wp(bridge).written_back == 0  # not due yet: backoff
    clock.advance(3600)
    assert sync_wp(bridge).written_back == 1
    assert sync_wp(bridge).written_back == 0
    job = bridge.outbox.list(kind="moderate")[0]
    assert job["state"] == "done" and job["attempts"] == 2
    assert rest_comment(wp, seeded["first_id"])["status"] == "approved"


def test_second_run_while_one_is_active_skips_quietly(bridge, wp):
    assert bridge.store.acquire_lock("sync:wp", "someone-else", bridge.clock(), 900)
    result = bridge.sync.sync_site("wp")
    assert result.skipped and result.ok and result.new == 0
    assert bridge.store.count_comments("wp") == 0


def test_wrong_password_marks_site_for_attention(tmp_path, wp, clock, transport):
    b = wp_bridge(tmp_path, wp, clock, transport)
    b.config.secrets[("site", "wp")]["password"] = "wrong-password-123"
    try:
        result = b.sync.sync_site("wp")
        assert not result.ok and result.attention
        site = b.store.get_site("wp")
        assert site["status"] == "attention" and site["attention_reason"]
    finally:
        b.close()


def test_commenter_pii_only_on_request(tmp_path, wp, clock):
    wp.seed_comments(2, status="hold")
    b = wp_bridge(tmp_path, wp, clock, "rest", environ={"SALT": "pepper"},
                    raw={"security": {"commenter_salt_env": "SALT"}}, store_commenter_pii=True)
    try:
        sync_wp(b)
        rows = [r for r in (b.store.get_comment(i) for i in range(1, 4)) if r and r["author_email"]]
        visitors = [r for r in rows if r["author_name"].startswith("Visitor")]
        assert len(visitors) == 2 and all(r["author_ip"] == "127.0.0.1" and r["author_key"] for r in visitors)
    finally:
        b.close()
