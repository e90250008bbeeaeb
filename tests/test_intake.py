"""bridge.intake: normalising, dedupe across sources, each rule and its recorded reason,
consent and targets; bridge.sanitize on its own."""
from __future__ import annotations

import pytest

from adapters.types import SocialItem
from bridge.intake import canonical_url, content_hash
from bridge.sanitize import clean_html, html_to_text, plain_text, title_from
from tests.conftest import make_config, memory_site

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def ibridge(tmp_path, make_bridge):
    raw = {
        "sources": [
            {"id": "team", "kind": "webhook", "secret_env": "S", "trusted": True,
             "rules": {"banned": ["casino"]}},
            {"id": "public", "kind": "webhook", "secret_env": "S", "require_consent": True,
             "rules": {"banned": ["casino", "free money"], "suspect": ["crypto"], "max_links": 2}},
            {"id": "other", "kind": "webhook", "secret_env": "S", "network": "mastodon"},
            {"id": "feed", "kind": "feed", "url": "https://feeds.example/rss"},
        ]}
    config = make_config(tmp_path, raw, {"S": SECRET})
    # targets name configured sites; no CMS is needed to route an item to one
    config.sites.append(memory_site("corp", name="Corp"))
    config.source("team")["targets"] = ["corp"]
    return make_bridge(config=config)


def payload(external_id="p1", url="https://social.example/@ann/1", text="A perfectly ordinary post about turbines",
            **extra):
    return {"external_id": external_id, "url": url, "text": text, "author": {"name": "Ann"}, **extra}


def accept(bridge, source, data):
    item_id, created = bridge.intake.accept(source, data)
    return bridge.store.get_item(item_id), created


def test_canonical_url_strips_tracking_and_normalises():
    assert canonical_url("HTTPS://Example.ORG:443/a/b?utm_source=x&id=7&fbclid=abc&gclid=1&mc_cid=2&mc_eid=3#frag") \
        == "https://example.org/a/b?id=7"
    assert canonical_url("http://example.org") == "http://example.org/"
    assert canonical_url("http://example.org:8080/x?UTM_MEDIUM=y") == "http://example.org:8080/x"
    assert canonical_url("javascript:alert(1)") == ""


def test_content_hash_needs_something_to_compare():
    assert content_hash("ok", []) == ""
    assert content_hash("A  long enough TEXT to compare", []) == content_hash("a long enough text to compare", [])
    assert content_hash("ok", ["https://cdn.example/a.jpg"])


def test_pending_item_normalised(ibridge):
    item, created = accept(ibridge, "public", payload(
        title="", html='<p>Hello <a href="/about">about</a></p>',
        author={"name": "Ann", "url": "https://social.example/@ann"},
        media=[{"url": "https://social.example/media/1.jpg", "alt": "<b>Alt</b>"}],
        published_at="2026-11-27T10:00:00+01:00"))
    assert created and item["state"] == "pending" and item["state_reason"] == ""
    assert item["html"] == '<p>Hello <a href="https://social.example/about" rel="nofollow noopener">about</a></p>'
    assert item["text"] == "A perfectly ordinary post about turbines"  # the sender's text wins over html
    assert item["author_url"] == "https://social.example/@ann"
    assert item["published_at"] == "2026-11-27T09:00:00.000000Z"
    assert item["consent_state"] == "requested" and item["target_sites"] == []
    assert item["title"] == "A perfectly ordinary post about turbines"
    [m] = ibridge.store.item_media(item["id"])
    assert m["url"] == "https://social.example/media/1.jpg" and m["alt"] == "Alt" and m["state"] == "pending"


def test_trusted_source_is_approved_with_targets(ibridge):
    item, _ = accept(ibridge, "team", payload())
    assert (item["state"], item["state_reason"]) == ("approved", "trusted source")
    assert item["target_sites"] == ["corp"] and item["consent_state"] == "not_required"


def test_banned_word_rejects_even_a_trusted_source(ibridge):
    item, _ = accept(ibridge, "team", payload(text="Visit our CASINO tonight for turbines"))
    assert (item["state"], item["state_reason"]) == ("rejected", "banned word: casino")
    item, _ = accept(ibridge, "public", payload(external_id="p2", url="https://social.example/2",
                                                text="Get free   money now, no really"))
    assert (item["state"], item["state_reason"]) == ("rejected", "banned word: free money")


def test_banned_words_match_whole_words_only(ibridge):
    item, _ = accept(ibridge, "public", payload(text="The casinos are not banned, the whole word is"))
    assert item["state"] == "pending"


def test_suspect_word_and_too_many_links_flag(ibridge):
    item, _ = accept(ibridge, "public", payload(text="Thinking about Crypto and turbines today"))
    assert (item["state"], item["state_reason"]) == ("flagged", "suspect word: crypto")
    links = " ".join(f"https://l{i}.example/" for i in range(3))
    item, _ = accept(ibridge, "public", payload(external_id="p3", url="https://social.example/3",
                                                text=f"Look at these {links}"))
    assert (item["state"], item["state_reason"]) == ("flagged", "too many links: 3 (max 2)")
    assert {f["rule"] for f in item["flags"]} == {"links"}


