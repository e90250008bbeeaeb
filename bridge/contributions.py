"""Contributors: invitation links → photos/videos with consent → the curation queue.

``bridge.contributions`` (a :class:`ContributionService`):

* ``create_invitation(...)`` — an editor's link. The token is made here and only its
  sha256 is stored, so the database alone cannot be used to submit; the URL is
  shown once. Each invitation is a source (id ``invitation-<n>``, kind
  "contributors") with the same rules as configured sources: ``trusted``, banned and
  suspect words, through :meth:`bridge.intake.IntakeService.apply_rules`.
* ``open(token)`` — the invitation behind a link, or :class:`Gone` (expired, revoked,
  used up: the page answers 410 with the reason).
* ``submit(token, …)`` — checks everything before storing anything (rate limits per
  invitation and per client, the fields, every file through :mod:`bridge.uploads`),
  then stores item, cleaned media and the consent evidence in one transaction:
  the exact consent wording shown, its version, the time, the invitation, the
  contributor's name and e-mail. Returns the receipt token (its hash is stored).
* ``receipt(token, receipt)`` / ``withdraw(token, receipt)`` — the contributor's
  private status page; withdrawal is ``curation.set_consent(…, "revoked")``, the
  same path an editor's revocation takes: every live publication gets an
  ``unpublish`` job in the outbox, and the decision is in the item's history.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import clock as clock_mod
from . import rights, security
from .curation import Conflict, InvalidInput, ItemNotFound, NotAllowed
from .errors import ServiceError
from .intake import content_hash
from .media import store_bytes
from .sanitize import clean_text, escape_text, plain_text, title_from
from .translations import N_, Words, gettext_for, in_language
from .uploads import UploadRefused, clean, megabytes
from .videos import find_ffmpeg

if TYPE_CHECKING:
    from .core import Bridge
    from .uploads import CleanFile

log = logging.getLogger(__name__)

KIND = "contributors"
MAX_TEXT = 2000
MAX_NAME = 200
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


#: the consent wording when an invitation has none of its own (its version is its hash, per language)
CONSENT_DEFAULT = N_("I made this photo or video myself, the people who can be recognised in it agree to it being "
                     "shown, and I allow %(org)s to publish it with my name on its websites and social media "
                     "channels. I can withdraw this consent at any time with the link I receive after sending.")


class Gone(ServiceError):
    """An invitation that no longer takes submissions; ``reason`` is expired | revoked | exhausted."""

    status = 410
    title = N_("Invitation no longer valid")

    def __init__(self, reason: str, invitation: dict):
        super().__init__(Words(N_("the invitation is %(state)s"), state=Words(reason)))
        self.reason = reason
        self.invitation = invitation


class UnknownLink(ServiceError):
    status = 404
    title = N_("No such invitation")


class RateLimited(ServiceError):
    status = 429
    title = N_("Too many submissions")

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


class SubmissionInvalid(ServiceError):
    """What the contributor must fix: field → message (in their language)."""

    title = N_("Please fix the form")

    def __init__(self, errors: dict[str, str], *, status: int = 400):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
        self.status = status


@dataclass
class Upload:
    filename: str
    data: bytes


def consent_version(text: str) -> str:
    """A version that changes whenever the wording does (the evidence says which one was agreed to)."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class ContributionService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.limits = bridge.config.contributions

    # -- invitations (editors) ----------------------------------------------
    def public_url(self, token: str) -> str:
        base = self.bridge.config.server.public_url.rstrip("/")
        return f"{base}/contribute/{token}"

    def create_invitation(self, *, name: str, targets: list[str], actor: str, allowed: list[str] | None,
                          expires_at: str | None = None, max_submissions: int | None = None,
                          consent_text: str | None = None, trusted: bool = False,
                          rules: dict | None = None) -> tuple[dict, str]:
        """(invitation, url) — the URL carries the token and is shown only now."""
        name = plain_text(name or "").strip()
        if not name:
            raise InvalidInput(Words(N_("The invitation needs a name contributors recognise, e.g. \"Turbine assembly "
                                     "team\".")), field="name", value=name)
        targets = self.bridge.curation.check_sites(targets, allowed, field_name="targets")
        if expires_at is not None:
            expires_at = clock_mod.iso_from_datetime(expires_at) if not isinstance(expires_at, str) else expires_at
            if expires_at <= clock_mod.iso(self.bridge.clock()):
                raise InvalidInput(Words(N_("expires_at %(value)s is in the past; give a future date and time, e.g. "
                                         "2030-01-31T18:00:00Z."), value=expires_at),
                                   field="expires_at", value=expires_at)
        text = clean_text(consent_text).strip() if consent_text else ""
        token = secrets.token_urlsafe(24)
        row = {"source_id": f"invitation-{secrets.token_hex(4)}", "token_hash": security.hash_token(token),
               "name": name[:200],
               "targets": list(targets), "expires_at": expires_at, "max_submissions": max_submissions,
               "consent_text": text, "consent_version": consent_version(text) if text else "",
               "trusted": trusted, "rules": rules or {}, "created_by": actor}
        invitation_id = self.store.create_invitation(row)
        return self.store.written_invitation(invitation_id), self.public_url(token)

    def visible(self, invitation: dict, allowed: list[str] | None) -> bool:
        return allowed is None or bool(set(invitation["targets"]) & set(allowed))

    def invitations(self, allowed: list[str] | None) -> list[dict]:
        return [inv | {"status": self.status(inv)} for inv in self.store.list_invitations()
                if self.visible(inv, allowed)]

    def invitation(self, invitation_id: int, allowed: list[str] | None) -> dict:
        inv = self.store.get_invitation(invitation_id)
        if inv is None or not self.visible(inv, allowed):
            raise ItemNotFound(Words(N_("There is no invitation %(id)s."), id=invitation_id), field="id",
                               value=invitation_id)
        return inv | {"status": self.status(inv)}

    def contributions(self, invitation_id: int) -> list[dict]:
        return self.store.contributions_of(invitation_id)

    def revoke(self, invitation_id: int, *, actor: str, allowed: list[str] | None) -> dict:
        inv = self.invitation(invitation_id, allowed)
        if allowed is not None and not set(inv["targets"]) <= set(allowed):
            raise NotAllowed(Words(N_("Invitation %(id)s also targets sites you cannot manage; ask an admin."),
                                   id=invitation_id),
                             field="id", value=invitation_id)
        if not self.store.revoke_invitation(invitation_id, actor):
            raise Conflict(Words(N_("Invitation %(id)s was revoked already."), id=invitation_id), field="id",
                           value=invitation_id)
        return self.invitation(invitation_id, allowed)

    def status(self, inv: dict) -> str:
        if inv["revoked_at"]:
            return "revoked"
        if inv["expires_at"] and inv["expires_at"] <= clock_mod.iso(self.bridge.clock()):
            return "expired"
        if inv["max_submissions"] is not None and inv["submissions"] >= inv["max_submissions"]:
            return "exhausted"
        return "open"

    def source(self, inv: dict) -> dict:
        """The invitation as a source, in the shape intake's rules read."""
        return {"id": inv["source_id"], "kind": KIND, "trusted": inv["trusted"], "targets": inv["targets"],
                "rules": inv["rules"], "network": "contribution"}

    # -- the contributor's side -------------------------------------------
    def open(self, token: str) -> dict:
        inv = self.store.invitation_by_token_hash(security.hash_token(token or ""))
        if inv is None:
            raise UnknownLink(Words(N_("There is no invitation at this address.")))
        state = self.status(inv)
        if state != "open":
            raise Gone(state, inv)
        return inv

    def consent_for(self, inv: dict, lang: str) -> tuple[str, str]:
        """(wording, version) the page shows: the invitation's own text, else ours in the page's language."""
        if inv["consent_text"]:
            return inv["consent_text"], inv["consent_version"]
        text = gettext_for(lang, CONSENT_DEFAULT, org=self.organisation(lang))
        return text, f"default-{lang}:" + consent_version(text)

    def organisation(self, lang: str) -> str:
        return self.limits.organisation or gettext_for(lang, N_("our organisation"))

    def client_hash(self, client: str) -> str:
        """Clients are counted by a salted hash of their address (never the address itself)."""
        return hashlib.sha256(f"{self.store.installation_id()}:{client}".encode()).hexdigest()

    def _check_rate(self, inv: dict, client_hash: str) -> None:
        since = clock_mod.iso(self.bridge.clock() - 3600)
        per_inv = self.limits.per_invitation_per_hour
        if self.store.count_contributions_since(since=since, invitation_id=inv["id"]) >= per_inv:
            raise RateLimited(Words(N_("this invitation accepts at most %(n)s submissions per hour"), n=per_inv), 3600)
        per_client = self.limits.per_client_per_hour
        if self.store.count_contributions_since(since=since, client_hash=client_hash) >= per_client:
            raise RateLimited(Words(N_("at most %(n)s submissions per hour from one device"), n=per_client), 3600)

    def submit(self, token: str, *, uploads: list[Upload], text: str, name: str, email: str, consent: bool,
               shown_version: str, lang: str, client: str) -> tuple[str, dict]:
        """(receipt token, contribution row). Nothing is stored unless everything is right."""
        inv = self.open(token)
        def words(message: str, **values: Any) -> str:
            return gettext_for(lang, message, **values)

        client_hash = self.client_hash(client)
        self._check_rate(inv, client_hash)
        consent_text, version = self.consent_for(inv, lang)
        uploads = [u for u in uploads if u.data or u.filename]
        text = clean_text(text or "").strip()
        name = plain_text(name or "").strip()[:MAX_NAME]
        email = (email or "").strip()
        errors = self._form_errors(uploads, text=text, name=name, email=email, consent=consent,
                                   stale=bool(shown_version) and shown_version != version, words=words)
        if errors:
            raise SubmissionInvalid(errors)
        cleaned = []
        ffmpeg = find_ffmpeg(self.limits.ffmpeg)
        for upload in uploads:
            try:
                cleaned.append((upload, clean(upload.data, max_bytes=self.limits.max_file_bytes,
                                              max_pixels=self.limits.max_pixels, ffmpeg=ffmpeg)))
            except UploadRefused as exc:
                refusal = exc.args[0]
                said = in_language(refusal, lang) if isinstance(refusal, Words) else str(exc)
                raise SubmissionInvalid({"files": f"{upload.filename or words(N_('file'))}: {said}"},
                                        status=exc.status) from None
            for note in cleaned[-1][1].not_done:
                log.warning("contribution file %r: %s", plain_text(upload.filename)[:200], note)
        return self._store(inv, cleaned, text=text, name=name, email=email, consent_text=consent_text,
                           version=version, lang=lang, client_hash=client_hash)

    def _form_errors(self, uploads: list[Upload], *, text: str, name: str, email: str, consent: bool,
                     stale: bool, words: Callable[..., str]) -> dict[str, str]:
        """Field → what the contributor must fix, in their language (``words``); the
        values are the cleaned ones submit stores. ``stale``: the consent text changed
        while the page was open."""
        errors: dict[str, str] = {}
        if not uploads:
            errors["files"] = words(N_("Choose at least one photo or video."))
        elif len(uploads) > self.limits.max_files:
            errors["files"] = words(N_("At most %(n)s files at once; send the others in a second submission."),
                                    n=self.limits.max_files)
        if len(text) > MAX_TEXT:
            errors["text"] = words(N_("The text is too long (at most %(n)s characters)."), n=MAX_TEXT)
        if not name:
            errors["name"] = words(N_("Please give your name (it is shown with your photo)."))
        if email and (len(email) > 254 or not EMAIL.match(email)):
            errors["email"] = words(N_("“%(value)s” is not an e-mail address; correct it or leave the field empty."),
                                    value=email[:80])
        if not consent:
            errors["consent"] = words(N_("Tick the box to agree, or we cannot use your photo or video."))
        if stale:
            errors["consent"] = words(N_("The page was open too long. It has been reloaded: please send again."))
        return errors

    def _store(self, inv: dict, cleaned: list[tuple[Upload, CleanFile]], *, text: str, name: str, email: str,
               consent_text: str, version: str, lang: str, client_hash: str):
        now = clock_mod.iso(self.bridge.clock())
        media, posters, removed = [], [], []
        for upload, f in cleaned:
            media.append(self._media_row(f, text[:200]))
            if f.poster is not None:  # after every file sent, so a photo of the contributor's own comes first
                posters.append(self._media_row(f.poster, text[:200], poster_of=media[-1]["url"]))
            removed.append({"file": plain_text(upload.filename)[:200], "type": f.original_type or f.content_type,
                            "removed": f.removed, **({"not_done": f.not_done} if f.not_done else {})})
        media += posters
        receipt = secrets.token_urlsafe(24)
        base = self.bridge.config.server.public_url.rstrip("/")
        intake = self.bridge.intake
        source = self.source(inv)
        item = {"source_id": inv["source_id"], "external_id": f"contribution-{secrets.token_hex(8)}",
                "network": "contribution", "title": title_from(text) or f"{inv['name']}: {name}",
                "text": text, "html": escape_text(text) if text else "", "author_name": name,
                "content_hash": content_hash(text, [m["url"] for m in media]),
                "received_at": now, "published_at": now, "target_sites": list(inv["targets"]),
                "contributor": name, "consent_state": "granted", "consent_at": now,
                "consent_evidence_url": f"{base}/invitations/{inv['id']}",
                "raw": {"kind": KIND, "invitation": inv["id"], "files": removed}}
        duplicate = self.store.find_duplicate(network="contribution", external_id=item["external_id"],
                                              canonical_url="", content_hash=item["content_hash"])
        intake.apply_rules(source, item, duplicate)
        contribution = {"receipt_hash": security.hash_token(receipt), "name": name, "email": email,
                        "consent_text": consent_text, "consent_version": version, "consented_at": now,
                        "language": lang, "client_hash": client_hash, "removed_metadata": removed,
                        "created_at": now}
        stored = self.store.insert_contribution(inv["id"], inv["max_submissions"], item, media, contribution)
        if stored is None:
            raise Gone("exhausted", inv)
        contribution_id, item_id = stored
        if item["state"] == "approved":
            intake.hand_over(item_id)
        return receipt, self.store.contribution_for_item(item_id)

    def _media_row(self, f: CleanFile, alt: str, poster_of: str = "") -> dict:
        """A stored file as a media row; a video's poster frame is an image whose URL is the
        video's with ``#poster`` (so publishing can pair them)."""
        sha, path = store_bytes(self.bridge.config.server.media_dir, f.data, f.ext)
        url = f"{poster_of}#poster" if poster_of else f"upload:{sha}.{f.ext}"
        return {"url": url, "alt": alt, "kind": f.kind, "sha256": sha, "path": path,
                "content_type": f.content_type, "width": f.width, "height": f.height, "bytes": len(f.data)}

    def receipt(self, token: str, receipt: str) -> tuple[dict, dict, list[dict]]:
        """(contribution, item, publications) for a receipt link — also after the invitation closed."""
        row = self.store.contribution_by_receipt_hash(security.hash_token(receipt or ""))
        inv = self.store.invitation_by_token_hash(security.hash_token(token or ""))
        if row is None or inv is None or row["invitation_id"] != inv["id"]:
            raise UnknownLink(Words(N_("There is no submission at this address.")))
        item = self.store.written_item_for_curation(row["item_id"])  # a contribution's item is never deleted
        return row, item, self.store.item_publications([item["id"]])[item["id"]]

    def withdraw(self, token: str, receipt: str) -> dict:
        row, item, _pubs = self.receipt(token, receipt)
        if row["withdrawn_at"]:
            return row
        actor = f"contributor:{row['name']}"[:200]
        with self.store.write():
            self.store.mark_withdrawn(row["id"])
            if item["state"] == "duplicate":
                # never published itself (curation refuses consent changes on duplicates): record it here
                self.store.update_item_curation(item["id"], consent_state="revoked",
                                                consent_at=clock_mod.iso(self.bridge.clock()))
                self.store.add_item_decision(item["id"], actor=actor, action="consent", from_state="duplicate",
                                             to_state="duplicate", detail="consent revoked")
            else:
                # the contributor withdraws their own consent: it reaches every site the item is on
                self.bridge.curation.set_consent(item["id"], "revoked", actor=actor,
                                                             allowed=rights.ALL_SITES)
        return self.store.written_contribution_for_item(item["id"])

    def for_item(self, item_id: int) -> dict | None:
        """The contribution behind a curation item (editors' view), with its invitation."""
        row = self.store.contribution_for_item(item_id)
        if row is not None:
            row["invitation"] = self.store.get_invitation(row["invitation_id"])
        return row

    def limit_text(self) -> str:
        return megabytes(self.limits.max_file_bytes)


def setup(bridge: Bridge) -> ContributionService:
    return ContributionService(bridge)


