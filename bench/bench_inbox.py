"""Inbox queries at scale: 1,000,000 comments across 50 sites.

    python bench/bench_inbox.py [--comments 1000000] [--keep DIR]

Builds a store (real migrations, so the FTS and count triggers run while it is
filled), then measures
  * server-side time of the store queries behind each screen (p50/p95 over runs),
  * the same screens over HTTP against a live ``cms-bridge serve`` (1 worker),
  * the database size and the serve process tree's RSS while it answers.
Prints the figures; BENCHMARKS.md "Inbox queries" records a run.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge import security  # noqa: E402
from bridge.store import open_store  # noqa: E402
from bridge.store.inbox import InboxFilter  # noqa: E402

SITES = [f"site{n:02d}" for n in range(50)]
STATUSES = ["pending"] * 4 + ["approved"] * 4 + ["spam", "trash"]
RUNS = 60


def vocabulary(rng: random.Random, n: int = 5000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(n)]


def fill(store, total: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = [1 / (i + 1) for i in range(len(words))]  # Zipf-like: some words are everywhere
    start = time.perf_counter()
    base = 1_700_000_000
    batch = 20_000
    cols = ("site_id, remote_id, parent_id, post_id, post_title, post_url, author_name, author_url, author_key, "
            "content_html, content_text, status, remote_status, date_gmt, first_seen_at, updated_at")
    sql = f"INSERT INTO comments ({cols}) VALUES ({', '.join('?' for _ in cols.split(', '))})"
    for offset in range(0, total, batch):
        rows = []
        for i in range(offset, min(total, offset + batch)):
            site = SITES[i % len(SITES)]
            text = " ".join(rng.choices(words, weights, k=rng.randint(5, 30)))
            ts = base + i * 60 + rng.randint(0, 59)  # ~2 years, roughly in id order like a real sync
            date = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(ts))
            author = rng.randint(1, 200_000)
            status = STATUSES[rng.randrange(10)]
            rows.append((site, str(i), None, str(i % 400), f"Post {i % 400}", f"https://{site}.example/p/{i % 400}",
                         f"Commenter {author}", "", f"k{author}", f"<p>{text}</p>", text, status, status,
                         date, date, date))
        with store.write() as db:
            db.conn.executemany(sql, rows)
        print(f"\r  inserted {min(total, offset + batch):,}/{total:,}", end="", flush=True)
    print()
    store.db.execute("ANALYZE")
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - start


def pct(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[max(0, int(len(values) * 0.95) - 1)]


def timed(fn, runs: int = RUNS) -> tuple[float, float]:
    fn()  # warm
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return pct(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """RSS of a process and all its descendants (gunicorn master + workers)."""
    total = 0
    pids = [pid]
    seen = set()
    while pids:
        p = pids.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            pids.extend(int(c) for c in children)
        except FileNotFoundError:
            continue
    return total / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--keep", help="build the database in this directory and keep it")
    parser.add_argument("--reuse", action="store_true", help="reuse a database already in --keep")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "bridge.db"
    try:
        if not (args.reuse and db_path.exists()):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
            store = open_store(str(db_path))
            print(f"filling {args.comments:,} comments across {len(SITES)} sites …")
            seconds = fill(store, args.comments)
            print(f"  filled in {seconds:.0f} s")
        else:
            store = open_store(str(db_path))
        size = sum(os.path.getsize(f"{db_path}{s}") for s in ("", "-wal") if os.path.exists(f"{db_path}{s}"))
        n = store.scalar("SELECT count(*) FROM comments")
        print(f"database: {n:,} comments, {size / 2**20:.0f} MiB")

        # -- store queries (what the server does per request) -----------------
        editor_sites = SITES[3:8]
        deep = None
        cursor = None
        for _ in range(20):
            _, cursor = store.inbox_page(InboxFilter(), None, after=cursor, limit=50)
        deep = cursor
        common = store.query("SELECT content_text FROM comments WHERE id = 1")[0]["content_text"].split()[0]
        rare_row = store.scalar("SELECT content_text FROM comments WHERE id = ?", [n * 7 // 9]).split()
        rare = max(rare_row, key=len)
        cases = {
            "first page, pending, all sites": lambda: store.inbox_page(InboxFilter(), None),
            "page 21, pending, all sites": lambda: store.inbox_page(InboxFilter(), None, after=deep),
            "first page, editor with 5 sites": lambda: store.inbox_page(InboxFilter(), editor_sites),
            "filtered: one site + post, all statuses": lambda: store.inbox_page(
                InboxFilter(status="all", site="site07", post="7"), None),
            "filtered: date range, pending": lambda: store.inbox_page(
                InboxFilter(date_from="2024-03-01", date_to="2024-03-02"), None),
            "counts per status and site": lambda: store.inbox_counts(None),
            f"search, rare word ({rare})": lambda: store.inbox_page(InboxFilter(q=rare), None),
            f"search, common word ({common})": lambda: store.inbox_page(InboxFilter(q=common), None),
            "search, two words, editor with 5 sites": lambda: store.inbox_page(
                InboxFilter(q=f"{common} {rare_row[0]}"), editor_sites),
        }
        print(f"\nstore queries ({RUNS} runs each): p50 / p95 ms")
        results = {}
        for name, fn in cases.items():
            p50, p95 = timed(fn)
            results[name] = (p50, p95)
            print(f"  {name:<48} {p50:7.2f} / {p95:7.2f}")
        store.close()

        # -- the same over HTTP, against a live `cms-bridge serve` -------------
        user_store = open_store(str(db_path))
        if user_store.get_user_by_name("bench") is None:
            uid = user_store.create_user("bench", security.hash_password("bench-password-123"), "admin", None)
        else:
            uid = user_store.get_user_by_name("bench")["id"]
        token = "bench-" + security.new_csrf_token()
        user_store.create_token(uid, "bench", token[:8], security.hash_token(token))
        user_store.close()
        port = free_port()
        config = work / "config.toml"
        config.write_text(f'[server]\ndatabase = "{db_path}"\nsecret_key_file = "{work / "secret"}"\n'
                          f'port = {port}\n')  # the default workers and threads, as users run it
        exe = shutil.which("cms-bridge") or str(Path(sys.executable).parent / "cms-bridge")
        proc = subprocess.Popen([exe, "--config", str(config), "serve"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    if requests.get(f"{base}/healthz", timeout=1).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.2)
            http = requests.Session()
            http.headers["Authorization"] = f"Bearer {token}"
            from bridge.cursors import encode as encode_cursor

            urls = {
                "API first page, pending": "/api/v1/comments",
                "API page 21": f"/api/v1/comments?cursor={encode_cursor(deep)}",
                "API filtered: site + post, all": "/api/v1/comments?site=site07&post=7&status=all",
                f"API search ({rare})": f"/api/v1/comments?q={rare}",
                f"API search ({common})": f"/api/v1/comments?q={common}",
            }
            print(f"\nHTTP against cms-bridge serve (default workers, {RUNS} runs each): p50 / p95 ms")
            rss_peak = 0.0
            for name, url in urls.items():
                def get(url=url):
                    response = http.get(base + url, timeout=30)
                    response.raise_for_status()
                p50, p95 = timed(get)
                rss_peak = max(rss_peak, tree_rss_mb(proc.pid))
                print(f"  {name:<48} {p50:7.2f} / {p95:7.2f}")
            workers = len(list_children(proc.pid))
            print(f"\nRSS of cms-bridge serve (master + {workers} workers) after answering: {rss_peak:.0f} MB "
                  f"(master {tree_rss_mb_master(proc.pid):.0f} MB)")
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def list_children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def tree_rss_mb_master(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
