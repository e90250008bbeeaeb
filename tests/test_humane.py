"""Times and errors in words (bridge/web/humane.py)."""
from __future__ import annotations

import socket
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bridge.web.humane import plain_error, plain_words, when_text, zone_or_error

NOW = datetime(2026, 12, 2, 5, 11, 9, tzinfo=UTC)


def test_a_stored_utc_time_is_shown_in_the_readers_zone_with_its_age():
    iso, shown, title = when_text("2026-12-02T05:08:08.587479Z", ZoneInfo("UTC"), NOW)
    assert (iso, shown, title) == ("2026-12-02T05:08:08.587479Z", "2 Dec, 05:08 · 3 min ago",
                                   "2026-12-02 05:08:08 UTC")
    # a non-UTC reader, across a date line, and an older year
    assert when_text("2026-12-01T23:30:00Z", ZoneInfo("Pacific/Auckland"), NOW)[1] == "2 Dec, 12:30 · 5 h ago"
    assert when_text("2025-07-01T12:00:00+02:00", ZoneInfo("America/New_York"), NOW)[1] == \
        "1 Jul 2025, 06:00 · 1 year ago"
    # naive text is UTC (as every stored time is); epoch seconds work; a retry time ahead says "in"
    assert when_text("2026-12-02T05:00:00", ZoneInfo("UTC"), NOW)[1] == "2 Dec, 05:00 · 11 min ago"
    assert when_text(NOW.timestamp() + 600, ZoneInfo("UTC"), NOW)[1] == "2 Dec, 05:21 · in 10 min"
    assert when_text(None, ZoneInfo("UTC"), NOW) is None
    assert when_text("not a time", ZoneInfo("UTC"), NOW) is None


def test_errors_lose_errno_numbers_and_class_names():
    try:
        socket.getaddrinfo("cms-bridge-test.invalid", 80)
    except socket.gaierror as exc:
        real = str(exc)
    assert "Errno" in real  # the text Python gives for a name that does not resolve
    assert plain_words(real) == "the address could not be found (the host name does not resolve)"
    assert plain_words(f"cannot fetch 'https://x.invalid/a.jpg': {real}") == \
        "cannot fetch 'https://x.invalid/a.jpg': the address could not be found (the host name does not resolve)"
    assert plain_words("cannot connect to http://x.invalid: ConnectionError — check the site's URL") == \
        "cannot connect to http://x.invalid — check the site's URL"
    assert plain_words("HTTP 500 from the site\nTraceback (most recent call last):") == "HTTP 500 from the site"
    assert plain_words(None) == ""


def test_an_unknown_time_zone_is_refused_naming_value_and_fix():
    assert zone_or_error(" Europe/Berlin ") == ("Europe/Berlin", None)
    name, error = zone_or_error("Mars/Olympus_Mons")
    assert name is None and "'Mars/Olympus_Mons'" in error and "Europe/Berlin" in error


def test_known_failures_are_said_in_the_readers_language_with_the_words_around_them(app):
    refused = ("cannot connect to http://x.invalid: [Errno 111] Connection refused — check the site's URL and that "
               "it is up")
    with app.test_request_context(headers={"Accept-Language": "de"}):
        shown = str(plain_error(refused))
    assert ">keine Verbindung zu http://x.invalid: der Server hat die Verbindung abgelehnt (läuft er?) — prüfen Sie " \
           "die URL der Website und ob sie läuft<" in shown
    assert 'title="cannot connect to http://x.invalid: [Errno 111]' in shown  # the original kept
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert plain_words(refused) == ("cannot connect to http://x.invalid: the server refused the connection "
                                        "(is it running?) — check the site's URL and that it is up")
