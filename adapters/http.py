"""Small HTTP helpers every adapter that talks HTTP needs alike."""
from __future__ import annotations

import time
from email.utils import parsedate_to_datetime


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` header asks us to wait: it is either a number of
    seconds or an HTTP date (RFC 9110 §10.2.3). None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
