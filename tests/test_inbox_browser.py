"""The inbox in a real browser (Debian's Chromium driven by Playwright) against a
live ``cms-bridge serve`` started through the real CLI.

Screenshots of the main screens go to tests/artifacts/ (gitignored).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import sync_playwright

from bridge.security import hash_password
from bridge.store import open_store
from tests.conftest import ADMIN_PASSWORD
from tests.inbox_helpers import add_comment

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HOSTILE_HTML = ('<p onmouseover="window.__xss=1">Nice post <a href="javascript:window.__xss=2">click me</a>'
                '<img src="x" onerror="window.__xss=3;alert(3)"><script>window.__xss=4;alert(4)</script>'
                '<svg onload="alert(5)"></svg></p>')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``cms-bridge --config … serve`` in a subprocess of its own (process group)."""

    def __init__(self, tmp_path: Path, extra_toml: str = "", env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp_path / "bridge.db"
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[server]\ndatabase = "{self.db}"\nsecret_key_file = "{tmp_path / "secret"}"\n'
            f'port = {self.port}\nworkers = 1\nthreads = 4\n{extra_toml}')
        self.env = {**os.environ, **(env or {})}
        self.log = tmp_path / "serve.log"
        self.proc = None

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        exe = str(Path(sys.executable).parent / "cms-bridge")
        return subprocess.run([exe, "--config", str(self.config), *args], env=self.env, capture_output=True,
                              text=True, timeout=300)

    def start(self):
        exe = str(Path(sys.executable).parent / "cms-bridge")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([exe, "--config", str(self.config), "serve"], env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"cms-bridge serve did not come up; log: {self.log.read_text()[-2000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


@pytest.fixture
def browser_page(tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = context.new_page()
        page.dialogs, page.errors = [], []
        page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        yield page
        context.close()


def _login(page, base, username="admin", password=ADMIN_PASSWORD):
    page.goto(f"{base}/login?next=/inbox")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{base}/inbox")


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
        _login(page, server.url)
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
