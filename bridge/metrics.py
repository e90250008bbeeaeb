"""What ``/metrics`` reports, in Prometheus' text format.

Everything is read from the database at scrape time: the counters are kept by
triggers and by the store in the same transaction as the change they count, so
all gunicorn workers and every ``cms-bridge sync`` process add to one set (no
per-process registries to merge, nothing lost on restart).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector, CollectorRegistry

if TYPE_CHECKING:
    from .store import Store

PREFIX = "cms_bridge"


def _split(labels: str, n: int) -> list[str]:
    parts = labels.split("|")
    return (parts + [""] * n)[:n]


def _counter(name: str, doc: str, labels: list[str], values: dict[str, float]) -> CounterMetricFamily:
    """A counter family from ``metric_counters`` rows whose label string holds
    ``len(labels)`` values joined by ``|``."""
    family = CounterMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)
    for joined, value in sorted(values.items()):
        family.add_metric(_split(joined, len(labels)), value)
    return family


class StoreCollector(Collector):
    def __init__(self, store: Store):
        self.store = store

    def collect(self):
        c = self.store.metric_counters()
        depth = GaugeMetricFamily(f"{PREFIX}_outbox_jobs", "Outbox jobs right now, per state and kind.",
                                  labels=["state", "kind"])
        for row in self.store.outbox_depth():
            depth.add_metric([row["state"], row["kind"]], row["n"])
        yield depth
        yield _counter("job_attempt_failures", "Job attempts that failed (retried or not).", ["kind"],
                       c.get("job_attempt_failures", {}))
        yield _counter("jobs_failed", "Jobs that used up their attempts.", ["kind"], c.get("jobs_failed", {}))
        yield self._latency(c)
        yield _counter("sync_runs", "Syncs of a site, per outcome.", ["site", "outcome"], c.get("sync_runs", {}))
        yield _counter("sync_seconds", "Seconds spent syncing a site (divide by runs).", ["site"],
                       c.get("sync_seconds", {}))
        yield _counter("comments_pulled", "Comments pulled from a site into the inbox.", ["site"],
                       c.get("comments_pulled", {}))
        stored = GaugeMetricFamily(f"{PREFIX}_comments", "Comments in the inbox, per site and status.",
                                   labels=["site", "status"])
        for row in self.store.comment_totals():
            stored.add_metric([row["site_id"], row["status"]], row["n"])
        yield stored
        yield _counter("webhook_deliveries", "Webhook deliveries, per source and answer.", ["source", "status"],
                       c.get("webhook_deliveries", {}))

    def _latency(self, counters: dict[str, dict[str, float]]):
        """Enqueue → done per job kind (``publish`` is the publish latency); a job
        re-queued for a newer revision counts from its first enqueue."""
        family = HistogramMetricFamily(f"{PREFIX}_job_latency_seconds",
                                       "Seconds from a job's enqueue to its success, per kind.", labels=["kind"])
        per_kind: dict[str, dict[float, float]] = {}
        for labels, value in counters.get("job_latency_bucket", {}).items():
            kind, le = _split(labels, 2)
            per_kind.setdefault(kind, {})[float(le)] = value
        sums = counters.get("job_latency_sum", {})
        bounds = self.store.metric_buckets()
        for kind, buckets in sorted(per_kind.items()):
            rows = [("+Inf" if b == float("inf") else repr(b), buckets.get(b, 0.0)) for b in bounds]
            family.add_metric([kind], rows, sum_value=sums.get(kind, 0.0))
        return family


def registry_for(store: Store) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return registry
