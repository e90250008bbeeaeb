"""The unified moderation inbox: every visible site's comments on one screen.

Server-rendered; every action is a plain form post, so the inbox works without
JavaScript. ``static/inbox.js`` adds keyboard shortcuts and in-place updates on
top (it calls the JSON API and swaps in the row fragment from ``/inbox/<id>/row``).

Decisions go through the moderation service (``bridge.moderation``,
``bridge/moderation.py``), which checks the editor's rights per site and what the
site can do, logs the decision, sets the new status with write-back "pending" and
enqueues the outbox job; this module only reads the form, passes on the version of
the comment the editor saw, and shows the service's words.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import cursors
from ..errors import NotAllowed, NotFound, ServiceError
from ..moderation import BULK_LIMIT, QUEUES, BulkOutcome
from ..sanitize import comment_html, mark_words, safe_link
from ..store.inbox import STATUSES, InboxFilter
from . import labels
from .access import allowed_sites, bridge, may_see_site, safe_next
from .i18n import say
from .problems import problem

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

#: what an editor can decide, with the words the UI uses (WordPress's, docs/glossary.md)
ACTIONS: dict[str, object] = {
    "approve": _l("Approve"), "hold": _l("Back to pending"), "spam": _l("Spam"), "unspam": _l("Not spam"),
    "trash": _l("Trash"), "restore": _l("Restore"), "delete": _l("Delete permanently"),
}
#: the bulk buttons of the commenter drawer, one sentence each (German needs its own word order)
TICKED: dict[str, object] = {
    "approve": _l("Approve the ticked"), "spam": _l("Spam the ticked"), "trash": _l("Trash the ticked"),
}
#: what a decision did, in the words of the "recent decisions" list (inbox.js says the same)
DONE: dict[str, object] = {
    "approve": _l("Approved"), "hold": _l("Moved back to pending"), "spam": _l("Marked as spam"),
    "unspam": _l("Marked not spam"), "trash": _l("Trashed"), "restore": _l("Restored"), "delete": _l("Deleted"),
    "undo": _l("Undid a decision on"),
}
#: every key inbox.js answers, as the help (``?``) lists them
KEYS: tuple[tuple[str, object], ...] = (
    ("j / k", _l("next / previous comment")), ("a", _l("approve")), ("h", _l("back to pending")), ("s", _l("spam")),
    ("u", _l("not spam")), ("t", _l("trash")), ("e", _l("restore")), ("d d", _l("delete permanently (press d twice)")),
    ("r", _l("reply")), ("x", _l("select")), ("z", _l("undo the last decision (for 10 seconds)")),
    ("1 – 5", _l("queues: pending, flagged by rules, approved, spam, trash")), ("/", _l("search")),
    ("n / p", _l("older page / newest page")),
    ("Z", _l("zen mode: one comment at a time")), ("?", _l("these keys")),
    ("Esc", _l("close this list, leave zen mode")),
)
#: everything inbox.js says (live region, notices), by key, with ``%(name)s`` placeholders it fills
#: in itself: the page hands them over translated as JSON (``<script type="application/json"
#: id="inbox-words">``), so the script holds no English of its own (tests/test_i18n_catalogue.py)
JS_WORDS: dict[str, object] = {
    **{f"done.{action}": words for action, words in DONE.items() if action != "undo"},
    "comment_by": _l("comment %(id)s by %(who)s"),
    "anonymous": _l("anonymous"),
    "already": _l("Comment %(id)s is already %(status)s; nothing to do."),
    "failed_http": _l("The action failed (HTTP %(status)s)."),
    "not_done": _l("Not done: %(reason)s"),
    "no_answer": _l("The bridge did not answer; nothing changed for %(what)s. Try again."),
    "writing_back": _l("%(done)s (writing back to %(site)s)"),
    "the_site": _l("the site"),
    "announce": _l("%(done)s %(what)s"),
    "announce_next": _l("%(done)s %(what)s; now on %(next)s"),
    "announce_last": _l("%(done)s %(what)s; no more comments here"),
    "nothing_to_undo": _l("Nothing to undo: z takes back the last decision for 10 seconds; older ones are under "
                          "Recent decisions."),
    "not_undone": _l("Not undone: %(reason)s"),
    "undo_no_answer": _l("The bridge did not answer; nothing was undone. Try again."),
    "selected": _l("%(n)s selected"),
    "zen_on": _l("Zen mode: one comment at a time. Z or Escape leaves it."),
    "zen_off": _l("Zen mode off."),
    "delete_armed": _l("Press d again to delete %(what)s permanently, on its site too."),
    "refused.404": _l("There is no comment #%(id)s you may moderate."),
    "refused.409_changed": _l("Comment #%(id)s changed after you loaded it (changed on site: %(change)s): it is now "
                              "%(status)s. Nothing was done; look at it again and decide."),
    "refused.409": _l("Comment #%(id)s changed after you loaded it: it is now %(status)s. Nothing was done; "
                      "look at it again and decide."),
    **{f"status.{code}": labels.WORDS[code] for code in STATUSES},
}
#: the row buttons offered for each status (any action may still be posted)
ROW_ACTIONS: dict[str, tuple[str, ...]] = {
    "pending": ("approve", "spam", "trash"),
    "approved": ("hold", "spam", "trash"),
    "spam": ("unspam", "delete"),
    "trash": ("restore", "delete"),
    "deleted": (),
}
PAGE_SIZE = 50
#: longer comments are folded: a preview of PREVIEW_WORDS words and "Show all (N words)"
FOLD_WORDS = 150
PREVIEW_WORDS = 60


# -- rendering helpers ---------------------------------------------------------
def service():
    return bridge().moderation


def js_words() -> dict[str, str]:
    """JS_WORDS in the page's language, for the template's JSON blob."""
    return {key: str(words) for key, words in JS_WORDS.items()}


def filter_args(flt: InboxFilter) -> dict:
    """The filter as query args of the inbox page."""
    out = {"status": flt.status}
    for key, arg in (("site", "site"), ("post", "post"), ("author", "author"), ("date_from", "from"),
                     ("date_to", "to"), ("q", "q")):
        if getattr(flt, key):
            out[arg] = getattr(flt, key)
    return out


def decorate(rows: list[dict]) -> list[dict]:
    """Add what a row shows beyond the comment itself: parent, safe links, and the moderation
    signals of the service (commenter record, links, first-time, watch-list words, marked)."""
    store = bridge().store
    parents = store.parents_of(rows)
    service().signals(rows, allowed_sites())
    banned, suspect = service().watch_list()
    watched = {"banned": [p for _, p in banned], "suspect": [p for _, p in suspect]}
    for row in rows:
        html = comment_html(row.get("content_html"), row.get("content_text"))
        row["html"] = mark_words(html, watched) if row["watch"] else html
        row["author_link"] = safe_link(row.get("author_url"))
        row["post_link"] = safe_link(row.get("post_url"))
        row["comment_link"] = safe_link(row.get("link"))
        words = (row.get("content_text") or "").split()
        row["words"] = len(words)
        row["preview"] = " ".join(words[:PREVIEW_WORDS]) if len(words) > FOLD_WORDS else None
        row["parent"] = parents.get(row["id"])
        row["actions"] = ROW_ACTIONS.get(row["status"], ())
    return rows


# -- pages ---------------------------------------------------------------------
def _visible_sites(counts: dict | None = None) -> list[dict]:
    """Configured sites the user may see, plus any site that only its stored comments still name."""
    visible = allowed_sites()
    sites = [s for s in bridge().store.list_sites() if visible is None or s["id"] in visible]
    known = {s["id"] for s in sites}
    extra = sorted(set((counts or {}).get("site", {})) - known)
    return sites + [{"id": site_id, "name": site_id} for site_id in extra]


@bp.get("")
def index():
    try:
        flt = service().inbox_filter(request.args)
    except ValueError as exc:
        abort(400, description=say(exc.args[0]))
    try:
        after = cursors.decode(request.args.get("after"))
    except ValueError:
        abort(400, description=_("The page link is broken (bad cursor); start again from the first page."))
    if flt.site and not may_see_site(flt.site):
        abort(404, description=_("There is no site %(site)r you may see.", site=flt.site))
    store = bridge().store
    sites = allowed_sites()
    rows, next_key = store.inbox_page(flt, sites, after=after, limit=PAGE_SIZE)
    args = filter_args(flt)
    counts = store.inbox_counts(sites)
    counts["status"]["flagged"] = store.count_matching(service().inbox_filter({"status": "flagged"}), sites)
    return render_template(
        "inbox/index.html", rows=decorate(rows), flt=flt, args=args, sites=_visible_sites(counts),
        counts=counts, statuses=STATUSES, queues=QUEUES, actions=ACTIONS, done=DONE, keys=KEYS, js_words=js_words(),
        recent=store.recent_decisions(g.user["username"], sites),
        without=lambda key: {k: v for k, v in args.items() if k != key},
        next_url=url_for("inbox.index", **args, after=cursors.encode(next_key)) if next_key else None,
        first_url=url_for("inbox.index", **args) if after else None,
        here=request.full_path.rstrip("?"))


@bp.get("/<int:comment_id>")
def detail(comment_id: int):
    store = bridge().store
    comment = store.inbox_comment(comment_id, allowed_sites())
    if comment is None:
        abort(404, description=_("There is no comment #%(id)s you may see.", id=comment_id))
    row = decorate([comment])[0]
    replies = store.replies_to(comment)
    return render_template("inbox/detail.html", row=row, history=store.comment_history(comment_id),
                           replies=replies, actions=ACTIONS, here=request.full_path.rstrip("?"), js_words=js_words())


@bp.get("/commenter")
def commenter():
    """A commenter's comments on the sites the editor may see, with bulk decisions on them: a page
    of its own without JavaScript, the drawer's content (``drawer=1``) inside the inbox."""
    key = (request.args.get("key") or "").strip()
    found = service().commenter(g.user, key) if key else None
    if found is None:
        abort(404, description=_("There is no commenter %(key)r with comments you may see.", key=key))
    drawer = bool(request.args.get("drawer"))
    return render_template("inbox/commenter.html", layout="inbox/_bare.html" if drawer else "base.html",
                           drawer=drawer, who=found, rows=decorate(found["rows"]), actions=ACTIONS, ticked=TICKED,
                           back=safe_next(request.args.get("back") or url_for("inbox.index")))


