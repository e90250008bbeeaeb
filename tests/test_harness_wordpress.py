"""Tests of the real-WordPress test harness itself (tests/harness/wordpress).

They run against a real WordPress on loopback (fixtures ``wordpress``/``wp``);
no cms-bridge code is involved.
"""

from __future__ import annotations

import concurrent.futures
import xmlrpc.client

import pytest
import requests

from tests.harness.wordpress.site import WordPressSite


def total(response: requests.Response) -> int:
    assert response.status_code == 200, response.text[:500]
    return int(response.headers["X-WP-Total"])


def create_post(wp: WordPressSite, title: str) -> dict:
    r = wp.rest.post("posts", json={"title": title, "content": "<p>body</p>", "status": "publish"})
    assert r.status_code == 201, r.text[:500]
    return r.json()


def test_site_attributes(wordpress: WordPressSite):
    assert wordpress.url == f"http://127.0.0.1:{wordpress.port}"
    assert wordpress.rest_url == f"{wordpress.url}/wp-json/wp/v2"
    assert wordpress.xmlrpc_url == f"{wordpress.url}/xmlrpc.php"
    assert wordpress.dir.name == str(wordpress.port)
    assert (wordpress.dir / "site.env").is_file()
    assert len(wordpress.app_password.replace(" ", "")) == 24


def test_rest_create_post_with_app_password_and_read_back(wp: WordPressSite):
    created = create_post(wp, "Harness post")
    assert created["author"] == wp.admin_id

    r = requests.get(f"{wp.rest_url}/posts/{created['id']}", timeout=10)  # anonymous read
    assert r.status_code == 200
    post = r.json()
    assert post["title"]["rendered"] == "Harness post"
    assert post["status"] == "publish"
    assert post["comment_status"] == "open"
    assert post["link"] == f"{wp.url}/harness-post/"


def test_reset_removes_what_a_test_created(wp: WordPressSite):
    post_id = create_post(wp, "Short-lived")["id"]
    wp.set_flag("xmlrpc_off")

    wp.reset()

    assert wp.rest.get(f"posts/{post_id}").status_code == 404
    posts = wp.rest.get("posts", params={"status": "any", "context": "edit"}).json()
    assert [p["title"]["raw"] for p in posts] == ["Hello world!"]
    assert not (wp.dir / "flags" / "xmlrpc_off").exists()
    # The application password survives a reset.
    assert wp.rest.get("users/me").json()["slug"] == wp.admin_user


def test_seed_1000_mixed_comments_visible_through_rest(wp: WordPressSite):
    seeded = wp.seed_comments(1000)
    assert seeded["created"] == 1000
    post = seeded["post_id"]

    def count(status: str) -> int:
        return total(wp.rest.get("comments", params={"post": post, "status": status,
                                                      "per_page": 1, "context": "edit"}))

    # mix = 40% hold, 40% approve, 10% spam, 10% trash. REST "all" means
    # hold + approve; spam and trash are listed only on their own.
    assert count("hold") == 400
    assert count("approve") == 400
    assert count("all") == 800
    assert count("spam") == 100
    assert count("trash") == 100
    assert count("all") + count("spam") + count("trash") == 1000
    # Anonymous visitors see only the approved ones.
    anon = requests.get(f"{wp.rest_url}/comments", params={"post": post, "per_page": 1}, timeout=10)
    assert total(anon) == 400


def test_php_changes_comment_status_inside_wordpress(wp: WordPressSite):
    # A fresh site has WordPress's sample comment, id 1, approved.
    assert wp.rest.get("comments/1", params={"context": "edit"}).json()["status"] == "approved"

    out = wp.php("wp_set_comment_status(1, 'spam'); echo wp_get_comment_status(1);")

    assert out == "spam"
    assert wp.rest.get("comments/1", params={"context": "edit"}).json()["status"] == "spam"
    assert wp.php("return wp_delete_comment(1, true);") == "1"
    assert wp.rest.get("comments/1", params={"context": "edit"}).status_code == 404


