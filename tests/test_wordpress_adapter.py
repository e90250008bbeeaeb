"""The WordPress adapter against the harness's real WordPress, over both transports."""
from __future__ import annotations

import pytest

from adapters.base import AuthError, ConfigurationError, Unreachable
from adapters.types import CommentStatus, Media, ModerationAction, RemoteRef, SocialItem, SyncCursor
from tests.localhttp import LocalServer
from tests.wp_bridge_helpers import TRANSPORTS, image_file, make_adapter, rest_comment

pytestmark = pytest.mark.wordpress


def item(tmp_path, *, title="Turbine 12 is up", html="<p>We raised the <em>tower</em>.</p>", color=(200, 30, 30)):
    return SocialItem(id="item-42", title=title, html=html + "<script>alert(1)</script>", text="We raised the tower.",
                      url="https://social.example/@ann/1", author_name="Ann Example",
                      author_url="https://social.example/@ann", network="mastodon", tags=["wind"],
                      media=[Media(url="https://social.example/img.png", alt="The tower", content_type="image/png",
                                   local_path=image_file(tmp_path, color=color))])


def attachments(wp) -> list[dict]:
    return wp.rest.get("media", params={"per_page": 100, "context": "edit"}).json()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_check_reports_version_transport_and_capabilities(wp, transport):
    report = make_adapter(wp, transport).check()
    assert report.ok, report
    assert report.transport == transport
    assert report.version.startswith("6.")
    assert report.capabilities == {"publish": True, "upload_media": True, "moderate_comments": True}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_publish_update_and_unpublish(wp, tmp_path, transport):
    adapter = make_adapter(wp, transport, categories=["News"], tags=["social"])
    ref = adapter.publish(item(tmp_path), None)

    post = wp.rest.get(f"posts/{ref.remote_id}", params={"context": "edit"}).json()
    assert post["status"] == "publish" and post["comment_status"] == "open"
    assert "Ann Example" in post["content"]["raw"] and "https://social.example/@ann/1" in post["content"]["raw"]
    assert "<script>" not in post["content"]["raw"]
    media = wp.rest.get(f"media/{post['featured_media']}", params={"context": "edit"}).json()
    relative = media["media_details"]["file"]
    assert (wp.dir / "wp-content" / "uploads" / relative).is_file()
    if transport == "rest":
        assert media["alt_text"] == "The tower"
    names = {t["name"] for t in wp.rest.get("tags", params={"include": ",".join(map(str, post["tags"]))}).json()}
    assert names == {"social", "wind"}
    categories = wp.rest.get("categories", params={"include": ",".join(map(str, post["categories"]))}).json()
    assert [c["name"] for c in categories] == ["News"]

    edited = item(tmp_path, title="Turbine 12 is up (edited)", html="<p>New text.</p>")
    again = adapter.publish(edited, ref)
    assert again.remote_id == ref.remote_id and again.media_id == ref.media_id
    post = wp.rest.get(f"posts/{ref.remote_id}", params={"context": "edit"}).json()
    assert post["title"]["raw"] == "Turbine 12 is up (edited)" and "New text." in post["content"]["raw"]
    assert len(attachments(wp)) == 1

    adapter.unpublish(again)
    assert wp.rest.get(f"posts/{ref.remote_id}", params={"context": "edit"}).json()["status"] == "trash"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_lost_mapping_finds_the_existing_post(wp, tmp_path, transport):
    adapter = make_adapter(wp, transport)
    first = adapter.publish(item(tmp_path), None)
    found = make_adapter(wp, transport).publish(item(tmp_path, title="Found again"), None)  # no local mapping
    assert found.remote_id == first.remote_id
    posts = wp.rest.get("posts", params={"status": "any", "context": "edit"}).json()
    assert len([p for p in posts if p["title"]["raw"] != "Hello world!"]) == 1
    assert len(attachments(wp)) == 1
    # A stale mapping (the post id no longer exists) falls back to the marker.
    assert adapter.publish(item(tmp_path), RemoteRef(remote_id="99999")).remote_id == first.remote_id


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_comments_page_oldest_first_all_statuses_and_types(wp, transport):
    seeded = wp.seed_comments(250)
    wp.php(f"wp_insert_comment(['comment_post_ID' => {seeded['post_id']}, 'comment_type' => 'pingback', "
           "'comment_author' => 'Blog', 'comment_content' => 'ping', 'comment_approved' => 'spam']);")
    adapter = make_adapter(wp, transport)
    cursor, seen, pages = SyncCursor(), [], 0
    while True:
        page, cursor = adapter.fetch_comments(cursor, 100)
        if not page:
            break
        pages += 1
        seen.extend(page)
    assert len(seen) == 252  # + WordPress's sample comment
    keys = [(c.date_gmt, int(c.remote_id)) for c in seen]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert {c.status for c in seen} == set(CommentStatus)
    assert [c.type for c in seen].count("pingback") == 1
    assert all(c.post_title and c.post_url for c in seen)
    assert adapter.fetch_comments(cursor, 100) == ([], cursor)

    ids = [c.remote_id for c in seen[:5]] + ["987654"]
    again = adapter.fetch_comments_by_id(ids)
    assert sorted(c.remote_id for c in again) == sorted(ids[:5])


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_moderation_actions_and_reply_show_in_wordpress(wp, transport):
    seeded = wp.seed_comments(3, status="hold")
    first = seeded["first_id"]
    adapter = make_adapter(wp, transport)
    steps = [(ModerationAction.APPROVE, "approved"), (ModerationAction.HOLD, "hold"),
             (ModerationAction.SPAM, "spam"), (ModerationAction.UNSPAM, "hold"), (ModerationAction.TRASH, "trash"),
             (ModerationAction.RESTORE, "hold")]
    for action, expected in steps:
        adapter.moderate(str(first), action)
        assert rest_comment(wp, first)["status"] == expected, action

    parent = adapter.fetch_comments_by_id([str(first)])[0]
    posted = adapter.reply(parent, "Thanks for this!")
    shown = rest_comment(wp, posted.remote_id)
    assert shown["parent"] == first and shown["author"] == wp.admin_id and "Thanks for this!" in shown["content"]["raw"]

    assert adapter.moderate(str(first), ModerationAction.DELETE) is None
    assert rest_comment(wp, first) is None


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_wrong_password_is_reported_as_credentials(wp, transport):
    adapter = make_adapter(wp, transport, password="wrong-password-123")
    report = adapter.check()
    assert not report.ok and any("wrong credentials" in p for p in report.problems), report
    with pytest.raises(AuthError):
        adapter.fetch_comments(SyncCursor())


