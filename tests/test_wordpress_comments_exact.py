"""Every comment exactly once, against the harness's real WordPress, over both transports:
comments sharing seconds across page sizes, a same-second arrival after a sync, backdated
comments, the repeated hour when clocks go back, and (through the bridge) a decided comment
changed in wp-admin and a deleted one."""
from __future__ import annotations

import pytest

from adapters.types import SyncCursor
from tests.test_wordpress_adapter import walk_all
from tests.wp_bridge_helpers import TRANSPORTS, local_comment, make_adapter, sync_wp, wp_bridge

pytestmark = pytest.mark.wordpress


def site_ids(wp) -> list[int]:
    out = wp.php("global $wpdb; echo implode(',', $wpdb->get_col(\"SELECT comment_ID FROM $wpdb->comments\"));")
    return sorted(int(i) for i in out.split(",") if i)


def insert(wp, post_id: int, gmt: str, text: str) -> int:
    """One held comment with this GMT date (its local date from the site's timezone), inside WordPress."""
    return int(wp.php(
        f"echo wp_insert_comment(['comment_post_ID' => {post_id}, 'comment_author' => 'Dated', "
        f"'comment_content' => '{text}', 'comment_approved' => 0, 'comment_date_gmt' => '{gmt}', "
        f"'comment_date' => get_date_from_gmt('{gmt}')]);"))


def share_seconds(wp, post_id: int, start: str, seconds: int) -> None:
    """Every comment of the post dated into ``seconds`` seconds from ``start`` (id modulo)."""
    wp.php("global $wpdb; $wpdb->query($wpdb->prepare(\"UPDATE $wpdb->comments SET comment_date_gmt = "
           f"DATE_ADD(%s, INTERVAL (comment_ID % {seconds}) SECOND), comment_date = DATE_ADD(%s, INTERVAL "
           f"(comment_ID % {seconds}) SECOND) WHERE comment_post_ID = %d\", '{start}', '{start}', {post_id})); "
           "clean_comment_cache($wpdb->get_col(\"SELECT comment_ID FROM $wpdb->comments\")); "
           "wp_cache_flush();")


def ids_of(comments) -> list[int]:
    return [int(c.remote_id) for c in comments]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_300_comments_sharing_seconds_arrive_once_at_every_page_size(wp, transport):
    seeded = wp.seed_comments(300, status="mix")
    share_seconds(wp, seeded["post_id"], "2026-03-01 12:00:00", 3)  # ~100 comments per second
    expected = site_ids(wp)
    assert len(expected) == 301
    for first, limit in ((7, 7), (50, 33), (100, 100)):  # first read / page size: ties at every boundary
        adapter = make_adapter(wp, transport)
        adapter.walk_first = first
        seen, _, cursor = walk_all(adapter, SyncCursor(), limit)
        assert sorted(ids_of(seen)) == expected, (first, limit)  # all, none twice
        assert int(cursor.after_id) == expected[-1]
        assert walk_all(make_adapter(wp, transport), cursor)[0] == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_comment_arriving_in_the_cursors_own_second_after_a_sync(wp, transport):
    seeded = wp.seed_comments(120, status="hold")
    share_seconds(wp, seeded["post_id"], "2026-03-01 12:00:00", 1)  # all in one second
    wp.php("wp_delete_comment(1, true);")  # the sample comment is newer; the cursor's second is the shared one
    _, _, cursor = walk_all(make_adapter(wp, transport), SyncCursor())
    assert cursor.after_date == "2026-03-01T12:00:00Z"
    late = [insert(wp, seeded["post_id"], "2026-03-01 12:00:00", f"Same second {i}") for i in range(3)]
    new, _, after = walk_all(make_adapter(wp, transport), cursor)
    assert sorted(ids_of(new)) == late
    assert int(after.after_id) == late[-1]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_backdated_comments_are_pulled(wp, transport):
    # wp_insert_comment, as WordPress makes comments (ids one apart; a bulk INSERT ... SELECT would
    # leave InnoDB's reserved ids as a gap, see walk.py for what that means over XML-RPC)
    seeded = wp.seed_comments(50, status="approve", mode="php")
    _, _, cursor = walk_all(make_adapter(wp, transport), SyncCursor())
    # Alone (the newest id, dated years back: an import), then one below a normal newer one.
    alone = insert(wp, seeded["post_id"], "2001-01-01 00:00:00", "Imported long ago")
    new, _, cursor = walk_all(make_adapter(wp, transport), cursor)
    assert ids_of(new) == [alone]
    backdated = insert(wp, seeded["post_id"], "2019-06-01 08:00:00", "Re-dated by a plugin")
    normal = int(wp.php(f"echo wp_insert_comment(['comment_post_ID' => {seeded['post_id']}, "
                        "'comment_author' => 'Now', 'comment_content' => 'Just now', 'comment_approved' => 0]);"))
    new, _, cursor = walk_all(make_adapter(wp, transport), cursor)
    assert sorted(ids_of(new)) == [backdated, normal]
    assert walk_all(make_adapter(wp, transport), cursor)[0] == []


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_the_repeated_hour_when_clocks_go_back_loses_nothing(wp, transport):
    """Europe/Berlin, 2026-10-25: 02:00-03:00 local happens twice. A comment at 02:10 CET
    arrives after one at 02:30 CEST; by local date (REST's ``after``) it lies before the cursor."""
    wp.php("update_option('timezone_string', 'Europe/Berlin'); wp_delete_comment(1, true);")
    post = int(wp.php("echo wp_insert_post(['post_title' => 'DST', 'post_status' => 'publish']);"))
    first = insert(wp, post, "2026-10-25 00:30:00", "At 02:30 CEST")
    assert wp.php(f"echo get_comment({first})->comment_date;") == "2026-10-25 02:30:00"
    seen, _, cursor = walk_all(make_adapter(wp, transport), SyncCursor())
    assert ids_of(seen) == [first]
    second = insert(wp, post, "2026-10-25 01:10:00", "At 02:10 CET")
    assert wp.php(f"echo get_comment({second})->comment_date;") == "2026-10-25 02:10:00"
    new, _, _ = walk_all(make_adapter(wp, transport), cursor)
    assert ids_of(new) == [second]


