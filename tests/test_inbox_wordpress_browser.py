"""The inbox in a real browser against the real WordPress of the harness (issue 5).

A live ``cms-bridge serve`` (subprocess, real CLI) is connected to the harness
WordPress; its comments come in through the real ``cms-bridge sync``. In Chromium
an editor filters to the site, approves with the keyboard, spams three in bulk
and replies; the next ``cms-bridge sync`` drains the outbox, and WordPress itself
(REST, ``context=edit``, as admin) is read back to find every decision there.
The conflict: WordPress changes a comment after the inbox loaded it; the editor's
key press is then held back, explained in the row, and WordPress keeps its status.

Screenshots go to tests/artifacts/ (gitignored).
"""
from __future__ import annotations

import re

import pytest

from bridge.security import hash_password
from bridge.store import open_store
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD
from tests.inbox_helpers import add_comment
from tests.serve_helpers import LiveServer

pytestmark = pytest.mark.wordpress

REPLY = "Thanks, see you at the finish line!"


def _server(tmp_path, wp) -> LiveServer:
    toml = (f'\n[[sites]]\nid = "blog"\nkind = "wordpress"\nname = "Harness blog"\nurl = "{wp.url}"\n'
            f'username = "{wp.admin_user}"\npassword_env = "WP_APP_PASSWORD"\ntimeout = 10.0\n')
    server = LiveServer(tmp_path, toml, env={"WP_APP_PASSWORD": wp.app_password})
    store = open_store(str(server.db))
    store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    store.close()
    return server


def _sync(server) -> str:
    done = server.cli("sync")
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _remote_ids(server, ids: list[int]) -> dict[int, str]:
    store = open_store(str(server.db))
    try:
        return {c["id"]: c["remote_id"] for c in store.comments_by_ids(ids)}
    finally:
        store.close()


def _wp_comment(wp, remote_id) -> dict:
    response = wp.rest.get(f"comments/{remote_id}", params={"context": "edit"})
    assert response.status_code == 200, response.text
    return response.json()


def _inbox(page, url):
    page.goto(url)
    page.wait_for_selector("body[data-inbox-ready]", state="attached")


def test_moderate_in_browser_and_find_it_in_wordpress(tmp_path, wp, browser_page):
    seeded = wp.seed_comments(8, status="hold")
    assert seeded["created"] == 8
    # WordPress's sample comment (id 1) is dated when the harness installed the site, which can be
    # within the seconds the seeded comments span (the first WordPress test of a run); date it a
    # year back so that "older" below holds however the tests are ordered
    wp.php("global $wpdb; $wpdb->update($wpdb->comments, ['comment_date' => '2025-01-01 00:00:00', "
           "'comment_date_gmt' => '2025-01-01 00:00:00'], ['comment_ID' => 1]); clean_comment_cache(1);")
    server = _server(tmp_path, wp)
    # the first sync through the real CLI: 8 held comments plus WordPress's own approved sample comment
    assert "blog: 9 new, 0 changed, 0 written back, 0 errors" in _sync(server)
    # a comment of another site, so that filtering to one site has something to leave out
    store = open_store(str(server.db))
    other = add_comment(store, site="shop", text="A comment on the shop")
    store.close()
    server.start()
    page = browser_page
    try:
        login(page, server.url)
        assert page.locator(f"#c-{other}").count() == 1
        assert page.locator("article.c").count() == 9  # every site's pending comments
        page.select_option('form.inbox-filter select[name="site"]', "blog")
        page.click('form.inbox-filter button[type="submit"]')
        page.wait_for_url("**/inbox?*site=blog*")
        page.wait_for_selector("body[data-inbox-ready]", state="attached")
        assert page.locator(f"#c-{other}").count() == 0
        rows = page.locator("article.c")
        assert rows.count() == 8
        ids = [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.id)")]
        remote = _remote_ids(server, ids)
        assert {int(r) for r in remote.values()} == set(range(seeded["first_id"], seeded["last_id"] + 1))
        page.screenshot(path=str(ARTIFACTS / "wp-inbox-site.png"), full_page=True)

        # approve the first with the keyboard: j selects it, a approves it in place (on the "all" queue
        # the row stays; on the pending one it would leave the list)
        _inbox(page, f"{server.url}/inbox?site=blog&status=all")
        # the same pending comments first (newest first), then WordPress's own older, approved sample comment
        assert [int(i) for i in rows.evaluate_all("els => els.map(e => e.dataset.id)")][:len(ids)] == ids
        page.keyboard.press("j")
        assert page.locator("article.c.current").get_attribute("id") == f"c-{ids[0]}"
        page.keyboard.press("a")
        page.locator(f"#c-{ids[0]} .wb-pending").wait_for()
        assert page.locator(f"#c-{ids[0]}").get_attribute("data-status") == "approved"
        assert "Approved (writing back to blog)" in page.locator(f"#c-{ids[0]} .c-notice").inner_text()
        # the cursor has moved on to the next comment, ready for the next key press
        assert page.locator("article.c.current").get_attribute("id") == f"c-{ids[1]}"

        # this tab stays open on the approved row, which inbox.js keeps redrawing while it is written back;
        # the rest happens in a second tab
        watching = page
        page = watching.context.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))

        # bulk-spam three: tick them, choose the action, apply to the selected
        _inbox(page, f"{server.url}/inbox?site=blog")
        assert page.locator(f"#c-{ids[0]}").count() == 0  # approved: no longer pending
        for i in ids[1:4]:
            page.check(f'#c-{i} input[name="ids"]')
        assert page.locator("#selected-count").inner_text() == "3 selected"
        page.select_option("#bulk-action", "spam")
        page.click("#apply-selected")
        page.wait_for_selector("p.flash-ok", state="attached")
        assert "Spam: 3 comment(s) decided" in page.content()
        assert page.locator("article.c").count() == 4

        # reply to the fifth from its own page
        page.goto(f"{server.url}/inbox/{ids[4]}")
        page.fill("#reply-text", REPLY)
        page.click(".reply-form button")
        page.wait_for_url(f"**/inbox/{ids[4]}")
        assert "Reply queued" in page.content()
        page.screenshot(path=str(ARTIFACTS / "wp-reply-queued.png"), full_page=True)

        # nothing has reached WordPress yet: write-back is the outbox's job, run by sync
        assert _wp_comment(wp, remote[ids[0]])["status"] == "hold"
        out = _sync(server)
        assert "blog: 0 new, 0 changed, 5 written back, 0 errors" in out

        # the tab left open shows it without a reload: the watched row is redrawn as written back
        watching.locator(f"#c-{ids[0]} .wb-done").wait_for()
        assert watching.locator(f"#c-{ids[0]} .wb-pending").count() == 0
        watching.screenshot(path=str(ARTIFACTS / "wp-inbox-live-written-back.png"), full_page=True)

        # WordPress itself now shows every decision
        assert _wp_comment(wp, remote[ids[0]])["status"] == "approved"
        for i in ids[1:4]:
            assert _wp_comment(wp, remote[i])["status"] == "spam"
        for i in ids[4:]:
            assert _wp_comment(wp, remote[i])["status"] == "hold"
        replies = wp.rest.get("comments", params={"parent": remote[ids[4]], "status": "all", "context": "edit",
                                                  "post": seeded["post_id"]}).json()
        assert len(replies) == 1
        [answer] = replies
        # the text as written (plus, at most, the bridge's invisible HTML-comment marker for posting it once)
        assert re.sub(r"<!--.*?-->", "", answer["content"]["raw"]).strip() == REPLY
        assert answer["author"] == wp.admin_id  # posted as the connected account
        assert answer["post"] == seeded["post_id"] and answer["parent"] == int(remote[ids[4]])

        # the inbox says so too: written back, and the reply in the thread
        _inbox(page, f"{server.url}/inbox?site=blog&status=all")
        assert page.locator(f"#c-{ids[0]} .wb-done").count() == 1
        for i in ids[1:4]:
            assert page.locator(f"#c-{i} .wb-done").count() == 1
            assert page.locator(f"#c-{i}").get_attribute("data-status") == "spam"
        page.screenshot(path=str(ARTIFACTS / "wp-inbox-written-back.png"), full_page=True)
        page.goto(f"{server.url}/inbox/{ids[4]}")
        assert REPLY in page.locator("section.thread").inner_text()
        page.screenshot(path=str(ARTIFACTS / "wp-comment-with-reply.png"), full_page=True)

        # a later sync finds nothing to do: our own changes are echoes, not site changes
        assert "blog: 0 new, 0 changed, 0 written back, 0 errors" in _sync(server)
        assert page.errors == [] and watching.errors == [] and watching.dialogs == []
    finally:
        server.stop()


