"""Accounts, API tokens and the login-failure counters behind rate limiting."""
from __future__ import annotations

from typing import Any

from .base import Row, StoreBase, dumps, inserted_id, loads


class UsersQueries(StoreBase):
    # -- users -----------------------------------------------------------
    def create_user(self, username: str, password_hash: str, role: str, sites: list[str] | None) -> int:
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO users (username, password_hash, role, sites, created_at) VALUES (?, ?, ?, ?, ?)",
                [username, password_hash, role, None if sites is None else dumps(sites), self.now_iso()],
            )
            return inserted_id(cur)

    def _user(self, row: Row) -> Row:
        if row is None:
            return row
        row["sites"] = loads(row["sites"])
        return row

    def get_user(self, user_id: int) -> dict | None:
        return self._user(self.query_one("SELECT * FROM users WHERE id = ?", [user_id]))

    def get_user_by_name(self, username: str) -> dict | None:
        return self._user(self.query_one("SELECT * FROM users WHERE username = ?", [username]))

    def list_users(self) -> list[dict]:
        return [self._user(r) for r in self.query("SELECT * FROM users ORDER BY username")]

    def count_users(self) -> int:
        return self.scalar("SELECT count(*) FROM users")

    def set_password(self, user_id: int, password_hash: str) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE users SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
                [password_hash, user_id],
            )

    def set_time_zone(self, user_id: int, time_zone: str | None) -> None:
        with self.write() as db:
            db.execute("UPDATE users SET time_zone = ? WHERE id = ?", [time_zone, user_id])

    def set_language(self, user_id: int, language: str | None) -> None:
        """The user's interface language; None = follow the browser."""
        with self.write() as db:
            db.execute("UPDATE users SET language = ? WHERE id = ?", [language, user_id])

    def update_user(self, user_id: int, *, role: str | None = None, sites: list[str] | None | bool = False,
                    disabled: bool | None = None) -> None:
        sets: list[str] = []
        params: list[Any] = []
        if role is not None:
            sets.append("role = ?")
            params.append(role)
        if sites is not False:
            sets.append("sites = ?")
            params.append(None if sites is None else dumps(sites))
        if disabled is not None:
            sets.append("disabled = ?, session_version = session_version + 1")
            params.append(int(disabled))
        if not sets:
            return
        with self.write() as db:
            db.execute(f"UPDATE users SET {', '.join(sets)} WHERE id = ?", [*params, user_id])

    def touch_login(self, user_id: int) -> None:
        with self.write() as db:
            db.execute("UPDATE users SET last_login_at = ? WHERE id = ?", [self.now_iso(), user_id])

    # -- API tokens ------------------------------------------------------
    def create_token(self, user_id: int, name: str, prefix: str, token_hash: str) -> int:
        with self.write() as db:
            cur = db.execute(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                [user_id, name, prefix, token_hash, self.now_iso()],
            )
            return inserted_id(cur)

    def get_token_by_hash(self, token_hash: str) -> dict | None:
        return self.query_one(
            "SELECT t.*, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?",
            [token_hash],
        )

    def touch_token(self, token_id: int) -> None:
        with self.write() as db:
            db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [self.now_iso(), token_id])

    def list_tokens(self, user_id: int | None = None) -> list[dict]:
        sql = "SELECT t.id, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at, u.username " \
              "FROM api_tokens t JOIN users u ON u.id = t.user_id"
        if user_id is not None:
            return self.query(sql + " WHERE t.user_id = ? ORDER BY t.id", [user_id])
        return self.query(sql + " ORDER BY t.id")

    def revoke_token(self, token_id: int) -> bool:
        with self.write() as db:
            cur = db.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                [self.now_iso(), token_id],
            )
            return cur.rowcount == 1

    # -- login rate limiting ---------------------------------------------
    def login_failures(self, key: str) -> dict | None:
        return self.query_one("SELECT * FROM login_failures WHERE key = ?", [key])

    def record_login_failure(self, key: str, at: float) -> int:
        with self.write() as db:
            db.execute(
                "INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 1, ?) "
                "ON CONFLICT(key) DO UPDATE SET failures = failures + 1, last_failure_at = excluded.last_failure_at",
                [key, at],
            )
            return self.scalar("SELECT failures FROM login_failures WHERE key = ?", [key])

    def clear_login_failures(self, key: str) -> None:
        with self.write() as db:
            db.execute("DELETE FROM login_failures WHERE key = ?", [key])
