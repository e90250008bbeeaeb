"""Comments pulled from the sites, and the moderation log (the inbox side).

The sync service writes here page by page (each page and the cursor after it in
one transaction, so a crash never skips or repeats a page); the moderation
service records decisions and their write-back here.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, overload

from .base import dumps, inserted_id, loads
from .jobs import JobsQueries
from .state import StateQueries

#: columns the sync writes for a comment it sees for the first time
PULLED_COLUMNS = ("remote_id", "remote_parent_id", "post_id", "post_title", "post_url", "link", "type",
                  "author_name", "author_url", "author_key", "author_email", "author_ip", "content_html",
                  "content_text", "status", "date_gmt", "held_because")

def _pulled(row: dict) -> list:
    """The values of ``PULLED_COLUMNS`` for a row the sync built; ``held_because`` (the site's own
    reasons, a list of {code, detail}) as JSON, NULL when the site gave none."""
    return [(dumps(row[c]) if row.get(c) else None) if c == "held_because" else row.get(c)
            for c in PULLED_COLUMNS]


@overload
def decoded_comment(row: dict) -> dict: ...
@overload
def decoded_comment(row: None) -> None: ...
def decoded_comment(row: dict | None) -> dict | None:
    """A comments row with ``held_because`` as the list it stores ([] when the site gave none)."""
    if row is not None and "held_because" in row:
        row["held_because"] = loads(row["held_because"], [])
    return row


#: a comment is "open" while the inbox still expects it to change
OPEN_WHERE = "(status = 'pending' OR writeback_state = 'pending')"


class _NotCancelled(Exception):
    """Rolls back a cancel_decision that cannot be completed."""


class CommentsQueries(JobsQueries, StateQueries):
    """Queries of the sync and moderation services live here."""

    # -- pulling ------------------------------------------------------------
    def comment_cursor(self, site_id: str) -> dict | None:
        return self.get_state(f"site:{site_id}", "comments_cursor")

    def save_comment_page(self, site_id: str, rows: list[dict], cursor: dict) -> int:
        """Insert a page of new comments and move the cursor past it, atomically.

        Comments already known (a cursor that was reset) are left as they are:
        reconciliation owns status changes. Returns how many rows were new.
        """
        now = self.now_iso()
        columns = ", ".join(PULLED_COLUMNS)
        marks = ", ".join("?" for _ in PULLED_COLUMNS)
        created = 0
        with self.write() as db:
            for row in rows:
                cur = db.execute(
                    f"INSERT INTO comments (site_id, {columns}, remote_status, first_seen_at, updated_at, parent_id) "
                    f"VALUES (?, {marks}, ?, ?, ?, (SELECT p.id FROM comments p WHERE p.site_id = ? AND "
                    f"p.remote_id = ?)) ON CONFLICT(site_id, remote_id) DO NOTHING",
                    [site_id, *_pulled(row), row["status"], now, now,
                     site_id, row.get("remote_parent_id")],
                )
                created += cur.rowcount
            remote_ids = [r["remote_id"] for r in rows]
            if remote_ids:
                # Replies that arrived before their parent (dates are not always in order).
                db.execute(
                    f"UPDATE comments SET parent_id = (SELECT p.id FROM comments p WHERE p.site_id = comments.site_id "
                    f"AND p.remote_id = comments.remote_parent_id) WHERE site_id = ? AND parent_id IS NULL "
                    f"AND remote_parent_id IN ({', '.join('?' for _ in remote_ids)})",
                    [site_id, *remote_ids],
                )
            self.set_state(f"site:{site_id}", "comments_cursor", cursor)
        return created

    # -- reconciling ------------------------------------------------------------
    def iter_open_comments(self, site_id: str, batch: int = 100,
                           seen_before: str | None = None) -> Iterator[list[dict]]:
        """Batches of the comments the inbox still holds open, by ascending id
        (keyset paging: memory stays flat however many there are). ``seen_before``
        leaves out comments first pulled since then: they were read moments ago."""
        last = 0
        while True:
            rows = self.query(
                f"SELECT id, remote_id, status, remote_status, expected_status, writeback_state, version "
                f"FROM comments WHERE site_id = ? AND id > ? AND {OPEN_WHERE} "
                f"AND (? IS NULL OR first_seen_at < ? OR writeback_state = 'pending') ORDER BY id LIMIT ?",
                [site_id, last, seen_before, seen_before, batch],
            )
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]

    def comments_after(self, site_id: str, after: int, limit: int) -> list[dict]:
        """The next ``limit`` comments of a site by local id after ``after``, decided
        ones included: one slice of the rolling reconcile (sync.py)."""
        return self.query(
            "SELECT id, remote_id, status, remote_status, expected_status, writeback_state, version "
            "FROM comments WHERE site_id = ? AND id > ? AND remote_status != 'deleted' ORDER BY id LIMIT ?",
            [site_id, after, limit],
        )

    def apply_site_statuses(self, site_id: str, changes: list[dict]) -> int:
        """Record statuses re-read from the site; returns how many were site changes.

        ``changes``: ``{"row": <row from iter_open_comments>, "status": <status on the site or "deleted">}``.
        A status our own write-back produces (``expected_status``) is an echo: it
        only updates ``remote_status``. Anything else the site did is a site change:
        the comment takes the site's status, its version is bumped (stale decisions
        are refused), and the moderation log records it with actor "site".
        """
        now = self.now_iso()
        changed = 0
        with self.write() as db:
            for change in changes:
                row, remote = change["row"], change["status"]
                if remote == row["remote_status"]:
                    continue
                if remote == row["expected_status"]:
                    db.execute("UPDATE comments SET remote_status = ?, updated_at = ? WHERE id = ?",
                               [remote, now, row["id"]])
                    continue
                what = "deleted on the site" if remote == "deleted" else \
                    f"set to {remote} on the site (was {row['remote_status']})"
                if row["writeback_state"] == "pending":
                    what += f" while the inbox's change to {row['expected_status']} was waiting to be written back"
                db.execute(
                    "UPDATE comments SET status = ?, remote_status = ?, site_change = ?, site_change_at = ?, "
                    "version = version + 1, updated_at = ? WHERE id = ?",
                    [remote, remote, what, now, now, row["id"]],
                )
                db.execute(
                    "INSERT INTO moderation_log (comment_id, site_id, remote_id, actor, action, from_status, "
                    "to_status, origin, writeback, detail, created_at) "
                    "VALUES (?, ?, ?, 'site', 'site_change', ?, ?, 'sync', 'n/a', ?, ?)",
                    [row["id"], site_id, row["remote_id"], row["status"], remote, what, now],
                )
                changed += 1
        return changed

    # -- reading ------------------------------------------------------------------
    def get_comment(self, comment_id: int) -> dict | None:
        return decoded_comment(self.query_one("SELECT * FROM comments WHERE id = ?", [comment_id]))

    def written_comment(self, comment_id: int) -> dict:
        """A comment the caller just read or wrote in its transaction (a miss is a bug)."""
        row = self.query_row("SELECT * FROM comments WHERE id = ?", [comment_id])
        decoded_comment(row)
        return row

    def get_comment_by_remote(self, site_id: str, remote_id: str) -> dict | None:
        return decoded_comment(self.query_one("SELECT * FROM comments WHERE site_id = ? AND remote_id = ?",
                                       [site_id, remote_id]))

    def count_comments(self, site_id: str | None = None, status: str | None = None) -> int:
        where: list[str] = []
        params: list[Any] = []
        if site_id is not None:
            where.append("site_id = ?")
            params.append(site_id)
        if status is not None:
            where.append("status = ?")
            params.append(status)
        sql = "SELECT count(*) FROM comments" + (" WHERE " + " AND ".join(where) if where else "")
        return self.scalar(sql, params)

    def moderation_log_for(self, comment_id: int) -> list[dict]:
        return self.query("SELECT * FROM moderation_log WHERE comment_id = ? ORDER BY id", [comment_id])

    # -- deciding -------------------------------------------------------------------
    def record_decision(self, comment: dict, *, actor: str, action: str, to_status: str, origin: str,
                        detail: str | None = None) -> int | None:
        """The inbox's decision takes effect locally at once; its write-back is pending.

        It applies only to the version of ``comment`` the caller read: the UPDATE
        is guarded by ``version = ?``, so of two requests made from the same view
        (fast key presses, two tabs) exactly one wins. Returns the moderation_log
        id, or None when the comment moved on meanwhile (nothing was written)."""
        now = self.now_iso()
        with self.write() as db:
            cur = db.execute(
                "UPDATE comments SET status = ?, expected_status = ?, writeback_state = 'pending', "
                "writeback_error = NULL, site_change = NULL, site_change_at = NULL, version = version + 1, "
                "updated_at = ? WHERE id = ? AND version = ?",
                [to_status, to_status, now, comment["id"], comment["version"]],
            )
            if cur.rowcount == 0:
                return None
            cur = db.execute(
                "INSERT INTO moderation_log (comment_id, site_id, remote_id, actor, action, from_status, to_status, "
                "origin, writeback, detail, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                [comment["id"], comment["site_id"], comment["remote_id"], actor, action, comment["status"],
                 to_status, origin, detail, now],
            )
            return inserted_id(cur)

    def last_decision(self, comment_id: int) -> dict | None:
        """The newest log row of a comment that is not a reply (decisions, undos, site changes)."""
        return self.query_one("SELECT * FROM moderation_log WHERE comment_id = ? AND action != 'reply' "
                              "ORDER BY id DESC LIMIT 1", [comment_id])

    def cancel_decision(self, comment: dict, decision: dict, *, actor: str, origin: str) -> int | None:
        """Undo ``decision`` before its write-back ran: retire its job, put the comment
        back as it was, log the undo. All or nothing: returns the undo's log id, or
        None when the job already ran (or runs) or the comment moved past ``comment``'s
        version; then nothing was changed and the caller sends the reverse decision."""
        now = self.now_iso()
        try:
            with self.write() as db:
                if decision["job_id"] is None or not self.supersede_job(decision["job_id"], "undone before it ran"):
                    raise _NotCancelled
                # the site still has what it had: nothing of ours is on the way any more
                cur = db.execute(
                    "UPDATE comments SET status = ?, expected_status = NULL, writeback_error = NULL, "
                    "writeback_state = CASE WHEN remote_status = ? THEN NULL ELSE writeback_state END, "
                    "version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                    [decision["from_status"], decision["from_status"], now, comment["id"], comment["version"]])
                if cur.rowcount == 0:
                    raise _NotCancelled
                db.execute("UPDATE moderation_log SET writeback = 'cancelled' WHERE id = ?", [decision["id"]])
                cur = db.execute(
                    "INSERT INTO moderation_log (comment_id, site_id, remote_id, actor, action, from_status, "
                    "to_status, origin, writeback, detail, created_at) VALUES (?, ?, ?, ?, 'undo', ?, ?, ?, 'n/a', "
                    "?, ?)",
                    [comment["id"], comment["site_id"], comment["remote_id"], actor, comment["status"],
                     decision["from_status"], origin,
                     f"undid {decision['action']} by {decision['actor']}; its write-back was cancelled before it ran",
                     now])
                return inserted_id(cur)
        except _NotCancelled:
            return None

    def recent_decisions(self, actor: str, sites: list[str] | None, limit: int = 10) -> list[dict]:
        """The actor's latest decisions, newest first, each with its comment's state now and
        whether it is still the comment's latest change (only then can it be undone)."""
        if sites is not None and not sites:
            return []
        where = "" if sites is None else f" AND l.site_id IN ({', '.join('?' for _ in sites)})"
        return self.query(
            "SELECT l.id, l.comment_id, l.action, l.from_status, l.to_status, l.created_at, l.writeback, "
            "c.author_name, c.status, c.version, (SELECT max(x.id) FROM moderation_log x WHERE "
            "x.comment_id = l.comment_id AND x.action != 'reply') = l.id AND c.status = l.to_status AS undoable "
            f"FROM moderation_log l JOIN comments c ON c.id = l.comment_id WHERE l.actor = ? "
            f"AND l.action NOT IN ('reply', 'site_change'){where} ORDER BY l.id DESC LIMIT ?",
            [actor, *(sites or []), limit])

    def record_reply_request(self, comment: dict, *, actor: str, origin: str, text: str) -> int:
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO moderation_log (comment_id, site_id, remote_id, actor, action, from_status, to_status, "
                "origin, writeback, detail, created_at) VALUES (?, ?, ?, ?, 'reply', ?, ?, ?, 'pending', ?, ?)",
                [comment["id"], comment["site_id"], comment["remote_id"], actor, comment["status"],
                 comment["status"], origin, text[:500], self.now_iso()],
            )
            return inserted_id(cur)

    def link_writeback_job(self, comment_id: int, log_id: int, job_id: int, *, on_comment: bool = True) -> None:
        with self.write() as db:
            if on_comment:
                db.execute("UPDATE comments SET writeback_job_id = ? WHERE id = ?", [job_id, comment_id])
            db.execute("UPDATE moderation_log SET job_id = ? WHERE id = ?", [job_id, log_id])

    # -- writing back ---------------------------------------------------------------------
    def finish_writeback(self, comment_id: int, job_id: int, remote_status: str) -> None:
        """The site now has ``remote_status`` because of our job."""
        now = self.now_iso()
        with self.write() as db:
            db.execute(
                "UPDATE comments SET remote_status = ?, "
                "status = CASE WHEN writeback_job_id = ? THEN ? ELSE status END, "
                "expected_status = CASE WHEN writeback_job_id = ? THEN NULL ELSE expected_status END, "
                "writeback_state = CASE WHEN writeback_job_id = ? THEN 'done' ELSE writeback_state END, "
                "writeback_error = NULL, updated_at = ? WHERE id = ?",
                [remote_status, job_id, remote_status, job_id, job_id, now, comment_id],
            )
            db.execute("UPDATE moderation_log SET writeback = 'done' WHERE job_id = ?", [job_id])

    def fail_writeback(self, comment_id: int, job_id: int, error: str, *, final: bool) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE comments SET writeback_error = ?, writeback_state = CASE WHEN writeback_job_id = ? "
                "THEN ? ELSE writeback_state END, updated_at = ? WHERE id = ?",
                [error, job_id, "failed" if final else "pending", self.now_iso(), comment_id],
            )
            if final:
                db.execute("UPDATE moderation_log SET writeback = 'failed', detail = ? WHERE job_id = ?",
                           [error, job_id])

    def decision_time(self, job_id: int) -> str | None:
        """When the decision a moderate job writes back was made."""
        return self.scalar("SELECT min(created_at) FROM moderation_log WHERE job_id = ?", [job_id])

    def refuse_writeback(self, comment_id: int, job_id: int, reason: str) -> None:
        """The site changed the comment after the decision: the decision is not written.

        The comment keeps the site's status, stops expecting our echo, and shows
        ``reason`` as a failed write-back; the decision's log row says why."""
        now = self.now_iso()
        with self.write() as db:
            db.execute(
                "UPDATE comments SET writeback_error = ?, writeback_state = CASE WHEN writeback_job_id = ? "
                "THEN 'failed' ELSE writeback_state END, expected_status = CASE WHEN writeback_job_id = ? "
                "THEN NULL ELSE expected_status END, updated_at = ? WHERE id = ?",
                [reason, job_id, job_id, now, comment_id],
            )
            db.execute("UPDATE moderation_log SET writeback = 'failed', detail = ? WHERE job_id = ?",
                       [reason, job_id])

    def save_reply(self, site_id: str, row: dict, *, job_id: int) -> int:
        """Store our own reply as it now exists on the site; returns its local id.

        A sync may have pulled it already (a retry found the reply a lost save had
        posted): that row is kept and marked as our written-back reply."""
        now = self.now_iso()
        columns = ", ".join(PULLED_COLUMNS)
        marks = ", ".join("?" for _ in PULLED_COLUMNS)
        with self.write() as db:
            db.execute(
                f"INSERT INTO comments (site_id, {columns}, remote_status, first_seen_at, updated_at, parent_id, "
                f"writeback_state, writeback_job_id) VALUES (?, {marks}, ?, ?, ?, (SELECT p.id FROM comments p "
                f"WHERE p.site_id = ? AND p.remote_id = ?), 'done', ?) ON CONFLICT(site_id, remote_id) DO UPDATE SET "
                f"writeback_state = 'done', writeback_job_id = excluded.writeback_job_id",
                [site_id, *_pulled(row), row["status"], now, now, site_id,
                 row.get("remote_parent_id"), job_id],
            )
            local_id = self.scalar("SELECT id FROM comments WHERE site_id = ? AND remote_id = ?",
                                   [site_id, row["remote_id"]])
            db.execute("UPDATE moderation_log SET writeback = 'done', detail = ? WHERE job_id = ?",
                       [dumps({"reply_comment_id": local_id, "remote_id": row["remote_id"]}), job_id])
        return local_id
