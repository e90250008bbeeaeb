"""Queries of the curation service: the queue, decisions, consent and publications.

A publication's failures are not copied out of the outbox: the job row is the one
source of truth for "retrying (why)" and "failed (why)", and the queries below
join it in. The publication row itself records what is true on the site: queued,
published (with its RemoteRef and URL), unpublishing, unpublished.
"""
from __future__ import annotations

from typing import Any

from .base import Row, StoreBase, dumps, inserted_id, loads, search_words

#: columns an item's curation may change (anything else is the intake's)
CURATION_COLUMNS = frozenset({
    "state", "state_reason", "edited_title", "edited_text", "target_sites", "contributor",
    "consent_state", "consent_evidence_url", "consent_at", "decided_by", "decided_at", "revision",
})

#: what a publication is shown as, derived from its row and its latest job
_SHOWN_STATE = """
    CASE
        WHEN j.id IS NULL THEN p.state
        WHEN j.state = 'failed' THEN 'failed'
        WHEN j.state IN ('queued', 'running') AND j.attempts > 0 THEN 'retrying'
        ELSE p.state
    END
"""


def fts_phrase_query(text: str) -> str:
    """User words as an FTS5 query that cannot be a syntax error: each word a quoted
    phrase (so ``AND``, ``*`` or a stray quote are searched for, not interpreted)."""
    words = search_words(text)
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


