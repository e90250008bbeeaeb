"""The inbox under fast hands, on a phone and through a screen reader's view, in a
real Chromium (Debian's, driven by Playwright) against a live ``cms-bridge serve``.

What a screen reader hears is read from the page's one live region (``#live``);
what the keyboard reaches is read from ``document.activeElement``; what fits on a
phone is measured in a 390 × 844 viewport.
"""
from __future__ import annotations

import re
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bridge.clock import FakeClock
from bridge.config import load_config
from bridge.core import Bridge
from bridge.security import hash_password
from bridge.site_admin import table_from_form
from bridge.source_admin import source_from_form
from bridge.store import open_store
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD, EDITOR_PASSWORD
from tests.curation_helpers import add_item
from tests.inbox_helpers import add_comment
from tests.serve_helpers import LiveServer

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def server(tmp_path):
    srv = LiveServer(tmp_path)
    store = open_store(str(srv.db))
    store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    store.close()
    yield srv
    srv.stop()


def _seed(server, *specs):
    store = open_store(str(server.db))
    try:
        return [add_comment(store, **spec) for spec in specs]
    finally:
        store.close()


def _log(server, comment_id):
    store = open_store(str(server.db))
    try:
        return [(r["action"], r["from_status"], r["to_status"]) for r in store.moderation_log_for(comment_id)]
    finally:
        store.close()


def _visitor(n, site="a", **extra):
    return dict(id=n, site=site, text=f"Comment of visitor {n}", author=f"Visitor {n}", author_key=f"k-{n}",
                date=f"2026-12-01T{n % 24:02d}:{n % 60:02d}:00.000000Z", **extra)


def _live_text(page, expected_start, timeout=10000):
    page.wait_for_function("t => (document.getElementById('live').textContent || '').startsWith(t)",
                           arg=expected_start, timeout=timeout)
    return page.locator("#live").text_content()


def test_fast_typing_decides_each_comment_once_and_shows_every_refusal(server, new_page):
    """Three quick ``a`` presses: each comment is decided once (one log entry), the
    cursor moves on at once, and a refused decision is said, not swallowed."""
    ids = _seed(server, _visitor(748), _visitor(749), _visitor(750), _visitor(800, site="b"))
    server.start()
    page = new_page()
    login(page, server.url)

    # one comment on the page: the second and third press meet a row still saving and do nothing
    page.goto(f"{server.url}/inbox?site=b")
    page.wait_for_selector("body[data-inbox-ready]")
    for _ in range(3):
        page.keyboard.press("a")
    page.wait_for_selector("#c-800", state="detached", timeout=10000)
    assert _live_text(page, "Approved comment 800 by Visitor 800") == \
        "Approved comment 800 by Visitor 800; no more comments here"
    page.wait_for_load_state("networkidle")
    assert _log(server, 800) == [("approve", "pending", "approved")]

    # three comments: the announcement names the next one; three presses decide three comments once each
    page.goto(f"{server.url}/inbox?site=a")
    page.wait_for_selector("body[data-inbox-ready]")
    assert page.locator("article.c").evaluate_all("els => els.map(e => +e.dataset.id)") == [750, 749, 748]
    page.keyboard.press("a")
    assert _live_text(page, "Approved comment 750") == "Approved comment 750 by Visitor 750; now on 749"
    assert page.locator("article.c.current").get_attribute("id") == "c-749"
    page.keyboard.press("h")  # hold on a pending comment: nothing to do, nothing logged
    assert _live_text(page, "Comment 749 is already pending") == "Comment 749 is already pending; nothing to do."
    page.keyboard.press("a")
    page.keyboard.press("a")
    page.keyboard.press("a")  # the list is empty by the time this one lands, or its row is saving
    page.wait_for_function("() => !document.querySelector('article.c')", timeout=10000)
    page.wait_for_load_state("networkidle")
    for cid in (748, 749, 750):
        assert _log(server, cid) == [("approve", "pending", "approved")], cid
    # the sidebar counted them without a reload
    assert page.locator("#status-counts a", has_text="approved").locator(".n").inner_text() == "4"
    assert page.locator("#status-counts a", has_text="pending").locator(".n").inner_text() == "0"
    assert sorted(ids) == [748, 749, 750, 800]

    # the same version sent three times at once (two tabs, a double click): exactly one is applied
    _seed(server, _visitor(900, site="c"))
    page.goto(f"{server.url}/inbox?site=c")
    page.wait_for_selector("body[data-inbox-ready]")
    answers = page.evaluate("""async () => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const send = () => fetch('/api/v1/comments/900/actions', {method: 'POST', credentials: 'same-origin',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
            body: JSON.stringify({action: 'approve', version: 1})})
          .then(async r => [r.status, (await r.json()).detail || '']);
        return Promise.all([send(), send(), send()]);
    }""")
    assert sorted(a[0] for a in answers) == [200, 409, 409]
    assert all("changed after you loaded it" in detail for status, detail in answers if status == 409)
    assert _log(server, 900) == [("approve", "pending", "approved")]

    # a refusal the page meets is announced and shown on the row
    _seed(server, _visitor(901, site="d"))
    page.goto(f"{server.url}/inbox?site=d")
    page.wait_for_selector("body[data-inbox-ready]")
    store = open_store(str(server.db))
    with store.write() as db:
        db.execute("UPDATE comments SET status = 'spam', remote_status = 'spam', version = 2, "
                   "site_change = 'set to spam on the site' WHERE id = 901")
    store.close()
    page.keyboard.press("a")
    said = _live_text(page, "Not done:")
    assert "changed after you loaded it" in said and "spam" in said
    page.wait_for_selector("#c-901 .c-notice.bad")
    assert _log(server, 901) == []
    assert page.errors == []


