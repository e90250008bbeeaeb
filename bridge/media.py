"""Images from outside, downloaded once into a content-addressed store, safely.

**SSRF guard** (``adapters/fetch.py``, the one fetcher every outside URL goes
through). A media URL comes from a social post, i.e. from anyone, so the
bridge must not be talked into fetching from its own network. Every request —
the first and each redirect hop, which we follow ourselves (at most
``MAX_REDIRECTS``) — is checked before any connection is made:

* the scheme must be http or https (``file:``, ``ftp:``, ``gopher:``, … refused);
* the host is resolved once, and *every* address it resolves to must be a public
  unicast address: loopback, private (RFC 1918, ULA), link-local (169.254/16 —
  cloud metadata — and fe80::/10), site-local (fec0::/10), multicast, reserved, unspecified, shared
  (100.64/10) and IPv4-mapped/6to4 forms of those are refused;
* the connection then goes to exactly the address that was checked (the socket is
  opened to the IP; TLS still verifies the certificate against the host name), so
  a DNS answer that changes between check and connect (DNS rebinding) cannot
  redirect it; proxies from the environment are not used.

``[media] allow_private`` lists addresses/networks that are let through anyway
(e.g. ``["127.0.0.1"]`` for a local test site).

**Limits.** ``[media] timeout`` bounds the whole download (connect + every read,
and a total deadline), ``[media] max_bytes`` its size (Content-Length checked
first, then the stream is cut at the limit).

**Content.** The type is sniffed from the bytes with Pillow (the sender's
Content-Type is not trusted), the image is verified and its dimensions read;
JPEG, PNG, GIF and WebP are kept. Files live under ``server.media_dir`` at
``ab/cd/<sha256>.<ext>``; identical files are stored once, and a URL that was
downloaded before is not downloaded again.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image

from adapters import fetch as guarded

from .translations import N_, Words

if TYPE_CHECKING:
    from .store import Store

MAX_PIXELS = 60_000_000
USER_AGENT = "cms-bridge media fetcher (+https://github.com/cms-bridge)"
IMAGE_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "GIF": ("image/gif", "gif"),
               "WEBP": ("image/webp", "webp")}

#: the guard's errors are media errors: ``str()`` is the reason shown to editors
MediaError = guarded.FetchError
Refused = guarded.Refused
FetchFailed = guarded.FetchFailed
resolve_checked = guarded.resolve_checked
address_problem = guarded.address_problem
_parse_allow = guarded.parse_allow


class NotAnImage(MediaError):
    """The bytes are not an image we keep, or are too large."""


@dataclass
class StoredImage:
    url: str
    final_url: str
    sha256: str
    path: str
    content_type: str
    width: int
    height: int
    size: int


def download(url: str, *, max_bytes: int, timeout: float, allow_private: Iterable[str] = ()) -> tuple[bytes, str]:
    """GET ``url`` through the one guarded fetcher (``adapters.fetch``); (body, final URL)."""
    try:
        response = guarded.fetch(url, max_bytes=max_bytes, timeout=timeout, allow_private=allow_private,
                                 headers={"User-Agent": USER_AGENT, "Accept": "image/*"},
                                 limit_name="[media] max_bytes")
    except guarded.TooLarge as exc:
        raise NotAnImage(str(exc)) from None
    if response.status != 200:
        raise FetchFailed(f"{response.url!r} answered HTTP {response.status} {response.reason}")
    return response.body, response.url


def inspect_image(data: bytes) -> tuple[str, str, int, int]:
    """(content type, extension, width, height) sniffed from the bytes; NotAnImage otherwise."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise NotAnImage(Words(N_("the image is %(width)s×%(height)s pixels; "
                                          "at most %(max_pixels)s pixels are kept"),
                                      width=width, height=height, max_pixels=MAX_PIXELS))
            img.verify()
    except NotAnImage:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many types for "not an image"/"truncated"
        raise NotAnImage(Words(N_("the file is not a readable image (%(error)s)"),
                               error=f"{type(exc).__name__}: {exc}")) from None
    if fmt not in IMAGE_TYPES:
        raise NotAnImage(Words(N_("the file is a %(format)s image; only JPEG, PNG, GIF and WebP are kept"), format=fmt))
    content_type, ext = IMAGE_TYPES[fmt]
    return content_type, ext, width, height


def store_bytes(media_dir: str, data: bytes, ext: str) -> tuple[str, str]:
    """Write ``data`` into the content-addressed store (once); (sha256, absolute path)."""
    digest = hashlib.sha256(data).hexdigest()
    directory = os.path.join(os.path.abspath(media_dir), digest[:2], digest[2:4])
    path = os.path.join(directory, f"{digest}.{ext}")
    if not os.path.exists(path):
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)  # atomic: readers never see half a file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    return digest, path


class MediaFetcher:
    """Downloads the pending media rows of items (``bridge.intake.media``)."""

    def __init__(self, store: Store, *, media_dir: str, max_bytes: int, timeout: float,
                 allow_private: Iterable[str] = ()):
        self.store = store
        self.media_dir = media_dir
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow_private = _parse_allow(allow_private)

    def fetch(self, url: str) -> StoredImage:
        data, final_url = download(url, max_bytes=self.max_bytes, timeout=self.timeout,
                                   allow_private=self.allow_private)
        content_type, ext, width, height = inspect_image(data)
        digest, path = store_bytes(self.media_dir, data, ext)
        return StoredImage(url=url, final_url=final_url, sha256=digest, path=path, content_type=content_type,
                           width=width, height=height, size=len(data))

    def fetch_item(self, item_id: int) -> list[dict]:
        """Download every pending image of an item; each row ends ``stored`` or
        ``failed`` with the reason. Never raises for a bad image: the item stays
        usable with its original link."""
        for row in self.store.pending_media(item_id):
            self.fetch_row(row)
        return self.store.item_media(item_id)

    def fetch_row(self, row: dict) -> None:
        known = self.store.stored_media_for_url(row["url"])
        if known and known["path"] and os.path.exists(known["path"]):
            self.store.record_media(row["id"], state="stored", sha256=known["sha256"], path=known["path"],
                                    content_type=known["content_type"], width=known["width"],
                                    height=known["height"], size=known["bytes"])
            return
        try:
            image = self.fetch(row["url"])
        except MediaError as exc:
            self.store.record_media(row["id"], state="failed", error=str(exc))
            return
        self.store.record_media(row["id"], state="stored", sha256=image.sha256, path=image.path,
                                content_type=image.content_type, width=image.width, height=image.height,
                                size=image.size)
