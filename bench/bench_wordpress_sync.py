"""WordPress comment sync: HTTP requests, wall time against plain paging, peak RSS.

Not a test: prints figures (see BENCHMARKS.md, "WordPress comment sync").

    PYTHONPATH=. python bench/bench_wordpress_sync.py [--big 50000]

Brings up its own harness site (tests/harness/wordpress), seeds comments through
SQL, and for each transport compares an initial ``sync`` (store writes included)
with plainly paging the same comments by requests / XML-RPC; then a no-change
sync; then peak RSS of a sync process for 10,000 and ``--big`` comments.
"""
from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.clock import FakeClock  # noqa: E402
from bridge.config import validate_config  # noqa: E402
from bridge.core import Bridge  # noqa: E402
from tests.harness.wordpress.site import WordPressSite  # noqa: E402


def make_bridge(site: WordPressSite, transport: str, db: str, budget: int = 0) -> Bridge:
    """``budget``: [sync] reconcile_budget; 0 here, so the figures stay those of pull + open
    reconcile (bench_wordpress_reconcile.py measures the rolling reconcile)."""
    raw = {"server": {"database": db, "media_dir": str(Path(db).parent / "media")},
           "sync": {"reconcile_budget": budget},
           "sites": [{"id": "wp", "kind": "wordpress", "url": site.url, "username": site.admin_user,
                      "password_env": "WP_PASSWORD", "transport": transport, "timeout": 60.0}]}
    return Bridge(validate_config(raw, environ={"WP_PASSWORD": site.app_password}), clock=FakeClock())


def plain_rest(site: WordPressSite) -> tuple[float, int, int]:
    session, t0, n, requests_made, page = requests.Session(), time.perf_counter(), 0, 0, 1
    session.auth = (site.admin_user, site.app_password)
    while True:
        rows = session.get(f"{site.rest_url}/comments", timeout=60, params={
            "status": "any", "type": "all", "per_page": 100, "page": page, "context": "edit",
            "orderby": "date_gmt", "order": "asc"}).json()
        requests_made += 1
        n += len(rows)
        if len(rows) < 100:
            return time.perf_counter() - t0, n, requests_made
        page += 1


def plain_xmlrpc(site: WordPressSite) -> tuple[float, int, int]:
    server = xmlrpc.client.ServerProxy(site.xmlrpc_url)
    t0, n, requests_made, offset = time.perf_counter(), 0, 0, 0
    while True:
        rows = server.wp.getComments(0, site.admin_user, site.app_password,
                                     {"status": "any", "number": 100, "offset": offset})
        requests_made += 1
        n += len(rows)
        offset += 100
        if len(rows) < 100:
            return time.perf_counter() - t0, n, requests_made


def timed_sync(site: WordPressSite, transport: str, db: str) -> dict:
    bridge = make_bridge(site, transport, db)
    adapter = bridge.adapter("wp")
    t0 = time.perf_counter()
    first = bridge.sync.sync_site("wp")
    seconds = time.perf_counter() - t0
    initial_requests = adapter.request_count
    open_count = bridge.store.scalar("SELECT count(*) FROM comments WHERE status = 'pending'")
    before = adapter.request_count
    t1 = time.perf_counter()
    again = bridge.sync.sync_site("wp")
    nochange_seconds = time.perf_counter() - t1
    nochange = adapter.request_count - before
    bridge.close()
    assert first.ok and again.ok, (first.error, again.error)
    return {"seconds": seconds, "new": first.new, "requests": initial_requests, "nochange_requests": nochange,
            "open": open_count, "nochange_seconds": nochange_seconds, "nochange_new": again.new,
            "nochange_changed": again.changed}


def child_rss(env_file: str, transport: str, db: str) -> None:
    site = WordPressSite.from_env_file(env_file)
    bridge = make_bridge(site, transport, db)
    result = bridge.sync.sync_site("wp")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"new": result.new, "peak_rss_mb": round(peak, 1), "ok": result.ok}))


def rss_run(site: WordPressSite, transport: str, workdir: Path, label: str) -> dict:
    db = str(workdir / f"rss-{label}-{transport}.db")
    out = subprocess.run([sys.executable, __file__, "--child", str(site.dir / "site.env"), transport, db],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=50_000)
    parser.add_argument("--child", nargs=3)
    args = parser.parse_args()
    if args.child:
        child_rss(*args.child)
        return
    site = WordPressSite.up()
    workdir = Path(tempfile.mkdtemp(prefix="bench-wp-sync-"))
    try:
        site.seed_comments(args.n - 1)  # + the install's sample comment = n
        print(f"WordPress {site.url}: {args.n} comments (40% pending, 40% approved, 10% spam, 10% trash)")
        for transport, plain in (("rest", plain_rest), ("xmlrpc", plain_xmlrpc)):
            plain_s, plain_n, plain_req = plain(site)
            sync = timed_sync(site, transport, str(workdir / f"time-{transport}.db"))
            print(f"[{transport}] initial sync: {sync['new']} comments, {sync['requests']} HTTP requests, "
                  f"{sync['seconds']:.2f} s (store writes included); plain paging: {plain_n} comments, "
                  f"{plain_req} requests, {plain_s:.2f} s -> ratio {sync['seconds'] / plain_s:.2f}x")
            print(f"[{transport}] no-change sync: {sync['nochange_requests']} requests, "
                  f"{sync['nochange_seconds']:.2f} s for {sync['open']} open "
                  f"comments (1 + ceil(open/100) = {1 + math.ceil(sync['open'] / 100)}); "
                  f"new {sync['nochange_new']}, changed {sync['nochange_changed']}")
        for transport in ("rest", "xmlrpc"):
            small = rss_run(site, transport, workdir, "small")
            print(f"[{transport}] peak RSS, sync of {small['new']} comments: {small['peak_rss_mb']} MB")
        site.seed_comments(args.big - args.n)
        for transport in ("rest", "xmlrpc"):
            big = rss_run(site, transport, workdir, "big")
            print(f"[{transport}] peak RSS, sync of {big['new']} comments: {big['peak_rss_mb']} MB")
    finally:
        site.down()


if __name__ == "__main__":
    main()
