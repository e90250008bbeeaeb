"""``cms-bridge sync`` polls the due feed sources too: one line per polled source,
a failing source makes the exit code non-zero but every site is still synced.

Feeds come from a real local HTTP server (tests/localhttp.py), the site is the
harness's real WordPress.
"""
from __future__ import annotations

import os

import pytest

from bridge.config import load_config
from bridge.store import open_store
from tests.localhttp import LocalServer, png_bytes

pytestmark = pytest.mark.wordpress

FEEDS = os.path.join(os.path.dirname(__file__), "fixtures", "feeds")
XML = {"Content-Type": "application/xml"}


def feed(name: str) -> bytes:
    with open(os.path.join(FEEDS, name), "rb") as fh:
        return fh.read()


@pytest.fixture
def feeds():
    with LocalServer() as server:
        server.add("/img/blade40-large.jpg", png_bytes(8, 6))
        server.add("/img/blade40.jpg", png_bytes(2, 2))
        yield server


@pytest.fixture
def run(runner, wp, feeds):
    """``cms-bridge sync …`` with one WordPress site, a working feed and a broken one."""
    runner.setenv(WP_PASSWORD=wp.app_password)
    good = feeds.add("/blog/rss", feed("rss2.xml"), headers=XML)
    broken = feeds.add("/down", status=503)
    runner.write(
        '\n[media]\nallow_private = ["127.0.0.1"]\ntimeout = 5.0\n\n'
        f'[[sites]]\nid = "blog"\nkind = "wordpress"\nurl = "{wp.url}"\nusername = "{wp.admin_user}"\n'
        'password_env = "WP_PASSWORD"\ntimeout = 10.0\n\n'
        f'[[sources]]\nid = "news"\nkind = "feed"\nurl = "{good}"\ninterval = 600\n\n'
        f'[[sources]]\nid = "gone"\nkind = "feed"\nurl = "{broken}"\ninterval = 600\n')

    def invoke(*args):
        return runner("sync", *args)

    invoke.config = runner.config
    return invoke


def _items(config_path) -> dict[str, int]:
    store = open_store(load_config(config_path).server.database)
    try:
        rows = store.query("SELECT source_id, COUNT(*) AS n FROM items GROUP BY source_id")
        return {r["source_id"]: r["n"] for r in rows}
    finally:
        store.close()


def test_sync_polls_due_sources_and_still_syncs_every_site_when_one_fails(run, wp, feeds):
    wp.seed_comments(5, status="hold")
    result = run()
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert "source news: 3 new" in lines
    [gone] = [line for line in lines if line.startswith("source gone: ")]
    assert "FAILED" in gone and "HTTP 503" in gone
    # the site was synced all the same: the 5 seeded comments plus WordPress's sample comment
    assert "blog: 6 new, 0 changed, 0 written back, 0 errors" in lines
    assert _items(run.config) == {"news": 3}
    assert feeds.hits["/blog/rss"] == 1 and feeds.hits["/down"] == 1

    # the next minute's run: no source is due, so none is polled or printed, and all is well
    again = run()
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines() == ["blog: 0 new, 0 changed, 0 written back, 0 errors"]
    assert feeds.hits["/blog/rss"] == 1 and feeds.hits["/down"] == 1


def test_no_sources_and_no_sites_flags(run, wp, feeds):
    wp.seed_comments(2, status="hold")
    sites_only = run("--no-sources")
    assert sites_only.exit_code == 0, sites_only.output
    assert sites_only.stdout.splitlines() == ["blog: 3 new, 0 changed, 0 written back, 0 errors"]
    assert feeds.hits == {}

    sources_only = run("--no-sites")
    assert sources_only.exit_code == 1
    assert [line.split(":")[0] for line in sources_only.stdout.splitlines()] == ["source news", "source gone"]
    assert _items(run.config) == {"news": 3}

    one_site = run("--site", "blog")  # one site only: no feed polling
    assert one_site.exit_code == 0 and not any(line.startswith("source ") for line in one_site.stdout.splitlines())
    contradiction = run("--site", "blog", "--no-sites")
    assert contradiction.exit_code == 2 and "contradict" in contradiction.output


def test_sync_downloads_the_images_of_webhook_deliveries_without_any_feed(runner, feeds, make_bridge):
    """Webhook deliveries defer their image downloads to the outbox; sync's poll runs them."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    runner.setenv(CREW_SECRET=secret).write(
        '\n[media]\nallow_private = ["127.0.0.1"]\ntimeout = 5.0\n\n'
        '[[sources]]\nid = "crew"\nkind = "webhook"\nsecret_env = "CREW_SECRET"\n')
    image = feeds.add("/photos/finish.png", png_bytes(16, 9), headers={"Content-Type": "image/png"})
    bridge = make_bridge(config=load_config(runner.config), clock=None)
    answer = bridge.intake.accept_webhook("crew", "msg_1", {
        "external_id": "1", "url": "https://social.example/@rita/1", "title": "Finish",
        "text": "Done.", "author": {"name": "Rita"}, "media": [{"url": image, "alt": "Rita"}]})
    assert answer.status == 202, answer.body
    bridge.close()
    assert feeds.hits.get("/photos/finish.png") is None  # deferred

    result = runner("sync")
    assert result.exit_code == 0, result.output
    assert feeds.hits["/photos/finish.png"] == 1
    store = open_store(load_config(runner.config).server.database)
    try:
        [media] = store.query("SELECT state FROM media")
    finally:
        store.close()
    assert media["state"] == "stored"
