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
        moderation.decide(bridge, "ed", cid, "hold", seen_version=1)
    assert bridge.store.moderation_log_for(cid) == []
    assert bridge.outbox.list(state="queued", limit=10) == []
    assert bridge.store.get_comment(cid)["version"] == 1
