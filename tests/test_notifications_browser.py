"""The account page's notification section and the unsubscribe link in a real
Chromium (Debian's, Playwright), served over real HTTP from the test's app; the
message comes from the real SMTP server of tests/test_notifications.py."""
from __future__ import annotations

import re

import pytest

from tests.chromium import login
from tests.inbox_helpers import add_comment
from tests.notify_kit import PUBLIC, iso_ago
from tests.serve_helpers import threaded_app


@pytest.fixture
def config(notify_config):
    return notify_config


@pytest.fixture
def served(app):
    with threaded_app(app) as base:
        yield base


def submit(page, served, **fields):
    """Fill the notification form's fields (``digest`` is the select) and send it."""
    form = page.locator('form[action="/account/notifications"]')
    for name, value in fields.items():
        if name == "digest":
            form.locator('select[name="digest"]').select_option(value)
        else:
            form.locator(f'input[name="{name}"]').fill(value)
    form.locator('button[type="submit"]').click()
    page.wait_for_url(f"{served}/account#notifications")
    return form


def test_set_notifications_on_the_account_page_then_unsubscribe_from_the_mail(
        served, bridge, clock, smtp, new_page):
    bridge.store.time_source = clock
    page = new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text)  # the app has no favicon: that 404 is no problem
            if m.type == "error" and not m.location.get("url", "").endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, served, next="/account")

    submit(page, served, digest="hourly", max_pending="twenty", email="admin@example.org",
           webhook_secret_env="HOME")
    body = page.locator("body").inner_text()
    assert "Pending comments above: 'twenty' is not a whole number of at least 0" in body
    assert "Webhook secret variable: 'HOME' does not start with CMS_BRIDGE_NOTIFY_" in body

    form = submit(page, served, digest="hourly", max_pending="20", email="admin@example.org",
                  webhook_secret_env="")
    assert "Notification settings saved." in page.locator("body").inner_text()
    page.reload()
    assert form.locator('select[name="digest"]').input_value() == "hourly"
    assert form.locator('input[name="max_pending"]').input_value() == "20"

    add_comment(bridge.store, site="corp", date=iso_ago(clock, 3))
    assert bridge.notifications.run()[1].done == 1
    link = re.search(rf"Unsubscribe: {PUBLIC}(\S+)", smtp.texts()[0]).group(1)

    stranger = new_page()  # the mail's reader, not logged in
    stranger.goto(served + link)
    stranger.get_by_role("button", name="Unsubscribe").click()
    assert "admin gets no more digests or alerts" in stranger.locator("body").inner_text()
    assert bridge.store.notification_settings(1)["enabled"] == 0
    assert problems == []
