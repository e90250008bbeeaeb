"""The one place with SQL: SQLite through sqlite-utils.

``Store`` is assembled from one query module per area so that each stays small;
services get a ``Store`` and never see a cursor.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import StoreError, dumps, loads
from .comments import CommentsQueries
from .contributions import ContributionsQueries
from .curation import CurationQueries
from .inbox import InboxQueries
from .insights import InsightsQueries
from .items import ItemsQueries
from .jobs import JobsQueries
from .managed_sites import ManagedSitesQueries
from .metrics import MetricsQueries
from .notifications import NotificationsQueries
from .privacy import PrivacyQueries
from .sites import SitesQueries
from .stories import StoriesQueries
from .users import UsersQueries
from .wordpress_plugin import WordPressPluginQueries

__all__ = ["Store", "StoreError", "dumps", "loads", "open_store"]


class Store(ContributionsQueries, ItemsQueries, StoriesQueries, CurationQueries, UsersQueries, WordPressPluginQueries,
            CommentsQueries, JobsQueries, SitesQueries, ManagedSitesQueries, MetricsQueries, InboxQueries,
            PrivacyQueries, InsightsQueries, NotificationsQueries):
    """Every area's queries; an area that uses another's inherits it (comments use jobs and the
    state values), so each module says what it stands on."""


def open_store(path: str, *, migrate: bool = True, tracer: Callable[[str, Any], None] | None = None) -> Store:
    store = Store(path, tracer=tracer)
    if migrate:
        store.migrate()
    return store
