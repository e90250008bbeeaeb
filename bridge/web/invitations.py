"""Editors' pages for invitations: create a contributor link, list, revoke, and see
what came in through each one with its consent evidence.

The link's token is shown once, on the page that answers the creation (only its
hash is stored), like an API token.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from ..curation import CurationError
from ..translations import N_
from .access import allowed_sites, bridge
from .bodies import Strict, messages_for

bp = Blueprint("invitations", __name__)


class RulesSchema(Strict):
    banned = fields.List(fields.String(), load_default=list,
                         error_messages=messages_for(N_('a list of words, e.g. ["spam"]')))
    suspect = fields.List(fields.String(), load_default=list, error_messages=messages_for(N_('a list of words')))


class InvitationSchema(Strict):
    """What an editor sends (API JSON, or the page's form turned into the same dict)."""

    name = fields.String(required=True, validate=validate.Length(
        min=1, max=200, error=N_("must be 1 to 200 characters: a name contributors recognise, e.g. "
                                 "\"Turbine assembly team\"")),
        error_messages=messages_for(N_("the invitation's name")))
    targets = fields.List(fields.String(), required=True, validate=validate.Length(
        min=1, error=N_('is empty: name at least one site id, e.g. ["corp"]')),
        error_messages=messages_for(N_('a list of site ids, e.g. ["corp"]')))
    expires_at = fields.AwareDateTime(load_default=None, allow_none=True, error_messages={
        **messages_for(N_("a date and time")),
        "invalid": N_("is not a date and time: use ISO 8601 with a time zone, e.g. 2030-01-31T18:00:00Z"),
        "invalid_awareness": N_("has no time zone: add one, e.g. 2030-01-31T18:00:00Z or +01:00")})
    max_submissions = fields.Integer(strict=True, load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=100_000, error=N_("must be a whole number from 1 to 100000 (or leave it out for no limit)")),
        error_messages=messages_for(N_("a whole number, e.g. 50")))
    consent_text = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        min=20, max=5000, error=N_("must be 20 to 5000 characters (or leave it out to use the standard text)")),
        error_messages=messages_for(N_("the consent wording as a string")))
    trusted = fields.Boolean(load_default=False, error_messages=messages_for(N_("true or false")))
    rules = fields.Nested(RulesSchema, load_default=dict)


def service():
    return bridge().contributions


def create(data: dict):
    """(invitation, url) for validated input; raises CurationError naming the field."""
    return service().create_invitation(
        name=data["name"], targets=data["targets"], expires_at=data["expires_at"],
        max_submissions=data["max_submissions"], consent_text=data["consent_text"], trusted=data["trusted"],
        rules=data["rules"], actor=g.user["username"], allowed=allowed_sites())


def _index(status: int = 200, **context: Any):
    allowed = allowed_sites()
    return render_template("invitations/index.html", invitations=service().invitations(allowed),
                           sites=[s for s in bridge().config.sites
                                  if allowed is None or s["id"] in allowed], **context), status


@bp.get("/invitations")
def index():
    return _index()


@bp.post("/invitations")
def create_from_form():
    form: dict[str, Any] = {"name": request.form.get("name", ""), "targets": request.form.getlist("targets"),
            "expires_at": request.form.get("expires_at") or None,
            "max_submissions": int(request.form["max_submissions"]) if request.form.get(
                "max_submissions", "").isdigit() else None,
            "consent_text": request.form.get("consent_text", "").strip() or None}
    if form["expires_at"] and len(form["expires_at"]) == 16:  # <input type=datetime-local> gives no zone
        form["expires_at"] += ":00Z"
    try:
        invitation, url = create(InvitationSchema().load(form))
    except ValidationError as exc:
        problems = [f"{k}: {'; '.join(v) if isinstance(v, list) else v}" for k, v in exc.normalized_messages().items()]
        return _index(400, problems=problems, form=form)
    except CurationError as exc:
        return _index(exc.status, problems=[f"{exc.field}: {exc.detail}"], form=form)
    return detail_page(invitation["id"], new_url=url)


def detail_page(invitation_id: int, **context: Any):
    try:
        invitation = service().invitation(invitation_id, allowed_sites())
    except CurationError as exc:
        abort(exc.status, description=exc.detail)
    return render_template("invitations/detail.html", invitation=invitation,
                           contributions=service().contributions(invitation_id), **context)


@bp.get("/invitations/<int:invitation_id>")
def detail(invitation_id: int):
    return detail_page(invitation_id)


@bp.post("/invitations/<int:invitation_id>/revoke")
def revoke(invitation_id: int):
    try:
        service().revoke(invitation_id, actor=g.user["username"], allowed=allowed_sites())
    except CurationError as exc:
        flash(exc.detail, "error")
    else:
        flash(_("Invitation %(id)s revoked: its link now answers that it no longer works.", id=invitation_id), "ok")
    return redirect(url_for("invitations.detail", invitation_id=invitation_id))
