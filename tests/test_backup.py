"""Backup and restore as an operator runs them: real subprocesses, a real sync
writing while the backup copies, a real gunicorn holding the database, and the
real WordPress of the harness to show that a restored installation updates the
post it made instead of publishing a second one."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time

import pytest

from bridge import backup as backups
from bridge.core import Bridge
from tests.conftest import make_config
from tests.curation_helpers import add_item
from tests.serve_helpers import CLI, serving
from tests.wp_bridge_helpers import drain, site_config


def write_config(tmp_path, wp=None, transport: str = "auto", **server) -> str:
    lines = ['[server]', 'database = "var/bridge.db"', 'media_dir = "var/media"', 'workers = 1',
             *(f"{key} = {json.dumps(value)}" for key, value in server.items()), '']
    if wp is not None:
        site = site_config(wp, transport)
        lines += ["[[sites]]"] + [f"{k} = {json.dumps(v)}" for k, v in site.items()]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def run_cli(conf, *args, env=None, check=True):
    environ = {k: v for k, v in os.environ.items() if k != "CMS_BRIDGE_SECRET_KEY"} | (env or {})
    result = subprocess.run([*CLI, "--config", conf, *args], capture_output=True, text=True, env=environ, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def dump(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def test_a_backup_taken_while_sync_writes_restores_to_an_identical_sound_database(tmp_path, wp):
    wp.seed_comments(1500, status="mix")
    conf = write_config(tmp_path, wp)
    env = {"WP_PASSWORD": wp.app_password}
    run_cli(conf, "init", env=env)
    database = tmp_path / "var" / "bridge.db"
    sync = subprocess.Popen([*CLI, "--config", conf, "sync", "--no-sources"], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # wait until the sync has written comments, then copy while it keeps writing
        conn = sqlite3.connect(database)
        for _ in range(600):
            if sync.poll() is not None or conn.execute("SELECT count(*) FROM comments").fetchone()[0] > 0:
                break
            time.sleep(0.05)
        conn.close()
        during = sync.poll() is None
        out = run_cli(conf, "backup", str(tmp_path / "bak"), env=env).stdout
    finally:
        sync_out = sync.communicate(timeout=300)[0]
    assert sync.returncode == 0, sync_out
    assert during, "the sync ended before the backup started; seed more comments"
    assert out.startswith(f"backed up to {tmp_path / 'bak'}: installation ")

    manifest = json.loads((tmp_path / "bak" / "manifest.json").read_text())
    copy = str(tmp_path / "bak" / "cms-bridge.db")
    assert sqlite3.connect(copy).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn = sqlite3.connect(copy)
    stored = conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    counted = conn.execute("SELECT coalesce(sum(n), 0) FROM comment_counts").fetchone()[0]
    conn.close()
    assert 0 < stored == manifest["counts"]["comments"]
    assert counted == stored  # the trigger-kept aggregate agrees: the copy is one moment, not a blend

    other = tmp_path / "elsewhere"
    other.mkdir()
    conf2 = write_config(other)
    restored = run_cli(conf2, "restore", str(tmp_path / "bak")).stdout
    assert f"installation {manifest['installation']}" in restored
    assert dump(other / "var" / "bridge.db") == dump(copy)


def test_restore_refuses_while_serve_runs_unless_forced(tmp_path):
    conf = write_config(tmp_path)
    run_cli(conf, "init")
    run_cli(conf, "backup", str(tmp_path / "bak"))
    with serving(conf):
        refused = run_cli(conf, "restore", str(tmp_path / "bak"), check=False)
        assert refused.returncode == 1
        assert "in use by a running `cms-bridge serve` or `sync`" in refused.stderr
        assert "--force" in refused.stderr
        forced = run_cli(conf, "restore", "--force", str(tmp_path / "bak"))
        assert "note: restored under a running serve/sync (--force): restart them" in forced.stdout
    # once the server is gone, the lock went with it
    assert run_cli(conf, "restore", str(tmp_path / "bak")).returncode == 0


def test_bad_backups_and_targets_get_a_clear_message(tmp_path):
    conf = write_config(tmp_path)
    run_cli(conf, "init")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    taken = run_cli(conf, "backup", str(tmp_path / "full"), check=False)
    assert taken.returncode == 1 and "is not an empty directory" in taken.stderr

    (tmp_path / "empty").mkdir()
    none = run_cli(conf, "restore", str(tmp_path / "empty"), check=False)
    assert none.returncode == 1 and "is not a cms-bridge backup (no manifest.json" in none.stderr

    run_cli(conf, "backup", str(tmp_path / "bak"))
    copy = tmp_path / "bak" / "cms-bridge.db"
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                 "VALUES ('cms-bridge', '9999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    damaged = run_cli(conf, "restore", str(tmp_path / "bak"), check=False)
    assert damaged.returncode == 1 and "does not match its manifest" in damaged.stderr

    manifest = json.loads((tmp_path / "bak" / "manifest.json").read_text())
    manifest["database_sha256"] = backups._sha256(str(copy))
    (tmp_path / "bak" / "manifest.json").write_text(json.dumps(manifest))
    newer = run_cli(conf, "restore", str(tmp_path / "bak"), check=False)
    assert newer.returncode == 1 and "made by a newer cms-bridge (migrations 9999_from_the_future)" in newer.stderr
    assert "Traceback" not in damaged.stderr + newer.stderr + none.stderr + taken.stderr


@pytest.fixture
def config(tmp_path, wp):
    raw = {"sites": [site_config(wp)], "outbox": {"base_delay": 10.0}}
    return make_config(tmp_path, raw, {"WP_PASSWORD": wp.app_password})


def marked_posts(wp, key: str) -> list[int]:
    sql = f"SELECT ID FROM {{$GLOBALS['wpdb']->posts}} WHERE post_type = 'post' AND post_content LIKE '%{key}%'"
    ids = wp.php(f"echo json_encode(array_map('intval', $GLOBALS['wpdb']->get_col(\"{sql}\")));")
    return json.loads(ids)


def test_a_restored_installation_updates_the_post_it_made_instead_of_a_second_one(tmp_path, config, clock, wp):
    bridge = Bridge(config, clock=clock)
    item_id = add_item(bridge.store, title="Tower up", text="We raised the tower.", author_name="Ann")
    bridge.curation.approve(item_id, ["wp"], actor="eva", allowed=None)
    drain(bridge)
    (pub,) = bridge.curation.publications(item_id, None)
    post_id = int(pub["remote_ref"]["remote_id"])
    installation = bridge.store.installation_id()
    media_dir = config.server.media_dir
    backups.make_backup(bridge.store, media_dir, str(tmp_path / "bak"))
    bridge.close()

    database = config.server.database
    for suffix in ("", "-wal", "-shm"):  # the disk is lost
        if os.path.exists(database + suffix):
            os.remove(database + suffix)
    report = backups.restore_backup(database, media_dir, str(tmp_path / "bak"))
    assert report.installation == installation

    bridge = Bridge(config, clock=clock)
    try:
        bridge.curation.edit(item_id, actor="eva", title="Tower 12 is up", allowed=None)
        drain(bridge)
        (pub,) = bridge.curation.publications(item_id, None)
        assert int(pub["remote_ref"]["remote_id"]) == post_id
    finally:
        bridge.close()
    assert marked_posts(wp, f"{installation}-{item_id}") == [post_id]
    assert wp.rest.get(f"posts/{post_id}", params={"context": "edit"}).json()["title"]["raw"] == "Tower 12 is up"
