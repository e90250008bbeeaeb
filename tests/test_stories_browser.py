"""The story editor in a real browser (Debian's Chromium via Playwright) against a live
``cms-bridge serve`` and the harness's real WordPress: the preview, the post's link per
site, reordering by keyboard (Move up / Move down, focus kept) and by dragging, inline
captions, adding from the queue's search — and the next update puts the new order
into the WordPress post."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

from bridge.clock import FakeClock
from bridge.config import load_config
from bridge.core import Bridge
from bridge.security import hash_password
from bridge.store import open_store
from tests.chromium import ARTIFACTS, login
from tests.curation_helpers import add_item
from tests.serve_helpers import LiveServer
from tests.test_stories_wordpress import names, parsed_blocks
from tests.wp_bridge_helpers import image_file


def _bridge(server, wp, monkeypatch, at: float) -> Bridge:
    monkeypatch.setenv("WP_APP_PASSWORD", wp.app_password)
    monkeypatch.setenv("TEAM_SECRET", "whsec_" + "A" * 32)
    return Bridge(load_config(str(server.config)), clock=FakeClock(at))


def _order(server, story_id) -> list[int]:
    store = open_store(str(server.db))
    try:
        return [r["item_id"] for r in store.story_entries(story_id)]
    finally:
        store.close()


def test_story_editor_previews_reorders_by_keyboard_and_drag_and_captions(tmp_path, wp, browser_page, monkeypatch):
    toml = (f'\n[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\ntargets = ["wp"]\n\n'
            f'[[sites]]\nid = "wp"\nkind = "wordpress"\nname = "Harness blog"\nurl = "{wp.url}"\n'
            f'username = "{wp.admin_user}"\npassword_env = "WP_APP_PASSWORD"\ntimeout = 10.0\ntransport = "rest"\n')
    server = LiveServer(tmp_path, extra_toml=toml, env={"WP_APP_PASSWORD": wp.app_password,
                                                       "TEAM_SECRET": "whsec_" + "A" * 32})
    bridge = _bridge(server, wp, monkeypatch, time.time())
    store = bridge.store
    store.create_user("admin", hash_password("admin-password-123"), "admin", None)
    media_dir = Path(bridge.config.server.media_dir)
    media_dir.mkdir(parents=True, exist_ok=True)
    path = image_file(media_dir, "tower.png")  # where the bridge keeps downloads: the preview serves it
    photo = add_item(store, title="Tower up", text="The tower stands.", author_name="Ann",
                     media=[{"path": path, "sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
                             "content_type": "image/png", "alt": "The tower"}])
    text = add_item(store, title="Blades", text="Three blades arrived.", author_name="Ben")
    video = add_item(store, title="Lift", text="Watch the lift", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    later = add_item(store, title="Finish line", text="We made it to the finish", author_name="Dee")
    stories = bridge.stories
    story = stories.create(title="Turbine 7", intro="A week at the site.", sites=["wp"],
                           items=[photo, text, video], actor="eva", order="oldest")
    bridge.clock.advance(stories.settle_seconds + 1)
    assert bridge.outbox.run_due().done == 1
    post_id = stories.publications(story["id"])[0]["remote_ref"]["remote_id"]
    bridge.close()

    server.start()
    page = browser_page
    try:
        login(page, server.url)
        page.goto(f"{server.url}/stories/{story['id']}")
        pubs = page.locator("section.publications")
        assert "published" in pubs.inner_text()
        assert pubs.locator(f'a[href^="{wp.url}"]').count() == 1
        preview = page.locator("article.story-preview")
        assert preview.locator("figure img").count() == 1 and preview.locator("blockquote cite").count() == 1
        assert preview.locator("figure img").evaluate("img => img.complete && img.naturalWidth") == 64
        assert "YouTube video dQw4w9WgXcQ" in preview.inner_text()
        page.screenshot(path=str(ARTIFACTS / "story-editor.png"), full_page=True)

        # keyboard: focus the first item's "Move down", press Enter twice
        first_down = page.locator(f"#entry-{photo} button.move-down")
        first_down.focus()
        page.keyboard.press("Enter")
        status = page.locator("#order-status")
        status.filter(has_text="position 2 of 3").wait_for()
        assert page.evaluate("document.activeElement.closest('li').id") == f"entry-{photo}"
        page.keyboard.press("Enter")
        status.filter(has_text="position 3 of 3. Saved").wait_for()
        assert _order(server, story["id"]) == [text, video, photo]
        assert page.locator(f"#entry-{photo} button.move-down").is_disabled()
        # at the bottom "Move down" is off, so focus went to the same item's "Move up": Enter moves it back
        assert page.evaluate("document.activeElement.className") == "move-up"
        page.keyboard.press("Enter")
        status.filter(has_text="position 2 of 3. Saved").wait_for()
        assert _order(server, story["id"]) == [text, photo, video]

        # drag: the video onto the top half of the first item
        page.drag_and_drop(f"#entry-{video} .handle", f"#entry-{text}", target_position={"x": 10, "y": 3})
        status.filter(has_text="position 1 of 3. Saved").wait_for()
        assert _order(server, story["id"]) == [video, text, photo]

        # an inline caption
        page.fill(f"#entry-{text} textarea[name=caption]", "Delivered by night")
        page.click(f"#entry-{text} form.caption button")
        status.filter(has_text="Caption saved").wait_for()

        # add from the curation queue with its search
        page.fill('input[name="q"]', "finish")
        page.click("section.add-from-queue button[type=submit]")
        queue = page.locator("section.add-from-queue ul.queue")
        assert queue.locator("li").count() == 1 and "Finish line" in queue.inner_text()
        queue.locator("button").click()
        page.locator(f"#entry-{later}").wait_for()
        assert [int(x) for x in page.locator("#story-items li").evaluate_all(
            "els => els.map(e => e.dataset.item)")] == [video, text, photo, later]
        assert "Delivered by night" in page.locator("article.story-preview").inner_text()
        assert page.errors == []
    finally:
        server.stop()

    # the next update puts the editor's order into the same WordPress post
    bridge = _bridge(server, wp, monkeypatch, time.time() + 3600)
    try:
        assert bridge.outbox.run_due().done == 1
        assert bridge.stories.publications(story["id"])[0]["remote_ref"]["remote_id"] == post_id
    finally:
        bridge.close()
    assert names(parsed_blocks(wp, post_id)) == ["core/paragraph", "core/embed", "core/quote", "core/paragraph",
                                                 "core/image", "core/quote"]
