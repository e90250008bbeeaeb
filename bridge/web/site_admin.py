"""Connecting sites from the web UI (admins): add, check on save, disable, remove;
and WordPress's own "authorize application" flow, so an admin approves the
connection in wp-admin and WordPress hands the application password back.

The flow (wp-admin/authorize-application.php, WordPress 5.6+): we send the admin
to ``<site>/wp-admin/authorize-application.php?app_name=…&app_id=…&success_url=…``;
after "Yes, I approve of this connection" WordPress redirects to ``success_url``
with ``site_url``, ``user_login`` and ``password``; a rejection goes to the same
URL with ``success=false``. WordPress refuses an ``http`` success URL unless the
site's environment type is ``local``, so in production cms-bridge must be on https
(``server.public_url``).
"""
from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..site_admin import KIND_FIELDS, KIND_TITLES, SiteInputError, form_from_table, table_from_form
from ..translations import N_
from .access import admin_required, bridge
from .labels import label

if TYPE_CHECKING:
    from adapters.types import ConnectionReport

bp = Blueprint("site_admin", __name__)

#: one app id for cms-bridge, so wp-admin lists every installation's password under one name
APP_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "https://cms-bridge.invalid/wordpress-app"))
#: what a form shown again keeps: never the secrets
KEPT_FIELDS = {"kind", "id", "name", "url", "transport"} | {
    key for fields in KIND_FIELDS.values() for key, _label, secret in fields if not secret}


#: requests that never use the site list (and /healthz must answer 503 itself when the
#: database is unreadable, not fail here first)
NO_REFRESH = {"static", "healthz", "metrics.metrics"}


@bp.before_app_request
def pick_up_site_changes():
    """Another worker (or ``cms-bridge sites add``) may have changed the sites."""
    if request.endpoint not in NO_REFRESH:
        bridge().refresh_sites()


def _service():
    return bridge().site_admin


def _actor() -> str:
    return g.user["username"]


def _form(values: dict | None = None, problems: list[str] | None = None, report: ConnectionReport | None = None,
          status: int = 200,
          editing: str | None = None):
    values = {k: v for k, v in (values or {}).items() if k in KEPT_FIELDS}
    values.setdefault("kind", request.args.get("kind", "wordpress"))
    if values["kind"] not in KIND_FIELDS:
        values["kind"] = "wordpress"
    return render_template("sites/new.html", values=values, problems=problems or [], report=report,
                           kinds=KIND_FIELDS, titles=KIND_TITLES, editing=editing), status


@bp.get("/sites/new")
@admin_required
def new():
    return _form()


@bp.post("/sites/new")
@admin_required
def create():
    return _save(request.form.to_dict())


def _save(form: dict, editing: str | None = None):
    """Check and save; on an edit the id is the site's and a blank secret keeps the stored one."""
    if editing:
        form = {**form, "id": editing}
    try:
        keep = _service().stored_secrets(editing) if editing else None
        raw, site_secrets = table_from_form(form, keep)
        verdict = _service().add(raw, site_secrets, actor=_actor(), editing=bool(editing))
    except SiteInputError as exc:
        return _form(form, exc.problems, status=422, editing=editing)
    if not verdict.saved:
        return _form(form, verdict.problems, verdict.report, status=422, editing=editing)
    report = verdict.report
    if editing:
        message = _("%(site)s: changed and checked (%(kind)s %(version)s, %(transport)s); the next sync pulls its "
                    "comments.", site=verdict.site_id, kind=report.kind, version=report.version,
                    transport=label(report.transport))
    else:
        message = _("%(site)s: connected and checked (%(kind)s %(version)s, %(transport)s); the next sync pulls "
                    "its comments.", site=verdict.site_id, kind=report.kind, version=report.version,
                    transport=label(report.transport))
    flash(message, "ok")
    return redirect(url_for("sites.index"))


