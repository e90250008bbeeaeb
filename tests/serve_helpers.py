"""A real ``cms-bridge serve`` subprocess for tests that need gunicorn itself (``serving``,
``LiveServer``), and the test's own app over real HTTP (``threaded_app``)."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CLI = [sys.executable, "-m", "bridge.cli"]


def free_port() -> int:
    """A loopback port nobody listens on (taken and released at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class LiveServer:
    """``cms-bridge --config … serve`` in a subprocess of its own (process group)."""

    def __init__(self, tmp_path: Path, extra_toml: str = "", env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp_path / "bridge.db"
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[server]\ndatabase = "{self.db}"\nsecret_key_file = "{tmp_path / "secret"}"\n'
            f'port = {self.port}\nworkers = 1\nthreads = 4\n{extra_toml}')
        self.env = {**os.environ, **(env or {})}
        self.log = tmp_path / "serve.log"
        self.proc = None

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        exe = str(Path(sys.executable).parent / "cms-bridge")
        return subprocess.run([exe, "--config", str(self.config), *args], env=self.env, capture_output=True,
                              text=True, timeout=300)

    def start(self):
        exe = str(Path(sys.executable).parent / "cms-bridge")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([exe, "--config", str(self.config), "serve"], env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"cms-bridge serve did not come up; log: {self.log.read_text()[-2000:]}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
