"""The unified moderation inbox: every visible site's comments on one screen.

Server-rendered; every action is a plain form post, so the inbox works without
JavaScript. ``static/inbox.js`` adds keyboard shortcuts and in-place updates on
top (it calls the JSON API and swaps in the row fragment from ``/inbox/<id>/row``).

Decisions go through ``bridge.moderation.decide`` (which logs them, sets the new
status with write-back "pending" and enqueues the outbox job); this module only
checks who may act on what, passes on the version of the comment the editor saw,
and explains conflicts. The JSON API (``api/comments.py``) reuses the helpers here.
"""
from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode, urlsplit

import nh3
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from .. import moderation
from ..store.inbox import STATUSES, InboxFilter
from .access import allowed_sites, bridge, may_see_site, safe_next
from .problems import problem

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

#: what an editor can decide, with the words the UI uses
ACTIONS: dict[str, str] = {
    "approve": "Approve", "hold": "Back to pending", "spam": "Spam", "unspam": "Not spam",
    "trash": "Trash", "restore": "Restore", "delete": "Delete permanently",
}
#: what a decision did, in the words of the "recent decisions" list (inbox.js says the same)
DONE: dict[str, str] = {
    "approve": "Approved", "hold": "Moved back to pending", "spam": "Marked as spam", "unspam": "Marked not spam",
    "trash": "Trashed", "restore": "Restored", "delete": "Deleted", "undo": "Undid a decision on",
}
#: every key inbox.js answers, as the help (``?``) lists them
KEYS: tuple[tuple[str, str], ...] = (
    ("j / k", "next / previous comment"), ("a", "approve"), ("h", "back to pending"), ("s", "spam"),
    ("u", "not spam"), ("t", "trash"), ("e", "restore"), ("d d", "delete permanently (press d twice)"),
    ("r", "reply"), ("x", "select"), ("z", "undo the last decision (for 10 seconds)"),
    ("1 – 5", "pending, approved, spam, trash, all"), ("/", "search"), ("n / p", "older page / newest page"),
    ("Z", "zen mode: one comment at a time"), ("?", "these keys"), ("Esc", "close this list, leave zen mode"),
)
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
#: "every comment matching the filter" decides at most this many per request
BULK_LIMIT = 2000

COMMENT_TAGS = {"a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "i", "li", "ol", "p", "pre",
                "q", "s", "strong", "sub", "sup", "u", "ul"}


# -- rendering helpers ---------------------------------------------------------
LINK = re.compile(r"<a\s[^>]*href|(?<![\"'=])\bhttps?://", re.I)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL to link to, or None (``javascript:``, ``data:``, relative … are never links)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def comment_html(comment: dict) -> Markup:
    """The comment's HTML, sanitised again at render time (never trusted as stored)."""
    source = comment.get("content_html") or ""
    if not source.strip():
        text = comment.get("content_text") or ""
        return Markup("").join(Markup("<p>{}</p>").format(p) for p in text.split("\n\n") if p.strip())
    cleaned = nh3.clean(source, tags=COMMENT_TAGS, attributes={"a": {"href", "title"}},
                        clean_content_tags={"script", "style", "iframe", "object", "embed", "svg", "math",
                                            "template", "noscript", "form", "textarea", "select"},
                        url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer ugc",
                        strip_comments=True)
    return Markup(cleaned)  # noqa: S704 - nh3 output: the allowlist above, nothing else


