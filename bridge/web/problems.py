"""RFC 9457 problem+json answers for the API and webhooks."""
from __future__ import annotations

from flask import Response, json


def problem(status: int, title: str, detail: str = "", *, headers: dict | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response
