"""The stories API and service rules that need no CMS answer: input errors as
problem+json naming field, value and fix; editors limited to their sites; reaction-mode
TYPO3 refused (409); living-story rules; consent and removal; jobs coalesced through
the outbox's supersession (nothing here runs a job against a site)."""
from __future__ import annotations

import pytest

from tests.conftest import EDITOR_PASSWORD, memory_site
from tests.curation_helpers import add_item
from tests.inbox_helpers import add_editor

SITES = [
    memory_site("a"),
    memory_site("b"),
    {"id": "t3r", "kind": "typo3", "url": "http://127.0.0.1:9", "mode": "reaction",
     "reaction": {"url": "http://127.0.0.1:9/typo3/reaction/3f0b2c52-6a3e-4f0e-9a59-4d8e9c2b1a77",
                  "secret_env": "T3_SECRET"}},
]
SOURCES = [{"id": "team", "kind": "webhook", "secret_env": "HOOK", "targets": ["a"]},
           {"id": "fans", "kind": "webhook", "secret_env": "HOOK", "targets": ["a"]}]


#: two WordPress sites and a reaction-mode TYPO3 one, none of them called (raw, environ)
STORIES = ({"sites": SITES, "sources": SOURCES},
           {"WP_PW": "x" * 24, "T3_SECRET": "s" * 32, "HOOK": "whsec_" + "A" * 32})
pytestmark = pytest.mark.bridge_config(*STORIES)


@pytest.fixture
def api(client, auth):
    auth.login()

    class Api:
        def __call__(self, method, path, body=None):
            return client.open(f"/api/v1{path}", method=method, json=body, headers={"X-CSRF-Token": auth.csrf})

    return Api()


def story_jobs(store):
    return [j for j in store.list_jobs(limit=1000) if j["kind"].startswith("story_")]


def test_create_add_patch_remove_and_read_a_story(bridge, api):
    first, second, third = (add_item(bridge.store, title=f"Post {n}") for n in range(3))
    r = api("POST", "/stories", {"title": "Turbine week", "intro": "Day one.", "sites": ["a"], "items": [first]})
    assert r.status_code == 201, r.get_json()
    story = r.get_json()
    assert story["items"][0]["id"] == first and story["items"][0]["item"]["state"] == "approved"
    assert bridge.store.item_for_curation(first)["target_sites"] == []  # approved for the story: no post of its own
    assert [d["detail"] for d in bridge.curation.history(first)] == [f"for story {story['id']}"]

    r = api("POST", f"/stories/{story['id']}/items", {"items": [second, third], "position": 0})
    assert [i["id"] for i in r.get_json()["items"]] == [second, third, first]
    r = api("PATCH", f"/stories/{story['id']}", {"item_order": [first, second, third],
                                                  "items": [{"id": second, "caption": "The crane", "hidden": True}]})
    body = r.get_json()
    assert [i["id"] for i in body["items"]] == [first, second, third]
    assert body["items"][1]["caption"] == "The crane" and body["items"][1]["why_not"] == "hidden by an editor"
    r = api("DELETE", f"/stories/{story['id']}/items/{third}")
    assert [i["id"] for i in r.get_json()["items"]] == [first, second]
    assert bridge.store.item_for_curation(third)["state"] == "approved"  # removed from the story only

    listed = api("GET", "/stories").get_json()["stories"]
    assert [(s["id"], s["item_count"]) for s in listed] == [(story["id"], 2)]
    assert api("GET", f"/stories/{story['id']}").get_json()["revision"] == 4


@pytest.mark.parametrize("body, field, value", [
    ({"sites": ["a"]}, "title", None),
    ({"title": "x", "sites": ["nope"]}, "sites[0]", "nope"),
    ({"title": "x", "sites": []}, "sites", []),
    ({"title": "x", "sites": ["a"], "items": ["7"]}, "items[0]", "7"),
    ({"title": "x", "sites": ["a"], "items": [999]}, "items[0]", 999),
    ({"title": "x", "sites": ["a"], "order": "random"}, "order", "random"),
    ({"title": "x", "sites": ["a"], "rule": {"contains": "#t", "tags": []}}, "rule.tags", []),
    ({"title": "x", "sites": ["a"], "rule": {"sources": ["ghost"], "contains": "#t"}}, "rule.sources[0]", "ghost"),
    ({"title": "x", "sites": ["a"], "colour": "red"}, "colour", "red"),
])
def test_bad_input_is_a_problem_naming_field_value_and_fix(bridge, api, body, field, value):
    r = api("POST", "/stories", body)
    assert r.status_code in (400, 404) and r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["errors"][0]["field"] == field and problem["errors"][0]["value"] == value
    assert problem["detail"]
    assert bridge.store.list_stories() == []  # nothing half-made


def test_reaction_mode_typo3_is_refused_with_409_and_why(api):
    r = api("POST", "/stories", {"title": "x", "sites": ["t3r"]})
    assert r.status_code == 409
    problem = r.get_json()
    assert problem["errors"][0] == {"field": "sites[0]", "value": "t3r", "message": problem["detail"]}
    assert "reaction mode" in problem["detail"] and "connector" in problem["detail"]


