"""Contributors through the Flask test client: the invitation API (errors name field,
value and fix), the public page's refusals (renamed executable, over-size, decompression
bomb, missing consent, expired, revoked, used up, too many per client), that nothing is
stored on a refusal, the consent evidence, the stripped metadata, and withdrawal."""
from __future__ import annotations

import io
import os
import re

import pytest

from bridge.videos import NO_FFMPEG
from tests.conftest import memory_site
from tests.contribution_helpers import ELF, bomb_png, camera_jpeg, exif_of, real_video, video_tags

SITE = memory_site("corp")
OTHER = memory_site("blog")


CONTRIBUTIONS = {"max_file_bytes": 200_000, "per_client_per_hour": 3, "organisation": "Windwerk"}
RAW = {"server": {"public_url": "https://bridge.example"}, "sites": [SITE, OTHER], "contributions": CONTRIBUTIONS}
pytestmark = pytest.mark.bridge_config(RAW, {"WP_PW": "x"})


def invite(client, auth, **body):
    if auth.csrf is None:
        auth.login()
    body = {"name": "Turbine assembly team", "targets": ["corp"], **body}
    r = client.post("/api/v1/invitations", json=body, headers={"X-CSRF-Token": auth.csrf})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def page_fields(client, token: str, lang: str = "en") -> dict:
    """The hidden fields of a freshly rendered contribution page."""
    html = client.get(f"/contribute/{token}?lang={lang}").get_data(as_text=True)
    return {name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
            for name in ("csrf_token", "consent_version", "page_token")}


def page_csrf(client, token: str, lang: str = "en") -> tuple[str, str]:
    fields = page_fields(client, token, lang)
    return fields["csrf_token"], fields["consent_version"]


def send(client, token, *, files=None, consent=True, name="Jana Berger", text="Nacelle goes up", json=True,
         lang="en", environ=None, page_token: str | None = None):
    data = page_fields(client, token, lang)
    if page_token is not None:
        data["page_token"] = page_token
    data.update({"name": name, "text": text, "email": "jana@example.org"})
    if consent:
        data["consent"] = "yes"
    data["files"] = [(io.BytesIO(body), filename) for filename, body in (files or [("IMG_0001.JPG", camera_jpeg())])]
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/contribute/{token}?lang={lang}", data=data, headers=headers,
                       content_type="multipart/form-data", environ_base=environ or {})


def counts(bridge):
    return (bridge.store.scalar("SELECT count(*) FROM items"), bridge.store.scalar("SELECT count(*) FROM media"),
            bridge.store.scalar("SELECT count(*) FROM contributions"))


def test_api_creates_an_invitation_whose_link_is_a_source_in_curation(client, auth, bridge):
    inv = invite(client, auth, max_submissions=5)
    assert inv["url"].startswith("https://bridge.example/contribute/")
    token = token_of(inv["url"])
    assert len(token) >= 32
    row = bridge.store.get_invitation(inv["id"])
    assert token not in str(row) and row["token_hash"] != token  # only the hash is kept
    assert bridge.store.get_source(inv["source_id"])["kind"] == "contributors"
    listed = client.get("/api/v1/invitations").get_json()["invitations"]
    assert [i["id"] for i in listed] == [inv["id"]] and "url" not in listed[0]
    assert client.get(f"/contribute/{token}").status_code == 200


@pytest.mark.parametrize(("body", "field", "value", "fix"), [
    ({"name": "", "targets": ["corp"]}, "name", "", "a name contributors recognise"),
    ({"name": "Team", "targets": []}, "targets", [], "name at least one site id"),
    ({"name": "Team", "targets": ["nope"]}, "targets[0]", "nope", "use one of: corp, blog"),
    ({"name": "Team", "targets": ["corp"], "expires_at": "tomorrow"}, "expires_at", "tomorrow", "ISO 8601"),
    ({"name": "Team", "targets": ["corp"], "expires_at": "2020-01-01T00:00:00Z"}, "expires_at",
     "2020-01-01T00:00:00.000000Z", "give a future date"),
    ({"name": "Team", "targets": ["corp"], "max_submissions": 0}, "max_submissions", 0, "from 1 to 100000"),
    ({"name": "Team", "targets": ["corp"], "colour": "red"}, "colour", "red", "remove it"),
])
def test_api_errors_name_field_value_and_fix(client, auth, body, field, value, fix):
    auth.login()
    r = client.post("/api/v1/invitations", json=body, headers={"X-CSRF-Token": auth.csrf})
    assert r.status_code == 400
    assert r.mimetype == "application/problem+json"
    (error,) = r.get_json()["errors"]
    assert (error["field"], error["value"]) == (field, value)
    assert fix in error["message"]


