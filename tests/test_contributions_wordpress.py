"""A contributor's video, through the contributions service, into the harness's real
WordPress: uploaded once to the media library as video/mp4, shown in the post as a
video block, attributed; withdrawal takes the post down through the outbox. A video
sent alone is published with its poster frame as the post's image."""
from __future__ import annotations

import io

import requests
from PIL import Image

from bridge.contributions import Upload
from tests.contribution_helpers import camera_jpeg
from tests.test_contributions import MP4, WEBM
from tests.wp_bridge_helpers import drain, wp_bridge


def test_video_contribution_is_published_once_and_withdrawn(tmp_path, wp, clock):
    bridge = wp_bridge(tmp_path, wp, clock, raw={"server": {"public_url": "https://bridge.example"}})
    try:
        service = bridge.contributions
        inv, url = service.create_invitation(name="Ski slope", targets=["wp"], actor="eva", allowed=None)
        token = url.rsplit("/", 1)[1]
        receipt, row = service.submit(
            token, uploads=[Upload("IMG_7.JPG", camera_jpeg()), Upload("clip.mp4", MP4)],
            text="First run of the season", name="Tom Weber", email="", consent=True, shown_version="",
            lang="de", client="192.0.2.7")
        assert row["consent_version"].startswith("default-de:") and "Tom Weber" not in row["consent_text"]
        bridge.curation.approve(row["item_id"], ["wp"], actor="eva", allowed=None)
        drain(bridge)
        posts = wp.rest.get("posts", params={"status": "any", "context": "edit"}).json()
        (post,) = [p for p in posts if "cms-bridge" in p["content"]["raw"]]
        assert "By Tom Weber" in post["content"]["raw"] and "View the original post" not in post["content"]["raw"]
        videos = wp.rest.get("media", params={"media_type": "video", "context": "edit"}).json()
        assert [v["mime_type"] for v in videos] == ["video/mp4"]
        assert f'<video controls src="{videos[0]["source_url"]}">' in post["content"]["raw"]
        assert post["featured_media"]  # the photo

        bridge.curation.approve(row["item_id"], ["wp"], actor="eva", title="First run, edited",
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


def test_a_video_alone_is_published_with_its_poster_frame_as_the_image(tmp_path, wp, clock):
    """No photo sent: the poster frame ffmpeg made is the post's featured image, beside the
    video in the media library, and the video there carries no title or location."""
    bridge = wp_bridge(tmp_path, wp, clock, raw={"server": {"public_url": "https://bridge.example"}})
    try:
        service = bridge.contributions
        _inv, url = service.create_invitation(name="Ski slope", targets=["wp"], actor="eva", allowed=None)
        _receipt, row = service.submit(
            url.rsplit("/", 1)[1], uploads=[Upload("VID_3.webm", WEBM)], text="Slalom", name="Tom Weber", email="",
            consent=True, shown_version="", lang="en", client="192.0.2.8")
        bridge.curation.approve(row["item_id"], ["wp"], actor="eva", allowed=None)
        drain(bridge)
        posts = wp.rest.get("posts", params={"status": "any", "context": "edit"}).json()
        (post,) = [p for p in posts if "cms-bridge" in p["content"]["raw"]]
        poster = wp.rest.get(f"media/{post['featured_media']}", params={"context": "edit"}).json()
        assert poster["mime_type"] == "image/jpeg"
        assert (poster["media_details"]["width"], poster["media_details"]["height"]) == (176, 144)
        image = requests.get(poster["source_url"], timeout=10).content
        assert Image.open(io.BytesIO(image)).size == (176, 144)
        (video,) = wp.rest.get("media", params={"media_type": "video", "context": "edit"}).json()
        assert video["mime_type"] == "video/webm" and f'src="{video["source_url"]}"' in post["content"]["raw"]
        served = requests.get(video["source_url"], timeout=10).content
        assert b"Secret test title" not in served and b"+52.5200" not in served
    finally:
        bridge.close()
