"""The contributor path end to end: a real Chromium emulating a phone (Playwright's
"iPhone 13" descriptor: viewport, touch, mobile user agent) against a live
``cms-bridge serve``, publishing into the harness's real WordPress.

A camera JPEG made with Pillow (sideways pixels + orientation 6, GPS position,
camera and owner tags) is attached and sent; the receipt appears; the stored file
and the file WordPress serves have no GPS tag and stand upright; an editor approves
it in the browser and it is published once with its attribution; the contributor
withdraws consent on the receipt page and the next outbox run takes it out of
WordPress."""
from __future__ import annotations

import requests

from bridge.config import load_config
from bridge.core import Bridge
from bridge.security import hash_password
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD
from tests.contribution_helpers import camera_jpeg, exif_of
from tests.serve_helpers import LiveServer
from tests.wp_bridge_helpers import drain

PHONE = "iPhone 13"


def _server(tmp_path, wp) -> LiveServer:
    toml = (f'\n[[sites]]\nid = "wp"\nkind = "wordpress"\nname = "Harness blog"\nurl = "{wp.url}"\n'
            f'username = "{wp.admin_user}"\npassword_env = "WP_PASSWORD"\ntimeout = 10.0\n'
            '\n[contributions]\norganisation = "Windwerk"\n')
    server = LiveServer(tmp_path, extra_toml=toml, env={"WP_PASSWORD": wp.app_password})
    text = server.config.read_text()
    server.config.write_text(text.replace("threads = 4\n", f'threads = 4\npublic_url = "{server.url}"\n', 1))
    return server


def _bridge(server, monkeypatch) -> Bridge:
    monkeypatch.setenv("WP_PASSWORD", server.env["WP_PASSWORD"])
    return Bridge(load_config(str(server.config)))


def _bridge_posts(wp) -> list[dict]:
    return [p for p in wp.rest.get("posts", params={"status": "any", "context": "edit", "per_page": 100}).json()
            if "cms-bridge" in p["content"]["raw"]]


def test_phone_contribution_to_wordpress_and_withdrawal(tmp_path, wp, monkeypatch, playwright, new_page):
    server = _server(tmp_path, wp)
    bridge = _bridge(server, monkeypatch)
    try:
        bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    finally:
        bridge.close()
    server.start()
    try:
        device = {k: v for k, v in playwright.devices[PHONE].items() if k != "default_browser_type"}
        # the editor creates the invitation on the Invitations page
        page = login(new_page(), server.url, next="/invitations")
        page.fill('input[name="name"]', "Turbine assembly team")
        page.check('input[name="targets"][value="wp"]')
        page.click("text=Create invitation")
        link = page.input_value("#invitation-url")
        assert link.startswith(f"{server.url}/contribute/")
        page.screenshot(path=str(ARTIFACTS / "invitation-created.png"), scale="css")

        mobile = new_page(**device, locale="de-DE")
        errors: list[str] = []
        mobile.on("pageerror", lambda e: errors.append(str(e)))
        mobile.goto(link)
        assert mobile.locator("html").get_attribute("lang") == "de"  # Accept-Language from the locale
        mobile.click("text=English")  # the switch
        assert mobile.locator("h1").inner_text() == "Send a photo or video"
        assert mobile.viewport_size == {"width": 390, "height": 664}
        files = mobile.locator("#files")
        assert files.get_attribute("accept") == "image/*,video/*" and files.get_attribute("multiple") is not None
        mobile.set_input_files("#files", files=[{"name": "IMG_0001.JPG", "mimeType": "image/jpeg",
                                                 "buffer": camera_jpeg(1200, 600)}])
        mobile.fill("#text", "The nacelle goes up on tower 7")
        mobile.fill("#name", "Jana Berger")
        # docs/contribute-phone.png is this shot (CSS pixels keep it small)
        mobile.screenshot(path=str(ARTIFACTS / "contribute-phone.png"), full_page=True, scale="css")
        mobile.click("#send")  # consent not ticked: refused, nothing typed is lost
        mobile.wait_for_selector("#problems:not([hidden])")
        assert "Tick the box" in mobile.inner_text("#problems")
        assert mobile.input_value("#text") == "The nacelle goes up on tower 7"
        mobile.check("#consent")
        box = mobile.locator("#consent").bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24  # target size
        mobile.click("#send")
        mobile.wait_for_url("**/r/**")
        assert "Thank you — we received it." in mobile.inner_text("main")
        receipt_url = mobile.url
        assert errors == []

        bridge = _bridge(server, monkeypatch)
        try:
            (item,) = bridge.store.curation_items(states=["pending"])
            assert item["consent_state"] == "granted" and item["author_name"] == "Jana Berger"
            (media,) = bridge.store.item_media(item["id"])
            with open(media["path"], "rb") as fh:
                exif, size, _img = exif_of(fh.read())
            assert not exif.get_ifd(0x8825) and dict(exif) == {} and size == (600, 1200)

            # the editor approves it into WordPress
            page.goto(f"{server.url}/curation/items/{item['id']}")
            assert "GPS position" in page.inner_text("#contribution")
            page.click("button.approve")
            page.wait_for_load_state()
            drain(bridge)
            (post,) = _bridge_posts(wp)
            assert post["status"] == "publish"
            assert "By Jana Berger" in post["content"]["raw"]
            attachment = wp.rest.get(f"media/{post['featured_media']}").json()
            served = requests.get(attachment["source_url"], timeout=10).content
            exif, size, img = exif_of(served)
            assert not exif.get_ifd(0x8825) and size == (600, 1200)
            assert img.getpixel((300, 50))[0] > 200 and img.getpixel((300, 1150))[2] > 200  # upright
            drain(bridge)
            assert len(_bridge_posts(wp)) == 1  # published once

            mobile.goto(receipt_url)
            assert "Published" in mobile.inner_text("#state")
            mobile.click("text=Withdraw my consent")
            mobile.wait_for_selector("text=You withdrew your consent")
            drain(bridge)
            public = requests.get(f"{wp.rest_url}/posts", timeout=10).json()
            assert post["id"] not in [p["id"] for p in public]
            decisions = bridge.store.item_decisions(item["id"])
            assert decisions[-1]["actor"] == "contributor:Jana Berger" and "revoked" in decisions[-1]["detail"]
        finally:
            bridge.close()
    finally:
        server.stop()
