"""Comments over the API: the inbox's list, one comment, decisions, replies, bulk.

Thin over the moderation service (``bridge/moderation.py``), as the inbox pages
are: only the caller's sites, decisions never applied over a newer version than
the one sent, errors as problem+json that say what to do. Bodies are validated
with marshmallow schemas through ``bridge/web/bodies.py``; each mistake names the field.
"""
from __future__ import annotations

import json
from typing import Any

from flask import g, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema
from marshmallow.types import ErrorMessages

from ... import cursors
from ...moderation import ACTION_NAMES, BULK_LIMIT, MAX_REPLY, BulkOutcome
from ...sanitize import comment_html, safe_link
from ...store.inbox import STATUSES
from ..access import allowed_sites, bridge, may_see_site
from ..bodies import load_body as load_json
from ..converters import MAX_ID, is_id
from ..problems import problem
from . import bp
from .openapi import add_path, add_schema, error_responses

MAX_LIMIT = 200
MAX_IDS = 1000
_ACTIONS = ", ".join(ACTION_NAMES)


def service():
    return bridge().moderation


def public(comment: dict) -> dict:
    return {
        "id": comment["id"], "site_id": comment["site_id"], "remote_id": comment["remote_id"],
        "parent_id": comment["parent_id"], "remote_parent_id": comment["remote_parent_id"],
        "post_id": comment["post_id"], "post_title": comment["post_title"],
        "post_url": safe_link(comment["post_url"]), "link": safe_link(comment["link"]),
        "author_name": comment["author_name"], "author_url": safe_link(comment["author_url"]),
        "author_key": comment["author_key"] or None,
        "content_text": comment["content_text"],
        "content_html": str(comment_html(comment["content_html"], comment["content_text"])),
        "status": comment["status"], "remote_status": comment["remote_status"], "date_gmt": comment["date_gmt"],
        "version": comment["version"], "site_change": comment["site_change"],
        "site_change_at": comment["site_change_at"], "writeback_state": comment["writeback_state"],
        "writeback_error": comment["writeback_error"],
        "held_because": comment.get("held_because") or [],
    }


# -- input -------------------------------------------------------------------
def _messages(what: str) -> dict:
    return {"required": f"is missing: send {what}", "null": f"must not be null: send {what}",
            "invalid": f"must be {what}"}


class ActionField(fields.String):
    def __init__(self, **kw: Any):
        must = f"must be a string, one of {_ACTIONS}"
        super().__init__(required=True, error_messages={"required": f"is missing: send a string, one of {_ACTIONS}",
                                                        "null": must, "invalid": must},
                         validate=validate.OneOf(ACTION_NAMES, error=f"is not one of {_ACTIONS}"),
                         **kw)


class CommentIds(fields.Field):
    """The whole list is one answer ("ids must be …"), not one message per bad entry."""

    MESSAGE = f"must be a list of 1 to {MAX_IDS} comment ids (integers)"
    default_error_messages = {"null": MESSAGE}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kw: Any):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_IDS or not all(is_id(i) for i in value):
            raise ValidationError(self.MESSAGE)
        return value


class Versions(fields.Dict):
    # marshmallow formats its messages with str.format: braces doubled
    MESSAGE = 'must map ids to versions: {{"12": 3}}'

    def __init__(self, **kw: Any):
        number: ErrorMessages = {"invalid": self.MESSAGE, "null": self.MESSAGE}
        super().__init__(keys=fields.Integer(validate=validate.Range(1, MAX_ID, error=self.MESSAGE),
                                             error_messages=number),
                         values=fields.Integer(validate=validate.Range(0, MAX_ID, error=self.MESSAGE),
                                               error_messages=number),
                         allow_none=True, error_messages={"invalid": self.MESSAGE}, **kw)


class ActionSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    action = ActionField()
    version = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, MAX_ID),
                             error_messages={"invalid": "must be the integer `version` of the comment you saw"})


class ReplySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    # the length is the service's to refuse (422, as the page does): see MAX_REPLY
    text = fields.String(required=True, error_messages=_messages("the reply as a string"))


_NO_LIMIT = "is not a string; send a string, or null (or leave the key out) for no limit"


class FilterSchema(Schema):
    class Meta:
        unknown = RAISE

    status, site, post, author, q, date_from, date_to = (
        fields.String(allow_none=True, error_messages={"invalid": _NO_LIMIT}) for _ in range(7))


class BulkSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    action = ActionField()
    ids = CommentIds()
    versions = Versions()
    filter = fields.Nested(FilterSchema, error_messages=dict.fromkeys(
        ("invalid", "null", "type"), 'must be an object like {{"status": "pending"}}'))

    @validates_schema
    def one_scope(self, data: Any, **kw: Any):
        if ("ids" in data) == ("filter" in data):
            raise ValidationError("Send exactly one of `ids` (a list of comment ids) or `filter`.")


def _say(error: dict) -> str:
    """``field=value is not …`` where the message describes the value sent, else ``field must …``."""
    if error["field"] == "body":
        return error["message"]
    if error["message"].startswith("is not") and error["value"] is not None:
        return f"{error['field']}={json.dumps(error['value'])} {error['message']}"
    return f"{error['field']} {error['message']}"


def explain(errors: list[dict], data: dict) -> tuple[int, str, str]:
    """Each bad field in words; an action that is not even a string is 422 (what this API has
    always answered for it), any other mistake 400."""
    detail = "; ".join(_say(e) for e in errors)
    if any(e["field"] == "action" for e in errors) and not isinstance(data.get("action"), str):
        return 422, "Invalid action", detail
    return 400, "Invalid input", detail


def load_body(schema: Schema, example: str):
    return load_json(schema, example=example, explain=explain)


# -- routes ------------------------------------------------------------------
@bp.get("/comments")
def list_comments():
    try:
        flt = service().inbox_filter(request.args)
        after = cursors.decode(request.args.get("cursor"))
        limit = int(request.args.get("limit") or 50)
    except ValueError as exc:
        return problem(400, "Invalid filter", str(exc))
    if not 1 <= limit <= MAX_LIMIT:
        return problem(400, "Invalid filter", f"limit={limit} must be between 1 and {MAX_LIMIT}")
    if flt.site and not may_see_site(flt.site):
        return problem(404, "No such site", f"There is no site {flt.site!r} you may see.")
    rows, next_key = bridge().store.inbox_page(flt, allowed_sites(), after=after, limit=limit)
    return jsonify({"comments": [public(r) for r in rows], "next_cursor": cursors.encode(next_key),
                    "filter": flt.as_dict()})


@bp.get("/comments/<int:comment_id>")
def get_comment(comment_id: int):
    store = bridge().store
    comment = store.inbox_comment(comment_id, allowed_sites())
    if comment is None:
        return problem(404, "No such comment", f"There is no comment {comment_id} you may see.")
    body = public(comment)
    parent = store.parents_of([comment]).get(comment_id)
    body["parent"] = ({"id": parent["id"], "author_name": parent["author_name"],
                       "content_text": parent["content_text"], "status": parent["status"]} if parent else None)
    body["history"] = [{k: h[k] for k in ("actor", "action", "from_status", "to_status", "origin", "writeback",
                                         "job_state", "detail", "created_at")}
                       for h in store.comment_history(comment_id)]
    return jsonify(body)


@bp.post("/comments/<int:comment_id>/actions")
def comment_action(comment_id: int):
    data, error = load_body(ActionSchema(), '{"action": "approve", "version": 3}')
    if error:
        return error
    outcome = service().decide_one(g.user, comment_id, data["action"], data.get("version"))
    if outcome.missing:
        return problem(404, "No such comment", outcome.message)
    if outcome.conflict:
        current = outcome.comment or {}
        return problem(409, "Changed since you saw it", outcome.message, current_version=current.get("version"),
                       current_status=current.get("status"), site_change=current.get("site_change"))
    if not outcome.ok:
        return problem(422, "Not applied", outcome.message)
    return jsonify(public(outcome.comment))


@bp.post("/comments/<int:comment_id>/replies")
def comment_reply(comment_id: int):
    data, error = load_body(ReplySchema(), '{"text": "Thanks for writing!"}')
    if error:
        return error
    if bridge().store.inbox_comment(comment_id, allowed_sites()) is None:
        return problem(404, "No such comment", f"There is no comment {comment_id} you may see.")
    ok, message = service().reply_to(g.user, comment_id, data["text"])
    if not ok:
        return problem(422, "Reply not queued", message)
    return jsonify({"queued": True, "detail": message, "comment": public(
        bridge().store.inbox_comment(comment_id, None))}), 202


def _bulk_body(result: BulkOutcome) -> dict:
    return {"applied": result.applied,
            "conflicts": [{"id": o.comment_id, "detail": o.message,
                           "current_version": (o.comment or {}).get("version")} for o in result.conflicts],
            "failed": [{"id": o.comment_id, "detail": o.message} for o in result.failed],
            "remaining": result.remaining}


