"""Feed and webhook sources from the web UI (admins): add, change, disable, remove.

Validated by the config file's own schema (bridge/source_admin.py); a feed is
fetched once on save and a failure is shown inline, not saved. A new webhook
source's signing secret is shown once, on the page that answers the save, with
what the sender must send. Sources from the config file are read-only here.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from ..managed import SiteInputError
from ..source_admin import SOURCE_KINDS, source_from_form
from .access import admin_required, bridge, config_file_in_use

bp = Blueprint("source_admin", __name__)
KEPT_FIELDS = ("kind", "id", "name", "url", "network", "interval", "trusted", "require_consent", "targets")


def _service():
    return bridge().source_admin


def _form(values: dict, problems: list[str] | None = None, status: int = 200, editing: str | None = None):
    values = {k: v for k, v in values.items() if k in KEPT_FIELDS}
    if values.get("kind") not in SOURCE_KINDS:
        values["kind"] = "feed"
    return render_template("sources/form.html", values=values, problems=problems or [], kinds=SOURCE_KINDS,
                           sites=bridge().config.sites, editing=editing), status


def _submitted() -> dict:
    return {**request.form.to_dict(), "targets": request.form.getlist("targets")}


@bp.get("/sources/new")
@admin_required
def new():
    return _form({"kind": request.args.get("kind", "feed"), "interval": 900})


@bp.post("/sources/new")
@admin_required
def create():
    return _save(_submitted())


def _managed_or_404(source_id: str) -> dict:
    row = _service().row(source_id)
    if row is None:
        if bridge().config.source(source_id) is not None:
            where = config_file_in_use() or "the config file"
            abort(403, description=f"{source_id} comes from {where}; change it there.")
        abort(404, description=f"No source {source_id!r} was added in the UI.")
    return row


@bp.get("/sources/<source_id>/edit")
@admin_required
def edit(source_id: str):
    return _form(_managed_or_404(source_id)["raw"], editing=source_id)


@bp.post("/sources/<source_id>/edit")
@admin_required
def update(source_id: str):
    row = _managed_or_404(source_id)
    return _save({**_submitted(), "id": source_id, "kind": row["raw"]["kind"]}, editing=source_id)


def _save(form: dict, editing: str | None = None):
    try:
        keep = _service().stored_secrets(editing) if editing else None
        raw, secrets = source_from_form(form, keep)
        verdict = _service().add(raw, secrets, actor=g.user["username"], editing=bool(editing))
    except SiteInputError as exc:
        return _form(form, exc.problems, status=422, editing=editing)
    if not verdict.saved:
        return _form(form, verdict.problems, status=422, editing=editing)
    if raw["kind"] == "webhook" and verdict.note:  # a secret made now: shown this once
        base = bridge().config.server.public_url or request.host_url
        return render_template("sources/secret.html", source_id=verdict.entry_id, secret=verdict.note,
                               endpoint=base.rstrip("/") + url_for("webhooks.social", source_id=verdict.entry_id))
    flash(f"{verdict.entry_id}: {'changed' if editing else 'added'}"
          + (f"; {verdict.note}" if verdict.note else "") + ".", "ok")
    return redirect(url_for("sites.index"))


@bp.post("/sources/<source_id>/<any(disable, enable, remove):action>")
@admin_required
def change(source_id: str, action: str):
    _managed_or_404(source_id)
    service, actor = _service(), g.user["username"]
    if action == "remove":
        service.remove(source_id, actor=actor)
        flash(f"{source_id}: removed; the items it brought in stay.", "ok")
    else:
        service.set_disabled(source_id, action == "disable", actor=actor)
        flash(f"{source_id}: {action}d.", "ok")
    return redirect(url_for("sites.index"))
