"""Parsing a webhook's JSON body without letting the sender crash or poison us.

``json.loads`` recurses per nesting level, so a body nested 100,000 levels deep
raised RecursionError (a 500); and JSON may spell lone UTF-16 surrogates
(``"\\ud800"``) that Python accepts as str but SQLite's UTF-8 cannot store
(UnicodeEncodeError later, when storing). Both are refused here, before any
parsing recursion or storage, with a problem detail that names what was wrong.
"""
from __future__ import annotations

import json
import re

#: real payloads nest a few levels (item → media → object); anything deeper is hostile
MAX_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]+")


class BodyError(ValueError):
    """A body that is refused; ``status``/``title``/``detail`` make the problem answer."""

    def __init__(self, status: int, title: str, detail: str):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def nesting_depth(body: bytes) -> int:
    """The deepest nesting of arrays/objects, brackets inside strings not counted."""
    brackets = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", body))
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _lone_surrogate_path(value, path: str = "body") -> str | None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for key, sub in value.items():
            found = _lone_surrogate_path(key, f"{path} (a key)") or _lone_surrogate_path(sub, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for i, sub in enumerate(value):
            found = _lone_surrogate_path(sub, f"{path}[{i}]")
            if found:
                return found
    return None


def parse(body: bytes, *, max_depth: int = MAX_DEPTH):
    """The JSON value of ``body``; BodyError (400/422) for what we refuse."""
    depth = nesting_depth(body)
    if depth > max_depth:
        raise BodyError(400, "JSON nested too deeply",
                        f"the body nests arrays/objects {depth} levels deep; at most {max_depth} are accepted")
    try:
        data = json.loads(body)
    except RecursionError:  # the depth scan should prevent it; never let it become a 500
        raise BodyError(400, "JSON nested too deeply", f"at most {max_depth} levels are accepted") from None
    except ValueError as exc:  # includes invalid UTF-8 (UnicodeDecodeError)
        raise BodyError(400, "Bad JSON", f"the body is not valid JSON in UTF-8: {exc}") from None
    where = _lone_surrogate_path(data)
    if where:
        raise BodyError(422, "Invalid text", f"{where} contains a lone UTF-16 surrogate (such as \\ud800), which "
                        "is not a character; send valid Unicode text")
    return data
