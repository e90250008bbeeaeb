"""The cms-bridge command as users run it: real subprocesses, real gunicorn."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import time

import pytest
import requests

from tests.conftest import csrf_from
from tests.serve_helpers import CLI, free_port


@pytest.fixture
def conf(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\ndatabase = "var/bridge.db"\nmedia_dir = "var/media"\nworkers = 2\n')
    return path


def cli(conf, *args, input=None, check=True):
    env = {k: v for k, v in os.environ.items() if k != "CMS_BRIDGE_SECRET_KEY"}
    result = subprocess.run([*CLI, "--config", str(conf), *args], capture_output=True, text=True, input=input,
                            env=env, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_init_then_serve_healthz_and_the_printed_password_logs_in(conf, tmp_path):
    out = cli(conf, "init").stdout
    password = re.search(r"created admin user 'admin' with password: (\S+)", out).group(1)
    key_file = tmp_path / "var" / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "users exist already" in cli(conf, "init").stdout  # idempotent

    port = free_port()
    server = subprocess.Popen([*CLI, "--config", str(conf), "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("cms-bridge serve did not answer")
        assert health.status_code == 200 and health.json()["status"] == "ok"

        session = requests.Session()
        token = csrf_from(session.get(f"{base}/login", timeout=5).text)
        login = session.post(f"{base}/login", data={"username": "admin", "password": password, "csrf_token": token},
                             allow_redirects=False, timeout=10)
        assert login.status_code == 302
        assert session.get(f"{base}/api/v1/me", timeout=5).json()["username"] == "admin"
        assert "Log out" in session.get(f"{base}/", timeout=5).text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "gunicorn" in output.lower() or "Booting worker" in output  # a production server, not Flask's


def test_healthz_answers_503_when_the_database_cannot_be_read(conf, tmp_path):
    from bridge.app import create_app
    from bridge.config import load_config

    app = create_app(load_config(str(conf), environ={}))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    db_path = tmp_path / "var" / "bridge.db"
    app.extensions["bridge"].store.close()
    db_path.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(db_path) + suffix):
            os.remove(str(db_path) + suffix)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreadable"}


def test_users_and_tokens(conf):
    cli(conf, "init")
    added = cli(conf, "users", "add", "erin", "--role", "editor", "--password", "long-enough-password")
    assert "added editor 'erin'" in added.stdout
    short = cli(conf, "users", "add", "sam", "--password", "short", check=False)
    assert short.returncode == 2 and "at least 10 characters" in short.stderr and "Traceback" not in short.stderr
    dup = cli(conf, "users", "add", "erin", "--password", "long-enough-password", check=False)
    assert dup.returncode == 1 and "exists already" in dup.stderr
    listing = cli(conf, "users", "list").stdout
    assert "erin\teditor\tall sites" in listing and "admin\tadmin" in listing
    changed = cli(conf, "users", "passwd", "erin", "--password", "another-password-1")
    assert "password of 'erin' changed" in changed.stdout
    weak = cli(conf, "users", "passwd", "erin", "--password", "short", check=False)
    assert weak.returncode == 2 and "--password" in weak.stderr and "at least 10 characters" in weak.stderr

    created = cli(conf, "tokens", "create", "--user", "erin", "--name", "cron")
    token = created.stdout.strip()
    assert token.startswith("cmsb_") and len(token) > 40
    token_id = re.search(r"token (\d+) for 'erin'", created.stderr).group(1)
    assert "active" in cli(conf, "tokens", "list").stdout
    assert f"token {token_id} revoked" in cli(conf, "tokens", "revoke", token_id).stdout
    again = cli(conf, "tokens", "revoke", token_id, check=False)
    assert again.returncode == 1 and "no active token" in again.stderr


def test_users_add_and_passwd_share_the_password_prompt_and_generator(conf):
    from bridge.config import load_config
    from bridge.security import verify_password
    from bridge.store import open_store

    cli(conf, "init")
    prompted = cli(conf, "users", "add", "pia", input="typed-password-12\ntyped-password-12\n")
    assert "added editor 'pia'" in prompted.stdout and "password:" not in prompted.stdout
    generated = cli(conf, "users", "passwd", "pia", "--generate").stdout
    password = re.search(r"^password: (\S+)$", generated, re.M).group(1)
    added = re.search(r"^password: (\S+)$", cli(conf, "users", "add", "ole", "--generate").stdout, re.M).group(1)
    store = open_store(load_config(str(conf)).server.database)
    try:
        assert verify_password(store.get_user_by_name("pia")["password_hash"], password)
        assert not verify_password(store.get_user_by_name("pia")["password_hash"], "typed-password-12")
        assert verify_password(store.get_user_by_name("ole")["password_hash"], added)
    finally:
        store.close()


def test_jobs_list_and_retry(conf):
    from bridge.config import load_config
    from bridge.core import Bridge

    cli(conf, "init")
    bridge = Bridge(load_config(str(conf), environ={}))
    job = bridge.outbox.enqueue("teleport", key="k1", payload={})
    bridge.outbox.run_due()  # unknown kind: failed at once, with the reason
    bridge.close()
    listing = cli(conf, "jobs", "list", "--state", "failed").stdout
    assert f"{job['id']}\tfailed\tteleport" in listing and "no handler" in listing
    assert f"job {job['id']} queued again" in cli(conf, "jobs", "retry", str(job["id"])).stdout
    bad = cli(conf, "jobs", "retry", "999", check=False)
    assert bad.returncode == 1 and "999" in bad.stderr


def test_newer_database_is_refused_with_a_message_not_a_traceback(conf, tmp_path):
    import sqlite3

    cli(conf, "init")
    conn = sqlite3.connect(tmp_path / "var" / "bridge.db")
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES "
                 "('cms-bridge', '9999_future', 'x')")
    conn.commit()
    conn.close()
    result = cli(conf, "users", "list", check=False)
    assert result.returncode == 1
    assert "newer cms-bridge" in result.stderr and "Traceback" not in result.stderr


def test_commands_that_need_no_site_make_no_demand_on_secrets(tmp_path):
    """Making a webhook secret must work before that secret is exported; managing
    users must not need every site's password. Serving and syncing still do."""
    conf = tmp_path / "config.toml"
    conf.write_text('[server]\ndatabase = "b.db"\n\n[[sources]]\nid = "team"\nkind = "webhook"\n'
                    'secret_env = "TEAM_SECRET"\n')
    made = cli(conf, "sources", "secret", "team")
    assert made.stdout.startswith("whsec_") and "export TEAM_SECRET=" in made.stdout
    assert "created admin user" in cli(conf, "init").stdout
    assert "admin\tadmin" in cli(conf, "users", "list").stdout
    refused = cli(conf, "config", "check", check=False)
    assert refused.returncode == 2 and "'TEAM_SECRET' is not set" in refused.stderr
    assert cli(conf, "sync", check=False).returncode == 2


def test_sync_every_keeps_running_until_sigterm(conf):
    cli(conf, "init")
    proc = subprocess.Popen([*CLI, "--config", str(conf), "sync", "--every", "10"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("no sites configured")
        assert proc.stdout.readline().startswith("-- sync at ")
        time.sleep(0.5)
        assert proc.poll() is None  # still running, waiting for the next round
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
