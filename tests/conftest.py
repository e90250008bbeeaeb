"""Shared fixtures, in the style of Flask's tutorial (flaskr): a fresh database per
test, a Bridge and an app built by the factories, a client, a CLI runner, and helpers
to log in.

Sections: configuration and Bridge (``make_config``, ``config``, ``make_bridge``,
``bridge``) · web (``app``, ``client``, ``auth``) · CLI (``runner``) · webhook sources
(``hook_*``) · markers set from the fixtures a test uses (``wordpress``, ``browser``).
Real WordPress, the TYPO3 double and Chromium come from the plugins below, and so do the
fixtures one topic's modules share (each plugin's docstring lists its own): a test module
never imports fixtures from another test module."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from adapters import registry
from bridge.app import create_app
from bridge.cli import main as cli_main
from bridge.clock import FakeClock
from bridge.config import validate_config
from bridge.core import Bridge
from bridge.security import hash_password

pytest_plugins = [
    "tests.harness.wordpress.fixtures",
    "tests.typo3_double.fixtures",
    "tests.chromium",
    "tests.curation_helpers",
    "tests.insights_timeline",
    "tests.notify_kit",
    "tests.wp_plugin_helpers",
]

ADMIN_PASSWORD = "admin-password-123"
EDITOR_PASSWORD = "editor-password-123"


# -- configuration and Bridge -------------------------------------------------------------
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
def config(request, tmp_path):
    """``make_config(tmp_path)``; a module or test marked ``@pytest.mark.bridge_config(raw, environ)``
    gets that raw config instead, so a module states its sites once instead of redefining this fixture."""
    marker = request.node.get_closest_marker("bridge_config")
    raw, environ = (*marker.args, None, None)[:2] if marker else (None, None)
    return make_config(tmp_path, raw, environ)


@pytest.fixture
def make_bridge(tmp_path, clock):
    """``make_bridge(raw=…, environ=…)``: a Bridge on ``make_config(tmp_path, raw, environ)`` (or on
    ``config=`` when given) with the test's fake clock (``clock=None``: the real one); every one made
    is closed after the test, so a test that needs a second installation or its own sites needs no
    try/finally."""
    made: list[Bridge] = []

    def make(raw: dict | None = None, environ: dict | None = None, *, config=None, clock=clock) -> Bridge:
        config = config if config is not None else make_config(tmp_path, raw, environ)
        made.append(Bridge(config) if clock is None else Bridge(config, clock=clock))
        return made[-1]

    yield make
    for bridge in reversed(made):
        bridge.close()


@pytest.fixture
def bridge(config, make_bridge):
    return make_bridge(config=config)


# -- web ----------------------------------------------------------------------------------
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


# -- CLI ----------------------------------------------------------------------------------
class Runner:
    """Click's CliRunner bound to one config file, as flaskr's ``app.test_cli_runner()`` is bound to
    its app: ``runner("sites", "check")`` runs ``cms-bridge --config <file> sites check`` in-process.

    The file starts as the ``[server]`` table of ``make_config(tmp_path)`` (the same database and media
    directory as the ``bridge`` fixture); ``runner.write(toml)`` appends tables and returns a new path.
    Exceptions are not caught: a traceback fails the test instead of becoming an exit code."""

    def __init__(self, tmp_path, monkeypatch):
        self.tmp_path = tmp_path
        self.monkeypatch = monkeypatch
        self.server_toml = (f'[server]\ndatabase = "{tmp_path / "bridge.db"}"\n'
                            f'media_dir = "{tmp_path / "media"}"\nsecret_key_file = "{tmp_path / "secret_key"}"\n')
        self.config = self.write()

    def write(self, toml: str = "", name: str = "config.toml") -> str:
        """Write ``[server]`` + ``toml`` to ``tmp_path/name``; that file becomes the default config."""
        path = self.tmp_path / name
        path.write_text(self.server_toml + toml)
        self.config = str(path)
        return self.config

    def setenv(self, **environ: str) -> Runner:
        """The ``*_env`` variables the config names (undone after the test)."""
        for key, value in environ.items():
            self.monkeypatch.setenv(key, value)
        return self

    def __call__(self, *args: str, config: str | None = None, **invoke):
        return CliRunner().invoke(cli_main, ["--config", config or self.config, *args], catch_exceptions=False,
                                  **invoke)


@pytest.fixture
def runner(tmp_path, monkeypatch):
    return Runner(tmp_path, monkeypatch)


# -- webhook sources ----------------------------------------------------------------------
@pytest.fixture
def hook_config(tmp_path):
    """A webhook source ``hook`` (tests/webhook_helpers.SECRET), a feed ``feed`` and a small body limit."""
    from tests.webhook_helpers import HOOK_RAW, SECRET

    return make_config(tmp_path, HOOK_RAW, {"HOOK_SECRET": SECRET})


@pytest.fixture
def hook_bridge(hook_config, make_bridge):
    return make_bridge(config=hook_config)


@pytest.fixture
def hook_client(hook_bridge):
    return create_app(bridge=hook_bridge, testing=True).test_client()


# -- markers from fixtures ----------------------------------------------------------------
#: a test that uses the fixture (directly or through another fixture) gets the marker, so
#: `make test-fast` (-m "not wordpress and not browser") can leave it out
MARKER_OF_FIXTURE = {"wordpress": "wordpress", "chromium": "browser"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for fixture, marker in MARKER_OF_FIXTURE.items():
            if fixture in used:
                item.add_marker(marker)


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
