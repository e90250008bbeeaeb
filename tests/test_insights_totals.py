"""The all-sites insights are the per-site ones added up, the running totals of
migration 0022 equal the daily tables they are kept from (also when a change lands on
an earlier day than the newest), and a figure costs the same number of queries for
one site as for all of them (no query per site: what made the admin's view slow)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from bridge.insights import DayRange
from tests.curation_helpers import CURATION
from tests.insights_timeline import BOB, RANGE, at, comment
from tests.test_insights import figures

#: the hand-counted timeline of test_insights (two sites, decisions, items, jobs)
pytestmark = pytest.mark.bridge_config(*CURATION)

PER_SITE_ROWS = ("comments_per_day", "pending_backlog", "comment_decision_time", "spam_rate", "where_decided",
                 "publishing")


def sites(bridge) -> list[str]:
    return [s["id"] for s in bridge.config.sites]


def test_all_sites_figures_are_the_sum_of_the_per_site_figures(bridge, timeline):
    every = figures(bridge)
    per_site = {s: figures(bridge, site=s) for s in sites(bridge)}
    assert len(per_site) >= 2 and all(every[name] for name in PER_SITE_ROWS)
    for name in PER_SITE_ROWS:  # one row (or one row a day) per site: the all-sites table is theirs, in order
        assert every[name] == [row for s in sites(bridge) for row in per_site[s][name]], name
    editors: dict[str, int] = {}
    for s in sites(bridge):
        for row in per_site[s]["decisions_per_editor"]:
            editors[row["editor"]] = editors.get(row["editor"], 0) + row["decisions"]
    assert {r["editor"]: r["decisions"] for r in every["decisions_per_editor"]} == editors and editors
    top = sorted((r for s in sites(bridge) for r in per_site[s]["top_posts"]),
                 key=lambda r: (-r["comments"], r["site"], r["post_id"]))
    assert every["top_posts"] == top[:10] and top


def daily_sums(store, table: str, keys: str, start: str, end: str) -> list[tuple]:
    """What the figures read before migration 0022: a GROUP BY over the daily rows."""
    return sorted(tuple(r.values()) for r in store.query(
        f"SELECT {keys}, sum(n) AS n FROM {table} WHERE day BETWEEN ? AND ? GROUP BY {keys}", [start, end]))


def test_running_totals_equal_the_daily_tables_also_for_a_back_dated_change(bridge, store, clock, timeline):
    # a decision recorded on a day before the newest one of its key (a clock behind, a late
    # import): bob's trash on shop after ~25 h, as on 2027-01-11, but on 2027-01-09 — the
    # totals of the later days must take it in too
    clock.t = at("2027-01-09T09:00:00")
    store.save_comment_page("shop", [comment("late", "2027-01-08T08:00:00.000000Z", post_id="9")], {"page": clock.t})
    bridge.moderation.decide(BOB, store.get_comment_by_remote("shop", "late")["id"], "trash")
    days = [date(2027, 1, 3) + timedelta(days=i) for i in range(14)]  # two whole weeks and ends
    for start in days:
        for end in (d for d in days if d >= start):
            s, e = start.isoformat(), end.isoformat()
            assert sorted(tuple(r.values()) for r in store.insight_decisions(sites(bridge), s, e)) == \
                daily_sums(store, "insight_decisions", "site_id, origin, to_status", s, e)
            waits = sorted(("comment", r["site_id"], r["le"], r["n"])
                           for r in store.insight_waits("comment", sites(bridge), s, e))
            assert waits == [w for w in daily_sums(store, "insight_waits", "kind, site_id, le", s, e)
                             if w[0] == "comment"]
            top = [(r["site_id"], r["post_id"], r["comments"])
                   for r in store.insight_top_posts(sites(bridge), s, e, 10)]
            assert top == [tuple(r.values()) for r in store.query(
                "SELECT site_id, post_id, sum(n) FROM insight_post_days WHERE day BETWEEN ? AND ? GROUP BY 1, 2 "
                "HAVING sum(n) > 0 ORDER BY 3 DESC, 1, 2 LIMIT 10", [s, e])]
            editors = [tuple(r.values()) for r in store.insight_decisions_by_actor(sites(bridge), s, e)]
            assert editors == [tuple(r.values()) for r in store.query(
                "SELECT actor, sum(n) AS n FROM insight_actor_days WHERE day BETWEEN ? AND ? AND origin != 'sync' "
                "GROUP BY actor ORDER BY 2 DESC, 1", [s, e])]
    shop = figures(bridge, site="shop", rng=DayRange(date(2027, 1, 9), date(2027, 1, 9)))
    assert shop["spam_rate"] == [{"site": "shop", "decisions": 1, "spam": 0, "spam_rate": 0.0}]
    both = figures(bridge, site="shop", rng=DayRange(date(2027, 1, 9), date(2027, 1, 11)))
    assert both["decisions_per_editor"] == [{"editor": "bob", "decisions": 2}]
    assert both["comment_decision_time"] == [{"site": "shop", "decisions": 2, "p50_s": 172800, "p95_s": 172800}]


def count_queries(bridge, **kwargs) -> list[str]:
    statements: list[str] = []
    conn = bridge.store.db.conn
    conn.set_trace_callback(statements.append)
    try:
        figures(bridge, **kwargs)
    finally:
        conn.set_trace_callback(None)
    return statements


def test_a_figure_costs_the_same_queries_for_one_site_as_for_all(bridge, timeline):
    one = count_queries(bridge, site=sites(bridge)[0])
    every = count_queries(bridge)
    assert len(one) == len(every) == 12, every  # one query a figure (top posts' titles included)
    wide = count_queries(bridge, rng=DayRange(RANGE.start - timedelta(days=300), RANGE.end))
    assert len(wide) == len(every)
