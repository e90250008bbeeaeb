"""Insights queries at scale: 1,000,000 comments on 50 sites, 100,000 items.

    python bench/bench_insights.py [--comments 1000000] [--items 100000] [--keep DIR]

Fills a store through the real migrations, so every row passes the triggers of
migration 0014 (and the count and metrics triggers) as it would in production —
all but the inbox's full-text triggers, which insights never reads and which
would make the fill take an hour:
comments over a year, six in ten decided (moderation_log rows, a tenth of them
seen as site changes; a decided comment is inserted with its final status, so
the backlog counts only the undecided four in ten), items from 20 sources with two in three decided, and
publish jobs with retries and failures. Then times each store query behind
``/insights`` for the last 90 days (all sites, and one site), and the whole
service call (every figure of the page) for the last 7, 30 and 90 days and two custom
ranges, as the admin (all sites) and as an editor of one site; p50/p95 over the runs.
BENCHMARKS.md "Insights" records a run.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.clock import iso  # noqa: E402
from bridge.insights import DayRange, InsightsService  # noqa: E402
from bridge.store import open_store  # noqa: E402

SITES = [f"site{n:02d}" for n in range(50)]
SOURCES = [{"id": f"src{n:02d}", "kind": ("feed", "webhook")[n % 2], "targets": [SITES[n % 50]]} for n in range(20)]
EDITORS = [f"editor{n}" for n in range(12)]
DAY = 86400
END = 1_800_000_000          # "today" of the run: 2027-01-15
START = END - 365 * DAY
RUNS = 40
BATCH = 20_000


def fill_comments(store, total: int, rng: random.Random) -> None:
    cols = ("site_id, remote_id, post_id, post_title, post_url, author_name, author_key, content_html, "
            "content_text, status, remote_status, date_gmt, first_seen_at, updated_at")
    insert = f"INSERT INTO comments ({cols}) VALUES ({', '.join('?' for _ in cols.split(', '))})"
    log = ("INSERT INTO moderation_log (comment_id, site_id, remote_id, actor, action, from_status, to_status, "
           "origin, writeback, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, 'done', ?)")
    posts = 20_000
    for offset in range(0, total, BATCH):
        rows, decisions = [], []
        for i in range(offset, min(total, offset + BATCH)):
            post = rng.randrange(posts)
            site = SITES[post % len(SITES)]
            ts = START + (post * 365 * DAY) // posts + rng.randint(0, 6 * DAY)   # a post's talk lasts a week
            date = iso(ts)
            decided = rng.random() < 0.6
            status = rng.choice(("approved", "approved", "approved", "spam", "trash")) if decided else "pending"
            rows.append((site, str(i), str(post), f"Post {post}", f"https://{site}.example/p/{post}", "Reader",
                         f"k{rng.randrange(100_000)}", "<p>hi</p>", "hi", status, status, date, date, date))
            if decided:
                at = iso(min(ts + int(rng.lognormvariate(8, 1.5)), END))
                cms = rng.random() < 0.1
                decisions.append((i + 1, site, str(i), "site" if cms else rng.choice(EDITORS),
                                  "site_change" if cms else status, status, "sync" if cms else "inbox", at))
        with store.write() as db:
            db.conn.executemany(insert, rows)
            db.conn.executemany(log, [d[:8] for d in decisions])
        print(f"\r  comments {min(total, offset + BATCH):,}/{total:,}", end="", flush=True)
    print()


def fill_items(store, total: int, rng: random.Random) -> None:
    insert = ("INSERT INTO items (source_id, external_id, contributor, received_at, state, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?)")
    decide = ("INSERT INTO item_decisions (item_id, actor, action, from_state, to_state, created_at) "
              "VALUES (?, ?, ?, 'pending', ?, ?)")
    job = ("INSERT INTO jobs (kind, site_id, idempotency_key, state, attempts, max_attempts, next_attempt_at, "
           "created_at, updated_at) VALUES ('publish', ?, ?, 'running', 0, 5, 0, ?, ?)")
    for offset in range(0, total, BATCH):
        rows, decisions, jobs = [], [], []
        for i in range(offset, min(total, offset + BATCH)):
            source = SOURCES[i % len(SOURCES)]
            ts = START + rng.randrange(365 * DAY)
            rows.append((source["id"], f"x{i}", f"contributor{rng.randrange(2000)}", iso(ts), "pending", iso(ts)))
            if rng.random() < 2 / 3:
                at = iso(min(ts + int(rng.lognormvariate(9, 1.2)), END))
                action = "approve" if rng.random() < 0.7 else "reject"
                decisions.append((i + 1, rng.choice(EDITORS), action, action + "d", at))
                if action == "approve":
                    jobs.append((source["targets"][0], f"publish:{i}", at, at))
        with store.write() as db:
            db.conn.executemany(insert, rows)
            db.conn.executemany(decide, decisions)
            db.conn.executemany(job, jobs)
            # each publish attempt ends through the real state change (the trigger counts it)
            db.conn.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running' AND id % 7 = 0")
            db.conn.execute("UPDATE jobs SET state = 'running' WHERE state = 'queued'")
            db.conn.execute("UPDATE jobs SET state = CASE WHEN id % 50 = 0 THEN 'failed' ELSE 'done' END, "
                            "finished_at = updated_at WHERE state = 'running'")
        print(f"\r  items {min(total, offset + BATCH):,}/{total:,}", end="", flush=True)
    print()


def timed(fn) -> tuple[float, float, float, float]:
    """(wall p50, wall p95, CPU p50, CPU p95) in ms. The CPU time of this process is what
    the query costs; on a machine shared with other work the wall time adds the waiting."""
    fn()
    wall, cpu = [], []
    for _ in range(RUNS):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    p95 = max(0, int(RUNS * 0.95) - 1)
    wall.sort()
    cpu.sort()
    return statistics.median(wall), wall[p95], statistics.median(cpu), cpu[p95]


def show(label: str, figures: tuple[float, ...]) -> str:
    return f"{label} {figures[0]:7.1f} / {figures[1]:7.1f} (cpu {figures[2]:6.1f} / {figures[3]:6.1f})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--keep", help="build the database in this directory and keep it (reused if present)")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-insights-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "bridge.db"
    try:
        fresh = not db_path.exists()
        t = time.perf_counter()
        store = open_store(str(db_path))  # on a database filled by an older version: the new migrations run here
        print(f"  opened (migrations) in {time.perf_counter() - t:.1f} s")
        if fresh:
            store.db.execute("PRAGMA synchronous = OFF")
            # Full-text search is the inbox's, not the insights', and the dearest trigger of a
            # comment insert: the fill leaves it out so a million rows take minutes, not an hour.
            for name in ("comments_ai", "comments_ad", "comments_au"):
                store.db.execute(f"DROP TRIGGER IF EXISTS {name}")
            rng = random.Random(15)
            t = time.perf_counter()
            fill_comments(store, args.comments, rng)
            fill_items(store, args.items, rng)
            store.db.execute("ANALYZE")
            store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            print(f"  filled in {time.perf_counter() - t:.0f} s")
        counts = {t: store.scalar(f"SELECT count(*) FROM {t}") for t in
                  ("comments", "moderation_log", "items", "item_decisions", "insight_comment_days",
                   "insight_post_days", "insight_decisions", "insight_actor_days", "insight_waits",
                   "insight_decisions_cum", "insight_actor_days_cum", "insight_waits_cum", "insight_source_days",
                   "insight_item_contributors", "insight_item_decisions_cum", "insight_job_days_cum")}
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        end = time.strftime("%Y-%m-%d", time.gmtime(END))
        start = time.strftime("%Y-%m-%d", time.gmtime(END - 89 * DAY))
        one = [SITES[3]]
        sources = [s["id"] for s in SOURCES]
        bridge = SimpleNamespace(store=store, clock=lambda: END,
                                 config=SimpleNamespace(sites=[{"id": s} for s in SITES], sources=SOURCES))
        service = InsightsService(bridge)
        admin = {"username": "root", "role": "admin", "sites": None}
        editor = {"username": "ed", "role": "editor", "sites": one}
        cases = {
            "comments per day": lambda s: store.insight_comment_series(s, start, end),
            "pending backlog (before + changes)": lambda s: (store.insight_pending_before(s, start),
                                                             store.insight_pending_series(s, start, end)),
            "decisions (origin, spam)": lambda s: store.insight_decisions(s, start, end),
            "decisions per editor": lambda s: store.insight_decisions_by_actor(s, start, end),
            "posting → decision buckets": lambda s: store.insight_waits("comment", s, start, end),
            "top posts": lambda s: store.insight_top_posts(s, start, end, 10),
            "publishing": lambda s: store.insight_job_days(s, start, end, ["publish", "unpublish"]),
        }
        print(f"range {start} … {end} (90 days), {RUNS} runs each; wall p50 / p95 ms (CPU p50 / p95 ms)")
        for name, fn in cases.items():
            print(f"  {name:38s} " + show("all sites", timed(lambda fn=fn: fn(SITES)))
                  + "   " + show("one site", timed(lambda fn=fn: fn(one))))
        kinds = {s["id"]: s["kind"] for s in SOURCES}
        for name, fn in {"items per week": lambda: store.insight_items_per_week(sources, start, end),
                         "items per contributor": lambda: store.insight_items_per_contributor(kinds, start, end),
                         "item decisions": lambda: store.insight_item_decisions(sources, start, end),
                         "arrival → decision buckets": lambda: store.insight_waits("item", [""], start, end)}.items():
            print(f"  {name:38s} " + show("all sources", timed(fn)))
        today = date.fromisoformat(end)
        ranges = {f"last {n} days": DayRange(today - timedelta(days=n - 1), today) for n in (7, 30, 90)}
        ranges["custom 2026-03-04 … 2026-11-19"] = DayRange(date(2026, 3, 4), date(2026, 11, 19))  # 261 days
        ranges["custom 366 days (the most)"] = DayRange(today - timedelta(days=365), today)
        for label, rng in ranges.items():
            for who, user in (("admin, all 50 sites", admin), ("editor of one site", editor)):
                figures = timed(lambda user=user, rng=rng: service.figures(user, rng))
                print(f"  whole /insights figures, {label:31s} {who:20s} " + show("", figures))
        print(f"load average during the run: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
        store.close()
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
