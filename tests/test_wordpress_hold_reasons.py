"""Why WordPress held a comment, in the inbox: the connector plugin (connectors/wordpress/,
HoldRecorder.php) records it when a comment arrives, and cms-bridge reads it over REST
(``context=edit`` meta), from the plugin's events and from its changes route.

Everything against the harness's real WordPress: its Discussion settings are set as wp-admin
saves them (``update_option``), comments are posted by an anonymous visitor through
wp-comments-post.php, the path that runs wp_allow_comment() and check_comment(). WordPress's
defaults matter here: ``comment_previously_approved`` is on ("Comment author must have a
previously approved comment") and ``comment_max_links`` is 2, so a first comment is held for
that reason, and an author approved before is held only by the other rules.

"Held by a plugin" is a small must-use plugin of the test that holds what contains a word; the
Akismet case runs Debian's real Akismet plugin, whose service (rest.akismet.com, not reachable
here) answers through WordPress's own ``pre_http_request`` filter, so Akismet writes its real meta.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests

from adapters.wordpress.plugin import PluginClient
from bridge.security import hash_password
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD
from tests.wp_bridge_helpers import local_comment, make_adapter, sync_wp, wp_config
from tests.wp_plugin_helpers import LiveBridge, configure, install_plugin, post_comment_form, wait_for

pytestmark = pytest.mark.wordpress

AKISMET = Path("/usr/share/wordpress/wp-content/plugins/akismet")  # Debian's wordpress package

HOLDING_PLUGIN = """<?php
// A plugin that holds what a visitor writes with "hold-me" in it (as anti-spam plugins do, on
// WordPress's own filter, after core decided).
add_filter('pre_comment_approved', function ($approved, $data) {
    return (strpos((string) $data['comment_content'], 'hold-me') !== false && $approved === 1) ? 0 : $approved;
}, 50, 2);
"""

AKISMET_SERVICE = """<?php
// Akismet's comment-check service, answered here instead of rest.akismet.com (no network): "true"
// means spam, what Akismet's documentation says its service answers for a spam comment.
add_filter('pre_http_request', function ($pre, $args, $url) {
    if (strpos($url, 'akismet.com/1.1/comment-check') === false) {
        return $pre;
    }
    return ['headers' => [], 'body' => 'true', 'response' => ['code' => 200, 'message' => 'OK'], 'cookies' => []];
}, 10, 3);
"""


@pytest.fixture
def bridge(make_bridge, plugin_config):
    return make_bridge(config=plugin_config)


@pytest.fixture
def site(wp, plugin_zip):
    """The harness site with the connector plugin active (its events not set up: sync reads)."""
    install_plugin(wp, plugin_zip)
    return wp


@pytest.fixture
def mu_plugin(wp):
    """Write a must-use plugin into the site for one test; removed afterwards."""
    made = []

    def write(name: str, code: str):
        path = wp.dir / "wp-content" / "mu-plugins" / name
        path.write_text(code)
        made.append(path)

    yield write
    for path in made:
        path.unlink(missing_ok=True)


def options(wp, **values):
    """The Discussion settings, saved as wp-admin's options.php saves them."""
    wp.php("".join(f"update_option({json.dumps(k)}, {json.dumps(v)});\n" for k, v in values.items()))


def approved_before(wp, author: str, email: str) -> None:
    """The author has an approved comment (so `comment_previously_approved` lets them through)."""
    wp.php(f"wp_insert_comment(['comment_post_ID' => 1, 'comment_author' => {json.dumps(author)}, "
           f"'comment_author_email' => {json.dumps(email)}, 'comment_content' => 'An old approved one', "
           "'comment_approved' => 1]);")


def meta(wp, remote_id) -> list:
    out = wp.php(f"echo json_encode(get_comment_meta({int(remote_id)}, '_cms_bridge_held_because', true));")
    return json.loads(out.strip().splitlines()[-1] or "null") or []


def held(bridge, remote_id) -> list[dict]:
    return local_comment(bridge, remote_id)["held_because"]


