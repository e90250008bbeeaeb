"""Typo3Adapter against the TYPO3 double, in reaction mode and connector mode."""
from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from email.utils import formatdate

import pytest
from marshmallow import ValidationError

from adapters.base import (
    AuthError,
    ConfigurationError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unreachable,
    Unsupported,
)
from adapters.types import CommentStatus, HoldReason, Media, ModerationAction, RemoteRef, SocialItem, SyncCursor
from adapters.typo3 import ContentTooLong, OutcomeUnknown, Typo3Adapter, Typo3SiteSchema

NEWS = "tx_news_domain_model_news"
PW = "tx_pwcomments_domain_model_comment"
BLOG = "tx_blog_domain_model_comment"
REACTION_NEWS_FIELDS = {"title": "${title}", "teaser": "${teaser}", "bodytext": "${html}", "datetime": "${datetime}",
                        "author": "${author}", "externalurl": "${source_url}", "notes": "${item_id}"}
CAPABILITY_TYPES = {"upsert_news": "bridge-upsert-news", "unpublish": "bridge-unpublish",
                    "list_comments": "bridge-list-comments", "moderate_comment": "bridge-moderate-comment",
                    "reply": "bridge-reply", "erase_commenter": "bridge-erase-commenter"}


def make_item(item_id="itm_1", **overrides) -> SocialItem:
    values = {"id": item_id, "key": f"inst0-{item_id}",
              "title": "Turbine 7 is up", "html": "<p>New blades <script>x</script></p>",
              "text": "New blades", "url": "https://mastodon.social/@acme/1", "author_name": "ACME Corp",
              "author_url": "https://mastodon.social/@acme", "network": "mastodon", "excerpt": "New blades",
              "published_at": datetime(2025, 1, 1, 12, tzinfo=UTC)}
    values.update(overrides)
    return SocialItem(**values)


def reaction_adapter(typo3, table=NEWS, fields=REACTION_NEWS_FIELDS, **options) -> Typo3Adapter:
    url, secret = typo3.add_reaction("create-record", table=table, fields=fields)
    site = {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "Example", "mode": "reaction",
            "table": table, "reaction": {"url": url, "secret_env": "T3_SECRET"}, **options}
    return Typo3Adapter(site, {"reaction.secret": secret})


def connector_adapter(typo3, capabilities=tuple(CAPABILITY_TYPES), **options) -> Typo3Adapter:
    connector, secrets = {}, {}
    for name in capabilities:
        url, secret = typo3.add_reaction(CAPABILITY_TYPES[name], storage_pid=12)
        connector[name] = {"url": url, "secret_env": f"T3_{name.upper()}"}
        secrets[f"connector.{name}.secret"] = secret
    site = {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "Example", "mode": "connector",
            "connector": connector, "reply_author_name": "Example team", **options}
    return Typo3Adapter(site, secrets)


# -- configuration --------------------------------------------------------------------------------

def test_schema_refuses_unknown_keys_trailing_slash_and_plain_http():
    good = {"mode": "reaction", "reaction": {"url": "https://x.org/typo3/reaction/a5cffc58-b69a-42f6-9866-f93ec1ad9dc5",
                                             "secret_env": "S"}}
    assert Typo3SiteSchema().load(good)["timeout"] == 10.0
    with pytest.raises(ValidationError, match="surprise"):
        Typo3SiteSchema().load({**good, "surprise": 1})
    with pytest.raises(ValidationError, match="must not end with '/'"):
        Typo3SiteSchema().load({"reaction": {"url": good["reaction"]["url"] + "/", "secret_env": "S"}})
    with pytest.raises(ValidationError, match="clear text"):
        Typo3SiteSchema().load({"reaction": {"url": good["reaction"]["url"].replace("https", "http"),
                                             "secret_env": "S"}})
    with pytest.raises(ValidationError, match="timeout"):
        Typo3SiteSchema().load({**good, "timeout": 0.5})  # each call costs TYPO3 ~0.7 s


# -- reaction mode ------------------------------------------------------------------------------

def test_reaction_publish_creates_news_with_all_fields(typo3):
    adapter = reaction_adapter(typo3)
    ref = adapter.publish(make_item(), None)
    assert ref.remote_id == "reaction:itm_1"
    [row] = typo3.rows(NEWS)
    assert row["title"] == "Turbine 7 is up"
    assert row["datetime"] == 1735732800
    assert row["author"] == "ACME Corp" and row["externalurl"] == "https://mastodon.social/@acme/1"
    assert row["notes"] == "itm_1"
    assert "<script>" not in row["bodytext"] and "<p>New blades" in row["bodytext"]
    assert 'class="cms-bridge-attribution"' in row["bodytext"]
    assert "${" not in "".join(str(v) for v in row.values())
    assert set(typo3.requests[0]["body"]) >= {"title", "teaser", "html", "text", "datetime", "author", "source_url",
                                             "network", "item_id"}


