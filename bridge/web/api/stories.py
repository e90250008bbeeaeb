"""Stories over the API: make one, add and remove items, reorder and caption them,
retract it. The stories service checks every value (and the editor's sites); a
refusal comes back as problem+json naming the field, the value sent and the fix."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, jsonify, url_for
from marshmallow import fields

from ...curation import CurationError
from ...stories import ORDER_MODES, STORY_STATES
from ..access import allowed_sites, bridge
from ..bodies import Strict, load_body, messages_for
from . import bp
from .items import curation_problem
from .openapi import add_path, add_schema, error_responses


def service():
    return bridge().stories


class StoryCreateSchema(Strict):
    """The keys of a new story. Their values are the stories service's to check (the
    editors' pages send the same values), so each refusal names its field either way."""

    title = fields.Raw(required=True, allow_none=True, error_messages=messages_for("the story's title"))
    sites = fields.Raw(required=True, allow_none=True, error_messages=messages_for('site ids, e.g. ["corp"]'))
    intro, items, rule, order = (fields.Raw(allow_none=True) for _ in range(4))


class StoryPatchSchema(Strict):
    """What a change may name; only the keys sent reach the service (no defaults)."""

    title, intro, rule, order, item_order, items = (fields.Raw(allow_none=True) for _ in range(6))


class StoryItemsAddSchema(Strict):
    items = fields.Raw(required=True, allow_none=True, error_messages=messages_for("item ids, e.g. [3, 4]"))
    position = fields.Raw(allow_none=True)


def entry_json(entry: dict) -> dict:
    item = entry["item"] or {}
    return {"id": entry["item_id"], "position": entry["position"], "caption": entry["caption"],
            "pinned": bool(entry["pinned"]), "hidden": bool(entry["hidden"]), "shown": entry["shown"],
            "why_not": entry["why_not"], "added_by": entry["added_by"],
            "item": {k: item.get(k) for k in ("title", "text", "author_name", "author_url", "url", "network",
                                               "state", "consent_state")}}


def story_json(story: dict, *, detail: bool = True) -> dict:
    allowed = allowed_sites()
    out = {k: story[k] for k in ("id", "title", "intro", "sites", "rule", "state", "revision", "created_by",
                                 "created_at", "updated_at")}
    out["order"] = story["order_mode"]
    out["editor_url"] = url_for("stories.editor", story_id=story["id"])
    out["publications"] = [{"site_id": p["site_id"], "state": p["shown_state"], "remote_url": p["remote_url"],
                            "published_revision": p["published_revision"],
                            "reason": p["job_error"] if p["shown_state"] in ("retrying", "failed") else None}
                           for p in service().publications(story["id"], allowed)]
    if detail:
        out["items"] = [entry_json(e) for e in service().entries(story)]
    else:
        out["item_count"] = story.get("item_count", 0)
    return out


def _answer(call: Callable[[], Any], status: int = 200):
    try:
        return jsonify(story_json(call())), status
    except CurationError as exc:
        return curation_problem(exc)


@bp.get("/stories")
def list_stories():
    return jsonify({"stories": [story_json(s, detail=False) for s in service().list(allowed_sites())]})


@bp.post("/stories")
def create_story():
    data, error = load_body(StoryCreateSchema(), example='{"title": "Our turbine", "sites": ["corp"]}')
    if error:
        return error
    return _answer(lambda: service().create(actor=g.user["username"], allowed=allowed_sites(), **data), 201)


@bp.get("/stories/<int:story_id>")
def get_story(story_id: int):
    return _answer(lambda: service().get(story_id, allowed_sites()))


@bp.patch("/stories/<int:story_id>")
def update_story(story_id: int):
    data, error = load_body(StoryPatchSchema(), example='{"title": "Our turbine, day 2"}')
    if error:
        return error
    return _answer(lambda: service().update(story_id, data, actor=g.user["username"], allowed=allowed_sites()))


@bp.post("/stories/<int:story_id>/items")
def add_story_items(story_id: int):
    data, error = load_body(StoryItemsAddSchema(), example='{"items": [3, 4]}')
    if error:
        return error
    return _answer(lambda: service().add_items(story_id, data["items"], position=data.get("position"),
                                               actor=g.user["username"], allowed=allowed_sites()))


@bp.delete("/stories/<int:story_id>/items/<int:item_id>")
def remove_story_item(story_id: int, item_id: int):
    return _answer(lambda: service().remove_item(story_id, item_id, actor=g.user["username"],
                                                 allowed=allowed_sites()))


@bp.post("/stories/<int:story_id>/retract")
def retract_story(story_id: int):
    return _answer(lambda: service().retract(story_id, actor=g.user["username"], allowed=allowed_sites()))


# -- OpenAPI -----------------------------------------------------------------
_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_ID = {"name": "story_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_RULE = {"type": ["object", "null"], "additionalProperties": False, "description": "a living story's rule: "
         "items approved later that match join it", "properties": {
             "sources": {"type": "array", "items": _STR, "description": "source ids; [] = every source"},
             "contains": {"type": "string", "minLength": 1, "maxLength": 200, "example": "#turbine"}}}
