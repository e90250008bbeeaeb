"""Publishing through the outbox into the real WordPress of the harness: the states a
publication goes through (queued → published; retrying with the reason → failed →
retried by hand) with a FakeClock driving the backoff, and a server that is down
for real (its process stopped), not a simulated error."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import make_config
from tests.curation_helpers import add_item, jobs_of

SOURCES = [{"id": "team", "kind": "webhook", "secret_env": "HOOK_SECRET", "targets": ["wp"]}]


def wp_site(wp) -> dict:
    return {"id": "wp", "kind": "wordpress", "url": wp.url, "name": "Harness blog", "username": wp.admin_user,
            "password_env": "WP_APP_PASSWORD", "timeout": 5.0}


def wp_config(tmp_path, wp, **extra):
    raw = {"sites": [wp_site(wp)], "sources": SOURCES, "outbox": {"max_attempts": 3, "base_delay": 10.0}, **extra}
    return make_config(tmp_path, raw, {"WP_APP_PASSWORD": wp.app_password,
                                       "HOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})


@pytest.fixture
def config(tmp_path, wp):
    return wp_config(tmp_path, wp)


@pytest.fixture
def curation(bridge):
    return bridge.curation


def publication(curation, item_id) -> dict:
    (pub,) = curation.publications(item_id, None)
    return pub


def test_publish_edit_and_retract_update_one_remote_post(bridge, curation, wp):
    item_id = add_item(bridge.store, title="Tower up", text="We raised the tower.", author_name="Ann",
                       html="<p>We raised the <strong>tower</strong>.</p>")
    curation.approve(item_id, ["wp"], actor="eva", allowed=None)
    assert publication(curation, item_id)["shown_state"] == "queued"

    assert bridge.outbox.run_due().done == 1
    pub = publication(curation, item_id)
    assert pub["shown_state"] == "published" and pub["remote_url"].startswith(wp.url)
    post_id = pub["remote_ref"]["remote_id"]
    post = wp.rest.get(f"posts/{post_id}", params={"context": "edit"}).json()
    assert post["title"]["raw"] == "Tower up" and post["status"] == "publish"
    assert "tower" in post["content"]["raw"]

    curation.edit(item_id, actor="eva", allowed=None, title="Tower 12 is up")
    assert publication(curation, item_id)["shown_state"] == "queued"
    assert bridge.outbox.run_due().done == 1
    assert publication(curation, item_id)["remote_ref"]["remote_id"] == post_id
    assert wp.rest.get(f"posts/{post_id}", params={"context": "edit"}).json()["title"]["raw"] == "Tower 12 is up"
    assert publication(curation, item_id)["published_revision"] == 2

    curation.retract(item_id, actor="eva", allowed=None)
    assert bridge.outbox.run_due().done == 1
    assert publication(curation, item_id)["shown_state"] == "unpublished"
    public = requests.get(f"{wp.rest_url}/posts", timeout=10).json()
    assert post_id not in {str(p["id"]) for p in public}


def test_a_site_that_is_down_shows_retrying_then_failed_then_retries_by_hand(bridge, curation, wp, clock):
    item_id = add_item(bridge.store, title="While down", text="Server is off.")
    curation.approve(item_id, ["wp"], actor="eva", allowed=None)
    wp.stop_server()
    try:
        stats = bridge.outbox.run_due()
        assert stats.retried == 1
        pub = publication(curation, item_id)
        assert pub["shown_state"] == "retrying"
        assert pub["job_error"] and pub["job_attempts"] == 1
        reason = pub["job_error"]

        clock.advance(3600)
        assert bridge.outbox.run_due().retried == 1
        assert publication(curation, item_id)["job_attempts"] == 2

        clock.advance(3600)
        assert bridge.outbox.run_due().failed == 1
        pub = publication(curation, item_id)
        assert pub["shown_state"] == "failed"
        assert "gave up after 3 attempts" in pub["job_error"]
        assert reason.split(" — ")[0] in pub["job_error"]
    finally:
        wp.start_server()

    curation.retry_publication(item_id, "wp", actor="eva", allowed=None)
    assert publication(curation, item_id)["shown_state"] == "queued"
    assert bridge.outbox.run_due().done == 1
    pub = publication(curation, item_id)
    assert pub["shown_state"] == "published"
    assert wp.rest.get(f"posts/{pub['remote_ref']['remote_id']}").status_code == 200
    assert [d["action"] for d in curation.history(item_id)] == ["approve", "retry"]
    assert len(jobs_of(bridge.store, item_id)) == 1


def test_revoking_consent_takes_a_published_item_down(bridge, curation, wp):
    item_id = add_item(bridge.store, title="With consent", text="Thanks Ann", consent_state="granted",
                       consent_evidence_url="https://social.example/p/1#yes", contributor="Ann")
    curation.approve(item_id, ["wp"], actor="eva", allowed=None)
    bridge.outbox.run_due()
    post_id = publication(curation, item_id)["remote_ref"]["remote_id"]
    assert requests.get(f"{wp.rest_url}/posts/{post_id}", timeout=10).status_code == 200

    curation.set_consent(item_id, "revoked", actor="eva", allowed=None)
    assert bridge.outbox.run_due().done == 1

    assert publication(curation, item_id)["shown_state"] == "unpublished"
    assert requests.get(f"{wp.rest_url}/posts/{post_id}", timeout=10).status_code in (401, 403, 404)