def test_reaction_publish_into_tt_content(typo3):
    adapter = reaction_adapter(typo3, table="tt_content", fields={"header": "${title}", "bodytext": "${html}"})
    adapter.publish(make_item(), None)
    [row] = typo3.rows("tt_content")
    assert row["header"] == "Turbine 7 is up" and row["pid"] == 5


def test_reaction_mode_never_sends_twice(typo3):
    adapter = reaction_adapter(typo3)
    ref = adapter.publish(make_item(), None)
    with pytest.raises(Unsupported, match="already sent") as error:
        adapter.publish(make_item(title="Edited"), ref)
    assert "connector" in error.value.hint
    with pytest.raises(Unsupported):
        adapter.publish(make_item(), None)  # same item again from this adapter
    assert len(typo3.requests) == 1 and len(typo3.rows(NEWS)) == 1


def test_reaction_mode_refuses_comments_and_updates(typo3):
    adapter = reaction_adapter(typo3)
    calls = [lambda: adapter.fetch_comments(SyncCursor()), lambda: adapter.fetch_comments_by_id(["blog:1"]),
             lambda: adapter.moderate("blog:1", ModerationAction.APPROVE), lambda: adapter.unpublish(
                 RemoteRef("reaction:itm_1"))]
    for call in calls:
        with pytest.raises(Unsupported) as error:
            call()
        assert "connector" in error.value.hint
    assert typo3.requests == []


def test_reaction_check_reports_mode_and_limits(typo3):
    report = reaction_adapter(typo3).check()
    assert report.ok and report.transport == "reaction"
    assert report.capabilities == {"publish": True, "update": False, "images": False, "comments": False,
                                   "moderate": False, "reply": False}
    assert any("updates, images" in note and "connector" in note for note in report.notes)
    assert typo3.rows(NEWS) == []  # the probe created nothing


def test_reaction_check_names_a_wrong_url(typo3):
    adapter = reaction_adapter(typo3)
    adapter.endpoints["reaction"].url = f"{typo3.base_url}/typo3/reaction/a5cffc58-b69a-42f6-9866-f93ec1ad9dc5"
    report = adapter.check()
    assert not report.ok
    assert "a5cffc58-b69a-42f6-9866-f93ec1ad9dc5" in report.problems[0]


def test_title_is_shortened_with_ellipsis(typo3):
    adapter = reaction_adapter(typo3)
    adapter.publish(make_item(title="word " * 80), None)
    title = typo3.rows(NEWS)[0]["title"]
    assert len(title) <= 255 and title.endswith("…")


def test_too_long_teaser_is_refused_before_sending(typo3):
    adapter = reaction_adapter(typo3)
    with pytest.raises(ContentTooLong, match="teaser"):
        adapter.publish(make_item(excerpt="x" * 70000), None)
    assert typo3.requests == []


def test_emoji_on_utf8mb3_is_explained_and_replace_non_bmp_fixes_it(typo3):
    typo3.set_utf8mb3()
    adapter = reaction_adapter(typo3)
    with pytest.raises(ConfigurationError, match="Record could not be created") as error:
        adapter.publish(make_item(title="Wind 🌬 power"), None)
    assert "replace_non_bmp" in error.value.hint and error.value.needs_attention
    fixed = reaction_adapter(typo3, replace_non_bmp=True)
    fixed.publish(make_item(title="Wind 🌬 power"), None)
    assert typo3.rows(NEWS)[0]["title"] == "Wind \ufffd power"


def test_emoji_stored_as_is_without_the_option_on_utf8mb4(typo3):
    reaction_adapter(typo3).publish(make_item(title="Wind 🌬 power"), None)
    assert typo3.rows(NEWS)[0]["title"] == "Wind 🌬 power"


def test_disabled_service_user_is_explained(typo3):
    adapter = reaction_adapter(typo3)
    typo3.set_user_disabled()
    with pytest.raises(ConfigurationError) as error:
        adapter.publish(make_item(), None)
    assert "disabled" in error.value.hint
    assert "replace_non_bmp" not in error.value.hint


def test_401_asks_to_repaste_the_secret(typo3):
    adapter = reaction_adapter(typo3)
    adapter.endpoints["reaction"].secret = "f" * 40
    with pytest.raises(AuthError) as error:
        adapter.publish(make_item(), None)
    assert "T3_SECRET" in error.value.hint and not error.value.retriable


def test_404_names_the_reaction_url(typo3):
    adapter = reaction_adapter(typo3)
    url = f"{typo3.base_url}/typo3/reaction/00000000-0000-4000-8000-000000000000"
    adapter.endpoints["reaction"].url = url
    with pytest.raises(ConfigurationError, match=url):
        adapter.publish(make_item(), None)


def test_redirect_is_a_configuration_error_and_not_followed(typo3):
    adapter = reaction_adapter(typo3)
    adapter.endpoints["reaction"].url += "/"  # what the schema refuses, as a site would answer it
    with pytest.raises(ConfigurationError, match="302") as error:
        adapter.publish(make_item(), None)
    assert "trailing slash" in error.value.hint
    assert typo3.rows(NEWS) == []