# -- through the bridge: changes in wp-admin to what the inbox already has ---------------------
@pytest.fixture(params=TRANSPORTS)
def bridge(request, tmp_path, wp, clock):
    b = wp_bridge(tmp_path, wp, clock, request.param, raw={"sync": {"reconcile_budget": 2,
                                                                      "reconcile_batch": 5}})
    yield b
    b.close()


def test_decided_comments_changed_or_deleted_in_wp_admin_are_seen(bridge, wp, clock):
    seeded = wp.seed_comments(12, status="hold")
    ids = list(range(seeded["first_id"], seeded["last_id"] + 1))
    assert len(ids) == 12
    sync_wp(bridge)
    editor = {"username": "ed", "sites": None}
    for remote_id in ids:  # the inbox decides every one: nothing is open any more
        row = local_comment(bridge, remote_id)
        bridge.moderation.decide(editor, row["id"], "approve", seen_version=row["version"])
    clock.advance(30)
    assert sync_wp(bridge).written_back == 12
    assert bridge.store.count_comments("wp", "pending") == 0

    # In wp-admin: one approved comment spammed, one trashed, one deleted for good.
    spammed, trashed, deleted = ids[0], ids[6], ids[11]
    wp.php(f"wp_spam_comment({spammed}); wp_trash_comment({trashed}); wp_delete_comment({deleted}, true);")
    # 13 comments stored, budget 2 requests x 5 comments: every one re-read within 2 syncs.
    changed = sync_wp(bridge).changed + sync_wp(bridge).changed
    assert changed == 3
    assert local_comment(bridge, spammed)["status"] == "spam"
    assert local_comment(bridge, trashed)["status"] == "trash"
    row = local_comment(bridge, deleted)
    assert row["status"] == "deleted" and "deleted on the site" in row["site_change"]
    assert all(local_comment(bridge, i)["status"] == "approved" for i in ids if i not in (spammed, trashed, deleted))
    log = bridge.store.moderation_log_for(local_comment(bridge, spammed)["id"])
    assert [(e["actor"], e["to_status"]) for e in log][-1] == ("site", "spam")


def test_xmlrpc_rereads_many_held_comments_with_one_listing(wp):
    """system.multicall logs in once per wp.getComment; 150 held comments are answered by
    one wp.getComments(status=hold), and only what is not held is read by id."""
    wp.seed_comments(150, status="hold")
    ids = [str(i) for i in site_ids(wp) if i != 1]  # the seeded ones, all held
    wp.php(f"wp_set_comment_status({ids[10]}, 'approve'); wp_delete_comment({ids[120]}, true);")
    adapter = make_adapter(wp, "xmlrpc")
    adapter.transport()
    before = adapter.request_count
    found = {c.remote_id: c.status.value for c in adapter.fetch_comments_by_id(ids)}
    # the held list once, then per batch of 100 one multicall for what it lacks (the approved one
    # in the first, the deleted one in the second)
    assert adapter.request_count - before == 3
    assert found[ids[10]] == "approved" and ids[120] not in found
    assert len(found) == 149 and {s for i, s in found.items() if i != ids[10]} == {"pending"}
