"""The story pages without JavaScript: every editor action is a plain form with its
CSRF token, goes through the stories service with the user's sites, and says what went
wrong in words (no CMS is contacted: nothing here runs a job)."""
from __future__ import annotations

import pytest

from tests.conftest import EDITOR_PASSWORD
from tests.curation_helpers import add_item
from tests.inbox_helpers import add_editor
from tests.test_stories_api import STORIES

pytestmark = pytest.mark.bridge_config(*STORIES)


def _order(bridge, story_id):
    return [r["item_id"] for r in bridge.store.story_entries(story_id)]


def test_the_editor_works_with_plain_forms(bridge, client, auth):
    auth.login()
    one, two = add_item(bridge.store, title="First post"), add_item(bridge.store, title="Second post")
    r = client.post("/stories", data={"title": "Ride day", "intro": "It rained.", "sites": ["a"],
                                      "order": "oldest", "csrf_token": auth.csrf})
    assert r.status_code == 302
    story_id = int(r.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/stories/{story_id}?q=Second").get_data(as_text=True)
    assert "Second post" in page and "First post" not in page  # the queue's search
    form = {"csrf_token": auth.csrf}
    for item_id in (one, two):
        assert client.post(f"/stories/{story_id}/add", data={**form, "item_id": item_id}).status_code == 302
    assert _order(bridge, story_id) == [one, two]
    client.post(f"/stories/{story_id}/move", data={**form, "item_id": two, "direction": "up"})
    assert _order(bridge, story_id) == [two, one]
    client.post(f"/stories/{story_id}/entry", data={**form, "item_id": one, "caption": "Soaked"})
    client.post(f"/stories/{story_id}/entry", data={**form, "item_id": two, "hidden": "1"})
    entries = {e["item_id"]: e for e in bridge.store.story_entries(story_id)}
    assert entries[one]["caption"] == "Soaked" and entries[two]["hidden"] == 1
    page = client.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "not shown: hidden by an editor" in page and "Soaked" in page and "It rained." in page
    client.post(f"/stories/{story_id}/remove", data={**form, "item_id": two})
    assert _order(bridge, story_id) == [one]
    r = client.post(f"/stories/{story_id}/details", data={**form, "title": "", "intro": ""}, follow_redirects=True)
    assert "Give the story a title" in r.get_data(as_text=True)
    client.post(f"/stories/{story_id}/retract", data=form)
    assert bridge.store.get_story(story_id)["state"] == "retracted"
    assert client.post(f"/stories/{story_id}/add", data={"item_id": one}).status_code == 403  # no CSRF token


def test_a_reaction_mode_site_is_not_offered_and_others_stories_stay_hidden(bridge, client, auth):
    elsewhere = bridge.stories.create(title="Only b", sites=["b"], actor="admin")
    add_editor(bridge.store, "ed", sites=["a", "t3r"])
    auth.login("ed", EDITOR_PASSWORD)
    page = client.get("/stories").get_data(as_text=True)
    assert "Only b" not in page
    assert 'value="t3r" disabled' in page and "cannot update posts in place" in page
    assert client.get(f"/stories/{elsewhere['id']}").status_code == 404
    r = client.post("/stories", data={"title": "x", "sites": ["t3r"], "csrf_token": auth.csrf},
                    follow_redirects=True)
    assert "reaction mode" in r.get_data(as_text=True) and bridge.store.list_stories() == [
        bridge.store.get_story(elsewhere["id"]) | {"item_count": 0}]
