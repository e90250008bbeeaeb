"""Publishing into the real harness WordPress as real hosts behave: PHP warnings around
the JSON, a BOM, a 503 between upload and post, a connection dropped after the site
acted, two installations publishing into one site. Faults come from the real
WordPress (its own EXIF warning with display_errors on) or from tests/faultproxy.py
in front of it — never from mocks."""
from __future__ import annotations

import hashlib

import pytest

from adapters.base import AdapterError, RemoteError
from adapters.types import Media, RemoteRef, SocialItem, SyncCursor
from bridge.clock import FakeClock
from bridge.core import Bridge
from tests.conftest import make_config
from tests.curation_helpers import add_item, jobs_of
from tests.faultproxy import FaultProxy
from tests.wp_bridge_helpers import TRANSPORTS, camera_jpeg, make_adapter, site_config

pytestmark = pytest.mark.wordpress

WARNING = b"Undefined array key 1"


def photo_item(tmp_path, key="inst0-7", title="Finish line"):
    return SocialItem(id=key.rsplit("-", 1)[-1], key=key, title=title, html="<p>At the line.</p>",
                      text="At the line.", url="https://social.example/@cy/7", author_name="Cy",
                      media=[Media(url="https://social.example/7.jpg", alt="Riders at the finish",
                                   content_type="image/jpeg", local_path=camera_jpeg(tmp_path))])


def our_posts(wp) -> list[dict]:
    posts = wp.rest.get("posts", params={"status": "any", "context": "edit", "per_page": 100}).json()
    return [p for p in posts if p["title"]["raw"] != "Hello world!"]


def attachments(wp) -> list[dict]:
    return wp.rest.get("media", params={"per_page": 100, "context": "edit"}).json()


def upload_marker(transport: str) -> dict:
    """Rule arguments matching the image upload of a transport."""
    return {"method": "POST", "path": "/wp/v2/media"} if transport == "rest" else \
        {"method": "POST", "path": "/xmlrpc.php", "body": b"wp.uploadFile"}


def post_create(transport: str) -> dict:
    return {"method": "POST", "path": "/wp/v2/posts"} if transport == "rest" else \
        {"method": "POST", "path": "/xmlrpc.php", "body": b"wp.newPost"}


def proxied(wp, proxy, transport):
    adapter = make_adapter(wp, transport)
    adapter.base_url = proxy.url
    return adapter


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_camera_jpeg_with_php_warnings_in_the_answer_publishes_once(wp, tmp_path, transport):
    """The real WordPress prints its EXIF warning into the upload's answer (display_errors
    on, as on shared hosts); the post appears with one attachment, the first time."""
    wp.set_flag("display_errors")
    with FaultProxy(wp.url) as proxy:  # no rules: it only records what the site answered
        ref = proxied(wp, proxy, transport).publish(photo_item(tmp_path), None)
        (upload,) = [s for s in proxy.seen if s.method == "POST" and upload_marker(transport).get("body", b"")
                     in s.body and upload_marker(transport)["path"] in s.path]
    assert upload.status in (200, 201)
    assert WARNING in upload.answer and b"image.php" in upload.answer  # WordPress's own warning, in the body
    (post,) = our_posts(wp)
    assert str(post["id"]) == ref.remote_id and post["featured_media"] == int(ref.media_id)
    (media,) = attachments(wp)
    assert media["id"] == int(ref.media_id) and media["media_details"]["image_meta"]["camera"] == \
        "Canon EOS 5D Mark IV"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_503_between_upload_and_post_leaves_one_attachment_and_one_post(wp, tmp_path, transport):
    wp.set_flag("display_errors")
    item = photo_item(tmp_path)
    with FaultProxy(wp.url) as proxy:
        proxy.add(status_before=503, **post_create(transport))
        adapter = proxied(wp, proxy, transport)
        with pytest.raises(AdapterError) as failed:
            adapter.publish(item, None)
        assert failed.value.retriable, failed.value
        assert len(attachments(wp)) == 1 and our_posts(wp) == []
        ref = proxied(wp, proxy, transport).publish(item, None)  # the retry (a new process: no state)
        assert proxy.count(**upload_marker(transport)) == 1  # found by its content hash, not uploaded again
    (post,) = our_posts(wp)
    (media,) = attachments(wp)
    assert post["featured_media"] == media["id"] == int(ref.media_id)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_connection_dropped_after_the_upload_is_retried_and_finds_it(wp, tmp_path, transport):
    item = photo_item(tmp_path)
    with FaultProxy(wp.url) as proxy:
        proxy.add(drop_after=True, **upload_marker(transport))
        with pytest.raises(AdapterError) as failed:
            proxied(wp, proxy, transport).publish(item, None)
        assert failed.value.retriable and "may have acted" in failed.value.describe()
        ref = proxied(wp, proxy, transport).publish(item, None)
    assert [m["id"] for m in attachments(wp)] == [int(ref.media_id)]
    assert len(our_posts(wp)) == 1


