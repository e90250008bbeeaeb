"""Erasure and retention: finding a person's data and removing it so that it is
gone from the database file, not only from the rows.

SQLite keeps deleted bytes in free pages, in the WAL and in the full-text index's
old segments. An erasure therefore runs with ``secure_delete`` (freed space is
overwritten with zeros), merges the FTS5 index (``optimize`` drops the deleted
entries; SQLite 3.40 has no FTS5 ``secure-delete`` option yet) and truncates the
WAL after a checkpoint.
"""
from __future__ import annotations

from typing import Any

from .base import StoreBase

ERASED_COMMENT = {"author_name": "", "author_url": "", "author_key": "", "author_email": None, "author_ip": None,
                  "content_html": "", "content_text": ""}


class PrivacyQueries(StoreBase):
    def comments_of_person(self, *, author_key: str | None = None, email: str | None = None) -> list[dict]:
        """Comments whose author is that e-mail (by its salted key, or the stored
        address where ``store_commenter_pii`` keeps it) or that author key."""
        clauses: list[str] = []
        params: list[Any] = []
        if author_key:
            clauses.append("author_key = ?")
            params.append(author_key)
        if email:
            clauses.append("lower(author_email) = lower(?)")
            params.append(email.strip())
        if not clauses:
            return []
        return self.query(f"SELECT id, site_id, remote_id, author_name, status FROM comments "
                          f"WHERE erased_at IS NULL AND ({' OR '.join(clauses)}) ORDER BY site_id, id", params)

    def erase_comments(self, comment_ids: list[int]) -> int:
        """Remove the person's name, URL, address, IP, key and text from these
        comments (the row stays: the site still has the comment, and the inbox
        shows it as erased)."""
        if not comment_ids:
            return 0
        now = self.now_iso()
        sets = ", ".join(f"{column} = ?" for column in ERASED_COMMENT)
        marks = ",".join("?" * len(comment_ids))
        with self._secure() as db:
            cur = db.execute(f"UPDATE comments SET {sets}, erased_at = ?, updated_at = ? WHERE id IN ({marks})",
                             [*ERASED_COMMENT.values(), now, now, *comment_ids])
            db.execute(f"UPDATE moderation_log SET detail = NULL WHERE comment_id IN ({marks})", comment_ids)
        self._scrub_files()
        return cur.rowcount

    def purge_comment_texts(self, before_iso: str, *, limit: int = 1000) -> int:
        """Retention: the text of decided comments posted before ``before_iso``
        is removed (authors, statuses and history stay). Bounded per call."""
        now = self.now_iso()
        with self._secure() as db:
            cur = db.execute(
                "UPDATE comments SET content_html = '', content_text = '', text_purged_at = ?, updated_at = ? "
                "WHERE id IN (SELECT id FROM comments WHERE text_purged_at IS NULL AND erased_at IS NULL "
                "AND status != 'pending' AND date_gmt < ? ORDER BY date_gmt LIMIT ?)",
                [now, now, before_iso, limit])
        if cur.rowcount:
            self._scrub_files()
        return cur.rowcount

    # -- making it stick -------------------------------------------------------
    def _secure(self):
        self.db.execute("PRAGMA secure_delete = ON")
        return self.write()

    def _scrub_files(self) -> None:
        """Merge the full-text index (old segments still hold the erased words) and
        empty the WAL, with ``secure_delete`` still on for this connection."""
        with self.write() as db:
            db.execute("INSERT INTO comments_fts (comments_fts) VALUES ('optimize')")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def log_erasure(self, site_id: str, *, actor: str, detail: str) -> None:
        """The audit line of an erasure: what was done, never whose data it was."""
        with self.write() as db:
            db.execute("INSERT INTO moderation_log (comment_id, site_id, actor, action, origin, writeback, detail, "
                       "created_at) VALUES (NULL, ?, ?, 'erase', 'cli', 'n/a', ?, ?)",
                       [site_id, actor, detail, self.now_iso()])
