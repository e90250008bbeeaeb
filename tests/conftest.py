"""Shared fixtures, in the style of Flask's tutorial (flaskr): a fresh database per
test, an app built by the factory, a client, and helpers to log in."""
from __future__ import annotations

import re

import pytest

from adapters import registry
from bridge.app import create_app
from bridge.clock import FakeClock
from bridge.config import validate_config
from bridge.core import Bridge
from bridge.security import hash_password

pytest_plugins = [
    "tests.harness.wordpress.fixtures",
    "tests.typo3_double.fixtures",
]

ADMIN_PASSWORD = "admin-password-123"
EDITOR_PASSWORD = "editor-password-123"


def make_config(tmp_path, raw: dict | None = None, environ: dict | None = None):
    """A validated Config whose database and media live in ``tmp_path``."""
    raw = dict(raw or {})
    server = dict(raw.get("server", {}))
    server.setdefault("database", str(tmp_path / "bridge.db"))
    server.setdefault("media_dir", str(tmp_path / "media"))
    server.setdefault("secret_key_file", str(tmp_path / "secret_key"))
    raw["server"] = server
    return validate_config(raw, environ=environ or {})


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def config(tmp_path):
    return make_config(tmp_path)


@pytest.fixture
def bridge(config, clock):
    b = Bridge(config, clock=clock)
    yield b
    b.close()


@pytest.fixture
def app(bridge):
    bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    return create_app(bridge=bridge, testing=True)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page carries no CSRF token"
    return match.group(1)


class Auth:
    """Logs a test client in through the real login form (CSRF included)."""

    def __init__(self, client):
        self.client = client
        self.csrf = None

    def login(self, username="admin", password=ADMIN_PASSWORD):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        response = self.client.post("/login", data={"username": username, "password": password,
                                                    "csrf_token": token})
        home = self.client.get("/")
        if home.status_code == 200:
            self.csrf = csrf_from(home.get_data(as_text=True))
        return response

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf})


@pytest.fixture
def auth(client):
    return Auth(client)


# -- the in-memory site (adapters/memory.py) ------------------------------------------------
registry.register_cms_adapter("memory", "adapters.memory:MemoryAdapter")


def memory_site(site_id: str, features=None, **keys) -> dict:
    """A ``[[sites]]`` table for an in-memory site (no network, nothing to start): for tests
    that need a site but never its CMS. ``features`` (Feature values) limits what it can do;
    all of them by default. Its adapter, ``bridge.adapter(site_id)``, holds ``posts``,
    ``comments`` (seed with ``add_comment``) and ``calls``."""
    site = {"id": site_id, "kind": "memory", "url": f"https://{site_id}.memory.invalid", **keys}
    if features is not None:
        site["features"] = sorted(str(f) for f in features)
    return site
