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
  (``errors``: ``[{"field": "media[0].url", "value": …, "message": …}]``, the JSON API's
  shape, :mod:`webhooks.problems`); 422 text with a lone surrogate
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
from .problems import field_errors, problem
from .problems import invalid as invalid_body
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

    @classmethod
    def stored(cls, row: dict | None) -> Answer | None:
        """The answer recorded with a delivery (its ``status_code`` and ``response``), if any."""
        return cls(row["status_code"], row["response"]) if row else None


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


def _answer(answer: Answer, *, replayed: bool = False) -> Response:
    response = Response(json.dumps(answer.body), status=answer.status, mimetype="application/json")
    if replayed:
        response.headers["Webhook-Replayed"] = "true"
    return response


def read_body() -> bytes | Response:
    """The raw body (signatures are over the exact bytes), or a 413 problem when it is over
    ``server.max_body_bytes``."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        return problem(413, "Payload too large", f"the body has {request.content_length} bytes; "
                        f"at most {limit} are accepted (server.max_body_bytes)")
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        return problem(413, "Payload too large", f"the body is larger than {limit} bytes (server.max_body_bytes)")
    return body


def receive_signed(source: WebhookSource, *, replayed: Callable[[str, str], Answer | None],
                   load: Callable[[Any], dict], accept: Callable[[str, str, dict], Answer], invalid: str) -> Response:
    """The steps every signed webhook takes, in this order: size limit, Standard Webhooks
    signature with ``source.secret`` (401), a redelivered ``webhook-id`` gets its first answer
    (``replayed(source.id, delivery_id)``), JSON (415/400), the sender's schema (400 with
    ``errors`` by field, titled ``invalid``), then ``accept(source.id, delivery_id, payload)``."""
    body = read_body()
    if isinstance(body, Response):
        return body
    try:
        delivery_id = signatures.verify(source.secret, body, request.headers)
    except signatures.SignatureError as exc:
        return problem(401, "Bad signature", str(exc))
    replay = replayed(source.id, delivery_id)
    if replay is not None:
        return _answer(replay, replayed=True)
    if request.mimetype not in ("application/json",) and not request.mimetype.endswith("+json"):
        return problem(415, "Unsupported media type",
                        f"the body must be application/json, not {request.mimetype or 'unspecified'!r}")
    try:
        data = jsonbody.parse(body)
    except jsonbody.BodyError as exc:
        current_app.logger.warning("webhook %s delivery %s refused: %s", request.path, delivery_id, exc.detail)
        return problem(exc.status, exc.title, exc.detail)
    try:
        payload = load(data)
    except ValidationError as exc:
        return invalid_body(field_errors(exc.messages, data), title=invalid)
    return _answer(accept(source.id, delivery_id, payload))


@bp.post("/social/<source_id>")
def social(source_id: str):
    intake = _intake()
    source = intake.webhook_source(source_id)
    if source is None:
        return problem(404, "Unknown source", f"there is no webhook source {source_id!r} in this cms-bridge "
                        "(check the URL against `cms-bridge sources list`)")
    return receive_signed(source, replayed=intake.replayed_delivery, load=load_social_payload,
                          accept=intake.accept_webhook, invalid="Invalid payload")


# The WordPress connector plugin's events: POST /webhooks/wordpress/<site_id> (webhooks/wordpress.py).
from . import wordpress as _wordpress  # noqa: E402,F401 - registers its route on bp
