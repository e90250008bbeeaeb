"""Machine text in words people read: times in the reader's own time zone, errors
without errno numbers or exception class names.

Both are template filters (``|when``, ``|plain_error``). What is stored stays as it
was (UTC ISO timestamps, the adapter's own message), so logs and the API keep the
exact text; only pages change how they say it. The exact value is never lost:
``<time datetime>`` carries the instant, and ``plain_error`` keeps the original
as the element's title.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_skeleton, format_time, format_timedelta
from babel.numbers import format_decimal
from flask import Flask, g
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..translations import N_
from ..translations.shapes import say_stored
from .access import bridge
from .i18n import current_language

# -- times -------------------------------------------------------------------------


def time_zones() -> list[str]:
    """Every IANA zone name this machine knows, sorted (for the account page)."""
    return sorted(available_timezones())


def user_zone(user: dict | None) -> ZoneInfo:
    name = (user or {}).get("time_zone") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_instant(value: object) -> datetime | None:
    """A stored time (ISO text with Z, offset or none = UTC; or epoch seconds) as an aware datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        then = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return then if then.tzinfo else then.replace(tzinfo=UTC)


def relative(then: datetime, now: datetime) -> str:
    """'3 min ago', '2 h ago', '5 d ago', 'just now', 'in 4 min'."""
    seconds = int((now - then).total_seconds())
    ahead, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now" if not ahead else "in under a minute"
    for unit, size in (("year", 365 * 86400), ("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = seconds // size
            text = f"{n} {unit}{'s' if unit == 'year' and n > 1 else ''}"
            return f"in {text}" if ahead else f"{text} ago"
    return "just now"  # pragma: no cover - the loop always answers for seconds >= 60


def localised(then: datetime, local: datetime, now: datetime, locale: str) -> str:
    """"2. Dez. 2026, 05:08 · vor 3 Minuten": CLDR's own day and time patterns and
    relative wording for the reader's language (Babel), e.g. German."""
    day = format_skeleton("yMMMd", local, locale=locale)
    ago = (_("just now") if abs((now - then).total_seconds()) < 60 else
           format_timedelta(then - now, add_direction=True, locale=locale))
    return f"{day}, {format_time(local, 'HH:mm', locale=locale)} · {ago}"


def when_text(value: object, zone: ZoneInfo, now: datetime, locale: str = "en") -> tuple[str, str, str] | None:
    """(datetime attribute, "2 Dec, 05:08 · 3 min ago", full title) or None for no time.

    English keeps its compact form (the year only when it is not this one); other
    languages get CLDR's (Babel): "2. Dez. 2026, 05:08 · vor 3 Minuten"."""
    then = parse_instant(value)
    if then is None:
        return None
    local = then.astimezone(zone)
    if locale != "en":
        shown = localised(then, local, now, locale)
    else:
        day = f"{local.day} {local:%b}" + ("" if local.year == now.astimezone(zone).year else f" {local.year}")
        shown = f"{day}, {local:%H:%M} · {relative(then, now)}"
    title = f"{local:%Y-%m-%d %H:%M:%S} {zone.key}"
    return then.astimezone(UTC).isoformat().replace("+00:00", "Z"), shown, title


def when(value: object) -> Markup:
    """Template filter: ``<time datetime="…Z" title="…">2 Dec, 05:08 · 3 min ago</time>``.

    Empty for no time, so ``{{ x|when or "never" }}`` works; text that is not a
    time is shown as it is."""
    now = datetime.fromtimestamp(bridge().clock(), UTC)
    parts = when_text(value, user_zone(g.get("user")), now, str(get_locale() or "en"))
    if parts is None:
        return Markup("") if value in (None, "") else Markup("{}").format(value)
    iso, shown, title = parts
    return Markup('<time datetime="{}" title="{}">{}</time>').format(iso, title, shown)


def zone_or_error(name: str) -> tuple[str | None, str | None]:
    """(the zone name, None) or (None, an error naming the field, the value and the fix)."""
    name = (name or "").strip()
    if name in available_timezones():
        return name, None
    return None, _("Time zone %(name)r is not one this server knows; choose one from the list "
                   "(an IANA name such as Europe/Berlin or America/New_York).", name=name)


# -- errors ------------------------------------------------------------------------
#: what low-level network and HTTP failures mean, in the words of someone running a site
#: (msgids: said in the reader's language)
_PLAIN: tuple[tuple[re.Pattern, str], ...] = tuple((re.compile(p, re.I), words) for p, words in (
    (r"Errno -[235]\]|Name or service not known|nodename nor servname|getaddrinfo failed|"
     r"NameResolutionError|Temporary failure in name resolution|No address associated",
     N_("the address could not be found (the host name does not resolve)")),
    (r"Errno 111\]|Connection refused|ECONNREFUSED", N_("the server refused the connection (is it running?)")),
    (r"timed out|ReadTimeout|ConnectTimeout", N_("the server did not answer in time")),
    (r"CERTIFICATE_VERIFY_FAILED|SSLError|certificate verify", N_("the server's HTTPS certificate is not trusted")),
    (r"Errno 101\]|Network is unreachable|Errno 113\]|No route to host", N_("the network path to the server is down")),
    (r"Connection reset|RemoteDisconnected|Connection aborted", N_("the server closed the connection mid-way")),
))
#: what plain_words leaves of our own sentences once it drops an exception's class name
#: ("cannot connect to X: ConnectionError"): msgids, so the short form is said too
_SHORT_FORMS = (N_("cannot connect to %(url)s"),)
_ERRNO = re.compile(r"\[Errno -?\d+\]\s*")
_CLASS_NAMES = re.compile(r":\s*(?:ConnectionError|[A-Z][A-Za-z]+(?:Error|Exception))\b(?=\s*(?:—|$|\())")


def plain_words(text: str | None) -> str:
    """An error as one plain English sentence: known low-level failures named in words,
    errno numbers and exception class names dropped, the rest kept (it is
    usually already ours: "cannot connect to … — check the site's URL")."""
    if not text:
        return ""
    first = str(text).strip().splitlines()[0].strip()
    hint = first.split(" — ", 1)[1].strip() if " — " in first else ""
    for pattern, words in _PLAIN:
        found = pattern.search(first)
        if found:
            # keep our own context before it ("cannot resolve host 'x'"), not urllib3's pool name
            before = first[:found.start()]
            lead = before.split(": ", 1)[0].strip() if ": " in before else ""
            if "ConnectionPool" in lead or "Errno" in lead:
                lead = ""
            return (f"{lead}: " if lead else "") + words + (f" — {hint}" if hint else "")
    return _CLASS_NAMES.sub("", _ERRNO.sub("", first)).strip()


def plain_error(text: str | None) -> Markup:
    """Template filter: the plain sentence in the reader's language (as far as the
    catalogue knows its words: ``bridge/translations/shapes.py``), the original
    kept as its title."""
    if not text:
        return Markup("")
    said = say_stored(plain_words(text), current_language())
    return Markup('<span class="plain-error" title="{}">{}</span>').format(str(text), said)


def number(value: float | Decimal | str | None) -> str:
    """Template filter: a count as the reader's language writes it (1,234 / 1.234)."""
    if value is None or value == "":
        return ""
    try:
        return format_decimal(value, locale=str(get_locale() or "en"))
    except (TypeError, ValueError):
        return str(value)


def install(app: Flask) -> None:
    app.add_template_filter(number, "number")
    app.add_template_filter(when, "when")
    app.add_template_filter(plain_error, "plain_error")
    app.add_template_global(time_zones, "time_zones")