def test_a_submission_lands_in_curation_with_consent_evidence_and_no_gps(client, auth, bridge):
    inv = invite(client, auth)
    token = token_of(inv["url"])
    r = send(client, token)
    assert r.status_code == 201, r.get_json()
    receipt_url = r.get_json()["receipt_url"]
    (item,) = bridge.store.curation_items(states=["pending"])
    assert item["source_id"] == inv["source_id"] and item["author_name"] == "Jana Berger"
    assert item["consent_state"] == "granted" and item["target_sites"] == ["corp"]
    contribution = bridge.store.contribution_for_item(item["id"])
    assert contribution["consent_text"].startswith("I made this photo or video myself")
    assert "Windwerk" in contribution["consent_text"]
    assert contribution["consent_version"].startswith("default-en:sha256:")
    assert contribution["email"] == "jana@example.org" and contribution["invitation_id"] == inv["id"]
    assert contribution["consented_at"] == item["consent_at"]
    (removed,) = contribution["removed_metadata"]
    assert removed["file"] == "IMG_0001.JPG"
    assert {"GPS position", "Make", "Model", "Artist", "BodySerialNumber", "DateTimeOriginal"} <= set(
        removed["removed"])
    (media,) = bridge.store.item_media(item["id"])
    with open(media["path"], "rb") as fh:
        exif, size, img = exif_of(fh.read())
    assert dict(exif) == {} and not exif.get_ifd(0x8825)  # no GPS, no EXIF at all
    assert size == (32, 64)  # turned upright: the orientation tag was applied to the pixels
    assert img.getpixel((16, 4))[0] > 200 and img.getpixel((16, 60))[2] > 200  # red on top, blue below
    page = client.get(receipt_url).get_data(as_text=True)
    assert "the editors have not decided yet" in page and "Withdraw my consent" in page
    # the editor sees contributor, invitation, consent evidence and what was removed
    curation = client.get(f"/curation/items/{item['id']}").get_data(as_text=True)
    assert "Jana Berger" in curation and "Turbine assembly team" in curation
    assert contribution["consent_version"] in curation and "GPS position" in curation
    detail = client.get(f"/api/v1/invitations/{inv['id']}").get_json()
    assert detail["contributions"][0]["consent"]["text"] == contribution["consent_text"]


