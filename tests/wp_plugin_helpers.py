"""The WordPress connector plugin in the harness WordPress, and a live cms-bridge it talks to.

``install_plugin(wp, zip)`` unzips the zip ``make wordpress-plugin`` builds into the site's
plugins folder and activates it the way wp-admin does (``activate_plugin``); ``install_mu`` puts
it into mu-plugins with its loader instead. ``LiveBridge`` serves the real Flask app over HTTP
(werkzeug in a thread) on a fixed port, so it can be stopped (connections refused) and started
again at the same address the plugin was told.

Also a pytest plugin (loaded by tests/conftest.py) for tests/test_wordpress_plugin.py and
tests/test_wordpress_plugin_admin.py: ``plugin_zip`` (built once per module), ``secret`` (the
events secret), ``plugin_config`` (the harness WordPress over REST with that secret; a module's
``bridge`` fixture is ``make_bridge(config=plugin_config)``) and ``live`` (that module's
``bridge`` served by a ``LiveBridge``).
"""
from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
import zipfile
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from bridge.app import create_app
from webhooks.signatures import generate_secret

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_FILE = "cms-bridge-connector/cms-bridge-connector.php"


def build_zip(dest: Path) -> Path:
    out = subprocess.run(["bash", str(ROOT / "scripts" / "build-wordpress-plugin.sh"), str(dest)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return dest


def install_plugin(wp, zip_path: Path) -> None:
    plugins = wp.dir / "wp-content" / "plugins"
    shutil.rmtree(plugins / "cms-bridge-connector", ignore_errors=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(plugins)
    out = wp.php("require_once ABSPATH . 'wp-admin/includes/plugin.php';\n"
                 f"$r = activate_plugin('{PLUGIN_FILE}');\n"
                 "echo is_wp_error($r) ? $r->get_error_message() : 'active';")
    assert out.strip().endswith("active"), out


def install_mu(wp, zip_path: Path) -> list[Path]:
    """Unzip into mu-plugins with the loader beside the folder; returns what to remove afterwards."""
    mu = wp.dir / "wp-content" / "mu-plugins"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(mu)
    loader = mu / "cms-bridge-connector-loader.php"
    shutil.copy(mu / "cms-bridge-connector" / "mu-loader.php", loader)
    return [mu / "cms-bridge-connector", loader]


def configure(wp, endpoint: str, secret: str) -> None:
    wp.php(f"update_option('cms_bridge_connector_settings', ['endpoint' => {json.dumps(endpoint)}, "
           f"'secret' => {json.dumps(secret)}]);")


def queue_rows(wp) -> list[dict]:
    out = wp.php("global $wpdb; echo json_encode($wpdb->get_results('SELECT id, webhook_id, event_type, comment_id, "
                 "origin, attempts, sent_at, last_status, last_error FROM ' . $wpdb->prefix . 'cms_bridge_events "
                 "ORDER BY id', ARRAY_A));")
    rows = json.loads(out.strip().splitlines()[-1])
    for row in rows:  # wpdb answers strings
        for key in ("id", "comment_id", "attempts", "last_status"):
            row[key] = int(row[key])
    return rows


def run_wp_cron(wp) -> None:
    """What a due WP-Cron run does, started for real through wp-cron.php: the queued events' backoff
    is cut short (they are made due now) and the plugin's cron event is moved to the past, then
    wp-cron.php runs every due event (``do_action_ref_array($hook, $args)``). The harness sets
    DISABLE_WP_CRON, which only stops page loads from spawning it: wp-cron.php's own header says
    defining it and calling the file directly "are mutually exclusive and the latter does not rely
    on the former to work"."""
    wp.php("CmsBridge\\Connector\\Queue::makeDue();\n"
           "$hook = CmsBridge\\Connector\\Plugin::CRON_HOOK;\n"
           "wp_clear_scheduled_hook($hook);\n"
           "wp_schedule_event(time() - 1, 'cms_bridge_minute', $hook);\n"
           "delete_transient('doing_cron');")
    r = requests.get(f"{wp.url}/wp-cron.php", timeout=60)
    assert r.status_code == 200, r.text[:500]


def post_comment_form(wp, post_id: int, text: str, author: str = "Visitor", email: str = "visitor@example.org") -> int:
    """A visitor's comment through wp-comments-post.php (the theme's comment form); returns its id."""
    r = requests.post(f"{wp.url}/wp-comments-post.php", allow_redirects=False, timeout=30, data={
        "comment_post_ID": str(post_id), "author": author, "email": email, "url": "", "comment": text,
        "comment_parent": "0"})
    assert r.status_code == 302, (r.status_code, r.text[:500])
    match = re.search(r"(?:unapproved=|#comment-)(\d+)", r.headers["Location"])
    assert match, r.headers["Location"]
    return int(match.group(1))


def wait_for(predicate, timeout: float = 15.0, what: str = "the condition"):
    """Poll until ``predicate()`` is truthy (delivery crosses two processes); returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveBridge:
    """The real app (create_app) over HTTP on 127.0.0.1:<port>, stoppable and restartable."""

    def __init__(self, bridge, port: int | None = None):
        self.bridge = bridge
        self.app = create_app(bridge=bridge, testing=True)
        self.port = port or free_port()
        self.server = None
        self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def endpoint(self, site_id: str = "wp") -> str:
        return f"{self.url}/webhooks/wordpress/{site_id}"

    def start(self) -> LiveBridge:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(10)
            self.server = None


def new_secret() -> str:
    return generate_secret()


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    return build_zip(tmp_path_factory.mktemp("plugin") / "cms-bridge-connector.zip")


@pytest.fixture
def secret():
    return new_secret()


@pytest.fixture
def plugin_config(tmp_path, wp, secret):
    from tests.wp_bridge_helpers import wp_config

    return wp_config(tmp_path, wp, "rest", environ={"WP_WEBHOOK_SECRET": secret},
                     webhook_secret_env="WP_WEBHOOK_SECRET")


@pytest.fixture
def live(bridge):
    server = LiveBridge(bridge).start()
    yield server
    server.stop()
