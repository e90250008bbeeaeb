"""The comments API: listing, one comment, decisions, bulk, replies — and who may."""
from __future__ import annotations

from bridge import security
from tests.conftest import EDITOR_PASSWORD
from tests.inbox_helpers import add_comment, add_editor

API = "/api/v1/comments"


def _token(store, username) -> str:
    user = store.get_user_by_name(username)
    token = "tok-" + username + "-0123456789abcdef"
    store.create_token(user["id"], "test", token[:8], security.hash_token(token))
    return token


def test_list_filters_and_cursor(app, bridge, client, auth):
    store = bridge.store
    made = [add_comment(store, site="a", text=f"word{i} common", date=f"2026-04-{1 + i:02d}T00:00:00Z")
            for i in range(7)]
    add_comment(store, site="b", text="common elsewhere", status="spam")
    auth.login()
    body = client.get(f"{API}?limit=3").get_json()
    assert [c["id"] for c in body["comments"]] == made[::-1][:3]
    seen = [c["id"] for c in body["comments"]]
    while body["next_cursor"]:
        body = client.get(f"{API}?limit=3&cursor={body['next_cursor']}").get_json()
        seen += [c["id"] for c in body["comments"]]
    assert seen == made[::-1]
    assert [c["site_id"] for c in client.get(f"{API}?status=spam").get_json()["comments"]] == ["b"]
    assert len(client.get(f"{API}?q=common&status=all").get_json()["comments"]) == 8
    assert [c["id"] for c in client.get(f"{API}?q=word3").get_json()["comments"]] == [made[3]]
    bad = client.get(f"{API}?cursor=nonsense")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert "cursor" in bad.get_json()["detail"]
    assert client.get(f"{API}?limit=0").status_code == 400
    assert client.get(f"{API}?status=weird").get_json()["detail"].startswith("status='weird'")


def test_comment_detail_has_parent_and_sanitised_html(app, bridge, client, auth):
    parent = add_comment(bridge.store, text="parent", status="approved")
    child = add_comment(bridge.store, html='<p>x<script>alert(1)</script><a href="javascript:y()">l</a></p>',
                        text="x", parent_id=parent, author_url="javascript:alert(1)")
    auth.login()
    body = client.get(f"{API}/{child}").get_json()
    assert body["parent"]["id"] == parent
    assert "<script" not in body["content_html"] and "javascript:" not in body["content_html"]
    assert body["author_url"] is None
    assert body["history"] == []


def test_editor_limited_to_site_a_cannot_touch_site_b(app, bridge, client, auth):
    store = bridge.store
    mine = add_comment(store, site="a")
    theirs = add_comment(store, site="b")
    add_editor(store, "ed", sites=["a"])
    auth.login("ed", EDITOR_PASSWORD)
    headers = {"X-CSRF-Token": auth.csrf}
    assert [c["id"] for c in client.get(API).get_json()["comments"]] == [mine]
    assert client.get(f"{API}?site=b").status_code == 404
    assert client.get(f"{API}/{theirs}").status_code == 404
    assert client.post(f"{API}/{theirs}/actions", json={"action": "spam"}, headers=headers).status_code == 404
    assert client.post(f"{API}/{theirs}/replies", json={"text": "hi"}, headers=headers).status_code == 404
    bulk = client.post(f"{API}/actions", json={"action": "spam", "ids": [mine, theirs]}, headers=headers)
    assert bulk.status_code == 404 and str(theirs) in bulk.get_json()["detail"]
    assert client.post(f"{API}/actions", json={"action": "spam", "filter": {"site": "b"}},
                       headers=headers).status_code == 404
    # the UI's forms refuse the same
    form = {"csrf_token": auth.csrf, "bulk_action": "spam", "scope": "selected", "ids": [str(theirs)]}
    assert client.post("/inbox/act", data=form).status_code == 404
    assert client.post("/inbox/act", data={"csrf_token": auth.csrf, "one": f"{theirs}:spam"}).status_code == 404
    assert client.post("/inbox/act", data={"csrf_token": auth.csrf, "bulk_action": "spam", "scope": "matching",
                                           "site": "b", "status": "pending"}).status_code == 404
    assert client.post(f"/inbox/{theirs}/reply", data={"csrf_token": auth.csrf, "text": "x"}).status_code == 404
    # nothing about site b changed
    assert store.inbox_comment(theirs, None)["status"] == "pending"
    assert store.query("SELECT count(*) AS n FROM moderation_log")[0]["n"] == 0


def test_stale_version_is_refused_and_explained(app, bridge, client, auth):
    store = bridge.store
    cid = add_comment(store, site="a", version=1)
    with store.write() as db:  # what sync does when the site changed it behind our back
        db.execute("UPDATE comments SET status = 'spam', remote_status = 'spam', version = 2, "
                   "site_change = 'now spam', site_change_at = '2026-01-02T00:00:00Z' WHERE id = ?", [cid])
    auth.login()
    response = client.post(f"{API}/{cid}/actions", json={"action": "approve", "version": 1},
                           headers={"X-CSRF-Token": auth.csrf})
    assert response.status_code == 409
    body = response.get_json()
    assert body["current_version"] == 2 and body["current_status"] == "spam"
    assert "changed on site: now spam" in body["detail"] and "decide" in body["detail"]
    # the form path says the same in words, and changes nothing
    page = client.post("/inbox/act", data={"csrf_token": auth.csrf, "one": f"{cid}:approve", f"v-{cid}": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "changed after you loaded it (changed on site: now spam)" in page
    assert store.inbox_comment(cid, None)["status"] == "spam"
    html = client.get("/inbox?status=spam").get_data(as_text=True)
    assert "changed on site: now spam" in html


def test_validation_errors_are_problems(app, bridge, client, auth):
    cid = add_comment(bridge.store)
    auth.login()
    headers = {"X-CSRF-Token": auth.csrf}
    cases = [
        (f"{API}/{cid}/actions", {"action": "nuke"}, "not one of"),
        (f"{API}/{cid}/actions", {"action": "approve", "version": "3"}, "integer"),
        (f"{API}/actions", {"action": "spam"}, "exactly one"),
        (f"{API}/actions", {"action": "spam", "ids": []}, "list of 1"),
        (f"{API}/actions", {"action": "spam", "filter": {"colour": "red"}}, "colour"),
        (f"{API}/{cid}/replies", {"txt": "x"}, "text"),
    ]
    for url, body, words in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 400, (url, body)
        assert response.mimetype == "application/problem+json"
        assert words in response.get_json()["detail"], (url, body, response.get_json())
    assert client.post(f"{API}/{cid}/actions", data="x", headers=headers).status_code == 400
    # session calls without the CSRF header are refused
    assert client.post(f"{API}/{cid}/actions", json={"action": "approve"}).status_code == 403


def test_token_auth(app, bridge, client):
    add_comment(bridge.store, site="a")
    token = _token(bridge.store, "admin")
    response = client.get(API, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(response.get_json()["comments"]) == 1
    assert client.get(API).status_code == 401
