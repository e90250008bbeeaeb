"""The hostile-input corpus through both doors — feeds served by a real local HTTP
server and correctly signed webhooks — each refused (with the reason recorded where
an admin sees it: the source's last_error, the media row's error, the problem detail
and a log line) or stored inert (no script survives sanitising; media served only
with its sniffed image type and nosniff)."""
from __future__ import annotations

import gzip
import json
import logging
import zlib

import pytest

from bridge.core import Bridge
from tests.conftest import make_config
from tests.hostile import (
    billion_laughs,
    deep_xml,
    deflate_bomb,
    gzip_bomb,
    huge,
    inline_svg_html,
    invalid_utf8,
    item,
    polyglot_jpeg,
    rss,
    svg_with_script,
    xxe,
)
from tests.localhttp import LocalServer
from tests.webhook_helpers import SECRET, signed

log = logging.getLogger("tests.hostile")
XML = {"Content-Type": "application/xml"}
MAX_FEED = 1_000_000
MAX_HOOK = 300_000
EXECUTABLE = ("<script", "onload", "onerror", "javascript:", "<iframe")


@pytest.fixture(scope="module")
def server():
    with LocalServer() as s:
        s.add("/evil.svg", svg_with_script(), headers={"Content-Type": "image/svg+xml"})
        s.add("/poly.jpg", polyglot_jpeg(), headers={"Content-Type": "text/html"})  # the sender lies too
        yield s


def feed_routes(server) -> dict[str, str]:
    media = (b'<enclosure url="' + server.base.encode() + b'/evil.svg" type="image/svg+xml" length="1"/>'
             b'<enclosure url="' + server.base.encode() + b'/poly.jpg" type="image/jpeg" length="1"/>')
    cases = {
        "xxe": (xxe(), XML),
        "laughs": (billion_laughs(), XML),
        "deep": (deep_xml(), XML),
        "utf8": (invalid_utf8(), XML),
        "huge": (huge(2 * MAX_FEED), XML),
        "gzip": (gzip_bomb(), {**XML, "Content-Encoding": "gzip"}),
        "deflate": (deflate_bomb(), {**XML, "Content-Encoding": "deflate"}),
        "script": (rss(item("script", description=inline_svg_html(), extra=media)), XML),
    }
    return {name: server.add(f"/feed-{name}.xml", body, headers=headers) for name, (body, headers) in cases.items()}


@pytest.fixture
def config(tmp_path, server):
    sources = [{"id": f"f-{name}", "kind": "feed", "url": url} for name, url in feed_routes(server).items()]
    sources.append({"id": "hook", "kind": "webhook", "secret_env": "HOOK_SECRET"})
    raw = {"sources": sources, "server": {"max_body_bytes": MAX_HOOK},
           "media": {"allow_private": ["127.0.0.1"], "timeout": 3.0, "max_bytes": MAX_FEED}}
    return make_config(tmp_path, raw, {"HOOK_SECRET": SECRET})


def inert(row: dict) -> bool:
    stored = " ".join(str(row.get(k) or "") for k in ("title", "text", "html")).lower()
    return not any(bad in stored for bad in EXECUTABLE)