def test_table_not_allowed_is_configuration_error(typo3):
    adapter = reaction_adapter(typo3, table="tt_content", fields={})
    with pytest.raises(ConfigurationError, match="No fields given"):
        adapter.publish(make_item(), None)


def test_stopped_site_is_unreachable_and_retriable(typo3):
    adapter = reaction_adapter(typo3)
    typo3.stop()
    with pytest.raises(Unreachable) as error:
        adapter.publish(make_item(), None)
    assert error.value.retriable


def test_read_timeout_in_reaction_mode_is_not_retried(typo3):
    adapter = reaction_adapter(typo3, timeout=2)
    typo3.set_latency(2.5)
    with pytest.raises(OutcomeUnknown) as error:
        adapter.publish(make_item(), None)
    assert not error.value.retriable and error.value.needs_attention


def test_real_argon2_latency_fits_the_default_timeout(typo3):
    adapter = reaction_adapter(typo3)
    typo3.set_latency(0.7)
    started = time.monotonic()
    adapter.publish(make_item(), None)
    assert time.monotonic() - started >= 0.7
    assert len(typo3.rows(NEWS)) == 1


# -- connector mode -----------------------------------------------------------------------------

def test_connector_check_reports_every_capability(typo3):
    report = connector_adapter(typo3).check()
    assert report.ok, report.problems
    assert report.transport == "connector" and report.version == "13.4.9"
    assert report.capabilities == {"publish": True, "update": True, "images": True, "unpublish": True,
                                   "comments": True, "moderate": True, "reply": True,
                                   "erase": True}


def test_connector_check_finds_disabled_user_and_swapped_urls(typo3):
    adapter = connector_adapter(typo3, capabilities=("upsert_news", "reply"))
    adapter.endpoints["reply"].url, adapter.endpoints["upsert_news"].url = (
        adapter.endpoints["upsert_news"].url, adapter.endpoints["reply"].url)
    adapter.endpoints["reply"].secret, adapter.endpoints["upsert_news"].secret = (
        adapter.endpoints["upsert_news"].secret, adapter.endpoints["reply"].secret)
    report = adapter.check()
    assert not report.ok and sum("swap the URLs" in p for p in report.problems) == 2
    typo3.set_user_disabled()
    report = connector_adapter(typo3, capabilities=("upsert_news",)).check()
    assert not report.capabilities["publish"]
    assert any("enable that user" in p for p in report.problems)


def test_connector_upsert_creates_then_updates_same_record(typo3, tmp_path):
    image = tmp_path / "pic.png"
    image.write_bytes(b"\x89PNG fake image bytes")
    media = Media(url="https://cdn.example/pic.png", alt="Blades", local_path=str(image), content_type="image/png")
    adapter = connector_adapter(typo3)
    ref = adapter.publish(make_item(media=[media]), None)
    [row] = typo3.rows(NEWS)
    assert ref.remote_id == f"news:{row['uid']}" and ref.url.endswith("/news/turbine-7-is-up")
    assert (row["import_source"], row["import_id"], row["pid"], row["hidden"]) == ("cms-bridge", "inst0-itm_1", 12, 0)
    assert 'href="https://mastodon.social/@acme/1"' in row["bodytext"]
    [file] = typo3.rows("sys_file")
    assert typo3.file_contents(file["identifier"]) == image.read_bytes()
    assert ref.media_sha256 == hashlib.sha256(image.read_bytes()).hexdigest() and ref.media_id == str(file["uid"])
    [reference] = typo3.rows("sys_file_reference")
    assert (reference["uid_local"], reference["uid_foreign"], reference["tablenames"], reference["fieldname"],
            reference["alternative"]) == (file["uid"], row["uid"], NEWS, "fal_media", "Blades")

    fresh = connector_adapter(typo3)  # no stored ref: found again by import_source/import_id
    again = fresh.publish(make_item(title="Turbine 7 is up and running", media=[media]), None)
    assert again.remote_id == ref.remote_id and again.extra["action"] == "updated"
    [row] = typo3.rows(NEWS)
    assert row["title"] == "Turbine 7 is up and running"
    assert len(typo3.rows("sys_file")) == 1
    assert len(typo3.rows("sys_file_reference", "deleted = 0")) == 1


def test_connector_unpublish_hides_or_deletes(typo3):
    adapter = connector_adapter(typo3)
    ref = adapter.publish(make_item(), None)
    adapter.unpublish(ref)
    assert typo3.rows(NEWS)[0]["hidden"] == 1
    deleting = connector_adapter(typo3, unpublish="delete")
    deleting.unpublish(RemoteRef("news:0", extra={"import_source": "cms-bridge", "import_id": "inst0-itm_1"}))
    assert typo3.rows(NEWS)[0]["deleted"] == 1
    with pytest.raises(NotFound):
        deleting.unpublish(ref)


