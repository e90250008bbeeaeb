"""Notification settings per user, alert episodes, and the counts a digest or an
alert is made of (read from the maintained ``comment_counts`` where it can be)."""
from __future__ import annotations

from .base import StoreBase, loads

SETTING_COLUMNS = ("enabled", "digest", "max_pending", "max_wait_minutes", "on_attention", "email",
                   "webhook_url", "webhook_kind", "webhook_secret_env")


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


class NotificationsQueries(StoreBase):
    # -- settings ------------------------------------------------------------
    def notification_settings(self, user_id: int) -> dict | None:
        return self.query_one("SELECT * FROM notification_settings WHERE user_id = ?", [user_id])

    def save_notification_settings(self, user_id: int, values: dict) -> None:
        cols = [c for c in SETTING_COLUMNS if c in values]
        with self.write() as db:
            db.execute(
                f"INSERT INTO notification_settings (user_id, {', '.join(cols)}, updated_at) "
                f"VALUES (?, {', '.join('?' for _ in cols)}, ?) ON CONFLICT(user_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in cols) + ", updated_at = excluded.updated_at",
                [user_id, *(values[c] for c in cols), self.now_iso()],
            )

    def subscribed_users(self) -> list[dict]:
        """Enabled settings of active users, joined with the user row (role, sites, language)."""
        rows = self.query(
            "SELECT n.*, u.username, u.role, u.sites, u.disabled, u.language FROM notification_settings n "
            "JOIN users u ON u.id = n.user_id WHERE n.enabled = 1 AND u.disabled = 0 ORDER BY n.user_id")
        for row in rows:
            row["sites"] = loads(row["sites"])
        return rows

    # -- episodes ------------------------------------------------------------
    def open_alert(self, user_id: int, alert: str, site_id: str) -> int:
        """The number of the alert's current episode on the site, starting a new one unless
        one is open. Asked on every run while the threshold stays crossed: the caller's
        outbox key carries the number, so a crash between here and the enqueue loses nothing."""
        with self.write() as db:
            db.execute(
                "INSERT INTO notification_alerts (user_id, alert, site_id, episode, active) VALUES (?, ?, ?, 1, 1) "
                "ON CONFLICT DO UPDATE SET episode = episode + 1, active = 1 WHERE active = 0",
                [user_id, alert, site_id])
            return db.execute("SELECT episode FROM notification_alerts WHERE user_id = ? AND alert = ? "
                              "AND site_id = ?", [user_id, alert, site_id]).fetchone()[0]

    def close_alerts(self, user_id: int, alert: str, keep_open: list[str]) -> None:
        """End the episodes of ``alert`` on every site not in ``keep_open``."""
        sql = "UPDATE notification_alerts SET active = 0 WHERE user_id = ? AND alert = ? AND active = 1"
        params: list = [user_id, alert]
        if keep_open:
            sql += " AND NOT " + _in("site_id", keep_open)
            params.extend(keep_open)
        with self.write() as db:
            db.execute(sql, params)

    # -- what waits ------------------------------------------------------------
    def pending_by_site(self, sites: list[str] | None) -> dict[str, dict]:
        """{site_id: {"pending": n, "oldest": first_seen_at of the longest-waiting}} over ``sites``."""
        rows = self._per_site("SELECT site_id, count(*) AS pending, min(first_seen_at) AS oldest FROM comments "
                              "WHERE status = 'pending'", "site_id", sites, " GROUP BY site_id")
        return {r["site_id"]: r for r in rows}

    def failed_jobs_by_site(self, sites: list[str] | None) -> dict[str, int]:
        rows = self._per_site("SELECT site_id, count(*) AS n FROM jobs WHERE state = 'failed' "
                              "AND site_id IS NOT NULL", "site_id", sites, " GROUP BY site_id")
        return {r["site_id"]: r["n"] for r in rows}

    def sites_needing_attention(self, sites: list[str] | None) -> dict[str, str]:
        rows = self._per_site("SELECT id, attention_reason FROM sites WHERE status = 'attention'", "id", sites)
        return {r["id"]: r["attention_reason"] or "" for r in rows}

    def _per_site(self, sql: str, column: str, sites: list[str] | None, tail: str = "") -> list[dict]:
        """``sql`` limited to ``sites`` (None: every site; an empty list: none at all)."""
        if sites is None:
            return self.query(sql + tail)
        if not sites:
            return []
        return self.query(f"{sql} AND {_in(column, sites)}{tail}", list(sites))
