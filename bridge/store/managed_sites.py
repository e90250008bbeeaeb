"""Sites and sources managed in the UI: rows, and a generation number per table every
process compares to see that another one changed them (a worker adds a site; sync
sees it). ``table`` is ``managed_sites`` or ``managed_sources``: both have one shape."""
from __future__ import annotations

from .base import dumps, loads
from .state import StateQueries

TABLES = ("managed_sites", "managed_sources")


def _table(table: str) -> str:
    if table not in TABLES:  # the name goes into SQL: only the two known tables
        raise ValueError(f"not a managed table: {table!r}")
    return table


class ManagedSitesQueries(StateQueries):
    # -- either table ------------------------------------------------------------
    def managed_rows(self, table: str) -> list[dict]:
        rows = self.query(f"SELECT * FROM {_table(table)} ORDER BY id")
        for row in rows:
            row["raw"] = loads(row["raw"], {})
        return rows

    def managed_generation(self, table: str) -> int:
        return int(self.get_state(_table(table), "generation", 0))

    def save_managed(self, table: str, entry_id: str, raw: dict, sealed: str, *, actor: str) -> None:
        now = self.now_iso()
        with self.write() as db:
            db.execute(
                f"INSERT INTO {_table(table)} (id, raw, sealed, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET raw = excluded.raw, "
                "sealed = excluded.sealed, updated_at = excluded.updated_at",
                [entry_id, dumps(raw), sealed, actor, now, now])
            self._bump_managed_generation(table)

    def set_managed_disabled(self, table: str, entry_id: str, disabled: bool) -> bool:
        with self.write() as db:
            cur = db.execute(f"UPDATE {_table(table)} SET disabled = ?, updated_at = ? WHERE id = ?",
                             [int(disabled), self.now_iso(), entry_id])
            self._bump_managed_generation(table)
            return cur.rowcount == 1

    def delete_managed(self, table: str, entry_id: str) -> bool:
        with self.write() as db:
            cur = db.execute(f"DELETE FROM {_table(table)} WHERE id = ?", [entry_id])
            self._bump_managed_generation(table)
            return cur.rowcount == 1

    def _bump_managed_generation(self, table: str) -> None:
        self.db.execute(
            "INSERT INTO sync_state (scope, key, value, updated_at) VALUES (?, 'generation', '1', ?) "
            "ON CONFLICT(scope, key) DO UPDATE SET value = CAST(value AS INTEGER) + 1, "
            "updated_at = excluded.updated_at",
            [_table(table), self.now_iso()])

    # -- sites (the names callers use) -----------------------------------------
    def managed_sites(self) -> list[dict]:
        return self.managed_rows("managed_sites")

    def managed_sites_generation(self) -> int:
        return self.managed_generation("managed_sites")

    def save_managed_site(self, site_id: str, raw: dict, sealed: str, *, actor: str) -> None:
        self.save_managed("managed_sites", site_id, raw, sealed, actor=actor)

    def set_managed_site_disabled(self, site_id: str, disabled: bool) -> bool:
        return self.set_managed_disabled("managed_sites", site_id, disabled)

    def delete_managed_site(self, site_id: str) -> bool:
        return self.delete_managed("managed_sites", site_id)

    def log_site_change(self, site_id: str, *, actor: str, action: str, detail: str) -> None:
        """Site and source changes go into the audit log beside moderation decisions
        (a source's change has ``site_id`` '' and names the source in ``remote_id``)."""
        self.log_admin_change(site_id, "", actor=actor, action=action, detail=detail)

    def log_admin_change(self, site_id: str, remote_id: str, *, actor: str, action: str, detail: str) -> None:
        with self.write() as db:
            db.execute("INSERT INTO moderation_log (site_id, remote_id, actor, action, origin, writeback, detail, "
                       "created_at) VALUES (?, ?, ?, ?, 'inbox', 'n/a', ?, ?)",
                       [site_id, remote_id, actor, action, detail, self.now_iso()])
