"""What the i18n tests share: the templates whose words are marked for translation,
the German catalogue, and a pragmatic finder of unmarked words in a template."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "bridge" / "web" / "templates"
DE_PO = ROOT / "bridge" / "translations" / "de" / "LC_MESSAGES" / "messages.po"

#: the templates still printing English that is not marked for translation, by name:
#: the comment inbox and the site connection pages (still to be done). Exactly these:
#: tests/test_i18n_catalogue.py fails when one of them is marked (take it off this
#: list) and when any other template, a new one too, prints unmarked English.
NOT_YET_MARKED = (
    "_admin_form_head.html",
    "inbox/commenter.html",
    "inbox/confirm.html",
    "inbox/detail.html",
    "inbox/index.html",
    "inbox/row.html",
    "sites/authorize.html",
    "sites/index.html",
    "sites/new.html",
)
TEMPLATE_NAMES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
#: the templates whose every word goes through the catalogue
MARKED = [name for name in TEMPLATE_NAMES if name not in NOT_YET_MARKED]

#: text that stays as it is in every language (names, formats, code)
ALLOWED_WORDS = {"cms-bridge", "JSON", "CSV", "UTC"}
#: where text is code or data, never prose
SKIP_TAGS = {"script", "style", "pre", "code"}
#: attributes a person reads (or hears)
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}

_COMMENT = re.compile(r"\{#.*?#\}", re.S)
_TRANS = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
_EXPR = re.compile(r"\{\{.*?\}\}", re.S)
_TAG = re.compile(r"\{%.*?%\}", re.S)
#: an English literal a template prints as a fallback: ``x or "never"``, ``a if b else "Hide"``
_FALLBACK = re.compile(r"""\b(?:or|else)\s+(["'])([^"'{}]*[A-Za-z]{2,}[^"'{}]*)\1""")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
#: addresses, paths and hashtags are data, not words
_NOT_WORDS = re.compile(r"https?://\S*|(?<!\w)/\S+|#\w+")
#: inside a class attribute a literal is a CSS class
_IN_CLASS = re.compile(r'class="[^"]*$')


def words_left(text: str) -> list[str]:
    return [w for w in _WORD.findall(_NOT_WORDS.sub(" ", text)) if w not in ALLOWED_WORDS]


def _fallbacks(source: str) -> list[str]:
    found = []
    for expr in _EXPR.finditer(source):
        if _IN_CLASS.search(source[max(0, expr.start() - 200):expr.start()]):
            continue
        text = expr.group(0)
        found += [f"{{{{ … {m.group(2)!r} }}}}" for m in _FALLBACK.finditer(text)]
    return found


class _TextNodes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and words_left(value):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and words_left(data):
            self.found.append(data.strip())


def unmarked(source: str) -> list[str]:
    """English a template would print without the catalogue: text nodes and read
    attributes left after every ``{{ … }}``, ``{% … %}`` and ``{% trans %}`` block is
    taken out, and string literals printed as fallbacks inside expressions."""
    source = _TRANS.sub(" ", _COMMENT.sub(" ", source))
    found = _fallbacks(source)
    parser = _TextNodes()
    parser.feed(_TAG.sub(" ", _EXPR.sub(" ", source)))
    parser.close()
    return found + parser.found


def german_catalogue():
    with DE_PO.open("rb") as fh:
        return read_po(fh, locale="de")
