"""The global audit log of moderation decisions (admins only), filterable by
user, site and action, newest first with keyset pagination on the log's id."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _

from .access import admin_required, bridge

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("")
@admin_required
def index():
    store = bridge().store
    filters = {key: (request.args.get(key) or "").strip() or None for key in ("user", "site", "action")}
    before = request.args.get("before")
    if before is not None and not before.isdigit():
        abort(400, description=_("before=%(value)r is not an entry number", value=before))
    rows, next_before = store.audit_page(actor=filters["user"], site=filters["site"], action=filters["action"],
                                         before=int(before) if before else None)
    args: dict[str, Any] = {k: v for k, v in filters.items() if v}
    return render_template("audit/index.html", rows=rows, filters=filters, facets=store.audit_facets(),
                           sites=store.list_sites(),
                           next_url=url_for("audit.index", **args, before=next_before) if next_before else None)
