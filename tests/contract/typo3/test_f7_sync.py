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

from bridge.config import load_config
from tests.curation_helpers import add_item

from .targets import ENV, double_target, env_target

NEWS = "tx_news_domain_model_news"


@pytest.fixture(params=["double"] + (["real"] if os.environ.get(ENV) else []))
def target(request, tmp_path_factory):
    made = double_target(tmp_path_factory.mktemp("typo3-f7")) if request.param == "double" else env_target()
    yield made
    made.close()


def test_sync_publishes_an_approved_item_to_a_reaction_mode_site(target, runner, make_bridge):
    reaction = target.reactions["create-record"]
    runner.setenv(T3_REACTION_SECRET=reaction.secret, TEAM_SECRET="whsec_" + "A" * 32).write(
        '\n[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\ntargets = ["t3"]\n\n'
        f'[[sites]]\nid = "t3"\nkind = "typo3"\nurl = "{target.base_url}"\nmode = "reaction"\n'
        f'allow_insecure_http = true\n[sites.reaction]\nurl = "{reaction.url}"\nsecret_env = "T3_REACTION_SECRET"\n')
    title = f"F7 {secrets.token_hex(4)}"
    bridge = make_bridge(config=load_config(runner.config), clock=None)
    item_id = add_item(bridge.store, title=title)
    bridge.curation.approve(item_id, ["t3"], actor="eva", allowed=None)
    bridge.close()  # the CLI opens its own

    result = runner("sync", "--no-sources")

    assert result.exit_code == 0, result.output
    assert len(target.rows(NEWS, "title = ? AND deleted = 0", (title,))) == 1
    again = runner("sync", "--no-sources")
    assert again.exit_code == 0, again.output
    assert len(target.rows(NEWS, "title = ? AND deleted = 0", (title,))) == 1  # never sent twice
