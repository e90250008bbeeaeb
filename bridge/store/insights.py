"""Reads for ``/insights``: the daily aggregate tables migration 0014 keeps by
triggers, and the running totals beside three of them (migration 0022). Every
query is bounded by a day range and a list of site (or source) ids the service
has already checked; none of them touches ``comments`` or ``moderation_log`` row
by row, except the title and link of the few top posts. Each figure is one query
whatever the number of sites (no query per site), and what can be summed or
grouped is summed in SQL, so Python only sees the rows a figure shows."""
from __future__ import annotations

from datetime import date, timedelta

from .base import StoreBase


def _in(values: list[str]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def whole_weeks(start: str, end: str) -> tuple[str, str] | None:
    """(first Monday, last Monday) of the whole weeks inside start…end, or None."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    monday = first + timedelta(days=-first.weekday() % 7)
    last_monday = last - timedelta(days=(last.weekday() + 1) % 7 + 6)  # the Monday of the last week ending ≤ end
    return (monday.isoformat(), last_monday.isoformat()) if monday <= last_monday else None


def _range_sums(table: str, keys: tuple[str, ...], where: str) -> str:
    """A ``WITH sums`` clause of ``keys…, n``: each key's sum of ``n`` over the days
    ``?1``…``?2`` (the first two parameters: start, end) from ``<table>_cum``, keys chosen
    by ``where`` (on ``<table>_keys``). Select ``FROM sums WHERE n != 0`` to leave out the
    keys with nothing in the range, as a GROUP BY over the daily rows does. MATERIALIZED:
    each key's two lookups run once, not again for every use of ``n``."""
    match = " AND ".join(f"c.{k} = k.{k}" for k in keys)

    def total(day: str) -> str:  # the running total at the newest change matching ``day``
        return (f"coalesce((SELECT c.cum FROM {table}_cum c WHERE {match} AND c.day {day} "
                f"ORDER BY c.day DESC LIMIT 1), 0)")

    cols = ", ".join(f"k.{k}" for k in keys)
    return (f"WITH sums AS MATERIALIZED (SELECT {cols}, {total('<= ?2')} - {total('< ?1')} AS n "
            f"FROM {table}_keys k WHERE {where}) ")


class InsightsQueries(StoreBase):
    def insight_comment_days(self, sites: list[str], start: str, end: str) -> list[dict]:
        return self.query(
            f"SELECT site_id, day, n FROM insight_comment_days WHERE day BETWEEN ? AND ? "
            f"AND site_id IN ({_in(sites)}) AND n > 0 ORDER BY site_id, day", [start, end, *sites])

    def insight_pending_before(self, sites: list[str], start: str) -> dict[str, int]:
        """Comments pending per site at the start of ``start`` (the sum of every change before it)."""
        rows = self.query(
            f"SELECT site_id, sum(delta) AS n FROM insight_pending_delta WHERE site_id IN ({_in(sites)}) "
            f"AND day < ? GROUP BY site_id", [*sites, start])
        return {r["site_id"]: r["n"] for r in rows}

    def insight_pending_changes(self, sites: list[str], start: str, end: str) -> list[dict]:
        return self.query(
            f"SELECT site_id, day, delta FROM insight_pending_delta WHERE site_id IN ({_in(sites)}) "
            f"AND day BETWEEN ? AND ? ORDER BY site_id, day", [*sites, start, end])

    def insight_decisions(self, sites: list[str], start: str, end: str) -> list[dict]:
        sums = _range_sums("insight_decisions", ("site_id", "origin", "to_status"), f"k.site_id IN ({_in(sites)})")
        return self.query(f"{sums} SELECT * FROM sums WHERE n != 0 ORDER BY 1, 2, 3", [start, end, *sites])

    def insight_decisions_by_actor(self, sites: list[str], start: str, end: str) -> list[dict]:
        """Decisions made in cms-bridge (not seen by sync) per actor."""
        sums = _range_sums("insight_actor_days", ("site_id", "actor", "origin"),
                           f"k.site_id IN ({_in(sites)}) AND k.origin != 'sync'")
        return self.query(f"{sums} SELECT actor, sum(n) AS n FROM sums WHERE n != 0 GROUP BY 1 ORDER BY 2 DESC, 1",
                          [start, end, *sites])

    def insight_waits(self, kind: str, sites: list[str], start: str, end: str) -> list[dict]:
        """Decisions per wait bucket (``le``: upper bound in seconds), per site."""
        sums = _range_sums("insight_waits", ("kind", "site_id", "le"), f"k.kind = ?3 AND k.site_id IN ({_in(sites)})")
        return self.query(f"{sums} SELECT site_id, le, n FROM sums WHERE n != 0 ORDER BY 1, 2",
                          [start, end, kind, *sites])

    def insight_items_per_week(self, sources: list[str], start: str, end: str) -> list[dict]:
        """Items per (week starting Monday, source) over the range's days."""
        return self.query(
            f"SELECT date(day, '-6 days', 'weekday 1') AS week, source_id, sum(n) AS n FROM insight_source_days "
            f"WHERE day BETWEEN ? AND ? AND source_id IN ({_in(sources)}) GROUP BY 1, 2 ORDER BY 1, 2",
            [start, end, *sources])

    def insight_items_per_contributor(self, kinds: dict[str, str], start: str, end: str) -> list[dict]:
        """Items per (contributor, kind of source); ``kinds``: source id → its kind. One pass in
        contributor order (the index 0022 adds), a column per kind: no sorting of the range's rows."""
        names = sorted(set(kinds.values()))
        if not names:
            return []
        groups = [[s for s, k in kinds.items() if k == name] for name in names]
        columns = ", ".join(f"sum(CASE WHEN source_id IN ({_in(g)}) THEN n END) AS k{i}" for i, g in enumerate(groups))
        rows = self.db.execute(
            f"SELECT contributor, {columns} FROM insight_item_days INDEXED BY insight_item_days_contributor "
            f"WHERE day BETWEEN ? AND ? AND source_id IN ({_in(list(kinds))}) GROUP BY contributor",
            [*(s for g in groups for s in g), start, end, *kinds]).fetchall()
        return [{"contributor": row[0], "source_kind": name, "n": row[i + 1]}
                for row in rows for i, name in enumerate(names) if row[i + 1] is not None]

    def insight_item_decisions(self, sources: list[str], start: str, end: str) -> list[dict]:
        return self.query(
            f"SELECT source_id, action, sum(n) AS n FROM insight_item_decisions WHERE day BETWEEN ? AND ? "
            f"AND source_id IN ({_in(sources)}) GROUP BY 1, 2 ORDER BY 1, 2", [start, end, *sources])

    def insight_job_days(self, sites: list[str], start: str, end: str, kinds: list[str]) -> list[dict]:
        return self.query(
            f"SELECT site_id, kind, event, sum(n) AS n FROM insight_job_days WHERE day BETWEEN ? AND ? "
            f"AND site_id IN ({_in(sites)}) AND kind IN ({_in(kinds)}) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            [start, end, *sites, *kinds])

    def insight_top_posts(self, sites: list[str], start: str, end: str, limit: int) -> list[dict]:
        """The posts with the most comments posted in the range, with the title and
        link of their newest comment (one index lookup per post)."""
        newest = ("(SELECT {col} FROM comments c WHERE c.site_id = t.site_id AND c.post_id = t.post_id "
                  "ORDER BY c.date_gmt DESC, c.id DESC LIMIT 1)")
        weeks = whole_weeks(start, end)
        bounds: tuple[str, ...]
        if weeks is None:  # no whole week inside: the days alone
            rows, bounds = "SELECT site_id, post_id, n FROM insight_post_days WHERE day BETWEEN ?1 AND ?2", ()
        else:  # the days before the first whole week and after the last, and the weeks between
            bounds = weeks
            rows = ("SELECT site_id, post_id, n FROM insight_post_days WHERE (day >= ?1 AND day < ?3) "
                    "OR (day > date(?4, '+6 days') AND day <= ?2) "
                    "UNION ALL SELECT site_id, post_id, n FROM insight_post_weeks WHERE week BETWEEN ?3 AND ?4")
        return self.query(
            f"SELECT t.*, coalesce({newest.format(col='post_title')}, '') AS title, "
            f"coalesce({newest.format(col='post_url')}, '') AS url FROM ("
            f"SELECT site_id, post_id, sum(n) AS comments FROM ({rows}) WHERE site_id IN ({_in(sites)}) "
            f"GROUP BY 1, 2 HAVING sum(n) > 0 ORDER BY comments DESC, site_id, post_id LIMIT ?) t "
            f"ORDER BY comments DESC, site_id, post_id",
            [start, end, *bounds, *sites, limit])
