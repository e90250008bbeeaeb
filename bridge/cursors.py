"""The one keyset-cursor codec: a page position ``(time, id)`` as an opaque URL-safe string.

The inbox (comments by date) and the curation queue (items by arrival) both page
newest first by a timestamp with the row id as tie-breaker, so both hand out the
same kind of cursor; a cursor is only a position, never a permission (the query
that uses it still filters by the reader's sites).
"""
from __future__ import annotations

import base64
import binascii
from typing import overload


@overload
def encode(key: tuple[str, int]) -> str: ...
@overload
def encode(key: None) -> None: ...
def encode(key: tuple[str, int] | None) -> str | None:
    """The cursor of a position (None stays None: there is no next page)."""
    if key is None:
        return None
    return base64.urlsafe_b64encode(f"{key[0]}|{key[1]}".encode()).decode().rstrip("=")


def decode(text: str | None) -> tuple[str, int] | None:
    """The position a cursor stands for (None for none); ValueError for a cursor this server did not make."""
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        when, _, ident = raw.rpartition("|")
        if not when:
            raise ValueError(text)
        return when, int(ident)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValueError(f"cursor {text!r} is not one this server handed out; start again without it") from None
