"""Accounts for admins (add, role, site limits, disable, reset password), and each
user's own password and API tokens."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from .. import security
from ..translations import LANGUAGE_NAMES, LANGUAGES
from . import humane
from .access import admin_required, bridge
from .i18n import say

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
        flash(_("Username: use letters, digits and - _ . @ only."), "error")
    elif role not in security.ROLES:
        flash(_("Role %(role)r is not one of %(roles)s.", role=role, roles=", ".join(security.ROLES)), "error")
    elif store.get_user_by_name(username):
        flash(_("User %(name)r exists already.", name=username), "error")
    else:
        password = security.generate_password()
        store.create_user(username, security.hash_password(password), role, _chosen_sites(role))
        flash(_("Added %(role)s %(name)r. Their password (shown only now): %(password)s",
                role=role, name=username, password=password), "ok")
    return redirect(url_for("users.index"))


@bp.post("/users/<int:user_id>")
@admin_required
def update(user_id: int):
    store = bridge().store
    user = store.get_user(user_id)
    if user is None:
        abort(404, description=_("No user %(id)s.", id=user_id))
    role = request.form.get("role", user["role"])
    if role not in security.ROLES:
        abort(400, description=_("Role %(role)r is not one of %(roles)s.", role=role, roles=", ".join(security.ROLES)))
    disabled = request.form.get("disabled") == "1"
    if user_id == g.user["id"] and (disabled or role != "admin"):
        flash(_("You cannot demote or disable yourself; ask another admin."), "error")
        return redirect(url_for("users.index"))
    store.update_user(user_id, role=role, sites=_chosen_sites(role), disabled=disabled)
    if request.form.get("reset_password") == "1":
        password = security.generate_password()
        store.set_password(user_id, security.hash_password(password))
        flash(_("New password for %(name)r (shown only now): %(password)s", name=user["username"],
                password=password), "ok")
    else:
        flash(_("Saved %(name)r.", name=user["username"]), "ok")
    return redirect(url_for("users.index"))


@bp.get("/account")
def account():
    return render_template("users/account.html", tokens=bridge().store.list_tokens(g.user["id"]))


@bp.post("/account/password")
def change_password():
    store = bridge().store
    if not security.verify_password(g.user["password_hash"], request.form.get("current", "")):
        flash(_("The current password is wrong."), "error")
        return redirect(url_for("users.account"))
    new = request.form.get("new", "")
    if new != request.form.get("confirm", ""):
        flash(_("The two new passwords differ."), "error")
        return redirect(url_for("users.account"))
    try:
        hashed = security.hash_password(new)
    except security.WeakPassword as exc:
        flash(_("New password: %(problem)s.", problem=say(exc.args[0])), "error")
        return redirect(url_for("users.account"))
    store.set_password(g.user["id"], hashed)
    flash(_("Password changed; please log in again."), "ok")
    return redirect(url_for("auth.login"))


@bp.post("/account/time-zone")
def set_time_zone():
    name, error = humane.zone_or_error(request.form.get("time_zone", ""))
    if error:
        flash(error, "error")
    else:
        bridge().store.set_time_zone(g.user["id"], None if name == "UTC" else name)
        flash(_("Times are now shown in %(zone)s.", zone=name), "ok")
    return redirect(url_for("users.account"))


@bp.post("/account/language")
def set_language():
    """The interface language of this user; empty = follow the browser."""
    chosen = request.form.get("language", "")
    if chosen and chosen not in LANGUAGES:
        flash(_("Language %(value)r is not one this interface speaks; choose one of %(choices)s.",
                value=chosen, choices=", ".join(LANGUAGES)), "error")
        return redirect(url_for("users.account"))
    bridge().store.set_language(g.user["id"], chosen or None)
    g.user = dict(g.user, language=chosen or None)
    refresh()  # the confirmation below is already in the new language
    if chosen:
        flash(_("The interface is now in %(language)s.", language=LANGUAGE_NAMES[chosen]), "ok")
    else:
        flash(_("The interface now follows your browser's language."), "ok")
    return redirect(url_for("users.account"))


@bp.post("/account/tokens")
def create_token():
    token, prefix, hashed = security.new_api_token()
    bridge().store.create_token(g.user["id"], request.form.get("name", "").strip()[:100], prefix, hashed)
    flash(_("New API token (shown only now; send it as 'Authorization: Bearer …'): %(token)s", token=token), "ok")
    return redirect(url_for("users.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int):
    mine = {t["id"] for t in bridge().store.list_tokens(g.user["id"])}
    if token_id not in mine or not bridge().store.revoke_token(token_id):
        flash(_("No active token %(id)s of yours.", id=token_id), "error")
    else:
        flash(_("Token %(id)s revoked.", id=token_id), "ok")
    return redirect(url_for("users.account"))
