"""Recognising embeddable videos in social items' links (YouTube), shared by the
adapters that render them and the bridge's own preview."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

YOUTUBE_HOSTS = ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")


def youtube_id(url: str) -> str | None:
    """The video id of a YouTube watch/shorts/embed/live or youtu.be URL, else None."""
    try:
        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host not in YOUTUBE_HOSTS:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if host == "youtu.be":
        candidate = segments[0] if segments else ""
    elif segments and segments[0] in ("shorts", "embed", "live"):
        candidate = segments[1] if len(segments) > 1 else ""
    else:
        candidate = (parse_qs(parts.query).get("v") or [""])[0]
    return candidate if _VIDEO_ID.match(candidate) else None
