"""Insights: what the consultant reads — who contributes, where comments pile up,
how fast the organisation answers, what gets published, which posts draw talk.

Every figure is a flat table (named columns, one dict per row) so the page's
chart and table, its CSV download and ``GET /api/v1/insights`` are the same
numbers by construction. The figures come from the daily aggregates migration
0014 keeps by triggers (see ``bridge/store/insights.py``); days are UTC dates.

Rights are enforced here, not in the views: an editor limited to some sites gets
figures for those sites only, asking for another site is refused, and the
contribution figures cover the sources that feed their sites.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from .errors import ServiceError
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge

#: ranges the page offers as one click (days, today included)
PRESET_DAYS = (7, 30, 90)
#: the longest range a request may ask for: the aggregates are daily, a year of
#: days is still a small read, and a longer span is a sign of a typo
MAX_DAYS = 366
#: how many posts "top posts" lists
TOP_POSTS = 10
#: job kinds the publishing figure counts
PUBLISH_KINDS = ("publish", "unpublish")

#: figure name → (title, columns); the order is the page's
FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "items_per_week": (N_("Items received per week, by source"),
                       ("week", "source", "source_kind", "items")),
    "items_per_contributor": (N_("Items received per contributor"), ("contributor", "source_kind", "items")),
    "item_decisions": (N_("Item approval rate, by source"), ("source", "approved", "rejected", "approval_rate")),
    "item_decision_time": (N_("Time from an item's arrival to its decision"), ("decisions", "p50_s", "p95_s")),
    "comments_per_day": (N_("Comments per site per day"), ("site", "day", "comments")),
    "pending_backlog": (N_("Pending comments at the end of each day"), ("site", "day", "pending")),
    "comment_decision_time": (N_("Time from a comment's posting to its decision"),
                              ("site", "decisions", "p50_s", "p95_s")),
    "decisions_per_editor": (N_("Decisions per editor (in cms-bridge)"), ("editor", "decisions")),
    "spam_rate": (N_("Share of decisions that were spam"), ("site", "decisions", "spam", "spam_rate")),
    "where_decided": (N_("Where comments were decided"), ("site", "in_cms", "in_cms_bridge", "cms_share")),
    "publishing": (N_("Publishing per site"), ("site", "published", "jobs_done", "retries", "failures")),
    "top_posts": (N_("Top posts by comments"), ("site", "post_id", "title", "url", "comments")),
}


class InsightsError(ServiceError):
    """A range or filter that cannot be shown; ``field``/``value`` name the input."""

    def __init__(self, detail: str, *, field: str, value: Any, status: int = 400):
        super().__init__(detail)
        self.field = field
        self.value = value
        self.status = status


class NotAllowed(InsightsError):
    title = N_("Not allowed for this site")


@dataclass(frozen=True)
class DayRange:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def each_day(self) -> list[str]:
        return [(self.start + timedelta(days=i)).isoformat() for i in range(self.days)]

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days}


def _parse_day(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InsightsError(Words(N_("%(field)s=%(value)r is not a date; give it as YYYY-MM-DD, e.g. "
                                  "%(field)s=2026-01-31"), field=field, value=value),
                            field=field, value=value) from None


def parse_range(args: Mapping[str, str], today: date) -> DayRange:
    """The range a request asks for: ``from``/``to`` (YYYY-MM-DD, either may be
    left out) or ``days`` (7, 30, 90 — the last N days up to today); default 30 days."""
    start_text, end_text, days_text = (args.get("from") or "").strip(), (args.get("to") or "").strip(), \
        (args.get("days") or "").strip()
    if not start_text and not end_text:
        days = 30
        if days_text:
            if days_text not in {str(d) for d in PRESET_DAYS}:
                raise InsightsError(Words(N_("days=%(value)r is not a preset; use one of %(presets)s, or from= and "
                                          "to= for another range"), value=days_text,
                                          presets=", ".join(map(str, PRESET_DAYS))),
                                    field="days", value=days_text)
            days = int(days_text)
        return DayRange(today - timedelta(days=days - 1), today)
    end = _parse_day("to", end_text) if end_text else today
    start = _parse_day("from", start_text) if start_text else end - timedelta(days=29)
    if start > end:
        raise InsightsError(Words(N_("from=%(start)s is after to=%(end)s; swap them or pick an earlier from"),
                                  start=start.isoformat(), end=end.isoformat()),
                            field="from", value=start_text, status=422)
    if (end - start).days + 1 > MAX_DAYS:
        raise InsightsError(Words(N_("from=%(start)s to to=%(end)s spans %(days)s days; ask for at most %(max)s days "
                                  "at a time"), start=start.isoformat(), end=end.isoformat(),
                                  days=(end - start).days + 1, max=MAX_DAYS), field="from", value=start_text,
                            status=422)
    return DayRange(start, end)


def percentile(buckets: list[tuple[float, int]], p: float) -> float | None:
    """The upper bound (seconds) of the bucket holding the ``p`` quantile; None
    when there is nothing, or when it lies in the open last bucket (over 30 days)."""
    total = sum(n for _, n in buckets)
    if total == 0:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for le, n in sorted(buckets):
        seen += n
        if seen >= rank:
            return None if math.isinf(le) else le
    return None


def _in_order(days: list[str], values: list) -> list[tuple[str, object]] | zip:
    """(day, value) pairs in day order; the lists come in that order from the index, and
    checking that costs less than sorting the pairs."""
    if days == sorted(days):
        return zip(days, values, strict=True)
    return sorted(zip(days, values, strict=True))


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class InsightsService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store

    def today(self) -> date:
        return datetime.fromtimestamp(self.bridge.clock(), UTC).date()

    # -- rights -------------------------------------------------------------------
    def sites_for(self, user: dict, site: str | None) -> list[str]:
        """The sites the figures cover: ``site`` when given and allowed, else all
        the user may see."""
        configured = [s["id"] for s in self.bridge.config.sites]
        allowed = configured if user["role"] == "admin" or user.get("sites") is None else \
            [s for s in configured if s in user["sites"]]
        if not site:
            return allowed
        if site not in configured:
            raise InsightsError(Words(N_("site=%(site)r is not a configured site; use one of: %(sites)s"), site=site,
                                      sites=", ".join(configured)),
                                field="site", value=site, status=422)
        if site not in allowed:
            raise NotAllowed(Words(N_("%(user)s may not see site %(site)r; ask an admin for access or leave site= "
                                   "empty for your sites"), user=user["username"], site=site),
                             field="site", value=site, status=403)
        return [site]

    def sources_for(self, user: dict, sites: list[str], site: str | None) -> list[dict]:
        """Sources whose items the user may see: all for an unrestricted user and
        no site filter, else the sources targeting the chosen sites."""
        sources = list(self.bridge.config.sources)
        if not site and (user["role"] == "admin" or user.get("sites") is None):
            return sources
        return [s for s in sources if set(s.get("targets") or []) & set(sites)]

    # -- figures --------------------------------------------------------------------
    def figures(self, user: dict, rng: DayRange, site: str | None = None) -> dict:
        """``{"range", "sites", "figures": {name: [row, ...]}}`` for ``user``."""
        sites = self.sites_for(user, site)
        sources = self.sources_for(user, sites, site)
        start, end = rng.start.isoformat(), rng.end.isoformat()
        figures = {}
        figures.update(self._contributions(sources, start, end))
        figures.update(self._moderation(sites, rng))
        figures["publishing"] = self._publishing(sites, start, end)
        figures["top_posts"] = [
            {"site": r["site_id"], "post_id": r["post_id"], "title": r["title"], "url": r["url"],
             "comments": r["comments"]}
            for r in self.store.insight_top_posts(sites, start, end, TOP_POSTS)]
        return {"range": rng.as_dict(), "sites": sites, "figures": figures}

    def _contributions(self, sources: list[dict], start: str, end: str) -> dict:
        kinds = {s["id"]: s.get("kind", "") for s in sources}
        ids = list(kinds)
        contributors: dict[tuple[str, str], int] = {}
        for contributor, kind, n in self.store.insight_items_per_contributor(kinds, start, end):
            ckey = (contributor or "(unnamed)", kind)
            contributors[ckey] = contributors.get(ckey, 0) + n
        decided: dict[str, dict[str, int]] = {}
        for row in self.store.insight_item_decisions(ids, start, end):
            decided.setdefault(row["source_id"], {"approve": 0, "reject": 0})[row["action"]] = row["n"]
        waits = [(r["le"], r["n"]) for r in self.store.insight_waits("item", [""], start, end)]
        return {
            "items_per_week": [{"week": r["week"], "source": r["source_id"], "source_kind": kinds[r["source_id"]],
                                "items": r["n"]} for r in self.store.insight_items_per_week(ids, start, end)],
            "items_per_contributor": [{"contributor": c, "source_kind": k, "items": -n}
                                      for n, c, k in sorted((-n, c, k) for (c, k), n in contributors.items())],
            "item_decisions": [{"source": s, "approved": d["approve"], "rejected": d["reject"],
                                "approval_rate": _rate(d["approve"], d["approve"] + d["reject"])}
                               for s, d in sorted(decided.items())],
            "item_decision_time": [{"decisions": sum(n for _, n in waits), "p50_s": percentile(waits, 0.5),
                                    "p95_s": percentile(waits, 0.95)}],
        }

    def _moderation(self, sites: list[str], rng: DayRange) -> dict:
        start, end = rng.start.isoformat(), rng.end.isoformat()
        per_day = [{"site": site, "day": day, "comments": n}
                   for site, days, counts in self.store.insight_comment_series(sites, start, end)
                   for day, n in _in_order(days, counts)]
        backlog = self._backlog(sites, rng)
        waits: dict[str, list[tuple[float, int]]] = {}
        for row in self.store.insight_waits("comment", sites, start, end):
            waits.setdefault(row["site_id"], []).append((row["le"], row["n"]))
        per_site = {s: {"decisions": 0, "spam": 0, "cms": 0} for s in sites}
        for row in self.store.insight_decisions(sites, start, end):
            figure = per_site[row["site_id"]]
            figure["decisions"] += row["n"]
            figure["spam"] += row["n"] if row["to_status"] == "spam" else 0
            figure["cms"] += row["n"] if row["origin"] == "sync" else 0
        return {
            "comments_per_day": per_day,
            "pending_backlog": backlog,
            "comment_decision_time": [
                {"site": s, "decisions": sum(n for _, n in waits.get(s, [])),
                 "p50_s": percentile(waits.get(s, []), 0.5), "p95_s": percentile(waits.get(s, []), 0.95)}
                for s in sites],
            "decisions_per_editor": [{"editor": r["actor"], "decisions": r["n"]}
                                     for r in self.store.insight_decisions_by_actor(sites, start, end)],
            "spam_rate": [{"site": s, "decisions": f["decisions"], "spam": f["spam"],
                           "spam_rate": _rate(f["spam"], f["decisions"])} for s, f in per_site.items()],
            "where_decided": [{"site": s, "in_cms": f["cms"], "in_cms_bridge": f["decisions"] - f["cms"],
                               "cms_share": _rate(f["cms"], f["decisions"])} for s, f in per_site.items()],
        }

    def _backlog(self, sites: list[str], rng: DayRange) -> list[dict]:
        """Pending comments per site at the end of each day of the range: the
        count before the range plus every day's net change (entered minus left)."""
        level = self.store.insight_pending_before(sites, rng.start.isoformat())
        changes = {site: (days, deltas) for site, days, deltas in
                   self.store.insight_pending_series(sites, rng.start.isoformat(), rng.end.isoformat())}
        days = rng.each_day()
        position = {day: i for i, day in enumerate(days)}
        rows = []
        for site in sites:
            per_day = [0] * len(days)
            for day, delta in zip(*changes.get(site, ((), ())), strict=True):
                if day in position:  # a day that is no date is left out, as it always was
                    per_day[position[day]] += delta
            per_day[0] += level.get(site, 0)
            rows += [{"site": site, "day": day, "pending": pending}
                     for day, pending in zip(days, accumulate(per_day), strict=True)]
        return rows

    def _publishing(self, sites: list[str], start: str, end: str) -> list[dict]:
        per_site = {s: {"published": 0, "done": 0, "retry": 0, "failed": 0} for s in sites}
        for row in self.store.insight_job_days(sites, start, end, list(PUBLISH_KINDS)):
            per_site[row["site_id"]][row["event"]] += row["n"]
        return [{"site": s, "published": f["published"], "jobs_done": f["done"], "retries": f["retry"],
                 "failures": f["failed"]} for s, f in per_site.items()]


def setup(bridge: Bridge) -> InsightsService:
    return InsightsService(bridge)
