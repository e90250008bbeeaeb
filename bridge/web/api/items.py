"""Social items over the API: list and read the curation queue, decide, publish, consent.

Input is validated with marshmallow; each mistake comes back as problem+json naming
the field, the value sent and how to fix it. The user's site limits apply exactly
as in the web UI (the same service calls, with the same ``allowed`` sites).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, jsonify, request, url_for
from marshmallow import fields, validate

from adapters.base import ALL_FEATURES

from ...curation import CONSENT_STATES, ITEM_STATES, CurationError, Outcome
from ..access import allowed_sites, bridge
from ..bodies import Strict, load_body, messages_for
from ..converters import MAX_ID
from ..curation import decode_cursor, list_visible_items, service
from ..problems import problem
from . import bp
from .openapi import add_path, add_schema, error_responses

MAX_BULK = 500


# -- input -------------------------------------------------------------------
class SitesField(fields.List):
    def __init__(self, **kw: Any):
        super().__init__(fields.String(validate=validate.Length(min=1), error_messages=messages_for("a site id")),
                         validate=validate.Length(min=1, error="is empty: name at least one site id"),
                         error_messages=messages_for('a list of site ids, e.g. ["corp"]'), **kw)


class IdsField(fields.List):
    def __init__(self, **kw: Any):
        super().__init__(fields.Integer(strict=True, error_messages=messages_for("an item id (integer)"),
                                        validate=validate.Range(min=1, max=MAX_ID,
                                                                error=f"is not an item id (1 to {MAX_ID})")),
                         validate=validate.Length(min=1, max=MAX_BULK,
                                                  error=f"must list between 1 and {MAX_BULK} item ids"),
                         error_messages=messages_for("a list of item ids, e.g. [1, 2]"), **kw)


class ApproveSchema(Strict):
    sites = SitesField(required=True)
    title = fields.String(validate=validate.Length(max=500, error="is longer than 500 characters; shorten it"),
                          error_messages=messages_for("the edited title as a string"))
    text = fields.String(validate=validate.Length(max=50_000, error="is longer than 50,000 characters"),
                         error_messages=messages_for("the edited text as a string"))


class RejectSchema(Strict):
    reason = fields.String(required=True, validate=validate.Length(
        min=1, max=1000, error="must be 1 to 1000 characters: say why the item is rejected"),
        error_messages=messages_for("the reason as a string"))


class BulkApproveSchema(Strict):
    ids = IdsField(required=True)
    sites = SitesField(required=True)


class BulkRejectSchema(RejectSchema):
    ids = IdsField(required=True)


class RetractSchema(Strict):
    reason = fields.String(load_default="", validate=validate.Length(max=1000, error="is longer than 1000 "
                                                                                    "characters"))


class ConsentSchema(Strict):
    state = fields.String(required=True, validate=validate.OneOf(
        CONSENT_STATES, error="is not a consent state; use one of: " + ", ".join(CONSENT_STATES)),
        error_messages=messages_for("the consent state, one of " + ", ".join(CONSENT_STATES)))
    evidence_url = fields.String(validate=validate.URL(schemes={"http", "https"}, require_tld=False,
                                                       error="is not an http(s) URL: link to where consent "
                                                             "was given"),
                                 error_messages=messages_for("a URL string"))
    contributor = fields.String(validate=validate.Length(max=200, error="is longer than 200 characters"),
                                error_messages=messages_for("the contributor's name as a string"))


def curation_problem(exc: CurationError):
    return problem(exc.status, exc.title, exc.detail,
                   errors=[{"field": exc.field, "value": exc.value, "message": exc.detail}] if exc.field else [])


# -- output ------------------------------------------------------------------
def item_json(item: dict, *, detail: bool = False) -> dict:
    store = bridge().store
    allowed = allowed_sites()
    media = store.media_for_items([item["id"]])[item["id"]]
    out = {key: item[key] for key in (
        "id", "source_id", "external_id", "url", "network", "title", "text", "author_name", "author_url",
        "published_at", "received_at", "state", "state_reason", "flags", "duplicate_of", "edited_title",
        "edited_text", "target_sites", "contributor", "decided_by", "decided_at", "revision")}
    out["consent"] = {"state": item["consent_state"], "evidence_url": item["consent_evidence_url"],
                      "at": item["consent_at"], "publishing": service().consent_status(item)}
    out["media"] = [{"url": m["url"], "alt": m["alt"], "kind": m["kind"], "state": m["state"], "sha256": m["sha256"],
                     "content_type": m["content_type"],
                     "preview_url": url_for("curation.media", sha256=m["sha256"]) if m["sha256"] and m["path"]
                     else None} for m in media]
    out["publications"] = [{"site_id": p["site_id"], "state": p["shown_state"], "remote_url": p["remote_url"],
                            "reason": p["job_error"] if p["shown_state"] in ("retrying", "failed") else None,
                            "attempts": p["job_attempts"], "job_id": p["job_id"],
                            "published_revision": p["published_revision"],
                            "site_features": sorted(f.value for f in service().site_features(p["site_id"]))}
                           for p in service().publications(item["id"], allowed)]
    if detail:
        out["html"] = item["html"]
        out["history"] = [{k: d[k] for k in ("actor", "action", "from_state", "to_state", "sites", "detail",
                                             "created_at")} for d in service().history(item["id"])]
    return out


def outcome_json(outcome: Outcome) -> dict:
    return {"item": item_json(outcome.item), "jobs": outcome.jobs, "waiting_for_consent": outcome.waiting_for_consent}


def _decide(call: Callable[[], Any]):
    try:
        return jsonify(outcome_json(call()))
    except CurationError as exc:
        return curation_problem(exc)


# -- routes ------------------------------------------------------------------
@bp.get("/items")
def list_items():
    state = request.args.get("state")
    if state is not None and state not in ITEM_STATES:
        return problem(400, "Invalid filter", f"state={state!r} is not one of {', '.join(ITEM_STATES)}; "
                       "leave it out for every state.",
                       errors=[{"field": "state", "value": state, "message": "is not an item state"}])
    raw_limit = request.args.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        return problem(400, "Invalid filter", f"limit={raw_limit!r} must be a whole number from 1 to 200.",
                       errors=[{"field": "limit", "value": raw_limit, "message": "must be 1-200"}])
    cursor = request.args.get("cursor")
    try:
        decode_cursor(cursor)
    except ValueError:
        return problem(400, "Invalid cursor", f"cursor={cursor!r} is not a cursor this API gave out; use the "
                       "`next_cursor` of the previous page, or leave it out for the first page.",
                       errors=[{"field": "cursor", "value": cursor, "message": "is not a valid cursor"}])
    items, next_cursor = list_visible_items(states=[state] if state else [], source_id=request.args.get("source"),
                                            q=request.args.get("q"), cursor=cursor, limit=int(raw_limit))
    return jsonify({"items": [item_json(i) for i in items], "next_cursor": next_cursor})


@bp.get("/items/<int:item_id>")
def get_item(item_id: int):
    try:
        return jsonify(item_json(service().get(item_id, allowed_sites()), detail=True))
    except CurationError as exc:
        return curation_problem(exc)


@bp.post("/items/<int:item_id>/approve")
def approve_item(item_id: int):
    data, error = load_body(ApproveSchema())
    if error:
        return error
    return _decide(lambda: service().approve(item_id, data["sites"], actor=g.user["username"],
                                             title=data.get("title"), text=data.get("text"),
                                             allowed=allowed_sites()))


@bp.post("/items/<int:item_id>/reject")
def reject_item(item_id: int):
    data, error = load_body(RejectSchema())
    if error:
        return error
    return _decide(lambda: service().reject(item_id, data["reason"], actor=g.user["username"],
                                            allowed=allowed_sites()))


@bp.post("/items/<int:item_id>/retract")
def retract_item(item_id: int):
    data, error = load_body(RetractSchema())
    if error:
        return error
    return _decide(lambda: service().retract(item_id, actor=g.user["username"], reason=data["reason"],
                                             allowed=allowed_sites()))


@bp.post("/items/<int:item_id>/consent")
def item_consent(item_id: int):
    data, error = load_body(ConsentSchema())
    if error:
        return error
    return _decide(lambda: service().set_consent(item_id, data["state"], actor=g.user["username"],
                                                 evidence_url=data.get("evidence_url"),
                                                 contributor=data.get("contributor"), allowed=allowed_sites()))


@bp.post("/items/<int:item_id>/publications/<site_id>/retry")
def retry_publication(item_id: int, site_id: str):
    return _decide(lambda: service().retry_publication(item_id, site_id, actor=g.user["username"],
                                                       allowed=allowed_sites()))


def _bulk(action: str, data: dict):
    """All ids must exist (and be visible) and the sites allowed before anything
    changes; then each item is decided on its own and reported."""
    allowed = allowed_sites()
    try:
        if action == "approve":
            service().check_sites(data["sites"], allowed)
        unknown = []
        for item_id in data["ids"]:
            try:
                service().get(item_id, allowed)
            except CurationError:
                unknown.append(item_id)
        if unknown:
            return problem(404, "No such items", f"There are no items {', '.join(map(str, unknown))}; nothing was "
                           "changed. Remove them from `ids`.",
                           errors=[{"field": "ids", "value": unknown, "message": "are not item ids"}])
    except CurationError as exc:
        return curation_problem(exc)
    results = service().bulk(action, data["ids"], actor=g.user["username"], allowed=allowed,
                             sites=data.get("sites"), reason=data.get("reason", ""))
    body = []
    for item_id, result in results:
        if isinstance(result, CurationError):
            body.append({"id": item_id, "ok": False, "status": result.status, "title": result.title,
                         "detail": result.detail})
        else:
            body.append({"id": item_id, "ok": True, "state": result.item["state"], "jobs": result.jobs,
                         "waiting_for_consent": result.waiting_for_consent})
    return jsonify({"results": body, "done": sum(r["ok"] for r in body), "failed": sum(not r["ok"] for r in body)})


@bp.post("/items/approve")
def bulk_approve():
    data, error = load_body(BulkApproveSchema())
    return error or _bulk("approve", data)


@bp.post("/items/reject")
def bulk_reject():
    data, error = load_body(BulkRejectSchema())
    return error or _bulk("reject", data)


# -- OpenAPI -----------------------------------------------------------------
def _item_id_param() -> dict:
    return {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json_body(ref: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _ok(ref: str, description: str) -> dict:
    return {"200": {"description": description, "content": {"application/json": {"schema": {
        "$ref": f"#/components/schemas/{ref}"}}}}}


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
add_schema("Publication", {"type": "object", "properties": {
    "site_id": _STR, "state": {"type": "string", "enum": ["queued", "published", "retrying", "failed",
                                                          "unpublishing", "unpublished"]},
    "remote_url": _NSTR, "reason": {"type": ["string", "null"], "description": "why it is retrying or failed"},
    "attempts": {"type": ["integer", "null"]}, "job_id": {"type": ["integer", "null"]},
    "published_revision": {"type": ["integer", "null"]},
    "site_features": {"type": "array", "items": {"type": "string", "enum": sorted(f.value for f in ALL_FEATURES)},
                      "description": "what the site can do; editing needs update, retracting needs unpublish "
                                     "on every site the item is published on (else 409)"}}})
add_schema("Item", {"type": "object", "properties": {
    "id": {"type": "integer"}, "source_id": _STR, "external_id": _STR, "url": _STR, "network": _STR,
    "title": _STR, "text": _STR, "html": {"type": "string", "description": "only in GET /items/{item_id}"},
    "author_name": _STR, "author_url": _STR, "published_at": _NSTR, "received_at": _STR,
    "state": {"type": "string", "enum": list(ITEM_STATES)}, "state_reason": _STR,
    "flags": {"type": "array", "items": {"type": "object", "properties": {"rule": _STR, "reason": _STR}}},
    "duplicate_of": {"type": ["integer", "null"]}, "edited_title": _NSTR, "edited_text": _NSTR,
    "target_sites": {"type": "array", "items": _STR}, "contributor": _STR,
    "consent": {"type": "object", "properties": {
        "state": {"type": "string", "enum": list(CONSENT_STATES)}, "evidence_url": _STR, "at": _NSTR,
        "publishing": {"type": "string", "enum": ["ok", "waiting", "refused"]}}},
    "decided_by": _NSTR, "decided_at": _NSTR, "revision": {"type": "integer"},
    "media": {"type": "array", "items": {"type": "object"}},
    "publications": {"type": "array", "items": {"$ref": "#/components/schemas/Publication"}},
    "history": {"type": "array", "items": {"type": "object"}, "description": "only in GET /items/{item_id}"}}})
add_schema("Decision", {"type": "object", "properties": {
    "item": {"$ref": "#/components/schemas/Item"}, "jobs": {"type": "array", "items": {"type": "integer"}},
    "waiting_for_consent": {"type": "boolean"}}})
add_schema("ItemBulkResult", {"type": "object", "properties": {
    "done": {"type": "integer"}, "failed": {"type": "integer"},
    "results": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "ok": {"type": "boolean"}, "state": _STR, "status": {"type": "integer"},
        "title": _STR, "detail": _STR, "jobs": {"type": "array", "items": {"type": "integer"}}}}}}})
_SITES = {"type": "array", "items": _STR, "minItems": 1}
_IDS = {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": MAX_BULK}
add_schema("ApproveRequest", {"type": "object", "required": ["sites"], "additionalProperties": False,
                              "properties": {"sites": _SITES, "title": {"type": "string", "maxLength": 500},
                                             "text": _STR}})
add_schema("RejectRequest", {"type": "object", "required": ["reason"], "additionalProperties": False,
                             "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 1000}}})
add_schema("BulkApproveRequest", {"type": "object", "required": ["ids", "sites"], "additionalProperties": False,
                                  "properties": {"ids": _IDS, "sites": _SITES}})
add_schema("BulkRejectRequest", {"type": "object", "required": ["ids", "reason"], "additionalProperties": False,
                                 "properties": {"ids": _IDS, "reason": {"type": "string", "minLength": 1}}})
add_schema("RetractRequest", {"type": "object", "additionalProperties": False,
                              "properties": {"reason": {"type": "string", "maxLength": 1000}}})
add_schema("ConsentRequest", {"type": "object", "required": ["state"], "additionalProperties": False,
                              "properties": {"state": {"type": "string", "enum": list(CONSENT_STATES)},
                                             "evidence_url": {"type": "string", "format": "uri"},
                                             "contributor": {"type": "string", "maxLength": 200}}})

add_path("/items", "get", {
    "summary": "Social items, newest first (keyset pagination with `cursor`)",
    "parameters": [{"name": "state", "in": "query", "schema": {"type": "string", "enum": list(ITEM_STATES)}},
                   {"name": "source", "in": "query", "schema": _STR},
                   {"name": "q", "in": "query", "description": "full-text search over title, text and author",
                    "schema": _STR},
                   {"name": "cursor", "in": "query", "description": "`next_cursor` of the previous page",
                    "schema": _STR},
                   {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
    "responses": {"200": {"description": "a page of items", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                                         "next_cursor": _NSTR}}}}}, **error_responses(400, 401)}})
add_path("/items/{item_id}", "get", {
    "summary": "One item with its publications per site and its decision history",
    "parameters": [_item_id_param()],
    "responses": {**_ok("Item", "the item"), **error_responses(401, 404)}})
add_path("/items/{item_id}/approve", "post", {
    "summary": "Approve to sites (optionally with an edited title/text); publishing runs through the outbox. "
               "On an approved item: add sites, or edit and update the same remote posts.",
    "parameters": [_item_id_param()], "requestBody": _json_body("ApproveRequest"),
    "responses": {**_ok("Decision", "decision recorded; `jobs` were queued"),
                  **error_responses(400, 401, 403, 404, 409)}})
add_path("/items/{item_id}/reject", "post", {
    "summary": "Reject with a reason", "parameters": [_item_id_param()], "requestBody": _json_body("RejectRequest"),
    "responses": {**_ok("Decision", "decision recorded"), **error_responses(400, 401, 404, 409)}})
add_path("/items/{item_id}/retract", "post", {
    "summary": "Take an approved item down from every site",
    "parameters": [_item_id_param()], "requestBody": _json_body("RetractRequest"),
    "responses": {**_ok("Decision", "unpublish jobs queued"), **error_responses(400, 401, 403, 404, 409)}})
add_path("/items/{item_id}/consent", "post", {
    "summary": "Record the contributor's consent (granted releases publishing; declined/revoked unpublish)",
    "parameters": [_item_id_param()], "requestBody": _json_body("ConsentRequest"),
    "responses": {**_ok("Decision", "consent recorded"), **error_responses(400, 401, 404, 409)}})
add_path("/items/{item_id}/publications/{site_id}/retry", "post", {
    "summary": "Queue a failed publication on one site again",
    "parameters": [_item_id_param(), {"name": "site_id", "in": "path", "required": True, "schema": _STR}],
    "responses": {**_ok("Decision", "queued again"), **error_responses(401, 403, 404, 409)}})
add_path("/items/approve", "post", {
    "summary": "Approve several items to the same sites; each item is reported on its own",
    "requestBody": _json_body("BulkApproveRequest"),
    "responses": {**_ok("ItemBulkResult", "per-item results"), **error_responses(400, 401, 403, 404)}})
add_path("/items/reject", "post", {
    "summary": "Reject several items with one reason; each item is reported on its own",
    "requestBody": _json_body("BulkRejectRequest"),
    "responses": {**_ok("ItemBulkResult", "per-item results"), **error_responses(400, 401, 404)}})
