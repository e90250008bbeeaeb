"""bridge.media: the SSRF guard (refused before any connection, with the reason),
downloads through a real local server, sniffing, limits, the content-addressed store."""
from __future__ import annotations

import os
import socket

import pytest

from bridge import media as media_mod
from bridge.media import FetchFailed, MediaFetcher, NotAnImage, Refused, resolve_checked
from tests.localhttp import LocalServer, png_bytes
from tests.webhook_helpers import body_of, post


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def fetcher(store, tmp_path, allow=("127.0.0.1",), max_bytes=100_000, timeout=3.0):
    return MediaFetcher(store, media_dir=str(tmp_path / "media"), max_bytes=max_bytes, timeout=timeout,
                        allow_private=list(allow))


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1/x.png", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://10.0.0.1/x.png", "private"),
    ("http://192.168.1.1/x.png", "private"),
    ("http://[::1]/x.png", "loopback"),
    ("http://[::ffff:127.0.0.1]/x.png", "loopback"),
    ("http://0.0.0.0/x.png", "unspecified"),
    ("http://224.0.0.1/x.png", "multicast"),
    ("http://100.64.0.1/x.png", "shared"),
    ("file:///etc/passwd", "only http and https"),
    ("ftp://ftp.example.org/x.png", "only http and https"),
    ("gopher://127.0.0.1:70/", "only http and https"),
    ("http://user:pw@127.0.0.1/x.png", "credentials"),
])
def test_guard_refuses_before_connecting(url, reason, monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("the guard must refuse before any connection")

    monkeypatch.setattr(socket, "create_connection", no_connection)
    with pytest.raises(Refused, match=reason):
        resolve_checked(url, allow_private=[])
    with pytest.raises(Refused, match=reason):
        media_mod.download(url, max_bytes=1000, timeout=1, allow_private=[])


def test_every_resolved_address_must_pass(monkeypatch):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):  # a name that resolves to a public and a private address
        if host == "mixed.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 80))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(Refused, match="10.1.2.3, a private address"):
        resolve_checked("http://mixed.test/a.png")


def test_allowlist_lets_a_network_through():
    assert resolve_checked("http://127.0.0.1:8080/a.png", ["127.0.0.0/8"]) == ("127.0.0.1", 8080, "127.0.0.1")
    with pytest.raises(Refused):
        resolve_checked("http://10.0.0.1/a.png", ["127.0.0.0/8"])


def test_connects_to_the_checked_address_not_a_second_lookup(server, bridge, tmp_path, monkeypatch):
    """DNS rebinding: the name answers 127.0.0.1 (allowed) when checked and 10.0.0.1
    afterwards; the download must use the address it checked."""
    server.add("/pic.png", png_bytes())
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["10.0.0.1"] * 10)

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    image = fetcher(bridge.store, tmp_path).fetch(f"http://rebind.test:{server.port}/pic.png")
    assert image.content_type == "image/png"


def test_redirects_are_checked_on_every_hop(server, bridge, tmp_path):
    server.add("/to-loopback", status=302, headers={"Location": "http://127.0.0.2/secret.png"})
    server.add("/to-metadata", status=301, headers={"Location": "http://169.254.169.254/latest/meta-data/"})
    server.add("/to-file", status=302, headers={"Location": "file:///etc/passwd"})
    f = fetcher(bridge.store, tmp_path)
    with pytest.raises(Refused, match="127.0.0.2, a loopback address"):
        f.fetch(server.base + "/to-loopback")
    with pytest.raises(Refused, match="link-local"):
        f.fetch(server.base + "/to-metadata")
    with pytest.raises(Refused, match="only http and https"):
        f.fetch(server.base + "/to-file")


def test_redirects_are_bounded(server, bridge, tmp_path):
    for i in range(10):
        server.add(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    with pytest.raises(FetchFailed, match="redirects"):
        fetcher(bridge.store, tmp_path).fetch(server.base + "/r0")


def test_download_sniffs_stores_by_hash_once(server, bridge, tmp_path):
    data = png_bytes(7, 5)
    url = server.add("/photo.jpg", data, headers={"Content-Type": "text/plain"})  # the header lies
    server.add("/same-bytes.png", data)
    f = fetcher(bridge.store, tmp_path)
    image = f.fetch(url)
    assert (image.content_type, image.width, image.height, image.size) == ("image/png", 7, 5, len(data))
    assert image.path == os.path.join(str(tmp_path / "media"), image.sha256[:2], image.sha256[2:4],
                                      image.sha256 + ".png")
    with open(image.path, "rb") as fh:
        assert fh.read() == data
    assert f.fetch(server.base + "/same-bytes.png").path == image.path  # identical files stored once


def test_not_an_image_too_large_and_timeout(server, bridge, tmp_path):
    server.add("/fake.jpg", "<html>not an image</html>", headers={"Content-Type": "image/jpeg"})
    server.add("/big.png", b"\x89PNG" + b"0" * 300_000)
    server.add("/big-chunked.png", b"\x89PNG" + b"0" * 300_000, chunked=True)
    server.add("/slow.png", png_bytes(), delay=2.0)
    server.add("/gone.png", status=404)
    f = fetcher(bridge.store, tmp_path, timeout=0.5)
    with pytest.raises(NotAnImage, match="not a readable image"):
        f.fetch(server.base + "/fake.jpg")
    with pytest.raises(NotAnImage, match="max_bytes"):
        f.fetch(server.base + "/big.png")
    with pytest.raises(NotAnImage, match="larger than 100000 bytes"):
        f.fetch(server.base + "/big-chunked.png")
    with pytest.raises(FetchFailed, match="timed out"):
        f.fetch(server.base + "/slow.png")
    with pytest.raises(FetchFailed, match="HTTP 404"):
        f.fetch(server.base + "/gone.png")


def test_webhook_media_job_stores_or_fails_with_reason(server, hook_bridge, hook_client):
    good = server.add("/ok.png", png_bytes(3, 3))
    payload = body_of(media=[{"url": good, "alt": "ok"},
                             {"url": "http://169.254.169.254/latest/meta-data/iam", "alt": "metadata"},
                             {"url": server.base + "/missing.png"}])
    response = post(hook_client, payload)
    assert response.status_code == 202
    item_id = response.get_json()["item_id"]
    assert [m["state"] for m in hook_bridge.store.item_media(item_id)] == ["pending"] * 3
    hook_bridge.intake.poll()  # runs due fetch_media jobs
    rows = hook_bridge.store.item_media(item_id)
    assert [m["state"] for m in rows] == ["stored", "failed", "failed"]
    assert rows[0]["content_type"] == "image/png" and os.path.exists(rows[0]["path"])
    assert "link-local" in rows[1]["error"] and "HTTP 404" in rows[2]["error"]
    # what is published carries the stored image only: the failed ones are left out, never hotlinked
    item = hook_bridge.curation.social_item(hook_bridge.store.item_for_curation(item_id))
    assert [(m.url, m.local_path) for m in item.media] == [(good, rows[0]["path"])]
    # downloaded once: a second item with the same image URL reuses the file
    post(hook_client, body_of(external_id="again", url="https://social.example/@ann/2", text="Another post here",
                              media=[{"url": good}]))
    hook_bridge.intake.poll()
    assert server.hits["/ok.png"] == 1
