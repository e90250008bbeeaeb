"""The JSON API under /api/v1 (bearer token or session + CSRF header).

Route modules attach to ``bp`` and describe themselves in :mod:`.openapi`; a
test compares the document with the app's URL map so neither drifts. A new
module is imported at the end of this file (importing it adds its routes).
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from .openapi import build_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

@bp.get("/openapi.json")
def openapi():
    return jsonify(build_document())


@bp.get("/me")
def me():
    user = g.user
    return jsonify({"username": user["username"], "role": user["role"], "sites": user["sites"]})


# The route modules: each adds its routes to ``bp`` when imported (after ``bp`` exists).
from . import comments, insights, invitations, items, jobs, stories  # noqa: E402,F401
