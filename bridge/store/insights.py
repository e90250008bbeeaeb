"""Reads for ``/insights``: the daily aggregate tables migration 0014 keeps by
triggers. Every query is bounded by a day range and a list of site (or source)
ids the service has already checked; none of them touches ``comments`` or
``moderation_log`` row by row, except the title and link of the few top posts."""
from __future__ import annotations


def _in(values: list[str]) -> str:
    return ", ".join("?" for _ in values) or "NULL"


class InsightsQueries:
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
        return self.query(
            f"SELECT site_id, origin, to_status, sum(n) AS n FROM insight_decisions "
            f"WHERE day BETWEEN ? AND ? AND site_id IN ({_in(sites)}) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            [start, end, *sites])

    def insight_decisions_by_actor(self, sites: list[str], start: str, end: str) -> list[dict]:
        """Decisions made in cms-bridge (not seen by sync) per actor."""
        return self.query(
            f"SELECT actor, sum(n) AS n FROM insight_actor_days WHERE day BETWEEN ? AND ? "
            f"AND site_id IN ({_in(sites)}) AND origin != 'sync' GROUP BY 1 ORDER BY 2 DESC, 1",
            [start, end, *sites])

    def insight_waits(self, kind: str, sites: list[str], start: str, end: str) -> list[dict]:
        """Decisions per wait bucket (``le``: upper bound in seconds), per site."""
        return self.query(
            f"SELECT site_id, le, sum(n) AS n FROM insight_waits WHERE kind = ? AND day BETWEEN ? AND ? "
            f"AND site_id IN ({_in(sites)}) GROUP BY 1, 2 ORDER BY 1, 2", [kind, start, end, *sites])

    def insight_item_days(self, sources: list[str], start: str, end: str) -> list[dict]:
        return self.query(
            f"SELECT day, source_id, contributor, n FROM insight_item_days WHERE day BETWEEN ? AND ? "
            f"AND source_id IN ({_in(sources)}) ORDER BY day, source_id, contributor", [start, end, *sources])

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
        rows = self.query(
            f"SELECT site_id, post_id, sum(n) AS comments FROM insight_post_days WHERE day BETWEEN ? AND ? "
            f"AND site_id IN ({_in(sites)}) GROUP BY 1, 2 HAVING sum(n) > 0 "
            f"ORDER BY comments DESC, site_id, post_id LIMIT ?", [start, end, *sites, limit])
        for row in rows:
            post = self.query_one(
                "SELECT post_title, post_url FROM comments WHERE site_id = ? AND post_id = ? "
                "ORDER BY date_gmt DESC, id DESC LIMIT 1", [row["site_id"], row["post_id"]]) or {}
            row["title"] = post.get("post_title") or ""
            row["url"] = post.get("post_url") or ""
        return rows
