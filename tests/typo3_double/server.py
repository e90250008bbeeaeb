"""Serves the double on 127.0.0.1 on a free port in a background thread, and can stop it
for real (tests of "site unreachable" need a closed port, not a mock)."""
from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log(self, type, message, *args):  # noqa: A002 - werkzeug's signature
        pass


class BackgroundServer:
    def __init__(self, app) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="typo3-double", daemon=True)
        self._thread.start()
        self.running = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.running:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self.running = False