def _bulk_ids(action: str, ids: list[int], versions: dict[int, int]):
    """Listed comments: all must be ones the caller may moderate, else nothing is done."""
    if allowed_sites() is not None:
        hidden = service().hidden(g.user, ids)
        if hidden:
            return problem(404, "No such comments",
                           f"There are no comments {', '.join(map(str, hidden[:20]))} you may moderate; "
                           "nothing was done.")
    return jsonify(_bulk_body(service().decide_many(g.user, action, ids, versions)))


def _bulk_filter(action: str, raw: dict):
    """Every comment matching the filter (up to BULK_LIMIT per call) on the caller's sites."""
    try:
        flt = service().inbox_filter({k: v for k, v in raw.items() if v is not None})
    except ValueError as exc:
        return problem(400, "Invalid filter", str(exc))
    if flt.site and not may_see_site(flt.site):
        return problem(404, "No such site", f"There is no site {flt.site!r} you may moderate; nothing was done.")
    return jsonify(_bulk_body(service().decide_matching(g.user, action, flt)))


@bp.post("/comments/actions")
def bulk_action():
    data, error = load_body(BulkSchema(), '{"action": "spam", "ids": [1, 2]} or {"action": "spam", '
                                          '"filter": {"status": "pending", "site": "corp"}}')
    if error:
        return error
    if "ids" in data:
        return _bulk_ids(data["action"], data["ids"], data.get("versions") or {})
    return _bulk_filter(data["action"], data["filter"])


# -- OpenAPI -------------------------------------------------------------------
_nullable_str = {"type": ["string", "null"]}
add_schema("Comment", {"type": "object", "required": ["id", "site_id", "status", "version", "date_gmt"], "properties": {
    "id": {"type": "integer"}, "site_id": {"type": "string"}, "remote_id": {"type": "string"},
    "parent_id": {"type": ["integer", "null"]}, "remote_parent_id": _nullable_str,
    "post_id": {"type": "string"}, "post_title": {"type": "string"}, "post_url": _nullable_str, "link": _nullable_str,
    "author_name": {"type": "string"}, "author_url": _nullable_str, "author_key": _nullable_str,
    "content_text": {"type": "string"}, "content_html": {"type": "string", "description": "sanitised HTML"},
    "status": {"type": "string", "enum": list(STATUSES)}, "remote_status": {"type": "string"},
    "date_gmt": {"type": "string"}, "version": {"type": "integer",
                                                "description": "send it back with an action to refuse stale ones"},
    "site_change": _nullable_str, "site_change_at": _nullable_str,
    "writeback_state": {"type": ["string", "null"], "enum": ["pending", "done", "failed", None]},
    "writeback_error": _nullable_str,
    "held_because": {"type": "array", "description": "why the site held it when it arrived, in its own terms "
                     "(WordPress with the connector plugin; empty when the site gave none)",
                     "items": {"type": "object", "required": ["code", "detail"], "properties": {
                         "code": {"type": "string"}, "detail": {"type": "string"}}}}}})
add_schema("CommentDetail", {"allOf": [{"$ref": "#/components/schemas/Comment"}], "type": "object", "properties": {
    "parent": {"type": ["object", "null"]},
    "history": {"type": "array", "items": {"type": "object", "properties": {
        "actor": {"type": "string"}, "action": {"type": "string"}, "from_status": _nullable_str,
        "to_status": _nullable_str, "origin": {"type": "string"}, "writeback": _nullable_str,
        "job_state": _nullable_str, "detail": _nullable_str, "created_at": {"type": "string"}}}}}})
add_schema("CommentBulkResult", {"type": "object", "required": ["applied", "conflicts", "failed", "remaining"],
                          "properties": {
    "applied": {"type": "array", "items": {"type": "integer"}},
    "conflicts": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "detail": {"type": "string"}, "current_version": {"type": ["integer", "null"]}}}},
    "failed": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "integer"}, "detail": {"type": "string"}}}},
    "remaining": {"type": "integer", "description": f"still matching after this call (at most {BULK_LIMIT} "
                                                    "are decided per call)"}}})