def test_screen_reader_view_one_live_region_focus_kept_skip_link_named_landmarks(server, new_page):
    _seed(server, _visitor(750), _visitor(749), _visitor(748, writeback_state="pending", expected_status="pending"))
    server.start()
    page = new_page()
    login(page, server.url)
    page.wait_for_selector("body[data-inbox-ready]")

    # every landmark is named; the first Tab reaches a skip link, which leads to the comments
    assert page.evaluate("() => [...document.querySelectorAll('nav')].filter(n => !n.getAttribute('aria-label'))"
                         ".length") == 0
    assert page.locator("nav").count() >= 2
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to comments"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "comments"
    tabs = 0
    while page.evaluate("() => document.activeElement.dataset.action") != "approve":
        page.keyboard.press("Tab")
        tabs += 1
        assert tabs < 10, "the first Approve button is more than 10 Tab presses after the skip link"
    assert page.locator("article.c.current").get_attribute("id") == "c-750"

    # one persistent live region, not one message per row: two decisions leave one sentence
    assert page.locator("[role=status], [aria-live]").count() == 1
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    _live_text(page, "Approved comment 750")
    page.keyboard.press("a")
    assert _live_text(page, "Approved comment 749") == "Approved comment 749 by Visitor 749; now on 748"
    assert page.locator("[role=status], [aria-live]").count() == 1
    assert page.locator("article.c [role=status]").count() == 0

    # the write-back refresh redraws the current row (748 is still writing back) and focus stays on it
    assert page.evaluate("() => document.activeElement.id") == "c-748"
    page.evaluate("() => { window.__old = document.getElementById('c-748'); }")
    page.wait_for_function("() => document.getElementById('c-748') !== window.__old", timeout=10000)
    assert page.evaluate("() => document.activeElement.id") == "c-748"

    # r opens the comment with the focus in the reply box
    page.keyboard.press("r")
    page.wait_for_url("**/inbox/748#reply")
    page.wait_for_function("() => document.activeElement.id === 'reply-text'", timeout=5000)
    assert page.locator("main nav, header nav").evaluate_all("els => els.every(e => e.getAttribute('aria-label'))")
    assert page.errors == []


