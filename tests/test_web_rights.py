"""Per-site rights seen from pages and the API (issue 9, items 1, 6, 8): an editor of
one site cannot take an item down from another by consent, through the API or the
form; redirect targets from forms never leave the site; sources feeding only
another site are not shown."""
from __future__ import annotations

import re

import pytest

from bridge.security import hash_password
from tests.conftest import EDITOR_PASSWORD
from tests.curation_helpers import CURATION, add_item, jobs_of
from tests.test_api_items import token_for

pytestmark = pytest.mark.bridge_config(*CURATION)


@pytest.fixture
def eva(app, bridge):
    """An editor limited to site corp."""
    bridge.store.create_user("eva", hash_password(EDITOR_PASSWORD), "editor", ["corp"])
    return token_for(bridge.store, "eva")


@pytest.fixture
def on_both(bridge):
    item_id = add_item(bridge.store, source_id="team")
    bridge.curation.approve(item_id, ["corp", "shop"], actor="admin", allowed=None)
    return item_id


def test_api_consent_revoke_by_an_editor_of_one_site_is_403_and_queues_nothing(bridge, client, eva, on_both):
    before = jobs_of(bridge.store, on_both)
    response = client.post(f"/api/v1/items/{on_both}/consent", json={"state": "revoked"}, headers=eva)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert "shop" in response.get_json()["detail"]
    assert jobs_of(bridge.store, on_both) == before
    assert not [j for j in jobs_of(bridge.store, on_both) if j["kind"] == "unpublish"]
    assert bridge.curation.get(on_both, None)["consent_state"] == "not_required"


def test_form_consent_revoke_by_an_editor_of_one_site_is_refused(bridge, client, auth, eva, on_both):
    auth.login("eva", EDITOR_PASSWORD)
    response = client.post(f"/curation/items/{on_both}/consent", data={"state": "revoked",
                                                                       "csrf_token": auth.csrf},
                           follow_redirects=True)
    assert "shop" in response.get_data(as_text=True)
    assert not [j for j in jobs_of(bridge.store, on_both) if j["kind"] == "unpublish"]
    assert bridge.curation.get(on_both, None)["consent_state"] == "not_required"


@pytest.mark.parametrize("back", ["/\t/evil.example", "//evil.example", "\\\\evil.example", "/\\evil.example",
                                  "https://evil.example/", "/\n/evil.example", "javascript:alert(1)"])
def test_curation_forms_never_redirect_off_site(bridge, client, auth, back):
    item_id = add_item(bridge.store, source_id="team")
    auth.login()
    response = client.post(f"/curation/items/{item_id}/reject", data={"reason": "off topic", "back": back,
                                                                      "csrf_token": auth.csrf})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/curation/items/{item_id}"
    bulk = client.post("/curation/bulk", data={"action": "reject", "ids": [str(item_id)], "reason": "x",
                                               "back": back, "csrf_token": auth.csrf})
    assert bulk.status_code == 302 and bulk.headers["Location"] == "/curation"
    jobs = client.post("/jobs/1/retry", data={"back": back, "csrf_token": auth.csrf})
    assert jobs.status_code == 302 and jobs.headers["Location"] == "/jobs"


def test_a_same_site_back_is_kept(bridge, client, auth):
    item_id = add_item(bridge.store, source_id="team")
    auth.login()
    response = client.post(f"/curation/items/{item_id}/reject", data={"reason": "off topic",
                                                                      "back": "/curation?tab=rejected",
                                                                      "csrf_token": auth.csrf})
    assert response.headers["Location"] == "/curation?tab=rejected"


def source_ids(html: str) -> set[str]:
    return set(re.findall(r'<option value="([^"]+)"', html)) | set(re.findall(r"<code>([^<]+)</code>", html))


def test_an_editor_sees_only_the_sources_of_their_sites(bridge, client, auth, eva):
    # team → corp, fans → corp and shop, staff → shop only
    auth.login()
    assert {"team", "fans", "staff"} <= source_ids(client.get("/curation").get_data(as_text=True))
    assert {"team", "fans", "staff"} <= source_ids(client.get("/sites").get_data(as_text=True))
    auth.logout()
    auth.login("eva", EDITOR_PASSWORD)
    for page in ("/curation", "/sites"):
        html = client.get(page).get_data(as_text=True)
        seen = source_ids(html)
        assert {"team", "fans"} <= seen, page
        assert "staff" not in seen and "staff" not in html, page