def test_rest_upload_decided_by_status_and_headers_when_the_body_is_unreadable(wp, tmp_path):
    """201 with Location/X-WP-Upload-Attachment-ID is an upload that happened, whatever the body."""
    with FaultProxy(wp.url) as proxy:
        proxy.add(replace_body=b"<br />\n<b>Fatal error</b>: Allowed memory size exhausted", **upload_marker("rest"))
        ref = proxied(wp, proxy, "rest").publish(photo_item(tmp_path), None)
    assert [m["id"] for m in attachments(wp)] == [int(ref.media_id)]
    assert our_posts(wp)[0]["featured_media"] == int(ref.media_id)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bom_and_notices_around_every_answer_are_read(wp, tmp_path, transport):
    noise = b"\xef\xbb\xbf<br />\n<b>Notice</b>: Function is_home [was called incorrectly] in x.php<br />\n"
    with FaultProxy(wp.url) as proxy:
        proxy.add(prefix=noise, times=10_000)
        adapter = proxied(wp, proxy, transport)
        ref = adapter.publish(photo_item(tmp_path), None)
        comments, _ = adapter.fetch_comments(SyncCursor(), 100)
    assert [c.remote_id for c in comments] == ["1"]  # the install's sample comment
    assert our_posts(wp)[0]["id"] == int(ref.remote_id)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_write_answered_without_any_document_is_retriable_not_a_wrong_site(wp, tmp_path, transport):
    with FaultProxy(wp.url) as proxy:
        proxy.add(replace_body=b"<html>upstream sent garbage</html>", **post_create(transport))
        with pytest.raises(AdapterError) as failed:
            proxied(wp, proxy, transport).publish(photo_item(tmp_path), None)
        assert failed.value.retriable and "WordPress site?" not in failed.value.describe()
        proxied(wp, proxy, transport).publish(photo_item(tmp_path), None)
    assert len(our_posts(wp)) == 1 and len(attachments(wp)) == 1


def test_a_read_without_any_json_is_still_not_a_wordpress_site(wp):
    with FaultProxy(wp.url) as proxy:
        proxy.add(method="GET", path="/wp/v2/comments", replace_body=b"<html>Parked domain</html>")
        adapter = proxied(wp, proxy, "rest")
        with pytest.raises(RemoteError, match="WordPress site"):
            adapter.fetch_comments(SyncCursor(), 10)


