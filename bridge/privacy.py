"""Erasure requests and retention (GDPR Art. 17): remove what cms-bridge holds
about a commenter and, when asked, anonymise their comments on the sites.

The order matters. The sites are asked first, because the local rows are how we
know which comments are the person's: a comment the site could not anonymise
(site down) keeps its local copy, so running ``erase`` again finishes the job. A
site that cannot erase at all (no ``Feature.ERASE``) gets its comment ids in the
report, for the admin to handle in the CMS, and the local copy is erased anyway.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from adapters.base import AdapterError, Feature

from .clock import iso, parse_iso
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge


@dataclass
class SiteErasure:
    site_id: str
    local: int = 0
    origin_done: int = 0
    origin_failed: dict[str, str] = field(default_factory=dict)
    by_hand: list[str] = field(default_factory=list)  # remote ids the site cannot anonymise itself
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        site = self.site_id
        out: list[str] = [Words(N_("%(site)s: %(n)s comment(s) erased in cms-bridge"), site=site, n=self.local)]
        if self.origin_done:
            out.append(Words(N_("%(site)s: %(n)s comment(s) anonymised on the site"), site=site, n=self.origin_done))
        if self.origin_failed:
            first = next(iter(self.origin_failed.values()))
            out.append(Words(N_("%(site)s: %(n)s comment(s) NOT anonymised on the site (%(reason)s); their copy "
                                "here is kept: run the same erase again when the site answers"),
                             site=site, n=len(self.origin_failed), reason=first))
        if self.by_hand:
            out.append(Words(N_("%(site)s: this site cannot anonymise comments from cms-bridge; do it in the CMS "
                                "for comment id(s) %(ids)s"), site=site, ids=", ".join(self.by_hand)))
        out.extend(Words(N_("%(site)s: note: %(note)s"), site=site, note=note) for note in self.notes)
        return out


@dataclass
class ErasureReport:
    sites: list[SiteErasure] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not any(site.origin_failed for site in self.sites)

    @property
    def erased(self) -> int:
        return sum(site.local for site in self.sites)

    def lines(self) -> list[str]:
        if not self.sites:
            return [N_("nothing found: cms-bridge holds no comment of that person")]
        return [line for site in self.sites for line in site.lines()]


class PrivacyService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store

    def erase(self, *, email: str | None = None, author_key: str | None = None, at_origin: bool = False,
              actor: str = "cli", progress: Callable[[int, int], None] | None = None) -> ErasureReport:
        """``progress(done, total)`` is called after each site (the CLI's bar)."""
        email = (email or "").strip() or None
        keys: list[str | None] = [k for k in (author_key, self.bridge.sync.author_key(email) if email else None) if k]
        rows = []
        for key in keys or [None]:
            rows += self.store.comments_of_person(author_key=key, email=email)
        by_site: dict[str, dict[int, str]] = {}
        for row in rows:
            by_site.setdefault(row["site_id"], {})[row["id"]] = row["remote_id"]
        site_ids = sorted(by_site)
        if at_origin and email:  # the site may hold comments of that address we never pulled
            site_ids = sorted({*site_ids, *(s["id"] for s in self.bridge.config.sites)})
        report = ErasureReport()
        for done, site_id in enumerate(site_ids, 1):
            comments = by_site.get(site_id, {})
            result = SiteErasure(site_id)
            keep: set[int] = set()
            if at_origin:
                keep = self._at_origin(site_id, email or "", comments, result)
            result.local = self.store.erase_comments([cid for cid in comments if cid not in keep])
            if result.local or result.origin_done or result.origin_failed or result.by_hand or result.notes:
                report.sites.append(result)
                self.store.log_erasure(site_id, actor=actor, detail="; ".join(result.lines()))
            if progress:
                progress(done, len(site_ids))
        return report

    def _at_origin(self, site_id: str, email: str, comments: dict[int, str], result: SiteErasure) -> set[int]:
        """Anonymise on the site; return the local ids to keep for a later run."""
        if self.bridge.config.site(site_id) is None:
            result.notes.append(Words(N_("the site is no longer configured; only the copy here was erased")))
            return set()
        adapter = self.bridge.adapter(site_id)
        if not adapter.supports(Feature.ERASE):  # e.g. a TYPO3 site in reaction mode: said, never skipped
            result.by_hand = sorted(comments.values(), key=lambda r: (len(r), r))
            result.notes.append(Words(N_("nothing was anonymised on the site: %(reason)s"),
                                      reason=adapter.unsupported(Feature.ERASE).describe()))
            return set()
        try:
            done = adapter.anonymize_commenter(email, list(comments.values()))
        except AdapterError as exc:
            result.origin_failed = {remote: str(exc) for remote in comments.values()} or {"-": str(exc)}
            return set(comments)
        result.origin_done = len(done.done)
        result.origin_failed = dict(done.failed)
        result.notes.extend(done.notes)
        return {cid for cid, remote in comments.items() if remote in done.failed}

    def purge_expired(self, *, limit: int = 1000) -> int:
        """``[privacy] retention_days``: the text of decided comments older than that goes."""
        days = self.bridge.config.privacy.retention_days
        if days <= 0:
            return 0
        cutoff = iso((parse_iso(iso(self.bridge.clock())) - timedelta(days=days)).timestamp())
        return self.store.purge_comment_texts(cutoff, limit=limit)


def setup(bridge: Bridge) -> PrivacyService:
    return PrivacyService(bridge)
