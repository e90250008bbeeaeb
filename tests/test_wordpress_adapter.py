"""The WordPress adapter against the harness's real WordPress, over both transports."""
from __future__ import annotations

import pytest

from adapters.base import AuthError, ConfigurationError, Unreachable
from adapters.types import CommentStatus, Media, ModerationAction, RemoteRef, SocialItem, SyncCursor
from tests.localhttp import LocalServer
from tests.wp_bridge_helpers import TRANSPORTS, image_file, make_adapter, rest_comment

pytestmark = pytest.mark.wordpress


def item(tmp_path, *, title="Turbine 12 is up", html="<p>We raised the <em>tower</em>.</p>", color=(200, 30, 30)):
    return SocialItem(id="item-42", key="inst0-item-42",
                      title=title, html=html + "<script>alert(1)</script>", text="We raised the tower.",
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


def add_comments(wp, post_id: int, n: int) -> list[int]:
    """``n`` held comments dated after everything seeded so far (seeded dates end at "now")."""
    code = ("$ids = []; for ($i = 1; $i <= %d; $i++) { $ids[] = wp_insert_comment(['comment_post_ID' => %d, "
            "'comment_author' => \"Late $i\", 'comment_content' => \"Late comment $i\", 'comment_approved' => 0, "
            "'comment_date_gmt' => gmdate('Y-m-d H:i:s', time() + 60 + $i), "
            "'comment_date' => gmdate('Y-m-d H:i:s', time() + 60 + $i)]); } echo implode(',', $ids);")
    return [int(i) for i in wp.php(code % (n, post_id)).split(",")]


def walk_all(adapter, cursor, limit=100) -> tuple[list, list, SyncCursor]:
    """Every page up to date: (comments in the order served, (count served, cursor) after each page,
    last cursor)."""
    seen, cursors = [], []
    while True:
        page, cursor = adapter.fetch_comments(cursor, limit)
        if not page:
            return seen, cursors, cursor
        seen.extend(page)
        cursors.append((len(seen), cursor))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_comments_pages_cover_all_statuses_and_types_once(wp, transport):
    seeded = wp.seed_comments(250)
    wp.php(f"wp_insert_comment(['comment_post_ID' => {seeded['post_id']}, 'comment_type' => 'pingback', "
           "'comment_author' => 'Blog', 'comment_content' => 'ping', 'comment_approved' => 'spam']);")
    adapter = make_adapter(wp, transport)
    seen, cursors, cursor = walk_all(adapter, SyncCursor())
    assert len(seen) == 252  # + WordPress's sample comment
    keys = [(c.date_gmt, int(c.remote_id)) for c in seen]
    assert len(set(keys)) == len(keys)
    if transport == "rest":  # newest id first
        assert [k[1] for k in keys] == sorted((k[1] for k in keys), reverse=True)
    else:  # newest date first (ties by id)
        assert keys == sorted(keys, reverse=True)
    # the cursor moves only with the walk's last page: to the highest id, and the newest date
    assert [c for _, c in cursors[:-1]] == [SyncCursor()] * (len(cursors) - 1) and len(cursors) == 3
    assert int(cursor.after_id) == max(k[1] for k in keys)
    assert cursor.after_date == max(keys)[0].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {c.status for c in seen} == set(CommentStatus)
    assert [c.type for c in seen].count("pingback") == 1
    assert all(c.post_title and c.post_url for c in seen)
    assert adapter.fetch_comments(cursor, 100) == ([], cursor)
    # A later sync (a new process: no state in the adapter) sees only what is new.
    later = make_adapter(wp, transport)
    assert later.fetch_comments(cursor, 100) == ([], cursor)
    added = add_comments(wp, seeded["post_id"], 3)
    new, _, after = walk_all(later, cursor)
    assert sorted(int(c.remote_id) for c in new) == added
    assert int(after.after_id) == added[-1]

    ids = [c.remote_id for c in seen[:5]] + ["987654"]
    requests_before = adapter.request_count
    again = adapter.fetch_comments_by_id(ids)
    assert sorted(c.remote_id for c in again) == sorted(ids[:5])
    assert adapter.request_count - requests_before == 1


def test_xmlrpc_walk_costs_few_requests_and_survives_a_crash(wp):
    seeded = wp.seed_comments(999)  # 1,000 with the sample comment
    adapter = make_adapter(wp, "xmlrpc")
    adapter.transport()
    opened = adapter.request_count
    seen, _, cursor = walk_all(adapter, SyncCursor())
    assert len({c.remote_id for c in seen}) == len(seen) == 1000
    # reads of 101, 201 + 1, 401 + 1, 801 + 1 rows (the first row of each read overlaps the previous one);
    # the call after the walk's last page asks nothing: the walk has just reached the newest comment
    assert adapter.request_count - opened == 4
    before = adapter.request_count
    assert walk_all(adapter, cursor)[0] == []
    # a later sync asks twice: anything newer by date (one list read), by id (one multicall of PROBE ids)?
    assert adapter.request_count == before + 2

    # A crash after three pages were stored: the stored cursor never moved, so a new
    # process walks again from the top and finds everything (storing again is a no-op).
    crashed = make_adapter(wp, "xmlrpc")
    partial = [crashed.fetch_comments(SyncCursor(), 100) for _ in range(3)]
    assert all(next_cursor == SyncCursor() for _, next_cursor in partial)
    add_comments(wp, seeded["post_id"], 2)
    again, _, cursor_again = walk_all(make_adapter(wp, "xmlrpc"), SyncCursor())
    assert len({c.remote_id for c in again}) == len(again) == 1002
    assert int(cursor_again.after_id) == max(int(c.remote_id) for c in again)


def test_xmlrpc_walk_sees_every_comment_when_the_list_moves_under_it(wp):
    """Comments added above the walk's position shift offsets down (rows read twice are
    dropped); comments deleted above it shift them up (the walk steps back)."""
    seeded = wp.seed_comments(599, status="hold")  # 600 with the sample comment
    adapter = make_adapter(wp, "xmlrpc")
    first, cursor = adapter.fetch_comments(SyncCursor(), 100)
    served = list(first)
    newest_ids = [int(c.remote_id) for c in first[:60]]
    # Delete 60 of the comments already served (above the walk's position) and add 5 new ones.
    wp.php("foreach ([" + ",".join(map(str, newest_ids)) + "] as $id) { wp_delete_comment($id, true); }")
    added = add_comments(wp, seeded["post_id"], 5)
    rest, _, cursor = walk_all(adapter, cursor)
    served.extend(rest)
    ids = [int(c.remote_id) for c in served]
    assert len(ids) == len(set(ids))
    existing = {int(r) for r in wp.php("global $wpdb; echo implode(',', $wpdb->get_col("
                                       "\"SELECT comment_ID FROM $wpdb->comments\"));").split(",")}
    new_ids = set(added)
    # Every comment that existed when the walk began and still exists was served; the
    # ones added during the walk come with the next sync.
    assert (existing - new_ids) <= set(ids)
    nxt, _, _ = walk_all(make_adapter(wp, "xmlrpc"), cursor)
    assert {int(c.remote_id) for c in nxt} == new_ids


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