def test_xmlrpc_off_auto_falls_back_to_rest(wp):
    wp.set_flag("xmlrpc_off")
    report = make_adapter(wp, "auto").check()
    assert report.ok and report.transport == "rest"


def test_xmlrpc_off_with_transport_xmlrpc_is_a_clear_error(wp):
    wp.set_flag("xmlrpc_off")
    adapter = make_adapter(wp, "xmlrpc")
    report = adapter.check()
    assert not report.ok and any("XML-RPC is disabled" in p and "rest" in p for p in report.problems), report
    with pytest.raises(ConfigurationError):
        adapter.fetch_comments(SyncCursor())


def test_stripped_authorization_header_is_explained_and_auto_uses_xmlrpc(wp):
    wp.set_flag("strip_authorization")
    report = make_adapter(wp, "rest").check()
    assert not report.ok and any("Authorization header" in p and "SetEnvIf" in p for p in report.problems)
    auto = make_adapter(wp, "auto").check()
    assert auto.ok and auto.transport == "xmlrpc"


def test_application_passwords_disabled_is_explained(wp):
    wp.set_flag("app_passwords_off")
    report = make_adapter(wp, "rest").check()
    assert not report.ok and any("application passwords are disabled" in p for p in report.problems), report


def test_not_a_wordpress_site_and_unreachable(wp):
    with LocalServer() as server:
        server.add("/", "<html>hello</html>", headers={"Content-Type": "text/html"})
        adapter = make_adapter(wp, "auto")
        adapter.base_url = server.base
        report = adapter.check()
    assert not report.ok and any("does not look like a WordPress site" in p for p in report.problems), report

    wp.stop_server()
    adapter = make_adapter(wp, "rest")
    report = adapter.check()
    assert not report.ok and report.problems
    with pytest.raises(Unreachable):
        adapter.fetch_comments(SyncCursor())