@bp.post("/sites/new/wordpress/authorize")
@admin_required
def authorize():
    """Send the admin to the site's wp-admin to approve the connection."""
    form = request.form.to_dict()
    url = (form.get("url") or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _form(form, [_("url: %(url)r is not the address of a WordPress site (write it like "
                              "https://www.example.org)", url=url)], status=422)
    state = secrets.token_urlsafe(24)
    session["wp_authorize"] = {"state": state, "id": (form.get("id") or "").strip(),
                               "name": (form.get("name") or "").strip(), "url": url}
    back = url_for("site_admin.authorized", state=state, _external=True)
    public = bridge().config.server.public_url
    if public:
        back = public.rstrip("/") + url_for("site_admin.authorized", state=state)
    query = urlencode({"app_name": "cms-bridge", "app_id": APP_ID, "success_url": back})
    # A page with a link, not a redirect: the CSP's form-action 'self' rightly forbids a
    # form submission to end on another origin; a link (followed by site-admin.js) may.
    return render_template("sites/authorize.html", target=f"{url}/wp-admin/authorize-application.php?{query}",
                           host=parts.netloc)


@bp.get("/sites/new/wordpress/authorized")
@admin_required
def authorized():
    pending = session.pop("wp_authorize", None)
    if not pending or not secrets.compare_digest(pending["state"], request.args.get("state", "")):
        return _form({}, [_("The answer from WordPress does not belong to a connection started here (or it was "
                            "used already). Start again with “Connect with WordPress”.")], status=400)
    values = {"kind": "wordpress", "id": pending["id"], "name": pending["name"], "url": pending["url"]}
    if request.args.get("success") == "false":
        return _form(values, [_("The connection was rejected in WordPress. Approve it there, or enter an "
                                "application password below.")], status=200)
    password, user = request.args.get("password", ""), request.args.get("user_login", "")
    if not password or not user:
        return _form(values, [_("WordPress did not send an application password back. Enter one below.")],
                     status=422)
    return _save({**values, "username": user, "password": password})


def _managed_or_404(site_id: str) -> None:
    if not _service().is_managed(site_id):
        if bridge().config.site(site_id) is not None:
            abort(403, description=_("%(site)s comes from the config file; change it there.", site=site_id))
        abort(404, description=_("No site %(site)r was added in the UI.", site=site_id))


@bp.get("/sites/<site_id>/edit")
@admin_required
def edit(site_id: str):
    _managed_or_404(site_id)
    return _form(form_from_table(_service().row(site_id)["raw"]), editing=site_id)


@bp.post("/sites/<site_id>/edit")
@admin_required
def update(site_id: str):
    _managed_or_404(site_id)
    kind = form_from_table(_service().row(site_id)["raw"])["kind"]  # the kind is the site's, not the form's
    return _save({**request.form.to_dict(), "kind": kind}, editing=site_id)


def _change(site_id: str, call: Callable[..., Any], message: str):
    """``message``: a msgid with ``%(site)s``, said once the change is made."""
    _managed_or_404(site_id)
    call(site_id, actor=_actor())
    flash(_(message, site=site_id), "ok")
    return redirect(url_for("sites.index"))


@bp.post("/sites/<site_id>/disable")
@admin_required
def disable(site_id: str):
    return _change(site_id, lambda sid, actor: _service().set_disabled(sid, True, actor=actor),
                   N_("%(site)s: disabled; sync leaves it alone until it is enabled again."))


@bp.post("/sites/<site_id>/enable")
@admin_required
def enable(site_id: str):
    return _change(site_id, lambda sid, actor: _service().set_disabled(sid, False, actor=actor),
                   N_("%(site)s: enabled."))


@bp.post("/sites/<site_id>/remove")
@admin_required
def remove(site_id: str):
    return _change(site_id, lambda sid, actor: _service().remove(sid, actor=actor),
                   N_("%(site)s: removed; its comments and history stay readable."))
