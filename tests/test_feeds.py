"""adapters.feeds.FeedSource against a real local HTTP server, and intake's poll
of several feeds where some fail (never a crashed run)."""
from __future__ import annotations

import os

import pytest

from adapters.base import AuthError, NotFound, RateLimited, RemoteError, TemporaryRemoteError, Unreachable
from adapters.feeds import FeedSource, detect_network
from tests.conftest import make_config
from tests.localhttp import LocalServer, png_bytes

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "feeds")


def fixture(name: str) -> bytes:
    with open(os.path.join(FIXTURES, name), "rb") as fh:
        return fh.read()


XML = {"Content-Type": "application/xml"}


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def fetch(url, state=None, **settings):
    settings.setdefault("allow_private", ["127.0.0.1"])
    return FeedSource({"id": "src", "url": url, **settings}, {}).fetch(state or {})


def test_rss2_entities_relative_urls_and_untitled_entry(server):
    url = server.add("/blog/rss", fixture("rss2.xml"), headers=XML)
    items, state = fetch(url)
    assert len(items) == 3
    blade, untitled, xss = items
    assert blade.title == "Blade number 40 – done"
    assert blade.url == server.base + "/posts/blade-40?utm_source=rss&utm_medium=feed"
    assert f'href="{server.base}/gallery/40"' in blade.html
    assert blade.media[0].url == server.base + "/img/blade40-large.jpg"
    assert blade.external_id == "blade-40" and blade.published_at.year == 2026
    assert untitled.title == "" and untitled.published_at is None
    assert untitled.external_id == "https://blog.example.org/posts/untitled"
    assert "neither a title" in untitled.html
    assert xss.url == "https://blog.example.org/posts/xss"
    assert state["network"] == "rss"


def test_rss1_and_atom(server):
    rdf, _ = fetch(server.add("/rdf", fixture("rss1.rdf"), headers=XML))
    assert rdf[0].title == "First RDF item" and rdf[0].author_name == "Bea Rider"
    assert rdf[0].published_at.isoformat().startswith("2026-10-01T08:00")
    atom, state = fetch(server.add("/atom", fixture("atom.xml"), headers={"Content-Type": "application/atom+xml"}))
    entry = atom[0]
    assert state["network"] == "atom"
    assert entry.url == "https://atom.example.com/news/2026/fresh-snow.html"  # xml:base
    assert 'href="https://atom.example.com/lifts.html"' in entry.html
    assert 'src="https://atom.example.com/news/images/snow.jpg"' in entry.html
    assert entry.author_name == "Carl Piste" and entry.author_url == "https://atom.example.com/people/carl"


def test_youtube_channel_feed(server):
    items, state = fetch(server.add("/feeds/videos.xml?channel_id=UCabc123", fixture("youtube.xml"), headers=XML))
    video = items[0]
    assert state["network"] == "youtube" and video.network == "youtube"
    assert video.external_id == "yt:video:dQw4w9WgXcQ"
    assert video.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert [(m.url, m.kind) for m in video.media] == [("https://i2.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg", "image")]
    assert "Fresh powder on the north face" in video.html
    assert video.author_name == "Slope Cam"


def test_mastodon_account_and_hashtag_feeds(server):
    items, state = fetch(server.add("/@dana.rss", fixture("mastodon.rss"), headers=XML))
    post = items[0]
    assert state["network"] == "mastodon"
    assert "Nacelle assembly today" in post.html  # not overwritten by the image description
    assert post.media[0].url.endswith("/nacelle.jpg")
    assert post.media[0].alt == "A nacelle hanging from the crane"
    assert post.author_name == "Dana Weld" and post.author_url == "https://mastodon.example/@dana"
    tagged, state = fetch(server.add("/tags/windpower.rss", fixture("mastodon-tag.rss"), headers=XML))
    assert state["network"] == "mastodon"
    assert tagged[0].author_name == "@erik@other.example" and tagged[0].media[0].url.endswith("sunset.png")