def test_hostile_feeds_are_refused_with_the_reason_or_stored_inert(bridge: Bridge, client, auth):
    intake = bridge.intake
    results = {r.source_id.removeprefix("f-"): r for r in intake.poll(force=True)}
    for name, result in results.items():
        log.info("hostile feed %s: %s", name, result.error or result.warning or f"{result.new_items} item(s) stored")
    refused = {
        "xxe": "declares XML entities", "laughs": "declares XML entities", "deep": "at most 20000 are parsed",
        "huge": f"at most {MAX_FEED} are downloaded", "gzip": "decoded from gzip", "deflate": "decoded from deflate",
    }
    for name, reason in refused.items():
        assert not results[name].ok and reason in results[name].error, (name, results[name])
        assert reason in bridge.store.get_source(f"f-{name}")["last_error"]  # where an admin sees it
        assert bridge.store.list_items(source_id=f"f-{name}") == []

    # invalid UTF-8: read as windows-1252 (feedparser's fallback), the problem kept as a warning; valid text
    assert results["utf8"].ok and "parsed as windows-1252" in results["utf8"].warning
    (bad,) = bridge.store.list_items(source_id="f-utf8")
    assert bad["title"].encode("utf-8") and inert(bad)

    # script in every form: stored without any of it; the SVG refused as media, the polyglot kept as a JPEG only
    (entry,) = bridge.store.list_items(source_id="f-script")
    assert inert(entry) and "hi" in entry["html"]
    svg, poly = bridge.store.item_media(entry["id"])
    assert svg["state"] == "failed" and "not a readable image" in svg["error"]
    log.info("hostile media %s: %s", svg["url"], svg["error"])
    assert poly["state"] == "stored" and poly["content_type"] == "image/jpeg"
    auth.login()
    served = client.get(f"/media/{poly['sha256']}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def send(client, raw: bytes, **headers):
    try:
        _data, signed_headers = signed(None, raw=raw)
    except UnicodeDecodeError:  # Standard Webhooks signs text: a binary body gets the headers of another one
        _data, signed_headers = signed(None, raw=b"{}")
    return client.post("/webhooks/social/hook", data=raw, headers={**signed_headers, **headers})


def payload(**overrides) -> dict:
    body = {"external_id": "h-1", "url": "https://social.example/@mal/1", "title": "t", "text": "x",
            "author": {"name": "Mal", "url": "https://social.example/@mal"}}
    return {**body, **overrides}


@pytest.mark.parametrize("name, raw, headers, status, reason", [
    ("huge", json.dumps(payload(text="A" * (MAX_HOOK + 10))).encode(), {}, 413, "server.max_body_bytes"),
    ("deep", b"[" * 100_000 + b"]" * 100_000, {}, 400, "100000 levels deep"),
    ("deep-object", b'{"a":' * 5_000 + b"1" + b"}" * 5_000, {}, 400, "levels deep"),
    # not UTF-8: Standard Webhooks signatures are over text, so these stop at the signature check
    ("invalid-utf8", b'{"external_id": "\xff\xfe", "text": "caf\xc3"}', {}, 401, "not UTF-8"),
    ("lone-surrogate", json.dumps(payload(title="\ud800")).encode(), {}, 422, "body.title contains a lone"),
    # compressed bodies are never inflated (the bridge does not decode Content-Encoding on webhooks)
    ("gzip-bomb", gzip.compress(b"[" + b"0," * 5_000_000 + b"0]"), {"Content-Encoding": "gzip"}, 401,
     "not UTF-8"),
    ("deflate-bomb", zlib.compress(b" " * 10_000_000), {"Content-Encoding": "deflate"}, 401, "not UTF-8"),
])
def test_hostile_webhook_bodies_are_refused_with_a_problem_detail(client, caplog, name, raw, headers, status,
                                                                  reason):
    caplog.set_level(logging.WARNING)
    response = send(client, raw, **headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    detail = response.get_json()["detail"]
    assert reason in detail
    log.info("hostile webhook %s: %s %s", name, status, detail[:200])
    if status in (400, 422) and name.startswith(("deep", "lone")):
        assert any("refused" in r.getMessage() and "hook" in r.getMessage() for r in caplog.records)


def test_hostile_webhook_content_is_stored_inert(bridge, client, server, auth):
    """XML attacks are only text in JSON (never parsed as XML); script in html is removed;
    an SVG is refused as media, a polyglot JPEG kept and served only as a JPEG."""
    body = payload(text=xxe().decode() + billion_laughs().decode(), html=inline_svg_html().decode(),
                   media=[{"url": server.base + "/evil.svg"}, {"url": server.base + "/poly.jpg"}])
    response = send(bridge_client := client, json.dumps(body).encode())
    assert response.status_code == 202, response.get_data(as_text=True)
    item_id = response.get_json()["item_id"]
    bridge.intake.poll()  # runs the deferred media downloads
    stored = bridge.store.get_item(item_id)
    # the markup is stripped from the plain text; the entities stay words, never expanded or resolved
    assert inert(stored) and "&xxe;" in stored["text"] and "&lol9;" in stored["text"]
    assert "root:" not in json.dumps(stored) and "lollol" not in json.dumps(stored)
    svg, poly = bridge.store.item_media(item_id)
    assert svg["state"] == "failed" and "not a readable image" in svg["error"]
    assert poly["state"] == "stored" and poly["content_type"] == "image/jpeg"
    auth.login()
    served = bridge_client.get(f"/media/{poly['sha256']}")
    assert served.mimetype == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
