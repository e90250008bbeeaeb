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
