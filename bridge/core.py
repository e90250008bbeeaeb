"""The ``Bridge``: config, store, outbox and adapters wired together once.

The web app, the CLI and the webhook blueprint all reach the services through
this one object (``current_app.extensions["bridge"]`` in requests), so there is a
single place where a site's adapter is built and a job kind gets its handler.
"""
from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable

from adapters import registry
from adapters.base import CMSAdapter

from . import clock as clock_mod
from .config import Config
from .outbox import Outbox
from .store import Store, open_store

log = logging.getLogger(__name__)


class UnknownSite(LookupError):
    pass


class Bridge:
    def __init__(self, config: Config, *, store: Store | None = None, clock: Callable[[], float] = clock_mod.now):
        self.config = config
        self.clock = clock
        self.store = store or open_store(config.server["database"])
        self.store.sync_sites(config.sites)
        self.store.sync_sources(config.sources)
        self.outbox = Outbox(self.store, clock=clock, **config.outbox)
        self._adapters: dict[str, CMSAdapter] = {}
        self._adapters_lock = threading.Lock()
        self.services: dict[str, object] = {}
        for module_name in SERVICE_MODULES:
            importlib.import_module(module_name).setup(self)

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
        for name in ("site_admin", "source_admin"):
            if name in self.services:
                self.services[name].refresh()

    def close(self) -> None:
        for adapter in self._adapters.values():
            try:
                adapter.close()
            except Exception:  # closing is best effort
                log.debug("closing adapter failed", exc_info=True)
        self.store.close()


#: Service modules; each has ``setup(bridge)`` that puts its service object into
#: ``bridge.services[name]`` and registers its job handlers on ``bridge.outbox``.
SERVICE_MODULES: tuple[str, ...] = ("bridge.intake", "bridge.curation", "bridge.stories", "bridge.sync",
                                    "bridge.moderation", "bridge.privacy", "bridge.site_admin", "bridge.source_admin",
                                    "bridge.wordpress_plugin", "bridge.insights", "bridge.contributions",
                                    "bridge.notifications")
