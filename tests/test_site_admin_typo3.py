"""A TYPO3 site in connector mode connected from the site form, against the TYPO3
double (a real HTTP server speaking the connector's reaction contract): each
capability's reaction checked on save, a wrong secret shown inline and not saved,
a capability left blank not granted, and an edit that leaves the secrets blank."""
from __future__ import annotations

CAPABILITIES = {"upsert_news": "bridge-upsert-news", "unpublish": "bridge-unpublish",
                "list_comments": "bridge-list-comments", "moderate_comment": "bridge-moderate-comment"}


def test_connector_mode_from_the_site_form(client, auth, bridge, typo3):
    typo3.add_pw_comment("Nice tower")
    auth.login()
    assert "TYPO3 (connector)" in client.get("/sites/new").get_data(as_text=True)
    page = client.get("/sites/new?kind=typo3-connector").get_data(as_text=True)
    assert 'name="connector_upsert_news_url"' in page and 'name="connector_reply_secret"' in page
    form = {"csrf_token": auth.csrf, "kind": "typo3-connector", "id": "t3", "url": typo3.base_url}
    secrets = {}
    for cap, reaction_type in CAPABILITIES.items():
        url, secret = typo3.add_reaction(reaction_type, storage_pid=12)
        form[f"connector_{cap}_url"], form[f"connector_{cap}_secret"] = url, secret
        secrets[cap] = secret

    wrong = client.post("/sites/new", data={**form, "connector_unpublish_secret": "x" * 40})
    assert wrong.status_code == 422 and "Not saved: the check found a problem" in wrong.get_data(as_text=True)
    assert bridge.store.managed_sites() == []
    missing = client.post("/sites/new", data={**form, "connector_reply_url": form["connector_upsert_news_url"]})
    assert missing.status_code == 422 and "reply: reaction secret: is missing" in missing.get_data(as_text=True)

    saved = client.post("/sites/new", data=form, follow_redirects=True)
    assert "t3: connected and checked (typo3" in saved.get_data(as_text=True)
    site = bridge.config.site("t3")
    assert site["mode"] == "connector" and set(site["connector"]) == set(CAPABILITIES)
    features = {f.value for f in bridge.adapter("t3").features}
    assert "reply" not in features and "update" in features

    edit = client.get("/sites/t3/edit").get_data(as_text=True)
    assert "TYPO3 (connector)" in edit and form["connector_upsert_news_url"] in edit
    assert not any(secret in edit for secret in secrets.values())
    blank = {k: ("" if k.endswith("_secret") else v) for k, v in form.items()}
    assert client.post("/sites/t3/edit", data={**blank, "name": "News"}).status_code == 302
    assert bridge.config.site("t3")["name"] == "News" and bridge.adapter("t3").check().ok
