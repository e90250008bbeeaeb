"""Feed and webhook sources from the web UI (admins): add, change, disable, remove.

Validated by the config file's own schema (bridge/source_admin.py); a feed is
fetched once on save and a failure is shown inline, not saved. A new webhook
source's signing secret is shown once, on the page that answers the save, with
what the sender must send. Sources from the config file are read-only here.
"""
from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..config import DEFAULT_MAX_LINKS
from ..managed import SiteInputError
from ..source_admin import RULE_LISTS, SOURCE_KINDS, form_from_source, source_from_form
from .access import admin_required, bridge, config_file_in_use

bp = Blueprint("source_admin", __name__)
KEPT_FIELDS = ("kind", "id", "name", "url", "network", "interval", "trusted", "require_consent", "targets",
               *(f"rules.{key}" for key in RULE_LISTS), "rules.max_links")
#: "rules.banned[2]: …" → "rules.banned": the form field a problem line is about
_PROBLEM_FIELD = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*)(?:\[\d+\])*: ")


def _service():
    return bridge().source_admin


def field_problems(problems: list[str]) -> dict[str, list[str]]:
    """The problem lines by the form field they name, shown beside it (all of them stay in the
    summary above the form too)."""
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        match = _PROBLEM_FIELD.match(problem)
        if match:
            by_field.setdefault(match.group(1), []).append(problem)
    return by_field


def _form(values: dict, problems: list[str] | None = None, status: int = 200, editing: str | None = None):
    values = {k: v for k, v in values.items() if k in KEPT_FIELDS}
    if values.get("kind") not in SOURCE_KINDS:
        values["kind"] = "feed"
    problems = problems or []
    return render_template("sources/form.html", values=values, problems=problems,
                           errors=field_problems(problems), kinds={k: _(v) for k, v in SOURCE_KINDS.items()},
                           sites=bridge().config.sites, editing=editing,
                           default_max_links=DEFAULT_MAX_LINKS), status


def _submitted() -> dict:
    return {**request.form.to_dict(), "targets": request.form.getlist("targets")}


@bp.get("/sources/new")
@admin_required
def new():
    return _form({"kind": request.args.get("kind", "feed"), "interval": 900, "rules.max_links": DEFAULT_MAX_LINKS})


@bp.post("/sources/new")
@admin_required
def create():
    return _save(_submitted())


def _managed_or_404(source_id: str) -> dict:
    row = _service().row(source_id)
    if row is None:
        if bridge().config.source(source_id) is not None:
            where = config_file_in_use() or _("the config file")
            abort(403, description=_("%(id)s comes from %(where)s; change it there.", id=source_id, where=where))
        abort(404, description=_("No source %(id)s was added in the UI.", id=repr(source_id)))
    return row


@bp.get("/sources/<source_id>/edit")
@admin_required
def edit(source_id: str):
    return _form(form_from_source(_managed_or_404(source_id)["raw"]), editing=source_id)


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
    flash(_saved(verdict.entry_id, verdict.entries, editing=bool(editing)), "ok")
    return redirect(url_for("sites.index"))


def _saved(source_id: str, entries: int | None, *, editing: bool) -> str:
    if entries is None:
        return _("%(id)s: changed.", id=source_id) if editing else _("%(id)s: added.", id=source_id)
    if editing:
        return ngettext("%(id)s: changed; the feed answered with %(num)d entry.",
                        "%(id)s: changed; the feed answered with %(num)d entries.", entries, id=source_id)
    return ngettext("%(id)s: added; the feed answered with %(num)d entry.",
                    "%(id)s: added; the feed answered with %(num)d entries.", entries, id=source_id)


@bp.post("/sources/<source_id>/<any(disable, enable, remove):action>")
@admin_required
def change(source_id: str, action: str):
    _managed_or_404(source_id)
    service, actor = _service(), g.user["username"]
    if action == "remove":
        service.remove(source_id, actor=actor)
        flash(_("%(id)s: removed; the items it brought in stay.", id=source_id), "ok")
    else:
        service.set_disabled(source_id, action == "disable", actor=actor)
        flash(_("%(id)s: disabled.", id=source_id) if action == "disable" else _("%(id)s: enabled.", id=source_id),
              "ok")
    return redirect(url_for("sites.index"))
