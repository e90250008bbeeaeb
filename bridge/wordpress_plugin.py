"""The WordPress connector plugin's two ways into the inbox: pushed events and the changes route.

A site that runs the plugin (connectors/wordpress/) tells cms-bridge about every comment change
twice, on purpose:

* **events** (``POST /webhooks/wordpress/<site_id>``, :mod:`webhooks.wordpress`) — real time; the
  plugin queues them in WordPress and retries while cms-bridge is down;
* **the changes route** (``cms-bridge/v1/comments/changes``, :mod:`adapters.wordpress.plugin`) —
  what ``cms-bridge sync`` reads *instead of* re-reading comments to find moderation done on the
  site: one request when nothing changed, exact when something did (deletions included).

Both are applied by the store's ``apply_plugin_changes``, so whichever arrives first wins and the
other is recognised as stale or unchanged. Our own write-back coming back is an echo, as with
polling (``apply_site_statuses`` compares with ``expected_status``); our own replies, which the
plugin marks ``origin: "cms-bridge"`` (it recognises the adapter's User-Agent on a logged-in
request), are never created from an event: the reply's outbox job saves them. Nothing here
enqueues a write-back, so an event can never start a loop.

Without the plugin (the changes route answers 404) sync falls back to its own reconcile, and asks
again after :data:`ABSENT_RECHECK_SECONDS`.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from adapters.base import AdapterError, AuthError, CMSAdapter, PermissionDenied
from adapters.wordpress import WordPressAdapter
from adapters.wordpress.plugin import Change, PluginClient, change_from_plugin
from webhooks.routes import Answer, WebhookSource

from . import clock

if TYPE_CHECKING:
    from .core import Bridge

log = logging.getLogger(__name__)

CURSOR_KEY = "plugin_changes_cursor"
ABSENT_KEY = "plugin_absent_until"
ABSENT_RECHECK_SECONDS = 3600
PAGE = 200
#: how long a delivery's first answer is kept for redeliveries (the plugin keeps sent events 14 days)
KEEP_DELIVERIES_SECONDS = 30 * 86400


class WordPressPluginService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self._clients: dict[str, PluginClient] = {}

    def _row(self, site_id: str, change: Change) -> dict | None:
        if change.comment is None:
            return None
        site = self.bridge.site_config(site_id)
        return self.bridge.sync.comment_row(change.comment, bool(site.get("store_commenter_pii")))

    def _change(self, site_id: str, change: Change, *, skip_new: bool = False) -> dict:
        return {"remote_id": change.remote_id, "modified": change.modified, "status": change.status,
                "row": self._row(site_id, change), "skip_new": skip_new}

    # -- events (webhooks.wordpress.WordPressEvents) -------------------------------
    def webhook_site(self, site_id: str) -> WebhookSource | None:
        site = self.bridge.config.site(site_id)
        if site is None or site.get("kind") != "wordpress":
            return None
        return WebhookSource(id=site_id, secret=self.bridge.config.site_secrets(site_id).get("webhook_secret", ""))

    def replayed_event(self, site_id: str, delivery_id: str) -> Answer | None:
        return Answer.stored(self.store.get_plugin_delivery(site_id, delivery_id))

    def accept_event(self, site_id: str, delivery_id: str, event: dict) -> Answer:
        kind = event["type"]
        with self.store.write():
            replay = self.replayed_event(site_id, delivery_id)  # a concurrent redelivery won the race
            if replay is not None:
                return replay
            if kind == "ping":
                answer = Answer(200, {"status": "pong", "site_id": site_id})
            else:
                data = event["data"]
                change = change_from_plugin({**data["comment"], "modified": data["modified"]})
                ours = data["origin"] == "cms-bridge" and kind == "comment.created"
                counts = self.store.apply_plugin_changes(site_id, [self._change(site_id, change, skip_new=ours)])
                applied = next((k for k, v in counts.items() if v), "unchanged")
                local = self.store.get_comment_by_remote(site_id, change.remote_id)
                answer = Answer(202, {"status": "accepted", "event": kind, "applied": applied,
                                      "comment_id": local["id"] if local else None})
            self.store.record_plugin_delivery(site_id, delivery_id, event_type=kind, status_code=answer.status,
                                              response=answer.body)
        return answer

    # -- sync (the hook in bridge/sync.py) --------------------------------------------
    def client(self, site_id: str, adapter: WordPressAdapter) -> PluginClient:
        client = self._clients.get(site_id)
        if client is None or client.connection is not adapter.connection:
            client = self._clients[site_id] = PluginClient(adapter.connection)
        return client

    def reconcile(self, site_id: str, adapter: CMSAdapter, site: dict, renew: Callable[[], object] = lambda: None,
                  *, fallback: Callable[[], int]) -> int | None:
        """Site changes read from the plugin's changes route; None when the site has no plugin
        (the caller reconciles as without it). The first time, ``fallback`` (the ordinary
        reconcile) runs once as well: what changed before the plugin came is not in its list."""
        if not isinstance(adapter, WordPressAdapter) or site.get("plugin", "auto") == "off":
            return None
        scope = f"site:{site_id}"
        now = self.bridge.clock()
        if float(self.store.get_state(scope, ABSENT_KEY) or 0) > now:
            return None
        client = self.client(site_id, adapter)
        cursor = self.store.get_state(scope, CURSOR_KEY)
        try:
            page = client.changes(cursor or "", PAGE)
        except (AuthError, PermissionDenied) as exc:
            # e.g. XML-RPC with the login password, which REST refuses: poll as without the plugin
            log.warning("site %s: the connector plugin's changes route refused us (%s); polling instead",
                        site_id, exc.describe())
            page = None
        if page is None:
            self.store.set_state(scope, ABSENT_KEY, now + ABSENT_RECHECK_SECONDS)
            return None
        changed = fallback() if cursor is None else 0
        # received_at is the store's wall-clock time, so the cut-off is too
        self.store.prune_plugin_deliveries(site_id, clock.iso(clock.now() - KEEP_DELIVERIES_SECONDS))
        while True:
            with self.store.write():
                counts = self.store.apply_plugin_changes(site_id, [self._change(site_id, c) for c in page.changes])
                self.store.set_state(scope, CURSOR_KEY, page.next)
            changed += counts["changed"] + counts["created"] + counts["edited"]
            renew()
            if not page.more:
                return changed
            page = client.changes(page.next, PAGE)
            if page is None:  # deactivated between two pages: the next sync polls
                return changed

    # -- sites check ---------------------------------------------------------------------
    def check_lines(self, site_id: str) -> list[str]:
        """What ``cms-bridge sites check`` prints about the plugin on a WordPress site."""
        adapter = self.bridge.adapter(site_id)
        if not isinstance(adapter, WordPressAdapter):
            return []
        try:
            status = self.client(site_id, adapter).status()
        except AdapterError as exc:
            return [f"connector plugin: cannot be asked ({exc.describe()})"]
        if status is None:
            return ["connector plugin: not active — sync polls and reconciles; install connectors/wordpress "
                    "(cms-bridge-connector.zip) for real-time comments and one-request change tracking"]
        self.store.set_state(f"site:{site_id}", ABSENT_KEY, 0)
        line = f"connector plugin: active, version {status.version}"
        secret = self.bridge.config.site_secrets(site_id).get("webhook_secret")
        if not status.events_configured:
            line += "; events NOT set up on the site (Settings → cms-bridge: webhook URL and secret)"
        elif not secret:
            line += "; events set up on the site, but this site has no webhook_secret_env here (they are refused)"
        else:
            line += f"; events set up, {status.unsent} waiting in its queue"
            if status.last_error:
                line += f" (last error: {status.last_error})"
        return [line]


def setup(bridge: Bridge) -> WordPressPluginService:
    return WordPressPluginService(bridge)
