"""Benchmark: the reliability runs of issue 9 at full size, with real processes.

    .venv/bin/python bench/bench_reliability.py [--only webhooks,outage,sync,fuzz] [--record]

- webhooks: 10,000 signed deliveries into `cms-bridge serve` (gunicorn, 2 workers)
  from 16 threads, SIGKILL of its process group after 5,000 answers, restart,
  redelivery of all 10,000 (same webhook-id and bytes); counts acknowledged,
  stored, replayed, items and delivery records.
- outage: a fresh harness WordPress (up.sh; removed afterwards), 500 decisions, 20
  replies, 50 publications with an image queued; the site's PHP server stopped; the
  outbox run twice (every job refused); server started; outbox run until drained;
  counted in WordPress's database.
- sync: 10 `cms-bridge sync` processes at once on one database (200 decisions, 10
  replies, 20 publications queued), on the same WordPress; counts per job.
- fuzz: tests/test_api_fuzz.py with 40 examples per operation and mode (CI runs 10).

Counts are the result; times are printed for information. With --record the
figures go into BENCHMARKS.md under "Reliability" (only that section is rewritten).
Exit 1 if any count is not the exactly-once one.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.bench_webhook_intake import record  # noqa: E402
from bridge import clock as clock_mod  # noqa: E402
from bridge.clock import FakeClock  # noqa: E402
from tests.harness.wordpress.site import WordPressSite  # noqa: E402
from tests.outage_kit import applied_counts, config_file, queue_work, run_outbox, site_state  # noqa: E402
from tests.reliability_kit import EXE, kill_during_load  # noqa: E402
from tests.wp_bridge_helpers import image_file, wp_bridge  # noqa: E402

SECTION = "Reliability"
SOURCES = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["wp"]}]
ENVIRON = {"TEAM_SECRET": "whsec_" + "A" * 32}


def bench_webhooks(n: int = 10_000) -> tuple[list[str], bool]:
    tmp = tempfile.mkdtemp(prefix="bench-rel-webhooks-")
    run = kill_during_load(tmp, n, kill_after=n // 2, senders=16)
    first, second = run["first"], run["second"]
    acked = first.ok()
    db = sqlite3.connect(run["database"])
    deliveries = dict(db.execute("SELECT delivery_id, item_id FROM webhook_deliveries"))
    items = db.execute("SELECT count(*) FROM items").fetchone()[0]
    db.close()
    acked_stored = sum(deliveries.get(d) == first.bodies[d]["item_id"] for d in acked)
    replay_same = sum(second.bodies.get(d) == first.bodies[d] for d in acked)
    ok = (acked_stored == len(acked) and replay_same == len(acked) and len(second.ok()) == n
          and items == n and len(deliveries) == n)
    cut = sum(1 for s in first.answers.values() if s == 0)
    statuses = ", ".join(f"{k}: {v:,}" for k, v in sorted(Counter(second.answers.values()).items()))
    lines = [
        f"- **webhooks, `kill -9` of `serve` under load**: {n:,} signed deliveries from 16 threads into "
        f"`cms-bridge serve` (gunicorn, 2 workers); SIGKILL of its process group after {n // 2:,} answers. "
        f"Before the kill {len(acked):,} were answered 202 and {cut:,} got no answer (cut or refused); "
        f"{acked_stored:,} of the {len(acked):,} acknowledged were in the database under the item they were told. "
        f"After a restart all {n:,} were delivered again (same webhook-id and bytes, signed afresh as a "
        f"sender's retry is): answers {statuses}; {len(second.replayed):,} from the stored delivery record "
        f"(`Webhook-Replayed`; the "
        f"acknowledged ones with the same answer: {replay_same:,}); in the end **{items:,} items and "
        f"{len(deliveries):,} delivery records for {n:,} posts** — {'no loss, no duplicate' if ok else 'MISMATCH'} "
        f"({run['first_wall']:.1f} s + {run['second_wall']:.1f} s).",
    ]
    return lines, ok


def _wp_bridge(tmp: Path, wp, clock):
    return wp_bridge(tmp, wp, clock, raw={"sources": SOURCES, "outbox": {"base_delay": 10.0, "max_attempts": 8}},
                       environ=ENVIRON)


def bench_outage(wp, decisions: int = 500, replies: int = 20, publications: int = 50) -> tuple[list[str], bool]:
    wp.reset()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rel-outage-"))
    clock = FakeClock()
    bridge = _wp_bridge(tmp, wp, clock)
    try:
        queued = queue_work(bridge, wp, image_file(tmp), decisions=decisions, replies=replies,
                            publications=publications)
        total = decisions + replies + publications
        before = site_state(wp)
        wp.stop_server()
        try:
            t0 = time.monotonic()
            down = run_outbox(bridge, clock, rounds=2, advance=3600)
            down_wall = time.monotonic() - t0
        finally:
            wp.start_server()
        unchanged = site_state(wp) == before
        t0 = time.monotonic()
        up = run_outbox(bridge, clock, rounds=3, advance=3600)
        up_wall = time.monotonic() - t0
        jobs = bridge.store.list_jobs(limit=100_000)
        done_once = sum(j["state"] == "done" for j in jobs)
        counts = applied_counts(queued, before, site_state(wp))
    finally:
        bridge.close()
    ok = (unchanged and down["done"] == 0 and down["failed"] == 0 and up["done"] == total and up["failed"] == 0
          and done_once == total and counts["decisions_right"] == decisions and counts["replies_once"] == replies
          and counts["replies_total"] == replies and counts["posts_once"] == publications
          and counts["posts_total"] == publications and counts["attachments_new"] == publications)
    lines = [
        f"- **WordPress down during queued work**: {decisions} decisions, {replies} replies and {publications} "
        f"publications (an image each) queued for the harness's real WordPress; its PHP server stopped; two "
        f"outbox runs: {down['retried']:,} attempts refused and rescheduled, {down['done']} done, "
        f"{down['failed']} given up, site {'unchanged' if unchanged else 'CHANGED'} ({down_wall:.1f} s). Server "
        f"started; outbox run until drained: {up['done']} of {total} done, {up['failed']} failed "
        f"({up_wall:.1f} s). Counted in WordPress's database: {counts['decisions_right']}/{decisions} decisions "
        f"with their status, {counts['replies_once']}/{replies} replied comments with exactly one reply "
        f"({counts['replies_total']} replies in all), {counts['posts_once']}/{publications} publications with "
        f"exactly one post ({counts['posts_total']} posts), {counts['attachments_new']} new attachments — "
        f"**{'each applied exactly once' if ok else 'MISMATCH'}**.",
    ]
    return lines, ok


def bench_sync(wp, processes: int = 10, decisions: int = 200, replies: int = 10,
               publications: int = 20) -> tuple[list[str], bool]:
    wp.reset()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rel-sync-"))
    bridge = _wp_bridge(tmp, wp, clock_mod.now)
    try:
        queued = queue_work(bridge, wp, image_file(tmp), decisions=decisions, replies=replies,
                            publications=publications)
    finally:
        bridge.close()
    total = decisions + replies + publications
    before = site_state(wp)
    config = config_file(tmp, wp)
    env = {**os.environ, "WP_PASSWORD": wp.app_password, **ENVIRON}
    t0 = time.monotonic()
    procs = [subprocess.Popen([EXE, "--config", config, "sync", "--no-sources", *(["--wait"] if i % 2 else [])],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(processes)]
    outputs = [p.communicate(timeout=1800) for p in procs]
    wall = time.monotonic() - t0
    written = [int(m) for out, _ in outputs for m in re.findall(r"^wp: .*?, (\d+) written back", out, re.M)]
    skipped = sum("skipped, another sync" in err for _, err in outputs)
    bridge = _wp_bridge(tmp, wp, clock_mod.now)
    try:
        jobs = bridge.store.list_jobs(limit=100_000)
    finally:
        bridge.close()
    once = sum(j["state"] == "done" and j["attempts"] == 1 for j in jobs)
    counts = applied_counts(queued, before, site_state(wp))
    double = total - once
    ok = (all(p.returncode == 0 for p in procs) and sum(written) == total and once == total
          and counts["decisions_right"] == decisions and counts["replies_total"] == replies
          and counts["posts_total"] == publications and counts["attachments_new"] == publications)
    lines = [
        f"- **concurrent syncs**: {processes} `cms-bridge sync` processes started at once on one database "
        f"({decisions} decisions, {replies} replies, {publications} publications queued for the real WordPress; "
        f"half with `--wait`): {len(written)} synced the site, {skipped} skipped it (site lock); written back "
        f"{sum(written)} of {total}; jobs done after exactly one attempt: {once}/{total} — "
        f"**{double} double-processed**; on the site {counts['posts_total']} posts, {counts['replies_total']} "
        f"replies, {counts['attachments_new']} new attachments ({wall:.1f} s).",
    ]
    return lines, ok


def bench_fuzz(examples: int = 40) -> tuple[list[str], bool]:
    env = {**os.environ, "CMS_BRIDGE_FUZZ_EXAMPLES": str(examples)}
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/test_api_fuzz.py", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
    ok = done.returncode == 0
    if not ok:
        print(done.stdout[-5000:], file=sys.stderr)
    lines = [f"- **API fuzzing** (schemathesis, seed fixed): for each of the 17 operations {examples} generated "
             f"requests valid by the document and {examples} invalid ones, each sent as the admin and as a one-site "
             "editor; checks: no 5xx, status code, content type, headers and body as documented, forbidden input "
             f"refused: `{summary}` ({wall:.0f} s)."]
    return lines, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="webhooks,outage,sync,fuzz")
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--fuzz-examples", type=int, default=40, help="examples per operation and mode")
    args = parser.parse_args()
    # SIGTERM unwinds like an error, so the WordPress site this run brought up is removed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    only = set(args.only.split(","))
    lines: list[str] = []
    ok = True
    if "webhooks" in only:
        part, good = bench_webhooks()
        lines += part
        ok &= good
        print("\n".join(part), flush=True)
    if only & {"outage", "sync"}:
        wp = WordPressSite.up()
        try:
            for name, fn in (("outage", bench_outage), ("sync", bench_sync)):
                if name in only:
                    part, good = fn(wp)
                    lines += part
                    ok &= good
                    print("\n".join(part), flush=True)
        finally:
            wp.down()
    if "fuzz" in only:
        part, good = bench_fuzz(args.fuzz_examples)
        lines += part
        ok &= good
        print("\n".join(part), flush=True)
    if args.record:
        head = (f"Run: `.venv/bin/python bench/bench_reliability.py --record` on "
                f"{datetime.date.today().isoformat()} ({platform.machine()}, {os.cpu_count()} CPUs, Python "
                f"{platform.python_version()}, other engineers' suites running beside it). The same scenarios run "
                "with bounded sizes as tests (`tests/test_reliability_*.py`, `tests/test_api_fuzz.py`). Counts are "
                "the result; the times are for information only.\n\n")
        record(head + "\n".join(lines), SECTION)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
