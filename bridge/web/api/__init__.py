"""The JSON API under /api/v1 (bearer token or session + CSRF header).

Route modules attach to ``bp`` and describe themselves in :mod:`.openapi`; a
test compares the document with the app's URL map so neither drifts.
"""
from __future__ import annotations

import importlib

from flask import Blueprint, g, jsonify

from .openapi import build_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: modules that add routes to ``bp``
ROUTE_MODULES: tuple[str, ...] = ("bridge.web.api.jobs", "bridge.web.api.comments", "bridge.web.api.items",
                                 "bridge.web.api.stories", "bridge.web.api.insights")


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_document())


@bp.get("/me")
def me():
    user = g.user
    return jsonify({"username": user["username"], "role": user["role"], "sites": user["sites"]})


for _name in ROUTE_MODULES:
    importlib.import_module(_name)
