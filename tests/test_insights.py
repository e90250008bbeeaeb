"""The insights service against hand-counted fixtures.

Everything is placed at known times: the store's own timestamps follow the test's
``FakeClock`` (``store.time_source``), comments carry their posting dates, and
decisions go through the real moderation service, the sync's site-change
recording, the curation store and the outbox's job states — so the triggers of
migration 0014 are what is tested, not rows written around them. The expected
numbers below are counted by hand from the timeline in ``timeline``.
"""
from __future__ import annotations

from datetime import date

import pytest

from bridge.insights import DayRange, InsightsError, NotAllowed, parse_range, percentile
from tests.curation_helpers import CURATION, SOURCES
from tests.insights_timeline import ADMIN, BOB, RANGE

pytestmark = pytest.mark.bridge_config(*CURATION)


def figures(bridge, user=ADMIN, rng=RANGE, site=None):
    return bridge.insights.figures(user, rng, site)["figures"]


def test_moderation_figures_match_the_hand_count(bridge, timeline):
    f = figures(bridge)
    assert f["comments_per_day"] == [{"site": "corp", "day": "2027-01-10", "comments": 2},
                                     {"site": "shop", "day": "2027-01-10", "comments": 2},
                                     {"site": "shop", "day": "2027-01-11", "comments": 1}]
    corp = [r["pending"] for r in f["pending_backlog"] if r["site"] == "corp"]
    shop = [r["pending"] for r in f["pending_backlog"] if r["site"] == "shop"]
    assert corp == [2, 2, 1, 1, 1, 1]       # old1 before the range; c1..c3 in, c1 c2 out on the 10th; c3 on the 12th
    assert shop == [1, 0, 0, 0, 0, 0]
    assert f["comment_decision_time"] == [
        {"site": "corp", "decisions": 3, "p50_s": 7200, "p95_s": 345600},   # 50 min, 70 min, 59 h
        {"site": "shop", "decisions": 1, "p50_s": 172800, "p95_s": 172800}]  # 24 h 10 min
    assert f["decisions_per_editor"] == [{"editor": "ann", "decisions": 2}, {"editor": "bob", "decisions": 1}]
    assert f["spam_rate"] == [{"site": "corp", "decisions": 3, "spam": 1, "spam_rate": 0.3333},
                              {"site": "shop", "decisions": 1, "spam": 0, "spam_rate": 0.0}]
    assert f["where_decided"] == [{"site": "corp", "in_cms": 1, "in_cms_bridge": 2, "cms_share": 0.3333},
                                  {"site": "shop", "in_cms": 0, "in_cms_bridge": 1, "cms_share": 0.0}]
    assert f["top_posts"] == [
        {"site": "shop", "post_id": "7", "title": "Shop news", "url": "https://shop.example.org/news", "comments": 3},
        {"site": "corp", "post_id": "1", "title": "Turbines", "url": "https://corp.example.org/turbines",
         "comments": 2}]


def test_contribution_and_publishing_figures_match_the_hand_count(bridge, timeline):
    f = figures(bridge)
    assert f["items_per_week"] == [                             # 2027-01-10 is a Sunday: week of Monday the 4th
        {"week": "2027-01-04", "source": "fans", "source_kind": "webhook", "items": 1},
        {"week": "2027-01-04", "source": "team", "source_kind": "webhook", "items": 2},
        {"week": "2027-01-11", "source": "staff", "source_kind": "webhook", "items": 1}]
    assert f["items_per_contributor"] == [{"contributor": "Ana", "source_kind": "webhook", "items": 2},
                                          {"contributor": "Bo", "source_kind": "webhook", "items": 1},
                                          {"contributor": "Cy", "source_kind": "webhook", "items": 1}]
    assert f["item_decisions"] == [{"source": "fans", "approved": 0, "rejected": 1, "approval_rate": 0.0},
                                   {"source": "team", "approved": 2, "rejected": 0, "approval_rate": 1.0}]
    assert f["item_decision_time"] == [{"decisions": 3, "p50_s": 86400, "p95_s": 172800}]
    assert f["publishing"] == [{"site": "corp", "published": 1, "jobs_done": 1, "retries": 1, "failures": 0},
                               {"site": "shop", "published": 0, "jobs_done": 0, "retries": 0, "failures": 1}]


