"""Every class of config mistake gets one line naming the key path, the value and
what is expected; `cms-bridge config check` exits 2 on them, without a traceback."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bridge.config import ConfigError, load_config, validate_config

WP_SITE = {"id": "corp", "kind": "wordpress", "url": "https://www.example.org",
           "username": "bridge", "password_env": "WP_CORP_PASSWORD"}
ENV = {"WP_CORP_PASSWORD": "xxxx xxxx xxxx xxxx xxxx xxxx"}


def problems(raw, environ=None):
    with pytest.raises(ConfigError) as info:
        validate_config(raw, environ=ENV if environ is None else environ)
    return info.value.problems


def test_defaults_need_nothing_from_the_environment():
    config = validate_config({}, environ={})
    assert config.server.host == "127.0.0.1"
    assert config.server.port == 8000
    assert config.sites == [] and config.sources == []


def test_a_valid_site_resolves_its_secret_from_the_environment():
    config = validate_config({"sites": [WP_SITE]}, environ=ENV)
    assert config.site("corp")["url"] == "https://www.example.org"
    assert config.site_secrets("corp") == {"password": ENV["WP_CORP_PASSWORD"]}
    assert "password" not in config.site("corp")


def test_missing_key():
    site = dict(WP_SITE)
    del site["url"]
    assert problems({"sites": [site]}) == ["sites[0].url: is missing: a string expected"]


def test_wrong_type():
    assert problems({"server": {"port": "eighty"}}) == ["server.port: 'eighty' is not an integer"]


def test_bad_url_names_path_value_and_expectation():
    site = dict(WP_SITE, id="other")
    bad = dict(WP_SITE, url="htp:/x")
    assert problems({"sites": [site, bad]}) == [
        "sites[1].url: 'htp:/x' is not an http(s) URL (write it like https://www.example.org)"]


def test_unknown_kind():
    # "memory" is the tests' in-memory adapter, registered by tests/conftest.py
    assert problems({"sites": [dict(WP_SITE, kind="joomla")]}) == [
        "sites[0].kind: 'joomla' is not one of: memory, typo3, wordpress"]


def test_duplicate_site_id():
    assert problems({"sites": [WP_SITE, dict(WP_SITE)]}) == [
        "sites[1].id: 'corp' is already used by sites[0]; every site needs its own id"]


def test_missing_secret_env_var():
    assert problems({"sites": [WP_SITE]}, environ={}) == [
        "sites[0].password_env: environment variable 'WP_CORP_PASSWORD' is not set "
        "(export it before starting cms-bridge, or correct the variable's name)"]


def test_unknown_key_and_several_problems_at_once():
    found = problems({"server": {"prot": 80, "port": 0}, "sources": [{"id": "x", "kind": "feed"}]})
    assert "server.prot: 80 is not a known key (check its spelling and the table it is in)" in found
    assert "server.port: 0 is not a port number (1-65535)" in found
    assert "sources[0].url: is missing: a feed source needs the feed's http(s) URL" in found


def test_source_targets_must_be_configured_sites():
    found = problems({"sources": [{"id": "photos", "kind": "webhook", "secret_env": "S", "targets": ["nope"]}]},
                     environ={"S": "whsec_x"})
    assert found == ["sources[0].targets[0]: 'nope' is not the id of a configured site (known: none)"]


def test_relative_paths_are_relative_to_the_config_file(tmp_path):
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text('[server]\ndatabase = "data/b.db"\n')
    config = load_config(str(path), environ={})
    assert config.server.database == str(tmp_path / "conf" / "data" / "b.db")
    assert config.server.secret_key_file == str(tmp_path / "conf" / "data" / "secret_key")


def test_broken_toml_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[server\nport = 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(str(path), environ={})
    assert info.value.problems[0].startswith(f"{path}: not valid TOML")


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], capture_output=True, text=True,
                          env=env, timeout=60)


def test_config_check_exits_2_with_one_line_per_problem(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[server]\nport = "x"\n\n[[sites]]\nid = "a"\nkind = "joomla"\nurl = "htp:/x"\n')
    result = run_cli("--config", str(path), "config", "check", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "server.port: 'x' is not an integer" in result.stderr
    assert "sites[0].kind: 'joomla' is not one of: typo3, wordpress" in result.stderr
    assert "sites[0].url: 'htp:/x' is not an http(s) URL" in result.stderr


def test_config_check_accepts_the_example_config():
    result = run_cli("--config", "config.example.toml", "config", "check", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_the_commented_examples_in_config_example_toml_are_valid():
    """Uncomment every example table and key: the documentation must stay true."""
    import re
    import tomllib

    lines = []
    for line in open("config.example.toml", encoding="utf-8"):
        match = re.match(r"^# (\[\[?[\w.]+\]\]?\s*$|\w+ = .*)", line)
        lines.append(match.group(1) + "\n" if match else line)
    raw = tomllib.loads("".join(lines))
    assert {s["kind"] for s in raw["sites"]} == {"wordpress", "typo3"}
    environ = {name: "secret-value" for name in re.findall(r'_env = "(\w+)"', "".join(lines))}
    environ["TEAM_PHOTOS_SECRET"] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    config = validate_config(raw, environ=environ)
    assert [s["id"] for s in config.sites] == ["corp", "typo3-news", "typo3-full"]
    assert [s["id"] for s in config.sources] == ["team-photos", "ski-channel"]
    assert config.site_secrets("typo3-full")["connector.reply.secret"] == "secret-value"


def test_reconcile_budget_defaults_and_bounds():
    assert validate_config({}, environ={}).sync.reconcile_budget == 10
    assert validate_config({"sync": {"reconcile_budget": 0}}, environ={}).sync.reconcile_budget == 0
    assert problems({"sync": {"reconcile_budget": -1}}) == ["sync.reconcile_budget: -1 must be between 0 and 1000"]