def test_same_source_redelivery_is_one_item(ibridge):
    first, created = accept(ibridge, "public", payload())
    again, created2 = accept(ibridge, "public", payload())
    by_url, created3 = accept(ibridge, "public", payload(external_id="new-id",
                                                          url="https://social.example/@ann/1?utm_campaign=z#top"))
    assert created and not created2 and not created3
    assert first["id"] == again["id"] == by_url["id"]
    assert ibridge.store.count_items() == 1


def test_duplicates_across_sources_link_to_the_first(ibridge):
    first, _ = accept(ibridge, "public", payload())
    by_url, created = accept(ibridge, "other", payload(external_id="x9", url="https://SOCIAL.example/@ann/1?fbclid=q",
                                                       text="Different words entirely, same link"))
    assert created and by_url["state"] == "duplicate" and by_url["duplicate_of"] == first["id"]
    assert by_url["state_reason"] == f"duplicate of item {first['id']} (same URL)"
    by_hash, _ = accept(ibridge, "other", payload(external_id="x10", url="https://elsewhere.example/repost",
                                                  text="A perfectly   ordinary post about TURBINES"))
    assert by_hash["state"] == "duplicate" and by_hash["state_reason"] == \
        f"duplicate of item {first['id']} (same content)"
    # a duplicate of a duplicate points at the original
    third, _ = accept(ibridge, "team", payload(external_id="x11", url="https://elsewhere.example/repost"))
    assert third["duplicate_of"] == first["id"]


def test_same_external_id_on_the_same_network_is_a_duplicate(ibridge):
    item = SocialItem(id="", title="t", html="<p>one toot about the wind farm</p>", text="",
                      url="https://mastodon.example/@a/1", network="mastodon", external_id="https://m.example/1")
    first, _ = accept(ibridge, "other", item)
    ibridge.intake.config.source("feed")["network"] = ""
    copy = SocialItem(id="", title="t2", html="<p>the same toot seen through a feed, other text</p>", text="",
                      url="https://mastodon.example/@a/1/", network="mastodon", external_id="https://m.example/1")
    dup, created = accept(ibridge, "feed", copy)
    assert created and dup["state"] == "duplicate" and "same external id" in dup["state_reason"]


def test_social_item_round_trip(ibridge):
    """A webhook's item as publishing reads it (curation's social_item, the one mapping): an
    image not downloaded yet is not part of it."""
    item, _ = accept(ibridge, "public", payload(media=[{"url": "https://cdn.example/a.jpg", "alt": "a"}]))
    social = ibridge.curation.social_item(ibridge.store.item_for_curation(item["id"]))
    assert social.id == str(item["id"]) and social.media == []
    assert [m["state"] for m in ibridge.store.item_media(item["id"])] == ["pending"]
    assert social.consent_state == "requested" and social.source_id == "public"


def test_title_from_cuts_the_first_line_at_a_word():
    assert title_from("\n  Short first line  \nsecond") == "Short first line"
    long = "The new turbine blades arrived this morning, and the crane crew starts lifting them tomorrow at six"
    title = title_from(long)
    assert title == "The new turbine blades arrived this morning, and the crane crew starts lifting…"
    assert len(title) <= 81 and long.startswith(title[:-1])
    assert title_from("x" * 100) == "x" * 80 + "…" and title_from("") == "" and title_from(None) == ""


def test_sanitize_allowlist():
    dirty = ('<p style="x" onmouseover="a()">Hi<script>bad()</script><style>p{}</style></p>'
             '<iframe src="https://e.example"></iframe><object data="x"></object>'
             '<a href="JaVaScRiPt:alert(1)">j</a><a href="data:text/html,x">d</a><a href="vbscript:x">v</a>'
             '<img src="data:image/png;base64,AAAA"><img src="https://ok.example/i.png" onerror="x()">'
             '<a href="https://ok.example/">ok</a>')
    clean = clean_html(dirty)
    for bad in ("script", "style", "iframe", "object", "onmouseover", "onerror", "javascript", "data:", "vbscript"):
        assert bad not in clean.lower(), bad
    assert '<a href="https://ok.example/" rel="nofollow noopener">ok</a>' in clean
    assert '<img src="https://ok.example/i.png">' in clean
    assert clean_html(clean) == clean  # idempotent
    assert html_to_text("<p>a &amp; b</p><p>c<br>d</p>") == "a & b\n\nc\nd"
    assert plain_text("&lt;script&gt;alert(1)&lt;/script&gt;Title") == "Title"


def test_cli_sources_list_poll_and_secret(ibridge, runner):
    runner.setenv(TEAM_SECRET=SECRET).write(
        '[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\n'
        '[[sources]]\nid = "gone"\nkind = "feed"\nurl = "http://127.0.0.1:9/feed"\n', name="cli.toml")
    result = runner("sources", "poll")
    assert result.exit_code == 1 and "gone: FAILED" in result.output
    listed = runner("sources", "list")
    assert listed.exit_code == 0 and "gone\tfeed\terror" in listed.output and "last error" in listed.output
    assert "POST /webhooks/social/team" in listed.output
    secret = runner("sources", "secret", "team")
    assert secret.exit_code == 0
    first = secret.output.splitlines()[0]
    assert first.startswith("whsec_") and "export TEAM_SECRET=" in secret.output
    assert "/webhooks/social/team" in secret.output and "webhook-signature" in secret.output
    bad = runner("sources", "secret", "gone")
    assert bad.exit_code != 0 and "only webhook sources" in bad.output
