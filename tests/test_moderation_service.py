"""The moderation service is the one place decisions are checked: per-site rights, what the
comment's site can do (its adapter's declared features), and the words of a refusal. Pages
and API only pass it on (tests/test_inbox.py, tests/test_api_comments.py drive those)."""
from __future__ import annotations

import pytest

from bridge import cursors, moderation, sanitize
from bridge.core import Bridge
from bridge.errors import Conflict, NotAllowed, NotFound, ServiceError
from bridge.store.inbox import InboxFilter
from bridge.web import curation as curation_web
from tests.conftest import make_config
from tests.inbox_helpers import add_comment, add_editor

ED = {"username": "ed", "role": "editor", "sites": ["a"]}


@pytest.fixture
def service(bridge):
    return bridge.moderation


def test_the_service_is_registered_like_the_others(bridge, service):
    assert isinstance(service, moderation.ModerationService)
    # callers holding a bridge (CLI, scripts) decide through the same object
    cid = add_comment(bridge.store, site="a")
    assert bridge.moderation.decide("ed", cid, "approve")["status"] == "approved"


def test_rights_are_checked_in_the_service(bridge, service):
    mine, theirs = add_comment(bridge.store, site="a"), add_comment(bridge.store, site="b")
    with pytest.raises(NotAllowed, match="may not moderate comments of site 'b'"):
        service.decide(ED, theirs, "spam")
    with pytest.raises(NotAllowed):
        service.reply(ED, theirs, "hello")
    outcome = service.decide_one(ED, theirs, "spam", None)
    assert outcome.missing and not outcome.ok and outcome.message == f"There is no comment #{theirs} you may moderate."
    assert service.reply_to(ED, theirs, "hi") == (False, f"There is no comment #{theirs} you may reply to.")
    assert service.hidden(ED, [mine, theirs, 999_999]) == [theirs, 999_999]
    assert service.decide_matching(ED, "spam", InboxFilter(status="pending", site="b")).applied == []
    # a filter over every site decides only the editor's own
    assert service.decide_matching(ED, "spam", InboxFilter(status="pending")).applied == [mine]
    assert bridge.store.get_comment(theirs)["status"] == "pending"
    with pytest.raises(NotFound):
        service.decide(ED, 999_999, "spam")


def test_a_stale_version_is_refused_once_by_the_service_in_the_inbox_words(bridge, service):
    cid = add_comment(bridge.store, site="a")
    service.decide(ED, cid, "approve", 1)
    with pytest.raises(Conflict, match="changed since you saw it"):
        service.decide(ED, cid, "spam", 1)
    outcome = service.decide_one(ED, cid, "spam", 1)
    assert outcome.conflict and outcome.comment["status"] == "approved"
    assert outcome.message.startswith(f"Comment #{cid} changed after you loaded it")
    assert service.decide_one(ED, cid, "nuke", 2).message.startswith("'nuke' is not an action")


@pytest.fixture
def list_only(tmp_path, typo3, clock):
    """A TYPO3 site (the double) whose connector grants listing comments only: no moderate, no reply."""
    url, secret = typo3.add_reaction("bridge-list-comments", storage_pid=12)
    site = {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 news", "mode": "connector",
            "connector": {"list_comments": {"url": url, "secret_env": "T3_LIST"}}, "timeout": 2.0}
    b = Bridge(make_config(tmp_path, {"sites": [site]}, environ={"T3_LIST": secret}), clock=clock)
    yield b
    b.close()


def test_a_site_without_moderate_or_reply_is_refused_before_anything_is_queued(list_only):
    service = list_only.moderation
    cid = add_comment(list_only.store, site="t3")
    with pytest.raises(moderation.SiteCannot) as error:
        service.decide("ed", cid, "approve", 1)
    assert error.value.status == 422 and "'t3'" in error.value.detail and "moderate" in error.value.detail
    outcome = service.decide_one("ed", cid, "approve", 1)
    assert not outcome.ok and not outcome.conflict and "offers no moderate" in outcome.message
    ok, message = service.reply_to("ed", cid, "Thanks!")
    assert not ok and message.startswith("The reply was not queued") and "offers no reply" in message
    assert list_only.store.moderation_log_for(cid) == []
    assert list_only.outbox.list(state="queued", limit=10) == []
    assert list_only.store.get_comment(cid)["status"] == "pending"


