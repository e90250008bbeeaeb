"""Polled feeds through feedparser: RSS 2.0, RSS 1.0 (RDF), Atom, and the feeds of
YouTube channels, Mastodon accounts and hashtags, and Bluesky profiles.

``FeedSource(source, secrets).fetch(state) -> (items, next_state)``:

* **Fetching** goes through the one guarded fetcher, ``adapters/fetch.py``: the
  SSRF guard on every hop (a feed on an allowed host may redirect anywhere, so the
  admin's choice of URL does not vouch for where it leads; intranet feeds are
  allowed with ``[media] allow_private``, passed in as ``source["allow_private"]``),
  a *total* deadline (``source["fetch_timeout"]`` — a feed dripping a byte at a
  time stops there) and a size limit (``source["max_bytes"]``, on the decoded
  size for gzip/deflate). Conditional GET: the ETag and Last-Modified of the last
  answer are kept in ``state`` and sent back; 304 → no items, state unchanged.
* **Parsing** is feedparser's: declared and legacy encodings (ISO-8859-1,
  windows-1252, …), HTML entities, relative URLs (resolved against the feed's
  URL / xml:base). A feed that parses with problems (feedparser's ``bozo`` flag)
  is used as far as it parsed, and the problem is reported as a warning in
  ``next_state["warnings"]`` (the caller moves it onto the source row, it is not
  kept in the state). A body with no feed in it at all is a RemoteError.
* **Entries** become SocialItems: an entry without title or date still does
  (title "" — intake derives one — and ``published_at`` None). ``external_id`` is
  the entry id/guid, else its link, else a hash of its content. HTML is passed on
  as the feed had it; the bridge sanitises it (never trust it here).
* **Network** from ``source["network"]`` if set, else detected: YouTube by host
  (video id, thumbnail as Media kind "image", description), Bluesky by
  ``bsky.app/profile/<handle>/rss``, Mastodon by ``/@user.rss``, ``/users/x.rss``,
  ``/tags/x.rss`` or its ``webfeeds`` namespace (images from ``media:content``);
  else "rss" / "atom".

Errors: timeouts and connection failures → Unreachable; 401 → AuthError;
403 → PermissionDenied; 404/410 → NotFound; 429 (and 503 with Retry-After) →
RateLimited; other 5xx → TemporaryRemoteError; other answers, an oversized body or
no feed at all → RemoteError.
"""
from __future__ import annotations

import hashlib
import html as html_lib
import re
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser

from . import fetch as guarded
from .base import (
    AuthError,
    NotFound,
    PermissionDenied,
    RateLimited,
    RemoteError,
    Source,
    TemporaryRemoteError,
    Unreachable,
)
from .http import retry_after_seconds
from .types import Media, SocialItem
from .words import N_, Words

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "cms-bridge feed reader"
ACCEPT = ("application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, "
          "text/xml;q=0.8, */*;q=0.5")

#: tags (raw or escaped) a feed may carry; a 50-entry feed of rich posts has a few thousand
MAX_MARKUP = 20_000
_ENTITY_DECLARATION = re.compile(rb"<!DOCTYPE[^>\[]*\[[^\]]*<!ENTITY", re.IGNORECASE | re.DOTALL)
_MASTODON_PATH = re.compile(r"^/(@[^/]+|users/[^/]+|tags/[^/]+)(/[^/]+)?\.rss$")
_MASTODON_POST = re.compile(r"^(https?://[^/]+)/@([^/@]+)/[^/]+")
_BLUESKY_PATH = re.compile(r"^/profile/[^/]+/rss/?$")
_SHOULD_SHOW_XML = N_("open the URL in a browser; it should show RSS or Atom XML")


def detect_network(url: str, parsed=None) -> str:
    """"youtube", "mastodon", "bluesky", else "atom"/"rss" (from the parsed feed's version)."""
    parts = urlsplit(url or "")
    host = (parts.hostname or "").lower()
    path = parts.path or ""
    if host.endswith("youtube.com") or host.endswith("youtu.be"):
        return "youtube"
    if host == "bsky.app" or host.endswith(".bsky.app") or _BLUESKY_PATH.match(path):
        return "bluesky"
    if _MASTODON_PATH.match(path):
        return "mastodon"
    if parsed is not None:
        link = (getattr(parsed, "feed", {}) or {}).get("link") or ""
        if link and link != url and urlsplit(link).hostname:
            found = detect_network(link)
            if found in ("youtube", "bluesky", "mastodon"):
                return found
        namespaces = getattr(parsed, "namespaces", {}) or {}
        if any("webfeeds" in (ns or "") for ns in namespaces.values()):
            return "mastodon"
        if any("youtube.com/xml/schemas" in (ns or "") for ns in namespaces.values()):
            return "youtube"
        version = getattr(parsed, "version", "") or ""
        if version.startswith("atom"):
            return "atom"
    return "rss"