@bp.get("/<int:comment_id>/row")
def row_fragment(comment_id: int):
    """One row's HTML, for inbox.js to swap in after an action or while write-back runs."""
    comment = bridge().store.inbox_comment(comment_id, allowed_sites())
    if comment is None:
        abort(404, description=_("There is no comment #%(id)s you may see.", id=comment_id))
    return render_template("inbox/row.html", row=decorate([comment])[0], actions=ACTIONS,
                           here=request.args.get("back") or url_for("inbox.index"))


def _back() -> str:
    return safe_next(request.form.get("back") or url_for("inbox.index"))


def _versions(form: Mapping[str, Any]) -> dict[int, int]:
    out = {}
    for key, value in form.items():
        if key.startswith("v-"):
            try:
                out[int(key[2:])] = int(value)
            except ValueError:
                continue
    return out


def _report(result: BulkOutcome, action: str) -> None:
    label = ACTIONS.get(action, action)
    if result.applied:
        flash(_("%(action)s: %(n)s comment(s) decided; written back to their sites by the next sync.",
                action=label, n=len(result.applied)), "ok")
    for outcome in result.conflicts:
        flash(say(outcome.message), "error")
    for outcome in result.failed:
        flash(say(outcome.message), "error")
    if result.remaining:
        flash(_("%(n)s more comment(s) still match; apply the action again to continue.", n=result.remaining),
              "error")
    if not (result.applied or result.conflicts or result.failed):
        flash(_("Nothing was selected, so nothing was done."), "error")


