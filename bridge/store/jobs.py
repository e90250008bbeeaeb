"""The outbox's table: durable jobs, claimed with a lease."""
from __future__ import annotations

from typing import Any

from .base import Row, StoreBase, dumps, loads


class JobsQueries(StoreBase):
    def _job(self, row: Row) -> Row:
        if row is None:
            return row
        row["payload"] = loads(row["payload"], {})
        row["result"] = loads(row["result"])
        return row

    def insert_job(self, *, kind: str, site_id: str | None, key: str, payload: dict,
                   max_attempts: int, run_at: float) -> tuple[dict, bool]:
        """Insert unless the idempotency key exists; returns (job, created)."""
        now = self.now_iso()
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO jobs (kind, site_id, idempotency_key, payload, max_attempts, next_attempt_at, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(idempotency_key) DO NOTHING",
                [kind, site_id, key, dumps(payload), max_attempts, run_at, now, now],
            )
            created = cur.rowcount == 1
            job = self._job(self.query_row("SELECT * FROM jobs WHERE idempotency_key = ?", [key]))
        return job, created

    def requeue_job(self, job_id: int, *, payload: dict | None, run_at: float) -> dict:
        """Put a finished job back in the queue (a new revision of the same intent)."""
        with self.write() as db:
            if payload is None:
                db.execute(
                    "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = ?, lease_owner = NULL, "
                    "lease_until = NULL, last_error = NULL, finished_at = NULL, updated_at = ? WHERE id = ?",
                    [run_at, self.now_iso(), job_id],
                )
            else:
                db.execute(
                    "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = ?, lease_owner = NULL, "
                    "lease_until = NULL, last_error = NULL, finished_at = NULL, payload = ?, updated_at = ? "
                    "WHERE id = ?",
                    [run_at, dumps(payload), self.now_iso(), job_id],
                )
        return self._job(self.query_row("SELECT * FROM jobs WHERE id = ?", [job_id]))

    def get_job(self, job_id: int) -> dict | None:
        return self._job(self.query_one("SELECT * FROM jobs WHERE id = ?", [job_id]))

    def claim_jobs(self, *, owner: str, now: float, lease_until: float, limit: int,
                   site_id: str | None = None, kinds: list[str] | None = None) -> list[dict]:
        """Atomically lease due jobs: queued ones whose time has come, and running
        ones whose lease ran out (their worker died)."""
        where = ["((state = 'queued' AND next_attempt_at <= ?) OR (state = 'running' AND lease_until < ?))"]
        params: list = [now, now]
        if site_id is not None:
            where.append("site_id = ?")
            params.append(site_id)
        if kinds:
            where.append(f"kind IN ({', '.join('?' for _ in kinds)})")
            params.extend(kinds)
        with self.write() as db:
            rows = db.execute(
                f"UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, updated_at = ? "
                f"WHERE id IN (SELECT id FROM jobs WHERE {' AND '.join(where)} "
                f"ORDER BY next_attempt_at, id LIMIT ?) RETURNING *",
                [owner, lease_until, self.now_iso(), *params, limit],
            ).fetchall()
        return sorted((self._job(dict(r)) for r in rows), key=lambda j: (j["next_attempt_at"], j["id"]))

    def finish_job(self, job_id: int, owner: str, result: dict | None) -> bool:
        """Mark done, but only if this worker still holds the lease."""
        now = self.now_iso()
        with self.write() as db:
            cur = db.execute(
                "UPDATE jobs SET state = 'done', result = ?, lease_owner = NULL, lease_until = NULL, "
                "last_error = NULL, attempts = attempts + 1, finished_at = ?, updated_at = ? "
                "WHERE id = ? AND lease_owner = ? AND state = 'running'",
                [dumps(result), now, now, job_id, owner],
            )
            return cur.rowcount == 1

    def reschedule_job(self, job_id: int, owner: str, *, error: str, next_attempt_at: float | None) -> bool:
        """Count a failed attempt; ``next_attempt_at=None`` means give up (failed)."""
        now = self.now_iso()
        with self.write() as db:
            if next_attempt_at is None:
                cur = db.execute(
                    "UPDATE jobs SET state = 'failed', attempts = attempts + 1, last_error = ?, lease_owner = NULL, "
                    "lease_until = NULL, finished_at = ?, updated_at = ? "
                    "WHERE id = ? AND lease_owner = ? AND state = 'running'",
                    [error, now, now, job_id, owner],
                )
            else:
                cur = db.execute(
                    "UPDATE jobs SET state = 'queued', attempts = attempts + 1, last_error = ?, "
                    "next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, updated_at = ? "
                    "WHERE id = ? AND lease_owner = ? AND state = 'running'",
                    [error, next_attempt_at, now, job_id, owner],
                )
            return cur.rowcount == 1

    def retry_job(self, job_id: int, now: float) -> bool:
        """A manual retry of a failed job: attempts start again."""
        with self.write() as db:
            cur = db.execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, next_attempt_at = ?, finished_at = NULL, "
                "updated_at = ? WHERE id = ? AND state = 'failed'",
                [now, self.now_iso(), job_id],
            )
            return cur.rowcount == 1

    def supersede_job(self, job_id: int, reason: str) -> bool:
        """Retire a job that has not succeeded because a newer intent replaced it."""
        now = self.now_iso()
        with self.write() as db:
            cur = db.execute(
                "UPDATE jobs SET state = 'superseded', last_error = ?, lease_owner = NULL, lease_until = NULL, "
                "finished_at = ?, updated_at = ? WHERE id = ? AND state IN ('queued', 'failed')",
                [reason, now, now, job_id],
            )
            return cur.rowcount == 1

    def list_jobs(self, *, state: str | None = None, site_id: str | None = None, kind: str | None = None,
                  limit: int = 100) -> list[dict]:
        where: list[str] = []
        params: list[Any] = []
        for column, value in (("state", state), ("site_id", site_id), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        sql = "SELECT * FROM jobs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ?"
        return [self._job(r) for r in self.query(sql, [*params, limit])]

    def count_jobs_by_state(self) -> dict[str, int]:
        return {r["state"]: r["n"] for r in self.query("SELECT state, count(*) AS n FROM jobs GROUP BY state")}