def test_bluesky_profile_feed(server):
    items, state = fetch(server.add("/profile/cyclist.example.com/rss", fixture("bluesky.rss"), headers=XML))
    assert state["network"] == "bluesky"
    assert items[0].title == "" and "finish line in Graz" in items[0].html
    assert items[0].external_id.startswith("at://did:plc:abc123/")
    assert items[0].author_name == "Fern Pedal"


def test_network_detection_from_urls():
    assert detect_network("https://www.youtube.com/feeds/videos.xml?channel_id=UC1") == "youtube"
    assert detect_network("https://bsky.app/profile/someone.bsky.social/rss") == "bluesky"
    assert detect_network("https://mastodon.social/@Gargron.rss") == "mastodon"
    assert detect_network("https://mastodon.social/tags/cats.rss") == "mastodon"
    assert detect_network("https://example.org/feed.xml") == "rss"


def test_legacy_encodings(server):
    latin, _ = fetch(server.add("/latin1", fixture("latin1.xml"), headers={"Content-Type": "text/xml"}))
    assert latin[0].title == "Grüße aus München" and "Café à la carte" in latin[0].html
    cp, _ = fetch(server.add("/cp1252", fixture("windows1252.xml"), headers=XML))
    assert cp[0].title == "“Quoted” – and €uro" and "It’s" in cp[0].html


def test_malformed_feed_gives_what_parsed_and_a_warning(server):
    items, state = fetch(server.add("/broken", fixture("malformed.xml"), headers=XML))
    assert [i.external_id.rsplit("/", 1)[-1] for i in items] == ["broken-1", "broken-2"]
    assert "the feed has errors" in state["warnings"][0]


def test_not_a_feed_is_a_clear_error(server):
    with pytest.raises(RemoteError, match="not a feed"):
        fetch(server.add("/page", fixture("notafeed.html"), headers={"Content-Type": "text/html"}))


def test_conditional_get_304_keeps_state(server):
    url = server.add("/cond", fixture("rss1.rdf"), headers={**XML, "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"},
                     etag='"v1"')
    items, state = fetch(url)
    assert len(items) == 1 and state["etag"] == '"v1"'
    assert state["last_modified"] == "Tue, 01 Dec 2026 10:00:00 GMT"
    again, state2 = fetch(url, state)
    assert again == [] and state2 == state and server.not_modified == 1


def test_size_limit_streams_and_stops(server):
    big = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>' + b"<!-- pad -->" * 20000
    with pytest.raises(RemoteError, match="at most 10000"):
        fetch(server.add("/big", big, headers=XML), max_bytes=10_000)
    with pytest.raises(RemoteError, match="larger than 10000 bytes"):
        fetch(server.add("/big-chunked", big, headers=XML, chunked=True), max_bytes=10_000)


def test_timeout(server):
    with pytest.raises(Unreachable, match="did not answer within 0.5 s"):
        fetch(server.add("/slow", fixture("rss1.rdf"), delay=2.0), fetch_timeout=0.5)


@pytest.mark.parametrize("status, error", [(401, AuthError), (404, NotFound), (410, NotFound),
                                           (500, TemporaryRemoteError), (418, RemoteError)])
def test_http_errors_map_to_the_family(server, status, error):
    with pytest.raises(error, match=f"HTTP {status}"):
        fetch(server.add(f"/s{status}", status=status))


def test_rate_limited_carries_retry_after(server):
    with pytest.raises(RateLimited) as info:
        fetch(server.add("/429", status=429, headers={"Retry-After": "120"}))
    assert info.value.retry_after == 120 and info.value.retriable


def test_connection_refused_is_unreachable():
    with LocalServer() as s:
        port = s.port
    with pytest.raises(Unreachable):
        fetch(f"http://127.0.0.1:{port}/gone", fetch_timeout=2)


