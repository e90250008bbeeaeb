"""The one guarded fetcher for every URL that comes from outside (feeds, media, …).

A URL from a feed, a social post or a webhook is chosen by someone else, so the
bridge must not be talked into fetching from its own network, nor be held up by a
slow server, nor be flooded by a big or "compressed" body. ``fetch()`` therefore:

* accepts only http(s) URLs without credentials;
* resolves the host once and checks *every* address it resolves to: loopback,
  private (RFC 1918, ULA), link-local (169.254/16 — cloud metadata — and fe80::/10),
  IPv6 site-local (fec0::/10, deprecated by RFC 3879 but still routed by some
  stacks), multicast, reserved, unspecified, shared (100.64/10) and the
  IPv4-mapped/6to4 forms of those are refused unless ``allow_private`` lists them;
* connects to exactly the address it checked (the socket goes to the IP; the Host
  header and TLS SNI/certificate check keep the name), so DNS rebinding between
  check and connect cannot move it; no proxies from the environment;
* follows redirects itself (at most ``MAX_REDIRECTS``), checking each hop the same way;
* enforces a **total** deadline: a watchdog shuts the socket at the deadline, so a
  server dripping one byte at a time (headers or body) cannot hold the caller
  longer than ``timeout`` seconds;
* caps the body at ``max_bytes`` — Content-Length first, then while reading, and
  for gzip/deflate Content-Encoding on the *decoded* size (a decompression bomb
  stops at the limit).

Non-2xx answers are returned (feeds need 304/401/429/…); callers decide.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from .words import N_, Words

MAX_REDIRECTS = 5
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")
_REDIRECTS = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """A fetch that did not produce a body; ``str()`` is the reason shown to people,
    ``message`` the same as :class:`~adapters.words.Words` (sayable in the reader's
    language, also when embedded in another failure). ``retriable`` says whether
    trying later may help."""

    retriable = False

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Refused(FetchError):
    """Refused before any connection: the URL or its address is not allowed."""


class FetchFailed(FetchError):
    """The remote end failed (connection, timeout, broken answer)."""

    retriable = True


class TimedOut(FetchFailed):
    """The total deadline passed."""


class TooLarge(FetchError):
    """The body (decoded) is larger than the limit."""


@dataclass
class Response:
    status: int
    reason: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    url: str  # the final URL after redirects


def parse_allow(allow_private) -> list:
    """``[media] allow_private`` values as networks."""
    return [value if isinstance(value, ipaddress._BaseNetwork) else ipaddress.ip_network(str(value), strict=False)
            for value in allow_private or ()]


#: how a refusal names each of :func:`address_problem`'s labels ("a <label> address"),
#: whole, so that a translation can inflect it
_ADDRESS_KINDS = {
    "site-local": N_("a site-local address"),
    "unspecified": N_("a unspecified address"),
    "loopback": N_("a loopback address"),
    "link-local": N_("a link-local address"),
    "multicast": N_("a multicast address"),
    "private": N_("a private address"),
    "reserved": N_("a reserved address"),
    "shared (carrier-grade NAT)": N_("a shared (carrier-grade NAT) address"),
    "not globally routable": N_("a not globally routable address"),
}


def address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address must not be contacted, or None for a public unicast address."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return address_problem(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            inner = address_problem(ip.sixtofour)
            if inner:
                return inner
        if ip in _SITE_LOCAL or ip.is_site_local:
            return "site-local"
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

    Every resolved address must pass, not just the first: a name resolving to a
    public and a private address must not win by luck of ordering.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if scheme:
            raise Refused(Words(N_("refused %(url)r: only http and https URLs are fetched, not %(scheme)s:"),
                                url=url, scheme=scheme))
        raise Refused(Words(N_("refused %(url)r: only http and https URLs are fetched, not a relative URL"),
                            url=url))
    host = parts.hostname
    if not host:
        raise Refused(Words(N_("refused %(url)r: the URL has no host"), url=url))
    try:
        port = parts.port or port_default or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused(Words(N_("refused %(url)r: the port is not a number"), url=url)) from None
    if parts.username or parts.password:
        raise Refused(Words(N_("refused %(url)r: URLs with credentials are not fetched"), url=url))
    nets = parse_allow(allow_private)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed(Words(N_("cannot resolve %(host)r: %(reason)s"), host=host, reason=str(exc))) from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise FetchFailed(Words(N_("cannot resolve %(host)r: no addresses"), host=host))
    for ip in addresses:
        if any(ip.version == net.version and ip in net for net in nets):
            continue
        problem = address_problem(ip)
        if problem:
            raise Refused(Words(N_("refused %(url)r: %(host)s resolves to %(address)s, %(kind_of_address)s (not "
                                   "fetched, to protect the bridge's own network; an admin can allow it with "
                                   "[media] allow_private)"),
                                url=url, host=host, address=str(ip), kind_of_address=Words(_ADDRESS_KINDS[problem])))
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
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def pinned_connection(url: str, *, timeout: float, allow_private=()) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the one checked address of ``url``, and the request target, for
    outbound requests other than GETs (notification webhooks POST) that must pass the
    same guard. Redirects are not followed: the caller treats a 3xx as an answer."""
    host, port, ip = resolve_checked(url, allow_private)
    parts = urlsplit(url)
    cls = _PinnedHTTPSConnection if parts.scheme.lower() == "https" else _PinnedHTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return cls(host, port, ip, timeout=timeout), target


