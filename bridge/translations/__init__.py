"""Strings of the pages people outside the organisation see, in one place.

Only the contributor pages are translated so far (English and German). The
strings are kept in one dict per language so that moving to Flask-Babel later
is a mechanical change: each key becomes a msgid.
"""
from __future__ import annotations

from .contribute import STRINGS

LANGUAGES = tuple(STRINGS)  # first = default


def choose_language(accept_language: str | None, explicit: str | None = None) -> str:
    """``explicit`` (the page's switch) if we have it, else the best of the
    ``Accept-Language`` header (RFC 9110 §12.5.4 q-values), else English."""
    if explicit in STRINGS:
        return explicit
    best, best_q = LANGUAGES[0], -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if lang in STRINGS and q > best_q:
            best, best_q = lang, q
    return best


def strings(lang: str) -> dict[str, str]:
    return STRINGS.get(lang, STRINGS[LANGUAGES[0]])
