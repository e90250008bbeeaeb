"""`kill -9` of `cms-bridge serve` in the middle of a webhook load loses nothing that
was acknowledged and a redelivery never makes a second item.

A real gunicorn `serve` (subprocess, 2 workers) gets 400 signed Standard Webhooks
deliveries from 8 threads; after 150 answers the whole process group gets SIGKILL
(no graceful shutdown: requests in flight are cut). The service is started again on
the same database and every delivery is sent again with the same webhook-id and
bytes, signed afresh, as a sender's retry is. The big run (10,000) is `bench/bench_reliability.py`.
"""
from __future__ import annotations

import sqlite3

from tests.reliability_kit import kill_during_load

N = 400


def test_kill_9_during_a_webhook_load_loses_no_acknowledged_delivery_and_redelivery_adds_nothing(tmp_path):
    run = kill_during_load(str(tmp_path), N, kill_after=150)
    first, second = run["first"], run["second"]
    assert run["killed"]
    acknowledged = first.ok()
    # the kill really cut the load: some were answered, some were not
    assert 150 <= len(acknowledged) < N
    assert set(first.answers.values()) <= {0, 202}, first.answers

    db = sqlite3.connect(run["database"])
    try:
        deliveries = dict(db.execute("SELECT delivery_id, item_id FROM webhook_deliveries WHERE source_id = 'load'"))
        items = dict(db.execute("SELECT external_id, id FROM items WHERE source_id = 'load'"))
        item_count = db.execute("SELECT count(*) FROM items").fetchone()[0]
        delivery_count = db.execute("SELECT count(*) FROM webhook_deliveries").fetchone()[0]
    finally:
        db.close()

    # every delivery answered 2xx before the kill is stored, under the item it was told
    for delivery_id in acknowledged:
        assert deliveries[delivery_id] == first.bodies[delivery_id]["item_id"]
    # after the restart every redelivery is accepted; whatever was stored before the
    # kill (all acknowledged ones, and any whose answer the kill cut off) is answered
    # from the delivery record (Webhook-Replayed), with the same item
    assert second.ok() == set(second.answers) and len(second.answers) == N
    stored_before = set(second.replayed)
    assert acknowledged <= stored_before
    for delivery_id in acknowledged:
        assert second.bodies[delivery_id] == first.bodies[delivery_id]
    assert len(stored_before) < N  # the kill lost some, which the redelivery then stored
    # exactly one item and one delivery record per post: redeliveries created nothing
    assert item_count == N and delivery_count == N
    assert set(items) == {f"load-{i}" for i in range(N)}
    assert {second.bodies[f"msg_load_{i}"]["item_id"] for i in range(N)} == set(items.values())