class _Watchdog:
    """Shuts the connection's socket at the deadline, whatever read is blocking."""

    def __init__(self, conn, seconds: float):
        self.fired = False
        self._conn = conn
        self._timer = threading.Timer(max(0.0, seconds), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self):
        self.fired = True
        sock = self._conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self):
        self._timer.cancel()


def _decoder(encoding: str):
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise FetchFailed(Words(N_("the answer uses Content-Encoding %(encoding)r, which is not read (only gzip, deflate)"),
                            encoding=encoding))


def _read_body(response, url: str, *, max_bytes: int, deadline: float, timeout: float, limit_name: str) -> bytes:
    length = response.getheader("Content-Length")
    encoding = response.getheader("Content-Encoding") or ""
    if length and length.isdigit() and int(length) > max_bytes:
        raise TooLarge(Words(N_("%(url)r is %(length)s bytes; at most %(max_bytes)s are downloaded (%(setting)s)"),
                             url=url, length=int(length), max_bytes=max_bytes, setting=limit_name))
    decoder = _decoder(encoding)
    chunks, total = [], 0
    while True:
        if time.monotonic() > deadline:
            raise _timed_out(timeout, url, bytes_read=total)
        raw = response.read1(64 * 1024)
        if not raw:
            break
        if decoder is not None:
            try:
                data = decoder.decompress(raw, max_bytes + 1 - total)
            except zlib.error as exc:
                raise FetchFailed(Words(N_("%(url)r: the %(encoding)s body is broken (%(reason)s)"),
                                        url=url, encoding=encoding, reason=str(exc))) from None
        else:
            data = raw
        total += len(data)
        if total > max_bytes or (decoder is not None and decoder.unconsumed_tail):
            if decoder is not None:
                raise TooLarge(Words(N_("%(url)r is larger than %(max_bytes)s bytes (decoded from %(encoding)s, "
                                        "stopped at the limit; %(setting)s)"),
                                     url=url, max_bytes=max_bytes, encoding=encoding, setting=limit_name))
            raise TooLarge(Words(N_("%(url)r is larger than %(max_bytes)s bytes (stopped at the limit; %(setting)s)"),
                                 url=url, max_bytes=max_bytes, setting=limit_name))
        chunks.append(data)
    if response.length:  # Content-Length promised more than came (read1 returns b"" at EOF)
        raise FetchFailed(Words(N_("%(url)r broke off after %(bytes_read)s bytes (%(bytes_missing)s missing)"),
                                url=url, bytes_read=total, bytes_missing=response.length))
    return b"".join(chunks)


def fetch(url: str, *, max_bytes: int, timeout: float, allow_private=(), headers: dict | None = None,
          limit_name: str = "max_bytes") -> Response:
    """GET ``url`` through the guard (see the module docstring); the final answer."""
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        host, port, ip = resolve_checked(current, allow_private)
        parts = urlsplit(current)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _timed_out(timeout, url)
        cls = _PinnedHTTPSConnection if parts.scheme.lower() == "https" else _PinnedHTTPConnection
        conn = cls(host, port, ip, timeout=remaining)
        watchdog = _Watchdog(conn, remaining)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        sent = {"Host": parts.netloc.rsplit("@", 1)[-1], "Accept-Encoding": "gzip, deflate", **(headers or {})}
        try:
            conn.request("GET", path, headers=sent)
            response = conn.getresponse()
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchFailed(Words(N_("%(url)r answered %(status)s without a Location"),
                                            url=current, status=response.status))
                current = urljoin(current, location)
                continue
            body = _read_body(response, url, max_bytes=max_bytes, deadline=deadline, timeout=timeout,
                              limit_name=limit_name)
            if watchdog.fired:  # the socket was shut under a read: whatever came is not the whole answer
                raise _timed_out(timeout, url, bytes_read=len(body))
            return Response(status=response.status, reason=response.reason,
                            headers={k.lower(): v for k, v in response.getheaders()}, body=body, url=current)
        except FetchError:
            if watchdog.fired:
                raise _timed_out(timeout, url) from None
            raise
        except TimeoutError:
            raise _timed_out(timeout, url) from None
        except (OSError, http.client.HTTPException) as exc:
            if watchdog.fired:
                raise _timed_out(timeout, url) from None
            raise FetchFailed(Words(N_("could not fetch %(url)r: %(reason)s"), url=current, reason=str(exc))) from None
        finally:
            watchdog.cancel()
            conn.close()
    raise FetchFailed(Words(N_("%(url)r: more than %(max_redirects)s redirects"), url=url, max_redirects=MAX_REDIRECTS))


def _timed_out(timeout: float, url: str, *, bytes_read: int | None = None) -> TimedOut:
    """The total deadline passed; ``bytes_read`` when part of the body had come."""
    seconds = f"{timeout:g}"
    if bytes_read is None:
        return TimedOut(Words(N_("timed out after %(seconds)s s fetching %(url)r"), seconds=seconds, url=url))
    return TimedOut(Words(N_("timed out after %(seconds)s s fetching %(url)r (read %(bytes_read)s bytes)"),
                          seconds=seconds, url=url, bytes_read=bytes_read))