# -- phone and axe ---------------------------------------------------------------------
AXE = Path(__file__).parent / "assets" / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0), from npm
WCAG22AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
UNREACHABLE = "http://cms-bridge-test.invalid"  # .invalid never resolves (RFC 2606): a real DNS failure


#: a source whose curation rules are the inbox's watch list too
WATCH_TOML = ('\n[[sources]]\nid = "watch"\nkind = "webhook"\nsecret_env = "WATCH_SECRET"\n'
              '[sources.rules]\nbanned = ["casino"]\nsuspect = ["visitor 757", "free money"]\n')
WATCH_ENV = {"WATCH_SECRET": "w" * 32}


def _world(tmp_path, monkeypatch):
    """A live server with one of everything a signed-in page shows: a site whose host
    does not resolve, comments (one long, one decided and failed to write back for
    real), a curation item with a decision, a failed job."""
    toml = (f'\n[[sites]]\nid = "blog"\nkind = "wordpress"\nname = "Harbour blog"\nurl = "{UNREACHABLE}"\n'
            f'username = "bridge"\npassword_env = "WP_APP_PASSWORD"\ntimeout = 5.0\n{WATCH_TOML}')
    srv = LiveServer(tmp_path, toml, env={"WP_APP_PASSWORD": "abcd efgh ijkl mnop qrst uvwx", **WATCH_ENV})
    monkeypatch.setenv("WP_APP_PASSWORD", "abcd efgh ijkl mnop qrst uvwx")
    monkeypatch.setenv("WATCH_SECRET", WATCH_ENV["WATCH_SECRET"])
    clock = FakeClock(time.time())
    b = Bridge(load_config(str(srv.config)), clock=clock)
    try:
        b.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
        long_text = " ".join(["The harbour wall needs repair before the winter storms arrive, said the mayor."]
                             * 246)  # 3,198 words
        for n in range(760, 750, -1):
            add_comment(b.store, id=n, site="blog", text=long_text if n == 760 else f"Comment of visitor {n}",
                        author=f"Visitor {n}", author_key=f"k-{n}", author_url="https://visitor.example/" + "x" * 60,
                        post_title="A rather long post title about the harbour wall and its repair " * 2,
                        link=f"https://blog.example/p/1#comment-{n}",
                        date=f"2026-12-01T05:{n - 710:02d}:08.587479Z")
        b.moderation.decide("admin", 759, "approve", seen_version=1)
        for _ in range(8):  # the write-back meets the unresolvable host every time, and gives up
            b.outbox.run_due()
            clock.advance(10 ** 6)
        item = add_item(b.store, source_id="team", media=[{"url": UNREACHABLE + "/photo.jpg"}])
        try:
            socket.getaddrinfo(urlsplit(UNREACHABLE).hostname, 80)
        except socket.gaierror as exc:  # the text a failed image download stores
            media_error = str(exc)
        b.store.record_media(b.store.db.execute("SELECT id FROM media").fetchone()[0], state="failed",
                             error=media_error)
        b.curation.reject(item, "off topic", actor="admin", allowed=None)
        # a source and a site added in the UI, for their edit pages (the site is stored as a save
        # would store it: its check cannot pass against a host that does not resolve)
        b.source_admin.add(*source_from_form({"id": "crew", "kind": "webhook"}), actor="admin")
        b.site_admin.persist("harbour", *table_from_form(
            {"id": "harbour", "kind": "wordpress", "url": UNREACHABLE, "username": "bridge",
             "password": "abcd efgh ijkl mnop qrst uvwx"}),
            actor="admin", detail="")
    finally:
        b.close()
    return srv


