"""The WordPress connector plugin installed into the harness's real WordPress, talking to a live
cms-bridge over HTTP: comments posted through wp-comments-post.php and changes made inside
WordPress (as wp-admin makes them) reach the inbox as signed events, once each; while cms-bridge
is stopped they wait in the plugin's queue and arrive after it is back and WP-Cron runs; our own
write-back comes back as an echo; sync reads the plugin's changes route instead of re-reading.
"""
from __future__ import annotations

import json
import time

import pytest
import requests

from tests.wp_bridge_helpers import sync_wp, wp_bridge
from tests.wp_plugin_helpers import (
    configure,
    install_mu,
    install_plugin,
    post_comment_form,
    queue_rows,
    run_wp_cron,
    wait_for,
)

pytestmark = pytest.mark.wordpress

EDITOR = {"username": "ed", "sites": None}
SETTLE = 2.2  # the changes route leaves changes younger than 2 s for the next call (Rest::SETTLE_SECONDS)


@pytest.fixture
def bridge(make_bridge, plugin_config):
    return make_bridge(config=plugin_config)


@pytest.fixture
def site(wp, plugin_zip, live, secret):
    """The harness site with the plugin active and pointed at the live cms-bridge."""
    install_plugin(wp, plugin_zip)
    configure(wp, live.endpoint("wp"), secret)
    return wp


def inbox(bridge, remote_id):
    return bridge.store.get_comment_by_remote("wp", str(remote_id))


def site_log(bridge, remote_id) -> list[dict]:
    row = inbox(bridge, remote_id)
    return [e for e in bridge.store.moderation_log_for(row["id"]) if e["actor"] == "site"]


def test_a_comment_posted_through_the_form_reaches_the_inbox_without_a_sync(site, bridge):
    remote_id = post_comment_form(site, 1, "First!  This post is great.")
    row = wait_for(lambda: inbox(bridge, remote_id), what="the comment in the inbox")
    assert row["status"] == "pending"
    assert row["author_name"] == "Visitor" and "This post is great." in row["content_text"]
    assert row["post_id"] == "1" and row["link"].endswith(f"#comment-{remote_id}")
    assert not bridge.store.comment_cursor("wp")  # no sync ran (the cursor is at the start): the event brought it
    [event] = queue_rows(site)
    assert event["event_type"] == "comment.created" and event["sent_at"] and event["last_status"] == 202


def test_changes_made_in_wordpress_arrive_one_event_each(site, bridge):
    remote_id = post_comment_form(site, 1, "A comment to moderate on the site")
    wait_for(lambda: inbox(bridge, remote_id), what="the new comment")
    steps = [
        (f"wp_set_comment_status({remote_id}, 'approve');", "approved", "comment.status_changed"),
        (f"wp_spam_comment({remote_id});", "spam", "comment.spammed"),
        # unspam and untrash restore the status before (WordPress keeps it in _wp_trash_meta_status)
        (f"wp_unspam_comment({remote_id});", "approved", "comment.unspammed"),
        (f"wp_trash_comment({remote_id});", "trash", "comment.trashed"),
        (f"wp_untrash_comment({remote_id});", "approved", "comment.untrashed"),
    ]
    for code, status, kind in steps:
        site.php(code)  # as wp-admin does it: WordPress's own functions, its hooks
        wait_for(lambda s=status: inbox(bridge, remote_id)["status"] == s, what=f"status {status}")
        assert queue_rows(site)[-1]["event_type"] == kind
    site.php(f"wp_update_comment(['comment_ID' => {remote_id}, 'comment_content' => 'Edited on the site']);")
    wait_for(lambda: "Edited on the site" in inbox(bridge, remote_id)["content_text"], what="the edit")
    site.php(f"wp_delete_comment({remote_id}, true);")
    wait_for(lambda: inbox(bridge, remote_id)["status"] == "deleted", what="the deletion")

    kinds = [r["event_type"] for r in queue_rows(site)]
    # one event per change (trashing fires transition_comment_status and trashed_comment: one event)
    assert kinds == ["comment.created", "comment.status_changed", "comment.spammed", "comment.unspammed",
                     "comment.trashed", "comment.untrashed", "comment.edited", "comment.deleted"]
    assert all(r["last_status"] == 202 for r in queue_rows(site))
    statuses = [e["to_status"] for e in site_log(bridge, remote_id)]
    assert statuses == ["approved", "spam", "approved", "trash", "approved", "deleted"]


