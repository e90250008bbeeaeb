"""The dashboard and the outbox's "needs attention" screen."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .access import allowed_sites, bridge, config_file_in_use, safe_next

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    """What needs someone now: comments to moderate, items to curate, failed
    write-backs, sites and sources in trouble — each linking to where it is handled."""
    store = bridge().store
    visible = allowed_sites()
    sites = [s for s in store.list_sites() if visible is None or s["id"] in visible]
    counts = store.inbox_counts(visible)
    items = store.count_items_by_state()
    failed_jobs = [j for j in bridge().outbox.list(state="failed", limit=500)
                   if visible is None or j["site_id"] is None or j["site_id"] in visible]
    broken_sources = [s for s in store.list_sources() if s["status"] == "error"]
    return render_template("home.html", sites=sites, comment_counts=counts,
                           to_curate=items.get("pending", 0) + items.get("flagged", 0), flagged=items.get("flagged", 0),
                           failed_jobs=len(failed_jobs), broken_sources=broken_sources,
                           job_counts=store.count_jobs_by_state(), config_path=config_file_in_use())


@bp.route("/jobs")
def jobs():
    state = request.args.get("state") or "failed"
    visible = allowed_sites()
    rows = [j for j in bridge().outbox.list(state=state, limit=200)
            if visible is None or j["site_id"] is None or j["site_id"] in visible]
    about = bridge().store.job_comments([j["id"] for j in rows])  # which comment a write-back job is about
    return render_template("jobs.html", jobs=rows, state=state, counts=bridge().store.count_jobs_by_state(),
                           about=about)


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
def retry_job(job_id: int):
    job = bridge().store.get_job(job_id)
    visible = allowed_sites()
    if job is None or (visible is not None and job["site_id"] not in visible):
        flash(_("Job %(id)s does not exist.", id=job_id), "error")
    elif bridge().outbox.retry(job_id):
        flash(_("Job %(id)s is queued again; the next sync runs it.", id=job_id), "ok")
    else:
        flash(_("Job %(id)s is %(state)s, not failed: nothing to retry.", id=job_id, state=job["state"]), "error")
    return redirect(safe_next(request.form.get("back"), url_for("pages.jobs")))
