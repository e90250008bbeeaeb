"""The WordPress connector plugin: event → inbox latency, the visitor's cost, catching up.

Not a test: prints figures (see BENCHMARKS.md, "WordPress connector plugin").

    PYTHONPATH=. python bench/bench_wordpress_plugin.py [--comments 100]

Brings up its own harness site, installs the plugin from the zip ``make wordpress-plugin`` builds,
and serves cms-bridge (the real app, werkzeug, threaded) on loopback. Then:

1. latency: a visitor posts through ``wp-comments-post.php``; time from sending the form to the
   comment's row in the inbox (the plugin delivers at the end of that request), p50/p95;
2. the visitor's cost: the form's answer time with the plugin (events on), with the plugin but
   cms-bridge stopped (the delivery attempt fails and is queued), and without the plugin;
3. catching up: events queued while cms-bridge was stopped, delivered by one WP-Cron run;
4. the changes route with nothing changed (what a sync costs per site with the plugin).
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bridge.clock import FakeClock  # noqa: E402
from bridge.config import validate_config  # noqa: E402
from bridge.core import Bridge  # noqa: E402
from tests.harness.wordpress.site import WordPressSite  # noqa: E402
from tests.wp_plugin_helpers import (  # noqa: E402
    LiveBridge,
    build_zip,
    configure,
    install_plugin,
    post_comment_form,
    queue_rows,
    run_wp_cron,
    wait_for,
)
from webhooks.signatures import generate_secret  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:.0f} ms, p95 {pct(values, 95) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def timed_form(site: WordPressSite, i: int, tag: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    remote_id = post_comment_form(site, 1, f"{tag} comment number {i} — benchmark", author=f"Reader {tag} {i}",
                                  email=f"r{i}-{tag}@example.org")
    return time.perf_counter() - t0, remote_id


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--comments", type=int, default=100)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    n = args.comments
    tmp = Path(tempfile.mkdtemp(prefix="bench-wp-plugin-"))
    site = WordPressSite.up()
    try:
        secret = generate_secret()
        raw = {"server": {"database": str(tmp / "bridge.db"), "media_dir": str(tmp / "media"),
                          "secret_key_file": str(tmp / "key")},
               "sites": [{"id": "wp", "kind": "wordpress", "url": site.url, "username": site.admin_user,
                          "password_env": "WP_PASSWORD", "webhook_secret_env": "WP_EVENTS", "transport": "rest",
                          "timeout": 60.0}]}
        bridge = Bridge(validate_config(raw, environ={"WP_PASSWORD": site.app_password, "WP_EVENTS": secret}),
                        clock=FakeClock())
        live = LiveBridge(bridge).start()
        store = bridge.store

        without = [timed_form(site, i, "plain")[0] for i in range(n)]
        install_plugin(site, build_zip(tmp / "cms-bridge-connector.zip"))
        configure(site, live.endpoint("wp"), secret)

        latency, form_on = [], []
        for i in range(n):
            t0 = time.perf_counter()
            took, remote_id = timed_form(site, i, "live")
            wait_for(lambda r=remote_id: store.get_comment_by_remote("wp", str(r)), what="the comment")
            latency.append(time.perf_counter() - t0)
            form_on.append(took)

        live.stop()
        form_down = [timed_form(site, i, "down")[0] for i in range(n)]
        queued = sum(1 for r in queue_rows(site) if r["sent_at"] is None)
        live.start()
        t0 = time.perf_counter()
        run_wp_cron(site)
        catch_up = time.perf_counter() - t0
        left = sum(1 for r in queue_rows(site) if r["sent_at"] is None)

        session = requests.Session()
        session.auth = (site.admin_user, site.app_password)
        head = session.get(f"{site.url}/wp-json/cms-bridge/v1/comments/changes", params={"since": ""},
                           timeout=60).json()
        cursor = head["next"]
        while head["more"]:
            head = session.get(f"{site.url}/wp-json/cms-bridge/v1/comments/changes", params={"since": cursor},
                               timeout=60).json()
            cursor = head["next"]
        quiet = []
        for _ in range(30):
            t0 = time.perf_counter()
            page = session.get(f"{site.url}/wp-json/cms-bridge/v1/comments/changes", params={"since": cursor},
                               timeout=60).json()
            quiet.append(time.perf_counter() - t0)
            assert page["changes"] == [], page
        live.stop()

        print(f"WordPress {site.url}, {n} comments per series, cms-bridge on loopback (werkzeug, threaded)")
        print(f"event -> inbox (form sent -> row in the inbox):      {ms(latency)}")
        print(f"form answer, no plugin:                               {ms(without)}")
        print(f"form answer, plugin delivering:                       {ms(form_on)}")
        print(f"form answer, plugin, cms-bridge stopped (queued):     {ms(form_down)}")
        print(f"catch-up: {queued} queued events, one WP-Cron run:     {catch_up:.2f} s, {left} left")
        print(f"changes route, nothing changed (one sync's reconcile): {ms(quiet)}")
        overhead = statistics.mean(form_on) - statistics.mean(without)
        print(f"mean form overhead of delivering: {overhead * 1000:.0f} ms")
        return 0
    finally:
        site.down()


if __name__ == "__main__":
    sys.exit(main())