def _pages(server):
    return ["/", "/inbox", "/inbox?status=flagged", "/inbox?status=all", "/inbox/759", "/inbox/760",
            "/curation?tab=all", "/curation/items/1", "/sites", "/audit", "/users", "/account", "/jobs", "/sites/new",
            "/sites/new?kind=typo3-connector", "/sites/harbour/edit", "/sources/new", "/sources/new?kind=webhook",
            "/sources/crew/edit"]


def _axe(page) -> list[str]:
    # evaluated over the DevTools protocol: the page's own CSP (no inline script) stays as it is
    page.evaluate(AXE.read_text() + "\n;undefined")
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG22AA)
    return [f"{v['id']}: {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in result["violations"]]


#: the controls a moderator uses on /inbox (inline links inside sentences are exempt from target size)
CONTROLS = ("article.c button, article.c .c-actions a, article.c .c-select, .facets a, .toolbar button, "
            ".toolbar select, .inbox-filter input, .inbox-filter select, .inbox-filter button, .topbar nav a, "
            ".logout button, #keys summary")


def _reach(page, name) -> list[str]:
    """Every action of every comment is on screen (inside the viewport's width) and big enough."""
    coarse = page.evaluate("() => matchMedia('(pointer: coarse)').matches")
    assert coarse == (name == "phone")
    least = 44 if coarse else 24
    boxes = page.locator(CONTROLS).evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); "
        "return [e.outerHTML.slice(0, 60), r.left, r.right, r.width, r.height]; })")
    assert len(boxes) > 40
    width = page.viewport_size["width"]
    out = []
    for html, left, right, w, h in boxes:
        if left < 0 or right > width:
            out.append(f"{name} /inbox: off screen ({left:.0f}–{right:.0f}): {html}")
        if min(w, h) < least:
            out.append(f"{name} /inbox: {w:.0f}×{h:.0f} px < {least}: {html}")
    return out


@pytest.fixture
def world(tmp_path, monkeypatch):
    srv = _world(tmp_path, monkeypatch)
    srv.start()
    yield srv
    srv.stop()


