"""Language choice and localised formats through the app (Flask's test client)."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bridge.translations import choose_language, gettext_for
from bridge.web.humane import when_text

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
NOW = datetime(2026, 12, 2, 5, 11, 9, tzinfo=UTC)


def test_german_dates_and_relative_times_come_from_babel():
    iso, shown, title = when_text("2026-12-02T05:08:08Z", ZoneInfo("UTC"), NOW, "de")
    assert shown == "2. Dez. 2026, 05:08 · vor 3 Minuten" and iso == "2026-12-02T05:08:08Z"
    assert when_text("2026-12-01T23:30:00Z", ZoneInfo("Europe/Berlin"), NOW, "de")[1] == \
        "2. Dez. 2026, 00:30 · vor 6 Stunden"
    assert when_text(NOW.timestamp() + 600, ZoneInfo("UTC"), NOW, "de")[1] == "2. Dez. 2026, 05:21 · in 10 Minuten"
    # English keeps its compact form
    assert when_text("2026-12-02T05:08:08Z", ZoneInfo("UTC"), NOW)[1] == "2 Dec, 05:08 · 3 min ago"


def test_accept_language_picks_german_or_english():
    assert choose_language("de-DE,de;q=0.9,en;q=0.5") == "de"
    assert choose_language("en-GB,de;q=0.3") == "en"
    assert choose_language("fr-FR,fr;q=0.9") == "en"  # a language we do not speak: English
    assert choose_language("fr, de;q=0.1") == "de"
    assert choose_language("de", explicit="en") == "en"  # the switch wins
    assert gettext_for("de", "Approve") == "Freigeben" and gettext_for("en", "Approve") == "Approve"


def test_pages_follow_the_browser_the_api_stays_english(client, auth):
    login = client.get("/login", headers=GERMAN)
    html = login.get_data(as_text=True)
    assert '<html lang="de">' in html and "Anmelden" in html and "Accept-Language" in login.headers["Vary"]
    assert 'hreflang="en"' in html  # the switch to the other language
    auth.login()
    assert "Übersicht" in client.get("/", headers=GERMAN).get_data(as_text=True)
    assert "Overview" in client.get("/").get_data(as_text=True)
    problem = client.get("/api/v1/comments/999999", headers=GERMAN)
    assert problem.status_code == 404 and problem.mimetype == "application/problem+json"
    assert "Nicht" not in problem.get_data(as_text=True)
    doc = client.get("/api/v1/openapi.json", headers=GERMAN).get_json()
    assert "English only" in doc["info"]["description"]
    missing = client.get("/curation/items/999999", headers=GERMAN).get_data(as_text=True)
    assert "404 · Nicht gefunden" in missing


def test_the_account_language_is_kept_per_user_and_refuses_an_unknown_one(client, auth, bridge):
    auth.login()
    saved = client.post("/account/language", data={"language": "de", "csrf_token": auth.csrf},
                        follow_redirects=True)
    assert "Die Oberfläche ist jetzt auf Deutsch." in saved.get_data(as_text=True)
    assert bridge.store.get_user_by_name("admin")["language"] == "de"
    assert "Übersicht" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    bad = client.post("/account/language", data={"language": "xx", "csrf_token": auth.csrf}, follow_redirects=True)
    assert "Die Sprache &#39;xx&#39;" in bad.get_data(as_text=True) and "en, de" in bad.get_data(as_text=True)
    assert bridge.store.get_user_by_name("admin")["language"] == "de"
    client.post("/account/language", data={"language": "", "csrf_token": auth.csrf})
    assert bridge.store.get_user_by_name("admin")["language"] is None


def test_the_login_switch_holds_through_the_login(client, auth):
    assert "Anmelden" in client.get("/login?lang=de").get_data(as_text=True)
    assert "Anmelden" in client.get("/login").get_data(as_text=True)  # the session keeps the switch
    auth.login()
    assert "Übersicht" in client.get("/").get_data(as_text=True)
