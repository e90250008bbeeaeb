"""Benchmark: signed webhook deliveries into a real `cms-bridge serve` (gunicorn).

    .venv/bin/python bench/bench_webhook_intake.py [--requests 10000] [--senders 16] [--sender-processes 1]
        [--workers 3] [--threads 1] [--record]

Starts `cms-bridge serve` on loopback with a temporary config and database, sends
N signed Standard Webhooks deliveries (each a distinct post, signed beforehand so
signing is not timed) from S concurrent senders in a second process (keep-alive
connections, http.client), reports requests/s and p50/p90/p99 latency, then checks
that every accepted delivery's item is in the database. Goals: ≥ 1,000 req/s,
p99 < 100 ms on a 2-core machine. With --record the figures go into BENCHMARKS.md
under "Webhook intake" (only that section is rewritten).

Not a test: timing never goes into assertions.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import re
import sqlite3
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.reliability_kit import Serve, post_all, webhook_setup  # noqa: E402
from webhooks.signatures import sign  # noqa: E402

SECTION = "Webhook intake"


def sender(port: int, jobs: list[tuple[bytes, dict]], out: mp.Queue, senders: int, go=None) -> None:
    """Runs in its own process: S threads, each with one keep-alive connection (the send loop
    of tests/reliability_kit.py). ``go`` (a multiprocessing barrier) lines several sender
    processes up to start together."""
    chunks = [jobs[i::senders] for i in range(senders)]
    results: list[list] = [[] for _ in range(senders)]
    barrier = threading.Barrier(senders + 1)

    def run(i: int) -> None:
        def answered(headers, status, data, _replayed, elapsed):
            item_id = json.loads(data)["item_id"] if status in (200, 202) else None
            results[i].append((elapsed, status, headers["webhook-id"], item_id))

        barrier.wait()
        post_all(port, "/webhooks/social/bench", chunks[i], answered)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(senders)]
    for t in threads:
        t.start()
    if go is not None:
        go.wait()
    barrier.wait()
    start = time.time()
    for t in threads:
        t.join()
    out.put((start, time.time(), [r for rs in results for r in rs]))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def record(markdown: str, section: str = SECTION) -> None:
    """Rewrite only the ``## section`` of BENCHMARKS.md (append it if missing)."""
    path = os.path.join(ROOT, "BENCHMARKS.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    pattern = re.compile(rf"^## {re.escape(section)}\n.*?(?=^## |\Z)", re.M | re.S)
    block = f"## {section}\n\n{markdown.strip()}\n\n"
    text = pattern.sub(lambda m: block, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.rstrip("\n") + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--sender-processes", type=int, default=1,
                        help="split the senders over this many processes (one Python process is GIL-bound)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--record", action="store_true", help="write the figures into BENCHMARKS.md")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-webhook-")
    config, port, env, secret = webhook_setup(tmp, workers=args.workers, threads=args.threads, source="bench",
                                              database="bench.db", access_log=None)
    server = Serve(config, port, env, os.path.join(tmp, "serve.log"))
    try:
        try:
            server.start(timeout=20)
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 2

        now = int(time.time())
        jobs = []
        for i in range(args.requests):
            body = json.dumps({"external_id": f"bench-{i}", "url": f"https://social.example/@bench/{i}",
                               "title": f"Benchmark post {i}",
                               "text": f"Delivery number {i} of the webhook intake benchmark, with some text.",
                               "author": {"name": "Bench", "url": "https://social.example/@bench"}}).encode()
            headers = sign(secret, f"msg_bench_{i}", now, body)
            headers["Content-Type"] = "application/json"
            jobs.append((body, headers))
        ctx = mp.get_context("fork")
        queue = ctx.Queue()
        n = max(1, args.sender_processes)
        go = ctx.Barrier(n)
        procs = [ctx.Process(target=sender, args=(port, jobs[i::n], queue, max(1, args.senders // n), go))
                 for i in range(n)]
        for proc in procs:
            proc.start()
        parts = [queue.get() for _ in procs]
        for proc in procs:
            proc.join()
        wall = max(p[1] for p in parts) - min(p[0] for p in parts)
        results = [r for p in parts for r in p[2]]
    finally:
        server.stop()

    latencies = [r[0] for r in results]
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    accepted = {r[2]: r[3] for r in results if r[1] == 202}
    db = sqlite3.connect(os.path.join(tmp, "bench.db"))
    stored_items = {row[0] for row in db.execute("SELECT id FROM items WHERE source_id = 'bench'")}
    deliveries = {row[0]: row[1] for row in db.execute(
        "SELECT delivery_id, item_id FROM webhook_deliveries WHERE source_id = 'bench'")}
    db.close()
    missing = [d for d, item_id in accepted.items() if item_id not in stored_items or deliveries.get(d) != item_id]

    rps = len(results) / wall
    p50, p90, p99 = (percentile(latencies, p) * 1000 for p in (50, 90, 99))
    verdict = "met" if rps >= 1000 and p99 < 100 else "NOT met"
    lines = [
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU(s), Python {platform.python_version()}; "
        f"`cms-bridge serve` (gunicorn, {args.workers} workers × {args.threads} threads), SQLite WAL",
        f"- load: {len(results)} signed deliveries (distinct posts), {args.senders} concurrent keep-alive senders "
        + ("in a second process" if args.sender_processes <= 1 else f"in {args.sender_processes} sender processes")
        + " on the same machine",
        f"- throughput: **{rps:,.0f} requests/s** ({wall:.2f} s wall)",
        f"- latency: p50 **{p50:.1f} ms**, p90 {p90:.1f} ms, p99 **{p99:.1f} ms**",
        f"- answers: {', '.join(f'{k}: {v}' for k, v in sorted(statuses.items()))}",
        f"- durability: {len(accepted)} accepted, {len(accepted) - len(missing)} found in the database "
        f"with their delivery record, {len(missing)} missing",
        f"- goal (≥ 1,000 req/s and p99 < 100 ms): {verdict}",
    ]
    report = "\n".join(lines)
    print(report)
    if args.record:
        record("Run: `.venv/bin/python bench/bench_webhook_intake.py --record`\n\n" + report)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