class CurationQueries(StoreBase):
    # -- items -----------------------------------------------------------
    @staticmethod
    def _curation_row(row: Row) -> Row:
        if row is None:
            return row
        row["flags"] = loads(row.get("flags"), [])
        row["target_sites"] = loads(row.get("target_sites"), [])
        row.pop("raw", None)
        return row

    def item_for_curation(self, item_id: int) -> dict | None:
        return self._curation_row(self.query_one("SELECT * FROM items WHERE id = ?", [item_id]))

    def written_item_for_curation(self, item_id: int) -> dict:
        """The item as the caller's transaction just wrote it (it exists: a miss is a bug)."""
        return self._curation_row(self.query_row("SELECT * FROM items WHERE id = ?", [item_id]))

    def items_for_curation(self, item_ids: list[int]) -> list[dict]:
        if not item_ids:
            return []
        marks = ", ".join("?" for _ in item_ids)
        return [self._curation_row(r) for r in self.query(f"SELECT * FROM items WHERE id IN ({marks})", list(item_ids))]

    def curation_items(self, *, states: list[str] | None = None, source_id: str | None = None, q: str | None = None,
                   visible_sites: list[str] | None = None, visible_sources: list[str] | None = None,
                   after: tuple[str, int] | None = None, limit: int = 50) -> list[dict]:
        """Newest first, keyset-paginated on (received_at, id).

        ``visible_sites``/``visible_sources`` (None = everything) restrict the list to
        items meant for those sites: chosen for them, or from a source targeting them.
        """
        where: list[str] = []
        params: list[Any] = []
        if states:
            where.append(f"items.state IN ({', '.join('?' for _ in states)})")
            params.extend(states)
        if source_id:
            where.append("items.source_id = ?")
            params.append(source_id)
        if q and fts_phrase_query(q):
            where.append("items.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(fts_phrase_query(q))
        if visible_sites is not None:
            site_marks = ", ".join("?" for _ in visible_sites) or "NULL"
            source_marks = ", ".join("?" for _ in (visible_sources or [])) or "NULL"
            where.append(f"(EXISTS (SELECT 1 FROM json_each(items.target_sites) WHERE value IN ({site_marks})) "
                         f"OR items.source_id IN ({source_marks}))")
            params.extend(visible_sites)
            params.extend(visible_sources or [])
        if after is not None:
            where.append("(items.received_at < ? OR (items.received_at = ? AND items.id < ?))")
            params.extend([after[0], after[0], after[1]])
        sql = "SELECT * FROM items"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY items.received_at DESC, items.id DESC LIMIT ?"
        return [self._curation_row(r) for r in self.query(sql, [*params, limit])]

    def count_items_by_state(self) -> dict[str, int]:
        return {r["state"]: r["n"] for r in self.query("SELECT state, count(*) AS n FROM items GROUP BY state")}

    def update_item_curation(self, item_id: int, *, expect_states: tuple[str, ...] | None = None,
                             expect_revision: int | None = None, **changes: Any) -> bool:
        """Change curation columns; with ``expect_*`` only if the item is still as the
        caller saw it (two editors deciding at once: the second gets a conflict)."""
        unknown = set(changes) - CURATION_COLUMNS
        if unknown:
            raise ValueError(f"not curation columns: {', '.join(sorted(unknown))}")
        if "target_sites" in changes:
            changes["target_sites"] = dumps(list(changes["target_sites"]))
        sets = [f"{column} = ?" for column in changes] + ["updated_at = ?"]
        params = [*changes.values(), self.now_iso()]
        where = ["id = ?"]
        params.append(item_id)
        if expect_states is not None:
            where.append(f"state IN ({', '.join('?' for _ in expect_states)})")
            params.extend(expect_states)
        if expect_revision is not None:
            where.append("revision = ?")
            params.append(expect_revision)
        with self.write() as db:
            cur = db.execute(f"UPDATE items SET {', '.join(sets)} WHERE {' AND '.join(where)}", params)
            return cur.rowcount == 1

    # -- media -----------------------------------------------------------
    def media_for_items(self, item_ids: list[int]) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = {i: [] for i in item_ids}
        if not item_ids:
            return out
        marks = ", ".join("?" for _ in item_ids)
        for row in self.query(f"SELECT * FROM media WHERE item_id IN ({marks}) ORDER BY item_id, position, id",
                              list(item_ids)):
            out[row["item_id"]].append(row)
        return out

    def stored_media_by_sha256(self, sha256: str) -> list[dict]:
        """Every downloaded media row with this content (one file, possibly many items)."""
        return self.query("SELECT * FROM media WHERE sha256 = ? AND path IS NOT NULL ORDER BY id", [sha256])

    # -- decisions -------------------------------------------------------
    def add_item_decision(self, item_id: int, *, actor: str, action: str, from_state: str | None,
                          to_state: str | None, sites: list[str] | None = None, detail: str = "") -> int:
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO item_decisions (item_id, actor, action, from_state, to_state, sites, detail, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [item_id, actor, action, from_state, to_state, dumps(list(sites or [])), detail, self.now_iso()],
            )
            return inserted_id(cur)

    def item_decisions(self, item_id: int) -> list[dict]:
        rows = self.query("SELECT * FROM item_decisions WHERE item_id = ? ORDER BY id", [item_id])
        for row in rows:
            row["sites"] = loads(row["sites"], [])
        return rows

    # -- publications ----------------------------------------------------
    def _publication(self, row: Row) -> Row:
        if row is None:
            return row
        row["remote_ref"] = loads(row.get("remote_ref"))
        return row

    def set_publication_job(self, item_id: int, site_id: str, *, state: str, job_id: int) -> None:
        """Point a site's publication at the job that will bring it to ``state``'s goal
        (queued → published, unpublishing → unpublished)."""
        now = self.now_iso()
        with self.write() as db:
            db.execute(
                "INSERT INTO publications (item_id, site_id, state, job_id, updated_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(item_id, site_id) DO UPDATE SET state = excluded.state, job_id = excluded.job_id, "
                "last_error = NULL, updated_at = excluded.updated_at",
                [item_id, site_id, state, job_id, now],
            )

    def mark_published(self, item_id: int, site_id: str, *, remote_ref: dict, remote_url: str,
                       revision: int) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE publications SET state = 'published', remote_ref = ?, remote_url = ?, last_error = NULL, "
                "published_revision = ?, updated_at = ? WHERE item_id = ? AND site_id = ?",
                [dumps(remote_ref), remote_url, revision, self.now_iso(), item_id, site_id],
            )

    def mark_unpublished(self, item_id: int, site_id: str) -> None:
        """The post is down; the RemoteRef is kept so a later publish updates the same post."""
        with self.write() as db:
            db.execute(
                "UPDATE publications SET state = 'unpublished', last_error = NULL, updated_at = ? "
                "WHERE item_id = ? AND site_id = ?",
                [self.now_iso(), item_id, site_id],
            )

    def get_publication(self, item_id: int, site_id: str) -> dict | None:
        return self._publication(self.query_one(
            f"SELECT p.*, {_SHOWN_STATE} AS shown_state, j.state AS job_state, j.attempts AS job_attempts, "
            "j.max_attempts AS job_max_attempts, j.last_error AS job_error, j.next_attempt_at AS job_next_attempt_at "
            "FROM publications p LEFT JOIN jobs j ON j.id = p.job_id WHERE p.item_id = ? AND p.site_id = ?",
            [item_id, site_id]))

    def item_publications(self, item_ids: list[int]) -> dict[int, list[dict]]:
        """Each item's publications with ``shown_state`` and, when retrying or failed,
        the job's error as the reason."""
        out: dict[int, list[dict]] = {i: [] for i in item_ids}
        if not item_ids:
            return out
        marks = ", ".join("?" for _ in item_ids)
        rows = self.query(
            f"SELECT p.*, {_SHOWN_STATE} AS shown_state, j.state AS job_state, j.attempts AS job_attempts, "
            "j.max_attempts AS job_max_attempts, j.last_error AS job_error, j.next_attempt_at AS job_next_attempt_at "
            f"FROM publications p LEFT JOIN jobs j ON j.id = p.job_id WHERE p.item_id IN ({marks}) "
            "ORDER BY p.item_id, p.site_id", list(item_ids))
        for row in rows:
            out[row["item_id"]].append(self._publication(row))
        return out
