"""Publishing through the outbox into a TYPO3 site (the project's TYPO3 double, a real
HTTP server speaking the connector's reaction contract): one news record per item,
edits update it in place, retraction hides it, and a stopped server shows as
retrying with the reason, then failed, then queued again by a manual retry."""
from __future__ import annotations

import pytest

from tests.curation_helpers import T3_CONNECTOR, add_item, curation_config, jobs_of


@pytest.fixture
def config(typo3_news_config):
    return typo3_news_config


@pytest.fixture
def curation(bridge):
    return bridge.curation


def news(typo3) -> list[dict]:
    return typo3.rows("tx_news_domain_model_news", "deleted = 0")


def test_publish_edit_and_retract_one_news_record(bridge, curation, typo3):
    item_id = add_item(bridge.store, title="Tower up", text="We raised the tower.", author_name="Ann")
    curation.approve(item_id, ["t3"], actor="eva", allowed=None)

    assert bridge.outbox.run_due().done == 1
    (pub,) = curation.publications(item_id, None)
    assert pub["shown_state"] == "published" and pub["remote_ref"]["remote_id"].startswith("news:")
    (record,) = news(typo3)
    assert record["title"] == "Tower up" and record["hidden"] == 0

    curation.edit(item_id, actor="eva", allowed=None, title="Tower 12 is up")
    assert bridge.outbox.run_due().done == 1
    (record,) = news(typo3)
    assert record["title"] == "Tower 12 is up"
    assert curation.publications(item_id, None)[0]["remote_ref"]["remote_id"] == pub["remote_ref"]["remote_id"]

    curation.retract(item_id, actor="eva", allowed=None)
    assert bridge.outbox.run_due().done == 1
    assert curation.publications(item_id, None)[0]["shown_state"] == "unpublished"
    (record,) = news(typo3)
    assert record["hidden"] == 1


def test_a_stopped_server_is_retrying_then_failed_then_retried_by_hand(bridge, curation, typo3, clock):
    item_id = add_item(bridge.store, title="While down")
    curation.approve(item_id, ["t3"], actor="eva", allowed=None)
    typo3.stop()

    assert bridge.outbox.run_due().retried == 1
    (pub,) = curation.publications(item_id, None)
    assert pub["shown_state"] == "retrying" and "unreachable" in pub["job_error"].lower()
    assert pub["job_attempts"] == 1
    clock.advance(3600)
    assert bridge.outbox.run_due().retried == 1
    clock.advance(3600)
    assert bridge.outbox.run_due().failed == 1
    (pub,) = curation.publications(item_id, None)
    assert pub["shown_state"] == "failed" and "gave up after 3 attempts" in pub["job_error"]

    with pytest.raises(Exception, match="only failed publications"):
        curation.retry_publication(item_id, "nowhere", actor="eva", allowed=None)
    curation.retry_publication(item_id, "t3", actor="eva", allowed=None)
    (pub,) = curation.publications(item_id, None)
    assert pub["shown_state"] == "queued" and pub["job_attempts"] == 0
    assert len(jobs_of(bridge.store, item_id)) == 1


# -- a reaction-mode site: only publish is offered, anything else is refused up front -----------------

@pytest.fixture
def reaction_bridge(tmp_path, typo3, make_bridge):

    url, secret = typo3.add_reaction("create-record", table="tx_news_domain_model_news",
                                     fields={"title": "${title}", "teaser": "${teaser}", "bodytext": "${html}",
                                             "notes": "${item_id}"})
    capabilities, environ = {}, {"T3_REACTION": secret}
    for name, reaction_type in T3_CONNECTOR.items():
        curl, csecret = typo3.add_reaction(reaction_type, storage_pid=12)
        capabilities[name] = {"url": curl, "secret_env": f"T3_{name.upper()}"}
        environ[f"T3_{name.upper()}"] = csecret
    sites = [{"id": "t3r", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 reaction mode", "mode": "reaction",
              "reaction": {"url": url, "secret_env": "T3_REACTION"}, "timeout": 2.0},
             {"id": "t3", "kind": "typo3", "url": typo3.base_url, "name": "TYPO3 connector", "mode": "connector",
              "connector": capabilities, "timeout": 2.0}]
    sources = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["t3r", "t3"]}]
    return make_bridge(config=curation_config(tmp_path, sites=sites, sources=sources, environ=environ))


def published_to_both(bridge) -> int:
    item_id = add_item(bridge.store, title="Tower up", text="We raised the tower.")
    bridge.curation.approve(item_id, ["t3r", "t3"], actor="eva", allowed=None)
    assert bridge.outbox.run_due().done == 2
    return item_id


def test_editing_an_item_on_a_create_only_site_is_refused_naming_site_and_feature(reaction_bridge, typo3):
    from bridge.curation import Conflict  # noqa: PLC0415

    curation = reaction_bridge.curation
    item_id = published_to_both(reaction_bridge)
    jobs_before = len(jobs_of(reaction_bridge.store, item_id))
    with pytest.raises(Conflict) as error:
        curation.edit(item_id, actor="eva", allowed=None, title="Tower 12 is up")
    assert error.value.status == 409 and error.value.value == ["t3r"]
    assert "t3r" in error.value.detail and "cannot update" in error.value.detail
    assert "reaction mode" in error.value.detail
    assert len(jobs_of(reaction_bridge.store, item_id)) == jobs_before  # nothing queued, nothing to get stuck
    assert curation.get(item_id, None)["edited_title"] is None
    with pytest.raises(Conflict, match="t3r, which cannot unpublish"):
        curation.retract(item_id, actor="eva", allowed=None)
    assert curation.get(item_id, None)["state"] == "approved"
    assert len(typo3.rows("tx_news_domain_model_news")) == 2


