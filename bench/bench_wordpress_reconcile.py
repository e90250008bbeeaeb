"""The rolling reconcile: its window and its cost per sync, over both transports.

Not a test: prints figures (see BENCHMARKS.md, "Rolling reconcile").

    PYTHONPATH=. python bench/bench_wordpress_reconcile.py [--n 50000] [--budget 10] [--syncs 5]

Brings up its own harness site, seeds ``--n`` comments through SQL (40 % held, 40 %
approved, 10 % spam, 10 % trash), syncs them once, then for each transport runs
``--syncs`` rolling slices of ``--budget`` requests (``SyncService.roll``) and prints
requests, wall time and the WordPress time per slice, and the window: the syncs (and at
one sync a minute, the time) until every stored comment was re-read.
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_wordpress_sync import make_bridge  # noqa: E402

from tests.harness.wordpress.site import WordPressSite  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=50_000)
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--syncs", type=int, default=5)
    args = parser.parse_args()
    site = WordPressSite.up()
    workdir = Path(tempfile.mkdtemp(prefix="bench-wp-reconcile-"))
    try:
        site.seed_comments(args.n - 1)
        print(f"WordPress {site.url}: {args.n} comments; budget {args.budget} requests of 100 per sync")
        for transport in ("rest", "xmlrpc"):
            bridge = make_bridge(site, transport, str(workdir / f"{transport}.db"), budget=args.budget)
            sync = bridge.sync
            first = sync.sync_site("wp")
            assert first.ok, first.error
            stored = bridge.store.count_comments("wp")
            adapter = bridge.adapter("wp")
            times, counts = [], []
            for _ in range(args.syncs):
                before = adapter.request_count
                t0 = time.perf_counter()
                changed = sync.roll("wp", adapter)
                times.append(time.perf_counter() - t0)
                counts.append(adapter.request_count - before)
                assert changed == 0
            window = math.ceil(stored / (args.budget * sync.batch))
            print(f"[{transport}] rolling slice: {statistics.median(counts):.0f} requests "
                  f"({args.budget * sync.batch} comments), median {statistics.median(times):.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f}); window for {stored} stored comments: "
                  f"{window} syncs = {window} min at one sync a minute")
            bridge.close()
    finally:
        site.down()


if __name__ == "__main__":
    main()
