"""The story pages: the list, and the editor of one story.

The editor works without JavaScript (every action is a form with its CSRF token:
move up/down, caption, pin, hide, remove, add from the queue). ``stories.js``
adds drag-to-reorder and keeps the keyboard path (the move buttons) on the same
page without a reload, saving through the JSON API. Every action goes through
the stories service with the user's site limits.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapters.embeds import youtube_id

from ..curation import CurationError
from .access import allowed_sites, bridge
from .curation import flash_error, list_visible_items, publishable_sites

bp = Blueprint("stories", __name__)

#: item states the "add from the curation queue" search offers
ADDABLE_STATES = ("pending", "flagged", "approved")
#: what stories.js says (its status line), with ``%(name)s`` placeholders it fills in: the
#: editor hands them over translated as JSON (``<script type="application/json" id="story-words">``),
#: so the script holds no English of its own (tests/test_i18n_catalogue.py)
JS_WORDS = {
    "moved": _l("Moved %(title)s to position %(position)s of %(count)s. Saved."),
    "not_saved": _l("Not saved: %(reason)s Reload the page."),
    "caption_saved": _l("Caption saved."),
    "caption_not_saved": _l("Caption not saved: %(reason)s"),
    "item": _l("item"),
}


def service():
    return bridge().stories


def _act(story_id: int, call: Callable[[], Any], success: str, anchor: str = ""):
    try:
        call()
    except CurationError as exc:
        flash_error(exc)
    else:
        flash(success, "ok")
    return redirect(url_for("stories.editor", story_id=story_id) + anchor)


def _int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if value.isdigit() else None


@bp.get("/stories")
def index():
    return render_template("stories/index.html", stories=service().list(allowed_sites()), sites=publishable_sites())


@bp.post("/stories")
def create():
    form = request.form
    try:
        story = service().create(title=form.get("title", ""), intro=form.get("intro", ""),
                                 sites=form.getlist("sites"), order=form.get("order", "newest"),
                                 actor=g.user["username"], allowed=allowed_sites())
    except CurationError as exc:
        flash_error(exc)
        return redirect(url_for("stories.index"))
    flash(_("Story %(id)s made; add items from the curation queue.", id=story["id"]), "ok")
    return redirect(url_for("stories.editor", story_id=story["id"]))


@bp.get("/stories/<int:story_id>")
def editor(story_id: int):
    try:
        story = service().get(story_id, allowed_sites())
    except CurationError as exc:
        abort(exc.status, description=exc.detail)
    entries = service().entries(story)
    ids = [e["item_id"] for e in entries]
    q = request.args.get("q", "")
    queue, _ = list_visible_items(states=ADDABLE_STATES, q=q or None, limit=20)
    queue = [i for i in queue if i["id"] not in ids]
    store = bridge().store
    return render_template(
        "stories/editor.html", story=story, entries=entries, media=store.media_for_items(ids),
        publications=service().publications(story["id"], allowed_sites()), queue=queue, q=q,
        queue_media=store.media_for_items([i["id"] for i in queue]), youtube_id=youtube_id,
        sources=[s["id"] for s in bridge().config.sources],
        js_words={key: str(words) for key, words in JS_WORDS.items()})


@bp.post("/stories/<int:story_id>/details")
def details(story_id: int):
    form = request.form
    changes: dict[str, Any] = {"title": form.get("title", ""), "intro": form.get("intro", ""),
                               "order": form.get("order", "newest")}
    contains = form.get("rule_contains", "").strip()
    sources = form.getlist("rule_sources")
    changes["rule"] = {"sources": sources, "contains": contains} if contains else None
    return _act(story_id, lambda: service().update(story_id, changes, actor=g.user["username"],
                                                   allowed=allowed_sites()), _("Story saved."))


@bp.post("/stories/<int:story_id>/move")
def move(story_id: int):
    item_id, direction = _int("item_id"), request.form.get("direction")

    def call():
        story = service().get(story_id, allowed_sites())
        order = [e["item_id"] for e in service().entries(story)]
        if item_id not in order or direction not in ("up", "down"):
            abort(400, description=_("Move needs an item of this story and a direction (up or down)."))
        i = order.index(item_id)
        j = i - 1 if direction == "up" else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
        service().update(story_id, {"item_order": order}, actor=g.user["username"], allowed=allowed_sites())

    return _act(story_id, call, _("Order saved."), f"#entry-{item_id}")


@bp.post("/stories/<int:story_id>/entry")
def entry(story_id: int):
    """Caption, pinned and hidden of one item."""
    item_id = _int("item_id")
    values: dict = {"id": item_id}
    if "caption" in request.form:
        values["caption"] = request.form["caption"]
    for flag in ("pinned", "hidden"):
        if flag in request.form:
            values[flag] = request.form[flag] == "1"
    return _act(story_id, lambda: service().update(story_id, {"items": [values]}, actor=g.user["username"],
                                                   allowed=allowed_sites()), _("Item saved."), f"#entry-{item_id}")


@bp.post("/stories/<int:story_id>/add")
def add(story_id: int):
    item_id = _int("item_id")
    return _act(story_id, lambda: service().add_items(story_id, [item_id] if item_id else [],
                                                      actor=g.user["username"], allowed=allowed_sites()),
                _("Item %(id)s added.", id=item_id), f"#entry-{item_id}")


@bp.post("/stories/<int:story_id>/remove")
def remove(story_id: int):
    item_id = _int("item_id")
    return _act(story_id, lambda: service().remove_item(story_id, item_id, actor=g.user["username"],
                                                        allowed=allowed_sites()), _("Item %(id)s removed.", id=item_id))


@bp.post("/stories/<int:story_id>/retract")
def retract(story_id: int):
    return _act(story_id, lambda: service().retract(story_id, actor=g.user["username"], allowed=allowed_sites()),
                _("The story is being taken down on every site."))
