"""What sites and sources connected in the UI have in common: rows in a ``managed_*``
table holding the very table a ``[[sites]]`` / ``[[sources]]`` entry would be, their
secrets sealed (bridge/secretbox.py), loaded beside the config file's entries
whenever another process changed them (a generation number in the database), and
every change audited. Entries from the config file stay read-only here.

Subclasses say how an entry is validated (always by the config file's own schema)
and how the loaded entries join ``bridge.config``.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from adapters.types import ConnectionReport

from .secretbox import SecretBox, SecretsUnreadable

if TYPE_CHECKING:
    from .core import Bridge

log = logging.getLogger(__name__)


class SiteInputError(Exception):
    """The form or command describes no valid site or source; ``problems`` has one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass
class Verdict:
    """What saving came to: saved or not, and what the check said."""

    saved: bool
    entry_id: str
    report: ConnectionReport | None = None
    problems: list[str] = field(default_factory=list)
    note: str = ""  # e.g. how many entries a feed gave on its check, in words
    entries: int | None = None  # a feed's check: how many entries it gave

    @property
    def site_id(self) -> str:
        return self.entry_id


def env_name(entry_id: str, key: str, prefix: str = "") -> str:
    """The made-up variable a managed entry's ``*_env`` key names (it exists only in its sealed secrets)."""
    return f"CMS_BRIDGE_UI_{prefix}{re.sub(r'[^A-Z0-9]', '_', entry_id.upper())}_{key.upper()}"


class ManagedEntries:
    table = ""  # managed_sites | managed_sources
    noun = ""  # site | source

    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.box = SecretBox(bridge.config.server.database)
        self.problems: dict[str, str] = {}  # managed entries that could not be loaded, and why
        self._generation = None

    # -- for subclasses -----------------------------------------------------------
    def generation(self):
        return self.store.managed_generation(self.table)

    def validated(self, raw: dict, secrets: dict[str, str]) -> tuple[dict, dict[str, str]]:
        raise NotImplementedError

    def install(self, loaded: list[tuple[dict, dict[str, str]]]) -> None:
        raise NotImplementedError

    # -- the merged list ------------------------------------------------------------
    def refresh(self) -> None:
        """Load the managed entries into ``bridge.config`` if another process changed them."""
        generation = self.generation()
        if generation == self._generation:
            return
        loaded, self.problems = [], {}
        for row in self.store.managed_rows(self.table):
            if row["disabled"]:
                continue
            try:
                entry, secrets = self.validated(row["raw"], self.box.open(row["sealed"]))
            except (SiteInputError, SecretsUnreadable) as exc:
                self.problems[row["id"]] = str(exc)
                log.warning("managed %s %s not loaded: %s", self.noun, row["id"], exc)
                continue
            loaded.append((entry, secrets))
        self.install(loaded)
        self._generation = generation

    def is_managed(self, entry_id: str) -> bool:
        return self.row(entry_id) is not None

    def row(self, entry_id: str) -> dict | None:
        return next((r for r in self.store.managed_rows(self.table) if r["id"] == entry_id), None)

    def managed_rows(self) -> list[dict]:
        return [{**row, "problem": self.problems.get(row["id"])} for row in self.store.managed_rows(self.table)]

    def stored_secrets(self, entry_id: str) -> dict[str, str]:
        """The sealed secrets of a managed entry (for an edit that leaves them blank)."""
        row = self.row(entry_id)
        return self.box.open(row["sealed"]) if row else {}

    # -- changes ----------------------------------------------------------------
    def audit(self, entry_id: str, *, actor: str, action: str, detail: str = "") -> None:
        raise NotImplementedError

    def persist(self, entry_id: str, raw: dict, secrets: dict[str, str], *, actor: str, detail: str) -> None:
        existed = self.is_managed(entry_id)
        self.store.save_managed(self.table, entry_id, raw, self.box.seal(secrets), actor=actor)
        self.audit(entry_id, actor=actor, action=f"{self.noun}-{'updated' if existed else 'added'}", detail=detail)

    def set_disabled(self, entry_id: str, disabled: bool, *, actor: str) -> bool:
        if not self.store.set_managed_disabled(self.table, entry_id, disabled):
            return False
        self.audit(entry_id, actor=actor, action=f"{self.noun}-{'disabled' if disabled else 'enabled'}")
        self.bridge.refresh_sites()
        return True

    def remove(self, entry_id: str, *, actor: str) -> bool:
        """Forget the entry's connection; what it brought in and its history stay readable."""
        if not self.store.delete_managed(self.table, entry_id):
            return False
        self.audit(entry_id, actor=actor, action=f"{self.noun}-removed")
        self.bridge.refresh_sites()
        return True
