"""The ``Bridge``: config, store, outbox, adapters and services wired together once.

The web app, the CLI and the webhook blueprint all reach the services through
this one object (``current_app.extensions["bridge"]`` in requests), so there is a
single place where a site's adapter is built and a job kind gets its handler.
Every service is a typed attribute (``bridge.curation``, ``bridge.sync``, …),
built in :meth:`Bridge.__init__` by its module's ``setup(bridge)``, which also
registers the service's job handlers on ``bridge.outbox``: a new service is an
import, an annotation and one line there.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from adapters import registry
from adapters.base import CMSAdapter

from . import clock as clock_mod
from . import (
    contributions,
    curation,
    insights,
    intake,
    moderation,
    notifications,
    privacy,
    site_admin,
    source_admin,
    stories,
    sync,
    wordpress_plugin,
)
from .config import Config
from .contributions import ContributionService
from .curation import CurationService
from .insights import InsightsService
from .intake import IntakeService
from .moderation import ModerationService
from .notifications import NotificationService
from .outbox import Outbox
from .privacy import PrivacyService
from .site_admin import SiteAdmin
from .source_admin import SourceAdmin
from .store import Store, open_store
from .stories import StoriesService
from .sync import SyncService
from .wordpress_plugin import WordPressPluginService

log = logging.getLogger(__name__)


class UnknownSite(LookupError):
    pass


class Bridge:
    intake: IntakeService
    curation: CurationService
    stories: StoriesService
    sync: SyncService
    moderation: ModerationService
    privacy: PrivacyService
    site_admin: SiteAdmin
    source_admin: SourceAdmin
    wordpress_plugin: WordPressPluginService
    insights: InsightsService
    contributions: ContributionService
    notifications: NotificationService

    def __init__(self, config: Config, *, store: Store | None = None, clock: Callable[[], float] = clock_mod.now):
        self.config = config
        self.clock = clock
        self.store = store or open_store(config.server.database)
        self.store.sync_sites(config.sites)
        self.store.sync_sources(config.sources)
        self.outbox = Outbox(self.store, clock=clock, max_attempts=config.outbox.max_attempts,
                             base_delay=config.outbox.base_delay, max_delay=config.outbox.max_delay,
                             lease_seconds=config.outbox.lease_seconds)
        self._adapters: dict[str, CMSAdapter] = {}
        self._adapters_lock = threading.Lock()
        # Each module's setup(bridge) builds its service and registers its job handlers.
        # Services reach each other through this object when they run, never while
        # being built, except stories (it listens to curation's decisions, so after it).
        self.intake = intake.setup(self)
        self.curation = curation.setup(self)
        self.stories = stories.setup(self)
        self.sync = sync.setup(self)
        self.moderation = moderation.setup(self)
        self.privacy = privacy.setup(self)
        self.site_admin = site_admin.setup(self)
        self.source_admin = source_admin.setup(self)
        self.wordpress_plugin = wordpress_plugin.setup(self)
        self.insights = insights.setup(self)
        self.contributions = contributions.setup(self)
        self.notifications = notifications.setup(self)

    # -- adapters --------------------------------------------------------
    def site_config(self, site_id: str) -> dict:
        site = self.config.site(site_id)
        if site is None:
            raise UnknownSite(f"no site with id {site_id!r} in the configuration")
        return site

    def adapter(self, site_id: str) -> CMSAdapter:
        """The (cached) adapter of a configured site."""
        with self._adapters_lock:
            adapter = self._adapters.get(site_id)
            if adapter is None:
                site = self.site_config(site_id)
                cls = registry.get_cms_adapter(site["kind"])
                adapter = cls(site, self.config.site_secrets(site_id))
                self._adapters[site_id] = adapter
            return adapter

    def forget_adapter(self, site_id: str) -> None:
        """Drop the cached adapter (the site's settings changed or it is gone)."""
        with self._adapters_lock:
            adapter = self._adapters.pop(site_id, None)
        if adapter is not None:
            adapter.close()

    def refresh_sites(self) -> None:
        """Pick up sites and sources another process added, changed or removed in the UI
        (sites first: a source's targets are checked against them)."""
        self.site_admin.refresh()
        self.source_admin.refresh()

    def close(self) -> None:
        for adapter in self._adapters.values():
            try:
                adapter.close()
            except Exception:  # closing is best effort
                log.debug("closing adapter failed", exc_info=True)
        self.store.close()