def test_each_rule_of_check_comment_is_named_and_reaches_the_inbox_over_rest(site, bridge):
    options(site, moderation_keys="casino\nlottery", comment_max_links=2)
    first = post_comment_form(site, 1, "My first words here", author="Ann", email="ann@example.org")
    word = post_comment_form(site, 1, "Best CASINO in town", author="Bo", email="bo@example.org")
    approved_before(site, "Cy", "cy@example.org")
    links = post_comment_form(site, 1, 'See <a href="https://a.example/">a</a>, <a href="https://b.example/">b</a> '
                              'and https://c.example/', author="Cy", email="cy@example.org")
    fine = post_comment_form(site, 1, "Nothing wrong with this one", author="Cy", email="cy@example.org")

    sync_wp(bridge)
    assert held(bridge, first) == [{"code": "previously_approved", "detail": ""}]
    assert held(bridge, word) == [{"code": "moderation_keys", "detail": "casino"},
                                  {"code": "previously_approved", "detail": ""}]
    # WordPress counts the bare address too: check_comment() runs `comment_text` (make_clickable) first
    assert held(bridge, links) == [{"code": "max_links", "detail": "3 of 2"}]
    assert local_comment(bridge, fine)["status"] == "approved" and held(bridge, fine) == []
    assert meta(site, fine) == []  # nothing stored for a comment WordPress approved

    # wp/v2/comments shows the meta to a moderator in edit context only
    edit = site.rest.get(f"comments/{word}", params={"context": "edit"}).json()
    assert edit["meta"]["_cms_bridge_held_because"][0] == {"code": "moderation_keys", "detail": "casino"}
    approve = site.rest.post(f"comments/{word}", json={"status": "approve"})
    assert approve.status_code == 200
    url = f"{site.rest_url}/comments/{word}"
    public = requests.get(url, timeout=30).json()  # approved: anyone may read it, but not the meta
    assert public["id"] == word and "_cms_bridge_held_because" not in (public.get("meta") or {})
    assert requests.get(url, params={"context": "edit"}, timeout=30).status_code == 401
    view = site.rest.get(f"comments/{word}").json()  # the moderator, in view context: not there either
    assert "_cms_bridge_held_because" not in (view.get("meta") or {})


def test_manual_approval_and_a_plugin_that_holds(site, bridge, mu_plugin):
    mu_plugin("hold-test.php", HOLDING_PLUGIN)
    approved_before(site, "Di", "di@example.org")
    by_plugin = post_comment_form(site, 1, "Please hold-me for review", author="Di", email="di@example.org")
    options(site, comment_moderation=1)
    manual = post_comment_form(site, 1, "Everything waits here", author="Di", email="di@example.org")
    sync_wp(bridge)
    assert held(bridge, by_plugin) == [{"code": "plugin", "detail": ""}]
    assert held(bridge, manual) == [{"code": "manual", "detail": ""}]


@pytest.fixture
def akismet(site, mu_plugin):
    """Debian's Akismet (shipped in the wordpress package) copied into the site and activated with a key."""
    mu_plugin("akismet-service.php", AKISMET_SERVICE)
    target = site.dir / "wp-content" / "plugins" / "akismet"
    shutil.copytree(AKISMET, target, dirs_exist_ok=True)
    out = site.php("require_once ABSPATH . 'wp-admin/includes/plugin.php';\n"
                   "update_option('wordpress_api_key', 'a1b2c3d4e5f6');\n"
                   "$r = activate_plugin('akismet/akismet.php');\n"
                   "echo is_wp_error($r) ? $r->get_error_message() : 'active';")
    assert out.strip().endswith("active"), out
    yield
    shutil.rmtree(target, ignore_errors=True)


def test_akismets_verdict_is_kept_beside_wordpresss(site, bridge, akismet):
    approved_before(site, "Ed", "ed@example.org")
    spam = post_comment_form(site, 1, "Cheap watches, buy now", author="Ed", email="ed@example.org")
    assert site.php(f"echo get_comment_meta({spam}, 'akismet_result', true);").strip().endswith("true")
    sync_wp(bridge)
    row = local_comment(bridge, spam)
    assert row["status"] == "spam"
    # core would have approved it (Ed was approved before): Akismet, a plugin, decided
    assert row["held_because"] == [{"code": "plugin", "detail": ""}, {"code": "akismet", "detail": "spam"}]


