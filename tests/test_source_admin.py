"""Feed and webhook sources added in the web UI and with `cms-bridge sources add/remove`:
validated by the config file's own schema, a feed fetched once on save (a real local
HTTP server serving an RSS file; loopback allowed by `[media] allow_private`, as in
the feed tests), sources from the config file read-only, every change audited, and
a source added in the UI offered in curation and polled by a separate process."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import uuid

import pytest
import requests

from bridge.config import load_config
from tests.chromium import ARTIFACTS, login
from tests.curation_helpers import ENVIRON, SOURCES, curation_config, typo3_site
from tests.localhttp import LocalServer
from tests.test_backup import run_cli
from tests.test_site_admin import _server
from webhooks.signatures import sign

FEEDS = os.path.join(os.path.dirname(__file__), "fixtures", "feeds")
XML = {"Content-Type": "application/xml"}


def rss() -> bytes:
    with open(os.path.join(FEEDS, "rss2.xml"), "rb") as fh:
        return fh.read()


@pytest.fixture
def feeds():
    with LocalServer() as server:
        server.add("/blog/rss", rss(), headers=XML)
        server.add("/down", status=503)
        yield server


@pytest.fixture
def config(tmp_path):
    return curation_config(tmp_path, extra={"media": {"allow_private": ["127.0.0.1"], "timeout": 5.0}})


def _actions(bridge, source_id: str) -> list[str]:
    return [r["action"] for r in bridge.store.query(
        "SELECT action FROM moderation_log WHERE remote_id = ? AND action LIKE 'source-%' ORDER BY id", [source_id])]


def _db_bytes(path) -> bytes:
    return b"".join(open(f"{path}{s}", "rb").read() for s in ("", "-wal") if os.path.exists(f"{path}{s}"))


def test_a_feed_added_in_the_ui_is_fetched_on_save_offered_in_curation_and_polled(client, auth, bridge, feeds):
    auth.login()
    form = {"csrf_token": auth.csrf, "kind": "feed", "id": "news", "name": "Harbour news",
            "url": feeds.base + "/down", "interval": "600", "targets": ["corp"]}
    down = client.post("/sources/new", data=form)
    html = down.get_data(as_text=True)
    assert down.status_code == 422 and "Not saved" in html and "url: " in html and "503" in html
    assert bridge.store.managed_rows("managed_sources") == []

    added = client.post("/sources/new", data={**form, "url": feeds.base + "/blog/rss"}, follow_redirects=True)
    assert "news: added; the feed answered with" in added.get_data(as_text=True)
    assert bridge.config.source("news")["targets"] == ["corp"]
    assert '<option value="news"' in client.get("/curation").get_data(as_text=True)
    sites_page = client.get("/sites").get_data(as_text=True)
    assert "added in the UI by admin" in sites_page and "from the config file (change it there)" in sites_page

    [result] = bridge.intake.poll(source_id="news")
    assert result.ok and result.new_items >= 1
    queue = client.get("/curation?source=news").get_data(as_text=True)
    assert "source <strong>news</strong>" in queue

    bad = client.post("/sources/news/edit", data={"csrf_token": auth.csrf, "interval": "often",
                                                  "url": feeds.base + "/blog/rss"})
    assert bad.status_code == 422 and "interval: " in bad.get_data(as_text=True)
    assert "often" in bad.get_data(as_text=True)
    changed = client.post("/sources/news/edit", data={"csrf_token": auth.csrf, "interval": "1200", "name": "News",
                                                      "url": feeds.base + "/blog/rss", "trusted": "on"})
    assert changed.status_code == 302 and bridge.config.source("news")["interval"] == 1200
    assert bridge.config.source("news")["trusted"] is True and bridge.config.source("news")["targets"] == []
    assert client.post("/sources/news/disable", data={"csrf_token": auth.csrf}).status_code == 302
    assert bridge.config.source("news") is None and "disabled" in client.get("/sites").get_data(as_text=True)
    client.post("/sources/news/enable", data={"csrf_token": auth.csrf})
    client.post("/sources/news/remove", data={"csrf_token": auth.csrf})
    assert bridge.config.source("news") is None and bridge.store.managed_rows("managed_sources") == []
    assert _actions(bridge, "news") == ["source-added", "source-updated", "source-disabled", "source-enabled",
                                        "source-removed"]


def test_sources_from_the_config_file_are_read_only_and_bad_input_names_the_field(client, auth, bridge):
    auth.login()
    team = client.get("/sources/team/edit")
    assert team.status_code == 403 and "team comes from the config file; change it there" in team.get_data(as_text=True)
    assert client.post("/sources/team/remove", data={"csrf_token": auth.csrf}).status_code == 403
    assert client.post("/sources/nope/disable", data={"csrf_token": auth.csrf}).status_code == 404
    taken = client.post("/sources/new", data={"csrf_token": auth.csrf, "kind": "webhook", "id": "team"})
    assert taken.status_code == 422 and "is already a source from the config file" in taken.get_data(as_text=True)
    target = client.post("/sources/new", data={"csrf_token": auth.csrf, "kind": "webhook", "id": "w",
                                               "targets": ["elsewhere"]})
    assert target.status_code == 422
    assert "targets[0]: &#39;elsewhere&#39; is not the id of a connected site" in target.get_data(as_text=True)
    no_url = client.post("/sources/new", data={"csrf_token": auth.csrf, "kind": "feed", "id": "f"})
    assert no_url.status_code == 422 and "url: is missing" in no_url.get_data(as_text=True)
    bad_id = client.post("/sources/new", data={"csrf_token": auth.csrf, "kind": "webhook", "id": "a b"})
    assert bad_id.status_code == 422 and "id: " in bad_id.get_data(as_text=True)
    assert bridge.store.managed_rows("managed_sources") == []


def _payload(text: str) -> dict:
    n = uuid.uuid4().hex
    return {"external_id": f"p-{n}", "url": f"https://social.example/@ann/{n}", "title": "Tower up",
            "text": text, "author": {"name": "Ann"}}


def _signed(secret: str, text: str = "We raised it.") -> tuple[bytes, dict]:
    """A webhook delivery's body and Standard Webhooks headers."""
    body = json.dumps(_payload(text)).encode()
    return body, sign(secret, f"msg_{uuid.uuid4().hex}", int(time.time()), body) | {"Content-Type": "application/json"}


