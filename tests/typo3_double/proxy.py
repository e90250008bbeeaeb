"""A reverse proxy in front of the double that really forwards each request, then fails the way
proxies and dying PHP processes do: the site has done its work, the client never learns it.

``mode``: "drop" closes the connection without an answer (what a client sees when PHP-FPM or
the proxy dies mid-request), "502"/"504" answers that status with an nginx page after TYPO3
answered, "pass" relays the answer unchanged.
"""
from __future__ import annotations

import http.server
import threading

import requests


class ForwardingProxy:
    def __init__(self, upstream: str, mode: str = "pass") -> None:
        self.upstream = upstream.rstrip("/")
        self.mode = mode
        self.forwarded = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = requests.post(proxy.upstream + self.path, data=body, headers=headers, timeout=10,
                                       allow_redirects=False)
                proxy.forwarded += 1
                if proxy.mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if proxy.mode in ("502", "504"):
                    page = f"<html><body><h1>{proxy.mode} Bad Gateway</h1>nginx</body></html>".encode()
                    self.send_response(int(proxy.mode))
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                self.send_response(answer.status_code)
                for key in ("Content-Type", "X-TYPO3-Reaction-Success", "Location"):
                    if key in answer.headers:
                        self.send_header(key, answer.headers[key])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def url_for(self, reaction_url: str) -> str:
        """The same reaction, reached through the proxy."""
        return self.base_url + reaction_url.removeprefix(self.upstream)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
