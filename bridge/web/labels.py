"""The words pages show for the codes the store keeps (states, roles, digests).

The store, the API and the logs keep the codes (``pending``, ``failed``, …); a page
shows the word in the reader's language, with the CMS's own terms where the CMS has
one (docs/glossary.md). In English the word is the code itself, so nothing changes
for English readers. A code without a word here is shown as it is.
"""
from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

WORDS = {
    # curation items and publications (WordPress de_DE: "Ausstehend", "Freigegeben")
    "pending": _l("pending"), "flagged": _l("flagged"), "approved": _l("approved"), "rejected": _l("rejected"),
    "duplicate": _l("duplicate"), "retracted": _l("retracted"), "published": _l("published"),
    "retrying": _l("retrying"), "unpublishing": _l("unpublishing"),
    # comments (WordPress de_DE: "Spam", "Papierkorb")
    "spam": _l("spam"), "trash": _l("trash"),
    # outbox jobs
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
    if error.description and error.description != default:
        return title, error.description
    return title, str(ERROR_HINTS.get(code, error.description or ""))


def install(app: Flask) -> None:
    app.add_template_filter(label, "label")
    app.add_template_global(error_words, "error_words")
