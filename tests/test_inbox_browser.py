"""The inbox in a real browser (Debian's Chromium driven by Playwright) against a
live ``cms-bridge serve`` started through the real CLI.

Screenshots of the main screens go to tests/artifacts/ (gitignored).
"""
from __future__ import annotations

from bridge.security import hash_password
from bridge.store import open_store
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD
from tests.inbox_helpers import add_comment
from tests.serve_helpers import LiveServer

HOSTILE_HTML = ('<p onmouseover="window.__xss=1">Nice post <a href="javascript:window.__xss=2">click me</a>'
                '<img src="x" onerror="window.__xss=3;alert(3)"><script>window.__xss=4;alert(4)</script>'
                '<svg onload="alert(5)"></svg></p>')


def test_inbox_in_browser_shows_hostile_comments_inert_and_keys_work(tmp_path, browser_page):
    server = LiveServer(tmp_path)
    store = open_store(str(server.db))
    store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    parent = add_comment(store, site="a", text="What time does the race start?", author="Rita", status="approved",
                         date="2026-01-01T08:00:00Z")
    hostile = add_comment(store, site="a", html=HOSTILE_HTML, text="Nice post click me", parent_id=parent,
                          author='<img src=x onerror="window.__xss=6">Mallory', author_url="javascript:alert(7)",
                          date="2026-01-01T09:00:00Z")
    plain = [add_comment(store, site="a", text=f"Comment number {i}", author=f"Reader {i}",
                         date=f"2026-01-02T0{i}:00:00Z") for i in range(3)]
    changed = add_comment(store, site="a", text="I was spammed on the site", date="2026-01-03T00:00:00Z",
                          site_change="now spam", version=3)
    other = add_comment(store, site="b", text="Comment on the other site", date="2026-01-04T00:00:00Z")
    store.close()
    server.start()
    page = browser_page
    try:
        login(page, server.url)
        page.screenshot(path=str(ARTIFACTS / "inbox-all-sites.png"), full_page=True)
        assert page.locator(f"#c-{other}").count() == 1
        # filter to one site with the filter form
        page.select_option('form.inbox-filter select[name="site"]', "a")
        page.click('form.inbox-filter button[type="submit"]')
        page.wait_for_url("**/inbox?*site=a*")
        assert page.locator(f"#c-{other}").count() == 0
        ids = [int(x) for x in page.locator("article.c").evaluate_all("els => els.map(e => e.dataset.id)")]
        assert ids == [changed, *reversed(plain), hostile]
        # hostile content is inert: nothing ran, no javascript: links, no handlers, no images
        page.hover(f"#c-{hostile} .c-text")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None
        assert page.dialogs == []
        assert page.locator('[href^="javascript:" i]').count() == 0
        assert page.locator("article.c img, article.c svg, article.c script").count() == 0
        assert page.locator(f"#c-{hostile} .c-author").inner_text().startswith('<img src=x onerror="window.__xss=6">')
        assert "in reply to Rita" in page.locator(f"#c-{hostile} .c-parent").inner_text()
        assert "changed on site: now spam" in page.locator(f"#c-{changed}").inner_text()
        page.screenshot(path=str(ARTIFACTS / "inbox-site-a.png"), full_page=True)
        # keyboard: j/k move, x selects, ? shows the keys
        page.keyboard.press("j")
        page.keyboard.press("j")
        page.keyboard.press("k")
        page.keyboard.press("j")
        assert page.locator("article.c.current").get_attribute("id") == f"c-{plain[2]}"
        page.keyboard.press("x")
        page.keyboard.press("j")
        page.keyboard.press("x")
        assert page.locator('input[name="ids"]:checked').count() == 2
        assert page.locator("#selected-count").inner_text() == "2 selected"
        page.keyboard.press("?")
        assert page.locator("#keys").get_attribute("open") is not None
        page.screenshot(path=str(ARTIFACTS / "inbox-keys.png"), full_page=True)
        # a decision on a comment that changed since the page loaded is held back and explained
        store = open_store(str(server.db))
        with store.write() as db:
            db.execute("UPDATE comments SET status = 'trash', remote_status = 'trash', version = version + 1, "
                       "site_change = 'now trash' WHERE id = ?", [plain[1]])
        store.close()
        page.keyboard.press("a")  # the current row is plain[1]
        notice = page.locator(f"#c-{plain[1]} .c-notice")
        notice.wait_for(timeout=10000)
        assert "changed after you loaded it" in notice.inner_text()
        assert "now trash" in notice.inner_text()
        assert page.locator(f"#c-{plain[1]}").get_attribute("data-version") == "2"
        page.screenshot(path=str(ARTIFACTS / "inbox-conflict.png"), full_page=True)
        # bulk on every matching comment asks first, naming the count
        page.select_option("#bulk-action", "spam")
        page.click("#apply-matching")
        page.wait_for_selector("#confirm-count")
        assert page.locator("#confirm-count").inner_text() == "4"  # still pending on site a
        page.screenshot(path=str(ARTIFACTS / "inbox-confirm-bulk.png"), full_page=True)
        page.go_back()
        # the comment's own page: thread, history, reply form
        page.goto(f"{server.url}/inbox/{hostile}")
        assert page.locator("#reply-text").count() == 1
        page.screenshot(path=str(ARTIFACTS / "inbox-comment.png"), full_page=True)
        assert page.evaluate("window.__xss") is None
        assert page.dialogs == []
        assert page.errors == []  # no exception in inbox.js
    finally:
        server.stop()
