"""The one place with SQL: SQLite through sqlite-utils.

``Store`` is assembled from one query module per area so that each stays small;
services get a ``Store`` and never see a cursor.
"""
from __future__ import annotations

from .base import StoreBase, StoreError, dumps, loads
from .comments import CommentsQueries
from .contributions import ContributionsQueries
from .curation import CurationQueries
from .inbox import InboxQueries
from .items import ItemsQueries
from .jobs import JobsQueries
from .sites import SitesQueries
from .users import UsersQueries

__all__ = ["Store", "StoreError", "dumps", "loads", "open_store"]


class Store(ContributionsQueries,
            CurationQueries, UsersQueries, JobsQueries, SitesQueries, ItemsQueries, CommentsQueries, InboxQueries,
            StoreBase):
    pass


def open_store(path: str, *, migrate: bool = True, tracer=None) -> Store:
    store = Store(path, tracer=tracer)
    if migrate:
        store.migrate()
    return store