add_schema("StoryItem", {"type": "object", "properties": {
    "id": {"type": "integer", "description": "the item's id"}, "position": {"type": "integer"}, "caption": _STR,
    "pinned": {"type": "boolean"}, "hidden": {"type": "boolean"},
    "shown": {"type": "boolean", "description": "whether the site shows it (approved, consent, not hidden)"},
    "why_not": _NSTR, "added_by": _STR, "item": {"type": "object"}}})
add_schema("Story", {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": _STR, "intro": _STR, "sites": {"type": "array", "items": _STR},
    "rule": _RULE, "order": {"type": "string", "enum": list(ORDER_MODES)},
    "state": {"type": "string", "enum": list(STORY_STATES)}, "revision": {"type": "integer"},
    "created_by": _STR, "created_at": _STR, "updated_at": _STR, "editor_url": _STR,
    "item_count": {"type": "integer", "description": "only in the list"},
    "items": {"type": "array", "items": {"$ref": "#/components/schemas/StoryItem"},
              "description": "in the order the site shows them; not in the list"},
    "publications": {"type": "array", "items": {"type": "object", "properties": {
        "site_id": _STR, "state": _STR, "remote_url": _NSTR, "published_revision": {"type": ["integer", "null"]},
        "reason": _NSTR}}}}})
_IDS = {"type": "array", "items": {"type": "integer"}, "maxItems": 200}
add_schema("StoryCreate", {"type": "object", "required": ["title", "sites"], "additionalProperties": False,
                           "properties": {"title": {"type": "string", "maxLength": 255}, "intro": _STR,
                                          "sites": {"type": "array", "items": _STR, "minItems": 1},
                                          "items": _IDS, "rule": _RULE,
                                          "order": {"type": "string", "enum": list(ORDER_MODES)}}})
add_schema("StoryItemsAdd", {"type": "object", "required": ["items"], "additionalProperties": False,
                             "properties": {"items": {**_IDS, "minItems": 1},
                                            "position": {"type": "integer", "minimum": 0}}})
add_schema("StoryPatch", {"type": "object", "additionalProperties": False, "properties": {
    "title": {"type": "string", "maxLength": 255}, "intro": _STR, "rule": _RULE,
    "order": {"type": "string", "enum": list(ORDER_MODES)},
    "item_order": {**_IDS, "description": "every item id of the story once, in the new order"},
    "items": {"type": "array", "items": {"type": "object", "required": ["id"], "additionalProperties": False,
                                         "properties": {"id": {"type": "integer"}, "caption": _STR,
                                                        "pinned": {"type": "boolean"},
                                                        "hidden": {"type": "boolean"}}}}}})


def _body_ref(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _story(code: str, description: str) -> dict:
    return {code: {"description": description, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Story"}}}}}


add_path("/stories", "get", {"summary": "The stories on the user's sites, last changed first", "responses": {
    "200": {"description": "stories", "content": {"application/json": {"schema": {"type": "object", "properties": {
        "stories": {"type": "array", "items": {"$ref": "#/components/schemas/Story"}}}}}}},
    **error_responses(401)}})
add_path("/stories", "post", {
    "summary": "Make a story: one post per site, updated in place as items join. Items not approved yet are "
               "approved for the story (the usual consent checks); sites that cannot update posts are refused (409).",
    "requestBody": _body_ref("StoryCreate"),
    "responses": {**_story("201", "the story; its posts are queued"), **error_responses(400, 401, 403, 404, 409)}})
add_path("/stories/{story_id}", "get", {"summary": "One story with its items in order and its posts per site",
                                        "parameters": [_ID],
                                        "responses": {**_story("200", "the story"), **error_responses(401, 404)}})
add_path("/stories/{story_id}", "patch", {
    "summary": "Change the title, intro, rule, order mode, the items' order, captions, pinned and hidden",
    "parameters": [_ID], "requestBody": _body_ref("StoryPatch"),
    "responses": {**_story("200", "changed; one update per site is queued"),
                  **error_responses(400, 401, 403, 404, 409)}})
add_path("/stories/{story_id}/items", "post", {
    "summary": "Add items (at `position`, else where the story's order puts joining items)",
    "parameters": [_ID], "requestBody": _body_ref("StoryItemsAdd"),
    "responses": {**_story("200", "added; one update per site is queued"),
                  **error_responses(400, 401, 403, 404, 409)}})
add_path("/stories/{story_id}/items/{item_id}", "delete", {
    "summary": "Take an item out of the story (it stays approved)",
    "parameters": [_ID, {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {**_story("200", "removed; one update per site is queued"), **error_responses(401, 403, 404, 409)}})
add_path("/stories/{story_id}/retract", "post", {
    "summary": "Take the story's post down on every site", "parameters": [_ID],
    "responses": {**_story("200", "unpublish jobs queued"), **error_responses(401, 403, 404, 409)}})
