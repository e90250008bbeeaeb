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

STATIC = ROOT / "bridge" / "web" / "static"
SCRIPT_NAMES = sorted(p.name for p in STATIC.glob("*.js"))
TEMPLATE_NAMES = sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html"))
#: the templates whose every word goes through the catalogue: all of them
MARKED = TEMPLATE_NAMES

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


_JS_COMMENT = re.compile(r"/\*.*?\*/|^\s*//[^\n]*$", re.S | re.M)
_JS_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'')
#: two words with a space between: a sentence, not a key, a selector or an event name
_JS_PROSE = re.compile(r"[A-Za-z]{2,}[,:;]? +[A-Za-z]{2,}")
_JS_CODE = re.compile(r"\[|\w\.\w|^use strict$")


def js_code(source: str) -> str:
    """A script without its comments."""
    return _JS_COMMENT.sub(" ", source)


def js_literals(source: str) -> list[str]:
    """The string literals of a script, comments left out."""
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _JS_LITERAL.finditer(js_code(source))]


def js_english(source: str) -> list[str]:
    """Sentences a script would show as they are, whatever the page's language."""
    return [lit for lit in js_literals(source) if _JS_PROSE.search(lit) and not _JS_CODE.search(lit)]


def german_catalogue():
    with DE_PO.open("rb") as fh:
        return read_po(fh, locale="de")


def msgid(message) -> str:
    """A message's msgid (the singular of a plural one), as extraction names it."""
    return message.id if isinstance(message.id, str) else message.id[0]


def translated(message) -> bool:
    """Every form has its German (both of a plural: "1 Link", "2 Links")."""
    return all(message.string) if isinstance(message.string, tuple) else bool(message.string)


def english_and_german(catalogue) -> list[tuple[str, str]]:
    """(English, German) for every form of every message: a plural gives two pairs."""
    pairs = []
    for m in catalogue:
        if not m.id:
            continue
        if isinstance(m.id, str):
            pairs.append((m.id, m.string))
        else:
            pairs += list(zip(m.id, m.string, strict=False))
    return pairs
