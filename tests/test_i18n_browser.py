"""The interface in German, in a real Chromium (Debian's, driven by Playwright) against
a live ``cms-bridge serve``: a browser whose Accept-Language is German gets the login,
the overview, the curation pages, the comment inbox (rows with every signal, the detail
page, the commenter drawer, the help overlay, a decision's live-region announcement,
undo, the bulk confirmation) and the site pages in German — no English sentence of the
catalogue left on them — and dates as German readers write them; the account page's
language setting overrides the browser; the login page has a visible switch."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bridge.clock import iso
from bridge.config import load_config
from bridge.core import Bridge
from bridge.security import hash_password
from bridge.site_admin import table_from_form
from tests.conftest import ADMIN_PASSWORD
from tests.curation_helpers import add_item
from tests.i18n_helpers import english_and_german, german_catalogue
from tests.inbox_helpers import add_comment
from tests.serve_helpers import LiveServer

GERMAN_DATE = re.compile(r"\b\d{1,2}\. (Jan|Feb|März|Apr|Mai|Juni|Juli|Aug|Sept|Okt|Nov|Dez)\.? \d{4}, \d{2}:\d{2}\b")
USER = "jana"


def english_of_the_catalogue() -> list[re.Pattern]:
    """A pattern per English msgid whose German differs: the whole sentence, or for one
    with placeholders its longest literal piece (when that is words, not punctuation)."""
    messages = [(en, de) for en, de in english_and_german(german_catalogue()) if de != en and "<" not in en]
    german = " ".join(de for _, de in messages)
    patterns = []
    for english, _ in messages:
        pieces = [p.strip(" .,:;()") for p in re.split(r"%\(\w+\)[sdr]|\{\w+\}|%%", english)]
        piece = max(pieces, key=len)
        if len(piece) < 4 or (piece != english and " " not in piece):
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


def _text(page, *, code: bool = True) -> str:
    """What the page says; ``code=False``: less what it shows as code (``<code>status=pending</code>``:
    configuration keys, query arguments and commands stay as they are in every language)."""
    text = page.title() + "\n" + page.inner_text("body")
    for shown in ([] if code else page.locator("main code").all_inner_texts()):
        text = text.replace(shown, " ")
    return text


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


def test_what_a_site_answers_a_check_is_said_in_german(server, chromium):
    """The connection check of a site whose host does not resolve (a real DNS failure):
    the finding (an adapter's words) in the flash and as the site's stored attention
    reason, both in German, the host name kept; no English sentence of the catalogue left."""
    patterns = english_of_the_catalogue()
    context, page = _german_page(chromium, server.url)
    page.goto(f"{server.url}/sites")
    page.locator("form[action$='/hafen/check'] button").click()
    page.wait_for_load_state()
    flash = page.locator(".flash").first.inner_text()
    assert flash == ("hafen: keine Verbindung zu http://hafen.invalid — prüfen Sie die URL der Website und ob sie "
                     "läuft"), flash
    reason = page.locator(".plain-error").first
    assert reason.inner_text().startswith("keine Verbindung zu http://hafen.invalid")
    assert reason.get_attribute("title").startswith("cannot connect to http://hafen.invalid")  # stored as said
    assert "braucht Aufmerksamkeit" in _text(page)
    assert english_left(_text(page), patterns) == []
    assert page.errors == []
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


# -- the comment inbox and the site pages ------------------------------------------------------
#: a source whose curation rules are the inbox's watch list (banned and watched words)
WATCH_TOML = ('\n[[sources]]\nid = "wache"\nkind = "webhook"\nsecret_env = "WACHE_SECRET"\n'
              '[sources.rules]\nbanned = ["Kasino"]\nsuspect = ["Gratisgeld"]\n')
WP_PASSWORD = "abcd efgh ijkl mnop qrst uvwx"
GERMAN_USER = "jonas"  # whose account says German, whatever the browser says


def _ago(**delta) -> str:
    return iso((datetime.now(UTC) - timedelta(**delta)).timestamp())


@pytest.fixture
def inbox_server(tmp_path, monkeypatch):
    """A live server with a site whose host never answers (no sync runs; decisions only queue
    their write-back), comments showing every signal of a row (a commenter with a record, a
    banned and a watched word, links, a first comment, a long one folded, a reply), a site added
    in the UI and a stored check and sync of the configured one."""
    toml = ('\n[[sites]]\nid = "hafen"\nkind = "wordpress"\nname = "Hafenblatt"\nurl = "http://hafen.invalid"\n'
            f'username = "bridge"\npassword_env = "WP_APP_PASSWORD"\ntimeout = 5.0\n{WATCH_TOML}')
    env = {"WP_APP_PASSWORD": WP_PASSWORD, "WACHE_SECRET": "w" * 32}
    srv = LiveServer(tmp_path, toml, env=env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    b = Bridge(load_config(str(srv.config)))
    try:
        b.store.create_user(USER, hash_password(ADMIN_PASSWORD), "admin", None)
        b.store.create_user(GERMAN_USER, hash_password(ADMIN_PASSWORD), "admin", None)
        b.store.set_language(b.store.get_user_by_name(GERMAN_USER)["id"], "de")
        spam = dict(site="hafen", author="Werbe Bot", author_key="k-bot", post_title="Hafenmauer")
        add_comment(b.store, text="Kasino Bonus und Gratisgeld hier", html='<p>Kasino Bonus und Gratisgeld: '
                    '<a href="https://k.example">hier</a> <a href="https://g.example">dort</a></p>',
                    date=_ago(hours=2), **spam)
        add_comment(b.store, text="Alte Werbung", status="spam", date=_ago(days=5), **spam)
        add_comment(b.store, text="Noch mehr Werbung", status="trash", date=_ago(days=4), **spam)
        first = add_comment(b.store, site="hafen", text="Schöne Fotos von der Mauer, danke!", author="Besucherin",
                            author_key="k-besucherin", post_title="Hafenmauer", date=_ago(hours=3))
        add_comment(b.store, site="hafen", text="Genau so war es, danke.", author="Nachbar", author_key="k-nachbar",
                    post_title="Hafenmauer", parent_id=first, date=_ago(hours=1))
        add_comment(b.store, site="hafen", text=" ".join(["Die Mauer wird vor dem Winter ausgebessert."] * 40),
                    author="Stadtrat", author_key="k-rat", post_title="Hafenmauer", date=_ago(days=1))
        add_comment(b.store, site="hafen", text="Schon freigegeben", status="approved", author="Besucherin",
                    author_key="k-besucherin", post_title="Hafenmauer", date=_ago(days=2))
        b.store.record_site_check("hafen", transport="rest", version="6.7",
                                  capabilities={"publish": True, "upload_media": True, "moderate_comments": True})
        b.store.record_site_sync("hafen", summary="hafen: 6 new, 0 changed, 0 written back, 0 errors", error=None)
        b.site_admin.persist("kai", *table_from_form({"id": "kai", "kind": "wordpress", "url": "http://kai.invalid",
                                                      "username": "bridge", "password": WP_PASSWORD}),
                             actor=USER, detail="")
    finally:
        b.close()
    srv.start()
    yield srv
    srv.stop()


def _german_page(chromium, base: str):
    """A German browser's page, logged in (``page.errors``: what scripts threw)."""
    context = chromium.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(f"{base}/login")
    _log_in(page, base)
    return context, page


def _live(page, start: str) -> str:
    page.wait_for_function("t => (document.getElementById('live').textContent || '').startsWith(t)", arg=start,
                           timeout=10000)
    return page.locator("#live").text_content()


def test_the_inbox_speaks_german_rows_drawer_help_and_announcements(inbox_server, chromium):
    patterns = english_of_the_catalogue()
    context, page = _german_page(chromium, inbox_server.url)
    page.goto(f"{inbox_server.url}/inbox")
    page.wait_for_selector("body[data-inbox-ready]")
    assert page.locator("h1").inner_text() == "Posteingang"
    text = _text(page)
    assert english_left(text, patterns) == [], "/inbox"
    # the queues in the CMS's words (docs/glossary.md), the row's actions and signals in German
    facets = page.locator("#status-counts").inner_text()
    for word in ("ausstehend", "von Regeln markiert", "freigegeben", "Spam", "Papierkorb"):
        assert word in facets, word
    bot = page.locator("article.c", has_text="Kasino")
    assert bot.locator("button.act-approve").inner_text() == "Freigeben"
    assert bot.locator("button.act-spam").inner_text() == "Spam"
    assert bot.locator("button.act-trash").inner_text() == "Papierkorb"
    assert bot.locator(".c-status").inner_text() == "ausstehend"
    assert bot.locator(".sig-links").inner_text() == "2 Links"
    assert bot.locator(".c-record").inner_text() == "bisher 0 freigegeben · 1 Spam · 1 Papierkorb"
    assert bot.locator(".c-why").inner_text() == ("Warum genauer hinsehen: gesperrtes Wort „Kasino“ · beobachtetes "
                                                  "Wort „Gratisgeld“ · 2 Links · bisher 1 Spam und 1 im Papierkorb")
    assert "Alles zeigen (280 Wörter)" in text and "als Antwort an Besucherin:" in text
    stamp = bot.locator("time").first.inner_text()  # "3. Dez. 2026, 11:52 · vor 2 Stunden"
    assert GERMAN_DATE.search(stamp) and stamp.endswith("vor 2 Stunden"), stamp

    # the help overlay (?) lists the keys in German
    page.locator("h1").click()
    page.keyboard.press("?")
    page.wait_for_selector("#keys[open]")
    keys = page.locator("#keys").inner_text()
    assert "nächster / vorheriger Kommentar" in keys and "Zen-Modus: ein Kommentar nach dem anderen" in keys
    assert english_left(keys, patterns) == []
    page.keyboard.press("Escape")

    # the commenter drawer
    bot.locator("a.c-record").click()
    page.wait_for_selector("#drawer[open] #commenter-h")
    drawer = page.locator("#drawer").inner_text()
    assert "Kommentare von Werbe Bot" in drawer and "3 Kommentare auf hafen:" in drawer
    assert "Angehakte freigeben" in drawer and "Angehakte als Spam markieren" in drawer
    assert english_left(drawer, patterns) == []
    page.locator("#drawer form[method=dialog] button").click()

    # a decision by key: the live region says it in German, so does undo (z)
    rows = page.locator("article.c")
    first_id = rows.nth(0).get_attribute("data-id")
    second_id = rows.nth(1).get_attribute("data-id")
    rows.nth(0).focus()
    page.keyboard.press("a")
    said = _live(page, "Freigegeben: Kommentar")
    assert said.startswith(f"Freigegeben: Kommentar {first_id} von ") and said.endswith(f"; jetzt bei {second_id}")
    assert english_left(said, patterns) == []
    page.wait_for_function("id => !document.getElementById('c-' + id)", arg=first_id)  # it left "ausstehend"
    page.keyboard.press("z")
    said = _live(page, "Rückgängig gemacht:")
    assert said == (f"Rückgängig gemacht: Kommentar {first_id} ist wieder ausstehend; sein Zurückschreiben "
                    "wurde abgebrochen, bevor es lief."), said
    page.wait_for_selector(f"#c-{first_id}")
    page.keyboard.press("z")  # nothing left to take back
    assert english_left(_live(page, "Nichts rückgängig zu machen"), patterns) == []

    # a decision by button, and its flash; the recent decisions list with its undo button
    page.reload()
    page.locator("article.c").filter(has=page.locator(".c-text", has_text="Schöne Fotos")) \
        .locator("input[name=ids]").check()
    page.select_option("#bulk-action", "spam")
    page.click("#apply-selected")
    page.wait_for_load_state()
    assert "Spam: 1 Kommentar(e) entschieden" in page.locator(".flash").first.inner_text()
    recent = page.locator("#recent").inner_text()
    assert "Als Spam markiert: #" in recent and "von Besucherin" in recent and "Rückgängig" in recent
    assert english_left(_text(page), patterns) == [], "/inbox after a decision"

    # "every matching": the confirmation page
    page.select_option("#bulk-action", "trash")
    page.click("#apply-matching")
    page.wait_for_selector("#confirm-count")
    assert page.locator("h1").inner_text().endswith("Kommentare: Papierkorb?")
    assert english_left(_text(page, code=False), patterns) == [], "confirm"

    # the detail page (history, reply form) and the commenter page without JavaScript
    page.goto(f"{inbox_server.url}/inbox/{first_id}")
    text = _text(page)
    assert "Verlauf" in text and "Antwort senden" in text and "Kommentar #" in page.locator("h1").inner_text()
    assert english_left(text, patterns) == [], "detail"
    assert GERMAN_DATE.search(page.locator(".history time").first.inner_text())
    page.goto(f"{inbox_server.url}/inbox/commenter?key=k-bot")
    assert page.locator("h1").inner_text() == "Kommentare von Werbe Bot"
    assert english_left(_text(page), patterns) == [], "commenter"
    assert page.errors == []
    context.close()


def test_the_site_pages_speak_german(inbox_server, chromium):
    patterns = english_of_the_catalogue()
    context, page = _german_page(chromium, inbox_server.url)
    page.goto(f"{inbox_server.url}/sites")
    assert page.locator("h1").inner_text() == "Websites"
    text = _text(page)
    assert english_left(text, patterns) == [], "/sites"
    assert "hafen: 6 neu, 0 geändert, 0 zurückgeschrieben, 0 Fehler" in text
    assert "in der Oberfläche hinzugefügt von jana" in text and "Medien hochladen" in text
    assert GERMAN_DATE.search(page.locator("table time").first.inner_text())
    for path in ("/sites/new", "/sites/new?kind=typo3", "/sites/new?kind=typo3-connector", "/sites/kai/edit"):
        page.goto(inbox_server.url + path)
        assert english_left(_text(page), patterns) == [], path
    assert page.locator("h1").inner_text() == "Website kai ändern"
    page.goto(f"{inbox_server.url}/sites/new?kind=typo3-connector")
    assert page.locator('label[for="site-connector_upsert_news_url"]').inner_text() == \
        "News anlegen oder ändern: URL der Reaktion"
    # a refusal of the form, said in German (the form's own check, before any site is asked)
    page.goto(f"{inbox_server.url}/sites/new")
    page.fill("#site-id", "neu")
    page.fill("#site-url", "https://neu.invalid")
    page.fill("#site-username", "bridge")
    page.click("form.site-form button[type=submit]:not([formaction])")
    page.wait_for_selector("#verdict")
    verdict = page.locator("#verdict").inner_text()
    assert "Nicht gespeichert." in verdict and "Anwendungspasswort: fehlt" in verdict, verdict
    page.goto(f"{inbox_server.url}/sites")
    page.locator("form[action$='/kai/disable'] button").click()
    page.wait_for_load_state()
    assert "kai: deaktiviert; der Abgleich lässt die Website in Ruhe" in page.locator(".flash").first.inner_text()
    assert page.errors == []
    context.close()


def test_an_account_in_german_gets_the_inbox_in_german_in_an_english_browser(inbox_server, chromium):
    context = chromium.new_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"})
    page = context.new_page()
    page.goto(f"{inbox_server.url}/login")
    page.fill('input[name="username"]', GERMAN_USER)
    page.fill('input[name="password"]', ADMIN_PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_load_state()
    page.goto(f"{inbox_server.url}/inbox")
    assert page.locator("h1").inner_text() == "Posteingang"
    assert english_left(_text(page), english_of_the_catalogue()) == []
    assert page.locator("html").get_attribute("lang") == "de"
    context.close()
