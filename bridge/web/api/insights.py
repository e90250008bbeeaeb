"""``GET /api/v1/insights``: the numbers of the insights page as JSON (the same
figures, rows and columns as the page's tables and CSV downloads)."""
from __future__ import annotations

from flask import jsonify, request

from ...insights import FIGURES, MAX_DAYS, PRESET_DAYS, InsightsError
from ..insights import insights_problem, load
from . import bp
from .openapi import add_path, error_responses


@bp.get("/insights")
def insights():
    try:
        return jsonify(load(request.args))
    except InsightsError as exc:
        return insights_problem(exc)


_CELL = {"type": ["string", "number", "null"]}
add_path("/insights", "get", {
    "summary": "Insights figures for a date range (UTC days, both ends included) and site",
    "description": "Each figure is a list of rows with the columns named in the schema. Editors get their "
                   f"sites only. At most {MAX_DAYS} days; without from/to the last `days` days "
                   f"({', '.join(map(str, PRESET_DAYS))}; default 30). Percentiles (p50_s, p95_s) are the upper "
                   "bound in seconds of the histogram bucket holding them; null when there is nothing or it lies "
                   "beyond 30 days.",
    "parameters": [
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}},
        {"name": "days", "in": "query", "schema": {"type": "integer", "enum": list(PRESET_DAYS)}},
        {"name": "site", "in": "query", "schema": {"type": "string"}}],
    "responses": {"200": {"description": "figures", "content": {"application/json": {"schema": {
        "type": "object", "properties": {
            "range": {"type": "object", "properties": {"from": {"type": "string", "format": "date"},
                                                       "to": {"type": "string", "format": "date"},
                                                       "days": {"type": "integer"}}},
            "sites": {"type": "array", "items": {"type": "string"}},
            "figures": {"type": "object", "properties": {
                name: {"type": "array", "description": title, "items": {
                    "type": "object", "properties": {c: _CELL for c in columns}}}
                for name, (title, columns) in FIGURES.items()}}}}}}},
        **error_responses(400, 401, 403, 422)}})
