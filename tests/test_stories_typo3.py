"""Stories on a TYPO3 site in connector mode (the project's TYPO3 double speaking the
connector's bridge-upsert-news contract): one news record, updated in place as items
join, move or leave; its bodytext the story as sanitised HTML; retracting hides it."""
from __future__ import annotations

import hashlib

import pytest

from tests.curation_helpers import add_item
from tests.wp_bridge_helpers import image_file

NEWS = "tx_news_domain_model_news"


@pytest.fixture
def config(typo3_news_config):
    return typo3_news_config


def image_item(store, tmp_path, name, color, **columns) -> int:
    path = image_file(tmp_path, name, color)
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    return add_item(store, media=[{"path": path, "sha256": sha, "content_type": "image/png", "alt": name}], **columns)


def run(bridge, clock):
    clock.advance(bridge.services["stories"].settle_seconds + 1)
    stats = bridge.outbox.run_due()
    assert stats.failed == 0 and stats.retried == 0, stats.errors


def live_news(typo3) -> list[dict]:
    return typo3.rows(NEWS, "deleted = 0")


def test_one_news_record_updated_in_place_with_the_story_in_order(bridge, typo3, clock, tmp_path):
    stories = bridge.services["stories"]
    red = image_item(bridge.store, tmp_path, "red.png", (200, 30, 30), title="Tower", text="The tower",
                     author_name="Ann")
    words = add_item(bridge.store, title="Blades", text="Blades <arrived>", author_name="Ben")
    story = stories.create(title="Turbine 7", intro="A week at the site.", sites=["t3"], items=[red, words],
                           actor="eva", order="oldest")
    run(bridge, clock)
    (record,) = live_news(typo3)
    uid = record["uid"]
    assert record["title"] == "Turbine 7" and record["hidden"] == 0
    body = record["bodytext"]
    assert body.index("A week at the site.") < body.index("The tower") < body.index("Blades &lt;arrived&gt;")
    assert "<cite>" in body and ">Ben</a>" in body and "<script" not in body
    (reference,) = typo3.live_references(uid)
    first_file = reference["uid_local"]

    # a third item, placed first: the same record, its text first, its image the reference now
    blue = image_item(bridge.store, tmp_path, "blue.png", (30, 30, 200), title="Crane", text="The crane",
                      author_name="Cy")
    stories.add_items(story["id"], [blue], position=0, actor="eva")
    run(bridge, clock)
    (record,) = live_news(typo3)
    assert record["uid"] == uid
    body = record["bodytext"]
    assert body.index("The crane") < body.index("The tower") < body.index("Blades")
    (reference,) = typo3.live_references(uid)
    assert reference["uid_local"] != first_file and reference["alternative"] == "blue.png"
    assert stories.publications(story["id"])[0]["remote_ref"]["remote_id"] == f"news:{uid}"

    # withdrawn consent: gone from the record on the next update
    bridge.services["curation"].set_consent(words, "revoked", actor="eva", allowed=None)
    run(bridge, clock)
    (record,) = live_news(typo3)
    assert record["uid"] == uid and "Blades" not in record["bodytext"]

    stories.retract(story["id"], actor="eva")
    assert bridge.outbox.run_due().done == 1
    assert typo3.row(NEWS, uid)["hidden"] == 1
    assert len(typo3.rows(NEWS)) == 1