def test_the_api_says_why_a_site_cannot_take_the_decision(list_only):
    from bridge.app import create_app  # noqa: PLC0415
    from bridge.security import hash_password  # noqa: PLC0415
    from tests.conftest import ADMIN_PASSWORD, Auth  # noqa: PLC0415

    list_only.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    client = create_app(bridge=list_only, testing=True).test_client()
    auth = Auth(client)
    auth.login()
    cid = add_comment(list_only.store, site="t3")
    response = client.post(f"/api/v1/comments/{cid}/actions", json={"action": "spam", "version": 1},
                           headers={"X-CSRF-Token": auth.csrf})
    assert response.status_code == 422 and "offers no moderate" in response.get_json()["detail"]
    response = client.post(f"/api/v1/comments/{cid}/replies", json={"text": "hi"},
                           headers={"X-CSRF-Token": auth.csrf})
    assert response.status_code == 422 and "offers no reply" in response.get_json()["detail"]


def test_errors_are_defined_once_and_shared():
    from bridge import curation  # noqa: PLC0415

    assert curation.NotAllowed is moderation.NotAllowed is NotAllowed
    assert curation.Conflict is moderation.Conflict is Conflict
    assert curation.ItemNotFound is moderation.CommentNotFound is NotFound
    assert curation.CurationError is moderation.ModerationError is ServiceError
    assert (NotAllowed.status, NotFound.status, Conflict.status) == (403, 404, 409)


def test_one_cursor_codec_for_inbox_and_curation():
    key = ("2026-12-02T05:08:08.587479Z", 750)
    assert cursors.decode(cursors.encode(key)) == key
    assert curation_web.decode_cursor is cursors.decode
    assert cursors.encode(None) is None and cursors.decode("") is None
    for bad in ("!!", "bm9waXBl", cursors.encode(("x", 1))[:-2] + "~~"):
        with pytest.raises(ValueError, match="not one this server handed out"):
            cursors.decode(bad)


def test_comment_html_keeps_the_comment_allowlist():
    html = str(sanitize.comment_html('<p onclick="x()">Hi <img src="https://t.example/p.gif"><a href="https://e.'
                                     'example/">link</a><a href="javascript:alert(1)">js</a><script>bad()</script>'
                                     '<h2>big</h2></p>'))
    assert "onclick" not in html and "<img" not in html and "<script" not in html and "bad()" not in html
    assert "<h2>" not in html and "javascript:" not in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    assert str(sanitize.comment_html("", "one\n\n<two>")) == "<p>one</p><p>&lt;two&gt;</p>"
    assert sanitize.safe_link("javascript:alert(1)") is None and sanitize.safe_link("/p/1") is None


def test_an_editor_row_is_limited_to_its_sites(bridge, service):
    add_editor(bridge.store, "ed", sites=("a",))
    user = bridge.store.get_user_by_name("ed")
    theirs = add_comment(bridge.store, site="b")
    assert service.decide_one(user, theirs, "spam", None).missing


# -- signals (issue 12): the curation rules' words, the commenter's record, the flagged queue ------------
WATCH_SOURCES = [
    {"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": [],
     "rules": {"banned": ["casino"], "suspect": ["free money"]}},
    {"id": "fans", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": [],
     "rules": {"suspect": ["miracle cure", "free money"]}},
]


@pytest.fixture
def watched(tmp_path, clock):
    b = Bridge(make_config(tmp_path, {"sources": WATCH_SOURCES}, environ={"TEAM_SECRET": "s" * 32}), clock=clock)
    yield b
    b.close()


def test_watch_list_words_are_the_curation_rules_compiled_by_intakes_code(watched):
    from bridge.intake import compile_rules  # noqa: PLC0415

    service = watched.moderation
    banned, suspect = service.watch_list()
    assert [w for w, _ in banned] == ["casino"] and [w for w, _ in suspect] == ["free money", "miracle cure"]
    # the very patterns intake uses: whole words, any whitespace inside a phrase, any case
    assert [p.pattern for _, p in suspect] == [p.pattern for _, p in compile_rules(
        {"suspect": ["free money", "miracle cure"]})[1]]


