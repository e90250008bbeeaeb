"""The interface in German, in a real Chromium (Debian's, driven by Playwright) against
a live ``cms-bridge serve``: a browser whose Accept-Language is German gets the login,
the overview and the curation pages in German — no English sentence of the catalogue
left on them — and dates as German readers write them; the account page's language
setting overrides the browser; the login page has a visible switch."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bridge.clock import iso
from bridge.config import load_config
from bridge.core import Bridge
from bridge.security import hash_password
from tests.conftest import ADMIN_PASSWORD
from tests.curation_helpers import add_item
from tests.i18n_helpers import german_catalogue
from tests.inbox_helpers import add_comment
from tests.serve_helpers import LiveServer

GERMAN_DATE = re.compile(r"\b\d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)\.? \d{4}, \d{2}:\d{2}\b")
USER = "jana"


def english_of_the_catalogue() -> list[re.Pattern]:
    """A pattern per English msgid whose German differs: the whole sentence, or for one
    with placeholders its longest literal piece (when that is words, not punctuation)."""
    messages = [m for m in german_catalogue() if m.id and m.string != m.id and "<" not in m.id]
    german = " ".join(m.string for m in messages)
    patterns = []
    for m in messages:
        pieces = [p.strip(" .,:;()") for p in re.split(r"%\(\w+\)[sdr]|\{\w+\}|%%", m.id)]
        piece = max(pieces, key=len)
        if len(piece) < 4 or (piece != m.id and " " not in piece):
            continue
        pattern = re.compile(r"(?<![\w-])" + re.escape(piece) + r"(?![\w-])")
        if not pattern.search(german):  # the same word in both languages ("Status", "Spam") says nothing
            patterns.append(pattern)
    return patterns


def english_left(text: str, patterns) -> list[str]:
    return [p.pattern for p in patterns if p.search(text)]


@pytest.fixture
def server(tmp_path, monkeypatch):
    toml = ('\n[[sites]]\nid = "hafen"\nkind = "wordpress"\nname = "Hafenblatt"\nurl = "http://hafen.invalid"\n'
            'username = "bridge"\npassword_env = "WP_APP_PASSWORD"\ntimeout = 5.0\n')
    srv = LiveServer(tmp_path, toml, env={"WP_APP_PASSWORD": "abcd efgh ijkl mnop qrst uvwx"})
    monkeypatch.setenv("WP_APP_PASSWORD", "abcd efgh ijkl mnop qrst uvwx")
    b = Bridge(load_config(str(srv.config)))
    try:
        b.store.create_user(USER, hash_password(ADMIN_PASSWORD), "admin", None)
        three_days_ago = iso((datetime.now(UTC) - timedelta(days=3)).timestamp())
        for n in range(3):
            add_item(b.store, source_id="team", title=f"Rotorblatt {n}", text=f"Rotorblatt {n} wird heute montiert.",
                     author_name="Ana", network="mastodon", received_at=three_days_ago)
        add_comment(b.store, site="hafen", text="Schöner Beitrag!", author="Besucherin", post_title="Hafenmauer")
    finally:
        b.close()
    srv.start()
    yield srv
    srv.stop()


def _log_in(page, base):
    page.fill('input[name="username"]', USER)
    page.fill('input[name="password"]', ADMIN_PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()


def _text(page) -> str:
    return page.title() + "\n" + page.inner_text("body")


def test_a_german_browser_gets_login_overview_and_curation_in_german(server, chromium):
    patterns = english_of_the_catalogue()
    assert len(patterns) > 200  # the check is against the catalogue, not a handful of words
    context = chromium.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("h1").inner_text() == "Anmelden"
    assert english_left(_text(page), patterns) == []
    _log_in(page, server.url)
    page.goto(f"{server.url}/")
    assert page.locator("h1").inner_text() == "Übersicht"
    assert "Kommentare warten auf Moderation" in _text(page) and "Postausgang" in _text(page)
    assert english_left(_text(page), patterns) == []
    for path in ("/curation?tab=all", "/curation/items/1"):
        page.goto(server.url + path)
        text = _text(page)
        assert english_left(text, patterns) == [], path
        assert "Freigeben" in text and "Ablehnen" in text, path
    stamp = page.locator("time").first.inner_text()  # "30. Nov. 2026, 07:52 · vor 3 Tagen"
    assert GERMAN_DATE.search(stamp) and stamp.endswith("vor 3 Tagen"), stamp
    page.goto(f"{server.url}/curation?tab=all")
    first = page.locator("li.item").first
    first.locator('input[name="sites"]').first.check()
    first.locator("button.approve").click()
    page.wait_for_load_state()
    assert "freigegeben für" in page.locator(".flash").first.inner_text()  # the flash message, too
    context.close()


def test_the_account_language_overrides_the_browser_and_the_login_page_has_a_switch(server, chromium):
    context = chromium.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    page.goto(f"{server.url}/login")
    assert page.locator("h1").inner_text() == "Log in"
    page.click("a.lang-switch")  # "Deutsch": a visible switch on the page without login
    assert page.locator("h1").inner_text() == "Anmelden" and page.locator("html").get_attribute("lang") == "de"
    page.click("a.lang-switch")
    assert page.locator("h1").inner_text() == "Log in"
    _log_in(page, server.url)
    page.goto(f"{server.url}/account")
    assert page.locator("h1").inner_text() == "Your account"
    page.select_option("#language", "de")
    page.click("form:has(#language) button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Ihr Konto"
    assert "Die Oberfläche ist jetzt auf Deutsch." in page.locator(".flash").inner_text()
    page.goto(f"{server.url}/curation/items/1")
    assert GERMAN_DATE.search(page.locator("time").first.inner_text())
    assert page.locator("html").get_attribute("lang") == "de"
    page.goto(f"{server.url}/account")  # and back: the browser's language decides again
    page.select_option("#language", "")
    page.click("form:has(#language) button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Your account"
    context.close()