def test_events_wait_while_cms_bridge_is_down_and_arrive_after_it_is_back(site, bridge, live):
    live.stop()
    first = post_comment_form(site, 1, "Posted while cms-bridge is down")
    second = post_comment_form(site, 1, "Also posted while it is down", author="Bea", email="bea@example.org")
    site.php(f"wp_spam_comment({second});")
    rows = queue_rows(site)
    assert [r["event_type"] for r in rows] == ["comment.created", "comment.created", "comment.spammed"]
    assert all(r["sent_at"] is None and r["attempts"] >= 1 and r["last_status"] == 0 for r in rows)
    assert "did not answer" in rows[0]["last_error"]
    assert inbox(bridge, first) is None and inbox(bridge, second) is None

    live.start()
    run_wp_cron(site)
    assert all(r["sent_at"] and r["last_status"] == 202 for r in queue_rows(site))
    assert inbox(bridge, first)["status"] == "pending"
    assert inbox(bridge, second)["status"] == "spam"
    # a second cron run sends nothing again
    run_wp_cron(site)
    assert len(queue_rows(site)) == 3


def test_a_redelivered_event_is_applied_once(site, bridge):
    remote_id = post_comment_form(site, 1, "Delivered twice")
    wait_for(lambda: inbox(bridge, remote_id), what="the comment")
    site.php(f"wp_set_comment_status({remote_id}, 'approve');")
    wait_for(lambda: inbox(bridge, remote_id)["status"] == "approved", what="approval")
    # the plugin sends a row again when it never saw the answer: same webhook-id, new signature time
    site.php("global $wpdb; $wpdb->query('UPDATE ' . $wpdb->prefix . 'cms_bridge_events SET sent_at = NULL');")
    run_wp_cron(site)
    assert len(site_log(bridge, remote_id)) == 1
    assert inbox(bridge, remote_id)["status"] == "approved"


def test_our_write_back_comes_back_as_an_echo_and_our_reply_is_not_doubled(site, bridge):
    remote_id = post_comment_form(site, 1, "Please approve me")
    row = wait_for(lambda: inbox(bridge, remote_id), what="the comment")
    bridge.moderation.decide(EDITOR, row["id"], "approve")
    bridge.moderation.reply(EDITOR, row["id"], "Thanks for writing!")
    stats = bridge.outbox.run_due(site_id="wp")
    assert stats.done == 2 and stats.failed == 0
    events = [r for r in queue_rows(site) if r["origin"] == "cms-bridge"]
    assert sorted(r["event_type"] for r in events) == ["comment.created", "comment.status_changed"]
    assert all(r["sent_at"] is None for r in events)  # left to cron: cms-bridge made these itself
    run_wp_cron(site)
    assert all(r["sent_at"] for r in queue_rows(site))
    after = inbox(bridge, remote_id)
    assert after["status"] == "approved" and after["site_change"] is None
    assert site_log(bridge, remote_id) == []
    replies = [c for c in bridge.store.query("SELECT * FROM comments WHERE site_id = 'wp' AND remote_parent_id = ?",
                                             [str(remote_id)])]
    assert len(replies) == 1 and replies[0]["writeback_state"] == "done"


def test_sync_reads_the_changes_route_instead_of_re_reading(wp, plugin_zip, bridge):
    install_plugin(wp, plugin_zip)  # events not set up: only the changes route is at work
    seeded = wp.seed_comments(30, status="hold", mode="sql")
    first = sync_wp(bridge)
    assert first.new == 31  # and the sample comment of a fresh site
    adapter = bridge.adapter("wp")
    some = seeded["first_id"]
    wp.php(f"wp_spam_comment({some}); wp_set_comment_status({some + 1}, 'approve'); "
           f"wp_delete_comment({some + 2}, true);")
    backdated = wp.php("echo wp_insert_comment(['comment_post_ID' => 1, 'comment_author' => 'Old',"
                       " 'comment_content' => 'Imported from 2001', 'comment_date' => '2001-01-01 10:00:00',"
                       " 'comment_date_gmt' => '2001-01-01 10:00:00', 'comment_approved' => 0]);").strip()
    time.sleep(SETTLE)
    before = adapter.request_count
    result = sync_wp(bridge)
    assert inbox(bridge, some)["status"] == "spam"
    assert inbox(bridge, some + 1)["status"] == "approved"
    assert inbox(bridge, some + 2)["status"] == "deleted"
    assert inbox(bridge, backdated)["status"] == "pending"  # before the pull's cursor: found by the plugin
    assert result.changed >= 3
    assert adapter.request_count - before <= 4  # pull + changes (+ post titles of the new comment)

    before = adapter.request_count
    quiet = sync_wp(bridge)
    assert quiet.new == 0 and quiet.changed == 0
    # a no-change sync: the pull's one page and the changes route's one answer
    assert adapter.request_count - before == 2


