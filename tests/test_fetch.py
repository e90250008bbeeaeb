"""adapters.fetch, the one guarded fetcher, against real local HTTP servers: the SSRF
guard on every redirect hop (feeds and media alike), IPv6 site-local, the total
deadline against a dripping server, and the decoded-size cap (issue 9, items 2, 3, 7)."""
from __future__ import annotations

import gzip
import ipaddress

import pytest

from adapters import fetch as guarded
from adapters.base import RemoteError, Unreachable
from adapters.feeds import FeedSource
from bridge.media import MediaFetcher, Refused
from tests.localhttp import LocalServer, png_bytes

RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
       b'<item><title>secret</title><link>http://x.example/1</link><guid>1</guid></item></channel></rss>')


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


@pytest.fixture
def internal():
    """A second loopback address: the 'internal' service a redirect must not reach."""
    with LocalServer(host="127.0.0.2") as s:
        yield s


def feed(url, **settings):
    return FeedSource({"id": "src", "url": url, "allow_private": ["127.0.0.1"], **settings}, {}).fetch({})


def test_feed_redirect_to_another_loopback_address_is_refused_and_never_contacted(server, internal):
    secret = internal.add("/internal.xml", RSS, headers={"Content-Type": "application/xml"})
    start = server.add("/feed.xml", status=302, headers={"Location": secret})
    with pytest.raises(RemoteError, match=r"127\.0\.0\.2, a loopback address") as exc:
        feed(start)
    assert "allow_private" in exc.value.hint
    assert internal.hits == {} and server.hits == {"/feed.xml": 1}
    # the same hop through the media fetcher: the same guard
    media = MediaFetcher(None, media_dir="/nonexistent", max_bytes=1000, timeout=2, allow_private=["127.0.0.1"])
    with pytest.raises(Refused, match=r"127\.0\.0\.2"):
        media.fetch(start)
    assert internal.hits == {}


def test_a_redirect_within_the_allowed_address_is_followed(server):
    target = server.add("/real.xml", RSS, headers={"Content-Type": "application/xml"})
    items, _state = feed(server.add("/moved.xml", status=301, headers={"Location": target}))
    assert [i.title for i in items] == ["secret"]


def test_a_dripping_feed_stops_at_the_total_deadline(server):
    """1 byte every 0.05 s of a 2,000-byte body would take 100 s; the fetch gives up at
    its 0.5 s deadline, so the server only ever gets a few bytes out."""
    body = RSS.ljust(2000, b" ")
    url = server.add("/drip.xml", body, headers={"Content-Type": "application/xml"}, drip=0.05)
    with pytest.raises(Unreachable, match="total deadline"):
        feed(url, fetch_timeout=0.5)
    assert 0 < server.sent["/drip.xml"] < 200
    with pytest.raises(guarded.TimedOut, match=r"timed out after 0.3 s"):
        guarded.fetch(url, max_bytes=10_000, timeout=0.3, allow_private=["127.0.0.1"])


def test_a_dripping_image_stops_at_the_total_deadline(server):
    url = server.add("/drip.png", png_bytes().ljust(3000, b"\0"), drip=0.05)
    media = MediaFetcher(None, media_dir="/nonexistent", max_bytes=10_000, timeout=0.4, allow_private=["127.0.0.1"])
    with pytest.raises(guarded.FetchFailed, match="timed out"):
        media.fetch(url)
    assert server.sent["/drip.png"] < 200


@pytest.mark.parametrize("address", ["fec0::1", "fec0:1234::5", "feff:ffff::1"])
def test_ipv6_site_local_is_refused(address):
    assert guarded.address_problem(ipaddress.ip_address(address)) == "site-local"
    with pytest.raises(guarded.Refused, match="site-local"):
        guarded.resolve_checked(f"http://[{address}]/feed.xml")
    with pytest.raises(RemoteError, match="site-local"):
        feed(f"http://[{address}]:8080/feed.xml")


def test_gzip_content_encoding_is_decoded_and_capped_on_the_decoded_size(server):
    small = server.add("/gz.xml", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    assert guarded.fetch(small, max_bytes=10_000, timeout=2, allow_private=["127.0.0.1"]).body == RSS
    bomb = gzip.compress(b"\0" * 20_000_000)  # ~20 KB on the wire, 20 MB decoded
    url = server.add("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(guarded.TooLarge, match="decoded from gzip"):
        guarded.fetch(url, max_bytes=100_000, timeout=5, allow_private=["127.0.0.1"])
