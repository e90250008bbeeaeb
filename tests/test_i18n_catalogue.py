"""The interface's words go through the gettext catalogue, and the German one is complete.

Fails when a template of the marked set prints English that is not marked for
translation, when a string marked in code or templates has no German (missing,
empty or fuzzy), or when a German string drops or renames a placeholder."""
from __future__ import annotations

import pytest
from babel.messages.extract import extract_from_dir

from tests.i18n_helpers import MARKED, NOT_YET_MARKED, ROOT, TEMPLATE_NAMES, TEMPLATES, german_catalogue, unmarked

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None, "lazy_gettext": None}
METHODS = [("bridge/**.py", "python"), ("bridge/web/templates/**.html", "jinja2")]


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


@pytest.mark.parametrize("template", NOT_YET_MARKED)
def test_the_allow_list_names_only_templates_that_still_print_unmarked_english(template):
    """The allow-list says exactly which templates remain: each exists and still has
    unmarked words (once marked, it must leave the list and be checked like the rest)."""
    assert template in TEMPLATE_NAMES, f"{template} is gone: take it off NOT_YET_MARKED"
    assert unmarked((TEMPLATES / template).read_text()), \
        f"{template} is marked now: take it off NOT_YET_MARKED in tests/i18n_helpers.py"


def test_the_unmarked_check_finds_what_it_must():
    assert unmarked("<p>Hello {{ name }}</p>") == ["Hello"]
    assert unmarked('<input placeholder="e.g. report">') == ["<input placeholder='e.g. report'>"]
    assert unmarked('{{ x or "never" }}') == ["{{ … 'never' }}"]
    assert unmarked('<p>{{ _("Hello") }} <code>cms-bridge sync</code> · {{ x or _("never") }}</p>') == []
    assert unmarked("{% trans %}Hello{% endtrans %}<title>cms-bridge</title>") == []


def test_the_german_catalogue_has_every_message_none_fuzzy_or_empty():
    catalogue = german_catalogue()
    assert not catalogue.fuzzy, "the German catalogue's header is marked fuzzy: pybabel compile would skip it"
    # a plural message (ngettext) is known by its singular and needs every German form
    german = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalogue if m.id}
    missing = sorted(extracted() - set(german))
    assert not missing, f"run `make i18n` and translate: {missing}"
    fuzzy = sorted(key for key, m in german.items() if m.fuzzy)
    empty = sorted(key for key, m in german.items()
                   if not (m.string if isinstance(m.string, str) else all(m.string)))
    assert not fuzzy and not empty, f"fuzzy: {fuzzy}; empty: {empty}"


def test_german_keeps_every_placeholder():
    problems = [(m.id, [str(e) for e in errors]) for m, errors in german_catalogue().check() if errors]
    assert not problems


def test_the_catalogue_carries_the_cms_own_words():
    """docs/glossary.md: the words admins see in WordPress (de_DE) and TYPO3."""
    german = {m.id: m.string for m in german_catalogue() if m.id}
    assert german["Approve"] == "Freigeben" and german["pending"] == "ausstehend"
    assert german["spam"] == "Spam" and german["trash"] == "Papierkorb" and german["Hide"] == "Verbergen"
