"""Login and logout, with a per-user and per-address brake on password guessing."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from .. import security
from .access import bridge, safe_next

bp = Blueprint("auth", __name__)


def _limits() -> tuple[int, int]:
    sec = bridge().config.security
    return sec.login_max_failures, sec.login_lockout_seconds


def _wait_seconds(keys: list[str]) -> int:
    """How long this login must wait: after N failures in a row (N = the limit),
    each further failure doubles the pause, capped at 15 minutes."""
    max_failures, base = _limits()
    now = bridge().clock()
    wait = 0.0
    for key in keys:
        row = bridge().store.login_failures(key)
        if row and row["failures"] >= max_failures:
            pause = min(900.0, base * 2 ** (row["failures"] - max_failures))
            wait = max(wait, row["last_failure_at"] + pause - now)
    return math.ceil(wait) if wait > 0 else 0


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.user is not None:
            return redirect(safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    keys = [f"user:{username.lower()}", f"ip:{request.remote_addr}"]
    wait = _wait_seconds(keys)
    if wait:
        return render_template(
            "login.html", next=request.form.get("next", ""), username=username,
            error=_("Too many failed attempts. Try again in %(n)s seconds.", n=wait)), 429, {"Retry-After": str(wait)}
    store = bridge().store
    user = store.get_user_by_name(username) if username else None
    ok = security.verify_password(user["password_hash"] if user else security.DUMMY_HASH, password)
    if not user or not ok or user["disabled"]:
        now = bridge().clock()
        for key in keys:
            store.record_login_failure(key, now)
        return render_template("login.html", next=request.form.get("next", ""), username=username,
                               error=_("Wrong username or password.")), 401
    for key in keys:
        store.clear_login_failures(key)
    switched = session.get("lang")  # the login page's language switch outlives the new session
    session.clear()
    if switched:
        session["lang"] = switched
    session.permanent = True
    session["user_id"] = user["id"]
    session["v"] = user["session_version"]
    session["csrf"] = security.new_csrf_token()
    store.touch_login(user["id"])
    current_app.logger.info("login: %s", user["username"])
    return redirect(safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
