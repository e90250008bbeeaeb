"""The words pages show for the codes the store keeps (states, roles, digests).

The store, the API and the logs keep the codes (``pending``, ``failed``, …); a page
shows the word in the reader's language, with the CMS's own terms where the CMS has
one (docs/glossary.md). In English the word is the code itself, so nothing changes
for English readers. A code without a word here is shown as it is.
"""
from __future__ import annotations

import re

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..translations import in_language

WORDS = {
    # curation items and publications (WordPress de_DE: "Ausstehend", "Freigegeben")
    "pending": _l("pending"), "flagged": _l("flagged"), "approved": _l("approved"), "rejected": _l("rejected"),
    "duplicate": _l("duplicate"), "retracted": _l("retracted"), "published": _l("published"),
    "retrying": _l("retrying"), "unpublishing": _l("unpublishing"),
    # comments (WordPress de_DE: "Spam", "Papierkorb"); "deleted": gone from the site for good
    "spam": _l("spam"), "trash": _l("trash"), "deleted": _l("deleted"), "all": _l("all"),
    # what a site can do (adapters.base.Feature) and what its check found the account may do
    "publish": _l("publish"), "update": _l("update"), "unpublish": _l("unpublish"), "images": _l("images"),
    "comments": _l("comments"), "moderate": _l("moderate"), "reply": _l("reply"), "erase": _l("erase"),
    "upload_media": _l("upload media"), "moderate_comments": _l("moderate comments"),
    "reaction": _l("reaction"), "connector": _l("connector"),
    # moderation log: the decisions (the history table) and how their write-back went
    "approve": _l("approve"), "hold": _l("hold"), "unspam": _l("unspam"), "restore": _l("restore"),
    "delete": _l("delete"), "undo": _l("undo"), "site_change": _l("changed on the site"),
    "cancelled": _l("cancelled"),
    # outbox jobs, and their kinds (publish, unpublish, moderate and reply are above)
    "story_publish": _l("publish story"), "story_unpublish": _l("unpublish story"), "notify": _l("notify"),
    "fetch_media": _l("fetch media"),
    # media of an item
    "image": _l("image"), "video": _l("video"), "stored": _l("stored"),
    "failed": _l("failed"), "queued": _l("queued"), "running": _l("running"), "done": _l("done"),
    "superseded": _l("superseded"),
    # consent
    "not_required": _l("not required"), "requested": _l("requested"), "granted": _l("granted"),
    "declined": _l("declined"), "revoked": _l("revoked"), "waiting": _l("waiting"), "refused": _l("refused"),
    # roles, stories, invitations, digests
    "admin": _l("admin"), "editor": _l("editor"), "active": _l("active"), "open": _l("open"),
    "expired": _l("expired"), "exhausted": _l("exhausted"), "off": _l("off"), "hourly": _l("hourly"),
    "daily": _l("daily"),
}


def label(code: str | None) -> str:
    """Template filter ``|label``: the word for a stored code, in the page's language."""
    if code is None:
        return ""
    word = WORDS.get(str(code))
    return str(word) if word is not None else str(code).replace("_", " ")


#: HTTP errors as a page says them: werkzeug's English name → ours, and a sentence for
#: werkzeug's own (English) description; a description we gave ourselves is kept
ERROR_TITLES = {
    400: _l("Bad Request"), 401: _l("Unauthorized"), 403: _l("Forbidden"), 404: _l("Not Found"),
    405: _l("Method Not Allowed"), 409: _l("Conflict"), 410: _l("Gone"), 413: _l("Request Entity Too Large"),
    429: _l("Too Many Requests"), 500: _l("Internal Server Error"),
}
ERROR_HINTS = {
    400: _l("The request was not understood; go back and try again."),
    403: _l("You may not open this page."),
    404: _l("There is nothing at this address. Check the link, or start again from the overview."),
    405: _l("This address does not take that kind of request."),
    413: _l("What was sent is too large."),
    429: _l("Too many requests in a short time; wait a moment and try again."),
    500: _l("Something went wrong on our side; it has been logged."),
}


def error_words(error: HTTPException | None) -> tuple[str, str]:
    """(title, sentence) of an error page, in the reader's language."""
    if error is None:
        return str(ERROR_TITLES[500]), str(ERROR_HINTS[500])
    code = error.code or 500
    title = str(ERROR_TITLES.get(code, error.name))
    default = type(error).description
    if error.description and error.description != default:  # ours: a service's words, said here
        return title, in_language(error.description, str(get_locale() or "en"))
    return title, str(ERROR_HINTS.get(code, error.description or ""))


#: what the sync stores when a site changed a comment behind the inbox's back
#: (bridge/store/comments.py), as sentences a page can say in its language
_SITE_CHANGE = re.compile(r"^(?:(?P<deleted>deleted on the site)|set to (?P<to>\w+) on the site \(was (?P<was>\w*)\))"
                          r"(?: while the inbox's change to (?P<waiting>\w+) was waiting to be written back)?$")


_UNDO_NOTE = re.compile(r"^undid (?P<action>\w+) by (?P<actor>.+); its write-back was cancelled before it ran$")


def undo_note(text) -> str:
    """Template filter ``|undo_note``: the note an undo stores (bridge/store/comments.py
    ``cancel_decision``) in the page's language; a note of another shape as it is."""
    found = _UNDO_NOTE.match(str(text or ""))
    if not found:
        return "" if text is None else str(text)
    return str(_l("undid %(action)s by %(actor)s; its write-back was cancelled before it ran",
                  action=label(found["action"]), actor=found["actor"]))


def site_change(text) -> str:
    """Template filter ``|site_change``: the stored note in the page's language (a note of
    another shape is shown as it is)."""
    found = _SITE_CHANGE.match(str(text or ""))
    if not found:
        return "" if text is None else str(text)
    if found["deleted"]:
        said = str(_l("deleted on the site"))
    else:
        said = str(_l("set to %(to)s on the site (was %(was)s)", to=label(found["to"]), was=label(found["was"])))
    if found["waiting"]:
        said = str(_l("%(change)s while the inbox's change to %(status)s was waiting to be written back",
                      change=said, status=label(found["waiting"])))
    return said


_SYNC_SUMMARY = re.compile(r"^(?P<site>\S+): (?:(?P<skipped>skipped, another sync of this site is running)|"
                           r"(?P<new>\d+) new, (?P<changed>\d+) changed, (?P<written>\d+) written back, "
                           r"(?P<errors>\d+) errors(?: — FAILED: (?P<error>.*))?)$", re.S)


def sync_summary(text) -> str:
    """Template filter ``|sync_summary``: the line the sync stored (``SyncResult.summary``)
    in the page's language; a line of another shape as it is."""
    found = _SYNC_SUMMARY.match(str(text or ""))
    if not found:
        return "" if text is None else str(text)
    if found["skipped"]:
        return str(_l("%(site)s: skipped, another sync of this site is running", site=found["site"]))
    said = str(_l("%(site)s: %(new)s new, %(changed)s changed, %(written)s written back, %(errors)s errors",
                  site=found["site"], new=found["new"], changed=found["changed"], written=found["written"],
                  errors=found["errors"]))
    if found["error"]:
        said = str(_l("%(summary)s — FAILED: %(error)s", summary=said, error=found["error"]))
    return said


def install(app: Flask) -> None:
    app.add_template_filter(label, "label")
    app.add_template_filter(sync_summary, "sync_summary")
    app.add_template_filter(site_change, "site_change")
    app.add_template_filter(undo_note, "undo_note")
    app.add_template_global(error_words, "error_words")
