"""Social items, their media and their publications (the curation side).

Intake writes ``items`` and ``media`` rows; curation reads them. The columns, as
intake fills them (the contract with the curation service):

``items``
    ``source_id``/``external_id`` (unique together), ``url`` (link to the original,
    absolute), ``canonical_url`` (tracking parameters stripped — the dedupe key),
    ``content_hash`` (sha256 of the normalised text + media URLs; '' when the text is
    too short to say anything), ``network``, ``title`` / ``text`` / ``author_name``
    (plain text, no markup), ``html`` (nh3-sanitised, absolute URLs), ``author_url``,
    ``published_at`` / ``received_at`` (ISO 8601 UTC), ``state`` (pending | flagged |
    approved | rejected | duplicate) and ``state_reason`` ("trusted source",
    "banned word: …", "suspect word: …", "too many links: …", "duplicate of item N
    (same URL)"), ``flags`` (JSON list of {rule, reason}: every rule that matched,
    also when another decided the state), ``duplicate_of`` (the first item),
    ``target_sites`` (JSON, from the source's ``targets``), ``contributor``,
    ``consent_state`` ("requested" when the source has ``require_consent``, else
    "not_required"), ``raw`` (JSON of what arrived).

``media``
    one row per image, ``position`` ordered: ``url`` (original), ``alt``, ``kind``,
    ``state`` pending → stored | failed; when stored: ``path`` (absolute file path in
    the content-addressed store = ``Media.local_path``), ``sha256``, ``content_type``,
    ``width``, ``height``, ``bytes``; when failed: ``error`` says why, and the item
    stays usable with the original ``url``.
"""
from __future__ import annotations

from typing import Any

from .base import Row, StoreBase, dumps, inserted_id, loads

ITEM_JSON = ("flags", "target_sites", "raw")