@bp.post("/act")
def act():
    user = g.user
    form = request.form
    versions = _versions(form)
    one = form.get("one")
    if one:
        ident, _sep, action = one.partition(":")
        try:
            comment_id = int(ident)
        except ValueError:
            abort(400, description=_("%(value)r does not name a comment and an action.", value=one))
        outcome = service().decide_one(user, comment_id, action, versions.get(comment_id))
        if outcome.missing:
            abort(404, description=say(outcome.message))
        result = BulkOutcome()
        result.add(outcome)
        _report(result, action)
        return redirect(_back())
    action = form.get("bulk_action") or ""
    if action not in ACTIONS:
        flash(_("Choose an action for the selected comments."), "error")
        return redirect(_back())
    if form.get("scope") == "matching":
        try:
            flt = service().inbox_filter(form)
        except ValueError as exc:
            abort(400, description=say(exc.args[0]))
        if flt.site and not may_see_site(flt.site):
            abort(404, description=_("There is no site %(site)r you may see.", site=flt.site))
        count = bridge().store.count_matching(flt, allowed_sites())
        if form.get("confirm") != "yes":
            return render_template("inbox/confirm.html", flt=flt, args=filter_args(flt), count=count,
                                   action=action, label=ACTIONS[action], back=_back(), limit=BULK_LIMIT)
        _report(service().decide_matching(user, action, flt), action)
        return redirect(_back())
    ids = []
    for value in form.getlist("ids"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    if not ids:
        flash(_("No comments were selected: tick some (or press x), then choose the action."), "error")
        return redirect(_back())
    result = service().decide_many(user, action, ids, versions)
    if any(o.missing for o in result.failed) and not result.applied and len(result.failed) == len(ids):
        abort(404, description=_("None of the selected comments is one you may moderate."))
    _report(result, action)
    return redirect(_back())


@bp.post("/undo")
def undo():
    """Take back the latest decision on a comment (inbox.js's ``z``, the recent list's Undo).

    Form posts flash and go back; JSON calls get the comment or a problem."""
    as_json = request.is_json
    data: Mapping[str, Any] = (request.get_json(silent=True) or {}) if as_json else request.form
    try:
        comment_id, version = int(data.get("comment_id", "")), int(data.get("version", ""))
    except (TypeError, ValueError):
        message = _("Send the comment_id and the version of the comment the decision produced (both integers).")
        if as_json:
            return problem(400, _("Invalid undo"), message)
        abort(400, description=message)
    try:
        result = service().undo(g.user, comment_id, version)
    except ServiceError as exc:
        if as_json:
            current = exc.current or {}
            return problem(exc.status, _(exc.title), _("Comment #%(id)s: %(reason)s", id=comment_id,
                                                              reason=say(exc.detail)),
                           current_status=current.get("status"), current_version=current.get("version"))
        if isinstance(exc, NotFound | NotAllowed):
            abort(404, description=_("There is no comment #%(id)s you may moderate.", id=comment_id))
        flash(_("Comment #%(id)s: %(reason)s", id=comment_id, reason=say(exc.detail)), "error")
        return redirect(_back())
    if result["undone"] == "cancelled":
        message = _("Undone: comment %(id)s is %(status)s again; its write-back was cancelled before it ran.",
                    id=comment_id, status=labels.label(result["status"]))
    else:
        message = _("Undone: comment %(id)s is %(status)s again; the reverse decision is being written back to "
                    "%(site)s.", id=comment_id, status=labels.label(result["status"]), site=result["site_id"])
    if as_json:
        return jsonify({"detail": message, "status": result["status"], "version": result["version"],
                        "undone": result["undone"], "site_id": result["site_id"]})
    flash(message, "ok")
    return redirect(_back())


@bp.post("/<int:comment_id>/reply")
def reply(comment_id: int):
    if bridge().store.inbox_comment(comment_id, allowed_sites()) is None:
        abort(404, description=_("There is no comment #%(id)s you may see.", id=comment_id))
    ok, message = service().reply_to(g.user, comment_id, request.form.get("text", ""))
    flash(say(message), "ok" if ok else "error")
    return redirect(url_for("inbox.detail", comment_id=comment_id) + ("" if ok else "#reply"))


def inbox_url(**args: Any) -> str:
    return url_for("inbox.index") + ("?" + urlencode(args) if args else "")
