"""The OpenAPI 3.1 document of /api/v1, assembled from what each module declares."""
from __future__ import annotations

from ... import __version__

PATHS: dict[str, dict] = {}
SCHEMAS: dict[str, dict] = {
    "Problem": {
        "type": "object",
        "description": "RFC 9457 problem details",
        "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                       "status": {"type": "integer"}, "detail": {"type": "string"}},
        "required": ["title", "status"],
    },
}


def error_responses(*codes: int) -> dict:
    text = {400: "Invalid input", 401: "Not authenticated", 403: "Forbidden", 404: "Not found",
            409: "Conflict", 413: "Too large", 415: "Unsupported media type", 422: "Unprocessable",
            429: "Too many requests"}
    return {str(c): {"description": text.get(c, "Error"), "content": {
        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}} for c in codes}


def add_path(path: str, method: str, operation: dict) -> None:
    """Declare an operation; ``path`` is relative to /api/v1 in OpenAPI syntax (``/comments/{id}``)."""
    PATHS.setdefault(path, {})[method.lower()] = operation


def add_schema(name: str, schema: dict) -> None:
    """Declare a component; a name is declared once (two areas once both wrote a
    ``BulkResult`` and the later silently replaced the earlier)."""
    if name in SCHEMAS and SCHEMAS[name] != schema:
        raise ValueError(f"OpenAPI component {name!r} is declared twice; give one of them another name")
    SCHEMAS[name] = schema


def build_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "cms-bridge API", "version": __version__,
                 "description": "Curation and moderation API of cms-bridge. Authenticate with "
                                "`Authorization: Bearer <token>` (`cms-bridge tokens create --user NAME`).\n\n"
                                "The API speaks English only, whatever `Accept-Language` says: errors are "
                                "`application/problem+json` with a machine-readable `title` and status and an "
                                "English `detail`; states and other values are stable codes (`pending`, "
                                "`approved`, …). Only the web interface is translated (English, German)."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


add_path("/openapi.json", "get", {"summary": "This document", "security": [],
                                  "responses": {"200": {"description": "OpenAPI document"}}})
add_path("/me", "get", {"summary": "The authenticated user", "responses": {
    "200": {"description": "user", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"username": {"type": "string"}, "role": {"type": "string"},
                                         "sites": {"type": ["array", "null"], "items": {"type": "string"}}}}}}},
    **error_responses(401)}})
