"""URL and id bounds shared by pages and the API.

SQLite stores integers as signed 64-bit: a larger id in a URL or a JSON body made
sqlite3 raise OverflowError (a 500). The ``int`` URL converter registered by the
app factory refuses such ids at routing (→ 404, as for any id that does not exist),
and JSON bodies check ids with ``is_id``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.routing import IntegerConverter

if TYPE_CHECKING:
    from werkzeug.routing import Map

#: the largest id SQLite can hold (INTEGER PRIMARY KEY is a signed 64-bit rowid)
MAX_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that only matches 0 … ``MAX_ID`` (unless a rule sets its own max)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None, max: int = MAX_ID,
                 signed: bool = False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def is_id(value: object) -> bool:
    """A JSON value that can be a stored row's id."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
