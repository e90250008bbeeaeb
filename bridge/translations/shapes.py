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

_PLACEHOLDER = re.compile(r"%\((\w+)\)([sdr])|%%")
#: placeholders that hold one token (a URL, an id, a number, a variable's name), never a
#: sentence: they match no spaces, so "%(name)s reaction %(url)s" cannot swallow a hint
TOKEN_VALUES = frozenset({"url", "host", "site", "name", "id", "variable", "capability", "status", "code", "item",
                          "seconds", "bytes", "length", "max_bytes", "bytes_read", "route", "encoding", "user",
                          "transport", "location", "address", "scheme", "reaction", "comment_id", "rounds",
                          "images", "max_images", "tags", "max_tags", "max_redirects", "version"})
#: what a placeholder matches: a token, a repr (%r: quoted, or a number), or any text
_TOKEN, _REPR, _ANY = r"\S+?", r"(?:'[^'\n]*'|\"[^\"\n]*\"|\S+?)", r".+?"
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
            what = _REPR if found.group(2) == "r" else _TOKEN if name in TOKEN_VALUES else _ANY
            parts.append(f"(?P<{name}>{what})")
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


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@lru_cache(maxsize=4096)
def say_stored(text: str, lang: str) -> str:
    """``text`` (English, as stored) in ``lang``, as far as the catalogue knows its words.
    Remembered: a page of jobs often shows the same failure many times."""
    if lang == LANGUAGES[0] or not text or len(text) > MAX_TEXT:
        return text
    return _Saying(catalogue(lang)).say(text, 0)[0]


class _Saying:
    """One text being said: each piece is looked at once (``seen``); every way of
    splitting a text no shape knows is tried, and the one leaving the fewest English
    letters wins (a hint's "; " must not be taken for the "; " between two findings)."""

    def __init__(self, known: Catalogue):
        self.known = known
        self.seen: dict[tuple[str, int], tuple[str, int]] = {}

    def say(self, text: str, depth: int) -> tuple[str, int]:
        """(the text said, how many of its letters stayed English)."""
        key = (text, depth)
        if key not in self.seen:
            self.seen[key] = self._say(text, depth)
        return self.seen[key]

    def _say(self, text: str, depth: int) -> tuple[str, int]:
        stripped = text.strip()
        if depth > MAX_DEPTH:
            return text, _letters(text)
        if stripped in self.known.exact:
            return self.known.exact[stripped], 0
        for shape in self.known.shapes:  # most specific first
            if shape.anchor not in stripped:
                continue
            found = shape.pattern.fullmatch(stripped)
            if found:
                said = {name: self._value(name, value, depth + 1) for name, value in found.groupdict().items()}
                return _fill(shape.translation, {k: v[0] for k, v in said.items()}), sum(v[1] for v in said.values())
        field_error = _FIELD_ERROR.fullmatch(stripped)
        if field_error:
            message, left = self.say(field_error["message"], depth + 1)
            if left < _letters(field_error["message"]):
                return f"{field_error['field']}: {field_error['value']} {message}", left
        labelled = _LABEL.fullmatch(stripped)
        if labelled:
            rest, left = self.say(labelled["rest"], depth + 1)
            return f"{labelled['label']}: {rest}", left
        best = (text, _letters(text))
        for join in _JOINS:
            head, sep, tail = stripped.partition(join)
            if sep and head and tail:
                (said_head, left_head), (said_tail, left_tail) = self.say(head, depth + 1), self.say(tail, depth + 1)
                if left_head + left_tail < best[1]:
                    best = (said_head + join + said_tail, left_head + left_tail)
        return best

    def _value(self, name: str, value: str, depth: int) -> tuple[str, int]:
        is_sentence = " " in value.strip() and any(ch.isalpha() for ch in value)
        return self.say(value, depth) if is_sentence or name in WORD_VALUES else (value, 0)