def test_the_reason_comes_with_the_event_and_the_changes_route(site, make_bridge, tmp_path, secret, plugin_config):
    bridge = make_bridge(config=plugin_config)
    live = LiveBridge(bridge).start()
    try:
        configure(site, live.endpoint("wp"), secret)
        options(site, moderation_keys="lottery")
        remote_id = post_comment_form(site, 1, "You won the lottery!", author="Flo", email="flo@example.org")
        row = wait_for(lambda: local_comment(bridge, remote_id), what="the event")
        assert not bridge.store.comment_cursor("wp")  # no sync ran: the event brought it, with its reason
        assert row["held_because"] == [{"code": "moderation_keys", "detail": "lottery"},
                                       {"code": "previously_approved", "detail": ""}]
    finally:
        live.stop()
    client = PluginClient(make_adapter(site, "rest").connection)
    # the route leaves changes younger than 2 s for the next call (Rest::SETTLE_SECONDS)
    [change] = wait_for(lambda: [c for c in client.changes("").changes if c.remote_id == str(remote_id)],
                        what="the comment in the changes route")
    assert [(r.code, r.detail) for r in change.comment.held_because] == [("moderation_keys", "lottery"),
                                                                         ("previously_approved", "")]


def test_over_xmlrpc_the_pull_has_no_reason_and_the_changes_route_brings_it(site, make_bridge, tmp_path):
    bridge = make_bridge(config=wp_config(tmp_path, site, "xmlrpc"))
    options(site, moderation_keys="casino")
    remote_id = post_comment_form(site, 1, "Casino night", author="Ida", email="ida@example.org")
    # wp.getComments carries no meta: an XML-RPC pull alone gives no reason
    [pulled] = [c for c in make_adapter(site, "xmlrpc").fetch_comments_by_id([str(remote_id)])]
    assert pulled.held_because == []
    client = PluginClient(make_adapter(site, "rest").connection)
    wait_for(lambda: [c for c in client.changes("").changes if c.remote_id == str(remote_id)],
             what="the comment settled in the changes route")
    sync_wp(bridge)  # the pull stores it, the plugin's changes route (same sync) adds the reason
    assert held(bridge, remote_id) == [{"code": "moderation_keys", "detail": "casino"},
                                       {"code": "previously_approved", "detail": ""}]


def test_without_the_plugin_there_is_no_reason_and_no_error(wp, make_bridge, tmp_path):
    bridge = make_bridge(config=wp_config(tmp_path, wp, "rest"))
    options(wp, moderation_keys="casino")
    remote_id = post_comment_form(wp, 1, "A casino, but nobody records why", author="Gus", email="gus@example.org")
    sync_wp(bridge)
    row = local_comment(bridge, remote_id)
    assert row["status"] == "pending" and row["held_because"] == []


def test_the_inbox_row_says_why_wordpress_held_it(site, bridge, new_page):
    options(site, moderation_keys="casino")
    word = post_comment_form(site, 1, "Best casino in town", author="Hal", email="hal@example.org")
    sync_wp(bridge)
    bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    local = local_comment(bridge, word)["id"]
    live = LiveBridge(bridge).start()
    try:
        page = login(new_page(), live.url)
        reason = page.locator(f"#c-{local} .c-held")
        assert reason.inner_text().split() == ("Held by WordPress: a word of the Comment Moderation list "
                                               "(“casino”) · first comment by this author").split()
        page.screenshot(path=str(ARTIFACTS / "inbox-held-because.png"))
        german = login(new_page(locale="de-DE"), live.url)  # Accept-Language: de
        assert german.locator(f"#c-{local} .c-held").inner_text().split() == (
            "Von WordPress zurückgehalten: ein Wort der Liste „Kommentarmoderation“ („casino“) · "
            "erster Kommentar dieses Autors").split()
    finally:
        live.stop()
