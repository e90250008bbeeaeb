"""Notifications end to end: a real SMTP server (aiosmtpd) and a real HTTP receiver
for the chat webhook, started by the tests; the outbox, clock and store are the
product's own. Nothing is mocked: a failed delivery is a stopped SMTP server."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from bridge import clock as clock_mod
from tests.conftest import EDITOR_PASSWORD, csrf_from, make_config
from tests.inbox_helpers import add_comment, add_editor
from tests.notify_kit import PUBLIC, iso_ago


@pytest.fixture
def config(notify_config):
    return notify_config


@pytest.fixture
def service(bridge, clock):
    bridge.store.time_source = clock
    return bridge.notifications


def settings(service, user_id, **values):
    base = {"enabled": 1, "digest": "off", "max_pending": None, "max_wait_minutes": None, "on_attention": 0,
            "email": "", "webhook_url": "", "webhook_kind": "slack", "webhook_secret_env": ""}
    service.save(user_id, {**base, **values})


def test_digest_counts_pending_failed_and_links_on_both_channels(bridge, service, clock, smtp, receiver):
    ann = add_editor(bridge.store, "ann", sites=None)
    settings(service, ann, digest="hourly", email="ann@example.org", webhook_url=receiver.base + "/hook")
    for minutes in (30, 90, 10):
        add_comment(bridge.store, site="corp", date=iso_ago(clock, minutes))
    add_comment(bridge.store, site="corp", status="approved", date=iso_ago(clock, 5))
    add_comment(bridge.store, site="shop", date=iso_ago(clock, 20))
    bridge.outbox.enqueue("no-such-kind", key="broken-change", payload={}, site_id="corp")
    assert bridge.outbox.run_due(site_id="corp").failed == 1  # one failed change on corp
    for n in (1, 2):
        bridge.store.insert_item({"source_id": "team", "external_id": f"x{n}", "title": f"Item {n}"}, [])

    created, stats = service.run()
    assert (created, stats.done) == (2, 2)
    [mail] = smtp.texts()
    assert smtp.sink.recipients == [["ann@example.org"]]
    assert "corp: 3 pending comment(s), the oldest waiting 90 min" in mail
    assert "shop: 1 pending comment(s), the oldest waiting 20 min" in mail
    assert "corp: 1 failed change(s)" in mail
    assert "2 item(s) to curate" in mail and f"Curation: {PUBLIC}/curation" in mail
    assert f"{PUBLIC}/inbox?site=corp&status=pending" in mail
    assert f"{PUBLIC}/inbox?site=shop&status=pending" in mail
    assert re.search(rf"Unsubscribe: {PUBLIC}/notifications/unsubscribe/\S+", mail)
    assert smtp.sink.messages[0]["List-Unsubscribe"].startswith(f"<{PUBLIC}/notifications/unsubscribe/")
    [(path, headers, body)] = receiver.posts
    assert path == "/hook" and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"text": mail.replace("\r\n", "\n")}

    assert service.run()[0] == 0  # the same hour: no second digest
    assert len(smtp.sink.messages) == 1 and len(receiver.posts) == 1
    clock.advance(3600)
    assert service.run()[1].done == 2  # the next hour's digest
    assert len(smtp.sink.messages) == 2


def test_matrix_webhook_gets_text_and_html_with_bearer_secret(bridge, service, clock, receiver, monkeypatch):
    monkeypatch.setitem(os.environ, "CMS_BRIDGE_NOTIFY_ROOM", "s3cret")
    ann = add_editor(bridge.store, "ann", sites=None)
    settings(service, ann, max_pending=0, webhook_url=receiver.base + "/hook", webhook_kind="matrix",
             webhook_secret_env="CMS_BRIDGE_NOTIFY_ROOM")
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))
    assert service.run()[1].done == 1
    [(_, headers, body)] = receiver.posts
    sent = json.loads(body)
    assert headers["Authorization"] == "Bearer s3cret"
    assert "1 comments are pending on corp (your limit: 0)" in sent["text"]
    assert f'href="{PUBLIC}/inbox?site=corp&amp;status=pending"' in sent["html"]


def test_threshold_alert_is_sent_once_per_crossing(bridge, service, clock, smtp):
    ann = add_editor(bridge.store, "ann", sites=None)
    settings(service, ann, email="ann@example.org", max_pending=2, max_wait_minutes=120)
    ids = [add_comment(bridge.store, site="corp", date=iso_ago(clock, 10)) for _ in range(3)]

    assert service.run()[1].done == 1
    [mail] = smtp.texts()
    assert "3 comments are pending on corp (your limit: 2)" in mail
    assert f"{PUBLIC}/inbox?site=corp&status=pending" in mail
    assert service.run()[0] == 0  # second run: nothing new
    assert len(smtp.sink.messages) == 1

    clock.advance(121 * 60)  # now the oldest has waited over two hours: a different alert
    assert service.run()[1].done == 1
    assert "Alert: a comment on corp has waited 2 h 11 min (your limit: 2 h 0 min)" in smtp.texts()[1]
    assert service.run()[0] == 0

    with bridge.store.write() as db:  # decided below the limit: the episode ends...
        db.execute("UPDATE comments SET status = 'approved' WHERE id = ?", [ids[0]])
    assert service.run()[0] == 0
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))  # ...and a new crossing is a new alert
    assert service.run()[1].done == 1
    assert len(smtp.sink.messages) == 3


def test_nothing_about_sites_the_user_may_not_see(bridge, service, clock, smtp, receiver):
    bob = add_editor(bridge.store, "bob", sites=["shop"])
    settings(service, bob, digest="daily", email="bob@example.org", webhook_url=receiver.base + "/hook",
             max_pending=0, max_wait_minutes=1, on_attention=1)
    bridge.store.sync_sites([{"id": "corp", "kind": "wordpress", "url": "https://corp.example.org"},
                             {"id": "shop", "kind": "wordpress", "url": "https://shop.example.org"}])
    for _ in range(5):
        add_comment(bridge.store, site="corp", date=iso_ago(clock, 600))
    bridge.store.set_site_attention("corp", "the application password was refused")
    bridge.outbox.enqueue("no-such-kind", key="corp-change", payload={}, site_id="corp")
    bridge.outbox.run_due(site_id="corp")
    bridge.store.insert_item({"source_id": "team", "external_id": "x1", "title": "For corp",
                              "target_sites": ["corp"]}, [])

    assert service.run()[0] == 0
    assert smtp.sink.messages == [] and receiver.posts == []

    add_comment(bridge.store, site="shop", date=iso_ago(clock, 2))  # now something on bob's own site
    bridge.store.set_site_attention("shop", "TLS certificate expired")
    created, stats = service.run()
    assert stats.done == created == 2 * 4  # digest + 3 alerts, on 2 channels
    for text in smtp.texts():
        assert "corp" not in text
    assert any("shop: 1 pending comment(s)" in t for t in smtp.texts())
    assert not any("to curate" in t for t in smtp.texts())
    assert any("shop needs attention: TLS certificate expired" in t for t in smtp.texts())
    assert all(b"corp" not in body for _, _, body in receiver.posts)


def test_a_queued_message_is_dropped_when_the_user_loses_the_site(bridge, service, clock, smtp):
    bob = add_editor(bridge.store, "bob", sites=None)
    settings(service, bob, email="bob@example.org", max_pending=0)
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))
    smtp.stop()
    assert service.run()[1].retried == 1  # queued while the server is away
    bridge.store.update_user(bob, sites=["shop"])  # an admin limits bob to shop meanwhile
    smtp.start()
    clock.advance(bridge.outbox.max_delay)
    assert service.run()[1].done == 1
    assert smtp.sink.messages == []
    assert "no longer see" in bridge.outbox.list(kind="notify")[0]["result"]["skipped"]


def test_failed_smtp_delivery_is_retried_and_then_delivered_once(bridge, service, clock, smtp):
    ann = add_editor(bridge.store, "ann", sites=None)
    settings(service, ann, email="ann@example.org", max_pending=0)
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))
    smtp.stop()

    created, stats = service.run()
    assert (created, stats.done, stats.retried) == (1, 0, 1)
    [job] = bridge.outbox.list(kind="notify")
    assert job["state"] == "queued" and job["attempts"] == 1
    assert f"127.0.0.1:{smtp.port} failed" in job["last_error"]
    assert service.run()[1].retried == 0  # not due yet: backoff

    smtp.start()
    clock.advance(bridge.outbox.max_delay)
    created, stats = service.run()
    assert (created, stats.done) == (0, 1)
    assert "1 comments are pending on corp" in smtp.texts()[0]
    clock.advance(bridge.outbox.max_delay)
    service.run()
    assert len(smtp.sink.messages) == 1
    assert bridge.outbox.list(kind="notify")[0]["state"] == "done"


def test_unsubscribe_link_works_without_login(bridge, app, service, clock, smtp):
    ann = add_editor(bridge.store, "ann", sites=None)
    settings(service, ann, email="ann@example.org", digest="hourly")
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))
    service.run()
    link = re.search(rf"Unsubscribe: {PUBLIC}(\S+)", smtp.texts()[0]).group(1)

    client = app.test_client()  # nobody logged in
    page = client.get(link)
    assert page.status_code == 200 and "Stop every digest" in page.get_data(as_text=True)
    assert bridge.store.notification_settings(ann)["enabled"] == 1  # a GET (a mail scanner) changes nothing
    done = client.post(link, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert done.status_code == 200 and "ann gets no more digests" in done.get_data(as_text=True)
    assert bridge.store.notification_settings(ann)["enabled"] == 0

    clock.advance(3600)
    assert service.run()[0] == 0
    assert len(smtp.sink.messages) == 1
    assert client.get(link[:-3] + "xyz").status_code == 404
    assert client.get("/notifications/unsubscribe/forged").status_code == 404


def test_account_page_sets_notifications_and_names_bad_values(bridge, app, client, auth, service):
    ed = add_editor(bridge.store, "ed", sites=["corp"])
    auth.login("ed", EDITOR_PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert 'id="notifications"' in page and 'action="/account/notifications"' in page

    bad = client.post("/account/notifications", data={
        "csrf_token": auth.csrf, "digest": "weekly", "max_pending": "lots", "email": "ed at example",
        "webhook_url": "ftp://x", "webhook_secret_env": "CMS_BRIDGE_SECRET_KEY"}, follow_redirects=True)
    text = bad.get_data(as_text=True)
    assert "Digest: &#39;weekly&#39; is not one of off, hourly, daily" in text
    assert "Pending comments above: &#39;lots&#39; is not a whole number" in text
    assert "E-mail: &#39;ed at example&#39; is not an e-mail address; write it like" in text
    assert "Chat webhook URL: &#39;ftp://x&#39; is not an http(s) URL" in text
    assert "&#39;CMS_BRIDGE_SECRET_KEY&#39; does not start with CMS_BRIDGE_NOTIFY_" in text
    assert bridge.store.notification_settings(ed) is None

    assert client.post("/account/notifications", data={"digest": "daily"}).status_code == 403  # no CSRF token
    ok = client.post("/account/notifications", data={
        "csrf_token": auth.csrf, "digest": "daily", "max_pending": "20", "max_wait_minutes": "120",
        "on_attention": "1", "email": "ed@example.org", "webhook_kind": "slack"}, follow_redirects=True)
    assert "Notification settings saved." in ok.get_data(as_text=True)
    saved = bridge.store.notification_settings(ed)
    assert (saved["digest"], saved["max_pending"], saved["max_wait_minutes"], saved["on_attention"],
            saved["email"]) == ("daily", 20, 120, 1, "ed@example.org")
    assert 'value="ed@example.org"' in client.get("/account").get_data(as_text=True)


def test_sync_drains_siteless_notification_jobs(bridge, service, clock, smtp):
    ann = add_editor(bridge.store, "ann", sites=None)
    settings(service, ann, email="ann@example.org", max_pending=0)
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))
    run = bridge.sync.run(sources=False)
    assert run.notifications[1].done == 1
    assert "1 comments are pending on corp" in smtp.texts()[0]


def test_cms_bridge_notify_command_for_cron(tmp_path, smtp):
    conf = tmp_path / "config.toml"
    conf.write_text(f'[server]\ndatabase = "bridge.db"\npublic_url = "{PUBLIC}"\n'
                    f'[notifications]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\n')
    from bridge.config import load_config
    from bridge.core import Bridge

    b = Bridge(load_config(str(conf)))
    ann = add_editor(b.store, "ann", sites=None)
    settings(b.notifications, ann, email="ann@example.org", digest="daily")
    add_comment(b.store, site="corp", date=clock_mod.iso())
    b.close()
    env = {k: v for k, v in os.environ.items() if k != "CMS_BRIDGE_SECRET_KEY"}
    cmd = [sys.executable, "-m", "bridge.cli", "--config", str(conf), "notify"]
    first = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "notifications: 1 new, 1 sent, 0 to retry, 0 failed" in first.stdout
    second = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert "notifications: 0 new, 0 sent" in second.stdout
    assert len(smtp.sink.messages) == 1
    assert "corp: 1 pending comment(s)" in smtp.texts()[0]


def test_webhook_refusals_fail_and_outages_retry(bridge, service, clock, receiver):
    ann = add_editor(bridge.store, "ann", sites=None)
    add_comment(bridge.store, site="corp", date=iso_ago(clock, 1))
    receiver.add("/gone", "no such hook", status=404)
    settings(service, ann, max_pending=0, webhook_url=receiver.base + "/gone")
    assert service.run()[1].failed == 1  # a 404 will not heal by itself: failed, listed, retryable by hand
    [job] = bridge.outbox.list(kind="notify")
    assert "answered HTTP 404" in job["last_error"] and "check the webhook URL" in job["last_error"]

    receiver.add("/busy", "later", status=503)
    add_comment(bridge.store, site="shop", date=iso_ago(clock, 1))
    settings(service, ann, max_pending=0, webhook_url=receiver.base + "/busy")
    assert service.run()[1].retried == 1
    receiver.routes["/busy"].status = 200
    clock.advance(bridge.outbox.max_delay)
    assert service.run()[1].done == 1
    assert [p for p, _, _ in receiver.posts].count("/busy") == 2


def test_webhook_to_a_private_address_is_refused_by_the_guard(tmp_path, clock, receiver):
    from bridge.core import Bridge

    b = Bridge(make_config(tmp_path, {"server": {"public_url": PUBLIC}}), clock=clock)  # no allow_private
    try:
        ann = add_editor(b.store, "ann", sites=None)
        settings(b.notifications, ann, max_pending=0, webhook_url=receiver.base + "/hook")
        add_comment(b.store, site="corp", date=iso_ago(clock, 1))
        assert b.notifications.run()[1].failed == 1
        assert "loopback address" in b.outbox.list(kind="notify")[0]["last_error"]
        assert receiver.posts == []
    finally:
        b.close()


def test_notifications_config_errors_name_key_value_and_fix(tmp_path):
    from bridge.config import ConfigError

    with pytest.raises(ConfigError) as err:
        make_config(tmp_path, {"notifications": {"smtp_port": 0, "from": "nobody", "starttls": "yes",
                                                 "password_env": "CMS_BRIDGE_SMTP_PASSWORD", "smpt_host": "x"}})
    problems = "\n".join(err.value.problems)
    assert "notifications.smtp_port: 0 is not a port number (1-65535)" in problems
    assert "notifications.from: 'nobody' is not an e-mail address (write it like bridge@example.org)" in problems
    assert "notifications.starttls: 'yes' is not true or false" in problems
    assert "notifications.smpt_host: 'x' is not a known key" in problems
    with pytest.raises(ConfigError) as err:
        make_config(tmp_path, {"notifications": {"password_env": "CMS_BRIDGE_SMTP_PASSWORD"}})
    assert "notifications.password_env: environment variable 'CMS_BRIDGE_SMTP_PASSWORD' is not set" in \
        err.value.problems[0]
    ok = make_config(tmp_path, {"notifications": {"password_env": "P", "username": "u"}}, environ={"P": "pw"})
    assert ok.secrets[("notifications", "smtp")] == {"password": "pw"}


def test_a_german_users_digest_and_alert_are_in_german(bridge, service, clock, smtp):
    """The account's language decides the message's: subject, lines, link labels and
    the unsubscribe link in German; site ids, counts and URLs as they are."""
    jana = add_editor(bridge.store, "jana", sites=None)
    bridge.store.set_language(jana, "de")
    settings(service, jana, digest="daily", email="jana@example.org", max_pending=1)
    for minutes in (30, 150):
        add_comment(bridge.store, site="corp", date=iso_ago(clock, minutes))
    assert service.run()[1].done == 2
    subjects = sorted(str(m["Subject"]) for m in smtp.sink.messages)
    assert subjects == ["cms-bridge, tägliche Zusammenfassung: was auf Sie wartet",
                        "cms-bridge: 2 Kommentare stehen auf corp aus (Ihre Grenze: 1)"]
    digest = next(t for t in smtp.texts() if "Zusammenfassung" in t or "ausstehende" in t)
    assert "corp: 2 ausstehende(r) Kommentar(e), der älteste wartet seit 2 Std. 30 Min." in digest
    assert f"Posteingang von corp: {PUBLIC}/inbox?site=corp&status=pending" in digest
    assert re.search(rf"Abbestellen: {PUBLIC}/notifications/unsubscribe/\S+", digest)
    assert not re.search(r"pending comment|Unsubscribe|Inbox of", " ".join(smtp.texts()))
