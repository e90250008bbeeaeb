"""End to end across both CMS kinds at once (issue 6): one bridge connected to the
harness's real WordPress and to the TYPO3 double in connector mode.

One social item comes in through the real intake (a signed webhook, its image
downloaded from a local HTTP server), an editor approves it for both sites, the
outbox publishes it: a WordPress post with its featured image (read back through
REST) and a TYPO3 news record with import_source/import_id and a FAL reference
(read from the double's tables). Visitors' comments on both sites land in one
inbox after a sync, and a decision on a comment of each site reaches that site
after the next sync: WordPress REST shows the new status, the double's comment
tables show the columns connectors/typo3/README.md maps each action to.
"""
from __future__ import annotations

import hashlib

import pytest

from tests.conftest import make_config
from tests.localhttp import LocalServer, png_bytes
from tests.test_curation_web import SECRET, send_webhook
from tests.wp_bridge_helpers import drain

pytestmark = pytest.mark.wordpress

NEWS = "tx_news_domain_model_news"
PW = "tx_pwcomments_domain_model_comment"
BLOG = "tx_blog_domain_model_comment"
T3_CAPABILITIES = {"upsert_news": "bridge-upsert-news", "unpublish": "bridge-unpublish",
                   "list_comments": "bridge-list-comments", "moderate_comment": "bridge-moderate-comment",
                   "reply": "bridge-reply"}
IMAGE = png_bytes(64, 48, color=(20, 120, 200))


@pytest.fixture
def image_server():
    with LocalServer() as server:
        yield server


@pytest.fixture
def config(tmp_path, wp, typo3):
    connector, environ = {}, {"WP_APP_PASSWORD": wp.app_password, "CREW_SECRET": SECRET}
    for name, reaction_type in T3_CAPABILITIES.items():
        url, secret = typo3.add_reaction(reaction_type, storage_pid=12)
        connector[name] = {"url": url, "secret_env": f"T3_{name.upper()}"}
        environ[f"T3_{name.upper()}"] = secret
    raw = {
        "media": {"allow_private": ["127.0.0.1"], "timeout": 5.0},
        "sites": [
            {"id": "wp", "kind": "wordpress", "url": wp.url, "name": "Harness blog", "username": wp.admin_user,
             "password_env": "WP_APP_PASSWORD", "timeout": 10.0},
            {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 news", "mode": "connector",
             "connector": connector, "timeout": 5.0},
        ],
        "sources": [{"id": "crew", "kind": "webhook", "secret_env": "CREW_SECRET", "targets": ["wp", "t3"],
                     "network": "mastodon"}],
    }
    return make_config(tmp_path, raw, environ)


def sync(bridge) -> dict:
    run = bridge.sync.run()
    assert run.ok, [r.summary() for r in run.results]
    return {r.site_id: r for r in run.results}


