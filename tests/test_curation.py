"""The curation service: decisions, their jobs, consent and per-site limits.

Nothing here talks to a CMS: decisions only queue outbox jobs, which
tests/test_curation_publishing.py runs against real sites. Items are inserted the
way intake leaves them (rows in ``items`` and ``media``).
"""
from __future__ import annotations

import json

import pytest

from bridge.curation import Conflict, InvalidInput, ItemNotFound, NotAllowed, text_to_html
from bridge.sanitize import title_from
from bridge.store import dumps
from tests.curation_helpers import CURATION, add_item, jobs_of

pytestmark = pytest.mark.bridge_config(*CURATION)


@pytest.fixture
def curation(bridge):
    return bridge.curation


# -- approve ---------------------------------------------------------------------
def test_approve_queues_one_publish_job_per_site_and_records_who(bridge, curation):
    item_id = add_item(bridge.store)

    outcome = curation.approve(item_id, ["corp", "shop"], actor="eva", allowed=None)

    assert outcome.item["state"] == "approved"
    assert outcome.item["decided_by"] == "eva" and outcome.item["decided_at"]
    jobs = jobs_of(bridge.store, item_id)
    assert sorted((j["kind"], j["site_id"], j["idempotency_key"]) for j in jobs) == [
        ("publish", "corp", f"publish:{item_id}:corp:r1"), ("publish", "shop", f"publish:{item_id}:shop:r1")]
    assert sorted(outcome.jobs) == sorted(j["id"] for j in jobs)
    pubs = curation.publications(item_id, None)
    assert [(p["site_id"], p["shown_state"]) for p in pubs] == [("corp", "queued"), ("shop", "queued")]
    history = curation.history(item_id)
    assert [(d["actor"], d["action"], d["from_state"], d["to_state"], d["sites"]) for d in history] == [
        ("eva", "approve", "pending", "approved", ["corp", "shop"])]


def test_approving_twice_or_adding_a_site_never_doubles_jobs(bridge, curation):
    item_id = add_item(bridge.store)
    curation.approve(item_id, ["corp"], actor="eva", allowed=None)
    again = curation.approve(item_id, ["corp"], actor="eva", allowed=None)  # a double click
    assert again.jobs == []
    more = curation.approve(item_id, ["shop"], actor="eva", allowed=None)

    assert len(more.jobs) == 1
    assert more.item["target_sites"] == ["corp", "shop"]
    assert sorted(j["site_id"] for j in jobs_of(bridge.store, item_id)) == ["corp", "shop"]


def test_approve_defaults_to_the_sources_targets(bridge, curation):
    item_id = add_item(bridge.store, source_id="fans", consent_state="granted",
                       consent_evidence_url="https://social.example/p/1#yes")
    outcome = curation.approve(item_id, None, actor="eva", allowed=None)
    assert outcome.item["target_sites"] == ["corp", "shop"]
    assert len(outcome.jobs) == 2


def test_approve_refuses_duplicates_unknown_sites_and_empty_choices(bridge, curation):
    first = add_item(bridge.store)
    dup = add_item(bridge.store, state="duplicate", duplicate_of=first, state_reason="duplicate of item 1 (same URL)")
    with pytest.raises(Conflict) as exc:
        curation.approve(dup, ["corp"], actor="eva", allowed=None)
    assert f"duplicate of item {first}" in exc.value.detail and exc.value.status == 409

    with pytest.raises(InvalidInput) as exc:
        curation.approve(first, ["corp", "nope"], actor="eva", allowed=None)
    assert exc.value.field == "sites[1]" and exc.value.value == "nope" and "corp, shop" in exc.value.detail
    with pytest.raises(InvalidInput):
        curation.approve(first, [], actor="eva", allowed=None)
    with pytest.raises(ItemNotFound):
        curation.approve(99999, ["corp"], actor="eva", allowed=None)
    assert jobs_of(bridge.store, first) == []


