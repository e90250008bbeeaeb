"""How many comments a pull still has to deliver (``SyncCursor.remaining``), for the CLI's
bar and ETA on a first sync: exact on the memory adapter, REST's ``X-WP-Total`` on a first
WordPress sync (the real site of the harness), unknown over XML-RPC and on later syncs."""
from __future__ import annotations

import pytest

from adapters.memory import MemoryAdapter
from adapters.types import SyncCursor
from tests.conftest import memory_site
from tests.wp_bridge_helpers import make_adapter


def _pages(adapter, cursor, limit):
    """(comments served so far, remaining) after every page, up to date; and the last cursor."""
    served, seen = 0, []
    while True:
        page, cursor = adapter.fetch_comments(cursor, limit)
        if not page:
            return seen, cursor
        served += len(page)
        seen.append((served, cursor.remaining))


def test_memory_adapter_says_exactly_how_many_comments_remain():
    adapter = MemoryAdapter(memory_site("m"), {})
    for _ in range(5):
        adapter.add_comment()
    seen, last = _pages(adapter, SyncCursor(), 2)
    assert seen == [(2, 3), (4, 1), (5, 0)]
    assert last.remaining == 0
    adapter.add_comment()
    assert _pages(adapter, last, 2)[0] == [(1, 0)]


def test_remaining_is_neither_stored_nor_compared():
    cursor = SyncCursor(after_date="2026-11-27T10:00:00Z", after_id="7", remaining=12)
    assert cursor.to_dict() == {"after_date": "2026-11-27T10:00:00Z", "after_id": "7"}
    assert cursor == SyncCursor(after_date="2026-11-27T10:00:00Z", after_id="7")


@pytest.mark.wordpress
def test_rest_first_sync_reports_the_remaining_comments_from_x_wp_total(wp):
    wp.seed_comments(23, status="mix")
    n = int(wp.rest.get("comments", params={"status": "any", "type": "all", "context": "edit",
                                            "per_page": 1}).headers["X-WP-Total"])
    assert n >= 23
    seen, last = _pages(make_adapter(wp, "rest"), SyncCursor(), 10)
    assert seen[-1][0] == n  # every comment served, once
    assert all(served + remaining == n for served, remaining in seen), seen
    # a later sync: the list is not filtered by the cursor, so X-WP-Total says nothing about it
    wp.seed_comments(3, status="approve")
    later, _ = _pages(make_adapter(wp, "rest"), last, 2)
    assert later[-1] == (3, 0) and all(remaining is None for _, remaining in later[:-1])


@pytest.mark.wordpress
def test_xmlrpc_reports_no_total(wp):
    wp.seed_comments(5, status="approve")
    seen, last = _pages(make_adapter(wp, "xmlrpc"), SyncCursor(), 2)
    assert all(remaining is None for _, remaining in seen[:-1]) and seen[-1][1] == 0
