"""Images from outside, downloaded once into a content-addressed store, safely.

**SSRF guard.** A media URL comes from a social post, i.e. from anyone, so the
bridge must not be talked into fetching from its own network. Every request —
the first and each redirect hop, which we follow ourselves (at most
``MAX_REDIRECTS``) — is checked before any connection is made:

* the scheme must be http or https (``file:``, ``ftp:``, ``gopher:``, … refused);
* the host is resolved once, and *every* address it resolves to must be a public
  unicast address: loopback, private (RFC 1918, ULA), link-local (169.254/16 —
  cloud metadata — and fe80::/10), multicast, reserved, unspecified, shared
  (100.64/10) and IPv4-mapped/6to4 forms of those are refused;
* the connection then goes to exactly the address that was checked (the socket is
  opened to the IP; TLS still verifies the certificate against the host name), so
  a DNS answer that changes between check and connect (DNS rebinding) cannot
  redirect it; proxies from the environment are not used.

``[media] allow_private`` lists addresses/networks that are let through anyway
(e.g. ``["127.0.0.1"]`` for a local test site).

**Limits.** ``[media] timeout`` bounds the whole download (connect + every read,
and a total deadline), ``[media] max_bytes`` its size (Content-Length checked
first, then the stream is cut at the limit).

**Content.** The type is sniffed from the bytes with Pillow (the sender's
Content-Type is not trusted), the image is verified and its dimensions read;
JPEG, PNG, GIF and WebP are kept. Files live under ``server.media_dir`` at
``ab/cd/<sha256>.<ext>``; identical files are stored once, and a URL that was
downloaded before is not downloaded again.
"""
from __future__ import annotations

import hashlib
import http.client
import io
import ipaddress
import os
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from PIL import Image

MAX_REDIRECTS = 5
MAX_PIXELS = 60_000_000
USER_AGENT = "cms-bridge media fetcher (+https://github.com/cms-bridge)"
IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"),
               "WEBP": ("image/webp", "webp")}
_SHARED = ipaddress.ip_network("100.64.0.0/10")


class MediaError(Exception):
    """A download that did not produce a stored image; ``str()`` is the reason shown
    to editors. ``retriable`` says whether trying later may help."""

    retriable = False


class Refused(MediaError):
    """Refused before any connection: the URL or its address is not allowed."""


class FetchFailed(MediaError):
    """The remote end failed (connection, timeout, HTTP error)."""

    retriable = True


class NotAnImage(MediaError):
    """The bytes are not an image we keep, or are too large."""


@dataclass
class StoredImage:
    url: str
    final_url: str
    sha256: str
    path: str
    content_type: str
    width: int
    height: int
    size: int


# -- the guard -----------------------------------------------------------------
def _parse_allow(allow_private) -> list:
    nets = []
    for value in allow_private or ():
        nets.append(value if isinstance(value, ipaddress._BaseNetwork)
                    else ipaddress.ip_network(str(value), strict=False))
    return nets