def test_edit_of_an_approved_item_republishes_the_same_posts_at_a_new_revision(bridge, curation):
    item_id = add_item(bridge.store, title="Original", text="Original text")
    curation.approve(item_id, ["corp", "shop"], actor="eva", allowed=None)

    outcome = curation.edit(item_id, actor="max", allowed=None, title="Better title", text="Line one\n\nLine <two>")

    assert outcome.item["revision"] == 2
    assert outcome.item["edited_title"] == "Better title"
    keys = sorted(j["idempotency_key"] for j in jobs_of(bridge.store, item_id))
    assert keys == sorted([f"publish:{item_id}:corp:r1", f"publish:{item_id}:shop:r1",
                           f"publish:{item_id}:corp:r2", f"publish:{item_id}:shop:r2"])
    social = curation.social_item(outcome.item)
    assert social.title == "Better title"
    assert social.html == "<p>Line one</p><p>Line &lt;two&gt;</p>"
    assert curation.history(item_id)[-1]["action"] == "edit"
    assert curation.history(item_id)[-1]["actor"] == "max"


def test_resubmitting_the_original_text_is_not_an_edit(bridge, curation):
    item_id = add_item(bridge.store, title="Original", text="Original text")
    outcome = curation.approve(item_id, ["corp"], actor="eva", allowed=None, title="Original", text="Original text\r\n")
    assert outcome.item["edited_title"] is None and outcome.item["edited_text"] is None
    assert outcome.item["revision"] == 1


def test_reject_needs_a_reason_and_is_refused_for_approved_items(bridge, curation):
    item_id = add_item(bridge.store, state="flagged", flags=[{"rule": "suspect", "reason": "suspect word: crypto"}])
    with pytest.raises(InvalidInput) as exc:
        curation.reject(item_id, "  ", actor="eva", allowed=None)
    assert exc.value.field == "reason"

    outcome = curation.reject(item_id, "off topic", actor="eva", allowed=None)
    assert outcome.item["state"] == "rejected" and outcome.item["state_reason"] == "off topic"

    other = add_item(bridge.store)
    curation.approve(other, ["corp"], actor="eva", allowed=None)
    with pytest.raises(Conflict) as exc:
        curation.reject(other, "changed my mind", actor="eva", allowed=None)
    assert "retract" in exc.value.detail


def test_retract_unpublishes_everywhere_and_late_publish_jobs_do_nothing(bridge, curation):
    item_id = add_item(bridge.store)
    curation.approve(item_id, ["corp", "shop"], actor="eva", allowed=None)
    bridge.store.mark_published(item_id, "corp", remote_ref={"remote_id": "7", "url": "https://corp/7"},
                                remote_url="https://corp/7", revision=1)

    outcome = curation.retract(item_id, actor="eva", allowed=None, reason="contributor asked")

    assert outcome.item["state"] == "retracted"
    assert curation.history(item_id)[-1]["sites"] == ["corp", "shop"]
    unpublish = [j for j in jobs_of(bridge.store, item_id) if j["kind"] == "unpublish"]
    assert sorted(j["site_id"] for j in unpublish) == ["corp", "shop"]
    assert {p["shown_state"] for p in curation.publications(item_id, None)} == {"unpublishing"}
    publish_job = next(j for j in jobs_of(bridge.store, item_id) if j["kind"] == "publish" and j["site_id"] == "shop")
    assert curation.handle_publish(publish_job) == {
        "skipped": "the item is no longer approved for this site (or lacks consent)"}
    with pytest.raises(Conflict):
        curation.retract(item_id, actor="eva", allowed=None)


def test_approving_a_retracted_item_again_gets_fresh_jobs(bridge, curation):
    item_id = add_item(bridge.store)
    curation.approve(item_id, ["corp"], actor="eva", allowed=None)
    curation.retract(item_id, actor="eva", allowed=None)
    outcome = curation.approve(item_id, ["corp"], actor="eva", allowed=None)
    assert outcome.item["revision"] == 3
    assert len(outcome.jobs) == 1
    assert bridge.store.get_job(outcome.jobs[0])["idempotency_key"] == f"publish:{item_id}:corp:r3"


