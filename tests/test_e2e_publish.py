"""End to end, with every real piece: a signed Standard Webhook comes in, its image is
downloaded from a local HTTP server, an editor approves the item in the curation UI,
the outbox publishes it into the harness's real WordPress (image in the media
library, attribution in the post), a redelivery changes nothing, an edit updates the
same post, and retracting it takes the post out of the public listing."""
from __future__ import annotations

import pytest
import requests

from tests.conftest import make_config
from tests.localhttp import LocalServer, png_bytes
from tests.test_curation_web import SECRET, send_webhook
from tests.wp_bridge_helpers import drain


@pytest.fixture
def image_server():
    with LocalServer() as server:
        yield server


@pytest.fixture
def config(tmp_path, wp):
    raw = {
        "media": {"allow_private": ["127.0.0.1"], "timeout": 5.0},
        "sites": [{"id": "wp", "kind": "wordpress", "url": wp.url, "name": "Harness blog",
                   "username": wp.admin_user, "password_env": "WP_APP_PASSWORD", "timeout": 10.0}],
        "sources": [{"id": "crew", "kind": "webhook", "secret_env": "CREW_SECRET", "targets": ["wp"],
                     "network": "mastodon"}],
    }
    return make_config(tmp_path, raw, {"WP_APP_PASSWORD": wp.app_password, "CREW_SECRET": SECRET})


def bridge_posts(wp) -> list[dict]:
    """Every post on the site that is not the install's "Hello world!"."""
    posts = wp.rest.get("posts", params={"status": "any", "context": "edit", "per_page": 100}).json()
    return [p for p in posts if p["title"]["raw"] != "Hello world!"]


def test_webhook_to_wordpress_and_back(app, bridge, client, auth, wp, image_server):
    image_url = image_server.add("/photos/turbine.png", png_bytes(64, 48), headers={"Content-Type": "image/png"})
    payload = {"external_id": "109876", "url": "https://social.example/@ann/109876", "title": "Turbine 12 is up",
               "text": "We raised the tower today.", "html": "<p>We raised the <em>tower</em> today.</p>",
               "author": {"name": "Ann Example", "url": "https://social.example/@ann"},
               "media": [{"url": image_url, "alt": "The tower on its base"}]}

    first = send_webhook(client, payload)
    assert first.status_code in (200, 201, 202), first.get_data(as_text=True)
    drain(bridge)  # the image download, when intake defers it
    assert image_server.hits["/photos/turbine.png"] == 1

    auth.login()
    queue = client.get("/curation").get_data(as_text=True)
    assert "Turbine 12 is up" in queue and "Ann Example" in queue
    (item,) = bridge.store.curation_items(states=["pending", "flagged"])
    media = bridge.store.media_for_items([item["id"]])[item["id"]]
    assert media[0]["state"] == "stored"
    assert f'src="/media/{media[0]["sha256"]}"' in queue

    client.post(f"/curation/items/{item['id']}/approve", data={"csrf_token": auth.csrf, "sites": ["wp"]})
    drain(bridge)

    (post,) = bridge_posts(wp)
    (pub,) = bridge.curation.publications(item["id"], None)
    assert pub["shown_state"] == "published" and str(post["id"]) == pub["remote_ref"]["remote_id"]
    assert post["status"] == "publish" and post["title"]["raw"] == "Turbine 12 is up"
    assert "Ann Example" in post["content"]["raw"]  # attribution
    assert "https://social.example/@ann/109876" in post["content"]["raw"]  # source link
    assert post["featured_media"], "the image should be the post's featured image"
    attachment = wp.rest.get(f"media/{post['featured_media']}").json()
    assert attachment["media_type"] == "image" and attachment["mime_type"] == "image/png"
    assert attachment["source_url"].startswith(wp.url)  # copied into the library, not hot-linked
    page = client.get(f"/curation/items/{item['id']}").get_data(as_text=True)
    assert pub["remote_url"] in page

    again = send_webhook(client, payload)  # the sender delivers the same post again
    assert again.status_code in (200, 201, 202)
    drain(bridge)
    assert [p["id"] for p in bridge_posts(wp)] == [post["id"]]
    assert len(wp.rest.get("media").json()) == 1

    client.post(f"/curation/items/{item['id']}/edit", data={"csrf_token": auth.csrf, "title": "Turbine 12 stands",
                                                            "text": "We raised the tower today."})
    drain(bridge)
    (edited,) = bridge_posts(wp)
    assert edited["id"] == post["id"] and edited["title"]["raw"] == "Turbine 12 stands"
    assert len(wp.rest.get("media").json()) == 1  # the same image, not uploaded twice

    client.post(f"/curation/items/{item['id']}/retract", data={"csrf_token": auth.csrf, "reason": "asked"})
    drain(bridge)
    public = requests.get(f"{wp.rest_url}/posts", timeout=10).json()
    assert post["id"] not in [p["id"] for p in public]
    (pub,) = bridge.curation.publications(item["id"], None)
    assert pub["shown_state"] == "unpublished"
