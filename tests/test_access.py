"""Accounts and access: anonymous requests, CSRF, the login brake, API tokens."""
from __future__ import annotations

import re

from bridge import security
from tests.conftest import ADMIN_PASSWORD, csrf_from

PUBLIC = {"/healthz", "/login", "/api/v1/openapi.json", "/metrics",  # /metrics: loopback or token (test_metrics)
          # contributors: the invitation token in the URL is the credential (their POSTs still need CSRF)
          "/contribute/<token>", "/contribute/<token>/r/<receipt>",
          "/notifications/unsubscribe/<token>"}  # the signed token is the proof (test_notifications)


def concrete(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)


def test_every_route_but_the_public_ones_refuses_an_anonymous_request(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/webhooks/"):
            continue
        path = concrete(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            if rule.rule in PUBLIC and method == "GET":
                continue
            checked += 1
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, path)
                assert response.mimetype == "application/problem+json"
            elif method == "GET":
                assert response.status_code == 302, (method, path)
                assert "/login" in response.headers["Location"]
            else:
                # no session: refused before the view runs (login redirect or CSRF)
                assert response.status_code in (302, 403), (method, path, response.status_code)
    assert checked >= 5


def test_openapi_and_healthz_are_public(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert client.get("/api/v1/openapi.json").json["openapi"].startswith("3.")


def test_login_then_pages_work_and_logout_ends_the_session(client, auth):
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me").json["username"] == "admin"
    auth.logout()
    assert client.get("/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(client):
    page = client.get("/login")
    client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                "csrf_token": csrf_from(page.get_data(as_text=True))})
    cookie = client.get_cookie("cms_bridge_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # plain http in tests; https requests get Secure


def test_session_cookie_is_secure_over_https(client):
    page = client.get("/login", base_url="https://localhost")
    response = client.post("/login", base_url="https://localhost", data={
        "username": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert "Secure" in response.headers["Set-Cookie"]


def test_post_without_csrf_token_is_refused(client, auth):
    auth.login()
    assert client.post("/logout").status_code == 403
    assert client.post("/jobs/1/retry").status_code == 403
    api = client.post("/api/v1/jobs/1/retry")
    assert api.status_code == 403 and api.mimetype == "application/problem+json"
    assert "X-CSRF-Token" in api.json["detail"]
    ok = client.post("/api/v1/jobs/1/retry", headers={"X-CSRF-Token": auth.csrf})
    assert ok.status_code == 404  # passed CSRF; there is just no such job


def test_login_form_itself_needs_the_csrf_token(client):
    client.get("/login")
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 403


def test_five_wrong_passwords_in_a_row_slow_the_next_attempt(client, bridge, clock):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for _ in range(5):
        assert client.post("/login", data={"username": "admin", "password": "wrong-password",
                                           "csrf_token": token}).status_code == 401
    blocked = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) == 30
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    clock.advance(31)
    assert client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                       "csrf_token": token}).status_code == 302


def test_wait_doubles_with_further_failures(client, clock):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for _ in range(5):
        client.post("/login", data={"username": "admin", "password": "nope-nope-nope", "csrf_token": token})
    clock.advance(31)
    client.post("/login", data={"username": "admin", "password": "nope-nope-nope", "csrf_token": token})
    blocked = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) == 60


def test_token_works_and_a_revoked_token_stops_working(client, bridge):
    user = bridge.store.get_user_by_name("admin")
    token, prefix, hashed = security.new_api_token()
    token_id = bridge.store.create_token(user["id"], "script", prefix, hashed)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["username"] == "admin"
    # bearer calls carry no cookie, so they need no CSRF token
    assert client.post("/api/v1/jobs/99/retry", headers=headers).status_code == 404
    assert bridge.store.revoke_token(token_id)
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json["detail"]
    assert bridge.store.get_token_by_hash(hashed)["token_hash"] != token  # only the hash is stored


def test_password_change_ends_existing_sessions(client, auth, bridge):
    auth.login()
    assert client.get("/").status_code == 200
    user = bridge.store.get_user_by_name("admin")
    bridge.store.set_password(user["id"], security.hash_password("a-new-password-456"))
    assert client.get("/").status_code == 302


def test_passwords_are_stored_as_slow_hashes(bridge):
    user_id = bridge.store.create_user("x", security.hash_password("correct horse battery"), "editor", None)
    stored = bridge.store.get_user(user_id)["password_hash"]
    assert stored.startswith("scrypt:") and "correct horse" not in stored
