"""Who is asking, and may they: sessions, bearer tokens, CSRF, roles, per-site limits.

Every route needs a logged-in user unless it is listed as public here or lives in
the signed-webhook blueprint; state-changing requests made with the session
cookie need the CSRF token (forms: ``csrf_token`` field; JSON: ``X-CSRF-Token``
header). Bearer-token calls carry no cookie, so CSRF cannot reach them.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _

from .. import rights, security
from .problems import problem

PUBLIC_ENDPOINTS = {"healthz", "auth.login", "static", "api.openapi", "notifications.unsubscribe",
                    # the contributor pages: the invitation token in the URL is the credential
                    "contribute.form", "contribute.submit", "contribute.receipt", "contribute.withdraw"}
PUBLIC_BLUEPRINTS = {"webhooks", "metrics"}  # each authenticates on its own (signature; token/loopback)
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def bridge():
    return current_app.extensions["bridge"]


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/webhooks/")


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = security.new_csrf_token()
    return token


def load_user() -> None:
    """Identify the caller from a bearer token or the session cookie."""
    g.user = None
    g.auth = None
    store = bridge().store
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = store.get_token_by_hash(security.hash_token(header[7:].strip()))
        if token and not token["revoked_at"]:
            user = store.get_user(token["user_id"])
            if user and not user["disabled"]:
                g.user, g.auth = user, "token"
                store.touch_token(token["id"])
        if g.user is None:
            g.auth = "bad-token"
        return
    user_id = session.get("user_id")
    if user_id is not None:
        user = store.get_user(user_id)
        if user and not user["disabled"] and user["session_version"] == session.get("v"):
            g.user, g.auth = user, "session"
        else:
            session.clear()


def enforce_access():
    """before_request: authentication, then CSRF."""
    endpoint = request.endpoint or ""
    blueprint = request.blueprint or ""
    if blueprint in PUBLIC_BLUEPRINTS:
        return None
    load_user()
    if g.auth == "bad-token":
        return problem(401, "Invalid token", "The bearer token is unknown or revoked; create a new one with "
                       "`cms-bridge tokens create --user NAME`.", headers={"WWW-Authenticate": "Bearer"})
    if g.user is None and endpoint not in PUBLIC_ENDPOINTS:
        if wants_json():
            return problem(401, "Not authenticated", "Log in, or send `Authorization: Bearer <token>`.",
                           headers={"WWW-Authenticate": "Bearer"})
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if request.method not in SAFE_METHODS and g.auth != "token":
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
        if not security.same_token(sent, session.get("csrf")):
            if wants_json():  # the API stays English by design
                return problem(403, "CSRF token missing or wrong",
                               "Send the X-CSRF-Token header with the token from the page (or use a bearer token).")
            abort(403, description=_("The form was stale or not sent from this site. Reload the page and try again."))
    return None


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only same-site relative paths: never an open redirect. The one check for every
    redirect target that comes from a request (``next``, ``back``).

    Browsers drop tabs and newlines from URLs and read ``\\`` as ``/``, so
    ``/\\t/evil.example`` and ``/\\evil.example`` mean ``//evil.example``: any
    control character or backslash sends the user to ``default`` instead.
    """
    fallback = default or url_for("pages.home")
    if not target or any(ord(c) < 0x20 or c in "\x7f\\" for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def is_admin(user: dict | None = None) -> bool:
    user = user if user is not None else g.user
    return bool(user) and user["role"] == "admin"


def allowed_sites(user: dict | None = None) -> list[str] | None:
    """Site ids the user may see; None means all (admins, unrestricted editors)."""
    user = user if user is not None else g.user
    if user is None:
        return []
    return rights.visible_sites(user)


def may_see_site(site_id: str, user: dict | None = None) -> bool:
    sites = allowed_sites(user)
    return sites is None or site_id in sites


def admin_required(view: Callable[..., Any]):
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if not is_admin():
            if wants_json():
                return problem(403, "Admins only", "This needs the admin role.")
            abort(403, description=_("This page is for admins."))
        return view(*args, **kwargs)
    return wrapped


def config_file_in_use() -> str | None:
    """The absolute path of the config file this server reads (None: built-in
    defaults), so first-run pages can name the file a new admin must edit."""
    import os

    path = bridge().config.path
    return os.path.abspath(path) if path else None
