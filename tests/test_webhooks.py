"""POST /webhooks/social/<source_id>: Standard Webhooks signatures, every answer,
idempotent redelivery, XSS in every field, and a concurrent burst against a live server."""
from __future__ import annotations

import json
import threading
import time

import pytest
import requests
from standardwebhooks.webhooks import Webhook
from werkzeug.serving import make_server

from bridge.app import create_app
from bridge.core import Bridge
from tests.webhook_helpers import OTHER_SECRET, SECRET, body_of, post, signed
from webhooks.signatures import SignatureError, generate_secret, sign, verify


def assert_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    return body


# -- signatures (the module on its own) --------------------------------------------------
def test_generated_secret_round_trips_through_the_package():
    secret = generate_secret()
    assert secret.startswith("whsec_")
    body = b'{"a": 1}'
    now = int(time.time())
    headers = sign(secret, "msg_1", now, body)
    assert verify(secret, body, headers) == "msg_1"
    # and the package's own verifier agrees with our headers
    Webhook(secret).verify(body, headers)


def test_rotation_several_signatures_and_several_secrets():
    body = b'{"a": 1}'
    now = int(time.time())
    old = sign(OTHER_SECRET, "msg_2", now, body)["webhook-signature"]
    new = sign(SECRET, "msg_2", now, body)["webhook-signature"]
    headers = {"webhook-id": "msg_2", "webhook-timestamp": str(now), "webhook-signature": f"{old} {new}"}
    assert verify(SECRET, body, headers) == "msg_2"
    # the bridge side may hold old and new secret while the sender switches
    only_old = {**headers, "webhook-signature": old}
    assert verify(f"{SECRET} {OTHER_SECRET}", body, only_old) == "msg_2"
    with pytest.raises(SignatureError, match="no matching signature"):
        verify(SECRET, body, only_old)


def test_signature_errors_name_the_problem():
    body = b"{}"
    now = int(time.time())
    good = sign(SECRET, "m", now, body)
    with pytest.raises(SignatureError, match="missing header"):
        verify(SECRET, body, {k: v for k, v in good.items() if k != "webhook-signature"})
    with pytest.raises(SignatureError, match="more than 5 minutes"):
        verify(SECRET, body, sign(SECRET, "m", now - 301, body))
    with pytest.raises(SignatureError, match="more than 5 minutes"):
        verify(SECRET, body, sign(SECRET, "m", now + 301, body))
    with pytest.raises(SignatureError, match="malformed"):
        verify(SECRET, body, {**good, "webhook-signature": "v1"})
    with pytest.raises(SignatureError, match="no matching"):
        verify(SECRET, b"{ }", good)  # body changed after signing


# -- answers -----------------------------------------------------------------------------
def test_accepted_202_with_item_id(hook_client, hook_bridge):
    response = post(hook_client)
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "accepted" and body["state"] == "pending"
    item = hook_bridge.store.get_item(body["item_id"])
    assert item["source_id"] == "hook" and item["external_id"] == "post-1"
    assert item["title"] == "Turbine 12 is up" and item["author_name"] == "Ann"
    assert item["network"] == "webhook"


def test_duplicate_external_id_or_url_is_200_and_one_item(hook_client, hook_bridge):
    first = post(hook_client).get_json()
    again = post(hook_client)  # a new webhook-id, same post
    assert again.status_code == 200
    assert again.get_json() == {"status": "duplicate", "item_id": first["item_id"], "state": "pending",
                                "detail": again.get_json()["detail"]}
    same_url = post(hook_client, body_of(external_id="other-id", url="https://social.example/@ann/1?utm_source=x"))
    assert same_url.status_code == 200 and same_url.get_json()["item_id"] == first["item_id"]
    assert hook_bridge.store.count_items("hook") == 1


def test_redelivered_webhook_id_returns_first_answer_and_stores_nothing(hook_client, hook_bridge):
    first = post(hook_client, msg_id="msg_fixed")
    assert first.status_code == 202
    # same id, even with another body: the first answer, nothing new
    again = post(hook_client, body_of(external_id="something-else", url="https://social.example/x"),
                 msg_id="msg_fixed")
    assert again.status_code == 202
    assert again.get_json() == first.get_json()
    assert again.headers["Webhook-Replayed"] == "true"
    assert hook_bridge.store.count_items() == 1
    assert hook_bridge.store.scalar("SELECT count(*) FROM webhook_deliveries") == 1


@pytest.mark.parametrize("payload, field", [
    ({"url": "https://x.example/1", "author": {"name": "A"}, "text": "hi"}, "external_id"),
    ({"external_id": "1", "author": {"name": "A"}, "text": "hi"}, "url"),
    ({"external_id": "1", "url": "javascript:alert(1)", "author": {"name": "A"}, "text": "hi"}, "url"),
    ({"external_id": "1", "url": "https://x.example/1", "text": "hi"}, "author"),
    ({"external_id": "1", "url": "https://x.example/1", "author": {"url": "https://a"}, "text": "hi"}, "author.name"),
    ({"external_id": "1", "url": "https://x.example/1", "author": {"name": "A"}}, "text"),
    ({"external_id": "1", "url": "https://x.example/1", "author": {"name": "A"}, "media": [{"alt": "x"}]},
     "media[0].url"),
    ({"external_id": "1", "url": "https://x.example/1", "author": {"name": "A"}, "text": "t",
      "published_at": "yesterday"}, "published_at"),
])
def test_400_names_the_field(hook_client, hook_bridge, payload, field):
    body = assert_problem(post(hook_client, payload), 400)
    named = [e for e in body["errors"] if e["field"] == field]
    assert named and set(named[0]) == {"field", "value", "message"}, body  # the JSON API's error shape
    assert field in body["detail"]
    assert hook_bridge.store.count_items() == 0
    assert hook_bridge.store.scalar("SELECT count(*) FROM webhook_deliveries") == 0


