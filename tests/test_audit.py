"""The audit log (admins only) and the per-comment history, and the outbox's
"needs attention" list naming the comment a failed write-back is about."""
from __future__ import annotations

import re

from tests.inbox_helpers import add_comment


def _log(store, comment_id, site, actor, action, frm, to, job_id=None, writeback="pending"):
    with store.write() as db:
        db.execute("INSERT INTO moderation_log (comment_id, site_id, remote_id, actor, action, from_status, to_status, "
                   "origin, job_id, writeback, created_at) VALUES (?, ?, '', ?, ?, ?, ?, 'inbox', ?, ?, ?)",
                   [comment_id, site, actor, action, frm, to, job_id, writeback, store.now_iso()])


def test_audit_log_filters_by_user_site_and_action(app, bridge, client, auth):
    store = bridge.store
    a = add_comment(store, site="a", author="Ann", post_title="Turbines")
    b = add_comment(store, site="b", author="Ben")
    _log(store, a, "a", "alice", "approve", "pending", "approved")
    _log(store, b, "b", "bob", "spam", "pending", "spam")
    _log(store, b, "b", "site", "site-change", "spam", "trash", writeback="n/a")
    auth.login()
    html = client.get("/audit").get_data(as_text=True)
    assert len(re.findall(r"<tr><td>", html)) == 3
    assert "Turbines" in html and f'href="/inbox/{a}"' in html
    one = client.get("/audit?user=bob").get_data(as_text=True)
    assert len(re.findall(r"<tr><td>", one)) == 1 and "bob" in one
    assert len(re.findall(r"<tr><td>", client.get("/audit?site=b").get_data(as_text=True))) == 2
    assert len(re.findall(r"<tr><td>", client.get("/audit?action=approve").get_data(as_text=True))) == 1
    assert client.get("/audit?before=x").status_code == 400
    # the nav shows it to admins
    assert 'href="/audit"' in client.get("/inbox").get_data(as_text=True)


def test_comment_history_and_failed_job_listed_with_its_comment(app, bridge, client, auth):
    store = bridge.store
    cid = add_comment(store, site="a", author="Ann", text="about the turbine", post_title="Turbines")
    job, _ = store.insert_job(kind="moderate", site_id="a", key=f"moderate:{cid}:1", payload={"comment_id": cid},
                              max_attempts=1, run_at=0)
    _log(store, cid, "a", "admin", "approve", "pending", "approved", job_id=job["id"])
    with store.write() as db:
        db.execute("UPDATE jobs SET state = 'failed', last_error = 'site said 500' WHERE id = ?", [job["id"]])
        db.execute("UPDATE comments SET status = 'approved', writeback_state = 'failed', "
                   "writeback_error = 'site said 500', writeback_job_id = ? WHERE id = ?", [job["id"], cid])
    auth.login()
    detail = client.get(f"/inbox/{cid}").get_data(as_text=True)
    assert "admin" in detail and "pending → approved" in detail
    assert re.search(r'failed: <span class="plain-error" title="site said 500">site said 500</span>', detail)
    row = client.get("/inbox?status=approved").get_data(as_text=True)
    # one line in plain words, with a Retry for exactly this job
    assert re.search(r"Not written back to a: <span [^>]+>site said 500</span>", row)
    assert f'action="/jobs/{job["id"]}/retry"' in row
    jobs = client.get("/jobs").get_data(as_text=True)
    assert f'href="/inbox/{cid}">comment #{cid}</a> by Ann' in jobs and "Retry" in jobs