def _when(entry) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


class FeedSource(Source):
    kind = "feed"

    def __init__(self, source: dict, secrets: dict[str, str]):
        super().__init__(source, secrets)
        self.url = source["url"]
        self.timeout = float(source.get("fetch_timeout") or DEFAULT_TIMEOUT)
        self.max_bytes = int(source.get("max_bytes") or DEFAULT_MAX_BYTES)
        self.allow_private = guarded.parse_allow(source.get("allow_private"))

    # -- fetching -------------------------------------------------------------------
    def _get(self, state: dict) -> tuple[int, bytes, dict, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        try:
            response = guarded.fetch(self.url, max_bytes=self.max_bytes, timeout=self.timeout,
                                     allow_private=self.allow_private, headers=headers, limit_name="max_bytes")
        except guarded.Refused as exc:
            raise RemoteError(Words(N_("the feed %(url)s was not fetched: %(reason)s"),
                                    url=self.url, reason=exc.message),
                              hint=N_("correct the source's url, or allow the address with [media] allow_private")
                              ) from None
        except guarded.TooLarge as exc:
            raise RemoteError(Words(N_("the feed %(url)s is too large: %(reason)s"), url=self.url, reason=exc.message),
                              hint=N_("ask the publisher for a shorter feed, or raise the limit")) from None
        except guarded.TimedOut:
            raise Unreachable(Words(N_("the feed %(url)s did not answer within %(seconds)s s (total deadline)"),
                                    url=self.url, seconds=f"{self.timeout:g}"),
                              hint=N_("the next poll tries again; check the URL if it persists")) from None
        except guarded.FetchError as exc:
            raise Unreachable(Words(N_("cannot fetch the feed %(url)s: %(reason)s"), url=self.url, reason=exc.message),
                              hint=N_("check the URL and that the host is up")) from None
        if response.status == 304:
            return 304, b"", response.headers, response.url
        self._raise_for_status(response)
        return response.status, response.body, response.headers, response.url

    def _raise_for_status(self, response) -> None:
        status = response.status
        if 200 <= status < 300:
            return
        where = Words(N_("the feed %(url)s answered HTTP %(status)s"), url=self.url, status=status)
        if status == 401:
            raise AuthError(where, hint=N_("the feed needs credentials cms-bridge does not have"))
        if status == 403:
            raise PermissionDenied(where, hint=N_("the server refuses this reader; check the URL"))
        if status in (404, 410):
            raise NotFound(where, hint=N_("the feed is gone or moved; correct the source's url"))
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status == 429 or (status == 503 and retry_after is not None):
            raise RateLimited(where, hint=N_("polled too often; the next poll waits"), retry_after=retry_after)
        if status >= 500:
            raise TemporaryRemoteError(where, hint=N_("a problem on the feed's server; the next poll tries again"))
        raise RemoteError(where, hint=N_("check the source's url"))

    # -- parsing --------------------------------------------------------------------
    def _refuse_hostile_xml(self, body: bytes) -> None:
        """Refuse, before feedparser sees them, the bodies that make it spend minutes:
        entity declarations (billion laughs: expat stops the expansion only after
        seconds of work, then feedparser re-parses loosely; external entities are
        never wanted) and more markup than any real feed has (feedparser costs about
        a quarter of a millisecond per tag: 100,000 tags held a poll for a minute)."""
        if _ENTITY_DECLARATION.search(body):
            raise RemoteError(Words(N_("the feed %(url)s declares XML entities (<!ENTITY …>); refused, because entity "
                                       "expansion (billion laughs) and external entities (XXE) are attacks, not feeds"),
                                    url=self.url),
                              hint=N_("real feeds declare no entities; ask the publisher or remove the source"))
        tags = body.count(b"<") + body.count(b"&lt;") + body.count(b"&#60;")
        if tags > MAX_MARKUP:
            raise RemoteError(Words(N_("the feed %(url)s carries %(tags)s tags; at most %(max_tags)s are parsed"),
                                    url=self.url, tags=tags, max_tags=MAX_MARKUP),
                              hint=N_("real feeds have far fewer; ask the publisher for a shorter feed"))

    def fetch(self, state: dict) -> tuple[list[SocialItem], dict]:
        state = dict(state or {})
        status, body, headers, final_url = self._get(state)
        if status == 304:
            return [], state
        lowered = {k.lower(): v for k, v in headers.items()}
        response_headers = {"content-location": final_url or self.url}
        if lowered.get("content-type"):
            response_headers["content-type"] = lowered["content-type"]
        body, self._alts = _split_media_descriptions(body)
        self._refuse_hostile_xml(body)
        parsed = feedparser.parse(body, response_headers=response_headers)
        warnings = []
        if parsed.get("bozo"):
            problem = parsed.get("bozo_exception")
            if not parsed.entries and not parsed.feed.get("title"):
                raise RemoteError(Words(N_("%(url)s is not a feed that can be read: %(reason)s"),
                                        url=self.url, reason=str(problem)),
                                  hint=_SHOULD_SHOW_XML)
            warnings.append(Words(N_("the feed has errors; used what could be read (%(error_type)s: %(reason)s)"),
                                  error_type=type(problem).__name__, reason=str(problem)))
        elif not parsed.entries and not parsed.feed and not parsed.get("version"):
            raise RemoteError(Words(N_("%(url)s is not a feed (no RSS or Atom found)"), url=self.url),
                              hint=_SHOULD_SHOW_XML)
        network = self.source.get("network") or detect_network(self.url, parsed)
        self._feed_title = parsed.feed.get("title") or ""
        self._feed_link = parsed.feed.get("link") or ""
        base = final_url or self.url
        items = []
        for entry in parsed.entries:
            try:
                items.append(self._item(entry, network, base))
            except Exception as exc:  # noqa: BLE001 - one odd entry must not cost the rest of the feed
                warnings.append(Words(N_("an entry was skipped (%(error_type)s: %(reason)s)"),
                                      error_type=type(exc).__name__, reason=str(exc)))
        next_state = {k: v for k, v in state.items() if k not in ("etag", "last_modified", "warnings")}
        if lowered.get("etag"):
            next_state["etag"] = lowered["etag"]
        if lowered.get("last-modified"):
            next_state["last_modified"] = lowered["last-modified"]
        next_state["network"] = network
        if warnings:
            next_state["warnings"] = warnings
        return items, next_state

    def _item(self, entry, network: str, base: str) -> SocialItem:
        link = entry.get("link") or ""
        if link:
            link = urljoin(base, link)
        html = _entry_html(entry)
        media = self._entry_media(entry, base)
        external_id = entry.get("id") or entry.get("guid") or link
        if network == "youtube" and entry.get("yt_videoid"):
            external_id = f"yt:video:{entry.get('yt_videoid')}"
            if not link:
                link = f"https://www.youtube.com/watch?v={entry.get('yt_videoid')}"
            if not media:
                media.append(Media(url=f"https://i.ytimg.com/vi/{entry.get('yt_videoid')}/hqdefault.jpg",
                                   alt=entry.get("title") or ""))
        if not external_id:
            external_id = "sha256:" + hashlib.sha256(
                ((entry.get("title") or "") + "\n" + html).encode("utf-8")).hexdigest()
        author_name, author_url = self._author(entry, network, link)
        tags = [t.get("term") for t in entry.get("tags") or [] if t.get("term")]
        return SocialItem(id="", title=entry.get("title") or "", html=html, text="", url=link,
                          author_name=author_name, author_url=urljoin(base, author_url) if author_url else "",
                          network=network, published_at=_when(entry), media=media, tags=tags,
                          external_id=str(external_id), source_id=self.source.get("id", ""))

    def _entry_media(self, entry, base: str) -> list[Media]:
        """The entry's images, each once: media:content (with the alt text taken out
        before parsing), media:thumbnail, image enclosures."""
        media: list[Media] = []
        seen: set[str] = set()

        def add(url, alt=""):
            if url:
                url = urljoin(base, url)
                if url not in seen:
                    seen.add(url)
                    media.append(Media(url=url, alt=alt or ""))

        for mc in entry.get("media_content") or []:
            medium = (mc.get("medium") or "").lower()
            mtype = (mc.get("type") or "").lower()
            if medium == "image" or mtype.startswith("image/") or (not medium and not mtype):
                add(mc.get("url"), self._alts.get(mc.get("url") or "", ""))
        for thumb in entry.get("media_thumbnail") or []:
            add(thumb.get("url"), entry.get("title") or "")
        for enc in entry.get("enclosures") or []:
            if (enc.get("type") or "").lower().startswith("image/"):
                add(enc.get("href") or enc.get("url"))
        return media

    def _author(self, entry, network: str, link: str) -> tuple[str, str]:
        """Who wrote the entry (name, URL): the entry's own author, else what the
        network's feeds say instead (a Mastodon post's URL names its account; Bluesky
        and YouTube feeds are one account's, named in the feed's title)."""
        author_name = entry.get("author") or ""
        author_url = (entry.get("author_detail") or {}).get("href") or ""
        account = _MASTODON_POST.match(link) if network == "mastodon" else None
        if not author_name and account:
            account_url = f"{account.group(1)}/@{account.group(2)}"
            if self._feed_link.rstrip("/") == account_url:  # an account's own feed
                author_name = self._feed_title or ""
            else:  # a hashtag feed: posts of many accounts
                author_name = f"@{account.group(2)}@{urlsplit(link).hostname}"
            author_url = author_url or account_url
        elif not author_name and network in ("bluesky", "youtube", "mastodon"):
            author_name = self._feed_title or ""
            if network == "bluesky" and " - " in author_name:  # "@handle - Display Name"
                author_name = author_name.split(" - ", 1)[1].strip()
            author_url = author_url or self._feed_link or ""
        return author_name, author_url

    _feed_title: str = ""
    _feed_link: str = ""
    _alts: dict = {}


_MEDIA_CONTENT = re.compile(rb"(<media:content\b[^>]*>)(.*?)(</media:content>)", re.S)
_URL_ATTR = re.compile(rb"""\burl\s*=\s*(["'])(.*?)\1""", re.S)
_DESCRIPTION = re.compile(rb"<media:description\b[^>]*>(.*?)</media:description>", re.S)


def _split_media_descriptions(body: bytes) -> tuple[bytes, dict[str, str]]:
    """feedparser reads a ``media:description`` *inside* ``media:content`` (Mastodon's
    image alt text) as the entry's summary, overwriting the post's own text. Take
    those out before parsing and return them as {image url: alt text}."""
    alts: dict[str, str] = {}
    if b"media:description" not in body or b"media:content" not in body:
        return body, alts

    def take(match: re.Match) -> bytes:
        url = _URL_ATTR.search(match.group(1))
        desc = _DESCRIPTION.search(match.group(2))
        if url and desc:
            text = desc.group(1).decode("utf-8", "replace")
            text = re.sub(r"^<!\[CDATA\[|\]\]>$", "", text.strip())
            alts[html_lib.unescape(url.group(2).decode("utf-8", "replace"))] = html_lib.unescape(text).strip()
        return match.group(1) + _DESCRIPTION.sub(b"", match.group(2)) + match.group(3)

    return _MEDIA_CONTENT.sub(take, body), alts


def _entry_html(entry) -> str:
    """The entry's body as HTML: its HTML content, else its text content as paragraphs,
    else its summary."""
    html = ""
    if entry.get("content"):
        html_parts = [c.get("value", "") for c in entry.content if "html" in (c.get("type") or "html")]
        text_parts = [c.get("value", "") for c in entry.content if "html" not in (c.get("type") or "html")]
        html = "\n".join(p for p in html_parts if p)
        if not html and text_parts:
            html = "".join(f"<p>{_escape(p)}</p>" for p in text_parts if p)
    if not html:
        summary = entry.get("summary") or ""
        detail = entry.get("summary_detail") or {}
        html = summary if "html" in (detail.get("type") or "text/html") else f"<p>{_escape(summary)}</p>"
    return html


def _escape(text: str) -> str:
    return html_lib.escape(text)
