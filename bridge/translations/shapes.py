"""Saying stored English text in the reader's language.

What the adapters and services say is stored as English text (a job's last error,
a site's attention reason, a source's last error, a failed write-back): the JSON
API, logs and the CLI read it as it is, and one row is read by people of several
languages. A page says such a text in its reader's language by recognising which
catalogue message made it: every msgid is a *shape* (its ``%(name)s`` placeholders
match any text), the most specific shape that matches the whole text wins, its
translation is filled with the matched values, and each value is said the same way
(so "cannot fetch the feed X: <an inner failure>" comes out whole in German).

A text may start with a label ("blog: …", "REST: …"), which stays as it is. A
refused field reads "field: value message" (``webhooks.problems.FieldError``): the
message is said, the field's name and the value stay as they are. Texts are joined
the way the adapters join them ("; " between findings, " — " before a hint, ": "
before a reason); a text no shape matches is split there and its parts are said one by one.
What no shape recognises stays English, as it was stored: nothing is guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from babel.messages.pofile import read_po

from . import LANGUAGES, po_path

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|%%")
#: a shape needs this many letters of its own to be told apart from any text
MIN_LITERAL_LETTERS = 5
#: how deep values are said again (a reason inside a reason inside a failure)
MAX_DEPTH = 4
#: longer texts (a remote page quoted whole) are shown as stored: a regex per shape
#: over them is work for nothing, and lazy groups must never meet a hostile megabyte
MAX_TEXT = 2000
_JOINS = ("; ", " — ", ": ")
#: "url: 'ftp://x' is not an http(s) URL …" (a FieldError with its value)
_FIELD_ERROR = re.compile(r"(?P<field>[A-Za-z_][\w.\[\]-]*): "
                          r"(?P<value>'[^']*'|\"[^\"]*\"|-?[\d.]+|True|False|None|\[.*?\]) "
                          r"(?P<message>[a-z].*)", re.S)
#: "blog: <what happened>", "REST: <what happened>": a name without spaces, then the words
_LABEL = re.compile(r"(?P<label>[\w.\[\]-]+): (?P<rest>.+)", re.S)
#: placeholders whose value is a word of ours even when it is one word ("spam", "pending");
#: any other one-word value (a user name, an id, a URL) is a name and stays as it is
WORD_VALUES = frozenset({"status", "state", "action", "reason", "problem", "failure", "what", "hint", "feature",
                         "kind"})


@dataclass(frozen=True)
class Shape:
    pattern: re.Pattern
    translation: str
    #: letters of literal text: the more, the more specific
    weight: int
    #: the longest literal piece, checked with ``in`` before the regex runs
    anchor: str


def _shape(msgid: str, translation: str) -> Shape | None:
    parts, seen, literal = [], set(), []
    position = 0
    for found in _PLACEHOLDER.finditer(msgid):
        piece = msgid[position:found.start()]
        literal.append(piece)
        parts.append(re.escape(piece))
        name = found.group(1)
        if name is None:  # %%
            parts.append("%")
            literal.append("%")
        elif name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            parts.append(f"(?P<{name}>.+?)")
        position = found.end()
    literal.append(msgid[position:])
    parts.append(re.escape(msgid[position:]))
    letters = sum(ch.isalpha() for piece in literal for ch in piece)
    if letters < MIN_LITERAL_LETTERS:
        return None
    return Shape(re.compile("".join(parts), re.S), translation, letters, max(literal, key=len))


@dataclass(frozen=True)
class Catalogue:
    exact: dict[str, str]
    shapes: tuple[Shape, ...]


@cache
def catalogue(lang: str) -> Catalogue:
    """The language's messages: texts without placeholders by their English, and the shapes."""
    exact: dict[str, str] = {}
    shapes: list[Shape] = []
    path = po_path(lang)
    if lang != LANGUAGES[0] and path.exists():
        with path.open("rb") as fh:
            for message in read_po(fh, locale=lang):
                if not message.id or not isinstance(message.id, str) or not message.string or message.fuzzy:
                    continue
                if _PLACEHOLDER.search(message.id):
                    shape = _shape(message.id, str(message.string))
                    if shape:
                        shapes.append(shape)
                else:
                    exact[message.id] = str(message.string)
    shapes.sort(key=lambda s: -s.weight)
    return Catalogue(exact, tuple(shapes))


def _fill(translation: str, values: dict[str, str]) -> str:
    def value(found: re.Match) -> str:
        return "%" if found.group(1) is None else values.get(found.group(1), found.group(0))
    return _PLACEHOLDER.sub(value, translation)


def _say_value(name: str, value: str, lang: str, depth: int) -> str:
    is_sentence = " " in value.strip() and any(ch.isalpha() for ch in value)
    return _say(value, lang, depth) if is_sentence or name in WORD_VALUES else value


@lru_cache(maxsize=4096)
def say_stored(text: str, lang: str) -> str:
    """``text`` (English, as stored) in ``lang``, as far as the catalogue knows its words.
    Remembered: a page of jobs often shows the same failure many times."""
    return _say(text, lang, 0)


def _say(text: str, lang: str, depth: int) -> str:
    if lang == LANGUAGES[0] or not text or depth > MAX_DEPTH or len(text) > MAX_TEXT:
        return text
    known = catalogue(lang)
    stripped = text.strip()
    if stripped in known.exact:
        return known.exact[stripped]
    for shape in known.shapes:  # most specific first
        if shape.anchor not in stripped:
            continue
        found = shape.pattern.fullmatch(stripped)
        if found:
            values = {name: _say_value(name, value, lang, depth + 1) for name, value in found.groupdict().items()}
            return _fill(shape.translation, values)
    field_error = _FIELD_ERROR.fullmatch(stripped)
    if field_error:
        message = field_error["message"]
        said = _say(message, lang, depth + 1)
        if said != message:
            return f"{field_error['field']}: {field_error['value']} {said}"
    labelled = _LABEL.fullmatch(stripped)
    if labelled:
        return f"{labelled['label']}: {_say(labelled['rest'], lang, depth + 1)}"
    for join in _JOINS:
        head, sep, tail = stripped.partition(join)
        if sep and head and tail:
            return _say(head, lang, depth + 1) + join + _say(tail, lang, depth + 1)
    return text