def test_signals_name_words_links_first_timers_and_the_record(watched):
    store, service = watched.store, watched.moderation
    spammy = add_comment(store, site="a", author_key="k-bad", text="Win at the CASINO, free\n money here",
                         html='<p>Win at the CASINO, free money <a href="https://x.example">here</a></p>')
    add_comment(store, site="b", author_key="k-bad", status="spam")
    add_comment(store, site="a", author_key="k-bad", status="trash")
    fine = add_comment(store, site="a", author_key="k-new", text="casinos are not the word")
    rows = service.signals(store.comments_by_ids([spammy, fine]))
    by_id = {r["id"]: r for r in rows}
    bad = by_id[spammy]
    assert bad["watch"] == [{"word": "casino", "rule": "banned"}, {"word": "free money", "rule": "suspect"}]
    assert bad["suggested"] == "spam" and bad["links"] == 1 and not bad["first_time"]
    assert bad["record"] == {"approved": 0, "spam": 1, "trash": 1, "pending": 0, "total": 2}
    assert bad["why"] == ["banned word “casino”", "watched word “free money”", "1 link", "1 spam and 1 trash before"]
    ok = by_id[fine]
    assert ok["watch"] == [] and ok["suggested"] is None and ok["first_time"] and ok["why"] == ["first comment here"]


def test_the_flagged_queue_is_the_pending_comments_with_a_watched_word_on_the_editors_sites(watched):
    store, service = watched.store, watched.moderation
    hit = add_comment(store, site="a", text="a miracle cure for all")
    add_comment(store, site="a", text="nothing to see")
    add_comment(store, site="a", text="casino", status="approved")       # decided already: not in the queue
    theirs = add_comment(store, site="b", text="casino night")
    flt = service.inbox_filter({"status": "flagged"})
    assert flt.status == "flagged" and flt.watch == '"casino" OR "free money" OR "miracle cure"'
    assert [k[1] for k in store.inbox_ids(flt, ["a"])] == [hit]
    assert sorted(k[1] for k in store.inbox_ids(flt, None)) == sorted([hit, theirs])
    assert store.count_matching(flt, ["a"]) == 1
    # deciding the whole queue decides only what the editor may see
    assert service.decide_matching(ED, "spam", flt).applied == [hit]
    assert store.get_comment(theirs)["status"] == "pending"


def test_without_rules_nothing_is_flagged(bridge, service):
    add_comment(bridge.store, site="a", text="casino")
    flt = service.inbox_filter({"status": "flagged"})
    assert flt.watch is None and bridge.store.inbox_ids(flt, None) == []


def test_the_commenter_drawer_lists_only_the_sites_the_editor_may_see(bridge, service):
    store = bridge.store
    mine = add_comment(store, site="a", author_key="k-x", author="Xavier")
    older = add_comment(store, site="a", author_key="k-x", status="spam", date="2025-01-01T10:00:00.000000Z")
    add_comment(store, site="b", author_key="k-x", status="approved")
    add_comment(store, site="a", author_key="k-other")
    seen = service.commenter(ED, "k-x")
    assert [r["id"] for r in seen["rows"]] == [mine, older]
    assert seen["sites"] == ["a"] and seen["counts"] == {"pending": 1, "spam": 1} and seen["name"] == "Xavier"
    assert service.commenter({"username": "bo", "role": "editor", "sites": ["c"]}, "k-x") is None
    assert service.commenter("admin", "k-x")["sites"] == ["a", "b"]
    assert service.commenter(ED, "k-nobody") is None


def test_the_commenter_page_keeps_rights(app, bridge, client, auth):
    add_editor(bridge.store, "ed", sites=("a",))
    add_comment(bridge.store, site="a", author_key="k-x", text="on my site")
    add_comment(bridge.store, site="b", author_key="k-x", text="on their site")
    add_comment(bridge.store, site="b", author_key="k-y", text="only theirs")
    from tests.conftest import EDITOR_PASSWORD  # noqa: PLC0415

    auth.login("ed", EDITOR_PASSWORD)
    page = client.get("/inbox/commenter?key=k-x").get_data(as_text=True)
    assert "on my site" in page and "on their site" not in page and "1 comment on a:" in page
    drawer = client.get("/inbox/commenter?key=k-x&drawer=1").get_data(as_text=True)
    assert "<html" not in drawer and 'id="commenter-h"' in drawer
    assert client.get("/inbox/commenter?key=k-y").status_code == 404
    assert client.get("/inbox/commenter").status_code == 404
