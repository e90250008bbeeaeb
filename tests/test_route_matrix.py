"""Every route × role: anonymous, an editor limited to site corp ("editor of A"),
and an admin — each against objects that belong to site shop only (B).

The table below states the expected status of each (endpoint, method); the test
walks Flask's ``app.url_map``, so a new route without a row — or a row for a
route that is gone — fails here until someone decides who may call it. Objects
on B must be invisible to the editor of A (404) or refused (403); anonymous
callers are sent to the login page (pages) or get 401 (API); webhooks stand on
their signature alone.
"""
from __future__ import annotations

import hashlib
import os

import pytest

from adapters.base import RemoteError
from bridge.app import create_app
from bridge.security import hash_password, hash_token
from tests.conftest import EDITOR_PASSWORD, Auth
from tests.curation_helpers import CURATION, add_item
from tests.inbox_helpers import add_comment
from tests.localhttp import png_bytes
from tests.test_api_items import token_for

ANON, EDITOR, ADMIN = "anonymous", "editor_of_a", "admin"

# (endpoint, method): (path, body, {role: status}). Placeholders: {item} an approved item on shop only,
# {comment} a pending comment on shop, {job} a failed job of shop (API rows: {api_item}, {api_job} alike),
# {token} a spare API token of the admin, {user} the editor's user id, {sha} an image only the shop item uses.
# Page POSTs of a logged-in user carry the CSRF token; API calls of a logged-in user use a bearer token.
LOGIN = 302  # pages: anonymous → the login form
NOAUTH = 401  # API: anonymous → problem+json 401
ROUTES: dict[tuple[str, str], tuple[str, dict | None, dict[str, int]]] = {
    ("healthz", "GET"): ("/healthz", None, {ANON: 200, EDITOR: 200, ADMIN: 200}),
    ("static", "GET"): ("/static/app.css", None, {ANON: 200, EDITOR: 200, ADMIN: 200}),
    ("auth.login", "GET"): ("/login", None, {ANON: 200, EDITOR: 302, ADMIN: 302}),
    # anonymous without the form's CSRF token: 403; with it (logged-in clients), a wrong password: 401
    ("auth.login", "POST"): ("/login", {"username": "nobody", "password": "x"}, {ANON: 403, EDITOR: 401, ADMIN: 401}),
    ("api.openapi", "GET"): ("/api/v1/openapi.json", None, {ANON: 200, EDITOR: 200, ADMIN: 200}),
    ("webhooks.social", "POST"): ("/webhooks/social/team", {}, {ANON: 401, EDITOR: 401, ADMIN: 401}),
    # pages
    ("pages.home", "GET"): ("/", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("pages.jobs", "GET"): ("/jobs", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("pages.retry_job", "POST"): ("/jobs/{job}/retry", {}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.queue", "GET"): ("/curation", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("curation.item", "GET"): ("/curation/items/{item}", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 200}),
    ("curation.media", "GET"): ("/media/{sha}", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 200}),
    ("curation.approve", "POST"): ("/curation/items/{item}/approve", {"sites": "shop"},
                                   {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.edit", "POST"): ("/curation/items/{item}/edit", {"title": "t"}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.reject", "POST"): ("/curation/items/{item}/reject", {"reason": "r"},
                                  {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.retract", "POST"): ("/curation/items/{item}/retract", {}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.consent", "POST"): ("/curation/items/{item}/consent", {"state": "revoked"},
                                   {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.retry", "POST"): ("/curation/items/{item}/publications/shop/retry", {},
                                 {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("curation.bulk", "POST"): ("/curation/bulk", {"action": "reject", "ids": "{item}", "reason": "r"},
                                {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("inbox.index", "GET"): ("/inbox", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("inbox.detail", "GET"): ("/inbox/{comment}", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 200}),
    ("inbox.row_fragment", "GET"): ("/inbox/{comment}/row", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 200}),
    # the commenter k-ann has comments on shop only: the editor of corp is told of none
    ("inbox.commenter", "GET"): ("/inbox/commenter?key=k-ann", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 200}),
    ("inbox.reply", "POST"): ("/inbox/{comment}/reply", {"text": "hi"}, {ANON: LOGIN, EDITOR: 404, ADMIN: 302}),
    ("inbox.act", "POST"): ("/inbox/act", {"action": "spam", "ids": "{comment}"}, {ANON: LOGIN, EDITOR: 302,
                                                                                   ADMIN: 302}),
    ("sites.index", "GET"): ("/sites", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("sites.check", "POST"): ("/sites/nowhere/check", {}, {ANON: LOGIN, EDITOR: 403, ADMIN: 404}),
    ("audit.index", "GET"): ("/audit", None, {ANON: LOGIN, EDITOR: 403, ADMIN: 200}),
    ("users.index", "GET"): ("/users", None, {ANON: LOGIN, EDITOR: 403, ADMIN: 200}),
    ("users.add", "POST"): ("/users", {"username": "new", "role": "editor"}, {ANON: LOGIN, EDITOR: 403, ADMIN: 302}),
    ("users.update", "POST"): ("/users/{user}", {"role": "editor", "sites": "corp"},
                               {ANON: LOGIN, EDITOR: 403, ADMIN: 302}),
    ("users.account", "GET"): ("/account", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("users.change_password", "POST"): ("/account/password", {"current": "wrong"},
                                        {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("users.create_token", "POST"): ("/account/tokens", {"name": "t"}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("users.revoke_token", "POST"): ("/account/tokens/{token}/revoke", {}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    # API (its own item and job, so the pages above did not change their state first)
    ("api.me", "GET"): ("/api/v1/me", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.list_items", "GET"): ("/api/v1/items", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.get_item", "GET"): ("/api/v1/items/{api_item}", None, {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.approve_item", "POST"): ("/api/v1/items/{api_item}/approve", {"sites": ["shop"]},
                                   {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.reject_item", "POST"): ("/api/v1/items/{api_item}/reject", {"reason": "r"},
                                  {ANON: NOAUTH, EDITOR: 404, ADMIN: 409}),
    ("api.retract_item", "POST"): ("/api/v1/items/{api_item}/retract", {}, {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.item_consent", "POST"): ("/api/v1/items/{api_item}/consent", {"state": "revoked"},
                                   {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.retry_publication", "POST"): ("/api/v1/items/{api_item}/publications/shop/retry", {},
                                        {ANON: NOAUTH, EDITOR: 404, ADMIN: 409}),
    ("api.bulk_approve", "POST"): ("/api/v1/items/approve", {"ids": ["{api_item}"], "sites": ["shop"]},
                                   {ANON: NOAUTH, EDITOR: 403, ADMIN: 200}),
    ("api.bulk_reject", "POST"): ("/api/v1/items/reject", {"ids": ["{api_item}"], "reason": "r"},
                                  {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.list_comments", "GET"): ("/api/v1/comments", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.get_comment", "GET"): ("/api/v1/comments/{comment}", None, {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.comment_action", "POST"): ("/api/v1/comments/{comment}/actions", {"action": "spam"},
                                     {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.comment_reply", "POST"): ("/api/v1/comments/{comment}/replies", {"text": "hi"},
                                    {ANON: NOAUTH, EDITOR: 404, ADMIN: 202}),
    ("api.bulk_action", "POST"): ("/api/v1/comments/actions", {"action": "spam", "ids": ["{comment}"]},
                                  {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    ("api.list_jobs", "GET"): ("/api/v1/jobs", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.retry_job", "POST"): ("/api/v1/jobs/{api_job}/retry", {}, {ANON: NOAUTH, EDITOR: 404, ADMIN: 200}),
    # added with stories, contributors, insights, site admin, the inbox's undo, metrics, the WordPress plugin;
    # objects of those areas that do not exist (999) must answer 404, never 500, and never to the wrong role
    ("users.set_time_zone", "POST"): ("/account/time-zone", {"time_zone": "Europe/Berlin"},
                                      {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("users.set_language", "POST"): ("/account/language", {"language": "de"},
                                     {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("api.insights", "GET"): ("/api/v1/insights", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.api_create_invitation", "POST"): ("/api/v1/invitations", {"name": "Team", "targets": ["shop"]},
                                            {ANON: NOAUTH, EDITOR: 403, ADMIN: 201}),
    ("api.api_list_invitations", "GET"): ("/api/v1/invitations", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.api_get_invitation", "GET"): ("/api/v1/invitations/999", None, {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("api.api_revoke_invitation", "POST"): ("/api/v1/invitations/999/revoke", {},
                                            {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("api.list_stories", "GET"): ("/api/v1/stories", None, {ANON: NOAUTH, EDITOR: 200, ADMIN: 200}),
    ("api.create_story", "POST"): ("/api/v1/stories", {"title": "Fair", "sites": ["shop"]},
                                   {ANON: NOAUTH, EDITOR: 403, ADMIN: 201}),
    ("api.get_story", "GET"): ("/api/v1/stories/999", None, {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("api.update_story", "PATCH"): ("/api/v1/stories/999", {"title": "x"}, {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("api.add_story_items", "POST"): ("/api/v1/stories/999/items", {"items": ["{api_item}"]},
                                      {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("api.remove_story_item", "DELETE"): ("/api/v1/stories/999/items/{api_item}", None,
                                          {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("api.retract_story", "POST"): ("/api/v1/stories/999/retract", {}, {ANON: NOAUTH, EDITOR: 404, ADMIN: 404}),
    ("contribute.form", "GET"): ("/contribute/no-such-token", None, {ANON: 404, EDITOR: 404, ADMIN: 404}),
    # anonymous posts without the page's CSRF token: 403 before the token is even looked up
    ("contribute.submit", "POST"): ("/contribute/no-such-token", {}, {ANON: 403, EDITOR: 404, ADMIN: 404}),
    ("contribute.receipt", "GET"): ("/contribute/no-such-token/r/x", None, {ANON: 404, EDITOR: 404, ADMIN: 404}),
    ("contribute.withdraw", "POST"): ("/contribute/no-such-token/r/x/withdraw", {},
                                      {ANON: 403, EDITOR: 404, ADMIN: 404}),
    ("inbox.undo", "POST"): ("/inbox/undo", {}, {ANON: LOGIN, EDITOR: 400, ADMIN: 400}),  # no decision named
    ("insights.index", "GET"): ("/insights", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("insights.figure_csv", "GET"): ("/insights/no-such-figure.csv", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 404}),
    ("invitations.index", "GET"): ("/invitations", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("invitations.create_from_form", "POST"): ("/invitations", {"name": "Team", "targets": "shop"},
                                               {ANON: LOGIN, EDITOR: 403, ADMIN: 200}),
    ("invitations.detail", "GET"): ("/invitations/999", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 404}),
    # page forms refuse with a flash message and a redirect, as curation's do
    ("invitations.revoke", "POST"): ("/invitations/999/revoke", {}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("metrics.metrics", "GET"): ("/metrics", None, {ANON: 200, EDITOR: 200, ADMIN: 200}),  # loopback, no token set
    ("site_admin.new", "GET"): ("/sites/new", None, {ANON: LOGIN, EDITOR: 403, ADMIN: 200}),
    ("site_admin.create", "POST"): ("/sites/new", {"kind": "wordpress", "id": "x", "url": "htp:/x"},
                                    {ANON: LOGIN, EDITOR: 403, ADMIN: 422}),
    ("site_admin.authorize", "POST"): ("/sites/new/wordpress/authorize", {"url": "nowhere"},
                                       {ANON: LOGIN, EDITOR: 403, ADMIN: 422}),
    ("site_admin.authorized", "GET"): ("/sites/new/wordpress/authorized", None,
                                       {ANON: LOGIN, EDITOR: 403, ADMIN: 400}),
    # shop comes from the config file: read-only in the UI
    ("site_admin.disable", "POST"): ("/sites/shop/disable", {}, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("site_admin.enable", "POST"): ("/sites/shop/enable", {}, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("site_admin.remove", "POST"): ("/sites/shop/remove", {}, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("site_admin.edit", "GET"): ("/sites/shop/edit", None, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("site_admin.update", "POST"): ("/sites/shop/edit", {"name": "x"}, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("source_admin.new", "GET"): ("/sources/new", None, {ANON: LOGIN, EDITOR: 403, ADMIN: 200}),
    ("source_admin.create", "POST"): ("/sources/new", {"kind": "feed", "id": "x", "url": "htp:/x"},
                                      {ANON: LOGIN, EDITOR: 403, ADMIN: 422}),
    # team comes from the config file: read-only in the UI; an unknown source is 404
    ("source_admin.edit", "GET"): ("/sources/team/edit", None, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("source_admin.update", "POST"): ("/sources/team/edit", {"name": "x"}, {ANON: LOGIN, EDITOR: 403, ADMIN: 403}),
    ("source_admin.change", "POST"): ("/sources/nowhere/remove", {}, {ANON: LOGIN, EDITOR: 403, ADMIN: 404}),
    ("stories.index", "GET"): ("/stories", None, {ANON: LOGIN, EDITOR: 200, ADMIN: 200}),
    ("stories.create", "POST"): ("/stories", {"title": "Fair", "sites": "shop"},
                                 {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("stories.editor", "GET"): ("/stories/999", None, {ANON: LOGIN, EDITOR: 404, ADMIN: 404}),
    ("stories.add", "POST"): ("/stories/999/add", {"items": "{item}"}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("stories.details", "POST"): ("/stories/999/details", {"title": "x"}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("stories.entry", "POST"): ("/stories/999/entry", {"item": "{item}"}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("stories.move", "POST"): ("/stories/999/move", {"item": "{item}", "to": "up"},
                               {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("stories.remove", "POST"): ("/stories/999/remove", {"item": "{item}"}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("stories.retract", "POST"): ("/stories/999/retract", {}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    ("webhooks.wordpress", "POST"): ("/webhooks/wordpress/shop", {}, {ANON: 404, EDITOR: 404, ADMIN: 404}),
    ("notifications.save", "POST"): ("/account/notifications", {"digest": "daily"},
                                     {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
    # public: the signed token is the credential, and a forged one is unknown
    ("notifications.unsubscribe", "GET"): ("/notifications/unsubscribe/forged", None,
                                           {ANON: 404, EDITOR: 404, ADMIN: 404}),
    ("notifications.unsubscribe", "POST"): ("/notifications/unsubscribe/forged", {},
                                            {ANON: 403, EDITOR: 404, ADMIN: 404}),
    ("auth.logout", "POST"): ("/logout", {}, {ANON: LOGIN, EDITOR: 302, ADMIN: 302}),
}


pytestmark = pytest.mark.bridge_config(*CURATION)


def app_rules(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row_and_every_row_a_route(app):
    rules = app_rules(app)
    assert sorted(rules - set(ROUTES)) == [], "new routes: add a row saying who may call them"
    assert sorted(set(ROUTES) - rules) == [], "rows for routes that no longer exist"


def fill(value, names: dict):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in names:
            return names[value[1:-1]]  # an id stays an integer in JSON
        return value.format(**names)
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return value


@pytest.fixture
def objects(app, bridge):
    """Everything on site shop (B) only; the editor eva may act on corp (A) only."""
    store = bridge.store
    eva = store.create_user("eva", hash_password(EDITOR_PASSWORD), "editor", ["corp"])
    data = png_bytes(5, 5)
    sha = hashlib.sha256(data).hexdigest()
    media_dir = bridge.config.server.media_dir
    path = os.path.join(media_dir, sha[:2], sha[2:4], f"{sha}.png")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    item = add_item(store, source_id="staff", media=[{"state": "stored", "sha256": sha, "path": path,
                                                      "content_type": "image/png"}])
    api_item = add_item(store, source_id="staff")
    for one in (item, api_item):
        bridge.curation.approve(one, ["shop"], actor="admin", allowed=None)
    comment = add_comment(store, site="shop")
    def refused(job):
        raise RemoteError("the site said no")

    bridge.outbox.register("matrix", refused)
    jobs = [bridge.outbox.enqueue("matrix", key=key, payload={}, site_id="shop")["id"]
            for key in ("matrix-job", "matrix-api-job")]
    bridge.outbox.run_due(kinds=["matrix"])
    assert [store.get_job(j)["state"] for j in jobs] == ["failed", "failed"]
    admin = store.get_user_by_name("admin")
    headers = {EDITOR: token_for(store, "eva"), ADMIN: token_for(store, "admin")}
    token = store.create_token(admin["id"], "to revoke", "tok-spar", hash_token("tok-spare-0123456789abcdef"))
    return {"item": item, "comment": comment, "job": jobs[0], "api_job": jobs[1], "api_item": api_item,
            "token": token, "user": eva, "sha": sha}, headers


def snapshot(store, names: dict) -> tuple:
    """What the editor of A must not be able to change on B."""
    items = [store.item_for_curation(names[k]) for k in ("item", "api_item")]
    return ([(i["state"], i["consent_state"], i["revision"], i["edited_title"]) for i in items],
            store.get_comment(names["comment"])["status"],
            [(j["id"], j["state"]) for j in store.list_jobs(limit=1000)],
            store.list_tokens(store.get_user_by_name("admin")["id"])[-1]["revoked_at"],
            store.query("SELECT count(*) AS n FROM stories")[0]["n"],
            store.query("SELECT count(*) AS n FROM invitations")[0]["n"])


@pytest.mark.parametrize("role", [ANON, EDITOR, ADMIN])
def test_each_route_answers_each_role_as_the_table_says(bridge, objects, role):
    names, tokens = objects
    app = create_app(bridge=bridge, testing=True)
    client = app.test_client()
    auth = Auth(client)
    if role != ANON:
        auth.login("eva", EDITOR_PASSWORD) if role == EDITOR else auth.login()
    before = snapshot(bridge.store, names)
    wrong = []
    for (endpoint, method), (path, body, expected) in ROUTES.items():
        url = path.format(**names)
        body = fill(body, names)
        kwargs = {}
        if url.startswith("/api/") and role != ANON:
            kwargs["headers"] = tokens[role]
            kwargs["json"] = body
        elif url.startswith(("/api/", "/webhooks/")):
            kwargs["json"] = body
        elif method == "POST":
            kwargs["data"] = {k: str(v) for k, v in (body or {}).items()}
            if role != ANON:
                kwargs["data"]["csrf_token"] = auth.csrf
        response = client.open(url, method=method, **kwargs)
        if response.status_code != expected[role]:
            wrong.append(f"{method} {url} ({endpoint}): {response.status_code}, expected {expected[role]}")
        if response.status_code >= 500:
            wrong.append(f"{method} {url}: a server error")
        if response.status_code == LOGIN and role == ANON and not url.startswith("/login"):
            assert "/login" in response.headers["Location"], url
    assert wrong == [], "\n".join(wrong)
    if role == EDITOR:  # every refusal above left shop's objects exactly as they were
        assert snapshot(bridge.store, names) == before
    if role == ADMIN:  # and the same calls by an admin did change them
        assert snapshot(bridge.store, names) != before