def test_an_editor_works_only_within_their_sites(bridge, client, auth):
    add_editor(bridge.store, "ed", sites=["a"])
    theirs = bridge.stories.create(title="Both sites", sites=["a", "b"], actor="admin")
    elsewhere = bridge.stories.create(title="Only b", sites=["b"], actor="admin")
    auth.login("ed", EDITOR_PASSWORD)
    headers = {"X-CSRF-Token": auth.csrf}
    assert [s["id"] for s in client.get("/api/v1/stories").get_json()["stories"]] == [theirs["id"]]
    assert client.get(f"/api/v1/stories/{elsewhere['id']}").status_code == 404
    r = client.patch(f"/api/v1/stories/{theirs['id']}", json={"title": "Mine now"}, headers=headers)
    assert r.status_code == 403 and r.get_json()["errors"][0]["value"] == ["b"]
    r = client.post("/api/v1/stories", json={"title": "x", "sites": ["b"]}, headers=headers)
    assert r.status_code == 403
    r = client.post("/api/v1/stories", json={"title": "Mine", "sites": ["a"]}, headers=headers)
    assert r.status_code == 201


def test_refused_consent_cannot_join_and_withdrawn_consent_leaves_on_the_next_update(bridge, api):
    refused = add_item(bridge.store, consent_state="declined")
    r = api("POST", "/stories", {"title": "x", "sites": ["a"], "items": [refused]})
    assert r.status_code == 409 and r.get_json()["errors"][0]["field"] == "consent_state"

    item = add_item(bridge.store, consent_state="granted", consent_evidence_url="https://social.example/yes")
    story = api("POST", "/stories", {"title": "x", "sites": ["a"], "items": [item]}).get_json()
    revision = story["revision"]
    bridge.curation.set_consent(item, "revoked", actor="eva", allowed=None)
    after = api("GET", f"/stories/{story['id']}").get_json()
    assert after["revision"] == revision + 1
    assert after["items"][0]["shown"] is False and "revoked" in after["items"][0]["why_not"]
    stories = bridge.stories
    assert stories.story_value(stories.get(story["id"])).entries == []


def test_a_living_story_takes_newly_approved_matching_items_newest_first(bridge, api):
    pinned = add_item(bridge.store, title="Kick-off")
    story = api("POST", "/stories", {"title": "Turbine", "sites": ["a"], "items": [pinned],
                                     "rule": {"sources": ["team"], "contains": "#Turbine"}}).get_json()
    api("PATCH", f"/stories/{story['id']}", {"items": [{"id": pinned, "pinned": True}]})
    curation = bridge.curation
    older = add_item(bridge.store, text="Blade one #turbine")
    newer = add_item(bridge.store, text="Blade two #TURBINE")
    other_source = add_item(bridge.store, source_id="fans", text="Me too #turbine")
    no_tag = add_item(bridge.store, text="Lunch")
    for item_id in (older, newer, other_source, no_tag):
        curation.approve(item_id, ["a"], actor="eva", allowed=None)
    body = api("GET", f"/stories/{story['id']}").get_json()
    assert [i["id"] for i in body["items"]] == [pinned, newer, older]
    assert body["items"][1]["added_by"] == f"rule:story-{story['id']}"

    api("PATCH", f"/stories/{story['id']}", {"order": "oldest"})
    last = add_item(bridge.store, text="Done #turbine")
    curation.approve(last, ["a"], actor="eva", allowed=None)
    assert [i["id"] for i in api("GET", f"/stories/{story['id']}").get_json()["items"]] == [
        pinned, newer, older, last]


def test_changes_coalesce_into_one_queued_job_per_site(bridge, api, clock):
    story = api("POST", "/stories", {"title": "Ride", "sites": ["a", "b"]}).get_json()
    for n in range(10):
        api("POST", f"/stories/{story['id']}/items", {"items": [add_item(bridge.store, title=f"Rider {n}")]})
        clock.advance(2)
    jobs = story_jobs(bridge.store)
    queued = [j for j in jobs if j["state"] == "queued"]
    assert sorted(j["site_id"] for j in queued) == ["a", "b"]
    assert all(j["payload"]["revision"] == 11 for j in queued)
    assert {j["state"] for j in jobs} == {"queued", "superseded"} and len(jobs) == 22
    # the queued job kept the first change's run time: ten changes in 20 s wait no longer than one
    first_change = min(j["next_attempt_at"] for j in jobs)
    assert all(j["next_attempt_at"] == first_change for j in queued)


def test_retract_needs_unpublish_and_then_refuses_changes(bridge, api):
    story = api("POST", "/stories", {"title": "Ride", "sites": ["a"]}).get_json()
    r = api("POST", f"/stories/{story['id']}/retract")
    assert r.status_code == 200 and r.get_json()["state"] == "retracted"
    r = api("PATCH", f"/stories/{story['id']}", {"title": "again"})
    assert r.status_code == 409 and "retracted" in r.get_json()["detail"]
    assert api("GET", "/stories/999").status_code == 404
    r = api("PATCH", f"/stories/{story['id']}", {"item_order": [1]})
    assert r.status_code == 409
