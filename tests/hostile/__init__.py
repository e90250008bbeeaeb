"""The hostile-input corpus (issue 9, Deliver e), built in code rather than committed
as binaries: each case is bytes plus the headers a hostile server or sender would use.

``feed_cases()`` are served by a local HTTP server as feeds; ``webhook_bodies()`` are
sent, correctly signed, to the webhook endpoint; ``svg_with_script()`` and
``polyglot_jpeg()`` are served as media that feed entries and webhook payloads link to.
"""
from __future__ import annotations

import gzip
import io
import zlib

from PIL import Image

SCRIPT = b"<script>alert(document.domain)</script>"


def rss(item_xml: bytes, prolog: bytes = b"") -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?>' + prolog + b'<rss version="2.0"><channel><title>hostile</title>'
            b"<link>https://hostile.example/</link>" + item_xml + b"</channel></rss>")


def item(guid: str, title: bytes = b"an entry", description: bytes = b"", extra: bytes = b"") -> bytes:
    return (b"<item><guid>" + guid.encode() + b"</guid><link>https://hostile.example/" + guid.encode() +
            b"</link><title>" + title + b"</title><description>" + description + b"</description>" + extra +
            b"</item>")


def xxe() -> bytes:
    """An external entity pointing at a local file; a parser resolving it would leak /etc/passwd."""
    prolog = b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return rss(item("xxe", title=b"leak &xxe; here"), prolog)


def billion_laughs() -> bytes:
    """Nine levels of ten-fold entity expansion: 10^9 "lol"s from under 1 KB."""
    entities = b'<!ENTITY lol0 "lol">' + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10))
    return rss(item("laughs", title=b"&lol9;"), b"<!DOCTYPE rss [" + entities + b"]>")


def deep_xml(levels: int = 100_000) -> bytes:
    return rss(item("deep", description=b"<b>" * levels + b"x" + b"</b>" * levels))


def invalid_utf8() -> bytes:
    return rss(item("badutf8", title=b"caf\xc3 \xff\xfe broken \xed\xa0\x80 surrogate"))


def huge(size: int) -> bytes:
    return rss(item("huge", description=b"A" * size))


def gzip_bomb(decoded: int = 50_000_000) -> bytes:
    return gzip.compress(rss(item("bomb", description=b"\0" * decoded)), compresslevel=9)


def deflate_bomb(decoded: int = 50_000_000) -> bytes:
    return zlib.compress(rss(item("bomb", description=b"\0" * decoded)), 9)


def svg_with_script() -> bytes:
    return (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)" width="10" height="10">' + SCRIPT +
            b'<rect width="10" height="10"/></svg>')


def polyglot_jpeg() -> bytes:
    """A real, decodable JPEG whose comment segment and trailing bytes are an HTML page with
    script: a browser sniffing it as HTML would run it."""
    buf = io.BytesIO()
    Image.new("RGB", (6, 4), (10, 120, 200)).save(buf, "JPEG", comment=b"<html><body>" + SCRIPT + b"</body></html>")
    return buf.getvalue() + b"<html><body>" + SCRIPT + b"</body></html>"


def inline_svg_html() -> bytes:
    """Entry HTML carrying script in every place sanitisers forget."""
    return (b"<![CDATA[<p>hi</p><svg onload=alert(1)>" + SCRIPT + b'</svg><img src="x" onerror="alert(1)">'
            b'<a href="javascript:alert(1)">x</a><iframe src="https://evil.example"></iframe>]]>')
