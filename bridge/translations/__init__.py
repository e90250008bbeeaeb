"""The gettext catalogues of cms-bridge (``<lang>/LC_MESSAGES/messages.po``), and the
few helpers both the web layer and services need.

English is the source language (the msgids); German is complete. The ``.po`` files
are the truth and are committed; the ``.mo`` files are built from them
(``make i18n-compile``, and :func:`ensure_compiled` when the app starts), so a fresh
clone needs no binary files in git and never runs with a stale catalogue.

Services that speak to people outside a request in a given language (the
contributor pages' validation messages, the default consent text) call
:func:`gettext_for` with the language the page was shown in: the same catalogue
as the pages, one mechanism.
"""
from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

# one kind of words for the services and the adapters (which must not import the bridge)
from adapters.words import N_ as N_
from adapters.words import Words as Words

DIRECTORY = Path(__file__).resolve().parent
DOMAIN = "messages"
#: languages the interface speaks; the first is the source language and the default
LANGUAGES: tuple[str, ...] = ("en", "de")
#: each language's name in itself (the switch shows the other one's)
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


def po_path(lang: str) -> Path:
    return DIRECTORY / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def ensure_compiled() -> None:
    """Compile every ``.po`` whose ``.mo`` is missing or older. Written to a temporary
    file and renamed, so two processes starting at once never read half a file; a
    read-only install (where ``make`` compiled already) is left as it is."""
    for lang in LANGUAGES[1:]:
        po = po_path(lang)
        mo = po.with_suffix(".mo")
        if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        try:
            fd, tmp = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
        except OSError:
            continue
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog)
        os.replace(tmp, mo)
    _catalogue.cache_clear()


def choose_language(accept_language: str | None, explicit: str | None = None) -> str:
    """``explicit`` (a switch or the account's setting) if we speak it, else the best
    of the ``Accept-Language`` header (RFC 9110 §12.5.4 q-values), else English."""
    if explicit in LANGUAGES:
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
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best


@cache
def _catalogue(lang: str) -> NullTranslations:
    if lang == LANGUAGES[0]:
        return NullTranslations()
    ensure_compiled_once()
    return Translations.load(str(DIRECTORY), [lang], DOMAIN)


@cache
def ensure_compiled_once() -> None:
    ensure_compiled()


def in_language(words: str, lang: str) -> str:
    """What was said (:class:`Words`, from a service or an adapter) in ``lang``; plain
    text (an ``N_`` constant, stored English) as far as the catalogue recognises it."""
    if isinstance(words, Words):
        return words.said_with(lambda msgid: gettext_for(lang, msgid))
    from .shapes import say_stored  # shapes reads this package's catalogue paths

    return say_stored(str(words), lang)


def gettext_for(lang: str, message: str, **values: Any) -> str:
    """``message`` in ``lang`` (outside a request, or for a language other than the
    page's), with ``%(name)s`` placeholders filled like Flask-Babel's gettext."""
    text = _catalogue(lang if lang in LANGUAGES else LANGUAGES[0]).gettext(message)
    return text % values if values else text
