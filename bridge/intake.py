"""Intake: feed polls and signed webhooks → normalised, sanitised, deduplicated
``items`` rows with a recorded reason for their state.

``bridge.intake`` (an :class:`IntakeService`) is the API:

* ``accept(source_id, payload_or_item) -> (item_id, created)`` — one social item
  (a :class:`~adapters.types.SocialItem`, or a webhook payload dict) into the store.
* ``poll(source_id=None, force=False) -> list[PollResult]`` — poll the feed sources
  that are due (each source's ``interval``), then download pending media. One
  failing source never stops the others; its error is recorded on the source.
  This is what ``cms-bridge sync`` calls (and ``cms-bridge sources poll``).

**Normalise.** HTML through :func:`bridge.sanitize.clean_html` (relative URLs made
absolute against the item's URL), plain text from it (or the given text), title,
author and alt texts as plain text; the item URL, author URL and media URLs made
absolute. An entry without a title gets one from the first line of its text.

**Dedupe.**  Within a source: the same ``external_id``, or the same canonical URL,
is the same item — nothing new is stored and ``created`` is False (senders deliver
at least once). Across sources: the same (network, external id), canonical URL or
content hash makes a new row in state ``duplicate`` with ``duplicate_of`` = the
first item, so the editor sees where else it came from but never publishes it twice.
Canonical URL: scheme and host lowercased, default port and fragment dropped,
tracking parameters (``utm_*``, ``mc_*``, ``fbclid``, ``gclid``, …) removed.
Content hash: sha256 of the whitespace-collapsed, lowercased text plus the media
URLs — only when there is something to compare (≥ 20 characters of text, or media).

**Rules** (each match is kept in ``flags``; the first that decides sets ``state``
and ``state_reason``): duplicate → ``duplicate`` ("duplicate of item N (same URL)");
banned word → ``rejected`` ("banned word: …", also for trusted sources: a banned
word is a hard rule); trusted source → ``approved`` ("trusted source"); suspect word
→ ``flagged`` ("suspect word: …"); more links than ``rules.max_links`` →
``flagged`` ("too many links: N (max M)"); otherwise ``pending``. Consent:
``require_consent`` gives ``consent_state = "requested"``, else ``"not_required"``.
``target_sites`` = the source's ``targets``.

**Hand-over to curation.** An item approved because its source is trusted is
passed to ``bridge.curation.approve_trusted(item_id)`` — after its images were downloaded, so publishing finds
``Media.local_path``. For feeds this all happens inside ``poll``; a webhook answers
202 at once and an outbox job of kind ``fetch_media`` (key ``fetch_media:<item id>``)
downloads the images and then hands the item over (``poll`` runs due
``fetch_media`` jobs too, so ``cms-bridge sync`` is enough to drive it).
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from adapters import registry
from adapters.base import AdapterError
from adapters.types import SocialItem
from webhooks.routes import Answer, WebhookSource

from . import clock as clock_mod
from .config import DEFAULT_MAX_LINKS
from .media import MediaFetcher
from .sanitize import clean_html, clean_text, escape_text, html_to_text, plain_text, title_from
from .translations import N_, Words

if TYPE_CHECKING:
    from .core import Bridge

log = logging.getLogger(__name__)

TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "mkt_tok",
                   "_hsenc", "_hsmi", "ref_src", "ref_url", "si"}
TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_")
MIN_HASH_TEXT = 20
FETCH_MEDIA = "fetch_media"


class UnknownSource(LookupError):
    pass


@dataclass
class PollResult:
    """What polling one source did (``cms-bridge sources poll`` prints these)."""

    source_id: str
    polled: bool  # False: not due yet
    ok: bool = True
    fetched: int = 0  # entries in the feed this time (0 on 304 Not Modified)
    new_items: int = 0  # rows created (including cross-source duplicates)
    repeats: int = 0  # entries this source had delivered before
    error: str | None = None
    warning: str | None = None
    next_poll_at: float | None = None
    item_ids: list[int] = field(default_factory=list)


# -- normalising -----------------------------------------------------------------
def canonical_url(url: str) -> str:
    """The URL as a dedupe key (see the module docstring); '' for a non-http(s) URL."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().rstrip(".")
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def _absolute(url: str | None, base: str | None) -> str:
    """An absolute http(s) URL, or '' (never a javascript:/data: URL)."""
    url = (url or "").strip()
    if not url:
        return ""
    if base and not urlsplit(url).scheme:
        url = urljoin(base, url)
    return url if urlsplit(url).scheme.lower() in ("http", "https") else ""


