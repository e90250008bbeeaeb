"""The curation pages through the Flask test client: plain forms with CSRF tokens,
reasons on display, media served from the store, per-site limits."""
from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from bridge.security import hash_password
from tests.conftest import EDITOR_PASSWORD
from tests.curation_helpers import CURATION, add_item, curation_config, jobs_of
from tests.localhttp import png_bytes

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def send_webhook(client, payload: dict, *, source: str = "crew", msg_id: str | None = None):
    """POST a Standard Webhooks-signed delivery, as Zapier/Make/n8n senders do."""
    body = json.dumps(payload)
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    signature = Webhook(SECRET).sign(msg_id, datetime.now(UTC), body)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(time.time())), "webhook-signature": signature,
               "Content-Type": "application/json"}
    return client.post(f"/webhooks/social/{source}", data=body, headers=headers)


pytestmark = pytest.mark.bridge_config(*CURATION)


@pytest.fixture
def editor(bridge):
    """An editor limited to the corp site."""
    bridge.store.create_user("eva", hash_password(EDITOR_PASSWORD), "editor", ["corp"])
    return "eva"


def stored_image(bridge, tmp_path) -> tuple[str, str]:
    data = png_bytes()
    sha = hashlib.sha256(data).hexdigest()
    path = tmp_path / "media" / sha[:2] / f"{sha}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return sha, str(path)


def test_queue_shows_what_an_editor_needs_to_decide(app, bridge, client, auth, tmp_path):
    sha, path = stored_image(bridge, tmp_path)
    add_item(bridge.store, title="Blade day", author_name="Ana", network="mastodon",
             media=[{"sha256": sha, "path": path, "url": "https://cdn.social.example/orig.png",
                     "content_type": "image/png"}])
    add_item(bridge.store, state="flagged", title="Cheap coins", state_reason="suspect word: crypto",
             flags=[{"rule": "suspect", "reason": "suspect word: crypto"}])
    add_item(bridge.store, state="rejected", title="Not in the queue")
    auth.login()

    page = client.get("/curation").get_data(as_text=True)

    assert "Blade day" in page and "Cheap coins" in page and "Not in the queue" not in page
    assert "suspect word: crypto" in page and "mastodon" in page and "Ana" in page and "team" in page
    assert "consent: not required" in page
    assert f'src="/media/{sha}"' in page
    assert 'src="https://cdn.social.example/orig.png"' not in page  # never hot-linked
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # CSP: no inline script
    assert 'name="csrf_token"' in page and 'form="bulk-form"' in page


def test_media_route_serves_the_stored_type_with_nosniff_to_logged_in_users(app, bridge, client, auth, tmp_path):
    sha, path = stored_image(bridge, tmp_path)
    add_item(bridge.store, media=[{"sha256": sha, "path": path, "content_type": "image/png"}])

    assert client.get(f"/media/{sha}").status_code == 302  # to the login page
    auth.login()
    response = client.get(f"/media/{sha}")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == png_bytes()
    assert client.get("/media/" + "0" * 64).status_code == 404
    assert client.get("/media/../../etc/passwd").status_code == 404


def test_media_with_a_non_image_type_is_a_download_not_a_page(app, bridge, client, auth, tmp_path):
    path = tmp_path / "media" / "evil.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"<script>alert(1)</script>")
    sha = hashlib.sha256(b"<script>alert(1)</script>").hexdigest()
    add_item(bridge.store, media=[{"sha256": sha, "path": str(path), "content_type": "text/html"}])
    auth.login()
    response = client.get(f"/media/{sha}")
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_approve_form_publishes_to_the_ticked_sites_with_an_edit(app, bridge, client, auth):
    item_id = add_item(bridge.store, title="Old title")
    auth.login()

    response = client.post(f"/curation/items/{item_id}/approve", data={
        "csrf_token": auth.csrf, "sites": ["corp", "shop"], "title": "New title", "text": "Fresh text"})

    assert response.status_code == 302
    item = bridge.store.item_for_curation(item_id)
    assert item["state"] == "approved" and item["edited_title"] == "New title" and item["decided_by"] == "admin"
    assert sorted(j["site_id"] for j in jobs_of(bridge.store, item_id)) == ["corp", "shop"]
    page = client.get(f"/curation/items/{item_id}").get_data(as_text=True)
    assert f"Item {item_id} approved for corp, shop." in page
    assert re.search(r"<strong>corp</strong>:\s*queued", page) and re.search(r"<strong>shop</strong>:\s*queued", page)
    assert "New title" in page and "Fresh text" in page


def test_forms_without_csrf_token_change_nothing(app, bridge, client, auth):
    item_id = add_item(bridge.store)
    auth.login()
    response = client.post(f"/curation/items/{item_id}/approve", data={"sites": ["corp"]})
    assert response.status_code == 403
    assert bridge.store.item_for_curation(item_id)["state"] == "pending"


