"""Stories on a TYPO3 site in connector mode (the project's TYPO3 double speaking the
connector's bridge-upsert-news contract): one news record, updated in place as items
join, move or leave; its bodytext the story as sanitised HTML; every image one of its
fal_media references in story order (connector 1.3.0 "images"; the same references re-sorted,
never copied); retracting hides it. A 1.2.0 connector still gets the story's first image."""
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
    clock.advance(bridge.stories.settle_seconds + 1)
    stats = bridge.outbox.run_due()
    assert stats.failed == 0 and stats.retried == 0, stats.errors


def live_news(typo3) -> list[dict]:
    return typo3.rows(NEWS, "deleted = 0")


def references_in_order(typo3, uid: int) -> list[dict]:
    """The record's live fal_media references as news shows them: by sorting_foreign."""
    return typo3.db.query("SELECT * FROM sys_file_reference WHERE tablenames = ? AND fieldname = 'fal_media' AND "
                          "uid_foreign = ? AND deleted = 0 ORDER BY sorting_foreign, uid", (NEWS, uid))


def test_one_news_record_updated_in_place_with_the_story_in_order(bridge, typo3, clock, tmp_path):
    stories = bridge.stories
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
    (red_ref,) = references_in_order(typo3, uid)

    # a third item with an image, placed first: the same record, its text first, its image the first reference,
    # the red one's reference kept (not a copy) and moved behind it
    blue = image_item(bridge.store, tmp_path, "blue.png", (30, 30, 200), title="Crane", text="The crane",
                      author_name="Cy")
    stories.add_items(story["id"], [blue], position=0, actor="eva")
    run(bridge, clock)
    (record,) = live_news(typo3)
    assert record["uid"] == uid
    body = record["bodytext"]
    assert body.index("The crane") < body.index("The tower") < body.index("Blades")
    blue_ref, kept = references_in_order(typo3, uid)
    assert kept["uid"] == red_ref["uid"] and kept["alternative"] == "red.png"
    assert blue_ref["alternative"] == "blue.png" and blue_ref["uid_local"] != red_ref["uid_local"]
    assert [r["sorting_foreign"] for r in (blue_ref, kept)] == [1, 2] and record["fal_media"] == 2
    assert stories.publications(story["id"])[0]["remote_ref"]["remote_id"] == f"news:{uid}"

    # reordered: the same two references, re-sorted in place; nothing added, nothing deleted
    stories.update(story["id"], {"item_order": [red, words, blue]}, actor="eva")
    run(bridge, clock)
    (record,) = live_news(typo3)
    assert record["uid"] == uid and record["bodytext"].index("The tower") < record["bodytext"].index("The crane")
    assert [r["uid"] for r in references_in_order(typo3, uid)] == [red_ref["uid"], blue_ref["uid"]]
    assert len(typo3.rows("sys_file_reference")) == 2 and len(typo3.rows("sys_file")) == 2
    upserts = [r["body"] for r in typo3.requests if "images" in r["body"]]
    assert [i["alt"] for i in upserts[-1]["images"]] == ["red.png", "blue.png"] and "image" not in upserts[-1]

    # withdrawn consent: gone from the record on the next update
    bridge.curation.set_consent(words, "revoked", actor="eva", allowed=None)
    run(bridge, clock)
    (record,) = live_news(typo3)
    assert record["uid"] == uid and "Blades" not in record["bodytext"]
    # the image item leaves: its reference goes, the other stays
    bridge.curation.set_consent(red, "revoked", actor="eva", allowed=None)
    run(bridge, clock)
    assert [r["uid"] for r in references_in_order(typo3, uid)] == [blue_ref["uid"]]

    stories.retract(story["id"], actor="eva")
    assert bridge.outbox.run_due().done == 1
    assert typo3.row(NEWS, uid)["hidden"] == 1
    assert len(typo3.rows(NEWS)) == 1


def test_a_1_2_0_connector_gets_the_first_image_only(bridge, typo3, clock, tmp_path):
    typo3.connector.connector_version = "1.2.0"  # the probe says so; the adapter sends "image"
    stories = bridge.stories
    red = image_item(bridge.store, tmp_path, "red.png", (200, 30, 30), title="Tower", text="The tower")
    blue = image_item(bridge.store, tmp_path, "blue.png", (30, 30, 200), title="Crane", text="The crane")
    stories.create(title="Turbine 8", sites=["t3"], items=[red, blue], actor="eva", order="oldest")
    run(bridge, clock)
    (record,) = live_news(typo3)
    (reference,) = references_in_order(typo3, record["uid"])
    assert reference["alternative"] == "red.png"
    (upsert,) = [r["body"] for r in typo3.requests if "import_id" in r["body"]]
    assert "images" not in upsert and upsert["image"]["alt"] == "red.png"
