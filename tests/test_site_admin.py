"""Connecting a site from the web UI against the real WordPress of the harness:
WordPress's own "authorize application" flow clicked through in Chromium, the
connection check on save (a wrong password is shown inline and not saved), the
credential encrypted at rest, and a site added in the UI synced by a separate
`cms-bridge sync` process without a restart."""
from __future__ import annotations

import os
import re
import sqlite3
from urllib.parse import parse_qs, urlsplit

import pytest

from bridge.security import hash_password
from bridge.store import open_store
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD, make_config
from tests.serve_helpers import LiveServer

pytestmark = pytest.mark.wordpress


def _db_bytes(path) -> bytes:
    files = [f"{path}{suffix}" for suffix in ("", "-wal") if os.path.exists(f"{path}{suffix}")]
    return b"".join(open(name, "rb").read() for name in files)


def _server(tmp_path, toml: str = "", env: dict | None = None) -> LiveServer:
    """A live server with the admin of the tests (not started yet)."""
    server = LiveServer(tmp_path, toml, env=env)
    store = open_store(str(server.db))
    store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    store.close()
    return server


def test_authorize_in_wordpress_then_sync_the_new_site_without_a_restart(tmp_path, wp, browser_page):
    wp.seed_comments(5, status="approve")
    server = _server(tmp_path)
    server.start()
    page = browser_page
    handed_back = []
    page.on("request", lambda r: handed_back.append(r.url) if "/sites/new/wordpress/authorized" in r.url else None)
    try:
        login(page, server.url, next="/sites")
        page.click("text=Connect a site")
        page.fill("#site-id", "blog")
        page.fill("#site-name", "Harness blog")
        page.fill("#site-url", wp.url)
        page.click("text=Connect with WordPress")
        page.wait_for_url(re.compile(r".*/wp-login\.php.*"))  # wp-admin asks its own login first
        page.fill("#user_login", wp.admin_user)
        page.fill("#user_pass", wp.admin_password)
        page.click("#wp-submit")
        page.wait_for_url(re.compile(r".*authorize-application\.php.*"))
        assert "cms-bridge" in page.content()
        page.click("#approve")
        page.wait_for_url(f"{server.url}/sites")
        body = page.inner_text("body")
        page.screenshot(path=str(ARTIFACTS / "site-admin-connected.png"), full_page=True)
        assert "blog: connected and checked (wordpress" in body
        assert "added in the UI by admin" in body
    finally:
        server.stop()
    password = parse_qs(urlsplit(handed_back[-1]).query)["password"][0]
    assert len(password.replace(" ", "")) == 24  # WordPress's application password, handed back

    synced = server.cli("sync", "--no-sources")  # a separate process reads the site from the database
    assert synced.returncode == 0, synced.stdout + synced.stderr
    assert re.search(r"^blog: [56] new", synced.stdout, re.M), synced.stdout
    data = _db_bytes(server.db)
    assert password.encode() not in data and password.replace(" ", "").encode() not in data
    key_file = server.db.parent / "data_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    log = sqlite3.connect(server.db).execute("SELECT actor, action FROM moderation_log WHERE site_id = 'blog' "
                                             "AND action LIKE 'site-%'").fetchall()
    assert log == [("admin", "site-added")]


@pytest.fixture
def config(tmp_path, wp):
    return make_config(tmp_path, {"sites": [{"id": "filed", "kind": "wordpress", "url": wp.url,
                                              "username": wp.admin_user, "password_env": "WP_PASSWORD"}]},
                       {"WP_PASSWORD": wp.app_password})


def test_a_wrong_password_is_shown_inline_and_not_saved(client, auth, bridge, wp):
    auth.login()
    form = {"csrf_token": auth.csrf, "kind": "wordpress", "id": "blog", "url": wp.url, "username": wp.admin_user,
            "password": "abcd efgh ijkl mnop qrst uvwx"}
    wrong = client.post("/sites/new", data=form)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "Not saved" in html and "application password" in html.lower()
    assert "abcd efgh" not in html  # a secret is never echoed back
    assert bridge.store.managed_sites() == []

    right = client.post("/sites/new", data={**form, "password": wp.app_password})
    assert right.status_code == 302
    assert [row["id"] for row in bridge.store.managed_sites()] == ["blog"]
    assert {s["id"] for s in bridge.config.sites} == {"filed", "blog"}
    assert wp.app_password.replace(" ", "").encode() not in _db_bytes(bridge.store.path)
    assert bridge.adapter("blog").check().ok


