"""Maps a site's or source's ``kind`` to its adapter class, like Apache Libcloud's
``get_driver``: adding a CMS is one new module and one :func:`register_cms_adapter`
line (the built-in kinds below are registered the same way).

Classes given as ``"package.module:Class"`` are imported lazily, so that a broken or
heavy optional adapter never stops the others from loading. Config validation asks
:func:`cms_kinds` each time it runs, so a kind registered after import (a plugin, the
tests' in-memory adapter) is accepted like a built-in one.
"""
from __future__ import annotations

import importlib

from .words import N_, Words

CMS_ADAPTERS: dict[str, str | type] = {}

SOURCES: dict[str, str | type] = {
    "feed": "adapters.feeds:FeedSource",
}


class UnknownKind(LookupError):
    pass


def register_cms_adapter(kind: str, target: str | type) -> None:
    """Make ``kind`` a valid ``[[sites]]`` kind: ``target`` is the CMSAdapter class
    or ``"package.module:Class"`` (imported on first use)."""
    CMS_ADAPTERS[kind] = target


register_cms_adapter("wordpress", "adapters.wordpress:WordPressAdapter")
register_cms_adapter("typo3", "adapters.typo3:Typo3Adapter")


def cms_kinds() -> list[str]:
    """The site kinds registered now, sorted (what config validation accepts)."""
    return sorted(CMS_ADAPTERS)


def _load(table: dict[str, str | type], kind: str, unknown: str):
    """The class registered for ``kind``; ``unknown`` (a msgid with ``%(kind)r`` and
    ``%(known)s``) says it when there is none."""
    try:
        target = table[kind]
    except KeyError:
        raise UnknownKind(Words(unknown, kind=kind, known=", ".join(sorted(table)))) from None
    if not isinstance(target, str):
        return target
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def get_cms_adapter(kind: str):
    """The CMSAdapter class for a ``[[sites]]`` kind."""
    return _load(CMS_ADAPTERS, kind, N_("unknown site kind %(kind)r; expected one of: %(known)s"))


def get_source(kind: str):
    """The Source class for a polled ``[[sources]]`` kind."""
    return _load(SOURCES, kind, N_("unknown source kind %(kind)r; expected one of: %(known)s"))
