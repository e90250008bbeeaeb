"""Words an adapter says to a person: English text that remembers how it was made.

Adapters must not depend on the bridge (they are the drivers it loads), yet what
they say (a failure, a connection check's finding, a hint) reaches German readers
on the bridge's pages. So a message is written once, in English, as a gettext
msgid marked with :func:`N_` and filled with named values::

    raise Unreachable(Words(N_("%(url)s did not answer within %(seconds)s s"), url=url, seconds="10"),
                      hint=N_("the next sync retries"))

The result *is* the English string (logs, the JSON API, the CLI and the store read
it as it is) and keeps its msgid and values, so the bridge's pages can say it in
their reader's language (``bridge.translations``): directly while it is alive, and,
once stored as text, by recognising the catalogue's sentence shapes. Embed another
failure as a value at the end after ``": "`` (``"cannot fetch %(url)s: %(reason)s"``)
so the recogniser can say both parts.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional name for "mark only"
    """Marks a msgid for extraction (``pybabel extract -k N_``); the words are
    looked up later, in the language of whoever reads them."""
    return message


class Words(str):
    """English text with its msgid and values (see the module's docstring).

    Values that are Words themselves (a status, a nested reason) are said in the
    reader's language too."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, **values: Any) -> Words:
        words = super().__new__(cls, msgid % values if values else msgid)
        words.msgid, words.values = msgid, values
        return words

    def said_with(self, gettext: Callable[[str], str]) -> str:
        """The same words in another language, given that language's ``gettext``."""
        values = {k: v.said_with(gettext) if isinstance(v, Words) else v for k, v in self.values.items()}
        text = gettext(self.msgid)
        return text % values if values else text