def test_connector_too_long_author_and_utf8mb3(typo3):
    adapter = connector_adapter(typo3)
    adapter.publish(make_item(author_name="ä" * 200), None)  # 400 bytes: shortened, not truncated by TYPO3
    assert typo3.rows(NEWS)[0]["author"].endswith("…")
    typo3.set_utf8mb3()
    with pytest.raises(ConfigurationError, match="utf8mb3") as error:
        adapter.publish(make_item("itm_2", title="🌬"), None)
    assert "replace_non_bmp" in error.value.hint
    connector_adapter(typo3, replace_non_bmp=True).publish(make_item("itm_2", title="🌬"), None)
    assert typo3.rows(NEWS)[-1]["title"] == "\ufffd"


def test_connector_permission_problem_is_permission_denied(typo3):
    adapter = connector_adapter(typo3)
    typo3.set_user_tables(["tt_content"])
    with pytest.raises(PermissionDenied, match="may not modify"):
        adapter.publish(make_item(), None)


def seed_comments(typo3):
    typo3.set_time(1_800_000_000)
    post = typo3.add_page("Blog post", "/blog/post")
    news = typo3.add_news("Turbine news")
    b1 = typo3.add_blog_comment("First!", post=post, tstamp=1000, crdate=1000)
    p1 = typo3.add_pw_comment("Nice news", entry_uid=news, tstamp=1000, crdate=1000)
    p2 = typo3.add_pw_comment("On a page", orig_pid=post, tstamp=1000, crdate=1000, hidden=0)
    b2 = typo3.add_blog_comment("Later", post=post, tstamp=2000, crdate=2000, status=10)
    return post, news, b1, p1, p2, b2


def test_fetch_comments_pages_across_both_extensions(typo3):
    post, news, b1, p1, p2, b2 = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    page, cursor = adapter.fetch_comments(SyncCursor(), limit=2)
    assert [c.remote_id for c in page] == [f"blog:{b1}", f"pw_comments:{p1}"]
    assert cursor == SyncCursor(after_date="1970-01-01T00:16:40Z", after_id=f"pw_comments:{p1}")
    page2, cursor = adapter.fetch_comments(cursor, limit=2)
    assert [c.remote_id for c in page2] == [f"pw_comments:{p2}", f"blog:{b2}"]
    last, same = adapter.fetch_comments(cursor, limit=2)
    assert last == [] and same == cursor

    first, news_comment, page_comment, approved = page + page2
    assert (first.status, first.post_id, first.post_title, first.post_url) == (
        CommentStatus.PENDING, f"page:{post}", "Blog post", f"{typo3.base_url}/blog/post")
    assert (news_comment.post_id, news_comment.post_title) == (f"news:{news}", "Turbine news")
    assert news_comment.status == CommentStatus.PENDING and news_comment.author_email == "visitor@example.org"
    assert page_comment.status == CommentStatus.APPROVED and page_comment.post_id == f"page:{post}"
    assert approved.status == CommentStatus.APPROVED
    assert approved.date_gmt == datetime.fromtimestamp(2000, UTC)


def test_the_sites_own_reason_is_pw_comments_ai_moderation_and_nothing_else(typo3):
    """pw_comments 7.x keeps its AI moderation's verdict on the record (CommentController::createAction;
    connector 1.4.0 lists it); EXT:blog and a pw_comments hold without AI keep no reason."""
    post = typo3.add_page("Blog post", "/blog/post")
    flagged = typo3.add_pw_comment("You are all idiots", ai_moderation_status="flagged",
                                   ai_moderation_reason="harassment")
    failed = typo3.add_pw_comment("Plain words", ai_moderation_status="error",
                                  ai_moderation_reason="AI moderation failed: timeout")
    held = typo3.add_pw_comment("Held by moderateNewComments")
    ours = typo3.add_pw_comment("Marked spam in the inbox")
    blog = typo3.add_blog_comment("No reason kept", post=post)
    adapter = connector_adapter(typo3)
    adapter.moderate(f"pw_comments:{ours}", ModerationAction.SPAM)  # writes its own ai_moderation_reason
    ids = [f"pw_comments:{flagged}", f"pw_comments:{failed}", f"pw_comments:{held}", f"pw_comments:{ours}",
           f"blog:{blog}"]
    found = {c.remote_id: c for c in adapter.fetch_comments_by_id(ids)}
    assert found[ids[0]].status == CommentStatus.SPAM
    assert found[ids[0]].held_because == [HoldReason("ai_moderation", "harassment")]
    assert found[ids[1]].held_because == [HoldReason("ai_moderation_error", "AI moderation failed: timeout")]
    assert [found[i].held_because for i in ids[2:]] == [[], [], []]


def test_fetch_comments_by_id_omits_gone_ones(typo3):
    _, _, b1, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    found = adapter.fetch_comments_by_id([f"pw_comments:{p1}", "blog:999", f"blog:{b1}"])
    assert [c.remote_id for c in found] == [f"pw_comments:{p1}", f"blog:{b1}"]


