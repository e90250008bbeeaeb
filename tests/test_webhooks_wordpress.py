"""``POST /webhooks/wordpress/<site_id>`` on its own (Flask's test client, no WordPress): what it
refuses and why, dedupe by webhook-id, stale events, echoes. The plugin sending real events is
tests/test_wordpress_plugin.py."""
from __future__ import annotations

import json
import time

import pytest

from bridge.app import create_app
from webhooks.signatures import generate_secret, sign

SECRET = generate_secret()


def site(**extra) -> dict:
    return {"id": "blog", "kind": "wordpress", "url": "http://127.0.0.1:9", "username": "admin",
            "password_env": "WP_PASSWORD", "webhook_secret_env": "WP_EVENTS", **extra}


@pytest.fixture
def bridge(make_bridge):
    raw = {"sites": [site(), {**site(id="nosecret"), "webhook_secret_env": ""}]}
    return make_bridge(raw, {"WP_PASSWORD": "x" * 24, "WP_EVENTS": SECRET})


@pytest.fixture
def client(bridge):
    return create_app(bridge=bridge, testing=True).test_client()


def comment(cid=7, status="hold", content="Hello there", **extra) -> dict:
    return {"id": cid, "post": 1, "parent": 0, "author": 0, "author_name": "Ann", "author_email": "ann@example.org",
            "author_url": "", "author_ip": "127.0.0.1", "date_gmt": "2026-12-02T10:00:00",
            "content": {"raw": content}, "link": f"http://127.0.0.1:9/?p=1#comment-{cid}", "status": status,
            "type": "comment", **extra}


def event(kind="comment.created", modified="1764669600000000", origin="site", **c) -> dict:
    return {"type": kind, "timestamp": "2026-12-02T10:00:00Z",
            "data": {"comment": comment(**c), "previous_status": None, "origin": origin, "modified": modified}}


def post(client, body, *, site_id="blog", msg_id=None, secret=SECRET, ts=None):
    raw = json.dumps(body).encode()
    headers = sign(secret, msg_id or f"msg_{time.monotonic_ns()}", ts or int(time.time()), raw)
    return client.post(f"/webhooks/wordpress/{site_id}", data=raw, headers=headers, content_type="application/json")


def test_a_new_comment_is_stored_and_a_redelivery_changes_nothing(client, bridge):
    first = post(client, event(), msg_id="msg_1")
    assert first.status_code == 202, first.get_json()
    assert first.get_json()["applied"] == "created"
    row = bridge.store.get_comment_by_remote("blog", "7")
    assert row["status"] == "pending" and row["content_text"] == "Hello there"
    assert row["author_email"] is None and row["author_key"]  # commenter e-mail not kept (site's default)
    again = post(client, event(), msg_id="msg_1")
    assert again.status_code == 202 and again.headers["Webhook-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert bridge.store.count_comments("blog") == 1


def test_status_changes_are_site_changes_and_an_older_event_is_stale(client, bridge):
    post(client, event(modified="1764669600000000"))
    spam = post(client, event("comment.spammed", modified="1764669700000000", status="spam"))
    assert spam.get_json()["applied"] == "changed"
    late = post(client, event("comment.status_changed", modified="1764669650000000", status="approved"))
    assert late.status_code == 202 and late.get_json()["applied"] == "stale"
    row = bridge.store.get_comment_by_remote("blog", "7")
    assert row["status"] == "spam"
    assert [e["to_status"] for e in bridge.store.moderation_log_for(row["id"])] == ["spam"]


def test_an_edit_updates_the_content_and_a_deletion_marks_it_deleted(client, bridge):
    post(client, event(modified="1764669600000000"))
    edited = post(client, event("comment.edited", modified="1764669601000000", content="Hello, corrected"))
    assert edited.get_json()["applied"] == "edited"
    assert bridge.store.get_comment_by_remote("blog", "7")["content_text"] == "Hello, corrected"
    gone = post(client, event("comment.deleted", modified="1764669602000000", status="deleted"))
    assert gone.get_json()["applied"] == "changed"
    assert bridge.store.get_comment_by_remote("blog", "7")["status"] == "deleted"


def test_our_own_reply_is_not_created_from_its_event(client, bridge):
    answer = post(client, event(origin="cms-bridge", cid=9, status="approved"))
    assert answer.status_code == 202 and answer.get_json()["applied"] == "unchanged"
    assert bridge.store.get_comment_by_remote("blog", "9") is None  # the reply's outbox job saves it


def test_a_ping_answers_pong(client):
    answer = post(client, {"type": "ping", "data": {"reason": "test"}})
    assert answer.status_code == 200 and answer.get_json() == {"status": "pong", "site_id": "blog"}


@pytest.mark.parametrize(("site_id", "says"), [("nope", "no WordPress site 'nope'"),
                                               ("nosecret", "no webhook_secret_env")])
def test_unknown_site_or_no_secret_is_404_with_the_fix(client, site_id, says):
    answer = post(client, event(), site_id=site_id)
    assert answer.status_code == 404 and says in answer.get_json()["detail"]


def test_bad_signature_and_old_timestamp_are_401(client):
    wrong = post(client, event(), secret=generate_secret())
    assert wrong.status_code == 401 and "no matching signature" in wrong.get_json()["detail"]
    old = post(client, event(), ts=int(time.time()) - 3600)
    assert old.status_code == 401 and "5 minutes" in old.get_json()["detail"]
    unsigned = client.post("/webhooks/wordpress/blog", json=event())
    assert unsigned.status_code == 401 and "webhook-signature" in unsigned.get_json()["detail"]


def test_bad_events_are_400_naming_the_field(client, bridge):
    bad = event(status="liked")
    bad["data"]["modified"] = "yesterday"
    answer = post(client, bad)
    assert answer.status_code == 400
    errors = {e["field"]: e for e in answer.get_json()["errors"]}
    assert errors["data.comment.status"]["value"] == "liked" and "is not one of" in errors["data.comment.status"][
        "message"]
    assert errors["data.modified"]["value"] == "yesterday" and "16-digit" in errors["data.modified"]["message"]
    assert "data.modified: 'yesterday' must be" in answer.get_json()["detail"]
    unknown = post(client, {"type": "comment.liked", "data": {}})
    assert unknown.status_code == 400 and [e["field"] for e in unknown.get_json()["errors"]] == ["type"]
    not_object = post(client, [1, 2])
    assert not_object.status_code == 400
    assert bridge.store.count_comments("blog") == 0


def test_old_delivery_records_are_pruned_and_a_late_redelivery_is_still_stale(client, bridge):
    post(client, event(modified="1764669600000000"), msg_id="msg_old")
    bridge.store.db.execute("UPDATE wordpress_plugin_deliveries SET received_at = '2000-01-01T00:00:00.000000Z'")
    bridge.store.db.commit()
    assert bridge.store.prune_plugin_deliveries("blog", "2001-01-01T00:00:00.000000Z") == 1
    again = post(client, event(modified="1764669600000000"), msg_id="msg_old")
    assert again.status_code == 202 and again.get_json()["applied"] == "stale"
    assert bridge.store.count_comments("blog") == 1