def _media_url(url: str | None, base: str | None) -> str:
    """Media URLs are kept even with another scheme, so that the media fetcher
    refuses them *with a reason* the editor sees, instead of them vanishing."""
    url = (url or "").strip()
    if base and url and not urlsplit(url).scheme:
        url = urljoin(base, url)
    return url


def content_hash(text: str, media_urls: list[str]) -> str:
    norm = " ".join(text.lower().split())
    if len(norm) < MIN_HASH_TEXT and not media_urls:
        return ""
    canon = sorted(canonical_url(u) or u for u in media_urls)
    return hashlib.sha256("\n".join([norm, *canon]).encode("utf-8")).hexdigest()


def _word_pattern(word: str) -> re.Pattern:
    """Whole words, case-insensitive; a phrase matches across any whitespace."""
    body = r"\s+".join(re.escape(part) for part in word.split())
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)


def compile_rules(rules: dict) -> tuple[list, list, int]:
    """A source's ``rules`` table → (banned, suspect, max_links) with compiled patterns."""
    return ([(w, _word_pattern(w)) for w in rules.get("banned", []) if w.strip()],
            [(w, _word_pattern(w)) for w in rules.get("suspect", []) if w.strip()],
            rules.get("max_links", DEFAULT_MAX_LINKS))


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_HREF = re.compile(r"""<a\s[^>]*href="([^"]+)\"""", re.IGNORECASE)


def count_links(html: str, text: str) -> int:
    links = {h.rstrip("/") for h in _HREF.findall(html)}
    links |= {u.rstrip(".,;:!?)]}").rstrip("/") for u in _URL_IN_TEXT.findall(text)}
    return len(links)


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return clock_mod.iso_from_datetime(value)
    try:
        return clock_mod.iso_from_datetime(clock_mod.parse_iso(str(value)))
    except ValueError:
        return None


@dataclass
class Candidate:
    row: dict
    media: list[dict]


