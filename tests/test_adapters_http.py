"""Retry-After, as sites send it: seconds or an HTTP date."""
from __future__ import annotations

import time
from email.utils import formatdate

from adapters.http import retry_after_seconds


def test_seconds():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("-5") == 0.0


def test_http_date_in_the_future():
    wait = retry_after_seconds(formatdate(time.time() + 90, usegmt=True))
    assert 85 <= wait <= 90


def test_missing_or_unreadable():
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
