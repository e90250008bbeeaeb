"""The account page's notification settings, and the unsubscribe link of every message
(public: a message's reader may not be logged in; the signed token is the proof)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .access import bridge

bp = Blueprint("notifications", __name__)


def service():
    return bridge().notifications


@bp.app_context_processor
def _settings_for_account_page():
    """``notification_settings()`` for ``users/_notifications.html`` on the account page."""
    def notification_settings():
        return service().settings(g.user["id"]) if getattr(g, "user", None) else None
    return {"notification_settings": notification_settings,
            "smtp_configured": bool(bridge().config.notifications.smtp_host)}


@bp.post("/account/notifications")
def save():
    values, problems = service().parse(request.form)
    if problems:
        for problem in problems:
            flash(problem, "error")
        return redirect(url_for("users.account") + "#notifications")
    service().save(g.user["id"], values)
    flash(_("Notification settings saved."), "ok")
    return redirect(url_for("users.account") + "#notifications")


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    """GET asks, POST does: mail scanners that follow links must not unsubscribe anyone."""
    if request.method == "GET":
        if not service().check_token(token):
            abort(404, description=_("This unsubscribe link is not valid (it may have been cut off in the mail)."))
        return render_template("notifications/unsubscribe.html", token=token, done=False)
    user = service().unsubscribe(token)
    if user is None:
        abort(404, description=_("This unsubscribe link is not valid (it may have been cut off in the mail)."))
    return render_template("notifications/unsubscribe.html", token=token, done=True, username=user["username"])