# -- consent ---------------------------------------------------------------------
def test_consent_required_source_waits_for_granted_consent(bridge, curation):
    item_id = add_item(bridge.store, source_id="fans", consent_state="requested", contributor="Ana")

    outcome = curation.approve(item_id, ["corp"], actor="eva", allowed=None)
    assert outcome.waiting_for_consent and outcome.jobs == []
    assert outcome.item["state"] == "approved"

    with pytest.raises(InvalidInput) as exc:
        curation.set_consent(item_id, "granted", actor="eva", allowed=None)
    assert exc.value.field == "evidence_url"
    with pytest.raises(Conflict):
        curation.set_consent(item_id, "not_required", actor="eva", allowed=None)

    granted = curation.set_consent(item_id, "granted", actor="eva", allowed=None, evidence_url="https://social.example/p/1#reply")
    assert len(granted.jobs) == 1 and not granted.waiting_for_consent
    assert granted.item["consent_at"] and granted.item["consent_evidence_url"].endswith("#reply")
    assert curation.social_item(granted.item).consent_state == "granted"
    assert [d["detail"] for d in curation.history(item_id) if d["action"] == "consent"] == [
        "consent granted (https://social.example/p/1#reply)"]


def test_revoked_consent_unpublishes_a_published_item_everywhere(bridge, curation):
    item_id = add_item(bridge.store, source_id="fans", consent_state="granted",
                       consent_evidence_url="https://social.example/p/1#yes")
    curation.approve(item_id, ["corp", "shop"], actor="eva", allowed=None)
    for site in ("corp", "shop"):
        bridge.store.mark_published(item_id, site, remote_ref={"remote_id": "1"}, remote_url=f"https://{site}/1",
                                    revision=1)

    outcome = curation.set_consent(item_id, "revoked", actor="eva", allowed=None)

    assert outcome.item["state"] == "approved"  # the decision stands; the consent does not
    assert sorted(bridge.store.get_job(j)["site_id"] for j in outcome.jobs) == ["corp", "shop"]
    assert all(bridge.store.get_job(j)["kind"] == "unpublish" for j in outcome.jobs)
    with pytest.raises(Conflict) as exc:
        curation.approve(item_id, ["corp"], actor="eva", allowed=None)
    assert "consent" in exc.value.detail


# -- limits and trusted sources ----------------------------------------------------
def test_restricted_editor_sees_and_publishes_only_their_sites(bridge, curation):
    corp_item = add_item(bridge.store, source_id="team")   # source targets corp
    shop_item = add_item(bridge.store, source_id="staff")  # source targets shop

    with pytest.raises(ItemNotFound):
        curation.approve(shop_item, ["shop"], actor="eva", allowed=["corp"])
    with pytest.raises(NotAllowed) as exc:
        curation.approve(corp_item, ["corp", "shop"], actor="eva", allowed=["corp"])
    assert exc.value.value == ["shop"] and exc.value.status == 403
    assert curation.approve(corp_item, ["corp"], actor="eva", allowed=["corp"]).item["state"] == "approved"

    curation.approve(corp_item, ["shop"], actor="admin", allowed=None)
    with pytest.raises(NotAllowed):
        curation.retract(corp_item, actor="eva", allowed=["corp"])
    with pytest.raises(NotAllowed):
        curation.edit(corp_item, actor="eva", title="mine", allowed=["corp"])


def test_editor_of_one_site_cannot_revoke_consent_on_an_item_also_on_another(bridge, curation):
    """Issue 9, item 1: revoking consent takes the item down everywhere, so it needs the
    right to act on every site the item is on — refused, and nothing is queued."""
    item_id = add_item(bridge.store, source_id="team")
    curation.approve(item_id, ["corp", "shop"], actor="admin", allowed=None)
    jobs_before = jobs_of(bridge.store, item_id)
    for state in ("revoked", "declined", "requested"):
        with pytest.raises(NotAllowed) as exc:
            curation.set_consent(item_id, state, actor="eva", allowed=["corp"])
        assert exc.value.value == ["shop"] and exc.value.status == 403
    assert jobs_of(bridge.store, item_id) == jobs_before
    assert curation.get(item_id, None)["consent_state"] == "not_required"
    # an editor of both may
    outcome = curation.set_consent(item_id, "revoked", actor="max", allowed=["corp", "shop"])
    assert outcome.item["consent_state"] == "revoked" and len(outcome.jobs) == 2