class ItemsQueries(StoreBase):
    """Queries of the intake and curation services live here."""

    # -- items -----------------------------------------------------------
    def _item(self, row: Row) -> Row:
        if row is None:
            return row
        for key in ITEM_JSON:
            if key in row:
                row[key] = loads(row[key], {} if key == "raw" else [])
        return row

    def get_item(self, item_id: int) -> dict | None:
        return self._item(self.query_one("SELECT * FROM items WHERE id = ?", [item_id]))

    def find_item_in_source(self, source_id: str, *, external_id: str, canonical_url: str) -> dict | None:
        """The item this source already delivered under this external id, or else
        under this canonical URL (a redelivery with a new id): one item, never two."""
        row = self.query_one("SELECT * FROM items WHERE source_id = ? AND external_id = ?", [source_id, external_id])
        if row is None and canonical_url:
            row = self.query_one(
                "SELECT * FROM items WHERE source_id = ? AND canonical_url = ? ORDER BY id LIMIT 1",
                [source_id, canonical_url])
        return self._item(row)

    def find_duplicate(self, *, network: str, external_id: str, canonical_url: str,
                       content_hash: str) -> tuple[dict, str] | None:
        """The first item (of any source) this one repeats, and why: same network
        and external id, same canonical URL, or same content hash."""
        checks = []
        if external_id and network:
            checks.append(("same external id",
                           "SELECT * FROM items WHERE external_id = ? AND network = ? ORDER BY id LIMIT 1",
                           [external_id, network]))
        if canonical_url:
            checks.append(("same URL", "SELECT * FROM items WHERE canonical_url = ? ORDER BY id LIMIT 1",
                           [canonical_url]))
        if content_hash:
            checks.append(("same content", "SELECT * FROM items WHERE content_hash = ? ORDER BY id LIMIT 1",
                           [content_hash]))
        for why, sql, params in checks:
            row = self.query_one(sql, params)
            if row is not None:
                return self._item(row), why
        return None

    def insert_item(self, row: dict, media: list[dict]) -> int:
        """Insert an item and its media rows (inside the caller's write transaction
        when there is one); returns the new item id."""
        now = self.now_iso()
        values = dict(row)
        for key in ITEM_JSON:
            if key in values and not isinstance(values[key], str):
                values[key] = dumps(values[key])
        values.setdefault("received_at", now)
        values["updated_at"] = now
        columns = list(values)
        with self.write() as db:
            cur = db.execute(
                f"INSERT INTO items ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [values[c] for c in columns])
            item_id = inserted_id(cur)
            for position, m in enumerate(media):
                db.execute(
                    "INSERT INTO media (item_id, position, url, alt, kind, state, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
                    [item_id, position, m["url"], m.get("alt", ""), m.get("kind", "image"), now])
        return item_id

    def list_items(self, *, source_id: str | None = None, state: str | None = None, limit: int = 100) -> list[dict]:
        where: list[str] = []
        params: list[Any] = []
        if source_id:
            where.append("source_id = ?")
            params.append(source_id)
        if state:
            where.append("state = ?")
            params.append(state)
        sql = "SELECT * FROM items" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id LIMIT ?"
        return [self._item(r) for r in self.query(sql, [*params, limit])]

    def count_items(self, source_id: str | None = None) -> int:
        if source_id:
            return self.scalar("SELECT count(*) FROM items WHERE source_id = ?", [source_id])
        return self.scalar("SELECT count(*) FROM items")

    # -- media -----------------------------------------------------------
    def item_media(self, item_id: int) -> list[dict]:
        return self.query("SELECT * FROM media WHERE item_id = ? ORDER BY position, id", [item_id])

    def pending_media(self, item_id: int) -> list[dict]:
        return self.query("SELECT * FROM media WHERE item_id = ? AND state = 'pending' ORDER BY position, id",
                          [item_id])

    def stored_media_for_url(self, url: str) -> dict | None:
        """A download of this exact URL that already succeeded (images are fetched once)."""
        return self.query_one("SELECT * FROM media WHERE url = ? AND state = 'stored' ORDER BY id LIMIT 1", [url])

    def record_media(self, media_id: int, *, state: str, error: str | None = None, sha256: str | None = None,
                     path: str | None = None, content_type: str | None = None, width: int | None = None,
                     height: int | None = None, size: int | None = None) -> None:
        with self.write() as db:
            db.execute(
                "UPDATE media SET state = ?, error = ?, sha256 = ?, path = ?, content_type = ?, width = ?, "
                "height = ?, bytes = ?, updated_at = ? WHERE id = ?",
                [state, error, sha256, path, content_type, width, height, size, self.now_iso(), media_id])

    def reset_failed_media(self, item_id: int) -> int:
        """Put an item's failed images back to pending (to be downloaded again)."""
        with self.write() as db:
            cur = db.execute("UPDATE media SET state = 'pending', error = NULL, updated_at = ? "
                             "WHERE item_id = ? AND state = 'failed'", [self.now_iso(), item_id])
            return cur.rowcount

    # -- webhook deliveries (the idempotency keys) -------------------------
    def get_delivery(self, source_id: str, delivery_id: str) -> dict | None:
        row = self.query_one("SELECT * FROM webhook_deliveries WHERE source_id = ? AND delivery_id = ?",
                             [source_id, delivery_id])
        if row:
            row["response"] = loads(row["response"], {})
        return row

    def record_delivery(self, source_id: str, delivery_id: str, *, status_code: int, response: dict,
                        item_id: int | None) -> None:
        with self.write() as db:
            db.execute(
                "INSERT INTO webhook_deliveries (source_id, delivery_id, status_code, response, item_id, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?)",
                [source_id, delivery_id, status_code, dumps(response), item_id, self.now_iso()])

    # -- sources (intake's extra column) ------------------------------------
    def record_source_warning(self, source_id: str, warning: str | None) -> None:
        """The last non-fatal problem of a source (a feed that parsed with errors);
        None clears it."""
        with self.write() as db:
            db.execute("UPDATE sources SET last_warning = ?, updated_at = ? WHERE id = ?",
                       [warning, self.now_iso(), source_id])
