"""The curation item page in a real browser (Debian's Chromium via Playwright) against a live
``cms-bridge serve``: for an item published to a reaction-mode TYPO3 site (the TYPO3 double),
editing and retracting are not offered and the page says why; publishing to more sites is."""
from __future__ import annotations

from bridge.config import load_config
from bridge.core import Bridge
from bridge.security import hash_password
from tests.chromium import ARTIFACTS, login
from tests.conftest import ADMIN_PASSWORD
from tests.curation_helpers import add_item
from tests.serve_helpers import LiveServer

NEWS_FIELDS = {"title": "${title}", "teaser": "${teaser}", "bodytext": "${html}", "notes": "${item_id}"}


def test_item_page_offers_only_what_the_sites_can_do(tmp_path, typo3, browser_page, monkeypatch):
    url, secret = typo3.add_reaction("create-record", table="tx_news_domain_model_news", fields=NEWS_FIELDS)
    upsert_url, upsert_secret = typo3.add_reaction("bridge-upsert-news", storage_pid=12)
    toml = (f'\n[[sources]]\nid = "team"\nkind = "webhook"\nsecret_env = "TEAM_SECRET"\ntargets = ["t3r"]\n\n'
            f'[[sites]]\nid = "t3r"\nkind = "typo3"\nname = "Reaction site"\nurl = "{typo3.base_url}"\n'
            f'mode = "reaction"\n[sites.reaction]\nurl = "{url}"\nsecret_env = "T3_REACTION"\n\n'
            f'[[sites]]\nid = "t3"\nkind = "typo3"\nname = "Connector site"\nurl = "{typo3.base_url}"\n'
            f'mode = "connector"\n[sites.connector.upsert_news]\nurl = "{upsert_url}"\nsecret_env = "T3_UPSERT"\n')
    env = {"T3_REACTION": secret, "T3_UPSERT": upsert_secret, "TEAM_SECRET": "whsec_" + "A" * 32}
    server = LiveServer(tmp_path, extra_toml=toml, env=env)
    for key, value in env.items():  # the Bridge built here to publish first reads the same secrets
        monkeypatch.setenv(key, value)
    bridge = Bridge(load_config(str(server.config)))
    try:
        bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
        item_id = add_item(bridge.store, title="Tower up", text="We raised the tower.")
        bridge.curation.approve(item_id, ["t3r"], actor="eva", allowed=None)
        assert bridge.outbox.run_due().done == 1
    finally:
        bridge.close()
    assert len(typo3.rows("tx_news_domain_model_news")) == 1
    server.start()
    page = browser_page
    try:
        login(page, server.url, next=f"/curation/items/{item_id}")
        page.screenshot(path=str(ARTIFACTS / "curation-item-reaction-site.png"), full_page=True)
        decide = page.locator("section.decide")
        assert "Editing is off: t3r cannot update" in decide.inner_text()
        assert decide.locator('input[name="title"], textarea[name="text"]').count() == 0
        assert "Retracting is off: t3r cannot take it down" in decide.inner_text()
        assert page.locator("text=Retract from every site").count() == 0
        labels = decide.locator("fieldset.sites label")
        assert "(creates only: later edits are not sent)" in labels.nth(0).inner_text()
        assert "(images are not sent)" in labels.nth(0).inner_text()
        assert "creates only" not in labels.nth(1).inner_text()
        # what is offered works: publish to the connector site too
        labels.nth(1).locator("input").check()
        decide.locator("button.approve").click()
        page.wait_for_url(f"{server.url}/curation/items/{item_id}")
        assert "t3" in page.locator("section.publications").inner_text()
        assert page.errors == []
    finally:
        server.stop()