def test_reject_needs_a_reason_and_shows_it(app, bridge, client, auth):
    item_id = add_item(bridge.store)
    auth.login()

    page = client.post(f"/curation/items/{item_id}/reject", data={"csrf_token": auth.csrf, "reason": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "Say why the item is rejected" in page
    assert bridge.store.item_for_curation(item_id)["state"] == "pending"

    client.post(f"/curation/items/{item_id}/reject", data={"csrf_token": auth.csrf, "reason": "blurry photo"})
    assert bridge.store.item_for_curation(item_id)["state"] == "rejected"
    rejected_tab = client.get("/curation?tab=rejected").get_data(as_text=True)
    assert "blurry photo" in rejected_tab


def test_bulk_approve_and_reject_selected_items(app, bridge, client, auth):
    a, b, c = (add_item(bridge.store) for _ in range(3))
    dup = add_item(bridge.store, state="duplicate", duplicate_of=a)
    auth.login()

    page = client.post("/curation/bulk", data={"csrf_token": auth.csrf, "action": "approve", "ids": [a, b, dup],
                                               "sites": ["shop"]}, follow_redirects=True).get_data(as_text=True)
    assert "2 item(s) approved" in page and f"Item {dup} not approved" in page
    assert [bridge.store.item_for_curation(i)["target_sites"] for i in (a, b)] == [["shop"], ["shop"]]

    page = client.post("/curation/bulk", data={"csrf_token": auth.csrf, "action": "reject", "ids": [c]},
                       follow_redirects=True).get_data(as_text=True)
    assert "Say why the selected items are rejected" in page
    assert bridge.store.item_for_curation(c)["state"] == "pending"
    client.post("/curation/bulk", data={"csrf_token": auth.csrf, "action": "reject", "ids": [c],
                                        "reason": "off topic"})
    assert bridge.store.item_for_curation(c)["state_reason"] == "off topic"


def test_bulk_approve_without_ticked_sites_uses_each_items_defaults(app, bridge, client, auth):
    a = add_item(bridge.store, source_id="team")
    b = add_item(bridge.store, source_id="staff")
    auth.login()
    client.post("/curation/bulk", data={"csrf_token": auth.csrf, "action": "approve", "ids": [a, b]})
    assert bridge.store.item_for_curation(a)["target_sites"] == ["corp"]
    assert bridge.store.item_for_curation(b)["target_sites"] == ["shop"]


def test_tabs_list_items_by_state(app, bridge, client, auth):
    add_item(bridge.store, title="Pending one")
    first = add_item(bridge.store, title="Approved one", state="approved")
    add_item(bridge.store, title="Dup one", state="duplicate", duplicate_of=first, state_reason="same URL")
    auth.login()
    assert "Approved one" in client.get("/curation?tab=approved").get_data(as_text=True)
    duplicates = client.get("/curation?tab=duplicates").get_data(as_text=True)
    assert "Dup one" in duplicates and "same URL" in duplicates and "Pending one" not in duplicates
    everything = client.get("/curation?tab=all").get_data(as_text=True)
    assert all(t in everything for t in ("Pending one", "Approved one", "Dup one"))
    assert client.get("/curation?tab=nope").status_code == 404


def test_search_filters_the_queue(app, bridge, client, auth):
    add_item(bridge.store, title="Turbine blade", text="assembly")
    add_item(bridge.store, title="Ski slope", text="snow")
    auth.login()
    page = client.get("/curation?q=snow").get_data(as_text=True)
    assert "Ski slope" in page and "Turbine blade" not in page


def test_restricted_editor_sees_only_items_for_their_sites(app, bridge, client, auth, editor, tmp_path):
    sha, path = stored_image(bridge, tmp_path)
    mine = add_item(bridge.store, source_id="team", title="For corp")
    theirs = add_item(bridge.store, source_id="staff", title="For shop", media=[{"sha256": sha, "path": path}])
    auth.login("eva", EDITOR_PASSWORD)

    page = client.get("/curation").get_data(as_text=True)
    assert "For corp" in page and "For shop" not in page
    assert 'value="shop"' not in page  # no checkbox for a site they may not publish to
    assert client.get(f"/curation/items/{theirs}").status_code == 404
    assert client.get(f"/media/{sha}").status_code == 404

    page = client.post(f"/curation/items/{mine}/approve", data={"csrf_token": auth.csrf, "sites": ["corp", "shop"]},
                       follow_redirects=True).get_data(as_text=True)
    assert "You may not publish to shop" in page
    assert bridge.store.item_for_curation(mine)["state"] == "pending"
    client.post("/curation/bulk", data={"csrf_token": auth.csrf, "action": "reject", "ids": [theirs],
                                        "reason": "x"})
    assert bridge.store.item_for_curation(theirs)["state"] == "pending"


def test_item_page_shows_per_site_state_reasons_retry_and_history(app, bridge, client, auth):
    item_id = add_item(bridge.store)
    curation = bridge.curation
    curation.approve(item_id, ["corp", "shop"], actor="admin", allowed=None)
    bridge.store.mark_published(item_id, "corp", remote_ref={"remote_id": "5", "url": "https://corp.example.org/5"},
                                remote_url="https://corp.example.org/5", revision=1)
    shop_job = curation.publications(item_id, None)[1]["job_id"]
    claimed = bridge.outbox.claim(kinds=["publish"], site_id="shop")
    assert [j["id"] for j in claimed] == [shop_job]
    bridge.outbox.fail(claimed[0], "connection refused", retriable=False)
    auth.login()

    page = client.get(f"/curation/items/{item_id}").get_data(as_text=True)

    assert 'href="https://corp.example.org/5"' in page
    # the error in plain words, the original kept as its title
    assert ('failed (<span class="plain-error" title="connection refused">the server refused the connection '
            '(is it running?)</span>)') in page
    assert f'action="/curation/items/{item_id}/publications/shop/retry"' in page
    assert "admin" in page and "approve" in page  # history: who and what

    client.post(f"/curation/items/{item_id}/publications/shop/retry", data={"csrf_token": auth.csrf})
    assert bridge.store.get_job(shop_job)["state"] == "queued"
    assert curation.history(item_id)[-1]["action"] == "retry"


def test_consent_form_records_state_evidence_and_contributor(app, bridge, client, auth):
    item_id = add_item(bridge.store, source_id="fans", consent_state="requested")
    auth.login()
    client.post(f"/curation/items/{item_id}/approve", data={"csrf_token": auth.csrf, "sites": ["corp"]})
    assert jobs_of(bridge.store, item_id) == []
    page = client.get(f"/curation/items/{item_id}").get_data(as_text=True)
    assert "publishing waits for the contributor" in page

    client.post(f"/curation/items/{item_id}/consent", data={
        "csrf_token": auth.csrf, "state": "granted", "evidence_url": "https://social.example/p/9#yes",
        "contributor": "Ana Kovač"})

    item = bridge.store.item_for_curation(item_id)
    assert (item["consent_state"], item["contributor"]) == ("granted", "Ana Kovač")
    assert [j["kind"] for j in jobs_of(bridge.store, item_id)] == ["publish"]


def test_retract_and_edit_from_the_item_page(app, bridge, client, auth):
    item_id = add_item(bridge.store, title="T", text="x")
    auth.login()
    client.post(f"/curation/items/{item_id}/approve", data={"csrf_token": auth.csrf, "sites": ["corp"]})
    client.post(f"/curation/items/{item_id}/edit", data={"csrf_token": auth.csrf, "title": "T2", "text": "x"})
    assert bridge.store.item_for_curation(item_id)["revision"] == 2
    client.post(f"/curation/items/{item_id}/retract", data={"csrf_token": auth.csrf, "reason": "asked"})
    item = bridge.store.item_for_curation(item_id)
    assert item["state"] == "retracted" and item["state_reason"] == "asked"
    assert {j["kind"] for j in jobs_of(bridge.store, item_id)} == {"publish", "unpublish"}


def test_nav_has_the_curation_queue(app, client, auth):
    auth.login()
    assert 'href="/curation"' in client.get("/").get_data(as_text=True)


def test_a_signed_webhook_item_lands_in_the_queue_with_its_downloaded_image(tmp_path, clock):
    """Intake → curation without a CMS: the image is fetched from a local server and
    previewed from the store; approving queues the publish job."""
    from bridge.app import create_app
    from bridge.core import Bridge
    from tests.conftest import ADMIN_PASSWORD, Auth
    from tests.localhttp import LocalServer

    with LocalServer() as images:
        image_url = images.add("/a.png", png_bytes(), headers={"Content-Type": "image/png"})
        sources = [{"id": "crew", "kind": "webhook", "secret_env": "CREW_SECRET", "targets": ["corp"]}]
        config = curation_config(tmp_path, sources=sources, extra={"media": {"allow_private": ["127.0.0.1"]}},
                                 environ={"CREW_SECRET": SECRET})
        bridge = Bridge(config, clock=clock)
        try:
            bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
            client = create_app(bridge=bridge, testing=True).test_client()
            answer = send_webhook(client, {"external_id": "1", "url": "https://social.example/@ann/1",
                                           "text": "Tower up", "author": {"name": "Ann"},
                                           "media": [{"url": image_url, "alt": "tower"}]})
            assert answer.status_code in (200, 201, 202), answer.get_data(as_text=True)
            bridge.outbox.run_due()  # the image download, when intake defers it to the outbox
            auth = Auth(client)
            auth.login()
            (item,) = bridge.store.curation_items(states=["pending"])
            (media,) = bridge.store.media_for_items([item["id"]])[item["id"]]
            assert media["state"] == "stored"
            page = client.get("/curation").get_data(as_text=True)
            assert f'src="/media/{media["sha256"]}"' in page and "Ann" in page
            assert client.get(f"/media/{media['sha256']}").data == png_bytes()
            client.post(f"/curation/items/{item['id']}/approve", data={"csrf_token": auth.csrf, "sites": ["corp"]})
            assert [j["kind"] for j in jobs_of(bridge.store, item["id"]) if j["kind"] == "publish"] == ["publish"]
        finally:
            bridge.close()
