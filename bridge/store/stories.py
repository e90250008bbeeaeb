"""Queries of the stories service: stories, their items in order, and one
publication per story and site (its failures read from its job, as for items)."""
from __future__ import annotations

from typing import Any

from .base import Row, StoreBase, dumps, inserted_id, loads
from .curation import _SHOWN_STATE

STORY_COLUMNS = frozenset({"title", "intro", "sites", "rule", "order_mode", "state", "revision"})


class StoriesQueries(StoreBase):
    @staticmethod
    def _story(row: Row) -> Row:
        if row is None:
            return row
        row["sites"] = loads(row["sites"], [])
        row["rule"] = loads(row["rule"])
        return row

    def insert_story(self, *, title: str, intro: str, sites: list[str], rule: dict | None, order_mode: str,
                     actor: str) -> int:
        now = self.now_iso()
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO stories (title, intro, sites, rule, order_mode, created_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [title, intro, dumps(sites), dumps(rule) if rule else None, order_mode, actor, now, now])
            return inserted_id(cur)

    def get_story(self, story_id: int) -> dict | None:
        return self._story(self.query_one("SELECT * FROM stories WHERE id = ?", [story_id]))

    def written_story(self, story_id: int) -> dict:
        """A story the caller just wrote or listed (it exists: a miss is a bug)."""
        return self._story(self.query_row("SELECT * FROM stories WHERE id = ?", [story_id]))

    def list_stories(self, *, limit: int = 200) -> list[dict]:
        rows = self.query(
            "SELECT s.*, (SELECT count(*) FROM story_items si WHERE si.story_id = s.id) AS item_count "
            "FROM stories s ORDER BY s.updated_at DESC, s.id DESC LIMIT ?", [limit])
        return [self._story(r) for r in rows]

    def living_stories(self) -> list[dict]:
        return [self._story(r) for r in self.query(
            "SELECT * FROM stories WHERE rule IS NOT NULL AND state = 'active' ORDER BY id")]

    def update_story(self, story_id: int, **changes: Any) -> None:
        """Change story columns and count a new revision (every change is a new intent)."""
        bad = set(changes) - STORY_COLUMNS
        if bad:
            raise ValueError(f"not story columns: {sorted(bad)}")
        for key in ("sites", "rule"):
            if key in changes:
                changes[key] = dumps(changes[key]) if changes[key] is not None else None
        sets = [f"{k} = ?" for k in changes]
        with self.write() as db:
            db.execute(f"UPDATE stories SET {', '.join(sets + ['revision = revision + 1', 'updated_at = ?'])} "
                       "WHERE id = ?", [*changes.values(), self.now_iso(), story_id])

    # -- items -------------------------------------------------------------------
    def story_entries(self, story_id: int) -> list[dict]:
        """The story's items in order: pinned first, then by position."""
        return self.query(
            "SELECT * FROM story_items WHERE story_id = ? ORDER BY pinned DESC, position, item_id", [story_id])

    def stories_with_item(self, item_id: int) -> list[int]:
        return [r["story_id"] for r in self.query(
            "SELECT story_id FROM story_items WHERE item_id = ? ORDER BY story_id", [item_id])]

    def add_story_item(self, story_id: int, item_id: int, *, position: int, actor: str) -> bool:
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO story_items (story_id, item_id, position, added_by, added_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (story_id, item_id) DO NOTHING", [story_id, item_id, position, actor, self.now_iso()])
            return cur.rowcount == 1

    def remove_story_item(self, story_id: int, item_id: int) -> bool:
        with self.write() as db:
            return db.execute("DELETE FROM story_items WHERE story_id = ? AND item_id = ?",
                              [story_id, item_id]).rowcount == 1

    def set_story_positions(self, story_id: int, item_ids: list[int]) -> None:
        """Renumber the story's items in this order (0, 1, 2 …)."""
        with self.write() as db:
            db.conn.executemany("UPDATE story_items SET position = ? WHERE story_id = ? AND item_id = ?",
                           [(i, story_id, item_id) for i, item_id in enumerate(item_ids)])

    def update_story_item(self, story_id: int, item_id: int, **changes: Any) -> None:
        bad = set(changes) - {"caption", "pinned", "hidden"}
        if bad:
            raise ValueError(f"not story item columns: {sorted(bad)}")
        if changes:
            with self.write() as db:
                db.execute(f"UPDATE story_items SET {', '.join(f'{k} = ?' for k in changes)} "
                           "WHERE story_id = ? AND item_id = ?", [*changes.values(), story_id, item_id])

    # -- publications ----------------------------------------------------------------
    def story_publications(self, story_id: int) -> list[dict]:
        rows = self.query(
            f"SELECT p.*, {_SHOWN_STATE} AS shown_state, j.state AS job_state, j.last_error AS job_error, "
            "j.idempotency_key AS job_key FROM story_publications p LEFT JOIN jobs j ON j.id = p.job_id "
            "WHERE p.story_id = ? ORDER BY p.site_id", [story_id])
        for row in rows:
            row["remote_ref"] = loads(row["remote_ref"])
        return rows

    def get_story_publication(self, story_id: int, site_id: str) -> dict | None:
        return next((p for p in self.story_publications(story_id) if p["site_id"] == site_id), None)

    def set_story_publication_job(self, story_id: int, site_id: str, *, state: str, job_id: int) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO story_publications (story_id, site_id, state, job_id, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (story_id, site_id) DO UPDATE SET state = excluded.state, job_id = excluded.job_id, "
                "updated_at = excluded.updated_at", [story_id, site_id, state, job_id, self.now_iso()])

    def mark_story_published(self, story_id: int, site_id: str, *, remote_ref: dict, remote_url: str,
                             revision: int) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE story_publications SET state = 'published', remote_ref = ?, remote_url = ?, "
                "published_revision = ?, updated_at = ? WHERE story_id = ? AND site_id = ?",
                [dumps(remote_ref), remote_url, revision, self.now_iso(), story_id, site_id])

    def mark_story_unpublished(self, story_id: int, site_id: str) -> None:
        with self.write() as db:
            db.execute("UPDATE story_publications SET state = 'unpublished', updated_at = ? "
                       "WHERE story_id = ? AND site_id = ?", [self.now_iso(), story_id, site_id])
