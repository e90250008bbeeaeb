"""The inbound webhook Blueprint: ``POST /webhooks/social/<source_id>``.

Public (it authenticates by signature, see :mod:`webhooks.signatures`). It never
imports ``bridge``: the bridge provides a :class:`WebhookIntake` on the app, as
``current_app.extensions["bridge"].intake``.

Answers (errors are ``application/problem+json`` with a ``detail``):

* 202 accepted — ``{"status": "accepted", "item_id", "state"}``
* 200 duplicate — same ``external_id`` or same URL from this source already stored:
  ``{"status": "duplicate", "item_id"}``; senders deliver at least once, one item results
* a redelivered ``webhook-id`` gets the first answer again (nothing new stored)
* 400 bad JSON (invalid UTF-8, nested too deeply — :mod:`webhooks.jsonbody`) / field errors
  (``errors``: {"field.path": [messages]}); 422 text with a lone surrogate
* 401 missing or bad signature, timestamp out of the 5-minute window
* 404 unknown source, or not a webhook source
* 413 body over ``server.max_body_bytes``
* 415 not ``application/json``
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Blueprint, Response, current_app, request
from marshmallow import ValidationError

from . import jsonbody, signatures
from .schemas import load_social_payload

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@dataclass
class WebhookSource:
    id: str
    secret: str  # whsec_… (several space-separated while rotating)


@dataclass
class Answer:
    status: int  # 202 accepted, 200 duplicate
    body: dict


class WebhookIntake(Protocol):
    """What the bridge provides to this blueprint."""

    def webhook_source(self, source_id: str) -> WebhookSource | None:
        """The configured webhook source with its secret; None if unknown or not a webhook source."""

    def replayed_delivery(self, source_id: str, delivery_id: str) -> Answer | None:
        """The answer given the first time this ``webhook-id`` was delivered, if it was."""

    def accept_webhook(self, source_id: str, delivery_id: str, payload: dict[str, Any]) -> Answer:
        """Store a validated payload (and the delivery record) in one transaction."""


def _intake() -> WebhookIntake:
    return current_app.extensions["bridge"].intake


def _problem(status: int, title: str, detail: str, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def _answer(answer: Answer, *, replayed: bool = False) -> Response:
    response = Response(json.dumps(answer.body), status=answer.status, mimetype="application/json")
    if replayed:
        response.headers["Webhook-Replayed"] = "true"
    return response


def _field_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, sub in messages.items():
            if key == "_schema":
                name = prefix or "body"
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _field_errors(sub, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "body"] = list(messages)
    elif isinstance(messages, list):
        for sub in messages:
            for k, v in _field_errors(sub, prefix).items():
                out.setdefault(k, []).extend(v)
    return out


def read_body() -> bytes | Response:
    """The raw body (signatures are over the exact bytes), or a 413 problem when it is over
    ``server.max_body_bytes``."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        return _problem(413, "Payload too large", f"the body has {request.content_length} bytes; "
                        f"at most {limit} are accepted (server.max_body_bytes)")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        return _problem(413, "Payload too large", f"the body is larger than {limit} bytes (server.max_body_bytes)")
    return body


def receive_signed(secret: str, *, replayed: Callable[[str], Answer | None], load: Callable[[Any], dict],
                   accept: Callable[[str, dict], Answer], invalid: str) -> Response:
    """The steps every signed webhook takes, in this order: size limit, Standard Webhooks
    signature (401), a redelivered ``webhook-id`` gets its first answer, JSON (415/400), the
    sender's schema (400 with ``errors`` by field, titled ``invalid``), then ``accept``."""
    body = read_body()
    if isinstance(body, Response):
        return body
    try:
        delivery_id = signatures.verify(secret, body, request.headers)
    except signatures.SignatureError as exc:
        return _problem(401, "Bad signature", str(exc))
    replay = replayed(delivery_id)
    if replay is not None:
        return _answer(replay, replayed=True)
    if request.mimetype not in ("application/json",) and not request.mimetype.endswith("+json"):
        return _problem(415, "Unsupported media type",
                        f"the body must be application/json, not {request.mimetype or 'unspecified'!r}")
    try:
        data = jsonbody.parse(body)
    except jsonbody.BodyError as exc:
        current_app.logger.warning("webhook %s delivery %s refused: %s", request.path, delivery_id, exc.detail)
        return _problem(exc.status, exc.title, exc.detail)
    try:
        payload = load(data)
    except ValidationError as exc:
        errors = _field_errors(exc.messages)
        summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items())
        return _problem(400, invalid, summary, errors=errors)
    return _answer(accept(delivery_id, payload))


@bp.post("/social/<source_id>")
def social(source_id: str):
    intake = _intake()
    source = intake.webhook_source(source_id)
    if source is None:
        return _problem(404, "Unknown source", f"there is no webhook source {source_id!r} in this cms-bridge "
                        "(check the URL against `cms-bridge sources list`)")
    return receive_signed(source.secret, replayed=lambda d: intake.replayed_delivery(source_id, d),
                          load=load_social_payload, accept=lambda d, p: intake.accept_webhook(source_id, d, p),
                          invalid="Invalid payload")


# The WordPress connector plugin's events: POST /webhooks/wordpress/<site_id> (webhooks/wordpress.py).
from . import wordpress as _wordpress  # noqa: E402,F401 - registers its route on bp
