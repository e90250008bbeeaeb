"""Signature schemes of inbound webhooks.

Social sources sign with Standard Webhooks (https://www.standardwebhooks.com),
verified by the ``standardwebhooks`` package: headers ``webhook-id``,
``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<raw body>">``; the secret is ``whsec_<base64>``. A sender
rotating its secret may send several space-separated signatures (one matching is
enough), and the bridge side may hold several secrets, space-separated in the
environment variable, while it rotates. A timestamp more than five minutes off
(either way) is refused, which bounds how long a captured request can be
replayed; within that window the ``webhook-id`` idempotency key (stored by the
receiver) makes a replay return the first answer instead of storing anything.
"""
from __future__ import annotations

import base64
import binascii
import secrets as secrets_mod
from collections.abc import Mapping
from datetime import UTC

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook, WebhookVerificationError
from werkzeug.datastructures import Headers

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format prefix, not a secret


class SignatureError(Exception):
    """The request is not signed by someone holding the source's secret; the
    message says which part is wrong (never anything about the secret)."""


def generate_secret(nbytes: int = 32) -> str:
    """A new ``whsec_…`` secret (32 random bytes, base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets_mod.token_bytes(nbytes)).decode("ascii")


def _webhooks(secret_value: str) -> list[Webhook]:
    found = []
    for secret in secret_value.split():
        try:
            found.append(Webhook(secret))
        except (binascii.Error, ValueError, TypeError, EmptyWebhookSecretError):
            continue  # a malformed secret is the admin's problem, reported below if none is usable
    if not found:
        raise SignatureError("the source's signing secret is not a valid whsec_… value; "
                             "make one with `cms-bridge sources secret ID`")
    return found


def verify(secret_value: str, body: bytes, headers: Mapping[str, str] | Headers) -> str:
    """Check a Standard Webhooks signature; return the ``webhook-id``.

    Raises SignatureError naming the problem: a missing header, a timestamp out of
    the window, or no matching signature.
    """
    lowered = {k.lower(): v for k, v in headers.items() if k.lower() in HEADERS}
    missing = [h for h in HEADERS if not lowered.get(h)]
    if missing:
        raise SignatureError(f"missing header(s): {', '.join(missing)} (Standard Webhooks signing is required)")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("the body is not UTF-8, so its signature cannot be checked") from None
    if not _well_formed(lowered["webhook-signature"]):
        raise SignatureError(MALFORMED)
    last: Exception | None = None
    for webhook in _webhooks(secret_value):
        try:
            webhook.verify(body, lowered, json_parse=False)
            return lowered["webhook-id"]
        except WebhookVerificationError as exc:
            last = exc
            if "timestamp" in str(exc).lower() or "Invalid Signature Headers" in str(exc):
                break  # the timestamp is wrong whichever secret we try
        except (ValueError, binascii.Error) as exc:  # a malformed signature list ("v1" without a comma, bad base64)
            last = exc
    message = str(last) if last else "no matching signature"
    if "too old" in message or "too new" in message:
        raise SignatureError(f"webhook-timestamp is more than 5 minutes off ({message.lower()}); "
                             "check the sender's clock")
    if "Invalid Signature Headers" in message:
        raise SignatureError("webhook-timestamp is not a Unix timestamp in seconds")
    if isinstance(last, WebhookVerificationError):
        raise SignatureError("no matching signature: webhook-signature does not match the body with this "
                             "source's secret")
    raise SignatureError(MALFORMED)


MALFORMED = "webhook-signature is malformed: expected space-separated 'v1,<base64>' values"


def _well_formed(signatures: str) -> bool:
    """Whether any entry reads ``v1,<base64>``: checked here, so the answer does not depend on
    how a version of the standardwebhooks library words (or raises) its refusal of "v1"."""
    for entry in signatures.split():
        version, comma, value = entry.partition(",")
        if version == "v1" and comma and value:
            try:
                base64.b64decode(value, validate=True)
            except (ValueError, binascii.Error):
                continue
            return True
    return False


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers a sender would send (used by tests, benchmarks and the CLI help)."""
    from datetime import datetime

    signature = Webhook(secret).sign(msg_id, datetime.fromtimestamp(timestamp, tz=UTC), body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(timestamp)), "webhook-signature": signature}
