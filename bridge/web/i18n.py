"""Which language a page speaks, and the Flask-Babel wiring.

The choice, first match wins:

1. the JSON API, the webhooks and /metrics are always English (machine-readable codes
   plus English detail; scripts must not change behaviour with a browser setting);
2. ``?lang=`` — the visible switch on pages without a login (login, contribution
   pages), kept for the rest of the session on the login page;
3. the signed-in user's own choice on the account page (``users.language``);
4. the session's earlier switch;
5. the browser's ``Accept-Language`` (German or English), else English.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, g, request, session
from flask_babel import Babel, get_locale

from ..translations import DIRECTORY, LANGUAGE_NAMES, LANGUAGES, Words, choose_language, ensure_compiled, in_language
from ..translations.shapes import say_stored
from . import labels

if TYPE_CHECKING:
    from flask import Response

ENGLISH_ONLY_BLUEPRINTS = {"api", "webhooks", "metrics"}


def explicit_switch() -> str | None:
    """The page's language switch (``?lang=de``), if it names a language we speak."""
    lang = request.args.get("lang")
    return lang if lang in LANGUAGES else None


def select_locale() -> str:
    if not request:
        return LANGUAGES[0]
    if (request.blueprint or "") in ENGLISH_ONLY_BLUEPRINTS:
        return LANGUAGES[0]
    switch = explicit_switch()
    if switch:
        return switch
    user = g.get("user")
    if user and user.get("language") in LANGUAGES:
        return user["language"]
    return choose_language(request.headers.get("Accept-Language"), session.get("lang"))


def select_timezone() -> str:
    user = g.get("user")
    return (user or {}).get("time_zone") or "UTC"


def current_language() -> str:
    return str(get_locale() or LANGUAGES[0])


def say(text) -> str:
    """Template filter ``|say`` (and for views): what a service or an adapter said
    (:class:`Words`) in the page's language; other text (stored English) as far as the
    catalogue recognises it (``bridge/translations/shapes.py``)."""
    if isinstance(text, Words):
        return in_language(text, current_language())
    return "" if text is None else say_stored(str(text), current_language())


def other_language() -> str:
    """The language the switch offers: the one this page is not in."""
    here = current_language()
    return next(code for code in LANGUAGES if code != here)


def remember_switch() -> None:
    """before_request: a switch on a page without login holds for the session (the
    login form posts back without ``?lang=``)."""
    switch = explicit_switch()
    if switch and (request.blueprint or "") not in ENGLISH_ONLY_BLUEPRINTS and session.get("lang") != switch:
        session["lang"] = switch


def add_vary(response: Response):
    """Pages differ by Accept-Language; shared caches must know."""
    if (request.blueprint or "") not in ENGLISH_ONLY_BLUEPRINTS:
        response.vary.add("Accept-Language")
    return response


def install(app: Flask) -> None:
    ensure_compiled()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[0])
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(DIRECTORY)
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(remember_switch)
    app.after_request(add_vary)
    labels.install(app)
    app.add_template_filter(say, "say")
    app.add_template_global(current_language, "current_language")
    app.add_template_global(other_language, "other_language")
    app.jinja_env.globals.update(language_names=LANGUAGE_NAMES, languages=LANGUAGES)  # values, not functions
