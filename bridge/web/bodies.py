"""JSON request bodies, in the one way every API route reads them: a marshmallow schema,
and each mistake answered as problem+json naming the field, the value sent and the fix
(``webhooks/problems.py``: ``field_errors``, ``invalid``). Here rather than in
``bridge/web/api/`` because the pages' schemas (``bridge/web/invitations.py``, which the
API imports) share ``Strict`` and ``messages_for``; the route modules share it, so none
imports another's helpers."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, request
from marshmallow import RAISE, Schema, ValidationError

from webhooks.problems import field_errors, invalid

from ..translations import N_, Words
from .problems import problem

#: ``explain(errors, body)`` → (status, title, detail) for an API that answers some mistakes
#: otherwise than the usual 400 (the errors listed are the same either way)
Explain = Callable[[list[dict], dict], tuple[int, str, str]]


def messages_for(what: str) -> dict:
    """A field's error messages, each saying what to send instead."""
    return {"required": Words(N_("is missing: send %(what)s"), what=what),
            "null": Words(N_("must not be null: send %(what)s"), what=what),
            "invalid": Words(N_("has the wrong type: send %(what)s"), what=what)}


class Strict(Schema):
    """A body whose unknown keys are refused by name (a misspelt key is never ignored)."""

    class Meta:
        unknown = RAISE


def load_body(schema: Schema, *, example: str = "", explain: Explain | None = None
              ) -> tuple[Any, Response | None]:
    """(data, None) or (None, problem response) for the request's JSON body (typed loosely:
    callers return the problem when there is one and read the data otherwise)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        like = f" like {example}" if example else ""
        return None, problem(400, "Invalid input", f"Send a JSON object{like} (Content-Type: application/json).",
                             errors=[{"field": "body", "value": None, "message": "is not a JSON object"}])
    try:
        return schema.load(data), None
    except ValidationError as exc:
        errors = field_errors(exc.messages, data)
        if explain is None:
            return None, invalid(errors)
        shown = [e.as_json() for e in errors]
        status, title, detail = explain(shown, data)
        return None, problem(status, title, detail, errors=shown)
