"""Stories published into the harness's real WordPress: one post updated in place,
its images in the media library, its content blocks that WordPress's own
``parse_blocks()`` reads back; coalesced updates counted at a recording proxy in
front of the site."""
from __future__ import annotations

import hashlib
import json

import pytest
import requests

from tests.chromium import ARTIFACTS
from tests.conftest import make_config
from tests.curation_helpers import add_item
from tests.recording_proxy import RecordingProxy
from tests.wp_bridge_helpers import image_file

SOURCES = [{"id": "team", "kind": "webhook", "secret_env": "HOOK_SECRET", "targets": ["wp"]}]
ENV = {"HOOK_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}


def wp_site(url, wp, transport="rest") -> dict:
    return {"id": "wp", "kind": "wordpress", "url": url, "name": "Harness blog", "username": wp.admin_user,
            "password_env": "WP_APP_PASSWORD", "timeout": 10.0, "transport": transport}


@pytest.fixture
def config(tmp_path, wp):
    return make_config(tmp_path, {"sites": [wp_site(wp.url, wp)], "sources": SOURCES},
                       {"WP_APP_PASSWORD": wp.app_password, **ENV})


@pytest.fixture
def stories(bridge):
    return bridge.stories


def image_item(store, tmp_path, name="tower.png", color=(200, 30, 30), **columns) -> int:
    path = image_file(tmp_path, name, color)
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return add_item(store, media=[{"path": path, "sha256": sha, "content_type": "image/png",
                                   "alt": "The tower on its base"}], **columns)


def three_items(store, tmp_path) -> list[int]:
    photo = image_item(store, tmp_path, title="Tower up", text="The tower stands.", author_name="Ann",
                       author_url="https://social.example/@ann")
    text = add_item(store, title="Blades", text="Three blades arrived today.\n\nCrane tomorrow.",
                    author_name="Ben", url="https://social.example/p/blades")
    video = add_item(store, title="Lift", text="Watch the lift", network="youtube", author_name="Cam",
                     url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    return [photo, text, video]


def run(bridge, clock) -> None:
    """Let the settle window pass, then run what is due (and insist it worked)."""
    clock.advance(bridge.stories.settle_seconds + 1)
    stats = bridge.outbox.run_due()
    assert stats.failed == 0 and stats.retried == 0, stats.errors


def post_of(stories, story_id) -> str:
    (pub,) = stories.publications(story_id)
    assert pub["shown_state"] == "published", pub
    return pub["remote_ref"]["remote_id"]


def parsed_blocks(wp, post_id) -> list[dict]:
    """WordPress's own parser over the saved post_content: names, inner names, attributes."""
    out = wp.php(
        f"$post = get_post({int(post_id)});\n"
        "$walk = function ($blocks) use (&$walk) { $out = [];\n"
        "  foreach ($blocks as $b) {\n"
        "    if ($b['blockName'] === null) { if (trim($b['innerHTML']) !== '') { $out[] = ['name' => null,"
        " 'html' => $b['innerHTML']]; } continue; }\n"
        "    $out[] = ['name' => $b['blockName'], 'attrs' => $b['attrs'], 'html' => $b['innerHTML'],"
        " 'inner' => $walk($b['innerBlocks'])]; }\n"
        "  return $out; };\n"
        "echo json_encode($walk(parse_blocks($post->post_content)));")
    return json.loads(out)


def names(blocks) -> list[str]:
    return [b["name"] for b in blocks]


def attachments(wp) -> list[dict]:
    return wp.rest.get("media", params={"per_page": 100, "context": "edit"}).json()


def story_posts(wp) -> list[dict]:
    """Every post but the ones a fresh WordPress has ("Hello world!")."""
    rows = wp.rest.get("posts", params={"per_page": 100, "status": "publish,draft,trash", "context": "edit"}).json()
    return [p for p in rows if p["slug"] != "hello-world"]


def test_a_story_is_one_post_of_valid_blocks_updated_in_place(bridge, stories, wp, clock, tmp_path):
    photo, text, video = three_items(bridge.store, tmp_path)
    story = stories.create(title="Turbine 7 goes up", intro="A week at the site.\n\nFollow along.",
                           sites=["wp"], items=[photo, text, video], actor="eva", order="oldest")
    run(bridge, clock)

    post_id = post_of(stories, story["id"])
    posts = story_posts(wp)
    assert [str(p["id"]) for p in posts] == [post_id]
    assert posts[0]["title"]["raw"] == "Turbine 7 goes up" and posts[0]["status"] == "publish"

    blocks = parsed_blocks(wp, post_id)
    assert names(blocks) == ["core/paragraph", "core/paragraph", "core/image", "core/quote", "core/embed"]
    (media,) = attachments(wp)
    image = blocks[2]
    assert image["attrs"]["id"] == media["id"] and f'class="wp-image-{media["id"]}"' in image["html"]
    assert media["source_url"] in image["html"] and media["alt_text"] == "The tower on its base"
    assert "Ann" in image["html"] and "https://social.example/@ann" in image["html"]  # attribution + link
    quote = blocks[3]
    assert names(quote["inner"]) == ["core/paragraph", "core/paragraph"]
    assert "<cite>" in quote["html"] and "https://social.example/p/blades" in quote["html"]
    assert blocks[4]["attrs"]["providerNameSlug"] == "youtube"
    assert blocks[4]["attrs"]["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

    # a fourth item: the same post, no new post, the image not uploaded again
    fourth = add_item(bridge.store, title="Done", text="Tower 7 is finished #turbine", author_name="Dee")
    stories.add_items(story["id"], [fourth], actor="eva")
    run(bridge, clock)
    assert post_of(stories, story["id"]) == post_id
    assert [str(p["id"]) for p in story_posts(wp)] == [post_id]
    assert len(attachments(wp)) == 1
    assert names(parsed_blocks(wp, post_id))[2:] == ["core/image", "core/quote", "core/embed", "core/quote"]

    # reordering changes the order in the post
    stories.update(story["id"], {"item_order": [video, fourth, photo, text]}, actor="eva")
    run(bridge, clock)
    assert names(parsed_blocks(wp, post_id))[2:] == ["core/embed", "core/quote", "core/image", "core/quote"]

    # withdrawing one item's consent removes it from the story on the next update
    bridge.curation.set_consent(photo, "revoked", actor="eva", allowed=None)
    run(bridge, clock)
    after = parsed_blocks(wp, post_id)
    assert names(after)[2:] == ["core/embed", "core/quote", "core/quote"]
    assert "wp-image-" not in json.dumps(after)
    assert [str(p["id"]) for p in story_posts(wp)] == [post_id]

    # consent granted again: the item is back, its image reused from the library (not uploaded twice)
    bridge.curation.set_consent(photo, "granted", actor="eva", allowed=None, evidence_url="https://social.example/yes")
    run(bridge, clock)
    assert names(parsed_blocks(wp, post_id))[2:] == ["core/embed", "core/quote", "core/image", "core/quote"]
    assert len(attachments(wp)) == 1

    # retracting the story trashes the post
    stories.retract(story["id"], actor="eva")
    stats = bridge.outbox.run_due()
    assert stats.done == 1 and stats.failed == 0
    assert wp.rest.get(f"posts/{post_id}", params={"context": "edit"}).json()["status"] == "trash"
    assert requests.get(f"{wp.rest_url}/posts/{post_id}", timeout=10).status_code in (401, 403, 404)
    assert stories.publications(story["id"])[0]["shown_state"] == "unpublished"


def test_ten_items_added_in_quick_succession_make_at_most_two_updates(tmp_path, wp, clock):
    from bridge.core import Bridge  # noqa: PLC0415

    proxy = RecordingProxy(wp.url)
    try:
        config = make_config(tmp_path, {"sites": [wp_site(proxy.base_url, wp)], "sources": SOURCES},
                             {"WP_APP_PASSWORD": wp.app_password, **ENV})
        bridge = Bridge(config, clock=clock)
        stories = bridge.stories
        story = stories.create(title="Charity ride", sites=["wp"], actor="eva")
        run(bridge, clock)
        post_id = post_of(stories, story["id"])
        saves_before = proxy.count("POST", "/wp-json/wp/v2/posts")
        assert saves_before == 1  # the creation

        for n in range(10):  # one every three seconds; a worker runs after each
            item = add_item(bridge.store, title=f"Rider {n}", text=f"Rider {n} crossed the line")
            stories.add_items(story["id"], [item], actor="eva")
            clock.advance(3)
            assert bridge.outbox.run_due().failed == 0
        run(bridge, clock)

        updates = proxy.count("POST", f"/wp-json/wp/v2/posts/{post_id}")
        assert 1 <= updates <= 2
        assert proxy.count("POST", "/wp-json/wp/v2/posts") - updates == saves_before  # no new post
        content = wp.rest.get(f"posts/{post_id}", params={"context": "edit"}).json()["content"]["raw"]
        assert all(f"Rider {n} crossed the line" in content for n in range(10))
        bridge.close()
    finally:
        proxy.stop()


def _invalid_blocks(page) -> list:
    """The block editor's own verdict on every block (inner blocks included)."""
    return page.evaluate("""() => {
        const out = [];
        const walk = (blocks) => blocks.forEach((b) => {
            if (!b.isValid) { out.push(b.name); }
            walk(b.innerBlocks || []);
        });
        walk(wp.data.select('core/block-editor').getBlocks());
        return out;
    }""")


def test_the_block_editor_opens_the_story_without_invalid_blocks(bridge, stories, wp, clock, tmp_path,
                                                                  browser_page):
    photo, text, video = three_items(bridge.store, tmp_path)
    story = stories.create(title="Opened in the editor", intro="Intro & more -- with <odd> characters.",
                           sites=["wp"], items=[photo, text, video], actor="eva")
    stories.update(story["id"], {"items": [{"id": text, "caption": "Caption under the quote"},
                                           {"id": photo, "caption": "Night shift\nat the tower"}]}, actor="eva")
    run(bridge, clock)
    post_id = post_of(stories, story["id"])

    page = browser_page
    page.goto(f"{wp.url}/wp-login.php")
    page.fill("#user_login", wp.admin_user)
    page.fill("#user_pass", wp.admin_password)
    page.click("#wp-submit")
    page.wait_for_url("**/wp-admin/**")
    page.goto(f"{wp.url}/wp-admin/post.php?post={post_id}&action=edit")
    page.wait_for_function("() => window.wp && wp.data && wp.data.select('core/block-editor')"
                           " && wp.data.select('core/block-editor').getBlocks().length > 0", timeout=60000)
    names_seen = page.evaluate("() => wp.data.select('core/block-editor').getBlocks().map((b) => b.name)")
    assert names_seen == ["core/paragraph", "core/image", "core/quote", "core/paragraph", "core/embed"]
    assert _invalid_blocks(page) == []
    page.locator(".block-editor-block-list__layout figure.wp-block-image").wait_for()  # the blocks are drawn
    assert page.locator(".block-editor-warning").count() == 0
    page.screenshot(path=str(ARTIFACTS / "story-in-block-editor.png"), full_page=True)

    # the control: an image block whose HTML is not what its save() makes is reported by the same checks
    bad = ('<!-- wp:image {"id":5} -->\n<figure class="wp-block-image"><img src="x.png" alt=""/>'
           "<p>no caption here</p></figure>\n<!-- /wp:image -->")
    broken = wp.rest.post("posts", json={"title": "Broken", "status": "publish", "content": bad})
    page.goto(f"{wp.url}/wp-admin/post.php?post={broken.json()['id']}&action=edit")
    page.wait_for_function("() => window.wp && wp.data && wp.data.select('core/block-editor')"
                           " && wp.data.select('core/block-editor').getBlocks().length > 0", timeout=60000)
    assert _invalid_blocks(page) == ["core/image"]
    page.locator(".block-editor-warning").wait_for()  # "This block contains unexpected or invalid content"