def inbox(client, **params) -> dict[tuple[str, str], dict]:
    """The inbox over the API, keyed by (site, remote id)."""
    response = client.get("/api/v1/comments", query_string={"status": "all", "limit": 200, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(c["site_id"], c["remote_id"]): c for c in response.get_json()["comments"]}


def decide(client, auth, comment: dict, action: str) -> dict:
    response = client.post(f"/api/v1/comments/{comment['id']}/actions",
                           json={"action": action, "version": comment["version"]},
                           headers={"X-CSRF-Token": auth.csrf})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["writeback_state"] == "pending"
    return body


def test_one_item_to_wordpress_and_typo3_and_one_inbox_for_both(bridge, client, auth, wp, typo3, image_server):
    # -- publish: a signed webhook, approved for both sites ---------------------------------------------
    image_url = image_server.add("/photos/finish.png", IMAGE, headers={"Content-Type": "image/png"})
    payload = {"external_id": "4242", "url": "https://social.example/@rita/4242", "title": "Across the finish line",
               "text": "Stage 3 done in the rain.", "html": "<p>Stage 3 done in the <em>rain</em>.</p>",
               "author": {"name": "Rita Rider", "url": "https://social.example/@rita"},
               "media": [{"url": image_url, "alt": "Rita at the finish"}]}
    delivered = send_webhook(client, payload)
    assert delivered.status_code in (200, 201, 202), delivered.get_data(as_text=True)
    drain(bridge)  # the image download
    assert image_server.hits["/photos/finish.png"] == 1
    (item,) = bridge.store.curation_items(states=["pending", "flagged"])
    curation = bridge.curation
    curation.approve(item["id"], ["wp", "t3"], actor="eva", allowed=None)
    drain(bridge)

    pubs = {p["site_id"]: p for p in curation.publications(item["id"], None)}
    assert set(pubs) == {"wp", "t3"}
    assert all(p["shown_state"] == "published" for p in pubs.values()), pubs

    # WordPress: the post and its featured image, copied into the media library
    post = wp.rest.get(f"posts/{pubs['wp']['remote_ref']['remote_id']}", params={"context": "edit"}).json()
    assert post["status"] == "publish" and post["title"]["raw"] == "Across the finish line"
    assert "Rita Rider" in post["content"]["raw"] and "https://social.example/@rita/4242" in post["content"]["raw"]
    assert post["featured_media"]
    attachment = wp.rest.get(f"media/{post['featured_media']}", params={"context": "edit"}).json()
    assert attachment["mime_type"] == "image/png" and attachment["source_url"].startswith(wp.url)
    assert attachment["alt_text"] == "Rita at the finish"

    # TYPO3: the news record found by import_source/import_id, with its image as a FAL reference
    (news,) = typo3.rows(NEWS, "deleted = 0")
    key = f"{bridge.store.installation_id()}-{item['id']}"
    assert news["import_source"] == "cms-bridge" and news["import_id"] == key
    assert pubs["t3"]["remote_ref"]["remote_id"] == f"news:{news['uid']}"
    assert news["title"] == "Across the finish line" and news["hidden"] == 0 and news["pid"] == 12
    assert "Rita Rider" in news["bodytext"] and 'class="cms-bridge-attribution"' in news["bodytext"]
    assert news["externalurl"] == "https://social.example/@rita/4242"
    (ref,) = typo3.rows("sys_file_reference", "tablenames = ? AND uid_foreign = ? AND deleted = 0",
                        (NEWS, news["uid"]))
    assert ref["fieldname"] == "fal_media" and ref["alternative"] == "Rita at the finish"
    file = typo3.row("sys_file", ref["uid_local"])
    assert file["mime_type"] == "image/png"
    assert typo3.file_contents(file["identifier"]) == IMAGE
    assert file["name"] == f"bridge-{hashlib.sha256(IMAGE).hexdigest()[:16]}.png"

    # -- comments from both sites land in one inbox ------------------------------------------------------
    seeded = wp.seed_comments(3, post=int(post["id"]), status="hold")
    page = typo3.add_page("Race diary", "/race-diary")
    on_news = typo3.add_pw_comment("Great photo, congratulations!", entry_uid=news["uid"], orig_pid=page,
                                   author_name="Paul")
    on_blog = typo3.add_blog_comment("Buy cheap watches at example.biz", post=page, name="Spammer")
    results = sync(bridge)
    assert results["wp"].new == 4  # the three seeded ones and WordPress's own sample comment
    assert results["t3"].new == 2

    auth.login()
    comments = inbox(client)
    assert {site for site, _ in comments} == {"wp", "t3"}
    wp_first = comments[("wp", str(seeded["first_id"]))]
    pw = comments[("t3", f"pw_comments:{on_news}")]
    blog = comments[("t3", f"blog:{on_blog}")]
    assert wp_first["status"] == pw["status"] == blog["status"] == "pending"
    assert pw["content_text"] == "Great photo, congratulations!" and pw["author_name"] == "Paul"
    assert pw["post_title"] == "Across the finish line"  # a pw_comments comment on the news detail page
    assert blog["post_title"] == "Race diary"  # EXT:blog posts are pages
    assert set(inbox(client, site="t3")) == {("t3", f"pw_comments:{on_news}"), ("t3", f"blog:{on_blog}")}

    # -- a decision on each site, written back by the next sync ---------------------------------------
    decide(client, auth, wp_first, "approve")
    decide(client, auth, pw, "approve")
    decide(client, auth, blog, "spam")
    # nothing has reached the sites yet
    assert wp.rest.get(f"comments/{seeded['first_id']}", params={"context": "edit"}).json()["status"] == "hold"
    assert typo3.row(PW, on_news)["hidden"] == 1 and typo3.row(BLOG, on_blog)["status"] == 0

    results = sync(bridge)
    assert results["wp"].written_back == 1 and results["t3"].written_back == 2
    assert wp.rest.get(f"comments/{seeded['first_id']}", params={"context": "edit"}).json()["status"] == "approved"
    for other in range(seeded["first_id"] + 1, seeded["last_id"] + 1):
        assert wp.rest.get(f"comments/{other}", params={"context": "edit"}).json()["status"] == "hold"
    pw_row, blog_row = typo3.row(PW, on_news), typo3.row(BLOG, on_blog)
    assert pw_row["hidden"] == 0 and pw_row["deleted"] == 0 and pw_row["ai_moderation_status"] == "approved"
    assert blog_row["status"] == 50 and blog_row["deleted"] == 0  # EXT:blog's "declined"

    comments = inbox(client)
    for key, status in ((("wp", str(seeded["first_id"])), "approved"), (("t3", f"pw_comments:{on_news}"), "approved"),
                        (("t3", f"blog:{on_blog}"), "spam")):
        assert comments[key]["status"] == comments[key]["remote_status"] == status, comments[key]
        assert comments[key]["writeback_state"] == "done" and comments[key]["site_change"] is None

    # and the sync after that sees our own changes come back as echoes, not as site changes
    results = sync(bridge)
    assert [(r.new, r.changed, r.written_back) for r in results.values()] == [(0, 0, 0), (0, 0, 0)]

    # a TYPO3 editor hides the approved comment again in the backend (DataHandler bumps tstamp; one
    # second on, so that it is strictly after the stream position of our own write-back): the
    # connector's stream delivers it again, and the inbox shows the site's change
    typo3.db.update_raw(PW, on_news, {"hidden": 1, "tstamp": typo3.db.now() + 1})
    results = sync(bridge)
    assert (results["t3"].new, results["t3"].changed) == (0, 1)
    changed = inbox(client)[("t3", f"pw_comments:{on_news}")]
    assert changed["status"] == changed["remote_status"] == "pending"
    assert changed["version"] > pw["version"] + 1 and "set to pending on the site" in changed["site_change"]
