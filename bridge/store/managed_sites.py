"""Sites managed in the UI: rows, and a generation number every process compares
to see that another one changed them (a worker adds a site; sync sees it)."""
from __future__ import annotations

from .base import dumps, loads


class ManagedSitesQueries:
    def managed_sites(self) -> list[dict]:
        rows = self.query("SELECT * FROM managed_sites ORDER BY id")
        for row in rows:
            row["raw"] = loads(row["raw"], {})
        return rows

    def managed_sites_generation(self) -> int:
        return int(self.get_state("managed_sites", "generation", 0))

    def save_managed_site(self, site_id: str, raw: dict, sealed: str, *, actor: str) -> None:
        now = self.now_iso()
        with self.write() as db:
            db.execute(
                "INSERT INTO managed_sites (id, raw, sealed, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET raw = excluded.raw, "
                "sealed = excluded.sealed, updated_at = excluded.updated_at",
                [site_id, dumps(raw), sealed, actor, now, now])
            self._bump_managed_generation()

    def set_managed_site_disabled(self, site_id: str, disabled: bool) -> bool:
        with self.write() as db:
            cur = db.execute("UPDATE managed_sites SET disabled = ?, updated_at = ? WHERE id = ?",
                             [int(disabled), self.now_iso(), site_id])
            self._bump_managed_generation()
            return cur.rowcount == 1

    def delete_managed_site(self, site_id: str) -> bool:
        with self.write() as db:
            cur = db.execute("DELETE FROM managed_sites WHERE id = ?", [site_id])
            self._bump_managed_generation()
            return cur.rowcount == 1

    def log_site_change(self, site_id: str, *, actor: str, action: str, detail: str) -> None:
        """Site changes go into the audit log beside moderation decisions."""
        with self.write() as db:
            db.execute("INSERT INTO moderation_log (site_id, actor, action, origin, writeback, detail, created_at) "
                       "VALUES (?, ?, ?, 'inbox', 'n/a', ?, ?)", [site_id, actor, action, detail, self.now_iso()])

    def _bump_managed_generation(self) -> None:
        self.db.execute(
            "INSERT INTO sync_state (scope, key, value, updated_at) VALUES ('managed_sites', 'generation', '1', ?) "
            "ON CONFLICT(scope, key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, "
            "updated_at = excluded.updated_at",
            [self.now_iso()])