def test_german_page_by_accept_language_and_switch(client, auth):
    token = token_of(invite(client, auth)["url"])
    de = client.get(f"/contribute/{token}", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert de.headers["Content-Language"] == "de" and "Foto oder Video senden" in de.get_data(as_text=True)
    assert '<html lang="de">' in de.get_data(as_text=True) and "?lang=en" in de.get_data(as_text=True)
    en = client.get(f"/contribute/{token}?lang=en", headers={"Accept-Language": "de"})
    assert "Send a photo or video" in en.get_data(as_text=True)


@pytest.mark.parametrize(("files", "status", "says"), [
    ([("photo.jpg", ELF)], 400, "is not a photo or video"),
    ([("big.jpg", b"\xff\xd8\xff" + b"\0" * 250_000)], 413, "at most 195 KB per file"),
    ([("bomb.png", bomb_png())], 413, "too large in pixels"),
])
def test_refused_files_store_nothing_and_say_what_to_fix(client, auth, bridge, files, status, says):
    token = token_of(invite(client, auth)["url"])
    r = send(client, token, files=files)
    assert r.status_code == status
    assert says in r.get_json()["errors"]["files"]
    assert counts(bridge) == (0, 0, 0)


def test_missing_consent_tick_is_refused_and_the_form_keeps_the_text(client, auth, bridge):
    token = token_of(invite(client, auth)["url"])
    r = send(client, token, consent=False, json=False, text="Blade number three")
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Tick the box to agree" in page and "Blade number three" in page and "Jana Berger" in page
    assert counts(bridge) == (0, 0, 0)


def test_expired_revoked_and_used_up_invitations_answer_410(client, auth, bridge, clock):
    expiring = token_of(invite(client, auth, expires_at="2027-01-16T00:00:00Z")["url"])
    revoked = invite(client, auth)
    used = token_of(invite(client, auth, max_submissions=1)["url"])
    assert send(client, used).status_code == 201
    r = client.post(f"/api/v1/invitations/{revoked['id']}/revoke", headers={"X-CSRF-Token": auth.csrf})
    assert r.get_json()["status"] == "revoked"
    clock.advance(2 * 86400)
    for token, says in [(expiring, "This invitation expired on 2027-01-16 00:00 UTC"),
                        (token_of(revoked["url"]), "withdrawn by the editors"),
                        (used, "received all the submissions")]:
        page = client.get(f"/contribute/{token}")
        assert page.status_code == 410 and says in page.get_data(as_text=True)
    assert client.get("/contribute/not-a-token").status_code == 404
    assert counts(bridge)[2] == 1


def test_too_many_submissions_from_one_client_answer_429(client, auth, bridge):
    token = token_of(invite(client, auth)["url"])
    for _ in range(3):
        assert send(client, token).status_code == 201
    r = send(client, token)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"
    assert "try again in an hour" in r.get_json()["message"]
    assert send(client, token, environ={"REMOTE_ADDR": "10.0.0.9"}).status_code == 201  # another phone
    assert counts(bridge)[2] == 4


def test_over_the_whole_body_limit_is_413_saying_the_limit(client, auth, bridge):
    token = token_of(invite(client, auth)["url"])
    files = [(f"p{i}.jpg", b"\xff\xd8\xff" + b"\0" * 190_000) for i in range(10)]
    r = send(client, token, files=files)
    assert r.status_code == 413
    assert "at most 195 KB per file and 6 files" in r.get_json()["errors"]["files"]
    assert counts(bridge) == (0, 0, 0)


def test_withdrawal_records_it_and_shows_editors(client, auth, bridge):
    token = token_of(invite(client, auth)["url"])
    receipt_url = send(client, token).get_json()["receipt_url"]
    csrf, _ = page_csrf(client, token)
    r = client.post(receipt_url.split("?")[0] + "/withdraw", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "You withdrew your consent" in client.get(receipt_url).get_data(as_text=True)
    (item,) = bridge.store.curation_items(states=["pending"])
    assert item["consent_state"] == "revoked"
    assert [d["actor"] for d in bridge.store.item_decisions(item["id"])] == ["contributor:Jana Berger"]
    assert "withdrew consent" in client.get(f"/curation/items/{item['id']}").get_data(as_text=True)


def test_trusted_invitation_with_banned_word_is_rejected_like_other_sources(client, auth, bridge):
    token = token_of(invite(client, auth, rules={"banned": ["casino"]})["url"])
    assert send(client, token, text="Best casino in town").status_code == 201
    (item,) = bridge.store.curation_items(states=["rejected"])
    assert item["state_reason"] == "banned word: casino"


def test_new_store_has_the_migration(make_bridge):
    assert make_bridge(clock=None).store.scalar("SELECT count(*) FROM invitations") == 0


def heic_photo() -> bytes:
    """An iPhone-style HEIC (written by pillow-heif's encoder)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.new("RGB", (48, 24), (0, 160, 0)).save(out, "HEIF")
    return out.getvalue()


#: real videos as phones send them (made by ffmpeg, with a title and location tag)
MP4, MOV, WEBM = real_video("mp4"), real_video("mov", 240, 160), real_video("webm", 176, 144)


def stored_files(bridge) -> list[str]:
    root = bridge.config.server.media_dir
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files]


def read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def test_heic_becomes_jpeg_and_videos_are_kept_by_their_content(client, auth, bridge):
    token = token_of(invite(client, auth)["url"])
    files = [("IMG_0002.HEIC", heic_photo()), ("clip.jpg", MP4), ("clip.mov", MOV), ("clip.webm", WEBM)]
    assert send(client, token, files=files).status_code == 201
    (item,) = bridge.store.curation_items(states=["pending"])
    media = bridge.store.item_media(item["id"])
    assert [(m["kind"], m["content_type"]) for m in media] == [
        ("image", "image/jpeg"), ("video", "video/mp4"), ("video", "video/quicktime"), ("video", "video/webm"),
        ("image", "image/jpeg"), ("image", "image/jpeg"), ("image", "image/jpeg")]  # the videos' posters
    with open(media[0]["path"], "rb") as fh:
        assert fh.read(3) == b"\xff\xd8\xff" and media[0]["width"] == 48
    assert len(read(media[1]["path"])) == len(MP4)  # metadata zeroed in place: same length, same offsets
    assert "<video" in client.get(f"/curation/items/{item['id']}").get_data(as_text=True)


def test_videos_get_a_poster_frame_and_lose_title_and_location(client, auth, bridge):
    """A real MP4 and WebM through the contribution page: each gets a poster frame of its
    own size (the item's image when published), and neither keeps the phone's tags."""
    token = token_of(invite(client, auth)["url"])
    r = send(client, token, files=[("VID_0001.mp4", MP4), ("VID_0002.webm", WEBM)])
    assert r.status_code == 201, r.get_json()
    (item,) = bridge.store.curation_items(states=["pending"])
    mp4, webm, mp4_poster, webm_poster = bridge.store.item_media(item["id"])
    assert (mp4_poster["url"], webm_poster["url"]) == (f"{mp4['url']}#poster", f"{webm['url']}#poster")
    for poster, size in ((mp4_poster, (320, 240)), (webm_poster, (176, 144))):
        exif, decoded, img = exif_of(read(poster["path"]))
        assert img.format == "JPEG" and decoded == size and (poster["width"], poster["height"]) == size
        assert dict(exif) == {} and poster["kind"] == "image" and poster["state"] == "stored"
    for row, container in ((mp4, "mp4"), (webm, "webm")):
        data = read(row["path"])
        assert b"Secret test title" not in data and b"+52.5200" not in data
        tags = video_tags(data, container)
        assert not {"title", "location", "LOCATION", "ENCODER", "DURATION"} & set(tags), tags
    assert video_tags(read(webm["path"]), "webm") == {}  # WebM: no tags at all
    removed = bridge.store.contribution_for_item(item["id"])["removed_metadata"]
    assert [f["file"] for f in removed] == ["VID_0001.mp4", "VID_0002.webm"]
    assert "tags (title, location, date, device)" in removed[1]["removed"][0]
    assert all("not_done" not in f for f in removed)
    social = bridge.curation.social_item(bridge.store.item_for_curation(item["id"]))
    assert [m.kind for m in social.media] == ["video", "video", "image", "image"]


@pytest.mark.parametrize("files", [
    [("cut.mp4", MP4[: len(MP4) // 3])],            # cut short: no frame decodes
    [("noise.webm", WEBM[:40] + bytes(range(256)) * 8)],  # a WebM header, then noise
    [("IMG_1.JPG", camera_jpeg()), ("fake.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x01" * 300)],
])
def test_a_corrupt_video_is_refused_and_nothing_is_stored(client, auth, bridge, files):
    token = token_of(invite(client, auth)["url"])
    r = send(client, token, files=files)
    assert r.status_code == 400
    message = r.get_json()["errors"]["files"]
    assert message.startswith(f"{files[-1][0]}: The video could not be read (")
    assert "Record or choose it again" in message
    assert counts(bridge) == (0, 0, 0) and stored_files(bridge) == []


# as on a server without Debian's ffmpeg
@pytest.mark.bridge_config({**RAW, "contributions": {**CONTRIBUTIONS, "ffmpeg": "/nonexistent/ffmpeg"}},
                           {"WP_PW": "x"})
def test_without_ffmpeg_videos_are_kept_and_editors_are_told_what_was_not_done(client, auth, bridge, caplog):
    token = token_of(invite(client, auth)["url"])
    assert send(client, token, files=[("VID_0002.webm", WEBM)]).status_code == 201
    (item,) = bridge.store.curation_items(states=["pending"])
    (webm,) = bridge.store.item_media(item["id"])  # no poster
    assert video_tags(read(webm["path"]), "webm") == {}  # stripping does not need ffmpeg
    (removed,) = bridge.store.contribution_for_item(item["id"])["removed_metadata"]
    assert removed["not_done"] == [NO_FFMPEG] and "ffmpeg is not installed" in NO_FFMPEG
    assert "Not done:</strong> no poster frame" in client.get(f"/curation/items/{item['id']}").get_data(as_text=True)
    assert any("ffmpeg is not installed" in rec.getMessage() for rec in caplog.records)


def box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def test_a_phone_video_loses_its_location_box_and_keeps_its_size():
    from bridge.uploads import clean

    location = box(b"\xa9xyz", b"\x00\x12\x15\xc7+52.5200+013.4050/")
    moov = box(b"moov", box(b"mvhd", b"\x00" * 100) + box(b"udta", location)
               + box(b"trak", box(b"tkhd", b"\x00" * 84) + box(b"meta", b"\x00" * 12)))
    video = box(b"ftyp", b"qt  \x00\x00\x02\x00qt  ") + moov + box(b"mdat", b"\x00" * 256)
    kept = clean(video, max_bytes=10_000, max_pixels=10_000)
    assert kept.kind == "video" and kept.content_type == "video/quicktime"
    assert len(kept.data) == len(video) and b"udta" not in kept.data and b"meta" not in kept.data
    assert b"+52.5200" not in kept.data and b"xyz" not in kept.data
    assert kept.removed == ["video metadata (location, device, dates)"]
    assert kept.data.endswith(box(b"mdat", b"\x00" * 256))


def test_editor_pages_create_show_the_link_once_and_revoke(client, auth, bridge):
    auth.login()
    bad = client.post("/invitations", data={"csrf_token": auth.csrf, "name": "Team"})
    assert bad.status_code == 400 and "targets" in bad.get_data(as_text=True)
    page = client.post("/invitations", data={"csrf_token": auth.csrf, "name": "Finish line", "targets": ["corp"],
                                             "max_submissions": "20"}).get_data(as_text=True)
    link = re.search(r'id="invitation-url" readonly size="80" value="([^"]+)"', page).group(1)
    (inv,) = bridge.store.list_invitations()
    assert inv["max_submissions"] == 20 and link.startswith("https://bridge.example/contribute/")
    again = client.get(f"/invitations/{inv['id']}").get_data(as_text=True)
    assert link not in again  # shown once
    assert "Finish line" in client.get("/invitations").get_data(as_text=True)
    client.post(f"/invitations/{inv['id']}/revoke", data={"csrf_token": auth.csrf})
    assert client.get(f"/contribute/{token_of(link)}").status_code == 410
    assert "revoked" in client.get(f"/invitations/{inv['id']}").get_data(as_text=True)


def test_withdrawing_a_duplicate_submission_is_recorded_too(client, auth, bridge):
    token = token_of(invite(client, auth)["url"])
    assert send(client, token).status_code == 201
    second = send(client, token).get_json()["receipt_url"]  # the same photo and text again
    dup = bridge.store.curation_items(states=["duplicate"])[0]
    csrf, _ = page_csrf(client, token)
    assert client.post(second.split("?")[0] + "/withdraw", data={"csrf_token": csrf}).status_code == 303
    assert bridge.store.item_for_curation(dup["id"])["consent_state"] == "revoked"
    assert "You withdrew your consent" in client.get(second).get_data(as_text=True)


def test_a_submission_needs_a_page_this_server_rendered_for_this_invitation(client, auth, bridge):
    first, second = invite(client, auth), invite(client, auth)
    before = counts(bridge)
    missing = send(client, token_of(first["url"]), page_token="")
    assert missing.status_code == 403 and missing.get_json()["error"] == "stale_page"
    forged = send(client, token_of(first["url"]), page_token="eyJpIjoxfQ.forged.signature")
    assert forged.status_code == 403
    other = page_fields(client, token_of(second["url"]))["page_token"]  # rendered for the other invitation
    crossed = send(client, token_of(first["url"]), page_token=other)
    assert crossed.status_code == 403
    page = send(client, token_of(first["url"]), page_token="", json=False)
    assert page.status_code == 403 and "Nothing was sent" in page.get_data(as_text=True)
    assert 'value="Nacelle goes up"' in page.get_data(as_text=True) or "Nacelle goes up" in page.get_data(as_text=True)
    assert counts(bridge) == before  # nothing stored for any of them
    assert send(client, token_of(first["url"])).status_code == 201
