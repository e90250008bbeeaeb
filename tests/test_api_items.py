"""/api/v1/items: filters, keyset pagination, decisions, validation as problem+json,
404/403/409 where they belong."""
from __future__ import annotations

import pytest

from bridge import security
from bridge.security import hash_password
from tests.conftest import EDITOR_PASSWORD
from tests.curation_helpers import CURATION, add_item, jobs_of

API = "/api/v1/items"


pytestmark = pytest.mark.bridge_config(*CURATION)


def token_for(store, username: str) -> dict:
    user = store.get_user_by_name(username)
    token = f"tok-{username}-0123456789abcdef0123"
    store.create_token(user["id"], "test", token[:8], security.hash_token(token))
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_api(app, bridge):
    return token_for(bridge.store, "admin")


@pytest.fixture
def editor_api(app, bridge):
    bridge.store.create_user("eva", hash_password(EDITOR_PASSWORD), "editor", ["corp"])
    return token_for(bridge.store, "eva")


def test_list_filters_by_state_source_and_text_with_keyset_pages(bridge, client, admin_api):
    ids = [add_item(bridge.store, source_id="team", title=f"Turbine {n}", received_at=f"2026-11-27T10:00:0{n}.000000Z")
           for n in range(5)]
    add_item(bridge.store, source_id="staff", title="Ski slope", text="powder snow")
    add_item(bridge.store, source_id="staff", state="rejected", title="Rejected one")

    first = client.get(API, query_string={"source": "team", "limit": 2}, headers=admin_api).get_json()
    assert [i["id"] for i in first["items"]] == [ids[4], ids[3]]
    second = client.get(API, query_string={"source": "team", "limit": 2, "cursor": first["next_cursor"]},
                        headers=admin_api).get_json()
    assert [i["id"] for i in second["items"]] == [ids[2], ids[1]]
    third = client.get(API, query_string={"source": "team", "limit": 2, "cursor": second["next_cursor"]},
                       headers=admin_api).get_json()
    assert [i["id"] for i in third["items"]] == [ids[0]] and third["next_cursor"] is None

    found = client.get(API, query_string={"q": "powder"}, headers=admin_api).get_json()["items"]
    assert [i["title"] for i in found] == ["Ski slope"]
    rejected = client.get(API, query_string={"state": "rejected"}, headers=admin_api).get_json()["items"]
    assert [i["title"] for i in rejected] == ["Rejected one"]
    weird = client.get(API, query_string={"q": 'AND "* OR'}, headers=admin_api)
    assert weird.status_code == 200 and weird.get_json()["items"] == []


def test_bad_filters_are_problems_naming_the_value(bridge, client, admin_api):
    response = client.get(API, query_string={"state": "live"}, headers=admin_api)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "'live'" in response.get_json()["detail"] and "pending" in response.get_json()["detail"]
    bad_cursor = client.get(API, query_string={"cursor": "!!"}, headers=admin_api).get_json()
    assert bad_cursor["errors"][0]["field"] == "cursor"
    assert client.get(API, query_string={"limit": "0"}, headers=admin_api).status_code == 400


