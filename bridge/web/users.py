"""Accounts for admins (add, role, site limits, disable, reset password), and each
user's own password and API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from .. import security
from . import humane
from .access import admin_required, bridge

bp = Blueprint("users", __name__)


def _site_ids() -> list[str]:
    return [s["id"] for s in bridge().config.sites]


def _chosen_sites(role: str) -> list[str] | None:
    """Editors may be limited to some sites; no box ticked means all sites."""
    chosen = [s for s in request.form.getlist("sites") if s in _site_ids()]
    return chosen if role == "editor" and chosen else None


@bp.get("/users")
@admin_required
def index():
    return render_template("users/index.html", users=bridge().store.list_users(), site_ids=_site_ids(),
                           roles=security.ROLES)


@bp.post("/users")
@admin_required
def add():
    store = bridge().store
    username = request.form.get("username", "").strip()
    role = request.form.get("role", "editor")
    if not username or not all(c.isalnum() or c in "-_.@" for c in username):
        flash("Username: use letters, digits and - _ . @ only.", "error")
    elif role not in security.ROLES:
        flash(f"Role {role!r} is not one of {', '.join(security.ROLES)}.", "error")
    elif store.get_user_by_name(username):
        flash(f"User {username!r} exists already.", "error")
    else:
        password = security.generate_password()
        store.create_user(username, security.hash_password(password), role, _chosen_sites(role))
        flash(f"Added {role} {username!r}. Their password (shown only now): {password}", "ok")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>")
@admin_required
def update(user_id: int):
    store = bridge().store
    user = store.get_user(user_id)
    if user is None:
        abort(404, description=f"No user {user_id}.")
    role = request.form.get("role", user["role"])
    if role not in security.ROLES:
        abort(400, description=f"Role {role!r} is not one of {', '.join(security.ROLES)}.")
    disabled = request.form.get("disabled") == "1"
    if user_id == g.user["id"] and (disabled or role != "admin"):
        flash("You cannot demote or disable yourself; ask another admin.", "error")
        return redirect(url_for("users.index"))
    store.update_user(user_id, role=role, sites=_chosen_sites(role), disabled=disabled)
    if request.form.get("reset_password") == "1":
        password = security.generate_password()
        store.set_password(user_id, security.hash_password(password))
        flash(f"New password for {user['username']!r} (shown only now): {password}", "ok")
    else:
        flash(f"Saved {user['username']!r}.", "ok")
    return redirect(url_for("users.index"))


@bp.get("/account")
def account():
    return render_template("users/account.html", tokens=bridge().store.list_tokens(g.user["id"]))


@bp.post("/account/password")
def change_password():
    store = bridge().store
    if not security.verify_password(g.user["password_hash"], request.form.get("current", "")):
        flash("The current password is wrong.", "error")
        return redirect(url_for("users.account"))
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        flash("The two new passwords differ.", "error")
        return redirect(url_for("users.account"))
    try:
        hashed = security.hash_password(new)
    except security.WeakPassword as exc:
        flash(f"New password: {exc}.", "error")
        return redirect(url_for("users.account"))
    store.set_password(g.user["id"], hashed)
    flash("Password changed; please log in again.", "ok")
    return redirect(url_for("auth.login"))


@bp.post("/account/time-zone")
def set_time_zone():
    name, error = humane.zone_or_error(request.form.get("time_zone", ""))
    if error:
        flash(error, "error")
    else:
        bridge().store.set_time_zone(g.user["id"], None if name == "UTC" else name)
        flash(f"Times are now shown in {name}.", "ok")
    return redirect(url_for("users.account"))


@bp.post("/account/tokens")
def create_token():
    token, prefix, hashed = security.new_api_token()
    bridge().store.create_token(g.user["id"], request.form.get("name", "").strip()[:100], prefix, hashed)
    flash(f"New API token (shown only now; send it as 'Authorization: Bearer …'): {token}", "ok")
    return redirect(url_for("users.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    mine = {t["id"] for t in bridge().store.list_tokens(g.user["id"])}
    if token_id not in mine or not bridge().store.revoke_token(token_id):
        flash(f"No active token {token_id} of yours.", "error")
    else:
        flash(f"Token {token_id} revoked.", "ok")
    return redirect(url_for("users.account"))
