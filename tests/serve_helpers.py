"""A real ``cms-bridge serve`` subprocess for tests that need gunicorn itself."""
from __future__ import annotations

import contextlib
import os
import subprocess
import time

import requests

from tests.test_cli import CLI, free_port


@contextlib.contextmanager
def serving(conf: str, **popen):
    """Start ``serve`` on a free port, wait for /healthz, yield (process, base URL);
    SIGTERM on the way out. ``process.output`` holds what it printed."""
    port = free_port()
    process = subprocess.Popen([*CLI, "--config", conf, "serve", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True, **popen)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield process, base
    finally:
        os.killpg(process.pid, 15)
        process.output = process.communicate(timeout=30)[0]


@contextlib.contextmanager
def threaded_app(app):
    """The test's own app over real HTTP (werkzeug in a thread), so a browser test shares
    its store and fake clock; yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
