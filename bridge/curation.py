"""Curation: the decisions an editor makes about a social item, and publishing them.

approve(item, sites) → one outbox job per site → the site's adapter ``publish()``
(an upsert) → the ``publications`` row records the RemoteRef. Every decision is
recorded with who and when (``item_decisions``).

Idempotency keys are ``publish:<item>:<site>:r<revision>``. The revision grows
whenever the intent changes (an edit, a retraction, a consent change, approving
again after a retraction), so a changed intent gets a fresh job while a double
click or an added site reuses the jobs that exist. Job handlers re-read the item
when they run and do nothing when it is no longer meant to be on (or off) a site,
so an old job that runs late can never undo a newer decision.

Consent: items of a source with ``require_consent`` wait for ``granted`` before
any publish job exists; approving such an item records the decision, and the jobs
are created when consent is granted. ``declined``/``revoked`` take an item down
from every site it is on.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeGuard

from markupsafe import escape

from adapters.base import AdapterError, Feature, NotFound
from adapters.types import Media, RemoteRef, SocialItem

from . import clock as clock_mod
from . import rights
from .errors import Conflict, InvalidInput, NotAllowed, ServiceError
from .errors import NotFound as ItemNotFound
from .sanitize import clean_html, title_from
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge

CONSENT_STATES = ("not_required", "requested", "granted", "declined", "revoked")
ITEM_STATES = ("pending", "flagged", "approved", "rejected", "duplicate", "retracted")
QUEUE_STATES = ("pending", "flagged")
APPROVABLE_STATES = ("pending", "flagged", "rejected", "approved", "retracted")
REJECTABLE_STATES = ("pending", "flagged", "rejected")
PUBLISH_KIND = "publish"
UNPUBLISH_KIND = "unpublish"
#: publication states that mean "something is (or is about to be) on the site"
LIVE_PUBLICATION_STATES = ("queued", "published")


#: curation's refusals are the shared ones (``bridge/errors.py``); these names stay for callers
CurationError = ServiceError


class MediaPending(AdapterError):
    """An image of the item is still downloading: publish once it is there (retried)."""

    retriable = True


@dataclass
class Outcome:
    """What a decision did: the item as it is now, and the jobs it created."""

    item: dict
    jobs: list[int] = field(default_factory=list)
    waiting_for_consent: bool = False


def text_to_html(text: str) -> str:
    """An editor's plain-text edit as paragraphs (escaped: never markup from a form)."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{'<br>'.join(str(escape(line)) for line in p.split(chr(10)))}</p>" for p in paragraphs)


def _parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return clock_mod.parse_iso(value)
    except ValueError:
        return None