def test_a_range_after_the_events_keeps_the_backlog_and_counts_nothing_else(bridge, timeline):
    f = figures(bridge, rng=DayRange(date(2027, 1, 14), date(2027, 1, 15)))
    assert [r["pending"] for r in f["pending_backlog"]] == [1, 1, 0, 0]
    assert f["comments_per_day"] == [] and f["decisions_per_editor"] == [] and f["top_posts"] == []
    assert f["comment_decision_time"][0] == {"site": "corp", "decisions": 0, "p50_s": None, "p95_s": None}


def test_a_restricted_editor_sees_only_their_sites_and_sources(bridge, timeline):
    service = bridge.insights
    out = service.figures(BOB, RANGE)
    assert out["sites"] == ["shop"]
    f = out["figures"]
    assert {r["site"] for r in f["comments_per_day"] + f["pending_backlog"] + f["publishing"]} == {"shop"}
    assert [r["editor"] for r in f["decisions_per_editor"]] == ["bob"]      # ann decided on corp only
    assert {r["source"] for r in f["items_per_week"]} == {"fans", "staff"}  # the sources targeting shop
    with pytest.raises(NotAllowed) as exc:
        service.figures(BOB, RANGE, "corp")
    assert exc.value.status == 403 and exc.value.field == "site" and exc.value.value == "corp"
    with pytest.raises(InsightsError) as exc:
        service.figures(ADMIN, RANGE, "nope")
    assert exc.value.status == 422 and "corp, shop" in exc.value.detail


def test_the_site_filter_narrows_an_admins_figures(bridge, timeline):
    f = figures(bridge, site="corp")
    assert [r["site"] for r in f["spam_rate"]] == ["corp"]
    assert {r["source"] for r in f["items_per_week"]} == {"team", "fans"}


@pytest.mark.parametrize("args, field, status, hint", [
    ({"from": "2027-13-01"}, "from", 400, "YYYY-MM-DD"),
    ({"to": "yesterday"}, "to", 400, "YYYY-MM-DD"),
    ({"from": "2027-01-10", "to": "2027-01-01"}, "from", 422, "swap"),
    ({"from": "2020-01-01", "to": "2027-01-01"}, "from", 422, "at most 366"),
    ({"days": "14"}, "days", 400, "7, 30, 90"),
])
def test_bad_ranges_name_the_field_the_value_and_the_fix(args, field, status, hint):
    with pytest.raises(InsightsError) as exc:
        parse_range(args, date(2027, 1, 15))
    assert (exc.value.field, exc.value.status) == (field, status)
    assert hint in exc.value.detail and str(exc.value.value) in exc.value.detail


def test_ranges_default_to_the_last_30_days_and_accept_presets():
    today = date(2027, 1, 15)
    assert parse_range({}, today) == DayRange(date(2026, 12, 17), today)
    assert parse_range({"days": "7"}, today) == DayRange(date(2027, 1, 9), today)
    assert parse_range({"from": "2027-01-01"}, today) == DayRange(date(2027, 1, 1), today)


def test_percentiles_read_the_bucket_that_holds_the_rank():
    assert percentile([], 0.5) is None
    assert percentile([(60, 1), (300, 1)], 0.5) == 60
    assert percentile([(60, 19), (300, 1)], 0.95) == 60
    assert percentile([(60, 18), (300, 2)], 0.95) == 300
    assert percentile([(float("inf"), 1)], 0.5) is None


def test_sources_of_the_fixture_are_what_the_counts_assume():
    assert {s["id"]: s["targets"] for s in SOURCES} == {"team": ["corp"], "fans": ["corp", "shop"],
                                                        "staff": ["shop"]}