def test_without_the_plugin_sync_falls_back_and_asks_again_later(wp, bridge, clock):
    wp.seed_comments(3, status="hold", mode="sql")
    sync_wp(bridge)
    adapter = bridge.adapter("wp")
    before = adapter.request_count
    sync_wp(bridge)
    plain = adapter.request_count - before
    before = adapter.request_count
    sync_wp(bridge)
    assert adapter.request_count - before == plain  # the plugin's absence is remembered, not re-asked
    state = bridge.store.get_state("site:wp", "plugin_absent_until")
    assert state > clock()


def test_works_as_a_must_use_plugin(wp, plugin_zip, live, bridge, secret):
    installed = install_mu(wp, plugin_zip)
    try:
        configure(wp, live.endpoint("wp"), secret)
        remote_id = post_comment_form(wp, 1, "Hello from an mu-plugin site")
        assert wait_for(lambda: inbox(bridge, remote_id), what="the comment")["status"] == "pending"
        active = wp.php("echo json_encode(get_option('active_plugins'));")
        assert "cms-bridge" not in active  # never activated: loaded as must-use
    finally:
        for path in installed:
            if path.is_dir():
                import shutil

                shutil.rmtree(path)
            else:
                path.unlink()


def test_many_changes_in_one_request_page_through_the_cursor_exactly_once(wp, plugin_zip, bridge, monkeypatch):
    import bridge.wordpress_plugin as service

    install_plugin(wp, plugin_zip)
    seeded = wp.seed_comments(25, status="hold", mode="sql")
    sync_wp(bridge)  # imports them, and takes the changes cursor from the start
    ids = list(range(seeded["first_id"], seeded["last_id"] + 1))
    # one request approving them all: stamps microseconds apart (or equal: ordered by id)
    wp.php(f"foreach ([{', '.join(map(str, ids))}] as $id) {{ wp_set_comment_status($id, 'approve'); }}")
    time.sleep(SETTLE)
    monkeypatch.setattr(service, "PAGE", 7)
    calls = []
    client = bridge.wordpress_plugin.client("wp", bridge.adapter("wp"))
    real = client.changes
    monkeypatch.setattr(client, "changes", lambda since, n: calls.append(since) or real(since, n))
    result = sync_wp(bridge)
    assert result.changed == 25
    assert len(calls) == 4 and len(set(calls)) == 4  # 7 + 7 + 7 + 4, each from the cursor after the last
    approved = bridge.store.query("SELECT count(*) AS n FROM comments WHERE site_id = 'wp' AND status = 'approved' "
                                  "AND remote_id IN (" + ", ".join(f"'{i}'" for i in ids) + ")")
    assert approved[0]["n"] == 25
    assert all(len(site_log(bridge, i)) == 1 for i in ids)  # each change recorded once


def test_the_changes_route_refuses_a_bad_cursor_by_name(wp, plugin_zip):
    install_plugin(wp, plugin_zip)
    r = wp.rest.get(f"{wp.url}/wp-json/cms-bridge/v1/comments/changes", params={"since": "yesterday"})
    assert r.status_code == 400
    assert r.json()["code"] == "cms_bridge_bad_cursor" and "since=yesterday" in r.json()["message"]
    anonymous = requests.get(f"{wp.url}/wp-json/cms-bridge/v1/comments/changes", timeout=30)
    assert anonymous.status_code == 401  # commenters' e-mail and IP: only for users who may moderate