def test_approve_trusted_publishes_to_the_sources_targets_as_the_source(bridge, curation):
    item_id = add_item(bridge.store, source_id="staff", state="approved", state_reason="trusted source")

    outcome = curation.approve_trusted(item_id)

    assert [bridge.store.get_job(j)["site_id"] for j in outcome.jobs] == ["shop"]
    assert outcome.item["decided_by"] == "source:staff"
    assert curation.history(item_id)[0]["detail"] == "trusted source"


# -- what adapters get -------------------------------------------------------------
def test_social_item_carries_downloaded_media_sanitised_html_and_attribution(bridge, curation, tmp_path):
    path = tmp_path / "media" / "ab" / "abc.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff")
    item_id = add_item(bridge.store, html='<p onclick="x()">Hi<script>alert(1)</script></p>', contributor="Ana K.",
                       media=[{"sha256": "ab" * 32, "path": str(path), "alt": "blade"},
                              {"state": "failed", "url": "https://x/gone.jpg"}])

    social = curation.social_item(bridge.store.item_for_curation(item_id))

    assert social.id == str(item_id) and social.title.startswith("Turbine")
    assert social.html == "<p>Hi</p>"
    assert [(m.local_path, m.alt, m.sha256) for m in social.media] == [(str(path), "blade", "ab" * 32)]
    assert social.contributor == "Ana K." and social.author_name == "Ana"
    assert social.url.startswith("https://social.example/p/")


def test_social_item_of_an_untitled_item_takes_its_title_from_the_edited_text(bridge, curation):
    long = "Blade three is on: the crane crew finished a day early despite the wind on the ridge this week"
    item_id = add_item(bridge.store, title="", html="<p>The original words</p>", text="The original words")
    outcome = curation.approve(item_id, ["corp"], actor="eva", allowed=None, text=long + "\nMore to come.")

    social = curation.social_item(outcome.item)

    assert social.title == title_from(long)
    assert social.title == "Blade three is on: the crane crew finished a day early despite the wind on the…"
    assert social.text == long + "\nMore to come." and "original" not in social.html
    assert social.html == f"<p>{long}<br>More to come.</p>"
    untitled = add_item(bridge.store, title="", text="", html="", author_name="Ana")
    assert curation.social_item(bridge.store.item_for_curation(untitled)).title == "Post by Ana"


def test_publish_waits_while_media_is_still_downloading(bridge, curation):
    item_id = add_item(bridge.store, media=[{"state": "pending"}])
    curation.approve(item_id, ["corp"], actor="eva", allowed=None)
    stats = bridge.outbox.run_due()
    assert stats.retried == 1
    pub = curation.publications(item_id, None)[0]
    assert pub["shown_state"] == "retrying" and "still downloading" in pub["job_error"]


def test_text_to_html_escapes_and_keeps_paragraphs():
    assert text_to_html("a & b\nc\n\n\nd") == "<p>a &amp; b<br>c</p><p>d</p>"


def test_decisions_survive_as_json_history(bridge, curation):
    item_id = add_item(bridge.store)
    curation.reject(item_id, "blurry", actor="eva", allowed=None)
    curation.approve(item_id, ["corp"], actor="max", allowed=None)
    rows = curation.history(item_id)
    assert [(r["action"], r["from_state"], r["to_state"]) for r in rows] == [
        ("reject", "pending", "rejected"), ("approve", "rejected", "approved")]
    assert json.loads(dumps(rows))[0]["detail"] == "blurry"


def test_handing_a_trusted_item_over_twice_records_one_decision(bridge, curation):
    item_id = add_item(bridge.store, source_id="staff", state="approved", state_reason="trusted source")
    curation.approve_trusted(item_id)
    again = curation.approve_trusted(item_id)
    assert again.jobs == []
    assert len(curation.history(item_id)) == 1