# An empty string (what an empty form field sends) means "no limit", as leaving the
# parameter out does; dates are parsed by datetime.fromisoformat, so a day
# (YYYY-MM-DD) or a full ISO 8601 time are both accepted, and anything else is a 400.
_DATE = {"type": "string", "description": "a day (YYYY-MM-DD) or an ISO 8601 time; empty: no bound"}
_filter_props: dict[str, dict[str, Any]]
_filter_props = {"status": {"type": "string", "enum": [*STATUSES, "flagged", "all", ""], "default": "pending",
                            "description": "empty: pending; flagged: pending comments with a watch-list word"},
                 "site": {"type": "string", "description": "empty: every site you may see"},
                 "post": {"type": "string"},
                 "author": {"type": "string", "description": "author_key of a commenter"},
                 "q": {"type": "string", "description": "full-text search in text and author name"},
                 "date_from": _DATE, "date_to": _DATE}
#: in a bulk `filter` object every key may also be null, meaning the same as leaving it out
_bulk_filter_props = {k: {**v, "type": ["string", "null"], **({"enum": [*v["enum"], None]} if "enum" in v else {}),
                          "description": (v.get("description", "") + "; null: as if left out").lstrip("; ")}
                      for k, v in _filter_props.items()}
_action = {"type": "string", "enum": list(ACTION_NAMES)}
_id_param = {"name": "comment_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


add_path("/comments", "get", {
    "summary": "Comments of the inbox, newest first (keyset pagination)",
    "parameters": [{"name": k, "in": "query", "schema": v} for k, v in _filter_props.items()
                   if k not in ("date_from", "date_to")] + [
        {"name": "from", "in": "query", "schema": _DATE},
        {"name": "to", "in": "query", "schema": _DATE},
        {"name": "cursor", "in": "query", "schema": {"type": "string"}, "description": "next_cursor of the last page"},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}],
    "responses": {"200": {"description": "a page", "content": _json({
        "type": "object", "required": ["comments", "next_cursor"], "properties": {
            "comments": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
            "next_cursor": _nullable_str, "filter": {"type": "object"}}})},
        **error_responses(400, 401, 404)}})
add_path("/comments/{comment_id}", "get", {
    "summary": "One comment with its parent and decision history", "parameters": [_id_param],
    "responses": {"200": {"description": "the comment",
                          "content": _json({"$ref": "#/components/schemas/CommentDetail"})},
                  **error_responses(401, 404)}})
add_path("/comments/{comment_id}/actions", "post", {
    "summary": "Decide about a comment; written back to its site through the outbox",
    "parameters": [_id_param],
    "requestBody": {"required": True, "content": _json({"type": "object", "required": ["action"], "properties": {
        "action": _action, "version": {"type": "integer", "description": "the version you saw; 409 if it changed"}}})},
    "responses": {"200": {"description": "the comment, status set, write-back pending",
                          "content": _json({"$ref": "#/components/schemas/Comment"})},
                  **error_responses(400, 401, 403, 404, 409, 422)}})
add_path("/comments/{comment_id}/replies", "post", {
    "summary": "Reply as the site's connected account (posted by the outbox)", "parameters": [_id_param],
    "requestBody": {"required": True, "content": _json({"type": "object", "required": ["text"], "properties": {
        "text": {"type": "string", "maxLength": MAX_REPLY,
                 "description": "the reply; empty or only whitespace is refused with 422"}}})},
    "responses": {"202": {"description": "queued", "content": _json({"type": "object", "properties": {
        "queued": {"type": "boolean"}, "detail": {"type": "string"},
        "comment": {"$ref": "#/components/schemas/Comment"}}})},
        **error_responses(400, 401, 403, 404),
        "422": {**error_responses(422)["422"], "description": "Reply not queued: the text is empty (or only "
                "whitespace) or longer than 10,000 characters once trimmed, or the site cannot take replies; "
                "`detail` says which"}}})
add_path("/comments/actions", "post", {
    "summary": "Decide about several comments: listed ids, or every comment matching a filter",
    "requestBody": {"required": True, "content": _json({"oneOf": [
        {"type": "object", "required": ["action", "ids"], "properties": {
            "action": _action, "ids": {"type": "array", "items": {"type": "integer"}, "maxItems": MAX_IDS},
            "versions": {"type": "object", "additionalProperties": {"type": "integer"}}}},
        {"type": "object", "required": ["action", "filter"], "properties": {
            "action": _action, "filter": {"type": "object", "additionalProperties": False,
                                          "properties": _bulk_filter_props}}}]})},
    "responses": {"200": {"description": "what was applied",
                          "content": _json({"$ref": "#/components/schemas/CommentBulkResult"})},
                  **error_responses(400, 401, 403, 404)}})
