"""The adapter registry and the in-memory adapter (adapters/memory.py): registering a kind
is one line that config validation sees, and a site's declared features are what sync,
the sites page and ``sites check`` go by."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from adapters import registry
from adapters.base import Feature, Unsupported
from adapters.memory import MemoryAdapter
from adapters.types import CommentStatus, ModerationAction, RemoteRef, SocialItem, SyncCursor
from bridge.cli import main
from bridge.config import ConfigError, validate_config
from tests.conftest import ADMIN_PASSWORD, Auth, make_config, memory_site


def _item(key: str = "inst-1") -> SocialItem:
    return SocialItem(id="1", title="Hello", html="<p>hi</p>", text="hi", url="https://example.org/p/1", key=key)


def test_a_kind_registered_after_import_is_valid_and_listed(monkeypatch):
    monkeypatch.setitem(registry.CMS_ADAPTERS, "joomla", MemoryAdapter)
    config = validate_config({"sites": [{"id": "j", "kind": "joomla", "url": "https://j.example.org"}]}, environ={})
    assert config.site("j")["kind"] == "joomla"
    assert registry.get_cms_adapter("joomla") is MemoryAdapter
    monkeypatch.delitem(registry.CMS_ADAPTERS, "joomla")
    with pytest.raises(ConfigError) as info:
        validate_config({"sites": [{"id": "j", "kind": "joomla", "url": "https://j.example.org"}]}, environ={})
    assert info.value.problems == [f"sites[0].kind: 'joomla' is not one of: {', '.join(registry.cms_kinds())}"]


def test_the_built_in_kinds_are_registered_through_the_registry():
    assert {"wordpress", "typo3"} <= set(registry.cms_kinds())
    assert registry.get_cms_adapter("wordpress").kind == "wordpress"
    assert registry.get_cms_adapter("typo3").kind == "typo3"


def test_a_memory_site_names_a_wrong_feature():
    with pytest.raises(ConfigError) as info:
        validate_config({"sites": [memory_site("m", features=["publish", "fly"])]}, environ={})
    assert info.value.problems[0].startswith("sites[0].features[0]: 'fly' is not a feature: use one of ")


def test_memory_adapter_publishes_updates_and_unpublishes_in_place():
    adapter = MemoryAdapter(memory_site("m"), {})
    ref = adapter.publish(_item(), None)
    again = adapter.publish(_item(), ref)
    assert again.remote_id == ref.remote_id and len(adapter.posts) == 1
    adapter.unpublish(ref)
    assert adapter.posts[ref.remote_id]["status"] == "trash"


def test_memory_adapter_comments_moderation_and_idempotent_replies():
    adapter = MemoryAdapter(memory_site("m"), {})
    first, second = adapter.add_comment(), adapter.add_comment()
    page, cursor = adapter.fetch_comments(SyncCursor(), limit=1)
    assert [c.remote_id for c in page] == [first.remote_id] and cursor.after_id == first.remote_id
    page, cursor = adapter.fetch_comments(cursor)
    assert [c.remote_id for c in page] == [second.remote_id]
    assert adapter.fetch_comments(cursor) == ([], cursor)
    assert adapter.moderate(first.remote_id, ModerationAction.SPAM) is CommentStatus.SPAM
    assert adapter.moderate(first.remote_id, ModerationAction.DELETE) is None
    assert adapter.fetch_comments_by_id([first.remote_id, second.remote_id]) == [second]
    reply = adapter.reply(second, "Thanks", key="job-1")
    assert adapter.reply(second, "Thanks", key="job-1") is reply
    assert reply.parent_id == second.remote_id


def test_memory_adapter_refuses_what_its_site_lacks():
    adapter = MemoryAdapter(memory_site("m", features=[Feature.PUBLISH]), {})
    assert adapter.features == {Feature.PUBLISH}
    ref = adapter.publish(_item(), None)
    for call in (lambda: adapter.publish(_item(), ref), lambda: adapter.unpublish(RemoteRef("1")),
                 lambda: adapter.fetch_comments(SyncCursor()), lambda: adapter.moderate("1", "approve"),
                 lambda: adapter.anonymize_commenter("a@example.org", [])):
        with pytest.raises(Unsupported, match="memory site 'm' cannot"):
            call()


def test_sync_reads_the_feature_set(tmp_path, clock):
    from bridge.core import Bridge

    bridge = Bridge(make_config(tmp_path, {"sites": [memory_site("talk"), memory_site("mute", features=[
        Feature.PUBLISH, Feature.UPDATE])]}), clock=clock)
    try:
        bridge.adapter("talk").add_comment(text="first!")
        bridge.adapter("mute").add_comment(text="never read")
        assert bridge.sync.sync_site("talk").new == 1
        assert bridge.sync.sync_site("mute").new == 0
        assert "fetch_comments" not in bridge.adapter("mute").calls  # asked nothing it cannot do
    finally:
        bridge.close()


def test_sites_page_and_sites_check_show_the_feature_set(tmp_path):
    from bridge.app import create_app
    from bridge.core import Bridge
    from bridge.security import hash_password

    path = tmp_path / "config.toml"
    path.write_text(f'[server]\ndatabase = "{tmp_path / "bridge.db"}"\nmedia_dir = "{tmp_path / "media"}"\n'
                    f'secret_key_file = "{tmp_path / "secret_key"}"\n\n[[sites]]\nid = "m"\nkind = "memory"\n'
                    'url = "https://m.memory.invalid"\nfeatures = ["publish", "comments"]\n')
    result = CliRunner().invoke(main, ["--config", str(path), "sites", "check"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "m: ok — memory memory, transport memory" in result.output
    assert "features: comments, publish; not offered for this site: erase, images, moderate, reply, unpublish, " \
           "update" in result.output

    bridge = Bridge(make_config(tmp_path, {"sites": [memory_site("m", features=["publish", "comments"])]}))
    try:
        bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
        client = create_app(bridge=bridge, testing=True).test_client()
        Auth(client).login()
        page = client.get("/sites").get_data(as_text=True)
        assert '<span class="badge">comments</span> <span class="badge">publish</span>' in page
        assert "publish creates only" in page
    finally:
        bridge.close()
