"""The tables migration 0023 keeps for the all-sites ``/insights`` (contributors, monthly
comments per post, running totals of item decisions and job outcomes) stay equal to a
recount from the rows they come from — after inserts, status changes, deletions and a
change dated on an earlier day — and are filled from existing rows when the migration
runs; the figures read through them equal a plain sum of the daily rows for every range."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bridge.store import Store, open_store
from bridge.store.insights import range_pieces
from bridge.store.migrations import RUNNING_TOTALS_0023, known_names, migrations
from tests.curation_helpers import CURATION
from tests.insights_timeline import BOB, at, comment, item

pytestmark = pytest.mark.bridge_config(*CURATION)

SITES = ["corp", "shop"]


def rows(store, sql: str, params=()) -> list[tuple]:
    return sorted(tuple(r.values()) for r in store.query(sql, params))


def assert_kept_tables_equal_a_recount(store) -> None:
    assert rows(store, "SELECT site_id, post_id, day, n FROM insight_post_days WHERE n != 0") == rows(
        store, "SELECT site_id, post_id, substr(date_gmt, 1, 10), count(*) FROM comments GROUP BY 1, 2, 3")
    assert rows(store, "SELECT month, site_id, post_id, n FROM insight_post_months WHERE n != 0") == rows(
        store, "SELECT coalesce(date(day, 'start of month'), day), site_id, post_id, sum(n) FROM insight_post_days "
               "GROUP BY 1, 2, 3 HAVING sum(n) != 0")
    assert set(rows(store, "SELECT DISTINCT contributor FROM insight_item_days")) <= set(rows(  # only grows
        store, "SELECT contributor FROM insight_item_contributors"))
    assert rows(store, "SELECT day, source_id, action, n FROM insight_item_decisions WHERE n != 0") == rows(
        store, "SELECT substr(d.created_at, 1, 10), i.source_id, d.action, count(*) FROM item_decisions d "
               "JOIN items i ON i.id = d.item_id WHERE d.action IN ('approve', 'reject') GROUP BY 1, 2, 3")
    for table, keys in RUNNING_TOTALS_0023.items():
        cols = ", ".join(keys)
        match = " AND ".join(f"d.{k} = c.{k}" for k in keys)
        # every running total is the sum of its key's days up to its own (a day whose row was
        # deleted keeps its total), and every day of the daily table has one
        assert store.query(f"SELECT * FROM {table}_cum c WHERE cum != (SELECT coalesce(sum(n), 0) FROM {table} d "
                           f"WHERE {match} AND d.day <= c.day)") == [], table
        assert store.query(f"SELECT * FROM {table} c WHERE NOT EXISTS (SELECT 1 FROM {table}_cum d "
                           f"WHERE {match} AND d.day = c.day)") == [], table
        # the keys only grow (a key whose days were deleted reads as 0, and is left out of a figure)
        assert set(rows(store, f"SELECT DISTINCT {cols} FROM {table}")) <= set(rows(store, f"SELECT {cols} FROM "
                                                                                      f"{table}_keys")), table


def assert_reads_equal_daily_sums(store, days: list[date]) -> None:
    kinds = {"team": "webhook", "fans": "webhook", "staff": "feed"}
    for start in days:
        for end in (d for d in days if d >= start):
            s, e = start.isoformat(), end.isoformat()
            assert [(r["site_id"], r["post_id"], r["comments"]) for r in store.insight_top_posts(SITES, s, e, 10)] \
                == [tuple(r.values()) for r in store.query(
                    "SELECT site_id, post_id, sum(n) FROM insight_post_days WHERE day BETWEEN ? AND ? GROUP BY 1, 2 "
                    "HAVING sum(n) > 0 ORDER BY 3 DESC, 1, 2 LIMIT 10", [s, e])], (s, e)
            assert rows(store, "SELECT source_id, action, sum(n) FROM insight_item_decisions WHERE day BETWEEN ? "
                               "AND ? GROUP BY 1, 2 HAVING sum(n) != 0", [s, e]) == \
                sorted(tuple(r.values()) for r in store.insight_item_decisions(list(kinds), s, e))
            assert rows(store, "SELECT site_id, kind, event, sum(n) FROM insight_job_days WHERE day BETWEEN ? AND ? "
                               "GROUP BY 1, 2, 3 HAVING sum(n) != 0", [s, e]) == \
                sorted(tuple(r.values()) for r in store.insight_job_days(SITES, s, e, ["publish", "unpublish"]))
            per_kind: dict[tuple[str, str], int] = {}
            for r in store.query("SELECT contributor, source_id, n FROM insight_item_days WHERE day BETWEEN ? AND ?",
                                 [s, e]):
                key = (r["contributor"], kinds[r["source_id"]])
                per_kind[key] = per_kind.get(key, 0) + r["n"]
            assert sorted(store.insight_items_per_contributor(kinds, s, e)) == \
                sorted((c, k, n) for (c, k), n in per_kind.items() if n)
            assert [(site, list(zip(d, n, strict=True))) for site, d, n in store.insight_comment_series(SITES, s, e)] \
                == [(site, [(r["day"], r["n"]) for r in store.query(
                    "SELECT day, n FROM insight_comment_days WHERE site_id = ? AND day BETWEEN ? AND ? AND n > 0 "
                    "ORDER BY day", [site, s, e])]) for site in SITES
                    if store.scalar("SELECT count(*) FROM insight_comment_days WHERE site_id = ? AND day BETWEEN ? "
                                    "AND ? AND n > 0", [site, s, e])]


def test_range_pieces_cover_every_day_of_a_range_once():
    first = date(2026, 1, 20)
    for length in (1, 2, 6, 7, 8, 13, 27, 28, 31, 32, 45, 59, 60, 61, 90, 200, 366):
        for shift in range(0, 70, 3):
            start, end = first + timedelta(days=shift), first + timedelta(days=shift + length - 1)
            covered = []
            for level, lo, hi in range_pieces(start.isoformat(), end.isoformat()):
                lo_day, hi_day = date.fromisoformat(lo), date.fromisoformat(hi)
                if level == "month":
                    assert lo_day.day == 1 and hi_day.day == 1
                    hi_day = (hi_day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
                elif level == "week":
                    assert lo_day.weekday() == hi_day.weekday() == 0
                    hi_day += timedelta(days=6)
                covered += [lo_day + timedelta(days=i) for i in range((hi_day - lo_day).days + 1)]
            assert covered == [start + timedelta(days=i) for i in range(length)], (start, end)
    assert range_pieces("2026-01-15", "2027-01-15") == [  # a year: ~12 months, and at most 2 × (6 days, 4 weeks)
        ("day", "2026-01-15", "2026-01-18"), ("week", "2026-01-19", "2026-01-19"), ("day", "2026-01-26", "2026-01-31"),
        ("month", "2026-02-01", "2026-12-01"),
        ("day", "2027-01-01", "2027-01-03"), ("week", "2027-01-04", "2027-01-04"), ("day", "2027-01-11", "2027-01-15")]


def test_kept_tables_follow_inserts_status_changes_deletions_and_back_dated_changes(bridge, store, clock, timeline):
    assert_kept_tables_equal_a_recount(store)
    # a back-dated comment, item and item decision (a clock behind, a late import), a status change
    clock.t = at("2027-01-09T09:00:00")
    store.save_comment_page("shop", [comment("late", "2026-12-28T08:00:00.000000Z", post_id="9")], {"page": clock.t})
    bridge.moderation.decide(BOB, store.get_comment_by_remote("shop", "late")["id"], "trash")
    late = item(store, "team", "Dee")  # team's approvals so far: on the 10th and the 12th
    store.add_item_decision(late, actor="bob", action="approve", from_state="pending", to_state="approved")
    job = bridge.outbox.enqueue("publish", key="publish:late:corp", payload={"item_id": late}, site_id="corp")
    store.claim_jobs(owner="w", now=clock.t, lease_until=clock.t + 60, limit=5, kinds=["publish"])
    store.finish_job(job["id"], "w", {})  # corp's publish done on the 9th, before the one of the 10th
    clock.t = at("2027-01-20T09:00:00")
    item(store, "staff", "")
    store.apply_site_statuses("corp", [{"row": store.get_comment(timeline["c1"]), "status": "pending"}])
    assert_kept_tables_equal_a_recount(store)
    # deletions: a comment, and the daily rows the running totals are kept from
    with store.write() as db:
        db.execute("DELETE FROM comments WHERE id = ?", [timeline["s2"]])
        db.execute("DELETE FROM insight_job_days WHERE site_id = 'corp' AND event = 'retry'")
        db.execute("UPDATE insight_item_decisions SET n = n + 2 WHERE day = '2027-01-10'")
        db.execute("DELETE FROM item_decisions WHERE item_id = ?", [late])
        db.execute("UPDATE insight_item_decisions SET n = n - 1 WHERE day = '2027-01-09'")
        db.execute("UPDATE insight_item_decisions SET n = n - 2 WHERE day = '2027-01-10'")
    assert_kept_tables_equal_a_recount(store)
    days = [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 31), date(2027, 2, 1)]
    assert_reads_equal_daily_sums(store, sorted({*days, *(date(2026, 12, 26) + timedelta(days=i)
                                                          for i in range(0, 28, 2))}))


def test_migration_0023_fills_its_tables_from_existing_rows(tmp_path):
    path = str(tmp_path / "old.db")
    old = Store(path)
    migrations.apply(old.db, stop_before="0023_insight_read_paths")  # as the release before left it
    conn = old.db.conn
    posted_at = [("corp", "1", "2026-11-30T10:00:00Z"), ("corp", "1", "2026-12-01T10:00:00Z"),
                 ("shop", "7", "2026-12-02T10:00:00Z"), ("corp", "2", "x")]  # x: a date that is none
    for n, (site, post, posted) in enumerate(posted_at):
        conn.execute("INSERT INTO comments (site_id, remote_id, post_id, status, remote_status, date_gmt, "
                     "first_seen_at, updated_at) VALUES (?, ?, ?, 'pending', 'pending', ?, ?, ?)",
                     [site, str(n), post, posted, posted, posted])
    received = [("team", "Ana", "2026-12-01T10:00:00Z"), ("fans", "Bo", "2026-12-03T10:00:00Z")]
    for n, (source, who, at_) in enumerate(received):
        conn.execute("INSERT INTO items (source_id, external_id, contributor, received_at, state, updated_at) "
                     "VALUES (?, ?, ?, ?, 'pending', ?)", [source, f"x{n}", who, at_, at_])
        conn.execute("INSERT INTO item_decisions (item_id, actor, action, from_state, to_state, created_at) "
                     "VALUES (?, 'ann', 'approve', 'pending', 'approved', ?)", [n + 1, at_])
    conn.execute("INSERT INTO jobs (kind, site_id, idempotency_key, state, attempts, max_attempts, next_attempt_at, "
                 "created_at, updated_at) VALUES ('publish', 'corp', 'k', 'running', 0, 5, 0, '2026-12-01T10:00:00Z', "
                 "'2026-12-01T10:00:00Z')")
    conn.execute("UPDATE jobs SET state = 'done', finished_at = updated_at")
    conn.commit()
    old.close()
    store = open_store(path)
    assert store.applied_migrations() == known_names()
    assert rows(store, "SELECT month, site_id, post_id, n FROM insight_post_months") == [
        ("2026-11-01", "corp", "1", 1), ("2026-12-01", "corp", "1", 1), ("2026-12-01", "shop", "7", 1),
        ("x", "corp", "2", 1)]
    assert_kept_tables_equal_a_recount(store)
    assert store.insight_job_days(["corp"], "2026-12-01", "2026-12-31", ["publish"]) == [
        {"site_id": "corp", "kind": "publish", "event": "done", "n": 1}]
