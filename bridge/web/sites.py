"""Connected sites and sources at a glance: health, last sync, what the account may do.

Sites and sources are declared in the config file (so they can be reviewed and
versioned like any other infrastructure); this screen shows their live state and
lets an admin re-run the connection check.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from adapters.base import AdapterError

from .. import rights
from .access import admin_required, allowed_sites, bridge, config_file_in_use
from .humane import plain_words
from .labels import label

bp = Blueprint("sites", __name__)


@bp.get("/sites")
def index():
    store = bridge().store
    visible = allowed_sites()
    configured = {s["id"] for s in bridge().config.sites}
    # what each configured site's adapter can do at all (its mode and reactions), beside what the
    # last check found the account may do
    managed = {row["id"]: row for row in bridge().site_admin.managed_rows()}
    sites = [dict(s, configured=s["id"] in configured, managed=managed.get(s["id"]),
                  features=sorted(f.value for f in bridge().adapter(s["id"]).features) if s["id"] in configured
                  else [])
             for s in store.list_sites() if visible is None or s["id"] in visible]
    return render_template("sites/index.html", sites=sites, config_path=config_file_in_use(),
                           sources=_sources(visible))


def _sources(visible: list[str] | None) -> list[dict]:
    """The sources this reader may see, each with where it comes from (managed ones,
    disabled too, for admins)."""
    known = set(rights.visible_sources(bridge().config.sources, visible))
    managed = {row["id"]: row for row in bridge().source_admin.managed_rows()}
    if visible is None:
        known |= set(managed)
    return [dict(s, managed=managed.get(s["id"])) for s in bridge().store.list_sources() if s["id"] in known]


@bp.post("/sites/<site_id>/check")
@admin_required
def check(site_id: str):
    if bridge().config.site(site_id) is None:
        abort(404, description=_("No configured site %(site)r.", site=site_id))
    try:
        report = bridge().adapter(site_id).check()
    except AdapterError as exc:
        flash(f"{site_id}: {plain_words(exc.describe())}", "error")
        return redirect(url_for("sites.index"))
    store = bridge().store
    store.record_site_check(site_id, transport=report.transport, version=report.version,
                            capabilities=report.capabilities)
    if report.ok:
        store.set_site_attention(site_id, None)
        flash(_("%(site)s: usable (%(kind)s %(version)s, %(transport)s).", site=site_id, kind=report.kind,
                version=report.version, transport=label(report.transport)), "ok")
    else:
        store.set_site_attention(site_id, "; ".join(report.problems))
        flash(f"{site_id}: " + "; ".join(map(plain_words, report.problems)), "error")  # said by base.html's |say
    return redirect(url_for("sites.index"))
