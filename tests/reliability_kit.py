"""Real processes for the reliability tests and their big runs in ``bench/``:
``cms-bridge serve`` and ``cms-bridge sync`` as subprocesses on a temporary
config, killed for real (SIGKILL to the process group this module started), and a
webhook load from threads that records what each delivery was answered.

The tests run these with bounded sizes; ``bench/bench_reliability.py`` with the big
ones, and ``bench/bench_webhook_intake.py`` times the same set-up and send loop
(``webhook_setup``, ``Serve``, ``post_all``). Nothing here asserts: callers count and compare.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tests.serve_helpers import free_port
from webhooks.signatures import generate_secret, sign

EXE = os.path.join(os.path.dirname(sys.executable), "cms-bridge")
SECRET_KEY = "reliability-" + "k" * 40


def cli(config: str, *args: str, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """One `cms-bridge` command, to its end."""
    return subprocess.run([EXE, "--config", config, *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


class Serve:
    """`cms-bridge serve` (gunicorn) in its own process group, so SIGKILL reaches the
    master and its workers at once — what `kill -9` of the service does."""

    def __init__(self, config: str, port: int, env: dict, log: str):
        self.config, self.port, self.env, self.log = config, port, env, log
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen([EXE, "--config", self.config, "serve"], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cms-bridge serve exited with {self.proc.returncode}; see {self.log}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"cms-bridge serve did not answer /healthz within {timeout} s; see {self.log}")

    def kill9(self) -> None:
        """SIGKILL to the whole group: no graceful shutdown, no finished requests."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)
        # workers are in the same group; wait until the port is free again
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)


def webhook_setup(tmp: str, *, workers: int = 2, threads: int = 1, source: str = "load", database: str = "bridge.db",
                  access_log: bool | None = False) -> tuple[str, int, dict, str]:
    """(config path, port, environment, secret) of a cms-bridge with one webhook source
    ``source`` (secret in ``<SOURCE>_SECRET``), initialised. ``access_log=None`` keeps the default."""
    port = free_port()
    secret = generate_secret()
    secret_env = f"{source.upper()}_SECRET"
    config = os.path.join(tmp, "config.toml")
    log_line = "" if access_log is None else f"access_log = {str(access_log).lower()}\n"
    with open(config, "w") as fh:
        fh.write(f'[server]\nhost = "127.0.0.1"\nport = {port}\nworkers = {workers}\nthreads = {threads}\n'
                 f'database = "{tmp}/{database}"\nmedia_dir = "{tmp}/media"\n{log_line}\n'
                 f'[[sources]]\nid = "{source}"\nkind = "webhook"\nsecret_env = "{secret_env}"\n')
    env = {**os.environ, secret_env: secret, "CMS_BRIDGE_SECRET_KEY": SECRET_KEY}
    done = cli(config, "init", env=env)
    if done.returncode != 0:
        raise RuntimeError(f"cms-bridge init failed: {done.stderr}")
    return config, port, env, secret


def deliveries(n: int) -> list[tuple[str, bytes]]:
    """n deliveries (webhook-id, body), each a distinct post. They are signed when
    sent (``send_all``), so a redelivery carries the same webhook-id and bytes with a
    fresh timestamp, as a Standard Webhooks sender's retry does (a signature older
    than the tolerance, 5 minutes, is refused)."""
    out = []
    for i in range(n):
        body = json.dumps({"external_id": f"load-{i}", "url": f"https://social.example/@load/{i}",
                           "title": f"Load post {i}", "text": f"Delivery {i} of the reliability load.",
                           "author": {"name": "Load", "url": "https://social.example/@load"}}).encode()
        out.append((f"msg_load_{i}", body))
    return out


@dataclass
class LoadResult:
    answers: dict[str, int] = field(default_factory=dict)  # webhook-id -> status (0: no answer)
    bodies: dict[str, dict] = field(default_factory=dict)  # webhook-id -> JSON answer of a 2xx
    replayed: set[str] = field(default_factory=set)  # answered with Webhook-Replayed: true

    def ok(self) -> set[str]:
        return {d for d, status in self.answers.items() if 200 <= status < 300}


#: ``on_answer(request headers, status, body, replayed, seconds)``; status 0: no answer
OnAnswer = Callable[[dict, int, bytes, bool, float], None]


def post_all(port: int, path: str, requests: Iterable[tuple[bytes, dict]], on_answer: OnAnswer) -> None:
    """POST each (body, headers) of ``requests`` in turn over one keep-alive connection to
    127.0.0.1:``port``. A connection error counts as no answer (status 0) and the next
    request reconnects. ``requests`` may be a generator (signing just before sending)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        for body, headers in requests:
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                status, data = response.status, response.read()
                replayed = response.getheader("Webhook-Replayed") == "true"
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status, data, replayed = 0, b"", False
            on_answer(headers, status, data, replayed, time.perf_counter() - started)
    finally:
        conn.close()


def send_all(port: int, secret: str, items: list, *, senders: int = 8, on_progress=None) -> LoadResult:
    """Sign and send every delivery once from ``senders`` threads (keep-alive connections).
    ``on_progress(answered)`` is called after each answer; a connection error counts
    as "no answer" (0) and the sender reconnects for the next one."""
    result = LoadResult()
    lock = threading.Lock()
    counter = [0]

    def signed(chunk):
        for delivery_id, body in chunk:
            yield body, {**sign(secret, delivery_id, int(time.time()), body), "Content-Type": "application/json"}

    def answered(headers, status, data, replayed, _seconds):
        delivery_id = headers["webhook-id"]
        with lock:
            result.answers[delivery_id] = status
            if 200 <= status < 300:
                result.bodies[delivery_id] = json.loads(data)
            if replayed:
                result.replayed.add(delivery_id)
            counter[0] += 1
            count = counter[0]
        if on_progress is not None:
            on_progress(count)

    threads = [threading.Thread(target=post_all, args=(port, "/webhooks/social/load", signed(items[i::senders]),
                                                       answered)) for i in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def kill_during_load(tmp: str, n: int, *, kill_after: int, senders: int = 8, workers: int = 2) -> dict:
    """The whole scenario: serve, send n deliveries and SIGKILL the service after
    ``kill_after`` answers, restart it, redeliver all n (same webhook-id and bytes).
    Returns what was answered and the database path to count in."""
    config, port, env, secret = webhook_setup(tmp, workers=workers)
    load = deliveries(n)
    serve = Serve(config, port, env, os.path.join(tmp, "serve.log"))
    serve.start()
    killed = threading.Event()

    def maybe_kill(answered: int) -> None:
        if answered >= kill_after and not killed.is_set():
            killed.set()
            serve.kill9()

    started = time.monotonic()
    try:
        first = send_all(port, secret, load, senders=senders, on_progress=maybe_kill)
        first_wall = time.monotonic() - started
        serve.start()
        started = time.monotonic()
        second = send_all(port, secret, load, senders=senders)
        second_wall = time.monotonic() - started
    finally:
        serve.stop()
    return {"first": first, "second": second, "killed": killed.is_set(), "database": f"{tmp}/bridge.db",
            "first_wall": first_wall, "second_wall": second_wall, "n": n}
