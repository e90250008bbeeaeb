"""Signed deliveries to ``POST /webhooks/social/<source_id>`` (Standard Webhooks), shared by
tests/test_webhooks.py, tests/test_media.py and tests/hostile/; the ``hook_config``,
``hook_bridge`` and ``hook_client`` fixtures of tests/conftest.py serve ``HOOK_RAW``."""
from __future__ import annotations

import json
import time
import uuid

from webhooks.signatures import sign

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="

#: a webhook source ``hook`` (secret in HOOK_SECRET), a feed ``feed``, a 4 KiB body limit
HOOK_RAW = {"server": {"max_body_bytes": 4096}, "media": {"allow_private": ["127.0.0.1"], "timeout": 3.0},
            "sources": [{"id": "hook", "kind": "webhook", "secret_env": "HOOK_SECRET"},
                        {"id": "feed", "kind": "feed", "url": "https://feeds.example/rss"}]}


def body_of(**overrides) -> dict:
    payload = {"external_id": "post-1", "url": "https://social.example/@ann/1",
               "title": "Turbine 12 is up", "text": "We raised the tower today.",
               "author": {"name": "Ann", "url": "https://social.example/@ann"}}
    payload.update(overrides)
    return payload


def signed(payload, *, secret=SECRET, msg_id=None, timestamp=None, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(payload).encode()
    headers = sign(secret, msg_id or f"msg_{uuid.uuid4().hex}", int(timestamp or time.time()), data)
    headers["Content-Type"] = "application/json"
    return data, headers


def post(client, payload=None, *, source="hook", **kw):
    data, headers = signed(payload if payload is not None else body_of(), **kw)
    return client.post(f"/webhooks/social/{source}", data=data, headers=headers)