# -- the service ------------------------------------------------------------------
class IntakeService:
    def __init__(self, bridge: Bridge):
        self.bridge = bridge
        self.store = bridge.store
        self.config = bridge.config
        self.clock = bridge.clock
        media = self.config.media
        self.media = MediaFetcher(self.store, media_dir=self.config.server.media_dir,
                                  max_bytes=media.max_bytes, timeout=media.timeout,
                                  allow_private=media.allow_private)
        self._thread_lock = threading.Lock()
        db_path = self.store.path
        self._lock_path = None if db_path == ":memory:" else os.path.abspath(db_path) + ".intake-lock"
        self._lock_fd: int | None = None
        self.sources_changed()

    # -- sources ------------------------------------------------------------
    def sources_changed(self) -> None:
        """Compile every source's rules (again): the config file's at start, and the sources added
        in the UI whenever they change (bridge/source_admin.py calls this), once per change rather
        than for every item; a source not compiled here has its rules compiled as it is used."""
        self._rules = {source["id"]: compile_rules(source.get("rules") or {}) for source in self.config.sources}

    def _source(self, source_id: str) -> dict:
        source = self.config.source(source_id)
        if source is None:
            raise UnknownSource(f"no source with id {source_id!r} in the configuration")
        return source

    # -- normalising -----------------------------------------------------------
    def normalise(self, source: dict, data: SocialItem | dict) -> Candidate:
        """A SocialItem or a (validated) webhook payload → an ``items`` row + media rows."""
        given: dict[str, Any]  # the fields, whichever the input
        if isinstance(data, SocialItem):
            raw = {"kind": "feed", "external_id": data.external_id, "url": data.url, "title": data.title,
                   "author": {"name": data.author_name, "url": data.author_url}, "network": data.network,
                   "media": [{"url": m.url, "alt": m.alt, "kind": m.kind} for m in data.media]}
            given = {"external_id": data.external_id, "url": data.url, "title": data.title, "html": data.html,
                     "text": data.text, "author_name": data.author_name, "author_url": data.author_url,
                     "network": data.network, "published_at": data.published_at, "contributor": data.contributor,
                     "media": [{"url": m.url, "alt": m.alt, "kind": m.kind} for m in data.media]}
        else:
            raw = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in data.items()}
            author = data.get("author") or {}
            given = {"external_id": data.get("external_id", ""), "url": data.get("url", ""),
                     "title": data.get("title", ""), "html": data.get("html", ""), "text": data.get("text", ""),
                     "author_name": author.get("name", ""), "author_url": author.get("url", ""),
                     "network": data.get("network", ""), "published_at": data.get("published_at"),
                     "contributor": "", "media": [{"url": m.get("url", ""), "alt": m.get("alt", ""),
                                                   "kind": m.get("kind", "image")}
                                                  for m in data.get("media") or []]}
        base = source.get("url") or None
        url = _absolute(given["url"], base)
        html = clean_html(given["html"], base_url=url or base) if given["html"] else ""
        text = clean_text(given["text"]) if given["text"] else html_to_text(html)
        text = plain_text(text) if "<" in text else text
        if not html and text:
            html = escape_text(text)
        title = plain_text(given["title"]) or title_from(text)
        media: list[dict[str, str]] = []
        for m in given["media"]:
            murl = _media_url(m["url"], url or base)
            if murl and all(x["url"] != murl for x in media):
                media.append({"url": murl, "alt": plain_text(m.get("alt")), "kind": m.get("kind") or "image"})
        canon = canonical_url(url)
        external_id = clean_text(given["external_id"]) or canon or hashlib.sha256(
            (title + "\n" + text).encode()).hexdigest()
        network = source.get("network") or given["network"] or ("webhook" if source["kind"] == "webhook" else "feed")
        author_name = plain_text(given["author_name"])
        row = {
            "source_id": source["id"], "external_id": external_id[:500], "url": url, "canonical_url": canon,
            "content_hash": content_hash(text, [m["url"] for m in media]), "network": network,
            "title": title[:1000], "text": text, "html": html, "author_name": author_name[:300],
            "author_url": _absolute(given["author_url"], url or base),
            "published_at": _iso(given["published_at"]), "received_at": clock_mod.iso(self.clock()),
            "target_sites": list(source.get("targets") or []),
            "contributor": plain_text(given["contributor"]) or author_name,
            "consent_state": "requested" if source.get("require_consent") else "not_required",
            "raw": raw,
        }
        return Candidate(row=row, media=media)

    def apply_rules(self, source: dict, row: dict, duplicate: tuple[dict, str] | None) -> None:
        """Set ``state``, ``state_reason``, ``flags`` and ``duplicate_of`` on ``row``."""
        rules = self._rules.get(source["id"])
        if rules is None:  # a source made at run time (an invitation) carries its own rules
            rules = compile_rules(source.get("rules") or {})
        banned, suspect, max_links = rules
        haystack = "\n".join([row["title"], row["text"]])
        flags = []
        if duplicate is not None:
            first, why = duplicate
            original = first["duplicate_of"] or first["id"]
            row["duplicate_of"] = original
            flags.append({"rule": "duplicate", "reason": f"duplicate of item {original} ({why})"})
        for word, pattern in banned:
            if pattern.search(haystack):
                flags.append({"rule": "banned", "reason": f"banned word: {word}"})
                break
        if source.get("trusted"):
            flags.append({"rule": "trusted", "reason": "trusted source"})
        for word, pattern in suspect:
            if pattern.search(haystack):
                flags.append({"rule": "suspect", "reason": f"suspect word: {word}"})
                break
        links = count_links(row["html"], row["text"])
        if links > max_links:
            flags.append({"rule": "links", "reason": f"too many links: {links} (max {max_links})"})
        decided = {"duplicate": "duplicate", "banned": "rejected", "trusted": "approved",
                   "suspect": "flagged", "links": "flagged"}
        state, reason = "pending", ""
        for rule in ("duplicate", "banned", "trusted", "suspect", "links"):
            match = next((f for f in flags if f["rule"] == rule), None)
            if match:
                state, reason = decided[rule], match["reason"]
                break
        row["state"], row["state_reason"], row["flags"] = state, reason, flags

    # -- storing -----------------------------------------------------------------
    @contextlib.contextmanager
    def _serialised(self):
        """Intake writes one at a time, across threads (a lock) and processes (flock on
        a file beside the database). SQLite would serialise them anyway, but a writer
        waiting in SQLite's busy handler sleeps in growing steps and wakes late; a
        blocking flock hands over at once (bench/bench_webhook_intake.py: 501 → 601
        req/s, p99 98 → 73 ms on 2 cores, together with the cached payload schema)."""
        with self._thread_lock:
            if self._lock_path is None:
                yield
                return
            if self._lock_fd is None:
                self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def _store(self, source: dict, candidate: Candidate, *, delivery_id: str | None,
               defer_media: bool) -> tuple[int, bool, str, dict]:
        """One write transaction: replay check, dedupe, rules, insert, delivery record,
        media job. Returns (item_id, created, state, the webhook answer, stored with the delivery)."""
        row = candidate.row
        with self._serialised(), self.store.write():
            if delivery_id is not None:
                seen = self.store.get_delivery(source["id"], delivery_id)
                if seen is not None:
                    return seen["item_id"], False, "", seen
            existing = self.store.find_item_in_source(source["id"], external_id=row["external_id"],
                                                      canonical_url=row["canonical_url"])
            if existing is not None:
                item_id, created, state = existing["id"], False, existing["state"]
                body = {"status": "duplicate", "item_id": item_id, "state": state,
                        "detail": N_("this source delivered this item before; nothing new was stored")}
                status = 200
            else:
                duplicate = self.store.find_duplicate(network=row["network"], external_id=row["external_id"],
                                                      canonical_url=row["canonical_url"],
                                                      content_hash=row["content_hash"])
                self.apply_rules(source, row, duplicate)
                item_id = self.store.insert_item(row, candidate.media)
                created, state = True, row["state"]
                body = {"status": "accepted", "item_id": item_id, "state": state}
                if row.get("state_reason"):
                    body["reason"] = row["state_reason"]
                status = 202
                if defer_media and candidate.media:
                    self.bridge.outbox.enqueue(FETCH_MEDIA, key=f"{FETCH_MEDIA}:{item_id}",
                                               payload={"item_id": item_id})
            if delivery_id is not None:
                self.store.record_delivery(source["id"], delivery_id, status_code=status, response=body,
                                           item_id=item_id)
        return item_id, created, state, {"status_code": status, "response": body}

    def accept(self, source_id: str, data: SocialItem | dict, *, delivery_id: str | None = None,
               defer_media: bool | None = None) -> tuple[int, bool]:
        """Store one item; ``(item_id, created)``.

        ``data`` is a SocialItem (feeds) or a webhook payload dict in the shape of
        :mod:`webhooks.schemas` (validated here if it was not). ``created`` is False
        when this source had delivered it before (nothing new is stored). Images are
        downloaded before returning unless ``defer_media`` (default: True for
        webhook payloads), in which case a ``fetch_media`` outbox job does it.
        """
        source = self._source(source_id)
        if isinstance(data, dict):
            from webhooks.schemas import load_social_payload

            data = load_social_payload({k: v.isoformat() if isinstance(v, datetime) else v
                                        for k, v in data.items()})
        if defer_media is None:
            defer_media = not isinstance(data, SocialItem)
        candidate = self.normalise(source, data)
        item_id, created, state, _answer = self._store(source, candidate, delivery_id=delivery_id,
                                                      defer_media=defer_media)
        if created:
            self._after_insert(item_id, state, candidate, defer_media)
        return item_id, created

    def _after_insert(self, item_id: int, state: str, candidate: Candidate, defer_media: bool) -> None:
        if candidate.media and not defer_media:
            self.media.fetch_item(item_id)
        if state == "approved" and not (candidate.media and defer_media):
            self.hand_over(item_id)

    def hand_over(self, item_id: int) -> None:
        """Give an item approved by trust to curation for publishing."""
        try:
            self.bridge.curation.approve_trusted(item_id)
        except Exception:
            # Curation failing must not lose the item: it stays approved, and the
            # fetch_media job (retried by the outbox) tries the hand-over again.
            log.exception("handing trusted item %s to curation failed; retrying through the outbox", item_id)
            self.bridge.outbox.enqueue(FETCH_MEDIA, key=f"{FETCH_MEDIA}:{item_id}", payload={"item_id": item_id},
                                       refresh=True)

    def _fetch_media_job(self, job: dict) -> dict:
        item_id = job["payload"]["item_id"]
        item = self.store.get_item(item_id)
        if item is None:
            return {"item_id": item_id, "skipped": "item deleted"}
        rows = self.media.fetch_item(item_id)
        if item["state"] == "approved":
            self.bridge.curation.approve_trusted(item_id)  # raising → the outbox retries the job
        return {"item_id": item_id, "media": {r["url"]: r["state"] for r in rows}}

    # -- the webhook side (webhooks.routes.WebhookIntake) --------------------------
    def webhook_source(self, source_id: str) -> WebhookSource | None:
        source = self.config.source(source_id)
        if source is None or source["kind"] != "webhook":
            return None
        return WebhookSource(id=source_id, secret=self.config.source_secrets(source_id).get("secret", ""))

    def replayed_delivery(self, source_id: str, delivery_id: str) -> Answer | None:
        return Answer.stored(self.store.get_delivery(source_id, delivery_id))

    def accept_webhook(self, source_id: str, delivery_id: str, payload: dict) -> Answer:
        source = self._source(source_id)
        candidate = self.normalise(source, payload)
        item_id, created, state, answer = self._store(source, candidate, delivery_id=delivery_id, defer_media=True)
        if created:
            self._after_insert(item_id, state, candidate, True)
        return Answer(answer["status_code"], answer["response"])

    # -- polling -----------------------------------------------------------------
    def poll(self, source_id: str | None = None, force: bool = False,
             progress: Callable[[int, int], None] | None = None) -> list[PollResult]:
        """Poll the feed sources that are due (all of them with ``force``; only
        ``source_id`` if given), then run due ``fetch_media`` jobs. Never raises for a
        source's failure: it is in that source's PollResult and on its row.
        ``progress(done, total)`` is called after each source (the CLI's bar)."""
        if source_id is not None:
            source = self._source(source_id)
            if source["kind"] != "feed":
                raise UnknownSource(Words(N_("source %(source_id)r is a %(kind)s source; only feeds are polled"),
                                          source_id=source_id, kind=source["kind"]))
            sources = [source]
        else:
            sources = [s for s in self.config.sources if s["kind"] == "feed"]
        results = []
        for source in sources:
            row = self.store.get_source(source["id"]) or {}
            due_at = row.get("next_poll_at")
            if not force and due_at is not None and due_at > self.clock():
                results.append(PollResult(source_id=source["id"], polled=False, next_poll_at=due_at))
            else:
                results.append(self._poll_one(source, row.get("state") or {}))
            if progress:
                progress(len(results), len(sources))
        try:
            self.bridge.outbox.run_due(kinds=[FETCH_MEDIA])
        except Exception:  # the media queue is retried next time; the poll results stand
            log.exception("running fetch_media jobs failed")
        return results

    def source_adapter(self, source: dict):
        cls = registry.get_source(source["kind"])
        settings = {"fetch_timeout": self.config.media.timeout, "max_bytes": self.config.media.max_bytes,
                    **source, "allow_private": self.config.media.allow_private}
        return cls(settings, self.config.source_secrets(source["id"]))

    def _poll_one(self, source: dict, state: dict) -> PollResult:
        result = PollResult(source_id=source["id"], polled=True)
        interval = source["interval"]
        retry_after = None
        try:
            items, next_state = self.source_adapter(source).fetch(dict(state))
        except AdapterError as exc:
            result.ok, result.error, retry_after = False, exc.describe(), exc.retry_after
        except Exception as exc:  # a bug or an unexpected library error: this source only
            log.exception("polling source %s crashed", source["id"])
            result.ok, result.error = False, Words(N_("internal error while polling: %(error)s"),
                                                   error=f"{type(exc).__name__}: {exc}")
        if not result.ok:
            delay = max(interval, float(retry_after or 0))
            result.next_poll_at = self.clock() + delay
            self.store.record_source_poll(source["id"], state=None, error=result.error,
                                          next_poll_at=result.next_poll_at)
            return result
        next_state = dict(next_state or {})
        warnings = list(next_state.pop("warnings", []) or [])
        result.fetched = len(items)
        for item in items:
            try:
                item_id, created = self.accept(source["id"], item, defer_media=False)
            except Exception as exc:  # one bad entry never costs the others
                log.exception("storing an entry of source %s failed", source["id"])
                warnings.append(f"entry {getattr(item, 'external_id', '?')!r} skipped: {type(exc).__name__}: {exc}")
                continue
            if created:
                result.new_items += 1
                result.item_ids.append(item_id)
            else:
                result.repeats += 1
        result.warning = "; ".join(warnings)[:2000] or None
        result.next_poll_at = self.clock() + interval
        self.store.record_source_poll(source["id"], state=next_state, error=None, next_poll_at=result.next_poll_at,
                                      new_items=result.new_items)
        self.store.record_source_warning(source["id"], result.warning)
        return result

    def retry_media(self, item_id: int) -> None:
        """Try the failed images of an item again (through the outbox)."""
        self.store.reset_failed_media(item_id)
        self.bridge.outbox.enqueue(FETCH_MEDIA, key=f"{FETCH_MEDIA}:{item_id}", payload={"item_id": item_id},
                                   refresh=True)


def setup(bridge: Bridge) -> IntakeService:
    service = IntakeService(bridge)
    bridge.outbox.register(FETCH_MEDIA, service._fetch_media_job)
    return service
