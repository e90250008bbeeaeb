"""Outbox jobs over the API: list them, retry a failed one."""
from __future__ import annotations

from flask import jsonify, request

from ..access import allowed_sites, bridge
from ..problems import problem
from . import bp
from .openapi import add_path, add_schema, error_responses

JOB_STATES = ("queued", "running", "done", "failed", "superseded")


def _public(job: dict) -> dict:
    keys = ("id", "kind", "site_id", "state", "attempts", "max_attempts", "last_error", "created_at",
            "updated_at", "finished_at")
    return {k: job[k] for k in keys}


@bp.get("/jobs")
def list_jobs():
    state = request.args.get("state")
    if state is not None and state not in JOB_STATES:
        return problem(400, "Invalid filter", f"state={state!r} is not one of {', '.join(JOB_STATES)}")
    visible = allowed_sites()
    jobs = [j for j in bridge().outbox.list(state=state, site_id=request.args.get("site"), limit=500)
            if visible is None or j["site_id"] is None or j["site_id"] in visible]
    return jsonify({"jobs": [_public(j) for j in jobs]})


@bp.post("/jobs/<int:job_id>/retry")
def retry_job(job_id: int):
    job = bridge().store.get_job(job_id)
    visible = allowed_sites()
    if job is None or (visible is not None and job["site_id"] not in visible):
        return problem(404, "No such job", f"There is no job {job_id}.")
    if not bridge().outbox.retry(job_id):
        return problem(409, "Not failed", f"Job {job_id} is {job['state']}; only failed jobs can be retried.")
    return jsonify(_public(bridge().store.get_job(job_id)))


add_schema("Job", {"type": "object", "properties": {
    "id": {"type": "integer"}, "kind": {"type": "string"}, "site_id": {"type": ["string", "null"]},
    "state": {"type": "string", "enum": list(JOB_STATES)}, "attempts": {"type": "integer"},
    "max_attempts": {"type": "integer"}, "last_error": {"type": ["string", "null"]},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "finished_at": {"type": ["string", "null"]}}})
add_path("/jobs", "get", {
    "summary": "Outbox jobs (newest first)",
    "parameters": [{"name": "state", "in": "query", "schema": {"type": "string", "enum": list(JOB_STATES)}},
                   {"name": "site", "in": "query", "schema": {"type": "string"}}],
    "responses": {"200": {"description": "jobs", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}}}}}}},
        **error_responses(400, 401)}})
add_path("/jobs/{job_id}/retry", "post", {
    "summary": "Queue a failed job again",
    "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "responses": {"200": {"description": "the job", "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Job"}}}}, **error_responses(401, 403, 404, 409)}})
