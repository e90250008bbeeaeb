"""The curation queue: decide about social items and follow their publication per site.

Plain forms with CSRF tokens, so everything works without JavaScript. Every view
goes through the curation service with the user's site limits, so a restricted
editor sees only items meant for their sites and may publish only there.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapters.base import Feature

from .. import cursors, rights
from ..curation import CONSENT_STATES, CurationError
from .access import allowed_sites, bridge, safe_next

if TYPE_CHECKING:
    from ..curation import Outcome

bp = Blueprint("curation", __name__)

#: queue tabs: (key, label, item states shown)
TABS: tuple[tuple[str, object, tuple[str, ...]], ...] = (
    ("pending", _l("To decide"), ("pending", "flagged")),
    ("approved", _l("Approved"), ("approved",)),
    ("rejected", _l("Rejected"), ("rejected",)),
    ("duplicates", _l("Duplicates"), ("duplicate",)),
    ("retracted", _l("Retracted"), ("retracted",)),
    ("all", _l("All"), ()),
)
PAGE_SIZE = 50
#: content types a stored image may be served as; anything else is a download
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/avif"}


def service():
    return bridge().curation


def encode_cursor(item: dict) -> str:
    """The cursor of the page after ``item`` (the queue pages by arrival time, then id)."""
    return cursors.encode((item["received_at"], item["id"]))


decode_cursor = cursors.decode


def list_visible_items(*, states: Sequence[str], source_id: str | None = None, q: str | None = None,
                       cursor: str | None = None, limit: int = PAGE_SIZE):
    """One page of items the current user may see, and the cursor of the next page."""
    allowed = allowed_sites()
    after = decode_cursor(cursor)
    rows = bridge().store.curation_items(
        states=list(states) or None, source_id=source_id or None, q=q or None, visible_sites=allowed,
        visible_sources=service().sources_targeting(allowed) if allowed is not None else None,
        after=after, limit=limit + 1)
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def publishable_sites() -> list[dict]:
    """The sites the user may publish to, each with ``features`` (what its adapter can do), so the
    pages offer only what a site can do (e.g. no updates where a site only creates)."""
    allowed = allowed_sites()
    return [dict(s, features=sorted(f.value for f in service().site_features(s["id"])))
            for s in bridge().config.sites if allowed is None or s["id"] in allowed]


def flash_error(exc: CurationError) -> None:
    """The error's title in the reader's language; its detail is the service's own
    (English, as the API says it)."""
    flash(f"{_(exc.title)}: {exc.detail}", "error")


def _back(default: str) -> str:
    return safe_next(request.form.get("back"), default)


@bp.get("/curation")
def queue():
    tab = request.args.get("tab", "pending")
    states = next((t[2] for t in TABS if t[0] == tab), None)
    if states is None:
        abort(404, description=_("There is no queue tab %(tab)r.", tab=tab))
    try:
        items, next_cursor = list_visible_items(states=states, source_id=request.args.get("source"),
                                                q=request.args.get("q"), cursor=request.args.get("cursor"))
    except ValueError:
        abort(400, description=_("The page link is broken (bad cursor); start again from the first page."))
    ids = [i["id"] for i in items]
    store = bridge().store
    allowed = allowed_sites()
    publications = {k: [p for p in v if allowed is None or p["site_id"] in allowed]
                    for k, v in store.item_publications(ids).items()}
    return render_template(
        "curation/queue.html", items=items, tab=tab, tabs=TABS, next_cursor=next_cursor,
        media=store.media_for_items(ids), publications=publications, sites=publishable_sites(),
        defaults={i["id"]: service().default_sites(i) for i in items},
        consent={i["id"]: service().consent_status(i) for i in items},
        sources=rights.visible_sources(bridge().config.sources, allowed), q=request.args.get("q", ""),
        source=request.args.get("source", ""))


@bp.get("/curation/items/<int:item_id>")
def item(item_id: int):
    try:
        row = service().get(item_id, allowed_sites())
    except CurationError as exc:
        abort(exc.status, description=exc.detail)
    allowed = allowed_sites()
    return render_template(
        "curation/item.html", item=row, media=bridge().store.media_for_items([item_id])[item_id],
        cannot_update=service().sites_lacking(row, Feature.UPDATE),
        cannot_unpublish=service().sites_lacking(row, Feature.UNPUBLISH),
        publications=service().publications(item_id, allowed), history=service().history(item_id),
        sites=publishable_sites(), defaults=service().default_sites(row), consent=service().consent_status(row),
        consent_states=CONSENT_STATES, preview=service().social_item(row),
        contribution=bridge().contributions.for_item(item_id))


def _decide(item_id: int, action: Callable[[], Outcome], success: str):
    try:
        outcome = action()
    except CurationError as exc:
        flash_error(exc)
    else:
        note = " " + _("Publishing waits for the contributor's consent.") if outcome.waiting_for_consent else ""
        flash(success + note, "ok")
    return redirect(_back(url_for("curation.item", item_id=item_id)))


def _form_text(name: str) -> str | None:
    """A form field the editor may leave alone: absent → None (keep), present → its text."""
    return request.form.get(name) if name in request.form else None


@bp.post("/curation/items/<int:item_id>/approve")
def approve(item_id: int):
    sites = request.form.getlist("sites")
    return _decide(item_id, lambda: service().approve(
        item_id, sites, actor=g.user["username"], title=_form_text("title"), text=_form_text("text"),
        allowed=allowed_sites()),
        _("Item %(id)s approved for %(sites)s.", id=item_id, sites=", ".join(sites) or _("no site")))


@bp.post("/curation/items/<int:item_id>/edit")
def edit(item_id: int):
    return _decide(item_id, lambda: service().edit(
        item_id, actor=g.user["username"], title=_form_text("title"), text=_form_text("text"),
        allowed=allowed_sites()), _("Item %(id)s updated; the sites it is on get the change.", id=item_id))


@bp.post("/curation/items/<int:item_id>/reject")
def reject(item_id: int):
    return _decide(item_id, lambda: service().reject(
        item_id, request.form.get("reason", ""), actor=g.user["username"], allowed=allowed_sites()),
        _("Item %(id)s rejected.", id=item_id))


@bp.post("/curation/items/<int:item_id>/retract")
def retract(item_id: int):
    return _decide(item_id, lambda: service().retract(
        item_id, actor=g.user["username"], reason=request.form.get("reason", ""), allowed=allowed_sites()),
        _("Item %(id)s retracted; it is being taken down from every site.", id=item_id))


@bp.post("/curation/items/<int:item_id>/consent")
def consent(item_id: int):
    return _decide(item_id, lambda: service().set_consent(
        item_id, request.form.get("state", ""), actor=g.user["username"],
        evidence_url=request.form.get("evidence_url") or None, contributor=_form_text("contributor"),
        allowed=allowed_sites()), _("Consent of item %(id)s recorded.", id=item_id))


@bp.post("/curation/items/<int:item_id>/publications/<site_id>/retry")
def retry(item_id: int, site_id: str):
    return _decide(item_id, lambda: service().retry_publication(
        item_id, site_id, actor=g.user["username"], allowed=allowed_sites()),
        _("Publishing item %(id)s on %(site)s is queued again.", id=item_id, site=site_id))


@bp.post("/curation/bulk")
def bulk():
    action = request.form.get("action")
    try:
        ids = [int(v) for v in request.form.getlist("ids")]
    except ValueError:
        abort(400, description=_("The selection contains something that is not an item id."))
    back = _back(url_for("curation.queue"))
    if action not in ("approve", "reject") or not ids:
        flash(_("Select items, then choose approve or reject.") if ids or not action else
              _("%(action)r is not a bulk action; use approve or reject.", action=action), "error")
        return redirect(back)
    if action == "reject" and not request.form.get("reason", "").strip():
        flash(_("Say why the selected items are rejected (the reason field next to the button)."), "error")
        return redirect(back)
    sites = request.form.getlist("sites") or None
    results = service().bulk(action, ids, actor=g.user["username"], allowed=allowed_sites(), sites=sites,
                             reason=request.form.get("reason", ""))
    done = [str(i) for i, r in results if not isinstance(r, CurationError)]
    if done:
        words = (_("%(n)s item(s) approved: %(ids)s.", n=len(done), ids=", ".join(done)) if action == "approve"
                 else _("%(n)s item(s) rejected: %(ids)s.", n=len(done), ids=", ".join(done)))
        flash(words, "ok")
    for item_id, result in results:
        if isinstance(result, CurationError):
            flash((_("Item %(id)s not approved — %(why)s", id=item_id, why=result.detail) if action == "approve"
                   else _("Item %(id)s not rejected — %(why)s", id=item_id, why=result.detail)), "error")
    return redirect(back)


@bp.get("/media/<sha256>")
def media(sha256: str):
    """A downloaded image from the content-addressed store, for previews. Served
    only to users who may see an item using it, with its stored type and nosniff;
    the original URL is never hot-linked."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        abort(404)
    allowed = allowed_sites()
    for row in bridge().store.stored_media_by_sha256(sha256):
        item = bridge().store.item_for_curation(row["item_id"])
        if item is None or not service().visible(item, allowed):
            continue
        path = service().media_path(row)
        media_root = os.path.realpath(bridge().config.server.media_dir)
        real = os.path.realpath(path) if path else None
        if not real or not os.path.isfile(real) or os.path.commonpath([real, media_root]) != media_root:
            continue
        content_type = (row["content_type"] or "").split(";")[0].strip().lower()
        is_image = content_type in IMAGE_TYPES
        response = send_file(real, mimetype=content_type if is_image else "application/octet-stream",
                             as_attachment=not is_image, download_name=sha256, conditional=True, max_age=3600)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response
    abort(404)
