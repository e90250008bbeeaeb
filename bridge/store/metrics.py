"""Reads and bumps for ``/metrics``: counters kept by the triggers of migration
0013 and by :meth:`bump_counter`, plus the current outbox and comment figures."""
from __future__ import annotations

from .base import StoreBase


class MetricsQueries(StoreBase):
    def bump_counter(self, name: str, labels: str = "", by: float = 1.0) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO metric_counters (name, labels, value) VALUES (?, ?, ?) "
                "ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
                [name, labels, by],
            )

    def metric_counters(self) -> dict[str, dict[str, float]]:
        """Every counter: ``{name: {labels: value}}``."""
        out: dict[str, dict[str, float]] = {}
        for row in self.db.execute("SELECT name, labels, value FROM metric_counters ORDER BY name, labels"):
            out.setdefault(row["name"], {})[row["labels"]] = row["value"]
        return out

    def metric_buckets(self) -> list[float]:
        return [row[0] for row in self.db.execute("SELECT le FROM metric_buckets ORDER BY le")]

    def outbox_depth(self) -> list[dict]:
        """Jobs per state and kind right now (done and superseded jobs included:
        a scrape shows the whole picture, dashboards pick the states they watch)."""
        return self.query("SELECT state, kind, count(*) AS n FROM jobs GROUP BY state, kind ORDER BY state, kind")

    def comment_totals(self) -> list[dict]:
        """Comments stored per site and status (the trigger-kept ``comment_counts``)."""
        return self.query("SELECT site_id, status, n FROM comment_counts WHERE n > 0 ORDER BY site_id, status")