def test_every_signed_in_page_fits_a_phone_and_passes_axe_on_phone_and_desktop(world, new_page):
    problems = []
    for name, options in (("desktop", {"viewport": {"width": 1280, "height": 900}}),
                          ("phone", {"viewport": PHONE, "has_touch": True, "is_mobile": True})):
        page = new_page(**options)
        login(page, world.url)
        for path in _pages(world):
            response = page.goto(world.url + path)
            assert response.status == 200, (path, response.status)
            page.wait_for_load_state("networkidle")
            shot = path.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home"
            page.screenshot(path=str(ARTIFACTS / f"ux-{name}-{shot}.png"), full_page=True)
            if name == "phone":
                width = page.evaluate("() => document.documentElement.scrollWidth")
                if width > PHONE["width"]:
                    problems.append(f"{name} {path}: page is {width} px wide")
            problems += [f"{name} {path}: {v}" for v in _axe(page)]
            if path == "/inbox":
                problems += _reach(page, name)
        assert page.errors == []
        page.close()
    assert problems == [], "\n".join(problems)


ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def test_times_in_the_readers_zone_errors_in_plain_words_and_a_failed_write_back_retried(world, new_page):
    page = new_page()
    login(page, world.url)
    # the reader's time zone, chosen on the account page (a name the server does not know is refused, named)
    page.goto(f"{world.url}/account")
    page.evaluate("() => { const o = document.createElement('option'); o.textContent = 'Mars/Olympus_Mons'; "
                  "document.getElementById('time-zone').append(o); }")
    page.select_option("#time-zone", "Mars/Olympus_Mons")
    page.click("text=Save time zone")
    assert "Time zone 'Mars/Olympus_Mons' is not one this server knows" in page.locator(".flash-error").inner_text()
    page.select_option("#time-zone", "Europe/Berlin")
    page.click("text=Save time zone")
    assert page.locator(".flash-ok").inner_text() == "Times are now shown in Europe/Berlin."

    page.goto(f"{world.url}/inbox")
    stamp = page.locator("#c-751 .c-age time")
    assert stamp.get_attribute("datetime") == "2026-12-01T05:41:08.587479Z"
    assert re.fullmatch(r"1 Dec, 06:41 · \d+ (h|d) ago", stamp.inner_text()), stamp.inner_text()
    assert stamp.get_attribute("title") == "2026-12-01 06:41:08 Europe/Berlin"

    # no page shows a raw timestamp or an errno
    for path in _pages(world):
        page.goto(world.url + path)
        text = page.locator("body").inner_text()
        assert not ISO_TIME.search(text), (path, ISO_TIME.search(text).group(0))
        assert "Errno" not in text and "gaierror" not in text, path
    page.goto(f"{world.url}/curation/items/1")
    assert "the address could not be found" in page.locator("body").inner_text()

    # "Needs attention" opens a page of that name
    page.goto(f"{world.url}/")
    page.click("header nav >> text=Needs attention")
    assert page.title() == "Needs attention · cms-bridge"
    assert page.locator("h1").inner_text() == "Needs attention"

    # a failed write-back: one line in plain words, and a Retry for that job
    page.goto(f"{world.url}/inbox?status=all")
    failed = page.locator("#c-759 .wb-failed")
    assert failed.count() == 1
    line = " ".join(failed.inner_text().split())
    assert "\n" not in failed.locator(".plain-error").inner_text()
    assert line.endswith("check the site's URL and that it is up Retry"), line
    assert line.startswith("Not written back to blog: cannot connect to http://cms-bridge-test.invalid")
    assert "ConnectionError" not in line
    box = failed.bounding_box()
    assert box["height"] < 60

    # the same stored English, read by a German editor: said in German, the host name kept
    german = login(new_page(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"}), world.url)
    german.goto(f"{world.url}/inbox?status=all")
    said = " ".join(german.locator("#c-759 .wb-failed").inner_text().split())
    assert said.startswith("Nicht auf blog zurückgeschrieben: keine Verbindung zu http://cms-bridge-test.invalid"), said
    assert "prüfen Sie die URL der Website und ob sie läuft" in said and "check the site" not in said, said
    german.goto(f"{world.url}/curation/items/1")
    assert "die Adresse wurde nicht gefunden" in german.locator("body").inner_text()
    assert german.errors == []
    failed.locator("button", has_text="Retry").click()
    page.wait_for_url("**/inbox?status=all#c-759")
    assert page.locator(".flash-ok").inner_text() == "Job 1 is queued again; the next sync runs it."
    store = open_store(str(world.db))
    try:
        assert store.get_job(1)["state"] == "queued"
    finally:
        store.close()
    assert page.errors == []


def test_a_long_comment_is_folded_and_every_comment_links_to_itself_on_its_site(world, new_page):
    for name, options in (("desktop", {"viewport": {"width": 1280, "height": 900}}),
                          ("phone", {"viewport": PHONE, "has_touch": True})):
        page = new_page(**options)
        login(page, world.url)
        page.keyboard.press("j")
        page.screenshot(path=str(ARTIFACTS / f"inbox-{name}.png"))  # the README's (docs/inbox-*.png)
        row = page.locator("#c-760")
        fold = row.locator("details.c-fold")
        assert fold.locator("summary").inner_text() == "Show all (3,198 words)"
        assert row.bounding_box()["height"] < 800  # not a 4,453 px row (11,028 px on a phone)
        assert row.locator(".c-preview").inner_text().startswith("The harbour wall needs repair")
        fold.locator("summary").click()
        assert fold.get_attribute("open") is not None
        assert row.locator(".c-preview").is_hidden()
        assert row.bounding_box()["height"] > 2000
        # the short ones are not folded; each links to the comment where it lives
        assert page.locator("#c-758 details").count() == 0
        link = page.locator("#c-758 a.c-onsite")
        assert link.inner_text() == "View on blog"
        assert link.get_attribute("href") == "https://blog.example/p/1#comment-758"
        assert page.errors == []
        page.close()


def _job_state(server, comment_id):
    store = open_store(str(server.db))
    try:
        return [(r["action"], r["writeback"], store.get_job(r["job_id"])["state"] if r["job_id"] else None)
                for r in store.moderation_log_for(comment_id)]
    finally:
        store.close()


def test_undo_cancels_a_queued_write_back_or_sends_the_reverse_decision(server, new_page):
    _seed(server, _visitor(770, site="e"), _visitor(771, site="e"), _visitor(772, site="e"))
    server.start()
    page = new_page()
    page.clock.install()
    login(page, server.url)
    page.goto(f"{server.url}/inbox?site=e")
    page.wait_for_selector("body[data-inbox-ready]")

    # not yet written back: z cancels the job, the row comes back where it was, the site never hears of it
    page.keyboard.press("a")  # 772
    page.wait_for_selector("#c-772", state="detached")
    page.keyboard.press("z")
    assert _live_text(page, "Undone") == \
        "Undone: comment 772 is pending again; its write-back was cancelled before it ran."
    page.wait_for_selector("#c-772[data-status=pending]")
    assert page.locator("article.c").evaluate_all("els => els.map(e => +e.dataset.id)") == [772, 771, 770]
    assert _job_state(server, 772) == [("approve", "cancelled", "superseded"), ("undo", "n/a", None)]
    assert page.locator("#status-counts a", has_text="pending").locator(".n").inner_text() == "3"

    # the write-back is already running: z sends the reverse decision instead
    page.keyboard.press("j")  # 771
    page.keyboard.press("s")
    page.wait_for_selector("#c-771", state="detached")
    b = Bridge(load_config(str(server.config)))
    try:
        assert [j["payload"]["comment_id"] for j in b.outbox.claim(limit=5)] == [771]
    finally:
        b.close()
    page.keyboard.press("z")
    assert _live_text(page, "Undone") == \
        "Undone: comment 771 is pending again; the reverse decision is being written back to e."
    assert _job_state(server, 771) == [("spam", "pending", "running"), ("unspam", "pending", "queued")]

    # after 10 seconds z does nothing; the recent decisions list still offers Undo
    page.keyboard.press("j")
    page.keyboard.press("t")  # the current row: 770 (771 is back above it)
    page.wait_for_selector("#c-770", state="detached")
    page.clock.fast_forward(11000)
    page.keyboard.press("z")
    assert _live_text(page, "Nothing to undo").startswith("Nothing to undo: z takes back the last decision")
    assert _job_state(server, 770) == [("trash", "pending", "queued")]
    recent = page.locator("#recent li").first
    assert recent.inner_text().startswith("Trashed #770 by Visitor 770")
    recent.locator("button", has_text="Undo").click()
    page.wait_for_selector(".flash-ok")
    assert page.locator(".flash-ok").inner_text() == \
        "Undone: comment 770 is pending again; its write-back was cancelled before it ran."
    assert page.locator("#c-770").count() == 1
    assert page.errors == []


def test_keys_help_tabs_search_zen_and_signals(server, new_page):
    _seed(server,
          dict(_visitor(780, site="f"), html='<p>Buy <a href="https://x.example">this</a> and '
                                              '<a href="https://y.example">that</a> https://z.example</p>'),
          dict(_visitor(781, site="f"), author_key="k-regular"),
          dict(_visitor(782, site="f"), author_key="k-regular", status="approved"),
          dict(_visitor(783, site="f"), status="spam"), dict(_visitor(784, site="f")))
    server.start()
    page = new_page()
    login(page, server.url)
    page.goto(f"{server.url}/inbox?site=f")
    page.wait_for_selector("body[data-inbox-ready]")
    # signals: links counted, a first-time commenter named, a known one shows the record instead
    assert page.locator("#c-780 .sig-links").inner_text() == "3 links"
    assert page.locator("#c-780 .sig-first").count() == 1
    assert page.locator("#c-781 .sig-first").count() == 0
    assert page.locator("#c-781 .c-record").inner_text() == "1 approved · 0 spam · 0 trash before"

    # ? opens the help over the page, listing every key the page answers
    page.keyboard.press("?")
    help_ = page.locator("dialog#keys")
    assert help_.is_visible()
    listed = help_.locator("dt").all_inner_texts()
    for key in ("j / k", "a", "h", "s", "u", "t", "e", "d d", "r", "x", "z", "1 – 5", "/", "n / p", "Z", "?", "Esc"):
        assert key in listed, key
    page.keyboard.press("Escape")
    assert not help_.is_visible()

    # d once asks, d again deletes; zen mode shows the current comment only
    page.keyboard.press("j")  # 784
    page.keyboard.press("d")
    assert _live_text(page, "Press d again").startswith("Press d again to delete comment 784")
    assert _log(server, 784) == []
    page.keyboard.press("d")
    page.wait_for_selector("#c-784", state="detached")
    assert _log(server, 784) == [("delete", "pending", "deleted")]
    page.keyboard.press("Z")
    assert page.locator("article.c:visible").count() == 1
    assert page.locator(".inbox-side").is_hidden()
    page.keyboard.press("Escape")
    assert page.locator("article.c:visible").count() == 2  # 781 and 780 still pending

    # / focuses search; 4 opens the spam tab, where u says not spam; 5 opens trash
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.name") == "q"
    page.keyboard.press("Escape")
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("4")
    page.wait_for_url("**status=spam**")
    page.wait_for_selector("body[data-inbox-ready]")
    page.keyboard.press("u")
    page.wait_for_selector("#c-783", state="detached")
    assert _log(server, 783) == [("unspam", "spam", "pending")]
    page.keyboard.press("5")
    page.wait_for_url("**status=trash**")
    assert page.errors == []


def _watch_server(tmp_path):
    """A server with curation rules, a spammer with a record (one pending comment with a banned
    and a suspect word, one spam, one trash on another site) and a first-time commenter."""
    srv = LiveServer(tmp_path, WATCH_TOML, env=WATCH_ENV)
    store = open_store(str(srv.db))
    try:
        store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
        store.create_user("ed", hash_password(EDITOR_PASSWORD), "editor", ["a"])
        for spec in (dict(_visitor(790), text="Best casino bonus, free money!",
                          html='<p>Best <b>casino</b> bonus, free money! <a href="https://c.example">go</a></p>',
                          author_key="k-spammer", author="Spam Bot"),
                     dict(_visitor(791), author_key="k-spammer", author="Spam Bot", status="spam"),
                     dict(_visitor(792, site="b"), author_key="k-spammer", author="Spam Bot", status="trash"),
                     dict(_visitor(793), text="Lovely harbour photos, thank you")):
            add_comment(store, **spec)
    finally:
        store.close()
    return srv


def test_signals_watch_words_and_the_flagged_queue_on_key_2(tmp_path, new_page):
    """Coral's signals on a row: the curation rules' words marked in the text (banned: suggested
    spam), why the comment deserves a look, the commenter's record; key 2 opens the queue of
    pending comments the rules flag, and deciding there takes the row out of it."""
    srv = _watch_server(tmp_path)
    srv.start()
    try:
        page = new_page()
        login(page, srv.url)
        page.goto(f"{srv.url}/inbox")
        page.wait_for_selector("body[data-inbox-ready]")
        row = page.locator("#c-790")
        assert row.locator("mark.watch-banned").all_inner_texts() == ["casino"]
        assert row.locator("mark.watch-suspect").all_inner_texts() == ["free money"]
        assert row.locator(".sig-suggest").inner_text() == "suggested: spam"
        assert row.locator(".c-record").inner_text() == "0 approved · 1 spam · 1 trash before"
        assert row.locator(".c-why").inner_text() == ("Why look twice: banned word “casino” · watched word "
                                                      "“free money” · 1 link · 1 spam and 1 trash before")
        assert page.locator("#c-793 mark").count() == 0
        assert page.locator("#c-793 .c-why").inner_text() == "Why look twice: first comment here"
        assert _axe(page) == []

        page.keyboard.press("2")
        page.wait_for_url("**status=flagged**")
        page.wait_for_selector("body[data-inbox-ready]")
        assert page.locator("article.c").evaluate_all("els => els.map(e => +e.dataset.id)") == [790]
        tab = page.locator('#status-counts a[data-key="2"]')
        assert tab.get_attribute("aria-current") == "page" and tab.locator(".n").inner_text() == "1"
        assert _axe(page) == []
        page.keyboard.press("s")
        page.wait_for_selector("#c-790", state="detached", timeout=10000)
        page.wait_for_load_state("networkidle")
        assert _log(srv, 790) == [("spam", "pending", "spam")]
        page.wait_for_function("() => document.querySelector('#status-counts a.q-flagged .n').textContent === '0'",
                               timeout=10000)
        assert page.errors == []
    finally:
        srv.stop()


def test_the_commenter_drawer_decides_all_their_comments_on_the_editors_sites(tmp_path, new_page):
    """The record link opens a drawer (a modal dialog) with the commenter's comments on the sites
    the editor may see, ticked; one button decides them all. Site b's comment is not shown to
    an editor of site a, and not decided."""
    srv = _watch_server(tmp_path)
    srv.start()
    try:
        for name, options in (("desktop", {"viewport": {"width": 1280, "height": 900}}),
                              ("phone", {"viewport": PHONE, "has_touch": True, "is_mobile": True})):
            page = new_page(**options)
            login(page, srv.url)
            page.goto(f"{srv.url}/inbox")
            page.wait_for_selector("body[data-inbox-ready]")
            page.click("#c-790 .c-record")
            drawer = page.locator("dialog#drawer")
            drawer.wait_for(state="visible")
            assert page.evaluate("() => document.activeElement.id") == "commenter-h"
            assert drawer.locator("#commenter-h").inner_text() == "Comments by Spam Bot"
            assert sorted(drawer.locator(".commenter-pick").all_inner_texts()) == [
                "Comment 790 on a, pending", "Comment 791 on a, spam", "Comment 792 on b, trash"]
            assert drawer.locator("mark.watch-banned").all_inner_texts() == ["casino"]
            assert _axe(page) == [], name
            page.keyboard.press("a")  # the list behind waits while the drawer is open
            page.keyboard.press("Escape")
            drawer.wait_for(state="hidden")
            assert _log(srv, 790) == []
            page.close()

        page = new_page()
        login(page, srv.url, username="ed", password=EDITOR_PASSWORD)
        page.goto(f"{srv.url}/inbox")
        page.wait_for_selector("body[data-inbox-ready]")
        # the record counts the editor's sites only: the trashed comment on b is not theirs to know of
        assert page.locator("#c-790 .c-record").inner_text() == "0 approved · 1 spam · 0 trash before"
        page.click("#c-790 .c-record")
        drawer = page.locator("dialog#drawer")
        drawer.wait_for(state="visible")
        assert drawer.locator(".commenter-sum").inner_text().startswith("2 comments on a:")
        assert sorted(drawer.locator(".commenter-pick").all_inner_texts()) == ["Comment 790 on a, pending",
                                                                               "Comment 791 on a, spam"]
        drawer.locator("button.act-spam").click()
        page.wait_for_selector("body[data-inbox-ready]")
        assert _log(srv, 790) == [("spam", "pending", "spam")]
        assert _log(srv, 792) == []  # site b: not the editor's
        assert "1 comment(s) decided" in page.locator(".flash").first.inner_text()
        assert page.errors == []
    finally:
        srv.stop()
