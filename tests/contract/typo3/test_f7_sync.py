"""F7: an approved item for a reaction-mode TYPO3 site is published by ``cms-bridge sync``.

Before adapters declared their features, sync asked every site for comments before draining
its outbox; a reaction-mode site raised Unsupported there, so its publish jobs stayed queued
forever (0 records after several syncs on the real 13.4 site). This runs the real CLI against
each contract target's create-record reaction.
"""
from __future__ import annotations

import os
import secrets

import pytest
from click.testing import CliRunner

from bridge.cli import main
from bridge.config import load_config
from bridge.core import Bridge
from tests.curation_helpers import add_item

from .targets import ENV, double_target, env_target

NEWS = "tx_news_domain_model_news"


@pytest.fixture(params=["double"] + (["real"] if os.environ.get(ENV) else []))
def target(request, tmp_path_factory):
    made = double_target(tmp_path_factory.mktemp("typo3-f7")) if request.param == "double" else env_target()
    yield made
    made.close()


def test_sync_publishes_an_approved_item_to_a_reaction_mode_site(target, tmp_path, monkeypatch):
    reaction = target.reactions["create-record"]
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[server]\ndatabase = "{tmp_path / "bridge.db"}"\nmedia_dir = "{tmp_path / "media"}"\n'
        f'secret_key_file = "{tmp_path / "secret_key"}"\n\n'
        f'[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\ntargets = ["t3"]\n\n'
        f'[[sites]]\nid = "t3"\nkind = "typo3"\nurl = "{target.base_url}"\nmode = "reaction"\n'
        f'allow_insecure_http = true\n[sites.reaction]\nurl = "{reaction.url}"\nsecret_env = "T3_REACTION_SECRET"\n')
    monkeypatch.setenv("T3_REACTION_SECRET", reaction.secret)
    monkeypatch.setenv("TEAM_SECRET", "whsec_" + "A" * 32)
    title = f"F7 {secrets.token_hex(4)}"
    bridge = Bridge(load_config(str(config_path)))
    try:
        item_id = add_item(bridge.store, title=title)
        bridge.services["curation"].approve(item_id, ["t3"], actor="eva", allowed=None)
    finally:
        bridge.close()

    result = CliRunner().invoke(main, ["--config", str(config_path), "sync", "--no-sources"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert len(target.rows(NEWS, "title = ? AND deleted = 0", (title,))) == 1
    again = CliRunner().invoke(main, ["--config", str(config_path), "sync", "--no-sources"], catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert len(target.rows(NEWS, "title = ? AND deleted = 0", (title,))) == 1  # never sent twice
