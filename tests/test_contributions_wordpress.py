"""A contributor's video, through the contributions service, into the harness's real
WordPress: uploaded once to the media library as video/mp4, shown in the post as a
video block, attributed; withdrawal takes the post down through the outbox."""
from __future__ import annotations

import requests

from bridge.contributions import Upload
from tests.contribution_helpers import camera_jpeg
from tests.test_contributions import MP4
from tests.wp_bridge_helpers import drain, wp_bridge


def test_video_contribution_is_published_once_and_withdrawn(tmp_path, wp, clock):
    bridge = wp_bridge(tmp_path, wp, clock, raw={"server": {"public_url": "https://bridge.example"}})
    try:
        service = bridge.services["contributions"]
        inv, url = service.create_invitation(name="Ski slope", targets=["wp"], actor="eva", allowed=None)
        token = url.rsplit("/", 1)[1]
        receipt, row = service.submit(
            token, uploads=[Upload("IMG_7.JPG", camera_jpeg()), Upload("clip.mp4", MP4)],
            text="First run of the season", name="Tom Weber", email="", consent=True, shown_version="",
            lang="de", client="192.0.2.7")
        assert row["consent_version"].startswith("default-de:") and "Tom Weber" not in row["consent_text"]
        bridge.services["curation"].approve(row["item_id"], ["wp"], actor="eva", allowed=None)
        drain(bridge)
        posts = wp.rest.get("posts", params={"status": "any", "context": "edit"}).json()
        (post,) = [p for p in posts if "cms-bridge" in p["content"]["raw"]]
        assert "By Tom Weber" in post["content"]["raw"] and "View the original post" not in post["content"]["raw"]
        videos = wp.rest.get("media", params={"media_type": "video", "context": "edit"}).json()
        assert [v["mime_type"] for v in videos] == ["video/mp4"]
        assert f'<video controls src="{videos[0]["source_url"]}">' in post["content"]["raw"]
        assert post["featured_media"]  # the photo

        bridge.services["curation"].approve(row["item_id"], ["wp"], actor="eva", title="First run, edited",
                                          allowed=None)
        drain(bridge)
        assert len(wp.rest.get("media", params={"media_type": "video"}).json()) == 1  # not uploaded twice

        _row, _item, pubs = service.receipt(token, receipt)
        assert [p["remote_url"] for p in pubs] == [post["link"]]
        service.withdraw(token, receipt)
        drain(bridge)
        public = requests.get(f"{wp.rest_url}/posts", timeout=10).json()
        assert post["id"] not in [p["id"] for p in public]
    finally:
        bridge.close()
