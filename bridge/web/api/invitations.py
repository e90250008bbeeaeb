"""Invitations over the API: create a contributor link, list, read (with what came
in), revoke. The same service calls and site limits as the editors' pages; every
mistake is problem+json naming the field, the value sent and the fix."""
from __future__ import annotations

from flask import g, jsonify

from ...curation import CurationError
from ..access import allowed_sites
from ..bodies import load_body
from ..invitations import InvitationSchema, create, service
from . import bp
from .items import curation_problem
from .openapi import add_path, error_responses

_KEYS = ("id", "name", "targets", "status", "expires_at", "max_submissions", "submissions", "consent_text",
         "consent_version", "trusted", "rules", "source_id", "created_by", "created_at", "revoked_at", "revoked_by")


def invitation_json(inv: dict) -> dict:
    return {k: inv.get(k) for k in _KEYS}


def contribution_json(c: dict) -> dict:
    return {"id": c["id"], "item_id": c["item_id"], "item_state": c["item_state"], "name": c["name"],
            "email": c["email"], "consent": {"text": c["consent_text"], "version": c["consent_version"],
                                             "at": c["consented_at"], "withdrawn_at": c["withdrawn_at"]},
            "removed_metadata": c["removed_metadata"], "created_at": c["created_at"]}


@bp.post("/invitations")
def api_create_invitation():
    data, error = load_body(InvitationSchema())
    if error:
        return error
    try:
        invitation, url = create(data)
    except CurationError as exc:
        return curation_problem(exc)
    return jsonify({**invitation_json(service().invitation(invitation["id"], None)), "url": url}), 201


@bp.get("/invitations")
def api_list_invitations():
    return jsonify({"invitations": [invitation_json(i) for i in service().invitations(allowed_sites())]})


@bp.get("/invitations/<int:invitation_id>")
def api_get_invitation(invitation_id: int):
    try:
        inv = service().invitation(invitation_id, allowed_sites())
    except CurationError as exc:
        return curation_problem(exc)
    return jsonify({**invitation_json(inv),
                    "contributions": [contribution_json(c) for c in service().contributions(invitation_id)]})


@bp.post("/invitations/<int:invitation_id>/revoke")
def api_revoke_invitation(invitation_id: int):
    try:
        inv = service().revoke(invitation_id, actor=g.user["username"], allowed=allowed_sites())
    except CurationError as exc:
        return curation_problem(exc)
    return jsonify(invitation_json(inv))


_ID = {"name": "invitation_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_OBJ = {"application/json": {"schema": {"type": "object"}}}
add_path("/invitations", "post", {
    "summary": "Create an invitation link for contributors (the `url` carries its token and is returned only "
               "here)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["name", "targets"], "properties": {
            "name": {"type": "string"}, "targets": {"type": "array", "items": {"type": "string"}},
            "expires_at": {"type": "string", "format": "date-time"}, "max_submissions": {"type": "integer"},
            "consent_text": {"type": "string"}, "trusted": {"type": "boolean"},
            "rules": {"type": "object", "properties": {"banned": {"type": "array", "items": {"type": "string"}},
                                                       "suspect": {"type": "array",
                                                                   "items": {"type": "string"}}}}}}}}},
    "responses": {"201": {"description": "the invitation with its `url`", "content": _OBJ},
                  **error_responses(400, 401, 403)}})
add_path("/invitations", "get", {
    "summary": "Invitations (for your sites), newest first",
    "responses": {"200": {"description": "`invitations`", "content": _OBJ}, **error_responses(401)}})
add_path("/invitations/{invitation_id}", "get", {
    "summary": "One invitation with what came in through it (contributor, consent evidence, removed metadata)",
    "parameters": [_ID],
    "responses": {"200": {"description": "the invitation", "content": _OBJ}, **error_responses(401, 404)}})
add_path("/invitations/{invitation_id}/revoke", "post", {
    "summary": "Revoke: the link answers 410 from now on; what came in stays", "parameters": [_ID],
    "responses": {"200": {"description": "the revoked invitation", "content": _OBJ},
                  **error_responses(401, 403, 404, 409)}})
