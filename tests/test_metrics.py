"""``/metrics`` as Prometheus scrapes it, after real work: a publication into the
real WordPress, a sync of its comments, a write that fails because the site's
server is stopped for real, and webhook deliveries; the answer parses with
prometheus_client's own parser and carries those counts."""
from __future__ import annotations

import json
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bridge.clock import parse_iso
from tests.conftest import make_config
from tests.curation_helpers import add_item
from tests.serve_helpers import serving
from tests.test_backup import run_cli, write_config
from tests.test_curation_web import SECRET, send_webhook
from tests.wp_bridge_helpers import drain, site_config, sync_wp


@pytest.fixture
def config(tmp_path, wp):
    raw = {"sites": [site_config(wp)], "outbox": {"base_delay": 10.0, "max_attempts": 2},
           "sources": [{"id": "crew", "kind": "webhook", "secret_env": "CREW_SECRET", "targets": ["wp"]}]}
    return make_config(tmp_path, raw, {"WP_PASSWORD": wp.app_password, "CREW_SECRET": SECRET})


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_count_publishing_syncing_failures_and_webhooks(bridge, client, wp):
    wp.seed_comments(7, status="mix")
    item_id = add_item(bridge.store, source_id="crew", title="Tower up", text="We raised the tower.")
    bridge.curation.approve(item_id, ["wp"], actor="eva", allowed=None)
    drain(bridge)
    sync_wp(bridge)
    assert send_webhook(client, {"external_id": "1", "url": "https://social.example/1", "title": "T", "text": "x",
                                 "author": {"name": "A"}}).status_code in (200, 201, 202)
    bad = client.post("/webhooks/social/crew", data="{}", headers={"Content-Type": "application/json"})
    assert bad.status_code == 401

    wp.stop_server()  # a real outage: the retract cannot reach the site
    try:
        bridge.curation.retract(item_id, actor="eva", allowed=None)
        stats = bridge.outbox.run_due()
        assert stats.retried == 1
    finally:
        wp.start_server()

    m = scrape(client)
    assert m[("cms_bridge_outbox_jobs", (("kind", "publish"), ("state", "done")))] == 1
    assert m[("cms_bridge_outbox_jobs", (("kind", "unpublish"), ("state", "queued")))] == 1
    assert m[("cms_bridge_job_attempt_failures_total", (("kind", "unpublish"),))] == 1
    assert ("cms_bridge_jobs_failed_total", (("kind", "unpublish"),)) not in m  # retried, not given up
    assert m[("cms_bridge_job_latency_seconds_count", (("kind", "publish"),))] == 1
    buckets = sorted((float(dict(labels)["le"]), v) for (name, labels), v in m.items()
                     if name == "cms_bridge_job_latency_seconds_bucket" and dict(labels)["kind"] == "publish")
    assert buckets[-1] == (float("inf"), 1) and [v for _, v in buckets] == sorted(v for _, v in buckets)
    (job,) = bridge.outbox.list(state="done")
    waited = (parse_iso(job["finished_at"]) - parse_iso(job["created_at"])).total_seconds()
    assert m[("cms_bridge_job_latency_seconds_sum", (("kind", "publish"),))] == pytest.approx(waited, abs=0.01)
    first_bucket = min(le for le, v in buckets if v == 1)
    assert waited <= first_bucket and all(waited > le for le, v in buckets if v == 0)
    assert m[("cms_bridge_sync_runs_total", (("outcome", "ok"), ("site", "wp")))] == 1
    assert m[("cms_bridge_sync_seconds_total", (("site", "wp"),))] > 0
    pulled = m[("cms_bridge_comments_pulled_total", (("site", "wp"),))]
    assert pulled == bridge.store.scalar("SELECT count(*) FROM comments WHERE site_id = 'wp'") >= 7
    stored = sum(v for (name, labels), v in m.items() if name == "cms_bridge_comments")
    assert stored == pulled
    assert m[("cms_bridge_webhook_deliveries_total", (("source", "crew"), ("status", "401")))] == 1
    assert sum(v for (name, labels), v in m.items() if name == "cms_bridge_webhook_deliveries_total"
               and dict(labels)["status"].startswith("2")) == 1


def test_metrics_are_loopback_only_without_a_token(bridge, client):
    assert client.get("/metrics").status_code == 200
    far = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert far.status_code == 403 and "CMS_BRIDGE_METRICS_TOKEN" in far.get_data(as_text=True)


def test_with_a_token_every_scrape_must_send_it(bridge, client, monkeypatch):
    monkeypatch.setenv("CMS_BRIDGE_METRICS_TOKEN", "s3cret-scrape-token")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    far = {"REMOTE_ADDR": "203.0.113.5"}
    ok = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"}, environ_base=far)
    assert ok.status_code == 200 and "cms_bridge_outbox_jobs" in ok.get_data(as_text=True)


def test_json_logs_from_serve_are_one_object_per_line(tmp_path):
    conf = write_config(tmp_path, log_format="json")
    run_cli(conf, "init")
    with serving(conf) as (server, base):
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        time.sleep(0.5)  # the access line is written after the answer
    out = server.output
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # every line is JSON
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    assert any(a["path"] == "/healthz" and str(a["status"]) == "200" and a["method"] == "GET" for a in access)
    assert any(line["logger"] == "gunicorn.error" and "Listening at" in line["message"] for line in lines)


def test_a_bad_log_format_is_named_with_the_choices(tmp_path):
    conf = write_config(tmp_path, log_format="xml")
    result = run_cli(conf, "config", "check", check=False)
    assert result.returncode == 2
    assert "server.log_format" in result.stderr and '"text" or "json"' in result.stderr