def test_bad_input_names_the_field_and_file_sites_stay_read_only(client, auth, bridge, wp):
    auth.login()
    taken = client.post("/sites/new", data={"csrf_token": auth.csrf, "kind": "wordpress", "id": "filed",
                                            "url": wp.url, "username": "x", "password": "y"})
    assert taken.status_code == 422 and "is already a site from the config file" in taken.get_data(as_text=True)
    bad_url = client.post("/sites/new", data={"csrf_token": auth.csrf, "kind": "wordpress", "id": "b2",
                                              "url": "htp:/x", "username": "x", "password": "y"})
    assert bad_url.status_code == 422
    assert "url: &#39;htp:/x&#39; is not an http(s) URL" in bad_url.get_data(as_text=True)
    no_secret = client.post("/sites/new", data={"csrf_token": auth.csrf, "kind": "wordpress", "id": "b3",
                                                "url": wp.url, "username": "x", "password": ""})
    assert no_secret.status_code == 422 and "Application password: is missing" in no_secret.get_data(as_text=True)
    assert client.post("/sites/filed/remove", data={"csrf_token": auth.csrf}).status_code == 403
    assert client.post("/sites/nope/remove", data={"csrf_token": auth.csrf}).status_code == 404


def test_disable_and_remove_a_site_added_in_the_ui(client, auth, bridge, wp):
    auth.login()
    client.post("/sites/new", data={"csrf_token": auth.csrf, "kind": "wordpress", "id": "blog", "url": wp.url,
                                    "username": wp.admin_user, "password": wp.app_password})
    assert client.post("/sites/blog/disable", data={"csrf_token": auth.csrf}).status_code == 302
    assert "blog" not in {s["id"] for s in bridge.config.sites}
    assert [r.site_id for r in bridge.sync.run(sources=False).results] == ["filed"]
    assert "disabled" in client.get("/sites").get_data(as_text=True)
    client.post("/sites/blog/enable", data={"csrf_token": auth.csrf})
    assert "blog" in {s["id"] for s in bridge.config.sites}
    client.post("/sites/blog/remove", data={"csrf_token": auth.csrf})
    assert bridge.store.managed_sites() == [] and "blog" not in {s["id"] for s in bridge.config.sites}
    actions = [r["action"] for r in bridge.store.query(
        "SELECT action FROM moderation_log WHERE site_id = 'blog' ORDER BY id")]
    assert actions == ["site-added", "site-disabled", "site-enabled", "site-removed"]


def test_sites_add_and_remove_from_the_command_line(tmp_path, wp):
    from tests.test_backup import run_cli, write_config

    conf = write_config(tmp_path)
    run_cli(conf, "init")
    env = {"BLOG_PW": wp.app_password}
    wrong = run_cli(conf, "sites", "add", "--id", "blog", "--url", wp.url, "--username", wp.admin_user,
                    "--secret-env", "WRONG_PW", env={"WRONG_PW": "nope nope nope nope nope nope"}, check=False)
    assert wrong.returncode == 1 and "blog: not saved" in wrong.stdout and "NOT USABLE" in wrong.stdout
    added = run_cli(conf, "sites", "add", "--id", "blog", "--url", wp.url, "--username", wp.admin_user,
                    "--secret-env", "BLOG_PW", env=env)
    assert "blog: ok — wordpress" in added.stdout and "blog: saved" in added.stdout
    assert "blog\twordpress" in run_cli(conf, "sites", "list").stdout
    assert run_cli(conf, "sync", "--no-sources").stdout.startswith("blog: ")
    assert run_cli(conf, "sites", "remove", "blog").stdout.strip() == "blog: removed"
    gone = run_cli(conf, "sites", "remove", "blog", check=False)
    assert gone.returncode == 2 and "'blog' is not a site here" in gone.stderr


def test_editing_a_site_keeps_a_blank_secret_and_a_wrong_password_is_shown_inline_not_saved(client, auth, bridge,
                                                                                          wp):
    auth.login()
    client.post("/sites/new", data={"csrf_token": auth.csrf, "kind": "wordpress", "id": "blog", "url": wp.url,
                                    "username": wp.admin_user, "password": wp.app_password})
    sealed = bridge.store.managed_sites()[0]["sealed"]
    form = client.get("/sites/blog/edit").get_data(as_text=True)
    assert f'value="{wp.admin_user}"' in form and "leave blank to keep" in form
    assert wp.app_password not in form

    wrong = client.post("/sites/blog/edit", data={"csrf_token": auth.csrf, "url": wp.url, "name": "Renamed",
                                                  "username": wp.admin_user,
                                                  "password": "abcd efgh ijkl mnop qrst uvwx"})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and 'id="verdict"' in html and "Not saved" in html
    assert "application password" in html.lower() and "abcd efgh" not in html
    row = bridge.store.managed_sites()[0]
    assert row["sealed"] == sealed and row["raw"].get("name") == ""  # the working settings stay
    assert bridge.adapter("blog").check().ok

    kept = client.post("/sites/blog/edit", data={"csrf_token": auth.csrf, "url": wp.url, "name": "Renamed",
                                                 "username": wp.admin_user, "password": ""})
    assert kept.status_code == 302
    assert bridge.config.site("blog")["name"] == "Renamed" and bridge.adapter("blog").check().ok
    assert "blog: changed and checked" in client.get("/sites").get_data(as_text=True)
    assert client.get("/sites/filed/edit").status_code == 403
    assert client.get("/sites/nope/edit").status_code == 404
    actions = [r["action"] for r in bridge.store.query(
        "SELECT action FROM moderation_log WHERE site_id = 'blog' ORDER BY id")]
    assert actions == ["site-added", "site-updated"]
