"""Moderation write-back against the harness's real WordPress: a decision the site
overtook is not written, and a reply is posted once even when the local save is lost."""
from __future__ import annotations

import pytest

from bridge import moderation
from tests.wp_bridge_helpers import TRANSPORTS, local_comment, rest_comment, sync_wp, wp_config

pytestmark = pytest.mark.wordpress


@pytest.fixture(params=TRANSPORTS)
def bridge(request, tmp_path, wp, make_bridge):
    """The harness's WordPress through each transport in turn."""
    return make_bridge(config=wp_config(tmp_path, wp, request.param))


def test_decision_overtaken_by_a_site_change_is_not_written(bridge, wp, clock):
    seeded = wp.seed_comments(1, status="hold")
    remote_id = seeded["first_id"]
    sync_wp(bridge)
    row = local_comment(bridge, remote_id)
    decided = bridge.moderation.decide({"username": "ed", "sites": None}, row["id"], "approve",
                                seen_version=row["version"])
    clock.advance(30)
    wp.php(f"wp_spam_comment({remote_id});")  # the site's moderator is faster

    result = sync_wp(bridge)  # reconcile records the site change, then the queued job runs
    assert (result.changed, result.written_back, result.failed_jobs, result.retrying) == (1, 0, 1, 0)
    assert rest_comment(wp, remote_id)["status"] == "spam"  # WordPress keeps the site's decision

    reason = "changed on site to spam after your decision; decide again"
    row = local_comment(bridge, remote_id)
    assert row["status"] == "spam" and row["remote_status"] == "spam" and row["expected_status"] is None
    assert row["writeback_state"] == "failed" and row["writeback_error"] == reason
    assert "set to spam on the site" in row["site_change"]
    job = next(j for j in bridge.outbox.list(kind="moderate") if j["id"] == decided["job_id"])
    assert job["state"] == "failed" and reason in job["last_error"] and job["attempts"] == 1
    log = bridge.store.moderation_log_for(row["id"])
    assert [(e["actor"], e["action"], e["to_status"], e["writeback"]) for e in log] == [
        ("ed", "approve", "approved", "failed"), ("site", "site_change", "spam", "n/a")]
    assert log[0]["detail"] == reason

    # Nothing is retried, and the site's status is not taken for a change again.
    clock.advance(3600)
    again = sync_wp(bridge)
    assert (again.changed, again.written_back, again.failed_jobs) == (0, 0, 0)
    assert rest_comment(wp, remote_id)["status"] == "spam"

    # The editor saw the change and decides again: that decision is written.
    with pytest.raises(moderation.Conflict):
        bridge.moderation.decide("ed", row["id"], "approve", seen_version=decided["version"])
    bridge.moderation.decide("ed", row["id"], "approve", seen_version=row["version"])
    assert sync_wp(bridge).written_back == 1
    assert rest_comment(wp, remote_id)["status"] == "approved"
    row = local_comment(bridge, remote_id)
    assert (row["status"], row["writeback_state"], row["writeback_error"], row["site_change"]) == (
        "approved", "done", None, None)


def test_decision_after_a_site_change_is_written(bridge, wp):
    seeded = wp.seed_comments(1, status="hold")
    remote_id = seeded["first_id"]
    sync_wp(bridge)
    wp.php(f"wp_set_comment_status({remote_id}, 'approve');")
    assert sync_wp(bridge).changed == 1
    row = local_comment(bridge, remote_id)
    bridge.moderation.decide("ed", row["id"], "trash", seen_version=row["version"])
    assert sync_wp(bridge).written_back == 1
    assert rest_comment(wp, remote_id)["status"] == "trash"
    assert local_comment(bridge, remote_id)["writeback_state"] == "done"


def test_reply_is_posted_once_when_the_local_save_was_lost(bridge, wp):
    seeded = wp.seed_comments(1, status="approve")
    remote_id = seeded["first_id"]
    sync_wp(bridge)
    parent = local_comment(bridge, remote_id)
    queued = bridge.moderation.reply("ed", parent["id"], "Thanks for writing!\n\nWe will look into it.")

    # The job's remote part ran and WordPress accepted the reply; then the process
    # died before the local save: the job is still due and nothing is stored.
    adapter = bridge.adapter("wp")
    first = adapter.reply(moderation._remote(parent), "Thanks for writing!\n\nWe will look into it.",
                          key=str(queued["job_id"]))
    raw = rest_comment(wp, first.remote_id)["content"]["raw"]
    assert f"<!-- [cms-bridge-reply:{queued['job_id']}] -->" in raw  # WordPress keeps the marker
    assert local_comment(bridge, first.remote_id) is None

    result = sync_wp(bridge)  # the retry
    assert result.written_back == 1, [j["last_error"] for j in bridge.outbox.list()]
    replies = wp.rest.get("comments", params={"parent": remote_id, "status": "any", "context": "edit"}).json()
    assert [r["id"] for r in replies] == [int(first.remote_id)]
    mine = local_comment(bridge, first.remote_id)
    assert mine["parent_id"] == parent["id"] and mine["writeback_state"] == "done"
    assert "We will look into it." in mine["content_html"] and "cms-bridge-reply" not in mine["content_html"]
    job = next(j for j in bridge.outbox.list(kind="reply") if j["id"] == queued["job_id"])
    assert job["state"] == "done"

    # A second reply with the same words is a new job, so it is posted (once).
    again = bridge.moderation.reply("ed", parent["id"], "Thanks for writing!\n\nWe will look into it, really.")
    assert sync_wp(bridge).written_back == 1
    replies = wp.rest.get("comments", params={"parent": remote_id, "status": "any", "context": "edit"}).json()
    assert len(replies) == 2 and f"cms-bridge-reply:{again['job_id']}]" in replies[0]["content"]["raw"]
