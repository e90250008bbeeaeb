"""Reading WordPress's answers as they arrive on real hosts, not as the docs print them.

A shared host with ``display_errors = On``, or a chatty plugin, puts PHP output
around the JSON or XML-RPC document: ``<br /><b>Warning</b>: Undefined array key 1
in …/wp-admin/includes/image.php on line 711`` before the body of a media upload
(WordPress 6.1's ``wp_exif_date2ts`` on a camera's EXIF date without a time), a UTF-8
BOM from a plugin file saved with one, a notice after it. The site did its work; only
the wrapping is dirty. So:

* the document that is there is decoded (:func:`decode_json`, :func:`clean_xmlrpc`);
* status and headers decide first: ``201`` with ``Location`` or
  ``X-WP-Upload-Attachment-ID`` (set by core's attachments controller before the
  sub-sizes are made, WordPress ≥ 5.3) means the upload happened, whatever follows
  (:func:`created_id`);
* only an answer with no document at all means "not a WordPress site" — and never
  for a write, where a 2xx without a readable body means "the site may have acted":
  a retriable error whose retry finds the earlier result (media by content hash,
  posts by marker, replies by key).
"""
from __future__ import annotations

import json
import re
from typing import Any

#: what a body without any JSON document decodes to
NO_JSON = object()

_BOM = "\ufeff"
_START = re.compile(r"[\[{]")
_MAX_TRIES = 64  # candidate starts tried; PHP noise has few brackets


def decode_json(text: str) -> Any:
    """The JSON document in ``text``, or ``NO_JSON``.

    A clean body is one ``json.loads``. Otherwise every ``{``/``[`` is tried as the
    start of a document and the longest one decoded wins: PHP's notices can hold
    brackets themselves (``Undefined array key [1]``), but never a longer document
    than the answer."""
    text = (text or "").replace(_BOM, "")
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    best, best_len = NO_JSON, 0
    for tries, match in enumerate(_START.finditer(text)):
        if tries >= _MAX_TRIES:
            break
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            continue
        if end - match.start() > best_len:
            best, best_len = value, end - match.start()
    return best


def created_id(status: int, headers) -> str | None:
    """The id of the attachment/post a ``201 Created`` (or a failed post-processing,
    5xx with ``X-WP-Upload-Attachment-ID``) says exists, read from its headers alone."""
    upload = (headers.get("X-WP-Upload-Attachment-ID") or "").strip()
    if upload.isdigit():
        return upload
    if status == 201:
        match = re.search(r"/(\d+)/?(?:[?#].*)?$", headers.get("Location") or "")
        if match:
            return match.group(1)
    return None


_XML_START = re.compile(rb"<\?xml[^>]*\?>|<methodResponse\b")
_XML_END = b"</methodResponse>"


def clean_xmlrpc(body: bytes) -> bytes:
    """The ``<methodResponse>`` document out of a body with PHP output around it
    (unchanged when there is none: the parser then reports what is wrong)."""
    body = body.lstrip(b"\xef\xbb\xbf")
    match = _XML_START.search(body)
    if match is None:
        return body
    start = match.start()
    end = body.rfind(_XML_END)
    if end < 0:
        return body[start:]
    return body[start:end + len(_XML_END)]