def encode_cursor(key: tuple[str, int] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(f"{key[0]}|{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> tuple[str, int] | None:
    """Raises ValueError for a cursor this server did not make."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        date, _, ident = raw.rpartition("|")
        if not date:
            raise ValueError
        return date, int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError(f"cursor {text!r} is not one this server handed out; start again without it") from None


def parse_filter(args, *, default_status: str = "pending") -> InboxFilter:
    """An InboxFilter from query args / form fields; raises ValueError naming the bad field."""
    status = (args.get("status") or default_status).strip()
    if status not in (*STATUSES, "all"):
        raise ValueError(f"status={status!r} is not one of {', '.join((*STATUSES, 'all'))}")
    flt = InboxFilter(status=status)
    flt.site = (args.get("site") or "").strip() or None
    flt.post = (args.get("post") or "").strip() or None
    flt.author = (args.get("author") or "").strip() or None
    flt.q = (args.get("q") or "").strip() or None
    for name, attr in (("from", "date_from"), ("to", "date_to"), ("date_from", "date_from"), ("date_to", "date_to")):
        value = (args.get(name) or "").strip()
        if value:
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"{name}={value!r} is not a date (write it as YYYY-MM-DD)") from None
            setattr(flt, attr, value)
    return flt


def filter_args(flt: InboxFilter) -> dict:
    """The filter as query args of the inbox page."""
    out = {"status": flt.status}
    for key, arg in (("site", "site"), ("post", "post"), ("author", "author"), ("date_from", "from"),
                     ("date_to", "to"), ("q", "q")):
        if getattr(flt, key):
            out[arg] = getattr(flt, key)
    return out


def decorate(rows: list[dict]) -> list[dict]:
    """Add what a row shows beyond the comment itself: parent, commenter record, safe links."""
    store = bridge().store
    parents = store.parents_of(rows)
    stats = store.author_stats([r["author_key"] for r in rows])
    for row in rows:
        row["html"] = comment_html(row)
        row["author_link"] = safe_url(row.get("author_url"))
        row["post_link"] = safe_url(row.get("post_url"))
        row["comment_link"] = safe_url(row.get("link"))
        words = (row.get("content_text") or "").split()
        row["words"] = len(words)
        row["preview"] = " ".join(words[:PREVIEW_WORDS]) if len(words) > FOLD_WORDS else None
        row["parent"] = parents.get(row["id"])
        record = dict(stats.get(row["author_key"], {"approved": 0, "spam": 0, "total": 1})) \
            if row["author_key"] else None
        if record is not None:  # "earlier comments": not counting this one
            if row["status"] in record:
                record[row["status"]] -= 1
            record["total"] = max(0, record["total"] - 1)
        row["record"] = record
        # signals, as Coral shows them: links in the text, a commenter never seen before
        row["links"] = len(LINK.findall(row.get("content_html") or row.get("content_text") or ""))
        row["first_time"] = record is not None and record["total"] == 0
        row["actions"] = ROW_ACTIONS.get(row["status"], ())
    return rows


# -- deciding ------------------------------------------------------------------
@dataclass
class Outcome:
    """What happened to one requested decision."""

    comment_id: int
    ok: bool = False
    conflict: bool = False
    missing: bool = False
    message: str = ""
    comment: dict | None = None


@dataclass
class BulkOutcome:
    applied: list[int] = field(default_factory=list)
    conflicts: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    remaining: int = 0


def conflict_message(comment: dict) -> str:
    change = f" (changed on site: {comment['site_change']})" if comment.get("site_change") else ""
    return (f"Comment #{comment['id']} changed after you loaded it{change}: it is now {comment['status']}. "
            "Nothing was done; look at it again and decide.")


def decide_one(user: dict, comment_id: int, action: str, seen_version: int | None) -> Outcome:
    """Apply one decision if the user may see the comment's site; never blindly over a newer version."""
    store = bridge().store
    out = Outcome(comment_id)
    comment = store.inbox_comment(comment_id, allowed_sites(user))
    if comment is None:
        out.missing = True
        out.message = f"There is no comment #{comment_id} you may moderate."
        return out
    if action not in ACTIONS:
        out.message = f"{action!r} is not an action; use one of {', '.join(ACTIONS)}."
        return out
    if seen_version is not None and int(seen_version) != comment["version"]:
        # checked here too, so the answer is the same whatever decide() does with it
        out.conflict, out.comment, out.message = True, comment, conflict_message(comment)
        return out
    try:
        moderation.decide(bridge(), user, comment_id, action, seen_version=seen_version)
    except moderation.ModerationError as exc:  # every refusal is reported to the editor in words
        current = store.inbox_comment(comment_id, None) or comment
        if isinstance(exc, moderation.Conflict):
            out.conflict, out.comment, out.message = True, current, conflict_message(current)
        else:
            out.comment, out.message = current, f"Comment #{comment_id}: {exc}"
        return out
    out.ok = True
    out.comment = store.inbox_comment(comment_id, None)
    return out


def decide_many(user: dict, action: str, ids: list[int], versions: dict[int, int] | None = None) -> BulkOutcome:
    result = BulkOutcome()
    for comment_id in ids:
        outcome = decide_one(user, comment_id, action, (versions or {}).get(comment_id))
        if outcome.ok:
            result.applied.append(comment_id)
        elif outcome.conflict:
            result.conflicts.append(outcome)
        else:
            result.failed.append(outcome)
    return result


def decide_matching(user: dict, action: str, flt: InboxFilter) -> BulkOutcome:
    """Every comment matching the filter on the user's sites, up to BULK_LIMIT per call."""
    store = bridge().store
    sites = allowed_sites(user)
    if flt.site and sites is not None and flt.site not in sites:
        return BulkOutcome()
    keys = store.inbox_ids(flt, sites, limit=BULK_LIMIT)
    result = decide_many(user, action, [k[1] for k in keys])
    if len(keys) == BULK_LIMIT:
        result.remaining = max(0, store.count_matching(flt, sites))
    return result


def reply_to(user: dict, comment_id: int, text: str) -> tuple[bool, str]:
    text = (text or "").strip()
    comment = bridge().store.inbox_comment(comment_id, allowed_sites(user))
    if comment is None:
        return False, f"There is no comment #{comment_id} you may reply to."
    if not text:
        return False, "The reply is empty; write something first."
    if len(text) > 10000:
        return False, "The reply is longer than 10,000 characters; shorten it."
    try:
        moderation.reply(bridge(), user, comment_id, text)
    except moderation.ModerationError as exc:  # reported in words
        return False, f"The reply was not queued: {exc}"
    return True, f"Reply queued; it is posted to {comment['site_id']} as the connected account by the next sync."


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
        flt = parse_filter(request.args)
        after = decode_cursor(request.args.get("after"))
    except ValueError as exc:
        abort(400, description=str(exc))
    if flt.site and not may_see_site(flt.site):
        abort(404, description=f"There is no site {flt.site!r} you may see.")
    store = bridge().store
    sites = allowed_sites()
    rows, next_key = store.inbox_page(flt, sites, after=after, limit=PAGE_SIZE)
    args = filter_args(flt)
    counts = store.inbox_counts(sites)
    return render_template(
        "inbox/index.html", rows=decorate(rows), flt=flt, args=args, sites=_visible_sites(counts),
        counts=counts, statuses=STATUSES, actions=ACTIONS, done=DONE, keys=KEYS,
        recent=store.recent_decisions(g.user["username"], sites),
        without=lambda key: {k: v for k, v in args.items() if k != key},
        next_url=url_for("inbox.index", **args, after=encode_cursor(next_key)) if next_key else None,
        first_url=url_for("inbox.index", **args) if after else None,
        here=request.full_path.rstrip("?"))


@bp.get("/<int:comment_id>")
def detail(comment_id: int):
    store = bridge().store
    comment = store.inbox_comment(comment_id, allowed_sites())
    if comment is None:
        abort(404, description=f"There is no comment #{comment_id} you may see.")
    row = decorate([comment])[0]
    replies = store.replies_to(comment)
    return render_template("inbox/detail.html", row=row, history=store.comment_history(comment_id),
                           replies=replies, actions=ACTIONS, here=request.full_path.rstrip("?"))


@bp.get("/<int:comment_id>/row")
def row_fragment(comment_id: int):
    """One row's HTML, for inbox.js to swap in after an action or while write-back runs."""
    comment = bridge().store.inbox_comment(comment_id, allowed_sites())
    if comment is None:
        abort(404, description=f"There is no comment #{comment_id} you may see.")
    return render_template("inbox/row.html", row=decorate([comment])[0], actions=ACTIONS,
                           here=request.args.get("back") or url_for("inbox.index"))


def _back() -> str:
    return safe_next(request.form.get("back") or url_for("inbox.index"))


def _versions(form) -> dict[int, int]:
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
        flash(f"{label}: {len(result.applied)} comment(s) decided; written back to their sites by the next sync.",
              "ok")
    for outcome in result.conflicts:
        flash(outcome.message, "error")
    for outcome in result.failed:
        flash(outcome.message, "error")
    if result.remaining:
        flash(f"{result.remaining} more comment(s) still match; apply the action again to continue.", "error")
    if not (result.applied or result.conflicts or result.failed):
        flash("Nothing was selected, so nothing was done.", "error")


@bp.post("/act")
def act():
    user = g.user
    form = request.form
    versions = _versions(form)
    one = form.get("one")
    if one:
        ident, _, action = one.partition(":")
        try:
            comment_id = int(ident)
        except ValueError:
            abort(400, description=f"{one!r} does not name a comment and an action.")
        outcome = decide_one(user, comment_id, action, versions.get(comment_id))
        if outcome.missing:
            abort(404, description=outcome.message)
        result = BulkOutcome()
        (result.applied.append(comment_id) if outcome.ok else
         (result.conflicts if outcome.conflict else result.failed).append(outcome))
        _report(result, action)
        return redirect(_back())
    action = form.get("bulk_action") or ""
    if action not in ACTIONS:
        flash("Choose an action for the selected comments.", "error")
        return redirect(_back())
    if form.get("scope") == "matching":
        try:
            flt = parse_filter(form)
        except ValueError as exc:
            abort(400, description=str(exc))
        if flt.site and not may_see_site(flt.site):
            abort(404, description=f"There is no site {flt.site!r} you may see.")
        count = bridge().store.count_matching(flt, allowed_sites())
        if form.get("confirm") != "yes":
            return render_template("inbox/confirm.html", flt=flt, args=filter_args(flt), count=count,
                                   action=action, label=ACTIONS[action], back=_back(), limit=BULK_LIMIT)
        _report(decide_matching(user, action, flt), action)
        return redirect(_back())
    ids = []
    for value in form.getlist("ids"):
        try:
            ids.append(int(value))
        except ValueError:
            continue
    if not ids:
        flash("No comments were selected: tick some (or press x), then choose the action.", "error")
        return redirect(_back())
    result = decide_many(user, action, ids, versions)
    if any(o.missing for o in result.failed) and not result.applied and len(result.failed) == len(ids):
        abort(404, description="None of the selected comments is one you may moderate.")
    _report(result, action)
    return redirect(_back())


@bp.post("/undo")
def undo():
    """Take back the latest decision on a comment (inbox.js's ``z``, the recent list's Undo).

    Form posts flash and go back; JSON calls get the comment or a problem."""
    as_json = request.is_json
    data = (request.get_json(silent=True) or {}) if as_json else request.form
    try:
        comment_id, version = int(data.get("comment_id")), int(data.get("version"))
    except (TypeError, ValueError):
        message = "Send the comment_id and the version of the comment the decision produced (both integers)."
        if as_json:
            return problem(400, "Invalid undo", message)
        abort(400, description=message)
    try:
        result = moderation.undo(bridge(), g.user, comment_id, version)
    except moderation.ModerationError as exc:
        if as_json:
            current = exc.comment or {}
            return problem(exc.status, exc.title, f"Comment #{comment_id}: {exc}",
                           current_status=current.get("status"), current_version=current.get("version"))
        if isinstance(exc, moderation.CommentNotFound | moderation.NotAllowed):
            abort(404, description=f"There is no comment #{comment_id} you may moderate.")
        flash(f"Comment #{comment_id}: {exc}", "error")
        return redirect(_back())
    how = ("its write-back was cancelled before it ran" if result["undone"] == "cancelled"
           else f"the reverse decision is being written back to {result['site_id']}")
    message = f"Undone: comment {comment_id} is {result['status']} again; {how}."
    if as_json:
        return jsonify({"detail": message, "status": result["status"], "version": result["version"],
                        "undone": result["undone"], "site_id": result["site_id"]})
    flash(message, "ok")
    return redirect(_back())


@bp.post("/<int:comment_id>/reply")
def reply(comment_id: int):
    if bridge().store.inbox_comment(comment_id, allowed_sites()) is None:
        abort(404, description=f"There is no comment #{comment_id} you may see.")
    ok, message = reply_to(g.user, comment_id, request.form.get("text", ""))
    flash(message, "ok" if ok else "error")
    return redirect(url_for("inbox.detail", comment_id=comment_id) + ("" if ok else "#reply"))


def inbox_url(**args) -> str:
    return url_for("inbox.index") + ("?" + urlencode(args) if args else "")