def test_revoked_consent_takes_it_down_where_possible_and_says_where_by_hand(reaction_bridge, typo3):
    curation = reaction_bridge.curation
    item_id = published_to_both(reaction_bridge)
    outcome = curation.set_consent(item_id, "revoked", actor="eva", allowed=None)
    assert [reaction_bridge.store.get_job(j)["site_id"] for j in outcome.jobs] == ["t3"]  # no job doomed to fail
    assert "remove it by hand on t3r (cannot unpublish)" in curation.history(item_id)[-1]["detail"]
    assert reaction_bridge.outbox.run_due().done == 1
    states = {p["site_id"]: p["shown_state"] for p in curation.publications(item_id, None)}
    assert states == {"t3r": "published", "t3": "unpublished"}  # what is true on each site
    assert reaction_bridge.outbox.run_due().failed == 0


def test_api_answers_409_problem_for_an_unsupported_action(reaction_bridge):
    from bridge.app import create_app  # noqa: PLC0415
    from bridge.security import hash_password  # noqa: PLC0415
    from tests.conftest import ADMIN_PASSWORD, Auth  # noqa: PLC0415
    from tests.test_api_items import token_for  # noqa: PLC0415

    item_id = published_to_both(reaction_bridge)
    reaction_bridge.store.create_user("admin", hash_password(ADMIN_PASSWORD), "admin", None)
    client = create_app(bridge=reaction_bridge, testing=True).test_client()
    api = token_for(reaction_bridge.store, "admin")
    response = client.post(f"/api/v1/items/{item_id}/approve", json={"sites": ["t3r", "t3"], "title": "Edited"},
                           headers=api)
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert "t3r" in body["detail"] and "update" in body["detail"]
    assert body["errors"][0]["field"] == "sites" and body["errors"][0]["value"] == ["t3r"]
    item = client.get(f"/api/v1/items/{item_id}", headers=api).get_json()
    assert {p["site_id"]: p["site_features"] for p in item["publications"]} == {
        "t3r": ["publish"], "t3": ["images", "publish", "unpublish", "update"]}

    Auth(client).login()
    page = client.get(f"/curation/items/{item_id}").get_data(as_text=True)
    assert 'id="cannot-update"' in page and 'id="cannot-retract"' in page
    assert 'name="title"' not in page.split('id="cannot-update"')[0].rsplit("<form", 1)[-1]
    assert "Retract from every site" not in page
    assert "(images are not sent)" in page and "(creates only: later edits are not sent)" in page
    sites_page = client.get("/sites").get_data(as_text=True)
    assert "publish creates only" in sites_page


def test_sites_check_prints_each_sites_features(reaction_bridge, runner, typo3):
    url, secret = typo3.add_reaction("create-record", table="tx_news_domain_model_news", fields={"title": "${title}"})
    runner.setenv(T3_REACTION=secret).write(
        f'\n[[sites]]\nid = "t3r"\nkind = "typo3"\nurl = "{typo3.base_url}"\nmode = "reaction"\n'
        f'[sites.reaction]\nurl = "{url}"\nsecret_env = "T3_REACTION"\n', name="cli.toml")
    result = runner("sites", "check")
    assert result.exit_code == 0, result.output
    assert "features: publish; not offered for this site: comments, erase, images, moderate, reply, unpublish, update" \
        in result.output
    assert "teaser and author are excluded fields" in result.output


def test_a_lost_answer_in_reaction_mode_fails_the_job_instead_of_resending(tmp_path, typo3, clock):
    """TYPO3 made the record, the answer was lost on the way back: the outbox must not send it
    again by itself (create-record would make a duplicate); the job fails with what to check."""
    from bridge.core import Bridge  # noqa: PLC0415
    from tests.typo3_double.proxy import ForwardingProxy  # noqa: PLC0415

    url, secret = typo3.add_reaction("create-record", table="tx_news_domain_model_news",
                                     fields={"title": "${title}", "notes": "${item_id}"})
    proxy = ForwardingProxy(typo3.base_url, "drop")
    site = {"id": "t3r", "kind": "typo3", "url": typo3.base_url, "mode": "reaction", "timeout": 2.0,
            "reaction": {"url": proxy.url_for(url), "secret_env": "T3_REACTION"}}
    sources = [{"id": "team", "kind": "webhook", "secret_env": "TEAM_SECRET", "targets": ["t3r"]}]
    bridge = Bridge(curation_config(tmp_path, sites=[site], sources=sources, environ={"T3_REACTION": secret}),
                    clock=clock)
    try:
        item_id = add_item(bridge.store, title="Sent once")
        bridge.curation.approve(item_id, ["t3r"], actor="eva", allowed=None)
        assert bridge.outbox.run_due().failed == 1
        for _ in range(3):
            clock.advance(3600)
            bridge.outbox.run_due()
        (pub,) = bridge.curation.publications(item_id, None)
        assert pub["shown_state"] == "failed" and "look for the record in TYPO3" in pub["job_error"]
    finally:
        bridge.close()
        proxy.stop()
    assert proxy.forwarded == 1 and len(typo3.rows("tx_news_domain_model_news", "title = 'Sent once'")) == 1