def test_change_on_site_after_load_is_held_back_and_explained(tmp_path, wp, browser_page):
    seeded = wp.seed_comments(2, status="hold")
    server = _server(tmp_path, wp)
    _sync(server)
    server.start()
    page = browser_page
    try:
        login(page, server.url)
        _inbox(page, f"{server.url}/inbox?site=blog")
        first = page.locator("article.c").first
        cid = int(first.get_attribute("data-id"))
        loaded_version = first.get_attribute("data-version")
        remote_id = _remote_ids(server, [cid])[cid]
        assert int(remote_id) == seeded["last_id"]  # newest first

        # an administrator marks it as spam in WordPress itself, and the next sync sees that
        wp.php(f"wp_set_comment_status({int(remote_id)}, 'spam');")
        assert "blog: 0 new, 1 changed, 0 written back, 0 errors" in _sync(server)

        # the editor, still looking at the page as loaded, approves it with the keyboard
        page.keyboard.press("j")
        page.keyboard.press("a")
        notice = page.locator(f"#c-{cid} .c-notice")
        notice.wait_for()
        text = notice.inner_text()
        assert "changed after you loaded it" in text and "it is now spam" in text
        assert "set to spam on the site" in text and "Nothing was done" in text
        row = page.locator(f"#c-{cid}")
        assert row.get_attribute("data-status") == "spam"
        assert int(row.get_attribute("data-version")) > int(loaded_version)
        assert row.locator(".wb-pending").count() == 0
        page.screenshot(path=str(ARTIFACTS / "wp-inbox-conflict.png"), full_page=True)

        # nothing was queued: a sync writes nothing back and WordPress keeps the site's status
        assert "blog: 0 new, 0 changed, 0 written back, 0 errors" in _sync(server)
        assert _wp_comment(wp, remote_id)["status"] == "spam"
        store = open_store(str(server.db))
        history = store.comment_history(cid)
        store.close()
        assert [h["action"] for h in history] == ["site_change"]

        # having seen the site's change, the editor decides again on the row as it is now: that one counts
        assert page.locator("article.c.current").get_attribute("id") == f"c-{cid}"
        page.keyboard.press("a")
        page.locator(f"#c-{cid}").wait_for(state="detached")  # approved: it leaves the pending list
        page.wait_for_function("t => document.getElementById('live').textContent.startsWith(t)",
                               arg=f"Approved comment {cid}")
        assert "blog: 0 new, 0 changed, 1 written back, 0 errors" in _sync(server)
        assert _wp_comment(wp, remote_id)["status"] == "approved"
        assert page.errors == []
    finally:
        server.stop()