def test_a_login_password_over_xml_rpc_polls_instead(tmp_path, wp, plugin_zip, clock):
    install_plugin(wp, plugin_zip)
    b = wp_bridge(tmp_path, wp, clock, "xmlrpc", environ={"WP_PASSWORD": wp.admin_password})
    try:
        wp.seed_comments(3, status="hold", mode="sql")
        result = sync_wp(b)  # the changes route refuses the login password (REST): sync still works
        assert result.new == 4
        assert b.store.get_state("site:wp", "plugin_absent_until") > clock()
    finally:
        b.close()


def test_the_plugin_leaves_no_php_warnings(site, bridge):
    remote_id = post_comment_form(site, 1, "Watching the server log")
    wait_for(lambda: inbox(bridge, remote_id), what="the comment")
    site.php(f"wp_spam_comment({remote_id}); wp_delete_comment({remote_id}, true);")
    site.rest.get(f"{site.url}/wp-json/cms-bridge/v1/comments/changes").raise_for_status()
    site.rest.get(f"{site.url}/wp-json/cms-bridge/v1/status").raise_for_status()
    log = site.server_log.read_text(errors="replace")
    noisy = [line for line in log.splitlines()
             if ("Warning" in line or "Deprecated" in line or "Notice" in line or "Fatal" in line)
             and "cms-bridge-connector" in line]
    assert noisy == []


def test_deleting_the_plugin_removes_its_table_options_and_stamps_but_no_comment(site, bridge):
    remote_id = post_comment_form(site, 1, "A comment that stays")
    wait_for(lambda: inbox(bridge, remote_id), what="the comment")
    out = site.php(
        "require_once ABSPATH . 'wp-admin/includes/plugin.php'; require_once ABSPATH . 'wp-admin/includes/file.php';\n"
        "deactivate_plugins(['cms-bridge-connector/cms-bridge-connector.php']);\n"
        "$r = delete_plugins(['cms-bridge-connector/cms-bridge-connector.php']);\n"
        "global $wpdb;\n"
        "echo json_encode(['deleted' => $r === true,"
        " 'table' => $wpdb->get_var(\"SHOW TABLES LIKE '{$wpdb->prefix}cms_bridge_events'\"),"
        " 'option' => get_option('cms_bridge_connector_settings', 'gone'),"
        f" 'stamp' => get_comment_meta({remote_id}, '_cms_bridge_modified', true),"
        f" 'comment' => get_comment({remote_id}) !== null,"
        " 'cron' => wp_next_scheduled('cms_bridge_connector_deliver')]);")
    state = json.loads(out.strip().splitlines()[-1])
    assert state == {"deleted": True, "table": None, "option": "gone", "stamp": "", "comment": True, "cron": False}
    assert not (site.dir / "wp-content" / "plugins" / "cms-bridge-connector").exists()


def test_plugin_off_in_the_config_keeps_polling(tmp_path, wp, plugin_zip, clock):
    install_plugin(wp, plugin_zip)
    b = wp_bridge(tmp_path, wp, clock, "rest", plugin="off")
    try:
        sync_wp(b)
        assert b.store.get_state("site:wp", "plugin_changes_cursor") is None  # never asked the plugin
        assert b.store.get_state("site:wp", "plugin_absent_until") is None
    finally:
        b.close()


def test_a_bad_plugin_setting_is_a_config_error_naming_it(tmp_path, wp, clock):
    from bridge.config import ConfigError

    with pytest.raises(ConfigError) as err:
        wp_bridge(tmp_path, wp, clock, "rest", plugin="sometimes")
    assert "plugin" in str(err.value) and "auto, off" in str(err.value)


def test_a_wrong_site_id_in_the_url_keeps_events_queued_until_it_is_fixed(wp, plugin_zip, live, bridge, secret):
    install_plugin(wp, plugin_zip)
    configure(wp, live.endpoint("not-this-site"), secret)
    remote_id = post_comment_form(wp, 1, "Sent to the wrong address first")
    [row] = queue_rows(wp)
    assert row["sent_at"] is None and row["last_status"] == 404
    assert "no WordPress site 'not-this-site'" in row["last_error"]  # cms-bridge's own words, kept for the admin
    assert inbox(bridge, remote_id) is None
    configure(wp, live.endpoint("wp"), secret)
    run_wp_cron(wp)
    assert queue_rows(wp)[0]["sent_at"] and inbox(bridge, remote_id)["status"] == "pending"