# -- two installations ---------------------------------------------------------------
def installation(tmp_path, wp, name: str) -> Bridge:
    config = make_config(tmp_path / name, {"sites": [site_config(wp, "rest")]}, {"WP_PASSWORD": wp.app_password})
    return Bridge(config)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_two_installations_publish_item_1_into_one_site_without_touching_each_other(wp, tmp_path, transport):
    """Both have an item 1; the key (installation id + item id, as curation builds it) keeps them apart."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = installation(tmp_path, wp, "a"), installation(tmp_path, wp, "b")
    assert a.store.installation_id() != b.store.installation_id()
    item_a = SocialItem(id="1", key=f"{a.store.installation_id()}-1", title="From A", html="<p>A</p>", text="A",
                        url="https://a.example/1")
    item_b = SocialItem(id="1", key=f"{b.store.installation_id()}-1", title="From B", html="<p>B</p>", text="B",
                        url="https://b.example/1")
    ref_a = make_adapter(wp, transport).publish(item_a, None)
    ref_b = make_adapter(wp, transport).publish(item_b, None)  # B has no mapping: it searches by its own key
    assert ref_a.remote_id != ref_b.remote_id
    # B restored from a backup of A's database: its mapping points at A's post. A's post
    # carries A's marker, so B leaves it alone and updates its own.
    again = make_adapter(wp, transport).publish(
        SocialItem(**{**item_b.__dict__, "title": "From B, edited"}), RemoteRef(remote_id=ref_a.remote_id))
    assert again.remote_id == ref_b.remote_id
    titles = {str(p["id"]): p["title"]["raw"] for p in our_posts(wp)}
    assert titles == {ref_a.remote_id: "From A", ref_b.remote_id: "From B, edited"}
    for bridge in (a, b):
        bridge.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_post_carrying_another_installations_marker_is_never_touched(wp, transport):
    other = "0123456789abcdef0123456789abcdef-5"
    foreign = wp.rest.post("posts", json={"title": "Someone else's", "status": "publish",
                                          "content": f"<p>theirs</p>\n<!-- [cms-bridge-item:{other}] -->"}).json()
    before = wp.rest.get(f"posts/{foreign['id']}", params={"context": "edit"}).json()
    ours = SocialItem(id="5", key="fedcba9876543210fedcba9876543210-5", title="Ours", html="<p>ours</p>",
                      text="ours", url="https://ours.example/5")
    ref = make_adapter(wp, transport).publish(ours, RemoteRef(remote_id=str(foreign["id"])))
    assert ref.remote_id != str(foreign["id"])
    after = wp.rest.get(f"posts/{foreign['id']}", params={"context": "edit"}).json()
    assert (after["title"], after["content"]["raw"], after["modified_gmt"]) == \
        (before["title"], before["content"]["raw"], before["modified_gmt"])


# -- through the outbox: retried, never failed with a wrong hint, found again -----------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_publish_job_retries_after_a_503_from_post_creation_and_ends_with_one_post(wp, tmp_path, transport):
    photo = camera_jpeg(tmp_path)
    sha = hashlib.sha256(open(photo, "rb").read()).hexdigest()
    wp.set_flag("display_errors")
    with FaultProxy(wp.url) as proxy:
        proxy.add(status_before=503, **post_create(transport))
        site = {**site_config(wp, transport), "url": proxy.url}
        config = make_config(tmp_path, {"sites": [site], "outbox": {"max_attempts": 3, "base_delay": 10.0},
                                        "sources": [{"id": "team", "kind": "webhook", "secret_env": "HOOK",
                                                     "targets": ["wp"]}]},
                             {"WP_PASSWORD": wp.app_password, "HOOK": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
        clock = FakeClock()
        bridge = Bridge(config, clock=clock)
        try:
            item_id = add_item(bridge.store, title="Finish line", media=[{
                "path": photo, "sha256": sha, "content_type": "image/jpeg", "alt": "Riders"}])
            bridge.curation.approve(item_id, ["wp"], actor="eva", allowed=None)
            first = bridge.outbox.run_due()
            assert (first.done, first.retried, first.failed) == (0, 1, 0), first.errors
            (job,) = [j for j in jobs_of(bridge.store, item_id) if j["kind"] == "publish"]
            assert job["state"] != "failed" and "503" in job["last_error"]
            assert "WordPress site?" not in job["last_error"]
            clock.advance(3600)
            assert bridge.outbox.run_due().done == 1
        finally:
            bridge.close()
        assert proxy.count(**upload_marker(transport)) == 1
    (post,) = our_posts(wp)
    (media,) = attachments(wp)
    assert post["featured_media"] == media["id"]
