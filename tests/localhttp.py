"""A real local HTTP server (http.server in a thread) whose answers tests set per path."""
from __future__ import annotations

import http.server
import io
import threading
import time
from dataclasses import dataclass, field

from PIL import Image


def png_bytes(width: int = 4, height: int = 3, color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body
    chunked: bool = False  # no Content-Length
    etag: str | None = None  # answer 304 to a matching If-None-Match
    drip: float = 0.0  # seconds between single bytes of the body (a slow, hostile server)


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.not_modified = 0
        self.sent: dict[str, int] = {}  # body bytes written per path (drip routes)
        server = self
        #: (path, headers, body) of every POST, for receivers such as chat webhooks
        self.posts: list[tuple[str, dict, bytes]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.posts.append((self.path, dict(self.headers), body))
                route = server.routes.get(self.path)
                self.send_response(route.status if route else 404)
                self.send_header("Content-Length", str(len(route.body) if route else 0))
                self.end_headers()
                if route:
                    self.wfile.write(route.body)

            def do_GET(self):
                path = self.path
                server.hits[path] = server.hits.get(path, 0) + 1
                route = server.routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    server.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", route.etag)
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                self.send_response(route.status)
                for key, value in route.headers.items():
                    self.send_header(key, value)
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    try:
                        for i in range(0, len(route.body), 8192):
                            part = route.body[i:i + 8192]
                            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                if route.drip:
                    server.sent[path] = 0
                    try:
                        for i in range(len(route.body)):
                            self.wfile.write(route.body[i:i + 1])
                            self.wfile.flush()
                            server.sent[path] = i + 1
                            time.sleep(route.drip)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                try:
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_port
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add(self, path: str, body: bytes | str = b"", **kw) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **kw)
        return self.base + path

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