def test_only_installed_comment_extensions_are_read(typo3):
    seed_comments(typo3)
    typo3.set_comment_sources(["pw_comments"])
    comments, _ = connector_adapter(typo3).fetch_comments(SyncCursor())
    assert {c.remote_id.split(":")[0] for c in comments} == {"pw_comments"}


def test_moderation_actions_follow_the_mapping(typo3):
    _, _, b1, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    assert adapter.moderate(f"blog:{b1}", ModerationAction.APPROVE) == CommentStatus.APPROVED
    assert (typo3.row(BLOG, b1)["status"], typo3.row(BLOG, b1)["hidden"]) == (10, 0)
    assert adapter.moderate(f"blog:{b1}", ModerationAction.SPAM) == CommentStatus.SPAM
    assert typo3.row(BLOG, b1)["status"] == 50
    assert adapter.moderate(f"blog:{b1}", ModerationAction.HOLD) == CommentStatus.PENDING
    assert typo3.row(BLOG, b1)["status"] == 0

    assert adapter.moderate(f"pw_comments:{p1}", ModerationAction.APPROVE) == CommentStatus.APPROVED
    assert typo3.row(PW, p1)["hidden"] == 0
    assert adapter.moderate(f"pw_comments:{p1}", ModerationAction.SPAM) == CommentStatus.SPAM
    row = typo3.row(PW, p1)
    assert (row["hidden"], row["ai_moderation_status"]) == (1, "flagged")
    assert adapter.moderate(f"pw_comments:{p1}", ModerationAction.UNSPAM) == CommentStatus.PENDING
    assert typo3.row(PW, p1)["ai_moderation_status"] == ""

    assert adapter.moderate(f"pw_comments:{p1}", ModerationAction.TRASH) == CommentStatus.TRASH
    assert typo3.row(PW, p1)["deleted"] == 1
    assert adapter.moderate(f"pw_comments:{p1}", ModerationAction.RESTORE) == CommentStatus.PENDING
    assert typo3.row(PW, p1)["deleted"] == 0
    assert adapter.moderate(f"pw_comments:{p1}", ModerationAction.DELETE) is None
    assert typo3.row(PW, p1) is None
    with pytest.raises(NotFound):
        adapter.moderate(f"pw_comments:{p1}", ModerationAction.APPROVE)


def test_moderation_of_an_uninstalled_extension_is_unsupported(typo3):
    _, _, b1, _, _, _ = seed_comments(typo3)
    typo3.set_comment_sources(["pw_comments"])
    with pytest.raises(Unsupported, match="not installed"):
        connector_adapter(typo3).moderate(f"blog:{b1}", ModerationAction.APPROVE)


def test_replies_per_extension(typo3):
    post, news, b1, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    [pw_parent, blog_parent] = adapter.fetch_comments_by_id([f"pw_comments:{p1}", f"blog:{b1}"])
    reply = adapter.reply(pw_parent, "Thanks!\nThe team")
    row = typo3.row(PW, int(reply.remote_id.split(":")[1]))
    assert (row["parent_comment"], row["entry_uid"], row["pid"], row["hidden"], row["author_name"]) == (
        p1, news, 9, 0, "Example team")
    assert reply.parent_id == f"pw_comments:{p1}" and reply.status == CommentStatus.APPROVED
    assert reply.content_html == "Thanks!<br>\nThe team" and reply.user_id.startswith("be_users:")
    blog_reply = adapter.reply(blog_parent, "Glad you like it")
    row = typo3.row(BLOG, int(blog_reply.remote_id.split(":")[1]))
    assert (row["parentid"], row["pid"], row["parenttable"], row["status"], row["name"]) == (
        post, post, "pages", 10, "Example team")
    assert blog_reply.parent_id is None


def test_connector_errors_map_to_the_family(typo3):
    adapter = connector_adapter(typo3, capabilities=("list_comments",))
    with pytest.raises(Unsupported, match="no bridge-moderate-comment"):
        adapter.moderate("blog:1", ModerationAction.APPROVE)
    typo3.set_connector_installed(False)
    with pytest.raises(ConfigurationError) as error:
        adapter.fetch_comments(SyncCursor())
    assert "connector extension" in error.value.hint
    typo3.set_connector_installed(True)
    typo3.set_latency(2.5)
    slow = connector_adapter(typo3, capabilities=("list_comments",), timeout=2)
    with pytest.raises(Unreachable) as error:
        slow.fetch_comments(SyncCursor())
    assert error.value.retriable


# -- idempotent replies (README "bridge-reply", key) -------------------------------------------------

LEDGER = "tx_cmsbridgeconnector_reply"


