"""Issue 9, item 4: every input the hostile probe found answering 500 now answers a
4xx with a problem+json detail (API, webhooks) or a page with a clear message."""
from __future__ import annotations

import json

import pytest

from tests.curation_helpers import CURATION, add_item
from tests.test_api_items import token_for

HUGE = "99999999999999999999"  # beyond SQLite's signed 64-bit integers


pytestmark = pytest.mark.bridge_config(*CURATION)


@pytest.fixture
def api(app, bridge):
    return token_for(bridge.store, "admin")


def assert_problem(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body.get("detail") or body.get("title")
    for word in words:
        assert word in json.dumps(body), (word, body)
    return body


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/api/v1/items/{HUGE}", None),
    ("GET", f"/api/v1/comments/{HUGE}", None),
    ("POST", f"/api/v1/items/{HUGE}/approve", {"sites": ["corp"]}),
    ("POST", f"/api/v1/items/{HUGE}/publications/corp/retry", {}),
    ("POST", f"/api/v1/jobs/{HUGE}/retry", {}),
    ("POST", f"/api/v1/comments/{HUGE}/actions", {"action": "approve"}),
    ("GET", "/api/v1/items/9223372036854775808", None),  # int64 max + 1
])
def test_ids_beyond_sqlite_integers_are_404_problems(client, api, method, path, body):
    response = client.open(path, method=method, json=body, headers=api)
    assert_problem(response, 404)


def test_huge_ids_in_bulk_bodies_are_400_naming_the_field(client, api):
    response = client.post("/api/v1/items/approve", json={"ids": [1, int(HUGE)], "sites": ["corp"]}, headers=api)
    assert_problem(response, 400, "ids[1]", "is not an item id")
    response = client.post("/api/v1/comments/actions", json={"action": "spam", "ids": [int(HUGE)]}, headers=api)
    assert_problem(response, 400, "ids must be a list")


@pytest.mark.parametrize("path", [f"/inbox/{HUGE}", f"/inbox/{HUGE}/row", f"/curation/items/{HUGE}"])
def test_huge_ids_in_pages_are_404_pages(client, auth, path):
    auth.login()
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Not Found" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/comments"])
def test_a_nul_byte_in_the_api_search_is_a_separator(bridge, client, api, path):
    item = add_item(bridge.store, title="Blade a", text="a b")
    response = client.get(path + "?q=a%00b", headers=api)
    assert response.status_code == 200
    if path.endswith("items"):
        assert [i["id"] for i in response.get_json()["items"]] == [item]
    for q in ("%00", "%01%02%1f", "a%7f"):
        assert client.get(f"{path}?q={q}", headers=api).status_code == 200


@pytest.mark.parametrize("path", ["/inbox", "/curation"])
def test_a_nul_byte_in_the_page_search_is_a_separator(client, auth, path):
    auth.login()
    response = client.get(path + "?q=a%00b")
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize("value", [{}, [], 3, None, True])
def test_a_non_string_comment_action_is_422_naming_the_field(client, api, value):
    for path in ("/api/v1/comments/1/actions", "/api/v1/comments/actions"):
        response = client.post(path, json={"action": value, "ids": [1]}, headers=api)
        body = assert_problem(response, 422, "action must be a string")
        assert body["errors"][0]["field"] == "action"
