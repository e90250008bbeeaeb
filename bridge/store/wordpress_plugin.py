"""What the WordPress connector plugin pushes (events) and lists (changes), stored.

Both paths end in :meth:`WordPressPluginQueries.apply_plugin_changes`: one transaction that
drops stale changes (an older stamp than one already applied), inserts comments the inbox has
never seen without moving the pull cursor, updates edited content, and records statuses the way
a re-read does (``apply_site_statuses``: our own write-back coming back is an echo, anything else
a site change).
"""
from __future__ import annotations

from .base import dumps, loads
from .comments import CommentsQueries


class WordPressPluginQueries(CommentsQueries):
    def get_plugin_delivery(self, site_id: str, delivery_id: str) -> dict | None:
        row = self.query_one("SELECT * FROM wordpress_plugin_deliveries WHERE site_id = ? AND delivery_id = ?",
                             [site_id, delivery_id])
        if row is not None:
            row["response"] = loads(row["response"])
        return row

    def record_plugin_delivery(self, site_id: str, delivery_id: str, *, event_type: str, status_code: int,
                               response: dict) -> None:
        with self.write() as db:
            db.execute("INSERT INTO wordpress_plugin_deliveries (site_id, delivery_id, event_type, status_code, "
                       "response, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       [site_id, delivery_id, event_type, status_code, dumps(response), self.now_iso()])

    def prune_plugin_deliveries(self, site_id: str, before: str) -> int:
        """Forget delivery records older than ``before`` (ISO): the table stays small. A redelivery
        after that is still harmless: its stamp is not newer than what was applied (stale)."""
        with self.write() as db:
            return db.execute("DELETE FROM wordpress_plugin_deliveries WHERE site_id = ? AND received_at < ?",
                              [site_id, before]).rowcount

    def apply_plugin_changes(self, site_id: str, changes: list[dict]) -> dict[str, int]:
        """Apply changes in order; each ``{"remote_id", "modified", "status", "row"}`` (``row``: a
        comments row as the sync builds it, None for a deletion) plus optional ``"skip_new"`` (do
        not create an unknown comment: our own reply, which its outbox job saves).

        Returns counts: created, changed (status changes by the site), edited, echoes/unchanged
        ("unchanged") and stale."""
        counts = {"created": 0, "changed": 0, "edited": 0, "unchanged": 0, "stale": 0}
        with self.write() as db:
            for change in changes:
                remote_id, modified = change["remote_id"], change["modified"]
                newest = self.scalar("SELECT modified FROM wordpress_comment_stamps WHERE site_id = ? "
                                     "AND remote_id = ?", [site_id, remote_id])
                if newest is not None and modified and newest >= modified:
                    counts["stale"] += 1
                    continue
                if modified:
                    db.execute("INSERT INTO wordpress_comment_stamps (site_id, remote_id, modified) VALUES (?, ?, ?) "
                               "ON CONFLICT (site_id, remote_id) DO UPDATE SET modified = excluded.modified",
                               [site_id, remote_id, modified])
                known = self.get_comment_by_remote(site_id, remote_id)
                row = change.get("row")
                if known is None:
                    if row is None or change.get("skip_new"):
                        counts["unchanged"] += 1
                        continue
                    # the pull's own insert, with the cursor left where it is
                    counts["created"] += self.save_comment_page(site_id, [row], self.comment_cursor(site_id) or {})
                    continue
                edited = row is not None and row["content_html"] != known["content_html"]
                if row is not None and edited:
                    db.execute("UPDATE comments SET content_html = ?, content_text = ?, updated_at = ? WHERE id = ?",
                               [row["content_html"], row["content_text"], self.now_iso(), known["id"]])
                    counts["edited"] += 1
                if row is not None and row.get("held_because") and not known.get("held_because"):
                    # pulled over XML-RPC, which carries no meta: the plugin's reasons arrive here
                    db.execute("UPDATE comments SET held_because = ? WHERE id = ?",
                               [dumps(row["held_because"]), known["id"]])
                n = self.apply_site_statuses(site_id, [{"row": known, "status": change["status"]}])
                counts["changed"] += n
                counts["unchanged"] += int(not n and not edited)
        return counts
