"""Admin screens: users (add, limit, disable, reset), own password and tokens, sites."""
from __future__ import annotations

import re

from bridge import security
from tests.conftest import ADMIN_PASSWORD, EDITOR_PASSWORD, Auth, make_config


def flashed_password(html: str) -> str:
    return re.search(r"\(shown only now\): (\S+?)<", html).group(1)


def test_admin_adds_an_editor_limited_to_no_site_means_all(client, auth, bridge):
    auth.login()
    page = client.post("/users", data={"username": "erin", "role": "editor", "csrf_token": auth.csrf},
                       follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Added editor &#39;erin&#39;" in html
    password = flashed_password(html)
    user = bridge.store.get_user_by_name("erin")
    assert user["role"] == "editor" and user["sites"] is None
    assert security.verify_password(user["password_hash"], password)


def test_admin_disables_a_user_and_their_session_ends(app, client, auth, bridge):
    bridge.store.create_user("ed", security.hash_password(EDITOR_PASSWORD), "editor", None)
    other = app.test_client()
    Auth(other).login("ed", EDITOR_PASSWORD)
    assert other.get("/").status_code == 200
    auth.login()
    ed = bridge.store.get_user_by_name("ed")
    client.post(f"/users/{ed['id']}", data={"role": "editor", "disabled": "1", "csrf_token": auth.csrf})
    assert other.get("/").status_code == 302


def test_admin_cannot_demote_themselves(client, auth, bridge):
    auth.login()
    me = bridge.store.get_user_by_name("admin")
    page = client.post(f"/users/{me['id']}", data={"role": "editor", "csrf_token": auth.csrf}, follow_redirects=True)
    assert "cannot demote or disable yourself" in page.get_data(as_text=True)
    assert bridge.store.get_user(me["id"])["role"] == "admin"


def test_editors_cannot_open_the_users_page(app, bridge):
    bridge.store.create_user("ed", security.hash_password(EDITOR_PASSWORD), "editor", None)
    client = app.test_client()
    auth = Auth(client)
    auth.login("ed", EDITOR_PASSWORD)
    assert client.get("/users").status_code == 403
    assert client.post("/users", data={"username": "x", "csrf_token": auth.csrf}).status_code == 403
    assert "Users</a>" not in client.get("/").get_data(as_text=True)


def test_own_password_change_needs_the_current_one(client, auth, bridge):
    auth.login()
    wrong = client.post("/account/password", data={"current": "nope", "new": "new-password-789",
                                                    "confirm": "new-password-789", "csrf_token": auth.csrf},
                        follow_redirects=True)
    assert "current password is wrong" in wrong.get_data(as_text=True)
    client.post("/account/password", data={"current": ADMIN_PASSWORD, "new": "new-password-789",
                                            "confirm": "new-password-789", "csrf_token": auth.csrf})
    assert security.verify_password(bridge.store.get_user_by_name("admin")["password_hash"], "new-password-789")


def test_own_tokens_created_and_revoked_from_the_account_page(client, auth):
    auth.login()
    html = client.post("/account/tokens", data={"name": "cron", "csrf_token": auth.csrf},
                       follow_redirects=True).get_data(as_text=True)
    token = re.search(r"(cmsb_[\w-]+)", html).group(1)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    token_id = re.search(r"/account/tokens/(\d+)/revoke", html).group(1)
    client.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": auth.csrf})
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_sites_page_lists_configured_sites_and_sources(tmp_path, clock):
    from bridge.app import create_app
    from bridge.core import Bridge

    config = make_config(tmp_path, {"sources": [{"id": "photos", "kind": "webhook", "secret_env": "S"}]},
                         environ={"S": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
    bridge = Bridge(config, clock=clock)
    bridge.store.create_user("admin", security.hash_password(ADMIN_PASSWORD), "admin", None)
    client = create_app(bridge=bridge, testing=True).test_client()
    Auth(client).login()
    html = client.get("/sites").get_data(as_text=True)
    assert "No site is connected yet" in html and "photos" in html
    bridge.close()


def test_overview_counts_what_needs_someone(client, auth, bridge):
    with bridge.store.write() as db:
        for i, status in enumerate(["pending", "pending", "spam"]):
            db.execute("INSERT INTO comments (site_id, remote_id, status, remote_status, date_gmt, first_seen_at, "
                       "updated_at) VALUES ('corp', ?, ?, ?, '2026-11-27T10:00:00Z', 'x', 'x')",
                       [str(i), status, status])
    bridge.outbox.enqueue("teleport", key="k", payload={}, site_id=None)
    bridge.outbox.run_due()  # unknown kind: fails at once
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert re.search(r'<span class="n">2</span>\s*<span>comments waiting for moderation', html)
    assert re.search(r'tile-bad" href="/jobs">\s*<span class="n">1</span>', html)