def address_problem(ip: ipaddress._BaseAddress) -> str | None:
    """Why this address must not be contacted, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_problem(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            inner = address_problem(ip.sixtofour)
            if inner:
                return inner
    for attr, label in (("is_unspecified", "unspecified"), ("is_loopback", "loopback"),
                        ("is_link_local", "link-local"), ("is_multicast", "multicast"),
                        ("is_private", "private"), ("is_reserved", "reserved")):
        if getattr(ip, attr):
            return label
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "shared (carrier-grade NAT)"
    if not ip.is_global:
        return "not globally routable"
    return None


def resolve_checked(url: str, allow_private=(), *, port_default: int | None = None) -> tuple[str, int, str]:
    """Check ``url`` and resolve its host; return (host, port, the one IP to connect to).

    Raises Refused with the reason. Every resolved address must pass, not just
    the first: an attacker's name resolving to a public and a private address must
    not win by luck of ordering.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        what = f"{scheme}:" if scheme else "a relative URL"
        raise Refused(f"refused {url!r}: only http and https URLs are fetched, not {what}")
    host = parts.hostname
    if not host:
        raise Refused(f"refused {url!r}: the URL has no host")
    try:
        port = parts.port or port_default or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused(f"refused {url!r}: the port is not a number") from None
    if parts.username or parts.password:
        raise Refused(f"refused {url!r}: URLs with credentials are not fetched")
    nets = _parse_allow(allow_private)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(f"cannot resolve {host!r}: {exc}") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise FetchFailed(f"cannot resolve {host!r}: no addresses")
    for ip in addresses:
        if any(ip in net for net in nets):
            continue
        problem = address_problem(ip)
        if problem:
            raise Refused(f"refused {url!r}: {host} resolves to {ip}, a {problem} address "
                          "(not fetched, to protect the bridge's own network; an admin can allow it "
                          "with [media] allow_private)")
    return host, port, str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def pinned_connection(url: str, *, timeout: float, allow_private=()) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the one checked address of ``url`` and the request target, for
    other outbound requests (e.g. notification webhooks) that must pass the same guard.
    Redirects are not followed: the caller treats a 3xx as an answer."""
    host, port, ip = resolve_checked(url, allow_private)
    parts = urlsplit(url)
    cls = _PinnedHTTPSConnection if parts.scheme.lower() == "https" else _PinnedHTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return cls(host, port, ip, timeout=timeout), target


def download(url: str, *, max_bytes: int, timeout: float, allow_private=()) -> tuple[bytes, str]:
    """GET ``url`` through the guard, following redirects ourselves; (body, final URL)."""
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        host, port, ip = resolve_checked(current, allow_private)
        parts = urlsplit(current)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchFailed(f"timed out after {timeout:g} s fetching {url!r}")
        cls = _PinnedHTTPSConnection if parts.scheme.lower() == "https" else _PinnedHTTPConnection
        conn = cls(host, port, ip, timeout=remaining)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            conn.request("GET", path, headers={"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": USER_AGENT,
                                               "Accept": "image/*", "Accept-Encoding": "identity"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchFailed(f"{current!r} answered {response.status} without a Location")
                current = urljoin(current, location)
                continue
            if response.status != 200:
                raise FetchFailed(f"{current!r} answered HTTP {response.status} {response.reason}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise NotAnImage(f"{url!r} is {int(length)} bytes; at most {max_bytes} are downloaded "
                                 "([media] max_bytes)")
            chunks, total = [], 0
            while True:
                if time.monotonic() > deadline:
                    raise FetchFailed(f"timed out after {timeout:g} s fetching {url!r}")
                chunk = response.read(64 * 1024)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise NotAnImage(f"{url!r} is larger than {max_bytes} bytes ([media] max_bytes)")
                chunks.append(chunk)
            return b"".join(chunks), current
        except TimeoutError:
            raise FetchFailed(f"timed out after {timeout:g} s fetching {url!r}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchFailed(f"could not fetch {current!r}: {exc}") from None
        finally:
            conn.close()
    raise FetchFailed(f"{url!r}: more than {MAX_REDIRECTS} redirects")


def inspect_image(data: bytes) -> tuple[str, str, int, int]:
    """(content type, extension, width, height) sniffed from the bytes; NotAnImage otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise NotAnImage(f"the image is {width}×{height} pixels; at most {MAX_PIXELS} pixels are kept")
            img.verify()
    except NotAnImage:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for "not an image"/"truncated"
        raise NotAnImage(f"the file is not a readable image ({type(exc).__name__}: {exc})") from None
    if fmt not in IMAGE_TYPES:
        raise NotAnImage(f"the file is a {fmt} image; only JPEG, PNG, GIF and WebP are kept")
    content_type, ext = IMAGE_TYPES[fmt]
    return content_type, ext, width, height


def store_bytes(media_dir: str, data: bytes, ext: str) -> tuple[str, str]:
    """Write ``data`` into the content-addressed store (once); (sha256, absolute path)."""
    digest = hashlib.sha256(data).hexdigest()
    directory = os.path.join(os.path.abspath(media_dir), digest[:2], digest[2:4])
    path = os.path.join(directory, f"{digest}.{ext}")
    if not os.path.exists(path):
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: readers never see half a file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return digest, path


class MediaFetcher:
    """Downloads the pending media rows of items (``bridge.services["media"]``)."""

    def __init__(self, store, *, media_dir: str, max_bytes: int, timeout: float, allow_private=()):
        self.store = store
        self.media_dir = media_dir
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = _parse_allow(allow_private)

    def fetch(self, url: str) -> StoredImage:
        data, final_url = download(url, max_bytes=self.max_bytes, timeout=self.timeout,
                                   allow_private=self.allow_private)
        content_type, ext, width, height = inspect_image(data)
        digest, path = store_bytes(self.media_dir, data, ext)
        return StoredImage(url=url, final_url=final_url, sha256=digest, path=path, content_type=content_type,
                           width=width, height=height, size=len(data))

    def fetch_item(self, item_id: int) -> list[dict]:
        """Download every pending image of an item; each row ends ``stored`` or
        ``failed`` with the reason. Never raises for a bad image: the item stays
        usable with its original link."""
        for row in self.store.pending_media(item_id):
            self.fetch_row(row)
        return self.store.item_media(item_id)

    def fetch_row(self, row: dict) -> None:
        known = self.store.stored_media_for_url(row["url"])
        if known and known["path"] and os.path.exists(known["path"]):
            self.store.record_media(row["id"], state="stored", sha256=known["sha256"], path=known["path"],
                                    content_type=known["content_type"], width=known["width"],
                                    height=known["height"], size=known["bytes"])
            return
        try:
            image = self.fetch(row["url"])
        except MediaError as exc:
            self.store.record_media(row["id"], state="failed", error=str(exc))
            return
        self.store.record_media(row["id"], state="stored", sha256=image.sha256, path=image.path,
                                content_type=image.content_type, width=image.width, height=image.height,
                                size=image.size)