def _post_signed(client, source_id: str, secret: str):
    body, headers = _signed(secret)
    return client.post(f"/webhooks/social/{source_id}", data=body, headers=headers)


def test_a_webhook_source_gets_a_secret_shown_once_kept_when_an_edit_leaves_it_blank(client, auth, bridge):
    auth.login()
    page = client.post("/sources/new", data={"csrf_token": auth.csrf, "kind": "webhook", "id": "crew"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "shown only now" in html and "/webhooks/social/crew" in html
    secret = re.search(r'id="new-secret" readonly value="([^"]+)"', html).group(1)
    assert secret.startswith("whsec_") and secret.encode() not in _db_bytes(bridge.store.path)
    assert _post_signed(client, "crew", secret).status_code in (200, 201, 202)
    assert _post_signed(client, "crew", "whsec_" + "B" * 32).status_code == 401

    kept = client.post("/sources/crew/edit", data={"csrf_token": auth.csrf, "name": "Crew", "secret": ""})
    assert kept.status_code == 302  # no new secret: nothing to show
    assert secret not in client.get("/sites").get_data(as_text=True)
    assert _post_signed(client, "crew", secret).status_code in (200, 201, 202)
    rotated = "whsec_" + "C" * 32
    client.post("/sources/crew/edit", data={"csrf_token": auth.csrf, "name": "Crew", "secret": rotated})
    assert _post_signed(client, "crew", secret).status_code == 401
    assert _post_signed(client, "crew", rotated).status_code in (200, 201, 202)
    assert [r["detail"] for r in bridge.store.query(  # what changed, never the secret itself
        "SELECT detail FROM moderation_log WHERE remote_id = 'crew' ORDER BY id")] == [
        "source crew: webhook", "source crew: webhook; changed: name", "source crew: webhook; changed: secret"]
    client.post("/sources/crew/disable", data={"csrf_token": auth.csrf})
    assert _post_signed(client, "crew", secret).status_code not in (200, 201, 202)


# -- rules ([sources.rules]) ---------------------------------------------------------------------
def _state(bridge, item_id: int) -> tuple[str, str]:
    [row] = bridge.store.query("SELECT state, state_reason FROM items WHERE id = ?", [item_id])
    return row["state"], row["state_reason"]


def test_rules_set_in_the_form_decide_intake_and_the_inbox_watch_list_and_follow_an_edit(
        client, auth, bridge, tmp_path, make_bridge):
    auth.login()
    assert bridge.moderation.watch_list() == ([], [])  # the config file's sources have no rules
    form = {"csrf_token": auth.csrf, "kind": "webhook", "id": "crew", "rules.banned": "poker\r\n\r\n Free   money ",
            "rules.suspect": "lottery", "rules.max_links": "-1"}
    bad = client.post("/sources/new", data=form)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Not saved" in html
    assert ('<small class="field-error" id="source-max-links-error">rules.max_links: -1 must not be negative '
            "(0: an item with any link is flagged)</small>") in html
    assert re.search(r'<input id="source-max-links" [^>]*value="-1" aria-invalid="true" '
                     r'aria-describedby="source-max-links-error source-max-links-help">', html)
    assert re.search(r'<textarea id="source-banned" [^>]*>poker\r\n\r\n Free   money </textarea>', html)  # as typed
    assert bridge.store.managed_rows("managed_sources") == [] and bridge.config.source("crew") is None

    saved = client.post("/sources/new", data={**form, "rules.max_links": ""})
    assert saved.status_code == 200 and "shown only now" in saved.get_data(as_text=True)
    assert bridge.config.source("crew")["rules"] == {"banned": ["poker", "Free money"], "suspect": ["lottery"],
                                                     "max_links": 3}
    banned, suspect = bridge.moderation.watch_list()
    assert [w for w, _ in banned] == ["poker", "Free money"] and [w for w, _ in suspect] == ["lottery"]
    assert bridge.moderation.inbox_filter({"status": "flagged"}).watch == '"poker" OR "Free money" OR "lottery"'
    item_id, _ = bridge.intake.accept("crew", _payload("free\nmoney for all"))
    assert _state(bridge, item_id) == ("rejected", "banned word: Free money")

    edit = client.get("/sources/crew/edit").get_data(as_text=True)
    assert re.search(r'<textarea id="source-banned" [^>]*>poker\nFree money</textarea>', edit)
    assert re.search(r'<input id="source-max-links" [^>]*value=""', edit)  # left blank: the default, 3
    changed = client.post("/sources/crew/edit", data={"csrf_token": auth.csrf, "rules.suspect": "poker\nbingo"})
    assert changed.status_code == 302
    assert [[w for w, _ in words] for words in bridge.moderation.watch_list()] == [[], ["poker", "bingo"]]
    item_id, _ = bridge.intake.accept("crew", _payload("free money and poker"))
    assert _state(bridge, item_id) == ("flagged", "suspect word: poker")
    [detail] = [r["detail"] for r in bridge.store.query(
        "SELECT detail FROM moderation_log WHERE remote_id = 'crew' AND action = 'source-updated'")]
    assert detail == "source crew: webhook; changed: rules.banned, rules.suspect"

    # another process (a second worker, `sources add`) changes the rules: the next request picks them up
    other = make_bridge(config=curation_config(tmp_path, extra={"media": {"allow_private": ["127.0.0.1"]}}))
    raw = {**other.source_admin.row("crew")["raw"], "rules": {"banned": ["bingo"]}}
    other.source_admin.add(raw, other.source_admin.stored_secrets("crew"), actor="test", editing=True)
    client.get("/sites")
    assert [[w for w, _ in words] for words in bridge.moderation.watch_list()] == [["bingo"], []]
    item_id, _ = bridge.intake.accept("crew", _payload("bingo and poker"))
    assert _state(bridge, item_id) == ("rejected", "banned word: bingo")


#: a config file's webhook source with the rules the test then sets in the UI
RULED_TEAM = ('\n[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\n'
              '[sources.rules]\nbanned = ["casino"]\nsuspect = ["giveaway"]\n')


def test_rules_set_in_chromium_decide_as_the_config_files_do_and_an_edit_changes_the_next_item(
        tmp_path, browser_page):
    server = _server(tmp_path, RULED_TEAM, env=ENVIRON)
    server.start()
    page = browser_page

    def deliver(source_id: str, secret: str, text: str) -> dict:
        body, headers = _signed(secret, text)
        answer = requests.post(f"{server.url}/webhooks/social/{source_id}", data=body, headers=headers, timeout=30)
        assert answer.status_code == 202, answer.text
        return {key: answer.json().get(key) for key in ("state", "reason")}

    def submit():
        page.click("form.site-form button[type=submit]")

    try:
        login(page, server.url, next="/sites")
        page.click("text=Add a source")
        page.get_by_role("link", name="Webhook sender").click()
        page.wait_for_url(f"{server.url}/sources/new?kind=webhook")
        page.fill("#source-id", "crew")
        page.fill("#source-banned", "casino\nfree money")
        page.fill("#source-suspect", "giveaway")
        page.fill("#source-max-links", "lots")
        submit()
        error = page.locator("#source-max-links-error")
        assert error.inner_text() == ("rules.max_links: 'lots' is not a whole number (the most links an item may "
                                      "carry, e.g. 3)")
        assert page.get_attribute("#source-max-links", "aria-invalid") == "true"
        assert page.input_value("#source-banned") == "casino\nfree money"  # kept
        assert page.input_value("#source-suspect") == "giveaway" and page.input_value("#source-id") == "crew"
        page.screenshot(path=str(ARTIFACTS / "source-rules-error.png"), full_page=True)
        assert sqlite3.connect(server.db).execute("SELECT COUNT(*) FROM managed_sources").fetchone() == (0,)

        page.fill("#source-max-links", "3")
        submit()
        secret = page.input_value("#new-secret")
        team = ENVIRON["TEAM_SECRET"]
        rejected = {"state": "rejected", "reason": "banned word: casino"}
        assert deliver("crew", secret, "Win big at the CASINO tonight, says the crew") == rejected
        assert deliver("team", team, "Win big at the casino tonight, says the team") == rejected
        flagged = {"state": "flagged", "reason": "suspect word: giveaway"}
        assert deliver("crew", secret, "A giveaway from the crew") == flagged
        assert deliver("team", team, "A giveaway from the team") == flagged

        page.goto(f"{server.url}/sources/crew/edit")
        assert page.input_value("#source-banned") == "casino\nfree money"  # shown again
        assert page.input_value("#source-suspect") == "giveaway" and page.input_value("#source-max-links") == "3"
        page.fill("#source-banned", "poker")
        page.fill("#source-suspect", "casino")
        submit()
        page.wait_for_url(f"{server.url}/sites")
        assert "crew: changed." in page.inner_text("body")
        assert deliver("crew", secret, "Off to the casino again") == {"state": "flagged",
                                                                      "reason": "suspect word: casino"}
        assert deliver("crew", secret, "Poker night") == {"state": "rejected", "reason": "banned word: poker"}
        assert deliver("team", team, "Off to the casino again, team") == rejected  # the file's rules stay its own
        assert server.proc.poll() is None  # the same server all along: no restart
        log = sqlite3.connect(server.db).execute(
            "SELECT action, detail FROM moderation_log WHERE remote_id = 'crew' ORDER BY id").fetchall()
        assert log == [("source-added", "source crew: webhook"),
                       ("source-updated", "source crew: webhook; changed: rules.banned, rules.suspect")]
    finally:
        server.stop()


# -- the command line -----------------------------------------------------------------------------
def _cli_config(tmp_path) -> str:
    path = tmp_path / "config.toml"
    path.write_text('[server]\ndatabase = "var/bridge.db"\nmedia_dir = "var/media"\n\n'
                    '[media]\nallow_private = ["127.0.0.1"]\ntimeout = 5.0\n\n'
                    '[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\n')
    return str(path)


def test_sources_add_and_remove_from_the_command_line(tmp_path, feeds):
    conf = _cli_config(tmp_path)
    env = {"TEAM_SECRET": ENVIRON["TEAM_SECRET"]}
    rss_url = feeds.base + "/blog/rss"
    bad_interval = run_cli(conf, "sources", "add", "--id", "news", "--kind", "feed", "--url", rss_url,
                           "--interval", "often", env=env, check=False)
    assert bad_interval.returncode == 2 and "interval: " in bad_interval.stderr and "often" in bad_interval.stderr
    short = run_cli(conf, "sources", "add", "--id", "news", "--kind", "feed", "--url", rss_url,
                    "--interval", "5", env=env, check=False)
    assert short.returncode == 2 and "interval: 5 must be at least 60 seconds" in short.stderr
    target = run_cli(conf, "sources", "add", "--id", "news", "--kind", "feed", "--url", rss_url,
                     "--target", "nope", env=env, check=False)
    assert target.returncode == 2 and "targets[0]: 'nope' is not the id of a connected site" in target.stderr
    down = run_cli(conf, "sources", "add", "--id", "news", "--kind", "feed", "--url", feeds.base + "/down",
                   env=env, check=False)
    assert down.returncode == 1 and "news: not saved" in down.stderr and "503" in down.stderr

    added = run_cli(conf, "sources", "add", "--id", "news", "--kind", "feed", "--url", rss_url, env=env)
    assert added.stdout.startswith("news: saved; the feed answered with")
    hook = run_cli(conf, "sources", "add", "--id", "crew", "--kind", "webhook", env=env)
    assert "crew: saved; its signing secret (shown only now):\nwhsec_" in hook.stdout
    listed = run_cli(conf, "sources", "list", env=env).stdout
    assert re.search(r"^news\tfeed\t.*added in the UI", listed, re.M) and re.search(r"^crew\twebhook", listed, re.M)
    polled = run_cli(conf, "sources", "poll", env=env)  # a separate process reads the source from the database
    assert re.search(r"^news: ok — \d+ entries, \d+ new", polled.stdout, re.M), polled.stdout
    assert run_cli(conf, "sources", "remove", "news", env=env).stdout.strip() == "news: removed"
    again = run_cli(conf, "sources", "remove", "news", env=env, check=False)
    assert again.returncode == 2 and "'news' is not a source here" in again.stderr
    filed = run_cli(conf, "sources", "remove", "team", env=env, check=False)
    assert filed.returncode == 2 and "comes from the config file; remove its [[sources]] table there" in filed.stderr
    db = str(tmp_path / "var" / "bridge.db")
    log = sqlite3.connect(db).execute("SELECT remote_id, action FROM moderation_log WHERE action LIKE 'source-%' "
                                      "ORDER BY id").fetchall()
    assert log == [("news", "source-added"), ("crew", "source-added"), ("news", "source-removed")]


def test_sources_add_takes_rules_checked_as_the_config_files_and_intake_applies_them(runner, make_bridge):
    base = ("sources", "add", "--id", "crew", "--kind", "webhook", "--banned", "casino")
    word = runner(*base, "--max-links", "lots")
    assert word.exit_code == 2 and "rules.max_links: 'lots' is not a whole number" in word.stderr
    negative = runner(*base, "--max-links", "-1")
    assert negative.exit_code == 2 and "rules.max_links: -1 must not be negative" in negative.stderr
    assert "crew" not in runner("sources", "list").stdout

    added = runner(*base, "--banned", "free  money", "--suspect", "giveaway", "--max-links", "1")
    assert added.exit_code == 0 and added.stdout.startswith("crew: saved; its signing secret"), added.output
    listed = runner("sources", "list").stdout
    assert re.search(r"^crew\twebhook\t.*added in the UI", listed, re.M)
    assert "    rules: 2 banned, 1 suspect word(s), at most 1 link(s)" in listed
    bridge = make_bridge(config=load_config(runner.config), clock=None)
    assert bridge.config.source("crew")["rules"] == {"banned": ["casino", "free money"], "suspect": ["giveaway"],
                                                     "max_links": 1}

    def state(text: str) -> tuple[str, str]:
        item_id, _ = bridge.intake.accept("crew", _payload(text))
        return _state(bridge, item_id)

    assert state("Free money, really") == ("rejected", "banned word: free money")
    assert state("Our giveaway") == ("flagged", "suspect word: giveaway")
    assert state("See https://a.example/x and https://b.example/y") == ("flagged", "too many links: 2 (max 1)")
    assert state("We raised the tower") == ("pending", "")


# -- in a real browser ------------------------------------------------------------------------------
def test_a_feed_added_in_chromium_shows_in_curation_and_a_separate_poll_brings_its_items(
        tmp_path, feeds, browser_page):
    site = typo3_site("corp")
    toml = ('[media]\nallow_private = ["127.0.0.1"]\ntimeout = 5.0\n\n[[sites]]\n'
            + "".join(f"{k} = {json.dumps(v)}\n" for k, v in site.items() if k != "connector")
            + "".join(f"[sites.connector.{cap}]\nurl = {json.dumps(e['url'])}\nsecret_env = \"T3_SECRET\"\n"
                      for cap, e in site["connector"].items())
            + "".join(f"\n[[sources]]\nid = \"{s['id']}\"\nkind = \"webhook\"\nsecret_env = \"TEAM_SECRET\"\n"
                      for s in SOURCES[:1]))
    server = _server(tmp_path, toml, env=ENVIRON)
    server.start()
    page = browser_page
    try:
        login(page, server.url)
        page.goto(f"{server.url}/sites")
        page.click("text=Add a source")
        page.fill("#source-id", "news")
        page.fill("#source-name", "Harbour news")
        page.fill("#source-url", feeds.base + "/blog/rss")
        page.check('input[name="targets"][value="corp"]')
        page.click("text=Fetch and save")
        page.wait_for_url(f"{server.url}/sites")
        body = page.inner_text("body")
        assert "news: added; the feed answered with" in body and "from config.toml (change it there)" in body
        page.goto(f"{server.url}/curation")
        assert "news" in page.locator('select[name="source"] option').all_inner_texts()
        polled = server.cli("sources", "poll", "--source", "news")
        assert polled.returncode == 0, polled.stdout + polled.stderr
        page.goto(f"{server.url}/curation?source=news")
        page.screenshot(path=str(ARTIFACTS / "source-admin-curation.png"), full_page=True)
        assert page.locator("text=source news").count() >= 1
    finally:
        server.stop()
