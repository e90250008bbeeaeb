"""Maps a site's or source's ``kind`` to its adapter class, like Apache Libcloud's
``get_driver``: adding a CMS is one new module and one line here.

Classes are imported lazily so that a broken or heavy optional adapter never
stops the others from loading.
"""
from __future__ import annotations

import importlib

CMS_ADAPTERS: dict[str, str] = {
    "wordpress": "adapters.wordpress:WordPressAdapter",
    "typo3": "adapters.typo3:Typo3Adapter",
}

SOURCES: dict[str, str] = {
    "feed": "adapters.feeds:FeedSource",
}


class UnknownKind(LookupError):
    pass


def _load(table: dict[str, str], kind: str, what: str):
    try:
        target = table[kind]
    except KeyError:
        known = ", ".join(sorted(table))
        raise UnknownKind(f"unknown {what} kind {kind!r}; expected one of: {known}") from None
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def get_cms_adapter(kind: str):
    """The CMSAdapter class for a ``[[sites]]`` kind."""
    return _load(CMS_ADAPTERS, kind, "site")


def get_source(kind: str):
    """The Source class for a polled ``[[sources]]`` kind."""
    return _load(SOURCES, kind, "source")


def register_cms_adapter(kind: str, target: str) -> None:
    """Add a third-party adapter, ``"package.module:Class"``."""
    CMS_ADAPTERS[kind] = target