# -- intake's poll: several sources, some failing ---------------------------------------------
@pytest.fixture
def poll_bridge(server, tmp_path, make_bridge):
    server.add("/img/blade40-large.jpg", png_bytes(8, 6))
    server.add("/img/blade40.jpg", png_bytes(2, 2))
    sources = [
        {"id": "blog", "kind": "feed", "url": server.add("/blog/rss", fixture("rss2.xml"), headers=XML, etag='"b1"'),
         "interval": 600},
        {"id": "broken", "kind": "feed", "url": server.add("/broken", fixture("malformed.xml"), headers=XML)},
        {"id": "page", "kind": "feed", "url": server.add("/page", fixture("notafeed.html"),
                                                        headers={"Content-Type": "text/html"})},
        {"id": "down", "kind": "feed", "url": server.add("/down", status=503)},
        {"id": "slow", "kind": "feed", "url": server.add("/slow", fixture("rss1.rdf"), delay=3.0)},
        {"id": "latin", "kind": "feed", "url": server.add("/latin", fixture("latin1.xml"), headers=XML)},
        {"id": "hook", "kind": "webhook", "secret_env": "S"},
    ]
    config = make_config(tmp_path, {"sources": sources, "media": {"allow_private": ["127.0.0.1"], "timeout": 1.0}},
                         {"S": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
    return make_bridge(config=config)


def test_poll_survives_failing_sources_and_records_errors(poll_bridge, clock, server):
    intake = poll_bridge.intake
    results = {r.source_id: r for r in intake.poll()}
    assert set(results) == {"blog", "broken", "page", "down", "slow", "latin"}  # webhook sources are not polled
    assert results["blog"].ok and results["blog"].new_items == 3
    assert results["broken"].ok and results["broken"].new_items == 2 and "the feed has errors" in results[
        "broken"].warning
    assert not results["page"].ok and "not a feed" in results["page"].error
    assert not results["down"].ok and "HTTP 503" in results["down"].error
    assert not results["slow"].ok and "did not answer" in results["slow"].error
    assert results["latin"].ok
    store = poll_bridge.store
    assert store.get_source("down")["status"] == "error" and "503" in store.get_source("down")["last_error"]
    assert store.get_source("broken")["last_warning"].startswith("the feed has errors")
    assert store.get_source("blog")["state"]["etag"] == '"b1"'

    items = {i["external_id"]: i for i in store.list_items(source_id="blog")}
    blade = items["blade-40"]
    assert blade["title"] == "Blade number 40 – done"
    assert blade["canonical_url"] == server.base + "/posts/blade-40"
    assert blade["network"] == "rss" and blade["published_at"].startswith("2026-11-03T09:30:00")
    media = store.item_media(blade["id"])
    assert [m["state"] for m in media] == ["stored"] and media[0]["width"] == 8
    untitled = items["https://blog.example.org/posts/untitled"]
    assert untitled["title"].startswith("An entry with neither a title") and untitled["published_at"] is None
    xss = items["https://blog.example.org/posts/xss"]
    for bad in ("<script", "<iframe", "onerror", "onclick", "javascript:", "data:", "<style"):
        assert bad not in xss["html"].lower() and bad not in xss["title"].lower()
    assert xss["title"] == "Totally harmless"
    assert 'rel="nofollow noopener"' in xss["html"]
    latin = store.list_items(source_id="latin")[0]
    assert latin["title"] == "Grüße aus München"

    # not due yet → not polled; due → conditional GET answers 304, nothing new
    assert all(not r.polled for r in intake.poll())
    clock.advance(901)
    again = {r.source_id: r for r in intake.poll()}
    assert again["blog"].ok and again["blog"].fetched == 0 and again["blog"].new_items == 0
    assert server.not_modified == 1
    assert again["broken"].repeats == 2 and again["broken"].new_items == 0
    assert store.count_items("blog") == 3
    assert store.get_source("down")["status"] == "error"


def test_poll_one_source_and_recovery(poll_bridge, server):
    intake = poll_bridge.intake
    [r] = intake.poll(source_id="down", force=True)
    assert not r.ok
    server.add("/down", fixture("rss1.rdf"), headers=XML)
    [r] = intake.poll(source_id="down", force=True)
    assert r.ok and r.new_items == 1
    row = poll_bridge.store.get_source("down")
    assert row["status"] == "ok" and row["last_error"] is None