def test_get_item_has_publications_consent_and_history_or_404(bridge, client, admin_api):
    item_id = add_item(bridge.store, contributor="Ana")
    bridge.curation.approve(item_id, ["corp"], actor="admin", allowed=None)

    body = client.get(f"{API}/{item_id}", headers=admin_api).get_json()
    assert body["state"] == "approved"
    assert body["publications"] == [{"site_id": "corp", "state": "queued", "remote_url": None, "reason": None,
                                     "attempts": 0, "job_id": body["publications"][0]["job_id"],
                                     "published_revision": None,
                                     "site_features": ["images", "moderate", "publish", "reply",
                                                       "unpublish", "update"]}]
    assert body["consent"]["state"] == "not_required" and body["consent"]["publishing"] == "ok"
    assert body["history"][0]["actor"] == "admin" and body["history"][0]["action"] == "approve"

    missing = client.get(f"{API}/424242", headers=admin_api)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_approve_validates_its_body_naming_field_value_and_fix(bridge, client, admin_api):
    item_id = add_item(bridge.store)
    cases = [
        ({}, "sites", None, "is missing"),
        ({"sites": "corp"}, "sites", "corp", "list of site ids"),
        ({"sites": []}, "sites", [], "at least one site"),
        ({"sites": ["corp"], "colour": "red"}, "colour", "red", "not a known field"),
        ({"sites": ["corp"], "title": "x" * 501}, "title", "x" * 501, "shorten"),
    ]
    for body, field, value, fix in cases:
        response = client.post(f"{API}/{item_id}/approve", json=body, headers=admin_api)
        assert response.status_code == 400, body
        assert response.mimetype == "application/problem+json"
        error = response.get_json()["errors"][0]
        assert (error["field"], error["value"]) == (field, value)
        assert fix in error["message"], error
    unknown_site = client.post(f"{API}/{item_id}/approve", json={"sites": ["corp", "blog"]}, headers=admin_api)
    assert unknown_site.status_code == 400
    assert unknown_site.get_json()["errors"][0] == {
        "field": "sites[1]", "value": "blog",
        "message": "'blog' is not a configured site; use one of: corp, shop."}
    not_json = client.post(f"{API}/{item_id}/approve", data="sites=corp", headers=admin_api)
    assert not_json.status_code == 400 and "JSON object" in not_json.get_json()["detail"]
    assert jobs_of(bridge.store, item_id) == []


def test_approve_with_edit_then_retract(bridge, client, admin_api):
    item_id = add_item(bridge.store, title="Old")
    response = client.post(f"{API}/{item_id}/approve", json={"sites": ["corp", "shop"], "title": "New"},
                           headers=admin_api)
    assert response.status_code == 200
    body = response.get_json()
    assert body["item"]["state"] == "approved" and body["item"]["edited_title"] == "New"
    assert len(body["jobs"]) == 2 and body["waiting_for_consent"] is False

    retracted = client.post(f"{API}/{item_id}/retract", json={"reason": "asked"}, headers=admin_api).get_json()
    assert retracted["item"]["state"] == "retracted"
    assert {p["state"] for p in retracted["item"]["publications"]} == {"unpublishing"}
    again = client.post(f"{API}/{item_id}/retract", json={}, headers=admin_api)
    assert again.status_code == 409


def test_impossible_transitions_are_409(bridge, client, admin_api):
    first = add_item(bridge.store)
    dup = add_item(bridge.store, state="duplicate", duplicate_of=first)
    response = client.post(f"{API}/{dup}/approve", json={"sites": ["corp"]}, headers=admin_api)
    assert response.status_code == 409 and "approve that one instead" in response.get_json()["detail"]

    declined = add_item(bridge.store, source_id="fans", consent_state="declined")
    response = client.post(f"{API}/{declined}/approve", json={"sites": ["corp"]}, headers=admin_api)
    assert response.status_code == 409 and "consent" in response.get_json()["detail"]

    approved = add_item(bridge.store)
    client.post(f"{API}/{approved}/approve", json={"sites": ["corp"]}, headers=admin_api)
    response = client.post(f"{API}/{approved}/reject", json={"reason": "no"}, headers=admin_api)
    assert response.status_code == 409 and "retract" in response.get_json()["detail"]


def test_editor_gets_403_for_sites_they_may_not_publish_to(bridge, client, editor_api):
    mine = add_item(bridge.store, source_id="team")
    theirs = add_item(bridge.store, source_id="staff")

    response = client.post(f"{API}/{mine}/approve", json={"sites": ["shop"]}, headers=editor_api)
    assert response.status_code == 403
    assert response.get_json()["errors"][0]["value"] == ["shop"]
    assert client.get(f"{API}/{theirs}", headers=editor_api).status_code == 404
    listed = client.get(API, headers=editor_api).get_json()["items"]
    assert [i["id"] for i in listed] == [mine]
    bulk = client.post(f"{API}/approve", json={"ids": [mine], "sites": ["corp", "shop"]}, headers=editor_api)
    assert bulk.status_code == 403
    assert bridge.store.item_for_curation(mine)["state"] == "pending"
    assert client.post(f"{API}/{mine}/approve", json={"sites": ["corp"]}, headers=editor_api).status_code == 200