def test_the_same_reply_key_twice_posts_one_reply(typo3):
    _, news, b1, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    [pw_parent, blog_parent] = adapter.fetch_comments_by_id([f"pw_comments:{p1}", f"blog:{b1}"])
    first = adapter.reply(pw_parent, "Thanks!", key="4711")
    again = connector_adapter(typo3).reply(pw_parent, "Thanks!", key="4711")  # a fresh process, nothing cached
    assert again.remote_id == first.remote_id
    assert again.parent_id == f"pw_comments:{p1}" and again.user_id == first.user_id
    assert [r["uid"] for r in typo3.rows(PW, "parent_comment = ?", (p1,))] == [int(first.remote_id.split(":")[1])]
    [entry] = typo3.rows(LEDGER)
    assert (entry["reply_key"], entry["parent_id"], entry["source"], entry["comment_uid"], entry["pid"]) == (
        "4711", f"pw_comments:{p1}", "pw_comments", int(first.remote_id.split(":")[1]), 9)
    assert [r["body"].get("key") for r in typo3.requests[-2:]] == ["4711", "4711"]

    # EXT:blog has no threads: the reply is found through the ledger all the same
    blog_first = adapter.reply(blog_parent, "Glad you like it", key="4712")
    assert adapter.reply(blog_parent, "Glad you like it", key="4712").remote_id == blog_first.remote_id
    assert len(typo3.rows(BLOG, "name = 'Example team'")) == 1

    # a key is scoped to its parent (job ids restart after a reset); no key: always a new reply
    other = adapter.reply(blog_parent, "Thanks!", key="4711")
    assert other.remote_id not in (first.remote_id, blog_first.remote_id)
    adapter.reply(pw_parent, "Thanks!")
    adapter.reply(pw_parent, "Thanks!")
    assert len(typo3.rows(PW, "parent_comment = ?", (p1,))) == 3
    assert len(typo3.rows(LEDGER)) == 3


def test_a_keyed_reply_that_was_trashed_or_deleted_is_not_posted_again(typo3):
    _, _, _, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    [parent] = adapter.fetch_comments_by_id([f"pw_comments:{p1}"])
    posted = adapter.reply(parent, "Thanks!", key="7")
    adapter.moderate(posted.remote_id, ModerationAction.TRASH)
    trashed = adapter.reply(parent, "Thanks!", key="7")
    assert trashed.remote_id == posted.remote_id and trashed.status == CommentStatus.TRASH
    adapter.moderate(posted.remote_id, ModerationAction.DELETE)
    with pytest.raises(NotFound, match="deleted on the site") as error:
        adapter.reply(parent, "Thanks!", key="7")
    assert not error.value.retriable
    assert typo3.rows(PW, "parent_comment = ?", (p1,)) == []


def test_reply_needs_rights_on_the_ledger_table(typo3):
    _, _, _, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    [parent] = adapter.fetch_comments_by_id([f"pw_comments:{p1}"])
    typo3.set_user_tables([PW, BLOG])
    report = connector_adapter(typo3, capabilities=("reply",)).check()
    assert not report.capabilities["reply"]
    assert any(LEDGER in p for p in report.problems)
    with pytest.raises(PermissionDenied, match=LEDGER):
        adapter.reply(parent, "Thanks!", key="1")
    assert typo3.rows(PW, "parent_comment = ?", (p1,)) == []


def test_check_notes_a_connector_without_reply_keys(typo3):
    assert not any("idempotent" in n for n in connector_adapter(typo3).check().notes)
    typo3.connector.connector_version = "1.0.0"
    report = connector_adapter(typo3).check()
    assert report.ok and report.capabilities["reply"]
    assert any("1.0.0" in n and "not idempotent" in n for n in report.notes)


# -- 429 from a proxy or WAF in front of the site -------------------------------------------------

@pytest.mark.parametrize("capability_call", ["fetch", "reply", "publish"])
def test_429_with_retry_after_seconds_is_rate_limited(typo3, capability_call):
    _, _, _, p1, _, _ = seed_comments(typo3)
    adapter = connector_adapter(typo3)
    [parent] = adapter.fetch_comments_by_id([f"pw_comments:{p1}"])
    calls = {"fetch": lambda: adapter.fetch_comments(SyncCursor()),
             "reply": lambda: adapter.reply(parent, "Thanks!", key="9"),
             "publish": lambda: adapter.publish(make_item(), None)}
    typo3.set_rate_limited("120")
    with pytest.raises(RateLimited, match="rate limited") as error:
        calls[capability_call]()
    assert error.value.retry_after == 120 and error.value.retriable
    assert typo3.rows(PW, "parent_comment = ?", (p1,)) == [] and typo3.rows(NEWS, "import_id = 'inst0-itm_1'") == []


def test_429_with_an_http_date_or_without_retry_after(typo3):
    adapter = connector_adapter(typo3, capabilities=("list_comments",))
    typo3.set_rate_limited(formatdate(time.time() + 300, usegmt=True))
    with pytest.raises(RateLimited) as error:
        adapter.fetch_comments(SyncCursor())
    assert 295 <= error.value.retry_after <= 300
    typo3.set_rate_limited(None)
    with pytest.raises(RateLimited) as error:
        adapter.fetch_comments(SyncCursor())
    assert error.value.retry_after is None and error.value.retriable
    typo3.clear_rate_limit()
    assert adapter.fetch_comments(SyncCursor()) == ([], SyncCursor())


