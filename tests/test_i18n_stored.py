"""What adapters and services said, stored as English text, said in the reader's
language (``bridge/translations/shapes.py``): failures caused for real (a refused
connection, a host that does not resolve, a WordPress check against a closed port),
stored as the outbox and sync store them, and read back on German and English pages."""
from __future__ import annotations

import pytest

from adapters.base import Unreachable
from adapters.wordpress.adapter import WordPressAdapter
from adapters.wordpress.connection import WordPressConnection
from adapters.words import N_, Words
from bridge.translations import in_language
from bridge.translations.shapes import say_stored
from bridge.web.humane import plain_error
from bridge.web.i18n import say
from tests.serve_helpers import free_port

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


def _refused() -> Unreachable:
    """What the WordPress adapter raises for a loopback port nobody listens on."""
    connection = WordPressConnection(f"http://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(Unreachable) as caught:
        connection.get(connection.base_url + "/")
    return caught.value


def test_a_refused_connection_is_said_in_german_alive_and_once_stored():
    error = _refused()
    said = error.describe()
    assert said.startswith("cannot connect to http://127.0.0.1:") and said.endswith(
        ": ConnectionError — check the site's URL and that it is up")  # the English, as the API and logs keep it
    alive = in_language(said, "de")
    stored = say_stored(str(said), "de")  # what a page does with the text read back from the store
    assert alive == stored == said.replace("cannot connect to", "keine Verbindung zu").replace(
        "check the site's URL and that it is up", "prüfen Sie die URL der Website und ob sie läuft")
    assert say_stored(str(said), "en") == str(said)  # English readers get it exactly as stored


def test_a_german_page_shows_the_plain_failure_in_german_and_keeps_the_original(app):
    said = str(_refused().describe())
    url = said.split(": ConnectionError")[0].removeprefix("cannot connect to ")
    with app.test_request_context(headers=GERMAN):
        shown = str(plain_error(said))
    assert f">keine Verbindung zu {url} — prüfen Sie die URL der Website und ob sie läuft<" in shown, shown
    assert f'title="{said[:40]}' in shown  # the exact English, for the admin who searches logs
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = str(plain_error(said))
    assert f">cannot connect to {url} — check the site&#39;s URL and that it is up<" in english, english
    # a failure whose reason names the errno is said plainly, in German too
    refused = f"cannot connect to {url}: OSError: [Errno 111] Connection refused — check the site's URL"
    with app.test_request_context(headers=GERMAN):
        assert "der Server hat die Verbindung abgelehnt (läuft er?)" in str(plain_error(refused))


def test_a_connection_check_against_a_closed_port_reads_in_german(app):
    site = {"id": "blog", "kind": "wordpress", "url": f"http://127.0.0.1:{free_port()}", "username": "bridge",
            "timeout": 5}
    report = WordPressAdapter(site, {"password": "x" * 24}).check()
    assert not report.ok and report.problems
    with app.test_request_context(headers=GERMAN):
        german = [say(p) for p in report.problems]
        stored = [say(str(p)) for p in report.problems]  # as sites.attention_reason keeps it
    assert german == stored and all(p.startswith("keine Verbindung zu") for p in german), german


def test_names_stay_names_and_unknown_text_stays_as_it_was():
    # a one-word value that happens to be a word of the catalogue is a name here, not a status
    said = Words(N_("REST: wrong credentials for %(user)r — check the username and the application password"),
                 user="pending")
    assert say_stored(str(said), "de") == \
        "REST: falsche Zugangsdaten für 'pending' — prüfen Sie den Benutzernamen und das Anwendungspasswort"
    # a status is a word of ours and is said
    assert "Spam" in say_stored("Comment #12 changed after you loaded it: it is now spam. Nothing was done; "
                                "look at it again and decide.", "de")
    assert say_stored("HTTP 418 from a teapot", "de") == "HTTP 418 from a teapot"


def test_a_refused_config_value_is_said_with_its_field_and_value_kept():
    assert say_stored("url: 'ftp://x' is not an http(s) URL (write it like https://www.example.org)", "de") == \
        "url: 'ftp://x' ist keine http(s)-URL (schreiben Sie sie wie https://www.example.org)"
    assert say_stored("kind: 'joomla' is not one of: wordpress, typo3", "de") == \
        "kind: 'joomla' ist keiner von: wordpress, typo3"
    assert say_stored("port: 70000 is not a port number (1-65535)", "de") == \
        "port: 70000 ist keine Portnummer (1–65535)"


def test_a_site_form_refusal_is_said_in_german_naming_the_field_and_the_value(client, auth):
    """The site form's own check (bridge/config.py's schema, before any site is asked)."""
    auth.login()
    form = {"kind": "wordpress", "id": "neu", "name": "Neu", "url": "ftp://neu.example", "username": "bridge",
            "password": "abcd efgh ijkl mnop qrst uvwx", "timeout": "schnell", "csrf_token": auth.csrf}
    page = client.post("/sites/new", data=form, headers=GERMAN).get_data(as_text=True)
    assert "url: &#39;ftp://neu.example&#39; ist keine http(s)-URL (schreiben Sie sie wie https://www.example.org)" \
        in page, page
    assert "is not an http(s) URL" not in page


def test_a_typo3_check_against_the_double_reads_in_german(typo3):
    """What the TYPO3 adapter finds on a site (the TYPO3 double): reaction mode's limits,
    and two reactions configured the wrong way round, said in German alive and stored."""
    from tests.test_typo3_adapter import connector_adapter, reaction_adapter

    notes = reaction_adapter(typo3).check().notes
    german = [in_language(note, "de") for note in notes]
    assert german == [say_stored(str(note), "de") for note in notes]
    assert any(n.startswith("Der Reaktionsmodus kann nur anlegen und nur Text") and "installieren Sie den "
               "TYPO3-Connector" in n for n in german), german
    adapter = connector_adapter(typo3, capabilities=("upsert_news", "reply"))
    adapter.endpoints["reply"].url, adapter.endpoints["upsert_news"].url = (
        adapter.endpoints["upsert_news"].url, adapter.endpoints["reply"].url)
    adapter.endpoints["reply"].secret, adapter.endpoints["upsert_news"].secret = (
        adapter.endpoints["upsert_news"].secret, adapter.endpoints["reply"].secret)
    problems = adapter.check().problems
    swapped = [say_stored(str(p), "de") for p in problems if "swap the URLs" in p]
    assert len(swapped) == 2 and all("tauschen Sie die URLs in [sites.connector]" in p for p in swapped), swapped
    assert all(in_language(p, "de") == say_stored(str(p), "de") for p in problems)
