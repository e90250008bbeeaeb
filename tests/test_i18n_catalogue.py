"""The interface's words go through the gettext catalogue, and the German one is complete.

Fails when a template of the marked set prints English that is not marked for
translation, when a string marked in code or templates has no German (missing,
empty or fuzzy), or when a German string drops or renames a placeholder."""
from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir

from bridge.moderation import ACTION_NAMES
from bridge.store.inbox import STATUSES
from bridge.web.inbox import JS_WORDS
from tests.i18n_helpers import (
    MARKED,
    ROOT,
    SCRIPT_NAMES,
    STATIC,
    TEMPLATES,
    german_catalogue,
    js_code,
    js_english,
    js_literals,
    msgid,
    translated,
    unmarked,
)

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None, "lazy_gettext": None}
METHODS = [("bridge/**.py", "python"), ("adapters/**.py", "python"), ("bridge/web/templates/**.html", "jinja2")]


def extracted() -> set[str]:
    """Every msgid marked in the app, as `make i18n` extracts it (babel.cfg)."""
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={}, comment_tags=()):
        found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("template", MARKED)
def test_every_word_of_the_template_is_marked_for_translation(template):
    left = unmarked((TEMPLATES / template).read_text())
    assert not left, f"{template}: wrap these in {{{{ _('…') }}}}: {left}"


@pytest.mark.parametrize("script", SCRIPT_NAMES)
def test_scripts_show_no_english_of_their_own(script):
    """A script says what its page handed it in the page's language (inbox.js: the JSON
    blob ``#inbox-words`` from ``JS_WORDS``), never a sentence written in the script."""
    left = js_english((STATIC / script).read_text())
    assert not left, f"{script}: say these through the page's words (JS_WORDS in bridge/web/inbox.py, stories.py): " \
        f"{left}"


def test_every_word_inbox_js_asks_for_is_handed_to_it():
    """Each key inbox.js says (``say("key")``, a status, a decision) is in JS_WORDS, which
    is marked with ``_l`` and so extracted into the catalogue like the templates' words."""
    # the code without comments, and without class names tested inside a call (contains("zen"))
    source = re.sub(r"\.contains\(\"[^\"]*\"\)", "", js_code((STATIC / "inbox.js").read_text()))
    calls = re.findall(r"\bsay\(((?:[^()]|\([^()]*\))*)\)", source)
    said = {lit for call in calls for lit in js_literals(call) if re.fullmatch(r"[a-z_]+(\.\w+)?", lit)}
    assert {"comment_by", "announce_next", "zen_on", "zen_off"} <= said  # what it asks for is found
    missing = sorted(said - set(JS_WORDS) - {"done."})  # "done." + action: every action, below
    assert not missing, f"inbox.js says {missing}, which JS_WORDS does not hand it"
    assert {f"done.{a}" for a in ACTION_NAMES} <= set(JS_WORDS)
    assert {f"status.{s}" for s in STATUSES} <= set(JS_WORDS)
    assert js_english('announce("Not done: " + text); say("zen_off"); q("button.a, button.b")') == ["Not done: "]


def test_the_unmarked_check_finds_what_it_must():
    assert unmarked("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked('<input placeholder="e.g. report">') == ["<input placeholder='e.g. report'>"]
    assert unmarked('{{ x or "never" }}') == ["{{ … 'never' }}"]
    assert unmarked('<p>{{ _("Hello") }} <code>cms-bridge sync</code> · {{ x or _("never") }}</p>') == []
    assert unmarked("{% trans %}Hello{% endtrans %}<title>cms-bridge</title>") == []


def test_the_german_catalogue_has_every_message_none_fuzzy_or_empty():
    catalogue = german_catalogue()
    assert not catalogue.fuzzy, "the German catalogue's header is marked fuzzy: pybabel compile would skip it"
    german = {msgid(m): m for m in catalogue if m.id}
    missing = sorted(extracted() - set(german))
    assert not missing, f"run `make i18n` and translate: {missing}"
    fuzzy = sorted(key for key, m in german.items() if m.fuzzy)
    empty = sorted(key for key, m in german.items() if not translated(m))
    assert not fuzzy and not empty, f"fuzzy: {fuzzy}; empty: {empty}"


def test_german_keeps_every_placeholder():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in german_catalogue().check() if errors]
    assert not problems


def test_the_catalogue_carries_the_cms_own_words():
    """docs/glossary.md: the words admins see in WordPress (de_DE) and TYPO3."""
    german = {m.id: m.string for m in german_catalogue() if m.id}
    assert german["Approve"] == "Freigeben" and german["pending"] == "ausstehend"
    assert german["spam"] == "Spam" and german["trash"] == "Papierkorb" and german["Hide"] == "Verbergen"