def test_429_in_reaction_mode_is_rate_limited_not_outcome_unknown(typo3):
    adapter = reaction_adapter(typo3)
    typo3.set_rate_limited("30", times=1)
    with pytest.raises(RateLimited) as error:
        adapter.publish(make_item(), None)
    assert error.value.retry_after == 30
    adapter.publish(make_item(), None)  # nothing was created, so sending again is safe
    assert len(typo3.rows(NEWS)) == 1


# -- reaction mode never resends after an unknown outcome (observed on TYPO3 12.4/13.4: the same
# create-record payload sent twice made two records, the second slug with -1) ------------------------

@pytest.mark.parametrize("fault", ["drop", "502", "504"])
def test_reaction_mode_answer_lost_after_sending_is_outcome_unknown(typo3, fault):
    """TYPO3 created the record, then the answer was lost (PHP died, a proxy's 5xx): retrying would
    make a duplicate (create-record has no upsert), so the error is not retriable and says to look."""
    from tests.typo3_double.proxy import ForwardingProxy  # noqa: PLC0415

    adapter = reaction_adapter(typo3)
    proxy = ForwardingProxy(typo3.base_url, fault)
    try:
        adapter.endpoints["reaction"].url = proxy.url_for(adapter.endpoints["reaction"].url)
        with pytest.raises(OutcomeUnknown) as error:
            adapter.publish(make_item(), None)
    finally:
        proxy.stop()
    assert not error.value.retriable and error.value.needs_attention
    assert "look for the record in TYPO3" in error.value.hint
    assert proxy.forwarded == 1 and len(typo3.rows(NEWS)) == 1


def test_reaction_mode_sends_every_placeholder_as_a_scalar(typo3):
    adapter = reaction_adapter(typo3)
    adapter.publish(make_item(title="", excerpt="", author_name="", url="", network="", html="", text="Hi"), None)
    [request] = typo3.requests
    assert set(request["body"]) == {"title", "teaser", "html", "text", "datetime", "author", "source_url", "network",
                                    "item_id"}
    assert all(isinstance(v, (str, int)) for v in request["body"].values())
    assert "${" not in "".join(str(v) for v in typo3.rows(NEWS)[0].values())


def test_reaction_mode_disabled_user_names_what_to_enable(typo3):
    adapter = reaction_adapter(typo3)
    typo3.set_user_disabled()
    with pytest.raises(ConfigurationError, match="Record could not be created") as error:
        adapter.publish(make_item(), None)
    assert "enable it in System > Backend Users" in error.value.hint and error.value.needs_attention
    assert typo3.rows(NEWS) == []


# -- connector 1.2.0: fields the service user may not write ------------------------------------------

def test_a_refused_field_is_permission_denied_naming_the_grant(typo3):
    from tests.typo3_double.fixtures import README_1_1_FIELDS  # noqa: PLC0415

    typo3.set_excluded_fields(README_1_1_FIELDS)  # the 1.1.0 README's rights, as on the real 12.4 site
    adapter = connector_adapter(typo3)
    with pytest.raises(PermissionDenied) as error:
        adapter.publish(make_item(), None)
    assert "refused: teaser, author" in str(error.value) and "nothing was written" in str(error.value).lower()
    assert '"tx_news_domain_model_news:teaser"' in error.value.hint and "Allowed excludefields" in error.value.hint
    assert error.value.needs_attention and typo3.rows(NEWS) == []


def test_check_reports_fields_the_service_user_may_not_write(typo3):
    from tests.typo3_double.fixtures import README_1_1_FIELDS  # noqa: PLC0415

    typo3.set_excluded_fields(README_1_1_FIELDS)
    report = connector_adapter(typo3).check()
    assert not report.ok and not report.capabilities["publish"]
    [problem] = [p for p in report.problems if "may not write" in p]
    for name in ("tx_news_domain_model_news:teaser", "tx_news_domain_model_news:author",
                 "sys_file_reference:alternative", "sys_file_reference:showinpreview"):
        assert name in problem
    assert problem.startswith("bridge-upsert-news:") and "Allowed excludefields" in problem
    typo3.grant_fields("tx_news_domain_model_news:teaser", "tx_news_domain_model_news:author",
                       "sys_file_reference:alternative", "sys_file_reference:showinpreview")
    assert connector_adapter(typo3).check().ok


def test_check_notes_a_connector_before_1_2_0(typo3):
    typo3.connector.connector_version = "1.1.0"
    report = connector_adapter(typo3).check()
    assert any("1.1.0" in n and "adds another reference" in n for n in report.notes)
    typo3.connector.connector_version = "1.2.0"
    assert not any("before 1.2.0" in n for n in connector_adapter(typo3).check().notes)