def test_bulk_approve_and_reject_report_each_item(bridge, client, admin_api):
    a, b = add_item(bridge.store), add_item(bridge.store)
    dup = add_item(bridge.store, state="duplicate", duplicate_of=a)

    response = client.post(f"{API}/approve", json={"ids": [a, b, dup], "sites": ["corp"]}, headers=admin_api)
    body = response.get_json()
    assert response.status_code == 200 and (body["done"], body["failed"]) == (2, 1)
    assert [(r["id"], r["ok"]) for r in body["results"]] == [(a, True), (b, True), (dup, False)]
    assert body["results"][2]["status"] == 409

    c = add_item(bridge.store)
    rejected = client.post(f"{API}/reject", json={"ids": [c], "reason": "blurry"}, headers=admin_api).get_json()
    assert rejected["done"] == 1 and bridge.store.item_for_curation(c)["state_reason"] == "blurry"

    unknown = client.post(f"{API}/reject", json={"ids": [c, 999999], "reason": "x"}, headers=admin_api)
    assert unknown.status_code == 404 and unknown.get_json()["errors"][0]["value"] == [999999]
    no_reason = client.post(f"{API}/reject", json={"ids": [c]}, headers=admin_api)
    assert no_reason.status_code == 400 and no_reason.get_json()["errors"][0]["field"] == "reason"
    bad_ids = client.post(f"{API}/approve", json={"ids": ["one"], "sites": ["corp"]}, headers=admin_api)
    assert bad_ids.get_json()["errors"][0]["field"] == "ids[0]"


def test_consent_endpoint_validates_and_releases_publishing(bridge, client, admin_api):
    item_id = add_item(bridge.store, source_id="fans", consent_state="requested")
    approved = client.post(f"{API}/{item_id}/approve", json={"sites": ["corp"]}, headers=admin_api).get_json()
    assert approved["waiting_for_consent"] is True and approved["jobs"] == []

    bad = client.post(f"{API}/{item_id}/consent", json={"state": "maybe"}, headers=admin_api)
    assert bad.status_code == 400 and bad.get_json()["errors"][0]["value"] == "maybe"
    bad_url = client.post(f"{API}/{item_id}/consent", json={"state": "granted", "evidence_url": "javascript:x"},
                          headers=admin_api)
    assert bad_url.get_json()["errors"][0]["field"] == "evidence_url"

    granted = client.post(f"{API}/{item_id}/consent", json={
        "state": "granted", "evidence_url": "https://social.example/p/1#yes", "contributor": "Ana"},
        headers=admin_api).get_json()
    assert len(granted["jobs"]) == 1
    assert granted["item"]["consent"]["state"] == "granted" and granted["item"]["contributor"] == "Ana"


def test_session_calls_need_the_csrf_header(bridge, client, auth, app):
    item_id = add_item(bridge.store)
    auth.login()
    assert client.post(f"{API}/{item_id}/reject", json={"reason": "x"}).status_code == 403
    ok = client.post(f"{API}/{item_id}/reject", json={"reason": "x"}, headers={"X-CSRF-Token": auth.csrf})
    assert ok.status_code == 200


def test_every_items_operation_is_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/items"]) == {"get"}
    for path in ("/items/{item_id}/approve", "/items/{item_id}/reject", "/items/{item_id}/retract",
                 "/items/{item_id}/consent", "/items/approve", "/items/reject"):
        assert "post" in paths[path], path
    assert "get" in paths["/items/{item_id}"]
