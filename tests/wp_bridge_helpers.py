"""Helpers shared by the WordPress adapter, sync and CLI tests: a bridge wired to
the harness's real WordPress, and ways to seed and read comments there."""
from __future__ import annotations

import io

from PIL import Image

from adapters.wordpress import WordPressAdapter
from bridge.core import Bridge
from tests.conftest import make_config

TRANSPORTS = ["rest", "xmlrpc"]


def site_config(wp, transport: str = "auto", **extra) -> dict:
    return {"id": "wp", "kind": "wordpress", "url": wp.url, "name": "Harness blog", "username": wp.admin_user,
            "password_env": "WP_PASSWORD", "transport": transport, "timeout": 10.0, **extra}


def make_adapter(wp, transport: str = "auto", password: str | None = None, **extra) -> WordPressAdapter:
    site = site_config(wp, transport, **extra)
    site.pop("password_env")
    return WordPressAdapter(site, {"password": wp.app_password if password is None else password})


def wp_config(tmp_path, wp, transport: str = "auto", *, environ: dict | None = None, raw: dict | None = None,
              **extra):
    """A Config with the harness's WordPress as site ``wp`` (and ``raw``'s other tables)."""
    raw = {"outbox": {"base_delay": 10.0, "max_attempts": 5}, **(raw or {}),
           "sites": [site_config(wp, transport, **extra)]}
    return make_config(tmp_path, raw, {"WP_PASSWORD": wp.app_password, **(environ or {})})


def wp_bridge(tmp_path, wp, clock, transport: str = "auto", **options) -> Bridge:
    """A Bridge on ``wp_config`` that the caller closes (tests: the ``make_bridge`` fixture closes it)."""
    return Bridge(wp_config(tmp_path, wp, transport, **options), clock=clock)


def image_file(tmp_path, name="photo.png", color=(200, 30, 30)) -> str:
    path = tmp_path / name
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return str(path)


def add_replies_and_pingback(wp, post_id: int, parent_ids: list[int]) -> dict:
    """Replies to ``parent_ids`` and one pingback, written inside WordPress."""
    code = "$out = [];\n"
    for i, parent in enumerate(parent_ids):
        code += (f"$out[] = wp_insert_comment(['comment_post_ID' => {post_id}, 'comment_parent' => {parent}, "
                 f"'comment_author' => 'Replier {i}', 'comment_author_email' => 'r{i}@example.com', "
                 f"'comment_content' => 'Reply {i}', 'comment_approved' => 1]);\n")
    code += (f"$ping = wp_insert_comment(['comment_post_ID' => {post_id}, 'comment_type' => 'pingback', "
             "'comment_author' => 'Other blog', 'comment_author_url' => 'https://other.example/post', "
             "'comment_content' => 'Mentioned here', 'comment_approved' => 0]);\n"
             "echo json_encode(['replies' => $out, 'pingback' => $ping]);")
    import json

    return json.loads(wp.php(code))


def rest_comment(wp, comment_id) -> dict | None:
    r = wp.rest.get(f"comments/{comment_id}", params={"context": "edit"})
    return r.json() if r.status_code == 200 else None


def drain(bridge) -> None:
    """Run the outbox until nothing is due (media download, then publishing)."""
    for _ in range(10):
        stats = bridge.outbox.run_due()
        assert stats.failed == 0 and stats.retried == 0, stats.errors
        if stats.done == 0:
            return
    raise AssertionError("the outbox kept finding work")


def sync_wp(bridge):
    """Sync the harness site "wp" and insist that it worked."""
    result = bridge.sync.sync_site("wp")
    assert result.ok, result.error
    return result


def local_comment(bridge, remote_id):
    """The inbox's row of a WordPress comment."""
    return bridge.store.get_comment_by_remote("wp", str(remote_id))


def camera_jpeg(tmp_path, name="IMG_0042.JPG", color=(40, 90, 160)) -> str:
    """A JPEG shaped like a camera's: Make/Model/DateTime in IFD0, and in the Exif IFD
    a DateTimeDigitized with a date but no time ("2023:05:01", as some Canon firmware
    and editing apps write it). WordPress 6.1's ``wp_exif_date2ts`` splits it on a
    space and reads key 1: ``Warning: Undefined array key 1 in
    wp-admin/includes/image.php on line 711`` during every upload of it."""
    from PIL import ExifTags

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "Canon EOS 5D Mark IV"
    exif[ExifTags.Base.DateTime] = "2023:05:01 10:42:07"
    ifd = exif.get_ifd(ExifTags.IFD.Exif)
    ifd[ExifTags.Base.DateTimeDigitized] = "2023:05:01"
    ifd[ExifTags.Base.ExposureTime] = (1, 250)
    ifd[ExifTags.Base.FNumber] = (56, 10)
    ifd[ExifTags.Base.ISOSpeedRatings] = 200
    path = tmp_path / name
    Image.new("RGB", (320, 240), color).save(path, "JPEG", exif=exif.tobytes(), quality=85)
    return str(path)