def test_connector_images_replace_and_null_removes(typo3, tmp_path):
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    red.write_bytes(b"\x89PNG red"), blue.write_bytes(b"\x89PNG blue")

    def item(path):
        return make_item(media=[Media(url="https://cdn.example/x.png", alt="Blades", local_path=str(path),
                                      content_type="image/png")] if path else [])
    adapter = connector_adapter(typo3)
    uid = int(adapter.publish(item(red), None).remote_id.split(":")[1])
    counts = [len(typo3.live_references(uid))]
    for path in (red, blue, None):
        adapter.publish(item(path), None)
        counts.append(len(typo3.live_references(uid)))
    assert counts == [1, 1, 1, 0]


def test_no_right_to_store_images_is_permission_denied_before_anything_is_written(typo3, tmp_path):
    """FAL checks nothing inside a reaction (F4, tests/contract/typo3/README.md); connector 1.2.0
    applies the user's file rights."""
    image = tmp_path / "pic.png"
    image.write_bytes(b"\x89PNG bytes")
    media = Media(url="https://cdn.example/pic.png", alt="Blades", local_path=str(image), content_type="image/png")
    typo3.set_file_permissions([])
    report = connector_adapter(typo3, capabilities=("upsert_news",)).check()
    assert any('"Files: Add" (addFile)' in p for p in report.problems) and not report.ok
    with pytest.raises(PermissionDenied, match="may not store images") as error:
        connector_adapter(typo3).publish(make_item(media=[media]), None)
    assert "image:" in error.value.hint
    assert typo3.rows("sys_file") == [] and typo3.rows("sys_file_reference") == []


def test_features_follow_mode_and_configured_reactions(typo3):
    from adapters.base import Feature  # noqa: PLC0415

    assert reaction_adapter(typo3).features == {Feature.PUBLISH}
    assert connector_adapter(typo3).features == set(Feature)  # 1.3.0: bridge-erase-commenter grants ERASE
    partial = connector_adapter(typo3, capabilities=("upsert_news", "list_comments"))
    assert partial.features == {Feature.PUBLISH, Feature.UPDATE, Feature.IMAGES, Feature.COMMENTS}
    assert "no unpublish" in str(partial.unsupported(Feature.UNPUBLISH))
    assert "[sites.connector.unpublish]" in partial.unsupported(Feature.UNPUBLISH).hint
    assert "reaction mode" in str(reaction_adapter(typo3).unsupported(Feature.UPDATE))


def test_an_item_with_two_images_gets_both_in_order_from_1_3_0_and_the_first_before(typo3, tmp_path):
    red, blue = tmp_path / "red.png", tmp_path / "blue.png"
    red.write_bytes(b"\x89PNG red"), blue.write_bytes(b"\x89PNG blue")
    media = [Media(url=f"https://cdn.example/{p.name}", alt=p.stem, local_path=str(p), content_type="image/png")
             for p in (red, blue)]
    adapter = connector_adapter(typo3, capabilities=("upsert_news",))
    ref = adapter.publish(make_item(media=media), None)
    uid = int(ref.remote_id.split(":")[1])
    rows = typo3.db.query("SELECT alternative FROM sys_file_reference WHERE uid_foreign = ? AND deleted = 0 "
                          "ORDER BY sorting_foreign", (uid,))
    assert [r["alternative"] for r in rows] == ["red", "blue"] and len(ref.extra["file_uids"]) == 2
    probes = [r for r in typo3.requests if r["body"] == {"probe": True}]
    adapter.publish(make_item(media=media), None)  # the version is probed once per adapter
    assert len([r for r in typo3.requests if r["body"] == {"probe": True}]) == len(probes) == 1

    typo3.connector.connector_version = "1.2.0"
    older = connector_adapter(typo3, capabilities=("upsert_news",))
    older.publish(make_item("itm_2", media=media), None)
    last = typo3.requests[-1]["body"]
    assert "images" not in last and last["image"]["alt"] == "red"
    assert any("before 1.3.0" in n for n in older.check().notes)


def test_anonymize_commenter_reports_what_the_site_did_and_keeps_failures(typo3):
    ann = typo3.add_pw_comment("Hi", author_name="Ann", author_mail="ann@example.org")
    adapter = connector_adapter(typo3, capabilities=("erase_commenter",))
    done = adapter.anonymize_commenter("ann@example.org", ["pw_comments:999999"])
    assert done.done == [f"pw_comments:{ann}", "pw_comments:999999"] and not done.failed  # gone = nothing left
    assert typo3.row("tx_pwcomments_domain_model_comment", ann)["author_name"] == "Anonymous"
    typo3.set_user_disabled()
    failed = adapter.anonymize_commenter("ann@example.org", ["pw_comments:5"])
    assert failed.done == [] and "pw_comments:5" in failed.failed
    from adapters.base import Feature, Unsupported  # noqa: PLC0415

    with pytest.raises(Unsupported, match="reaction mode") as error:
        reaction_adapter(typo3).anonymize_commenter("ann@example.org", [])
    assert not reaction_adapter(typo3).supports(Feature.ERASE) and "TYPO3 backend" in error.value.hint
