"""The connector plugin's admin side in the harness's real WordPress: the settings page (Settings
API) saves the URL and secret and refuses bad ones by name, "Send test event" reaches cms-bridge,
the Site Health test tells whether cms-bridge was reached, and ``cms-bridge sites check`` reports
whether the plugin is active and its version."""
from __future__ import annotations

import html
import json
import re

import pytest
import requests

from tests.wp_plugin_helpers import configure, install_plugin

pytestmark = pytest.mark.wordpress

PAGE = "/wp-admin/options-general.php?page=cms-bridge-connector"


@pytest.fixture
def bridge(make_bridge, plugin_config):
    return make_bridge(config=plugin_config)


def admin_session(wp) -> requests.Session:
    s = requests.Session()
    s.cookies.set("wordpress_test_cookie", "WP Cookie check")
    r = s.post(f"{wp.url}/wp-login.php", data={"log": wp.admin_user, "pwd": wp.admin_password, "testcookie": "1",
                                                "redirect_to": f"{wp.url}/wp-admin/"}, timeout=30)
    assert r.status_code == 200 and "wp-admin" in r.url, r.url
    return s


def form_fields(page: str, action: str) -> dict:
    """The hidden fields of the form that posts ``action`` (by its action URL or hidden action field)."""
    for form in re.findall(r"<form\b.*?</form>", page, flags=re.S):
        if action in form:
            out = {}
            for tag in re.findall(r"<input\b[^>]*>", form):
                attrs = {k: html.unescape(v) for k, _q, v in re.findall(r"(\w+)=(['\"])(.*?)\2", tag)}
                if attrs.get("type") == "hidden" and "name" in attrs:
                    out[attrs["name"]] = attrs.get("value", "")
            return out
    raise AssertionError(f"no form for {action} on the page")


def settings(wp) -> dict:
    return json.loads(wp.php("echo json_encode(get_option('cms_bridge_connector_settings'));"))


def health(wp) -> dict:
    out = wp.php("require_once ABSPATH . 'wp-admin/includes/class-wp-site-health.php';\n"
                 "$t = WP_Site_Health::get_tests()['direct']['cms_bridge_connector'];\n"
                 "echo json_encode(call_user_func($t['test']));")
    return json.loads(out.strip().splitlines()[-1])


def test_the_settings_page_saves_refuses_and_sends_a_test_event(wp, plugin_zip, live, bridge, secret):
    install_plugin(wp, plugin_zip)
    s = admin_session(wp)
    page = s.get(wp.url + PAGE, timeout=30).text
    assert "cms-bridge webhook URL" in page and "Send test event" in page and "Signing secret" in page
    fields = form_fields(page, "options.php")
    save = {**fields, "cms_bridge_connector_settings[endpoint]": live.endpoint("wp"),
            "cms_bridge_connector_settings[secret]": secret}
    r = s.post(f"{wp.url}/wp-admin/options.php", data=save, timeout=30)
    assert r.status_code == 200
    assert settings(wp) == {"endpoint": live.endpoint("wp"), "secret": secret}

    bad = {**fields, "cms_bridge_connector_settings[endpoint]": live.endpoint("wp"),
           "cms_bridge_connector_settings[secret]": "whsec_short"}
    r = s.post(f"{wp.url}/wp-admin/options.php", data=bad, timeout=30)
    assert "Signing secret: the signing secret is not a whsec_ value" in html.unescape(r.text)
    assert settings(wp)["secret"] == secret  # nothing was changed
    r = s.post(f"{wp.url}/wp-admin/options.php", timeout=30, data={
        **fields, "cms_bridge_connector_settings[endpoint]": "ftp://bridge.example/hooks"})
    assert "does not look like" in html.unescape(r.text) and settings(wp)["endpoint"] == live.endpoint("wp")
    # an empty secret field keeps the stored one (the page never shows it)
    s.post(f"{wp.url}/wp-admin/options.php", timeout=30, data={
        **fields, "cms_bridge_connector_settings[endpoint]": live.endpoint("wp"),
        "cms_bridge_connector_settings[secret]": ""})
    assert settings(wp)["secret"] == secret and secret not in s.get(wp.url + PAGE, timeout=30).text

    page = s.get(wp.url + PAGE, timeout=30).text
    r = s.post(f"{wp.url}/wp-admin/admin-post.php", data=form_fields(page, "cms_bridge_connector_test"), timeout=30)
    assert "the test event arrived" in r.text
    pings = bridge.store.query("SELECT * FROM wordpress_plugin_deliveries WHERE event_type = 'ping'")
    assert len(pings) == 1 and pings[0]["site_id"] == "wp"


def test_the_test_event_without_a_nonce_is_refused(wp, plugin_zip):
    install_plugin(wp, plugin_zip)
    s = admin_session(wp)
    r = s.post(f"{wp.url}/wp-admin/admin-post.php", data={"action": "cms_bridge_connector_test"}, timeout=30)
    assert r.status_code in (403, 200) and "link you followed has expired" in r.text


def test_site_health_says_whether_cms_bridge_was_reached(wp, plugin_zip, live, secret):
    install_plugin(wp, plugin_zip)
    assert health(wp)["status"] == "recommended" and "not set up" in health(wp)["label"]
    configure(wp, live.endpoint("wp"), secret)
    good = health(wp)
    assert good["status"] == "good" and good["label"] == "cms-bridge was reached"
    live.stop()
    wp.php("delete_option('cms_bridge_connector_contact');")  # no recent contact: the test pings
    bad = health(wp)
    assert bad["status"] == "critical" and bad["label"] == "cms-bridge could not be reached"
    assert "did not answer" in bad["description"]
    configure(wp, live.endpoint("wp"), "whsec_" + "A" * 40)  # a valid-looking but wrong secret
    live.start()
    wp.php("delete_option('cms_bridge_connector_contact');")
    wrong = health(wp)
    assert wrong["status"] == "critical" and "401" in wrong["description"]


def test_sites_check_reports_the_plugin(wp, plugin_zip, runner, secret):
    runner.setenv(WP_PASSWORD=wp.app_password, WP_EVENTS=secret).write(
        f'\n[[sites]]\nid = "blog"\nkind = "wordpress"\nurl = "{wp.url}"\nusername = "{wp.admin_user}"\n'
        f'password_env = "WP_PASSWORD"\nwebhook_secret_env = "WP_EVENTS"\ntimeout = 10.0\n')

    def check():
        result = runner("sites", "check")
        assert result.exit_code == 0, result.output
        return result.output

    assert "connector plugin: not active — sync polls" in check()
    install_plugin(wp, plugin_zip)
    assert "connector plugin: active, version 0.2.0; events NOT set up on the site" in check()
    configure(wp, "http://127.0.0.1:9/webhooks/wordpress/blog", secret)
    assert "connector plugin: active, version 0.2.0; events set up, 0 waiting in its queue" in check()