class CurationService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.outbox = bridge.outbox
        #: stories (issue 14): callables(event, item) told of every decision, inside its
        #: write transaction — "approve", "retract", "reject", "consent"
        self.listeners: list = []

    def _tell(self, event: str, item: dict) -> None:
        for listener in self.listeners:
            listener(event, item)

    # -- reading -----------------------------------------------------------
    def source_config(self, item: dict) -> dict:
        return self.bridge.config.source(item["source_id"]) or {}

    def configured_site_ids(self) -> list[str]:
        return [s["id"] for s in self.bridge.config.sites]

    def default_sites(self, item: dict) -> list[str]:
        """The sites an approval goes to unless the editor chooses: the item's targets,
        else its source's."""
        return list(item["target_sites"] or self.source_config(item).get("targets") or [])

    def sources_targeting(self, sites: list[str]) -> list[str]:
        return rights.visible_sources(self.bridge.config.sources, sites)

    def visible(self, item: dict, allowed: list[str] | None) -> bool:
        """Restricted editors see the items meant for their sites (chosen or by source)."""
        if allowed is rights.ALL_SITES:
            return True
        meant_for = set(item["target_sites"]) | set(self.source_config(item).get("targets") or [])
        meant_for |= {p["site_id"] for p in self.store.item_publications([item["id"]])[item["id"]]}
        return rights.may_see_any(meant_for, allowed)

    def get(self, item_id: int, allowed: list[str] | None) -> dict:
        item = self.store.item_for_curation(item_id)
        if item is None or not self.visible(item, allowed):
            raise ItemNotFound(Words(N_("There is no item %(id)s."), id=item_id), field="id", value=item_id)
        return item

    def consent_status(self, item: dict) -> str:
        """``ok`` (may be published), ``waiting`` (publish once granted) or ``refused``."""
        state = item["consent_state"]
        if state in ("declined", "revoked"):
            return "refused"
        if state == "granted":
            return "ok"
        if state == "requested" or self.source_config(item).get("require_consent"):
            return "waiting"
        return "ok"

    def publications(self, item_id: int, allowed: list[str] | None) -> list[dict]:
        rows = self.store.item_publications([item_id])[item_id]
        return [p for p in rows if not rights.forbidden([p["site_id"]], allowed)]

    def history(self, item_id: int) -> list[dict]:
        return self.store.item_decisions(item_id)

    # -- guards --------------------------------------------------------------
    def check_sites(self, sites: Any, allowed: list[str] | None, *, field_name: str = "sites") -> list[str]:
        if not isinstance(sites, (list, tuple)) or not sites:
            raise InvalidInput(Words(N_("Choose at least one site to publish to.")), field=field_name, value=sites)
        known = self.configured_site_ids()
        chosen: list[str] = []
        for i, site in enumerate(sites):
            if site not in known:
                raise InvalidInput(Words(N_("%(site)r is not a configured site; use one of: %(sites)s."), site=site,
                                         sites=", ".join(known) or Words(N_("none"))),
                                   field=f"{field_name}[{i}]", value=site)
            if site not in chosen:
                chosen.append(site)
        forbidden = rights.forbidden(chosen, allowed)
        if forbidden:
            raise NotAllowed(Words(N_("You may not publish to %(forbidden)s; you may publish to: %(allowed)s."),
                                   forbidden=", ".join(forbidden),
                                   allowed=", ".join(allowed or []) or Words(N_("no site"))),
                             field=field_name, value=forbidden)
        return chosen

    def _check_all_sites_allowed(self, item: dict, allowed: list[str] | None, what: str) -> None:
        forbidden = rights.forbidden(rights.item_sites(self.store, item), allowed)
        if forbidden:
            raise NotAllowed(Words(N_("Item %(item)s is also published to %(sites)s, which you may not change; ask an "
                                "editor of those sites to %(doing)s it."), item=item["id"], sites=", ".join(forbidden),
                             doing=Words(what)), field="sites", value=forbidden)

    # -- what each site can do (its adapter's declared features) -------------------
    def site_features(self, site_id: str) -> frozenset[Feature]:
        """The site's features from its configuration alone (no network call); none for a site
        that is no longer configured."""
        if site_id not in self.configured_site_ids():
            return frozenset()
        return self.bridge.adapter(site_id).features

    def sites_lacking(self, item: dict, feature: Feature) -> list[str]:
        """Sites the item has been sent to (published there) that cannot do ``feature``."""
        return [p["site_id"] for p in self.store.item_publications([item["id"]])[item["id"]]
                if p["state"] == "published" and feature not in self.site_features(p["site_id"])]

    def _require_feature(self, item: dict, feature: Feature, doing: str, instead: str) -> None:
        """Refuse (409, nothing queued) a decision that needs ``feature`` on a site lacking it,
        instead of queueing a job that can only fail there."""
        lacking = self.sites_lacking(item, feature)
        if lacking:
            reasons = "; ".join(self.bridge.adapter(s).unsupported(feature).describe()
                                if s in self.configured_site_ids()
                                else Words(N_("%(site)s is no longer configured"), site=s)
                                for s in lacking)
            raise Conflict(Words(N_("Item %(item)s is published on %(sites)s, which cannot %(feature)s "
                                    "(%(reasons)s), so it cannot be %(doing)s. %(instead)s"),
                                 item=item["id"], sites=", ".join(lacking),
                                 feature=Words(feature.value), reasons=reasons, doing=Words(doing),
                                 instead=Words(instead)), field="sites", value=lacking)

    # -- decisions -------------------------------------------------------------
    def approve(self, item_id: int, sites: list[str] | None, *, actor: str, title: str | None = None,
                text: str | None = None, allowed: list[str] | None) -> Outcome:
        """Approve to ``sites`` (None: the item's default targets), optionally with an
        edited title/text. Approving an approved item adds sites and applies edits:
        the sites it is on are updated in place (same remote post)."""
        item = self.check_approvable(item_id, allowed)
        sites = self.check_sites(sites if sites is not None else self.default_sites(item), allowed)
        if title is not None and len(title) > 500:
            raise InvalidInput(Words(N_("A title has at most 500 characters; shorten it.")), field="title",
                               value=title[:40])
        edits = {}
        for column, original, value in (("edited_title", item["title"], title), ("edited_text", item["text"], text)):
            if value is None:
                continue
            value = value.replace("\r\n", "\n").strip()
            wanted = None if value in ("", (original or "").strip()) else value
            if wanted != item[column]:
                edits[column] = wanted
        was_approved = item["state"] == "approved"
        if was_approved and edits:
            self._check_all_sites_allowed(item, allowed, N_("edit"))
            self._require_feature(item, Feature.UPDATE, N_("edited"),
                                  N_("Those sites keep the version they got; approve it to more sites without "
                                     "edits, or make a new item for the changed text."))
        targets = list(dict.fromkeys([*item["target_sites"], *sites])) if was_approved else sites
        # a changed intent (new content, or back after a retraction) needs fresh jobs
        changed = (was_approved and edits) or item["state"] == "retracted"
        new_revision = item["revision"] + 1 if changed else item["revision"]
        adds_sites = set(targets) != set(item["target_sites"])
        action = "edit" if was_approved and edits and not adds_sites else "approve"
        now = clock_mod.iso(self.bridge.clock())
        detail = "; ".join(Words(N_("%(field)s edited"), field=k.removeprefix("edited_")) for k in edits)
        with self.store.write():
            ok = self.store.update_item_curation(
                item_id, expect_states=(item["state"],), expect_revision=item["revision"],
                state="approved", state_reason="", target_sites=targets, revision=new_revision,
                decided_by=actor, decided_at=now, **edits)
            if not ok:
                raise Conflict(Words(N_("Item %(id)s was changed by someone else meanwhile; reload it and decide "
                                        "again."), id=item_id),
                               field="id", value=item_id)
            self.store.add_item_decision(item_id, actor=actor, action=action, from_state=item["state"],
                                         to_state="approved", sites=sites, detail=detail)
            item = self.store.written_item_for_curation(item_id)
            jobs, waiting = self._publish_if_allowed(item)
            self._tell("approve", item)
        return Outcome(item=item, jobs=jobs, waiting_for_consent=waiting)

    def approve_for_story(self, item_id: int, *, actor: str, story_id: int,
                          allowed: list[str] | None = None) -> dict:
        """Stories (issue 14): approve an item only as part of a story — the same checks
        as :meth:`approve` (visible to the editor, not a duplicate, consent not refused),
        but no post of its own: the story's post shows it. An approved item is
        returned as it is."""
        item = self.check_approvable(item_id, allowed)
        if item["state"] == "approved":
            return item
        now = clock_mod.iso(self.bridge.clock())
        with self.store.write():
            if not self.store.update_item_curation(
                    item_id, expect_states=(item["state"],), expect_revision=item["revision"], state="approved",
                    state_reason="", target_sites=[], revision=item["revision"] + 1, decided_by=actor,
                    decided_at=now):
                raise Conflict(Words(N_("Item %(id)s was changed by someone else meanwhile; reload it and decide "
                                        "again."), id=item_id),
                               field="id", value=item_id)
            self.store.add_item_decision(item_id, actor=actor, action="approve", from_state=item["state"],
                                         to_state="approved", detail=Words(N_("for story %(story)s"), story=story_id))
            item = self.store.written_item_for_curation(item_id)
        return item

    def check_approvable(self, item_id: int, allowed: list[str] | None = None) -> dict:
        """The item, if this editor may approve it: the checks :meth:`approve` makes
        before it looks at sites and edits."""
        item = self.get(item_id, allowed)
        if item["state"] == "duplicate":
            raise Conflict(Words(N_("Item %(id)s is a duplicate of item %(original)s (%(reason)s); approve that one "
                                    "instead."), id=item_id, original=item["duplicate_of"],
                                 reason=item["state_reason"] or Words(N_("same content"))),
                           field="id", value=item_id)
        if item["state"] not in APPROVABLE_STATES:
            raise Conflict(Words(N_("Item %(id)s is %(state)s and cannot be approved."), id=item_id,
                                 state=Words(item["state"])), field="id", value=item_id)
        if self.consent_status(item) == "refused":
            raise Conflict(Words(N_("The contributor %(state)s consent for item %(id)s; it cannot be published. Record "
                                    "new consent (state granted) first."), state=Words(item["consent_state"]),
                                 id=item_id), field="consent_state",
                           value=item["consent_state"])
        return item

    def edit(self, item_id: int, *, actor: str, title: str | None = None, text: str | None = None,
             allowed: list[str] | None) -> Outcome:
        """Change an approved item's title/text: every site it is on gets the update."""
        item = self.get(item_id, allowed)
        if item["state"] != "approved":
            raise Conflict(Words(N_("Item %(id)s is %(state)s; only approved items are edited on their own — "
                                    "approve it with the edit instead."), id=item_id, state=Words(item["state"])),
                           field="id", value=item_id)
        return self.approve(item_id, item["target_sites"], actor=actor, title=title, text=text, allowed=allowed)

    def reject(self, item_id: int, reason: str, *, actor: str, allowed: list[str] | None) -> Outcome:
        item = self.get(item_id, allowed)
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput(Words(N_("Say why the item is rejected (the reason is shown in the queue and "
                                        "history).")),
                               field="reason", value=reason)
        if len(reason) > 1000:
            raise InvalidInput(Words(N_("A reason has at most 1000 characters; shorten it.")), field="reason",
                               value=reason[:40])
        if item["state"] not in REJECTABLE_STATES:
            fix = (N_("retract it to take it down everywhere") if item["state"] == "approved"
                   else N_("nothing to reject"))
            raise Conflict(Words(N_("Item %(id)s is %(state)s; %(fix)s."), id=item_id, state=Words(item["state"]),
                                 fix=Words(fix)), field="id", value=item_id)
        now = clock_mod.iso(self.bridge.clock())
        with self.store.write():
            if not self.store.update_item_curation(item_id, expect_states=(item["state"],), state="rejected",
                                                   state_reason=reason, decided_by=actor, decided_at=now):
                raise Conflict(Words(N_("Item %(id)s was changed by someone else meanwhile; reload it."), id=item_id),
                               field="id", value=item_id)
            self.store.add_item_decision(item_id, actor=actor, action="reject", from_state=item["state"],
                                         to_state="rejected", detail=reason)
            self._tell("reject", self.store.written_item_for_curation(item_id))
        return Outcome(item=self.store.written_item_for_curation(item_id))

    def retract(self, item_id: int, *, actor: str, reason: str = "", allowed: list[str] | None) -> Outcome:
        """Take an approved item down from every site it is on (or queued for)."""
        item = self.get(item_id, allowed)
        if item["state"] != "approved":
            raise Conflict(Words(N_("Item %(id)s is %(state)s; only approved items can be retracted."), id=item_id,
                                 state=Words(item["state"])),
                           field="id", value=item_id)
        self._check_all_sites_allowed(item, allowed, N_("retract"))
        self._require_feature(item, Feature.UNPUBLISH, N_("retracted"),
                              N_("Remove it on those sites by hand (the bridge cannot take it down there)."))
        now = clock_mod.iso(self.bridge.clock())
        with self.store.write():
            if not self.store.update_item_curation(item_id, expect_states=("approved",),
                                                   expect_revision=item["revision"], state="retracted",
                                                   state_reason=reason.strip(), revision=item["revision"] + 1,
                                                   decided_by=actor, decided_at=now):
                raise Conflict(Words(N_("Item %(id)s was changed by someone else meanwhile; reload it."), id=item_id),
                               field="id", value=item_id)
            item = self.store.written_item_for_curation(item_id)
            live = self._live_sites(item)
            jobs = self._unpublish_everywhere(item)
            self.store.add_item_decision(item_id, actor=actor, action="retract", from_state="approved",
                                         to_state="retracted", sites=live, detail=reason.strip())
            self._tell("retract", item)
        return Outcome(item=item, jobs=jobs)

    def set_consent(self, item_id: int, state: str, *, actor: str, evidence_url: str | None = None,
                    contributor: str | None = None, allowed: list[str] | None) -> Outcome:
        """Record the contributor's consent. Granting it releases an approved item's
        publishing; declining or revoking it takes the item down everywhere."""
        item = self.get(item_id, allowed)
        evidence_url = self._checked_consent(item, state, evidence_url)
        # consent decides for every site the item is on (revoking takes it down there)
        self._check_all_sites_allowed(item, allowed, N_("record consent for"))
        before = self.consent_status(item)
        changes: dict[str, Any] = {"consent_state": state, "consent_at": clock_mod.iso(self.bridge.clock())}
        if evidence_url is not None:
            changes["consent_evidence_url"] = evidence_url
        if contributor is not None:
            changes["contributor"] = contributor.strip()
        after = self.consent_status({**item, **changes})
        affects_sites = item["state"] == "approved" and before != after and "ok" in (before, after)
        if affects_sites:
            changes["revision"] = item["revision"] + 1
        jobs: list[int] = []
        with self.store.write():
            if not self.store.update_item_curation(item_id, expect_revision=item["revision"], **changes):
                raise Conflict(Words(N_("Item %(id)s was changed by someone else meanwhile; reload it."), id=item_id),
                               field="id", value=item_id)
            item = self.store.written_item_for_curation(item_id)
            if affects_sites and after == "ok":
                jobs, _ = self._publish_if_allowed(item)
            manual: list[str] = []
            if affects_sites and after != "ok":
                # sites that cannot unpublish get no job that could only fail: the decision says
                # where someone has to take it down by hand
                manual = self.sites_lacking(item, Feature.UNPUBLISH)
                jobs = self._unpublish_everywhere(item, skip=manual)
            detail: str = (Words(N_("consent %(state)s (%(url)s)"), state=Words(state), url=evidence_url)
                           if evidence_url else Words(N_("consent %(state)s"), state=Words(state)))
            if manual:
                detail += "; " + Words(N_("remove it by hand on %(sites)s (cannot unpublish)"),
                                       sites=", ".join(manual))
            self.store.add_item_decision(item_id, actor=actor, action="consent", from_state=item["state"],
                                         to_state=item["state"], detail=detail)
            self._tell("consent", item)
        return Outcome(item=item, jobs=jobs, waiting_for_consent=item["state"] == "approved" and after == "waiting")

    def _checked_consent(self, item: dict, state: str, evidence_url: str | None) -> str | None:
        """The evidence link as it will be stored, once ``state`` may be recorded for ``item``;
        refuses what set_consent must not write (nothing is written before this passes)."""
        if state not in CONSENT_STATES:
            raise InvalidInput(Words(N_("%(state)r is not a consent state; use one of: %(states)s."), state=state,
                                     states=", ".join(CONSENT_STATES)),
                               field="state", value=state)
        if state == "not_required" and self.source_config(item).get("require_consent"):
            raise Conflict(Words(N_("Source %(source)s requires consent for every item; record requested, granted, "
                                    "declined or revoked."), source=item["source_id"]), field="state", value=state)
        if evidence_url:
            evidence_url = evidence_url.strip()
            if not evidence_url.startswith(("https://", "http://")) or " " in evidence_url:
                raise InvalidInput(Words(N_("The evidence link must be an http(s) URL (e.g. the contributor's "
                                            "reply).")),
                                   field="evidence_url", value=evidence_url)
        if state == "granted" and not (evidence_url or item["consent_evidence_url"]):
            raise InvalidInput(Words(N_("Granted consent needs an evidence link (where the contributor said yes).")),
                               field="evidence_url", value=evidence_url)
        if item["state"] == "duplicate":
            raise Conflict(Words(N_("Item %(id)s is a duplicate of item %(original)s; record consent there."),
                                 id=item["id"], original=item["duplicate_of"]),
                           field="id", value=item["id"])
        return evidence_url

    def approve_trusted(self, item_id: int) -> Outcome:
        """Publish an item the intake approved because its source is trusted, to the
        source's targets. The decision is recorded as the source's."""
        item = self.store.item_for_curation(item_id)
        if item is None:
            raise ItemNotFound(Words(N_("There is no item %(id)s."), id=item_id), field="id", value=item_id)
        sites = self.default_sites(item)
        actor = f"source:{item['source_id']}"
        if not sites:
            raise InvalidInput(Words(N_("Source %(source)s has no targets; add `targets` to it in the config."),
                                     source=item["source_id"]),
                               field="targets", value=[])
        if item["state"] != "approved":
            return self.approve(item_id, sites, actor=actor, allowed=rights.ALL_SITES)
        if item["decided_by"] == actor and item["target_sites"] == sites:  # handed over again: only ensure jobs
            with self.store.write():
                jobs, waiting = self._publish_if_allowed(item)
            return Outcome(item=item, jobs=jobs, waiting_for_consent=waiting)
        with self.store.write():
            self.store.update_item_curation(item_id, target_sites=sites, decided_by=actor,
                                            decided_at=clock_mod.iso(self.bridge.clock()))
            self.store.add_item_decision(item_id, actor=actor, action="approve", from_state="approved",
                                         to_state="approved", sites=sites, detail=item["state_reason"])
            item = self.store.written_item_for_curation(item_id)
            jobs, waiting = self._publish_if_allowed(item)
            self._tell("approve", item)
        return Outcome(item=item, jobs=jobs, waiting_for_consent=waiting)

    def retry_publication(self, item_id: int, site_id: str, *, actor: str,
                          allowed: list[str] | None) -> Outcome:
        """Queue a failed publish/unpublish of one site again (attempts start over)."""
        item = self.get(item_id, allowed)
        if rights.forbidden([site_id], allowed):
            raise NotAllowed(Words(N_("You may not publish to %(site)s."), site=site_id), field="site", value=site_id)
        pub = self.store.get_publication(item_id, site_id)
        if pub is None or pub["shown_state"] != "failed":
            shown = Words(pub["shown_state"] if pub else N_("not published there"))
            raise Conflict(Words(N_("Item %(id)s on %(site)s is %(state)s; only failed publications are retried."),
                                 id=item_id, site=site_id, state=shown),
                           field="site", value=site_id)
        with self.store.write():
            self.outbox.retry(pub["job_id"])
            self.store.add_item_decision(item_id, actor=actor, action="retry", from_state=item["state"],
                                         to_state=item["state"], sites=[site_id], detail=pub["job_error"] or "")
        return Outcome(item=item, jobs=[pub["job_id"]])

    def bulk(self, action: str, item_ids: list[int], *, allowed: list[str] | None,
             **kwargs: Any) -> list[tuple[int, Outcome | CurationError]]:
        """Apply approve/reject to each item; one item's conflict does not stop the rest."""
        if action not in ("approve", "reject"):
            raise KeyError(action)
        results: list[tuple[int, Outcome | CurationError]] = []
        for item_id in dict.fromkeys(item_ids):
            try:
                if action == "approve":
                    results.append((item_id, self.approve(item_id, kwargs.get("sites"), actor=kwargs["actor"],
                                                          allowed=allowed)))
                else:
                    results.append((item_id, self.reject(item_id, kwargs["reason"], actor=kwargs["actor"],
                                                         allowed=allowed)))
            except CurationError as exc:
                results.append((item_id, exc))
        return results

    # -- jobs ------------------------------------------------------------------
    def _key(self, kind: str, item: dict, site_id: str) -> str:
        return f"{kind}:{item['id']}:{site_id}:r{item['revision']}"

    def _live_sites(self, item: dict) -> list[str]:
        return [p["site_id"] for p in self.store.item_publications([item["id"]])[item["id"]]
                if p["state"] in LIVE_PUBLICATION_STATES]

    def _enqueue(self, kind: str, item: dict, site_id: str, pub_state: str) -> int | None:
        """One job for this site at this revision; returns its id when it is new."""
        key = self._key(kind, item, site_id)
        current = self.store.get_publication(item["id"], site_id)
        if current is not None and current["job_id"] is not None:
            job = self.store.get_job(current["job_id"])
            if job is not None and job["idempotency_key"] == key:
                return None
        job = self.outbox.enqueue(kind, key=key, payload={"item_id": item["id"], "revision": item["revision"]},
                                  site_id=site_id)
        if current is not None and current["job_id"] not in (None, job["id"]):
            self.outbox.supersede(current["job_id"], Words(N_("superseded by job %(job)s (revision %(revision)s)"),
                                                             job=job["id"], revision=item["revision"]))
        self.store.set_publication_job(item["id"], site_id, state=pub_state, job_id=job["id"])
        return job["id"]

    def _publish_if_allowed(self, item: dict) -> tuple[list[int], bool]:
        if self.consent_status(item) != "ok":
            return [], True
        jobs = [self._enqueue(PUBLISH_KIND, item, site, "queued") for site in item["target_sites"]]
        return [j for j in jobs if j is not None], False

    def _unpublish_everywhere(self, item: dict, skip: Sequence[str] = ()) -> list[int]:
        jobs = [self._enqueue(UNPUBLISH_KIND, item, site, "unpublishing") for site in self._live_sites(item)
                if site not in skip]
        return [j for j in jobs if j is not None]

    def _meant_for(self, item: dict | None, site_id: str) -> TypeGuard[dict]:
        return (item is not None and item["state"] == "approved" and site_id in item["target_sites"]
                and self.consent_status(item) == "ok")

    def handle_publish(self, job: dict) -> dict:
        """Outbox handler: create or update the item's post on the job's site."""
        site_id = job["site_id"]
        item = self.store.item_for_curation(job["payload"]["item_id"])
        if not self._meant_for(item, site_id):
            return {"skipped": N_("the item is no longer approved for this site (or lacks consent)")}
        media = self.store.media_for_items([item["id"]])[item["id"]]
        waiting = [m["url"] for m in media if m["state"] == "pending"]
        if waiting:
            raise MediaPending(Words(N_("%(n)s image(s) of item %(id)s are still downloading"), n=len(waiting),
                                     id=item["id"]), hint=N_("the bridge publishes once they are stored"))
        social = self.social_item(item, media)
        pub = self.store.get_publication(item["id"], site_id)
        existing = RemoteRef.from_dict(pub["remote_ref"]) if pub else None
        ref = self.bridge.adapter(site_id).publish(social, existing)
        self.store.mark_published(item["id"], site_id, remote_ref=ref.to_dict(), remote_url=ref.url,
                                  revision=item["revision"])
        return {"remote_id": ref.remote_id, "url": ref.url, "revision": item["revision"]}

    def handle_unpublish(self, job: dict) -> dict:
        """Outbox handler: take the item's post down from the job's site."""
        site_id = job["site_id"]
        item_id = job["payload"]["item_id"]
        item = self.store.item_for_curation(item_id)
        if self._meant_for(item, site_id):
            return {"skipped": N_("the item was approved for this site again")}
        pub = self.store.get_publication(item_id, site_id)
        ref = RemoteRef.from_dict(pub["remote_ref"]) if pub else None
        if ref is not None:
            try:
                self.bridge.adapter(site_id).unpublish(ref)
            except NotFound:
                pass  # already gone from the site: that is what we wanted
        self.store.mark_unpublished(item_id, site_id)
        return {"unpublished": ref.remote_id if ref else None}

    # -- building what adapters receive -----------------------------------------
    def media_path(self, row: dict) -> str | None:
        """The downloaded file of a media row (absolute), inside the media store."""
        if not row.get("path"):
            return None
        path = row["path"]
        if not os.path.isabs(path):
            path = os.path.join(self.bridge.config.server.media_dir, path)
        return path

    def social_item(self, item: dict, media: list[dict] | None = None) -> SocialItem:
        """The item as adapters publish it (the one row → SocialItem mapping): the editor's
        title/text when given (edited text replaces the HTML too), the stored (sanitised)
        HTML cleaned once more, and only downloaded media — a failed or pending image is
        left out, never hotlinked from where it came from."""
        if media is None:
            media = self.store.media_for_items([item["id"]])[item["id"]]
        text = item["edited_text"] if item["edited_text"] is not None else item["text"]
        if item["edited_text"] is not None or not item["html"]:
            html = text_to_html(text)
        else:
            html = clean_html(item["html"], item["url"])  # sanitised on intake; again before it leaves
        title = item["edited_title"] or item["title"] or title_from(text) or \
            (f"Post by {item['author_name']}" if item["author_name"] else f"Item {item['id']}")
        return SocialItem(
            id=str(item["id"]), title=title, html=html, text=text, url=item["url"],
            author_name=item["author_name"], author_url=item["author_url"], network=item["network"],
            published_at=_parse_datetime(item["published_at"]),
            media=[Media(url=m["url"], alt=m["alt"], local_path=self.media_path(m), content_type=m["content_type"],
                         sha256=m["sha256"], width=m["width"], height=m["height"], kind=m["kind"])
                   for m in media if m["state"] == "stored" and m["path"]],
            excerpt=text[:280], external_id=item["external_id"], source_id=item["source_id"],
            contributor=item["contributor"] or item["author_name"], consent_state=item["consent_state"],
            consent_evidence_url=item["consent_evidence_url"],
            key=f"{self.store.installation_id()}-{item['id']}",
        )


def setup(bridge: Bridge) -> CurationService:
    service = CurationService(bridge)
    bridge.outbox.register(PUBLISH_KIND, service.handle_publish)
    bridge.outbox.register(UNPUBLISH_KIND, service.handle_unpublish)
    return service
