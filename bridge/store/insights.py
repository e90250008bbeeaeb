"""Reads for ``/insights``: the daily aggregate tables migration 0014 keeps by
triggers, and the running totals beside five of them (migrations 0022, 0023). Every
query is bounded by a day range and a list of site (or source) ids the service
has already checked; none of them touches ``comments`` or ``moderation_log`` row
by row, except the title and link of the few top posts. Each figure is one query
whatever the number of sites (no query per site), and what can be summed or
grouped is summed in SQL, so Python only sees the rows a figure shows."""
from __future__ import annotations

import json
from datetime import date, timedelta

from .base import StoreBase

#: up to this many sites, "top posts" filters rows by site before grouping them (see there)
FEW_SITES = 1  # (the tests read both ways: one site, and two)


def _in(values: list[str]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


def whole_weeks(start: str, end: str) -> tuple[str, str] | None:
    """(first Monday, last Monday) of the whole weeks inside start…end, or None."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    monday = first + timedelta(days=-first.weekday() % 7)
    last_monday = last - timedelta(days=(last.weekday() + 1) % 7 + 6)  # the Monday of the last week ending ≤ end
    return (monday.isoformat(), last_monday.isoformat()) if monday <= last_monday else None


def whole_months(start: str, end: str) -> tuple[str, str] | None:
    """(first, last) first-of-month of the whole calendar months inside start…end, or None."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    month = first if first.day == 1 else (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = last + timedelta(days=1)
    last_month = (after.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last month ending ≤ end
    return (month.isoformat(), last_month.isoformat()) if month <= last_month else None


#: rows a piece of each level reads, relative to a day's, and what one more piece costs:
#: a post's comments come over a few days, so a week holds ~2 days' rows and a month ~5
#: (measured on the bench's data: 370 post rows a day, 700 a week, 1,830 a month)
PIECE_COST = {"day": 1, "week": 2, "month": 5, "piece": 1}


def range_pieces(start: str, end: str) -> list[tuple[str, str, str]]:
    """start…end as ``(level, first, last)`` pieces that cover each day once: whole weeks
    (``week``, keyed by their Monday) with single days (``day``) at the two ends — or whole
    months (``month``, by their first day) with weeks and days in what is left at either end,
    when that reads fewer rows by ``PIECE_COST`` (a year: ~12 months, not 52 weeks)."""
    def by_weeks(lo: date, hi: date) -> list[tuple[str, str, str]]:
        if lo > hi:
            return []
        weeks = whole_weeks(lo.isoformat(), hi.isoformat())
        if weeks is None:
            return [("day", lo.isoformat(), hi.isoformat())]
        monday, last_monday = date.fromisoformat(weeks[0]), date.fromisoformat(weeks[1])
        pieces = [("day", lo.isoformat(), (monday - timedelta(days=1)).isoformat())] if lo < monday else []
        pieces.append(("week", weeks[0], weeks[1]))
        if last_monday + timedelta(days=6) < hi:
            pieces.append(("day", (last_monday + timedelta(days=7)).isoformat(), hi.isoformat()))
        return pieces

    def cost(pieces: list[tuple[str, str, str]]) -> int:
        def count(level: str, lo: date, hi: date) -> int:
            if level == "month":
                return (hi.year - lo.year) * 12 + hi.month - lo.month + 1
            return (hi - lo).days // (7 if level == "week" else 1) + 1
        return sum(PIECE_COST[level] * count(level, date.fromisoformat(lo), date.fromisoformat(hi))
                   + PIECE_COST["piece"] for level, lo, hi in pieces)

    first, last = date.fromisoformat(start), date.fromisoformat(end)
    weekly = by_weeks(first, last)
    months = whole_months(start, end)
    if months is None:
        return weekly
    month, last_month = date.fromisoformat(months[0]), date.fromisoformat(months[1])
    after = (last_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    monthly = [*by_weeks(first, month - timedelta(days=1)), ("month", months[0], months[1]), *by_weeks(after, last)]
    return monthly if cost(monthly) < cost(weekly) else weekly


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
    def insight_comment_series(self, sites: list[str], start: str, end: str) -> list[tuple[str, list, list]]:
        """``(site_id, [day, …], [n, …])`` per site with comments in the range: one row per
        site, its days and counts as two JSON lists read in (site, day) order from the index
        0023 adds — a Python row per site and day cost more than the query itself."""
        return self._series(
            f"SELECT site_id, json_group_array(day), json_group_array(n) FROM insight_comment_days "
            f"INDEXED BY insight_comment_days_site WHERE site_id IN ({_in(sites)}) AND day BETWEEN ? AND ? "
            f"AND n > 0 GROUP BY site_id ORDER BY site_id", [*sites, start, end])

    def insight_pending_before(self, sites: list[str], start: str) -> dict[str, int]:
        """Comments pending per site at the start of ``start`` (the sum of every change before it)."""
        rows = self.db.execute(
            f"SELECT site_id, sum(delta) FROM insight_pending_delta WHERE site_id IN ({_in(sites)}) "
            f"AND day < ? GROUP BY site_id", [*sites, start]).fetchall()
        return dict(rows)

    def insight_pending_series(self, sites: list[str], start: str, end: str) -> list[tuple[str, list, list]]:
        """``(site_id, [day, …], [net change, …])`` per site with changes in the range."""
        return self._series(
            f"SELECT site_id, json_group_array(day), json_group_array(delta) FROM insight_pending_delta "
            f"WHERE site_id IN ({_in(sites)}) AND day BETWEEN ? AND ? GROUP BY site_id ORDER BY site_id",
            [*sites, start, end])

    def _series(self, sql: str, params: list) -> list[tuple[str, list, list]]:
        return [(key, json.loads(days), json.loads(values)) for key, days, values in
                self.db.execute(sql, params).fetchall()]

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

    def insight_items_per_contributor(self, kinds: dict[str, str], start: str, end: str) -> list[tuple]:
        """``(contributor, kind of source, items)``; ``kinds``: source id → its kind. Each
        contributor's days of the range are one index seek (0023), in contributor order, so
        grouping needs no sort; a column per kind but the last, which is the rest of the total."""
        names = sorted(set(kinds.values()))
        if not names:
            return []
        groups = [[s for s, k in kinds.items() if k == name] for name in names[:-1]]
        columns = "".join(f"sum(CASE WHEN d.source_id IN ({_in(g)}) THEN d.n END), " for g in groups)
        rows = self.db.execute(
            f"SELECT k.contributor, {columns}sum(d.n) FROM insight_item_contributors k "  # CROSS JOIN: k outside
            f"CROSS JOIN insight_item_days d INDEXED BY insight_item_days_contributor_day "
            f"WHERE d.contributor = k.contributor AND d.day BETWEEN ? AND ? "
            f"AND d.source_id IN ({_in(list(kinds))}) GROUP BY k.contributor",
            [*(s for g in groups for s in g), start, end, *kinds]).fetchall()
        if len(names) == 1:
            return [(contributor, names[0], total) for contributor, total in rows]
        out = []
        for contributor, *parts, total in rows:
            rest = total
            for name, n in zip(names, parts, strict=False):  # the last kind is the rest
                if n:
                    out.append((contributor, name, n))
                    rest -= n
            if rest:
                out.append((contributor, names[-1], rest))
        return out

    def insight_item_decisions(self, sources: list[str], start: str, end: str) -> list[dict]:
        sums = _range_sums("insight_item_decisions", ("source_id", "action"), f"k.source_id IN ({_in(sources)})")
        return self.query(f"{sums} SELECT * FROM sums WHERE n != 0 ORDER BY 1, 2", [start, end, *sources])

    def insight_job_days(self, sites: list[str], start: str, end: str, kinds: list[str]) -> list[dict]:
        """Job outcomes per (site, kind, event) summed over the range."""
        sums = _range_sums("insight_job_days", ("site_id", "kind", "event"),
                           f"k.site_id IN ({_in(sites)}) AND k.kind IN ({_in(kinds)})")
        return self.query(f"{sums} SELECT * FROM sums WHERE n != 0 ORDER BY 1, 2, 3", [start, end, *sites, *kinds])

    def insight_top_posts(self, sites: list[str], start: str, end: str, limit: int) -> list[dict]:
        """The posts with the most comments posted in the range, with the title and
        link of their newest comment (one index lookup per post)."""
        newest = ("(SELECT {col} FROM comments c WHERE c.site_id = t.site_id AND c.post_id = t.post_id "
                  "ORDER BY c.date_gmt DESC, c.id DESC LIMIT 1)")
        tables = {"day": "insight_post_days", "week": "insight_post_weeks", "month": "insight_post_months"}
        pieces = range_pieces(start, end)
        rows = " UNION ALL ".join(f"SELECT site_id, post_id, n FROM {tables[level]} WHERE {level} BETWEEN ? AND ?"
                                  for level, _, _ in pieces)
        # a few sites: leave the other sites' rows out before grouping; many: test each post's
        # site once after grouping, which costs less than testing every row
        where, having = (f"WHERE site_id IN ({_in(sites)})", "") if len(sites) <= FEW_SITES else \
            ("", f"site_id IN ({_in(sites)}) AND ")
        return self.query(
            f"SELECT t.*, coalesce({newest.format(col='post_title')}, '') AS title, "
            f"coalesce({newest.format(col='post_url')}, '') AS url FROM ("
            f"SELECT site_id, post_id, sum(n) AS comments FROM ({rows}) {where} "
            f"GROUP BY 1, 2 HAVING {having}sum(n) > 0 "
            f"ORDER BY comments DESC, site_id, post_id LIMIT ?) t "
            f"ORDER BY comments DESC, site_id, post_id",
            [*(bound for _, first, last in pieces for bound in (first, last)), *sites, limit])
