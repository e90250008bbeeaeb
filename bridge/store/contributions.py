"""Invitations and contributions (the contributor path's SQL).

An invitation is also a ``sources`` row (kind "contributors"), so its items sit
in the curation queue like any other source's. ``submissions`` counts accepted
submissions and is raised in the same transaction that inserts one, so a
``max_submissions`` limit holds with several workers.
"""
from __future__ import annotations

from .base import Row, dumps, inserted_id, loads
from .items import ItemsQueries

INVITATION_JSON = ("targets", "rules")


class ContributionsQueries(ItemsQueries):
    # -- invitations -----------------------------------------------------
    @staticmethod
    def _invitation(row: Row) -> Row:
        if row is None:
            return row
        for key in INVITATION_JSON:
            row[key] = loads(row[key], [] if key == "targets" else {})
        row["trusted"] = bool(row["trusted"])
        return row

    def create_invitation(self, row: dict) -> int:
        values = {**row, "created_at": self.now_iso()}
        for key in INVITATION_JSON:
            values[key] = dumps(values.get(key) or ([] if key == "targets" else {}))
        values["trusted"] = int(bool(values.get("trusted")))
        columns = list(values)
        with self.write() as db:
            cur = db.execute(
                f"INSERT INTO invitations ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [values[c] for c in columns])
            db.execute("INSERT INTO sources (id, kind, url, updated_at) VALUES (?, 'contributors', '', ?)",
                       [values["source_id"], values["created_at"]])
            return inserted_id(cur)

    def get_invitation(self, invitation_id: int) -> dict | None:
        return self._invitation(self.query_one("SELECT * FROM invitations WHERE id = ?", [invitation_id]))

    def written_invitation(self, invitation_id: int) -> dict:
        """An invitation the caller just made (a miss is a bug)."""
        return self._invitation(self.query_row("SELECT * FROM invitations WHERE id = ?", [invitation_id]))

    def invitation_by_token_hash(self, token_hash: str) -> dict | None:
        return self._invitation(self.query_one("SELECT * FROM invitations WHERE token_hash = ?", [token_hash]))

    def invitation_by_source(self, source_id: str) -> dict | None:
        return self._invitation(self.query_one("SELECT * FROM invitations WHERE source_id = ?", [source_id]))

    def list_invitations(self) -> list[dict]:
        return [self._invitation(r) for r in self.query("SELECT * FROM invitations ORDER BY id DESC")]

    def revoke_invitation(self, invitation_id: int, actor: str) -> bool:
        with self.write() as db:
            cur = db.execute("UPDATE invitations SET revoked_at = ?, revoked_by = ? WHERE id = ? "
                             "AND revoked_at IS NULL", [self.now_iso(), actor, invitation_id])
            return cur.rowcount == 1

    # -- contributions ---------------------------------------------------
    def count_contributions_since(self, *, since: str, invitation_id: int | None = None,
                                  client_hash: str | None = None) -> int:
        if invitation_id is not None:
            return self.scalar("SELECT count(*) FROM contributions WHERE invitation_id = ? AND created_at >= ?",
                               [invitation_id, since])
        return self.scalar("SELECT count(*) FROM contributions WHERE client_hash = ? AND created_at >= ?",
                           [client_hash, since])

    def insert_contribution(self, invitation_id: int, max_submissions: int | None, item: dict,
                            media: list[dict], contribution: dict) -> tuple[int, int] | None:
        """Item + stored media + contribution in one transaction; None when the
        invitation was used up meanwhile (nothing stored)."""
        with self.write() as db:
            cur = db.execute("UPDATE invitations SET submissions = submissions + 1 WHERE id = ? AND "
                             "(max_submissions IS NULL OR submissions < max_submissions)", [invitation_id])
            if cur.rowcount != 1:
                return None
            item_id = self.insert_item(item, media)
            for row, m in zip(self.item_media(item_id), media, strict=True):
                self.record_media(row["id"], state="stored", sha256=m["sha256"], path=m["path"],
                                  content_type=m["content_type"], width=m.get("width"), height=m.get("height"),
                                  size=m["bytes"])
            values = {"created_at": self.now_iso(), **contribution, "invitation_id": invitation_id,
                      "item_id": item_id, "removed_metadata": dumps(contribution.get("removed_metadata") or [])}
            columns = list(values)
            cur = db.execute(
                f"INSERT INTO contributions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [values[c] for c in columns])
            return inserted_id(cur), item_id

    @staticmethod
    def _contribution(row: Row) -> Row:
        if row is not None:
            row["removed_metadata"] = loads(row["removed_metadata"], [])
        return row

    def contribution_by_receipt_hash(self, receipt_hash: str) -> dict | None:
        return self._contribution(self.query_one("SELECT * FROM contributions WHERE receipt_hash = ?",
                                                 [receipt_hash]))

    def contribution_for_item(self, item_id: int) -> dict | None:
        return self._contribution(self.query_one("SELECT * FROM contributions WHERE item_id = ?", [item_id]))

    def written_contribution_for_item(self, item_id: int) -> dict:
        """The contribution of an item the caller just read or changed (a miss is a bug)."""
        return self._contribution(self.query_row("SELECT * FROM contributions WHERE item_id = ?", [item_id]))

    def contributions_of(self, invitation_id: int) -> list[dict]:
        rows = self.query("SELECT c.*, i.state AS item_state, i.title AS item_title FROM contributions c "
                          "JOIN items i ON i.id = c.item_id WHERE c.invitation_id = ? ORDER BY c.id DESC",
                          [invitation_id])
        return [self._contribution(r) for r in rows]

    def mark_withdrawn(self, contribution_id: int) -> bool:
        with self.write() as db:
            cur = db.execute("UPDATE contributions SET withdrawn_at = ? WHERE id = ? AND withdrawn_at IS NULL",
                             [self.now_iso(), contribution_id])
            return cur.rowcount == 1
