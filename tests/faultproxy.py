"""A real HTTP proxy in front of the harness WordPress that injects the faults of real hosts.

Not a mock: every request is forwarded to the real site (unless a rule answers in
its place) and the site's real answer comes back, changed only as a rule says:

* ``prefix``: bytes put before the body (PHP warnings/notices with
  ``display_errors = On``, a BOM from a plugin file);
* ``status_before``: answer this status *instead of* forwarding (the site failed
  before it acted: a 503 from an overloaded host);
* ``status_after``: forward (the site acts), then answer this status instead of its
  answer (the site failed after it acted);
* ``drop_after``: forward (the site acts), then close the connection without an
  answer (a proxy timeout, a killed worker).

A rule matches on method, a path substring and a body substring (XML-RPC methods
all share ``/xmlrpc.php``: match ``b"wp.newPost"``), and fires ``times`` times.
"""
from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Rule:
    path: str = ""
    method: str | None = None
    body: bytes = b""
    prefix: bytes = b""
    status_before: int | None = None
    status_after: int | None = None
    drop_after: bool = False
    replace_body: bytes | None = None  # the site's answer, headers kept, with this body instead
    times: int = 1
    fired: int = 0

    def matches(self, method: str, path: str, body: bytes) -> bool:
        return (self.fired < self.times and (self.method is None or self.method == method)
                and self.path in path and self.body in body)


@dataclass
class Seen:
    method: str
    path: str
    body: bytes = field(repr=False)
    status: int | None = None  # what the site answered (None: not forwarded)
    answer: bytes = field(default=b"", repr=False)  # the site's own body, before any rule changed it


def _read_head(sock_file) -> tuple[bytes, list[bytes]] | None:
    line = sock_file.readline(65537)
    if not line:
        return None
    headers = []
    while True:
        header = sock_file.readline(65537)
        if header in (b"\r\n", b"\n", b""):
            return line, headers
        headers.append(header)


def _header(headers: list[bytes], name: bytes) -> bytes | None:
    for h in headers:
        key, _, value = h.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


class FaultProxy:
    """``with FaultProxy(wp.url) as proxy: adapter.base_url = proxy.url``."""

    def __init__(self, upstream: str):
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        proxy = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                while proxy._one(self.rfile, self.connection):
                    pass

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, **kw) -> Rule:
        rule = Rule(**kw)
        self.rules.append(rule)
        return rule

    def count(self, method: str, path: str, body: bytes = b"") -> int:
        """Requests seen (faulted ones included) with this method, path part and body part."""
        return sum(1 for s in self.seen if s.method == method and path in s.path and body in s.body)

    # -- one request ------------------------------------------------------------
    def _one(self, rfile, conn) -> bool:
        head = _read_head(rfile)
        if head is None:
            return False
        line, headers = head
        method, path, _ = line.decode("latin-1").split(" ", 2)
        length = int(_header(headers, b"content-length") or 0)
        body = rfile.read(length) if length else b""
        seen = Seen(method, path, body)
        self.seen.append(seen)
        rule = next((r for r in self.rules if r.matches(method, path, body)), None)
        if rule is not None:
            rule.fired += 1
        if rule is not None and rule.status_before:
            self._answer(conn, rule.status_before, [b"Content-Type: text/html"], b"<h1>Service Unavailable</h1>")
            return False
        status, out_headers, out_body = self._forward(method, path, headers, body)
        seen.status, seen.answer = status, out_body
        if rule is not None and rule.drop_after:
            conn.shutdown(socket.SHUT_RDWR)
            return False
        if rule is not None and rule.status_after:
            self._answer(conn, rule.status_after, [b"Content-Type: text/html"], b"<h1>Service Unavailable</h1>")
            return False
        if rule is not None and rule.replace_body is not None:
            out_body = rule.replace_body
        if rule is not None and rule.prefix:
            out_body = rule.prefix + out_body
        self._answer(conn, status, out_headers, out_body)
        return False  # one request per connection: clients reconnect (keeps the proxy simple)

    def _forward(self, method, path, headers, body) -> tuple[int, list[bytes], bytes]:
        """Send the request upstream as HTTP/1.0 (no chunking; the answer ends at close)."""
        keep = [h for h in headers if h.split(b":", 1)[0].strip().lower()
                not in (b"host", b"connection", b"content-length", b"expect", b"accept-encoding")]
        host = f"{self.upstream[0]}:{self.upstream[1]}".encode()
        raw = (f"{method} {path} HTTP/1.0\r\n".encode() + b"Host: " + host + b"\r\n" + b"".join(keep)
               + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        with socket.create_connection(self.upstream, timeout=60) as up:
            up.sendall(raw)
            chunks = []
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        answer = b"".join(chunks)
        head, _, out_body = answer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ")[1])
        out_headers = [h + b"\r\n" for h in lines[1:]
                       if h.split(b":", 1)[0].strip().lower() not in (b"content-length", b"connection",
                                                                       b"transfer-encoding")]
        return status, out_headers, out_body

    @staticmethod
    def _answer(conn, status: int, headers: list[bytes], body: bytes) -> None:
        hs = [h if h.endswith(b"\r\n") else h + b"\r\n" for h in headers]
        raw = (f"HTTP/1.1 {status} Fault\r\n".encode() + b"".join(hs)
               + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        try:
            conn.sendall(raw)
        except OSError:
            pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
