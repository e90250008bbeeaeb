"""A decision applies only to the version of the comment it was made on."""
from __future__ import annotations

import pytest

from bridge import moderation
from tests.inbox_helpers import add_comment


def test_a_second_decision_on_the_same_version_writes_nothing(bridge):
    cid = add_comment(bridge.store, site="a")
    seen = bridge.store.get_comment(cid)
    assert bridge.store.record_decision(seen, actor="ed", action="approve", to_status="approved",
                                        origin="inbox") is not None
    # the same view of the comment again (a second key press, another tab): refused by the UPDATE itself
    assert bridge.store.record_decision(seen, actor="ed", action="spam", to_status="spam", origin="inbox") is None
    assert [r["action"] for r in bridge.store.moderation_log_for(cid)] == ["approve"]
    assert bridge.store.get_comment(cid)["status"] == "approved"


def test_hold_on_a_pending_comment_does_nothing(bridge):
    cid = add_comment(bridge.store, site="a")
    with pytest.raises(moderation.NothingToDo, match="already pending"):
        bridge.moderation.decide("ed", cid, "hold", seen_version=1)
    assert bridge.store.moderation_log_for(cid) == []
    assert bridge.outbox.list(state="queued", limit=10) == []
    assert bridge.store.get_comment(cid)["version"] == 1


def test_undo_before_the_write_back_ran_cancels_it_and_after_reverses_it(bridge):
    cid = add_comment(bridge.store, site="a")
    done = bridge.moderation.decide("ed", cid, "spam", seen_version=1)
    undone = bridge.moderation.undo("ed", cid, done["version"])
    assert (undone["undone"], undone["status"], undone["writeback_state"]) == ("cancelled", "pending", None)
    assert bridge.store.get_job(done["job_id"])["state"] == "superseded"
    # nothing left to undo: the undo itself is not undone by z
    with pytest.raises(moderation.NothingToDo):
        bridge.moderation.undo("ed", cid, undone["version"])
    # a stale version (the comment moved on) is a conflict
    again = bridge.moderation.decide("ed", cid, "trash", seen_version=undone["version"])
    with pytest.raises(moderation.Conflict, match="nothing was undone"):
        bridge.moderation.undo("ed", cid, again["version"] - 1)
    # once its job is running, undo makes the reverse decision
    assert [j["id"] for j in bridge.outbox.claim(limit=5)] == [again["job_id"]]
    reversed_ = bridge.moderation.undo("ed", cid, again["version"])
    assert (reversed_["undone"], reversed_["status"]) == ("reversed", "pending")
    assert [r["action"] for r in bridge.store.moderation_log_for(cid)] == ["spam", "undo", "trash", "restore"]
