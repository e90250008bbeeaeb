"""Publishing through the outbox into a TYPO3 site (the project's TYPO3 double, a real
HTTP server speaking the connector's reaction contract): one news record per item,
edits update it in place, retraction hides it, and a stopped server shows as
retrying with the reason, then failed, then queued again by a manual retry."""
from __future__ import annotations

import pytest

from tests.test_curation import add_item, curation_config, jobs_of

CAPABILITIES = {"upsert_news": "bridge-upsert-news", "unpublish": "bridge-unpublish"}


@pytest.fixture
def config(tmp_path, typo3):
    connector, environ = {}, {}
    for name, reaction_type in CAPABILITIES.items():
        url, secret = typo3.add_reaction(reaction_type, storage_pid=12)
        connector[name] = {"url": url, "secret_env": f"T3_{name.upper()}"}
        environ[f"T3_{name.upper()}"] = secret
    site = {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 news", "mode": "connector",
            "connector": connector, "timeout": 2.0}
    sources = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["t3"]}]
    return curation_config(tmp_path, sites=[site], sources=sources, environ=environ)


@pytest.fixture
def curation(bridge):
    return bridge.services["curation"]


def news(typo3) -> list[dict]:
    return typo3.rows("tx_news_domain_model_news", "deleted = 0")


def test_publish_edit_and_retract_one_news_record(bridge, curation, typo3):
    item_id = add_item(bridge.store, title="Tower up", text="We raised the tower.", author_name="Ann")
    curation.approve(item_id, ["t3"], actor="eva")

    assert bridge.outbox.run_due().done == 1
    (pub,) = curation.publications(item_id)
    assert pub["shown_state"] == "published" and pub["remote_ref"]["remote_id"].startswith("news:")
    (record,) = news(typo3)
    assert record["title"] == "Tower up" and record["hidden"] == 0

    curation.edit(item_id, actor="eva", title="Tower 12 is up")
    assert bridge.outbox.run_due().done == 1
    (record,) = news(typo3)
    assert record["title"] == "Tower 12 is up"
    assert curation.publications(item_id)[0]["remote_ref"]["remote_id"] == pub["remote_ref"]["remote_id"]

    curation.retract(item_id, actor="eva")
    assert bridge.outbox.run_due().done == 1
    assert curation.publications(item_id)[0]["shown_state"] == "unpublished"
    (record,) = news(typo3)
    assert record["hidden"] == 1


def test_a_stopped_server_is_retrying_then_failed_then_retried_by_hand(bridge, curation, typo3, clock):
    item_id = add_item(bridge.store, title="While down")
    curation.approve(item_id, ["t3"], actor="eva")
    typo3.stop()

    assert bridge.outbox.run_due().retried == 1
    (pub,) = curation.publications(item_id)
    assert pub["shown_state"] == "retrying" and "unreachable" in pub["job_error"].lower()
    assert pub["job_attempts"] == 1
    clock.advance(3600)
    assert bridge.outbox.run_due().retried == 1
    clock.advance(3600)
    assert bridge.outbox.run_due().failed == 1
    (pub,) = curation.publications(item_id)
    assert pub["shown_state"] == "failed" and "gave up after 3 attempts" in pub["job_error"]

    with pytest.raises(Exception, match="only failed publications"):
        curation.retry_publication(item_id, "nowhere", actor="eva")
    curation.retry_publication(item_id, "t3", actor="eva")
    (pub,) = curation.publications(item_id)
    assert pub["shown_state"] == "queued" and pub["job_attempts"] == 0
    assert len(jobs_of(bridge.store, item_id)) == 1