def test_anonymous_rest_comment_is_accepted_and_held(wp: WordPressSite):
    r = requests.post(f"{wp.rest_url}/comments", timeout=10, json={
        "post": 1, "author_name": "Visitor", "author_email": "v@example.com", "content": "Hi"})
    assert r.status_code == 201, r.text[:500]
    assert r.json()["status"] == "hold"


def test_xmlrpc_off_flag_refuses_xmlrpc_but_rest_works(wp: WordPressSite):
    server = xmlrpc.client.ServerProxy(wp.xmlrpc_url)
    blogs = server.wp.getUsersBlogs(wp.admin_user, wp.app_password)
    assert blogs[0]["url"] == f"{wp.url}/"

    wp.set_flag("xmlrpc_off")

    # WordPress answers with the fault AND the fault code as HTTP status
    # (wp_xmlrpc_server::error() calls status_header() when disabled) ...
    body = xmlrpc.client.dumps((wp.admin_user, wp.app_password), "wp.getUsersBlogs")
    r = requests.post(wp.xmlrpc_url, data=body, headers={"Content-Type": "text/xml"}, timeout=10)
    assert r.status_code == 405
    with pytest.raises(xmlrpc.client.Fault) as fault:
        xmlrpc.client.loads(r.content)
    assert fault.value.faultCode == 405
    assert fault.value.faultString == "XML-RPC services are disabled on this site."
    # ... so Python's xmlrpc.client reports a ProtocolError, not a Fault.
    with pytest.raises(xmlrpc.client.ProtocolError) as protocol_error:
        server.wp.getUsersBlogs(wp.admin_user, wp.app_password)
    assert protocol_error.value.errcode == 405
    # REST is unaffected.
    assert wp.rest.get("users/me", params={"context": "edit"}).json()["username"] == wp.admin_user

    wp.set_flag("xmlrpc_off", on=False)
    assert server.wp.getUsersBlogs(wp.admin_user, wp.app_password)[0]["isAdmin"] is True


def test_strip_authorization_flag_makes_app_password_requests_anonymous(wp: WordPressSite):
    assert wp.rest.get("comments", params={"context": "edit"}).status_code == 200

    wp.set_flag("strip_authorization")

    r = wp.rest.get("comments", params={"context": "edit"})
    assert r.status_code == 401
    assert r.json()["code"] == "rest_forbidden_context"
    assert wp.rest.get("users/me").json()["code"] == "rest_not_logged_in"
    # The header really is sent; only the site drops it.
    assert r.request.headers["Authorization"].startswith("Basic ")

    wp.set_flag("strip_authorization", on=False)
    assert wp.rest.get("comments", params={"context": "edit"}).status_code == 200


def test_app_passwords_off_flag_rejects_app_password(wp: WordPressSite):
    wp.set_flag("app_passwords_off")
    r = wp.rest.get("users/me")
    assert r.status_code == 401
    assert r.json()["code"] == "rest_not_logged_in"


def test_unknown_flag_is_an_error(wp: WordPressSite):
    with pytest.raises(ValueError, match="unknown flag"):
        wp.set_flag("no_such_flag")


def test_stop_server_refuses_connections_and_start_server_brings_it_back(wp: WordPressSite):
    post_id = create_post(wp, "Survives a restart")["id"]

    wp.stop_server()

    assert wp.server_running() is False
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{wp.url}/wp-json/", timeout=5)

    wp.start_server()

    assert wp.server_running() is True
    assert wp.rest.get(f"posts/{post_id}").json()["title"]["rendered"] == "Survives a restart"


def test_two_sites_come_up_at_once_on_their_own_ports(wordpress: WordPressSite):
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        sites = list(pool.map(lambda _: WordPressSite.up(), range(2)))
    try:
        ports = {s.port for s in sites}
        assert len(ports) == 2 and wordpress.port not in ports
        for s in sites:
            assert s.rest.get("users/me").json()["slug"] == "admin"
            assert requests.get(f"{s.url}/__wp-harness/ping", timeout=5).text == str(s.dir)
    finally:
        for s in sites:
            s.down()
    assert not any(s.dir.exists() for s in sites)
    assert requests.get(f"{wordpress.url}/wp-json/", timeout=5).status_code == 200
