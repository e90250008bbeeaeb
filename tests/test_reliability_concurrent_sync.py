"""Several `cms-bridge sync` processes at once on one database never process a job
twice: counted on the harness's real WordPress (one post per publication, one
attachment per image, one reply per replied comment) and in the jobs themselves
(each done after exactly one attempt).

Two layers keep it so, and each is tested: the per-site sync lock (what real
concurrent `cms-bridge sync` runs meet: the others skip, or wait with --wait), and
under it the outbox's leases (``claim_jobs`` takes due jobs in one UPDATE …
RETURNING), exercised by outbox workers that run at once without the lock.
"""
from __future__ import annotations

import re
import subprocess
import threading
import time
from collections import Counter

import pytest

from bridge import clock as clock_mod
from tests.outage_kit import WP_STATUS, config_file, queue_work, site_state
from tests.reliability_kit import EXE
from tests.wp_bridge_helpers import image_file, wp_bridge

pytestmark = pytest.mark.wordpress

SOURCES = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["wp"]}]
ENVIRON = {"TEAM_SECRET": "whsec_" + "A" * 32}
PROCESSES = 6


def _bridge(tmp_path, wp):
    # the real clock: the jobs must be due for the subprocesses, which use it too
    return wp_bridge(tmp_path, wp, clock_mod.now, raw={"sources": SOURCES}, environ=ENVIRON)


def _check_applied_once(bridge, wp, queued, before, jobs_expected: int) -> None:
    jobs = bridge.store.list_jobs(limit=10_000)
    assert len(jobs) == jobs_expected
    assert Counter(j["state"] for j in jobs) == {"done": jobs_expected}
    assert {j["attempts"] for j in jobs} == {1}  # nobody ran a job a second time
    after = site_state(wp)
    statuses = {int(r["id"]): r["st"] for r in after["statuses"]}
    assert all(statuses[rid] == WP_STATUS[action] for rid, action in queued.decisions.items())
    assert Counter(int(r["parent"]) for r in after["replies"]) == Counter(list(queued.replies))
    assert Counter(after["posts"]) == Counter(queued.items.values())
    assert after["attachments"] - before["attachments"] == len(queued.items)


def test_concurrent_cms_bridge_sync_processes_process_each_job_once(tmp_path, wp):
    bridge = _bridge(tmp_path, wp)
    try:
        queued = queue_work(bridge, wp, image_file(tmp_path), decisions=20, replies=4, publications=6)
    finally:
        bridge.close()
    before = site_state(wp)
    config = config_file(tmp_path, wp)
    env = {"WP_PASSWORD": wp.app_password, **ENVIRON, "PATH": "/usr/bin:/bin"}
    # half wait for the site's lock (and then find nothing left), half skip when it is taken
    procs = [subprocess.Popen([EXE, "--config", config, "sync", "--no-sources", *(["--wait"] if i % 2 else [])],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(PROCESSES)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, outputs
    # every process either synced the site or said it skipped it; together they wrote
    # back each of the 30 jobs once
    written = [int(m) for out, _ in outputs for m in re.findall(r"^wp: .*?, (\d+) written back", out, re.M)]
    skipped = sum("wp: skipped, another sync of this site is running" in err for _, err in outputs)
    assert len(written) + skipped == PROCESSES and sum(written) == 30, outputs

    bridge = _bridge(tmp_path, wp)
    try:
        _check_applied_once(bridge, wp, queued, before, 30)
    finally:
        bridge.close()


def test_outbox_workers_running_at_once_without_the_site_lock_claim_each_job_once(tmp_path, wp):
    workers = [_bridge(tmp_path, wp) for _ in range(4)]  # each its own connection and lease owner
    try:
        queued = queue_work(workers[0], wp, image_file(tmp_path), decisions=20, replies=4, publications=6)
        before = site_state(wp)
        assert len({w.outbox.owner for w in workers}) == 4
        # WordPress's wp_mkdir_p() loses a race when two uploads create this month's folder at
        # once (the loser answers 500 "Unable to create directory"; the outbox retries it later,
        # after its backoff). This test is about claiming each job once, in one round: the
        # folder exists, as on any site that took an upload this month.
        for month in {time.strftime("%Y/%m", time.gmtime()), time.strftime("%Y/%m", time.localtime())}:
            (wp.dir / "wp-content" / "uploads" / month).mkdir(parents=True, exist_ok=True)
        start = threading.Barrier(len(workers))
        done: Counter = Counter()
        errors: list = []

        def work(worker):
            start.wait()
            stats = worker.outbox.run_due(batch=2)
            done[worker.outbox.owner] += stats.done
            errors.extend(stats.errors)

        threads = [threading.Thread(target=work, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and sum(done.values()) == 30
        assert sum(1 for n in done.values() if n) >= 2, done  # they really shared the work
        _check_applied_once(workers[0], wp, queued, before, 30)
    finally:
        for worker in workers:
            worker.close()
