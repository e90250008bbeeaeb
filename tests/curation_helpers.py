"""The curation world most web and API tests share: two TYPO3 sites (corp, shop) the
tests never call, three webhook sources, and items inserted the way intake leaves them.

Modules take this world with ``pytestmark = pytest.mark.bridge_config(*CURATION)``
(tests/conftest.py's ``config`` honours the marker); a test that needs other sites
or sources calls ``curation_raw(sites=…, sources=…)`` or ``curation_config``.

Also a pytest plugin (loaded by tests/conftest.py): ``typo3_news_config``, the curation world
with one site ``t3`` on the TYPO3 double in connector mode (tests/test_curation_typo3.py,
tests/test_stories_typo3.py: a module's ``config`` returns it)."""
from __future__ import annotations

import pytest

from bridge.store import dumps
from tests.conftest import make_config

REACTION_UUID = "5f0f3c8e-8a4a-4c5e-9d5b-2f8e0b6b1a11"


def typo3_site(site_id: str, url: str | None = None) -> dict:
    """A TYPO3 site in connector mode that can publish, update and unpublish, and moderate and answer
    comments (the inbox and route tests decide on its comments); the tests here never call it
    (tests/test_curation_typo3.py has the reaction-mode sites, which can only create)."""
    base = url or f"https://{site_id}.example.org"
    endpoint = {"url": f"{base}/typo3/reaction/{REACTION_UUID}", "secret_env": "T3_SECRET"}
    return {"id": site_id, "kind": "typo3", "url": base, "mode": "connector", "allow_insecure_http": True,
            "connector": {"upsert_news": endpoint, "unpublish": endpoint, "moderate_comment": endpoint,
                          "reply": endpoint}}


SOURCES = [
    {"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["corp"]},
    {"id": "fans", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["corp", "shop"],
     "require_consent": True},
    {"id": "staff", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["shop"], "trusted": True},
]
ENVIRON = {"T3_SECRET": "s" * 40, "TEAM_SECRET": "whsec_" + "A" * 32}


def curation_raw(sites=None, sources=None, extra=None) -> dict:
    """The raw config of the curation world (before ``make_config`` adds the paths)."""
    return {"sites": sites or [typo3_site("corp"), typo3_site("shop")], "sources": sources or SOURCES,
            "outbox": {"max_attempts": 3, "base_delay": 10.0}, **(extra or {})}


#: (raw, environ) for ``pytest.mark.bridge_config``
CURATION = (curation_raw(), ENVIRON)


def curation_config(tmp_path, sites=None, sources=None, extra=None, environ=None):
    return make_config(tmp_path, curation_raw(sites, sources, extra), {**ENVIRON, **(environ or {})})


_counter = iter(range(1, 10_000))


def add_item(store, *, source_id="team", state="pending", media=(), **columns) -> int:
    """An item as intake stores it (state, reasons, flags, targets from the source)."""
    n = next(_counter)
    now = store.now_iso()
    row = {"source_id": source_id, "external_id": f"ext-{n}", "url": f"https://social.example/p/{n}",
           "canonical_url": f"https://social.example/p/{n}", "network": "mastodon", "title": f"Turbine {n}",
           "text": f"Blade {n} goes on today.", "html": f"<p>Blade {n} goes on <b>today</b>.</p>",
           "author_name": "Ana", "author_url": "https://social.example/@ana", "received_at": now,
           "state": state, "target_sites": [], "flags": [], "updated_at": now}
    row.update(columns)
    for key in ("target_sites", "flags"):
        if not isinstance(row[key], str):
            row[key] = dumps(row[key])
    item_id = store.db["items"].insert(row).last_pk
    for position, m in enumerate(media):
        store.db["media"].insert({"item_id": item_id, "position": position, "url": m.get("url", "https://x/a.jpg"),
                                  "alt": m.get("alt", ""), "state": m.get("state", "stored"), "sha256": m.get("sha256"),
                                  "path": m.get("path"), "content_type": m.get("content_type", "image/jpeg"),
                                  "updated_at": now})
    return item_id


def jobs_of(store, item_id):
    return [j for j in store.list_jobs(limit=1000) if j["payload"].get("item_id") == item_id]


#: the connector's reactions a connector-mode site is given (name in the config -> reaction type)
T3_CONNECTOR = {"upsert_news": "bridge-upsert-news", "unpublish": "bridge-unpublish"}


@pytest.fixture
def typo3_news_config(tmp_path, typo3):
    connector, environ = {}, {}
    for name, reaction_type in T3_CONNECTOR.items():
        url, secret = typo3.add_reaction(reaction_type, storage_pid=12)
        connector[name] = {"url": url, "secret_env": f"T3_{name.upper()}"}
        environ[f"T3_{name.upper()}"] = secret
    site = {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 news", "mode": "connector",
            "connector": connector, "timeout": 2.0}
    sources = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["t3"]}]
    return curation_config(tmp_path, sites=[site], sources=sources, environ=environ)