def test_400_bad_json(hook_client):
    data, headers = signed(None, raw=b'{"external_id": ')
    body = assert_problem(hook_client.post("/webhooks/social/hook", data=data, headers=headers), 400)
    assert "not valid JSON" in body["detail"]
    data, headers = signed(None, raw=b'[1, 2]')
    assert_problem(hook_client.post("/webhooks/social/hook", data=data, headers=headers), 400)


def test_401_bad_missing_or_stale_signature(hook_client, hook_bridge):
    assert "signature" in assert_problem(post(hook_client, secret=OTHER_SECRET), 401)["detail"]
    stale = assert_problem(post(hook_client, timestamp=time.time() - 600), 401)
    assert "5 minutes" in stale["detail"]
    data = json.dumps(body_of()).encode()
    missing = hook_client.post("/webhooks/social/hook", data=data, headers={"Content-Type": "application/json"})
    assert "missing header" in assert_problem(missing, 401)["detail"]
    assert hook_bridge.store.count_items() == 0


def test_404_unknown_or_not_a_webhook_source(hook_client):
    assert "nope" in assert_problem(post(hook_client, source="nope"), 404)["detail"]
    assert_problem(post(hook_client, source="feed"), 404)


def test_413_body_over_the_limit(hook_client, hook_bridge):
    big = body_of(text="x" * 5000)
    body = assert_problem(post(hook_client, big), 413)
    assert "4096" in body["detail"]
    assert hook_bridge.store.count_items() == 0


def test_415_not_json(hook_client):
    data, headers = signed(None, raw=b"external_id=1")
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    body = assert_problem(hook_client.post("/webhooks/social/hook", data=data, headers=headers), 415)
    assert "application/json" in body["detail"]


XSS = '<script>alert(1)</script><img src=x onerror=alert(2)><iframe src="https://evil.example"></iframe>' \
      '<a href="javascript:alert(3)">j</a><svg onload=alert(4)></svg>&lt;script&gt;alert(5)&lt;/script&gt;'


def test_xss_in_every_text_field_leaves_nothing_executable(hook_client, hook_bridge):
    payload = body_of(title="T " + XSS, text="Text " + XSS, html="<p onclick=alert(6)>Html</p>" + XSS,
                      author={"name": "Eve " + XSS, "url": "https://social.example/@eve"},
                      media=[{"url": "https://cdn.example/a.jpg", "alt": "Alt " + XSS}])
    response = post(hook_client, payload)
    assert response.status_code == 202
    item = hook_bridge.store.get_item(response.get_json()["item_id"])
    media = hook_bridge.store.item_media(item["id"])
    stored = [item["title"], item["text"], item["html"], item["author_name"], item["contributor"], media[0]["alt"]]
    for value in stored:
        lowered = value.lower()
        for bad in ("<script", "<iframe", "<svg", "onerror", "onclick", "onload", "javascript:"):
            assert bad not in lowered, (bad, value)
    assert item["title"].startswith("T") and item["author_name"].startswith("Eve")
    assert "<p>Html</p>" in item["html"]
    for plain in (item["title"], item["text"], item["author_name"], media[0]["alt"]):
        assert "<" not in plain


# -- a live server ---------------------------------------------------------------------------
@pytest.fixture
def live_server(hook_config):
    bridge = Bridge(hook_config)
    app = create_app(bridge=bridge)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", bridge
    server.shutdown()
    thread.join(5)
    bridge.close()


def test_burst_of_the_same_delivery_gives_one_item(live_server):
    base, bridge = live_server
    data, headers = signed(body_of(external_id="burst", url="https://social.example/@ann/burst"),
                           msg_id="msg_burst")
    barrier = threading.Barrier(20)
    answers = []

    def send():
        barrier.wait()
        r = requests.post(f"{base}/webhooks/social/hook", data=data, headers=headers, timeout=30)
        answers.append((r.status_code, r.json()))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == 20
    assert {status for status, _ in answers} == {202}
    assert len({body["item_id"] for _, body in answers}) == 1
    assert bridge.store.count_items("hook") == 1
    assert bridge.store.scalar("SELECT count(*) FROM webhook_deliveries") == 1


def test_burst_of_different_deliveries_of_one_post_gives_one_item(live_server):
    base, bridge = live_server
    payload = body_of(external_id="burst2", url="https://social.example/@ann/burst2")
    barrier = threading.Barrier(20)
    answers = []

    def send():
        data, headers = signed(payload)  # each with its own webhook-id
        barrier.wait()
        r = requests.post(f"{base}/webhooks/social/hook", data=data, headers=headers, timeout=30)
        answers.append(r.status_code)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == [200] * 19 + [202]
    assert bridge.store.count_items("hook") == 1
