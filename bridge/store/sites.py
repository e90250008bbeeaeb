"""Sites and sources as configured (mirrored into the database so rows can refer
to them and their health can be recorded), sync cursors and advisory locks."""
from __future__ import annotations

import uuid

from .base import dumps, loads
from .metrics import MetricsQueries
from .state import StateQueries


class SitesQueries(MetricsQueries, StateQueries):
    # -- sites -----------------------------------------------------------
    def sync_sites(self, sites: list[dict]) -> None:
        """Mirror the configured sites; a site removed from config keeps its row
        (its comments and history stay readable) but is no longer synced."""
        now = self.now_iso()
        with self.write() as db:
            for site in sites:
                db.execute(
                    "INSERT INTO sites (id, kind, url, name, updated_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, url = excluded.url, "
                    "name = excluded.name, updated_at = excluded.updated_at",
                    [site["id"], site["kind"], site["url"], site.get("name") or site["id"], now],
                )

    def get_site(self, site_id: str) -> dict | None:
        row = self.query_one("SELECT * FROM sites WHERE id = ?", [site_id])
        if row:
            row["capabilities"] = loads(row.get("capabilities"), {})
        return row

    def list_sites(self) -> list[dict]:
        rows = self.query("SELECT * FROM sites ORDER BY id")
        for row in rows:
            row["capabilities"] = loads(row.get("capabilities"), {})
        return rows

    def set_site_attention(self, site_id: str, reason: str | None) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE sites SET status = ?, attention_reason = ?, updated_at = ? WHERE id = ?",
                ["attention" if reason else "ok", reason, self.now_iso(), site_id],
            )

    def record_site_check(self, site_id: str, *, transport: str, version: str, capabilities: dict) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE sites SET transport = ?, version = ?, capabilities = ?, checked_at = ?, updated_at = ? "
                "WHERE id = ?",
                [transport, version, dumps(capabilities), self.now_iso(), self.now_iso(), site_id],
            )

    def record_site_sync(self, site_id: str, *, summary: str, error: str | None, seconds: float | None = None) -> None:
        """The outcome of one sync of a site, and its counts for ``/metrics``."""
        with self.write() as db:
            db.execute(
                "UPDATE sites SET last_sync_at = ?, last_sync_summary = ?, last_error = ?, updated_at = ? "
                "WHERE id = ?",
                [self.now_iso(), summary, error, self.now_iso(), site_id],
            )
            self.bump_counter("sync_runs", f"{site_id}|{'error' if error else 'ok'}")
            if seconds is not None:
                self.bump_counter("sync_seconds", site_id, seconds)

    # -- sources ---------------------------------------------------------
    def sync_sources(self, sources: list[dict]) -> None:
        now = self.now_iso()
        with self.write() as db:
            for source in sources:
                db.execute(
                    "INSERT INTO sources (id, kind, url, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, url = excluded.url, "
                    "updated_at = excluded.updated_at",
                    [source["id"], source["kind"], source.get("url"), now],
                )

    def get_source(self, source_id: str) -> dict | None:
        row = self.query_one("SELECT * FROM sources WHERE id = ?", [source_id])
        if row:
            row["state"] = loads(row["state"], {})
        return row

    def list_sources(self) -> list[dict]:
        rows = self.query("SELECT * FROM sources ORDER BY id")
        for row in rows:
            row["state"] = loads(row["state"], {})
        return rows

    def record_source_poll(self, source_id: str, *, state: dict | None, error: str | None,
                           next_poll_at: float, new_items: int = 0) -> None:
        now = self.now_iso()
        with self.write() as db:
            if error:
                db.execute(
                    "UPDATE sources SET status = 'error', last_error = ?, last_error_at = ?, last_polled_at = ?, "
                    "next_poll_at = ?, updated_at = ? WHERE id = ?",
                    [error, now, now, next_poll_at, now, source_id],
                )
            else:
                db.execute(
                    "UPDATE sources SET status = 'ok', last_error = NULL, last_polled_at = ?, next_poll_at = ?, "
                    "state = ?, items_seen = items_seen + ?, updated_at = ? WHERE id = ?",
                    [now, next_poll_at, dumps(state or {}), new_items, now, source_id],
                )

    def installation_id(self) -> str:
        """This database's own id, made once (first writer wins) and kept in backups.

        It goes into every upsert key cms-bridge leaves on a site (WordPress's post
        marker, TYPO3's ``import_id``), so a second installation, or this one after
        its database was reset, never updates a post it did not make."""
        cached = getattr(self, "_installation_id", None)
        if cached is None:
            cached = self.get_state("installation", "id") or self.ensure_state("installation", "id", uuid.uuid4().hex)
            self._installation_id = cached
        return cached

    # -- advisory locks (cron-safe sync) ----------------------------------
    def acquire_lock(self, name: str, owner: str, now: float, ttl: float) -> bool:
        """Take ``name`` unless someone else holds an unexpired lease on it."""
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO locks (name, owner, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
                "WHERE locks.expires_at < ? OR locks.owner = excluded.owner",
                [name, owner, now + ttl, now],
            )
            return cur.rowcount == 1

    def renew_lock(self, name: str, owner: str, now: float, ttl: float) -> bool:
        with self.write() as db:
            cur = db.execute("UPDATE locks SET expires_at = ? WHERE name = ? AND owner = ?", [now + ttl, name, owner])
            return cur.rowcount == 1

    def release_lock(self, name: str, owner: str) -> None:
        with self.write() as db:
            db.execute("DELETE FROM locks WHERE name = ? AND owner = ?", [name, owner])
