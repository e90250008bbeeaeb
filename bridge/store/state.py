"""Small named values kept across runs (``sync_state``): cursors, the installation id, salts.

Several areas keep theirs here, so the three reads and writes live once and the
query modules that need them inherit them.
"""
from __future__ import annotations

from typing import Any

from .base import StoreBase, dumps, loads


class StateQueries(StoreBase):
    def get_state(self, scope: str, key: str, default: Any = None) -> Any:
        row = self.query_one("SELECT value FROM sync_state WHERE scope = ? AND key = ?", [scope, key])
        return loads(row["value"]) if row else default

    def set_state(self, scope: str, key: str, value: Any) -> None:
        self._put(scope, key, value, "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")

    def ensure_state(self, scope: str, key: str, value: Any) -> Any:
        """Store ``value`` unless the key exists; return what is stored (first writer wins)."""
        self._put(scope, key, value, "DO NOTHING")
        return self.get_state(scope, key)

    def _put(self, scope: str, key: str, value: Any, on_conflict: str) -> None:
        with self.write() as db:
            db.execute("INSERT INTO sync_state (scope, key, value, updated_at) VALUES (?, ?, ?, ?) "
                       f"ON CONFLICT(scope, key) {on_conflict}", [scope, key, dumps(value), self.now_iso()])
