"""The one shape of a refused request: RFC 9457 problem+json, and marshmallow errors
as a list of ``{"field", "value", "message"}``.

The JSON API, the webhooks and config validation all name a bad value this way
(config validation prints :class:`FieldError` lines instead of JSON). It lives here,
not in ``bridge/web/``, because imports run bridge → webhooks → adapters: the webhook
blueprint may not import ``bridge``, and ``bridge`` may import this.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, json

#: what marshmallow says of a key the schema does not know, said as a fix
UNKNOWN_FIELD = "is not a known field; remove it (check its spelling)"


def problem(status: int, title: str, detail: str = "", *, headers: dict | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@dataclass(frozen=True)
class FieldError:
    field: str  # dotted path with [index]: "media[0].url"
    value: Any  # what was sent there (None when nothing was)
    message: str
    sent: bool = True

    def as_json(self) -> dict:
        return {"field": self.field, "value": self.value, "message": self.message}

    def __str__(self) -> str:
        if self.sent and self.value is not None and not self.message.startswith("is missing"):
            return f"{self.field}: {self.value!r} {self.message}"
        return f"{self.field}: {self.message}"


def format_path(path: Sequence) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _lookup(data: Any, path: Sequence) -> tuple[bool, Any]:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return False, None
    return True, data


def field_errors(messages: Any, data: Any, path: Sequence = (), *, root: str = "body",
                 unknown: str = UNKNOWN_FIELD) -> list[FieldError]:
    """A ``ValidationError.messages`` tree as one :class:`FieldError` per message, each with
    the value found at its path in ``data`` (``path`` is where ``messages`` starts in it;
    ``root`` names the whole document)."""
    out: list[FieldError] = []
    if isinstance(messages, dict):
        for key, sub in messages.items():
            out += field_errors(sub, data, path if key == "_schema" else [*path, key], root=root, unknown=unknown)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        sent, value = _lookup(data, path)
        where = format_path(path) or root
        out += [FieldError(where, value, unknown if m == "Unknown field." else m, sent) for m in messages]
    elif isinstance(messages, list):
        for sub in messages:
            out += field_errors(sub, data, path, root=root, unknown=unknown)
    return out


def invalid(errors: list[FieldError], title: str = "Invalid input") -> Response:
    """The 400 for a body that failed its schema: every error in ``errors`` and in the detail."""
    return problem(400, title, "; ".join(map(str, errors)), errors=[e.as_json() for e in errors])
