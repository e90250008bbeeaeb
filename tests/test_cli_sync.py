"""``cms-bridge sites check|list`` and ``cms-bridge sync`` against the real WordPress."""
from __future__ import annotations

import pytest

from bridge.config import load_config
from bridge.store import open_store

pytestmark = pytest.mark.wordpress


@pytest.fixture
def cli(runner, wp):
    """The runner with one WordPress site; ``cli.write(password_var, transport)`` rewrites its file."""
    write_tables = runner.write

    def write(password_var="WP_PASSWORD", transport="auto"):  # noqa: S107 - a variable name
        return write_tables(
            f'\n[[sites]]\nid = "blog"\nkind = "wordpress"\nurl = "{wp.url}"\nusername = "{wp.admin_user}"\n'
            f'password_env = "{password_var}"\ntransport = "{transport}"\ntimeout = 10.0\n')

    runner.setenv(WP_PASSWORD=wp.app_password, WRONG_PASSWORD="not-the-password")
    write()
    runner.write = write
    return runner


def test_sites_check_ok_and_list(cli):
    result = cli("sites", "check")
    assert result.exit_code == 0, result.output
    assert "blog: ok" in result.output and "transport rest" in result.output
    assert "moderate comments yes" in result.output
    listed = cli("sites", "list")
    assert listed.exit_code == 0 and "blog\twordpress" in listed.output and "\trest\t" in listed.output


def test_sites_check_wrong_password_exits_1_with_the_fix(cli):
    result = cli("sites", "check", "blog", config=cli.write("WRONG_PASSWORD"))
    assert result.exit_code == 1
    assert "NOT USABLE" in result.output and "wrong credentials" in result.output


def test_sync_prints_a_line_per_site_and_skips_quietly_when_busy(cli, wp, tmp_path):
    wp.seed_comments(120)
    config_path = cli.write()
    first = cli("sync", config=config_path)
    assert first.exit_code == 0, first.output
    assert "blog: 121 new, 0 changed, 0 written back, 0 errors" in first.output

    store = open_store(load_config(config_path).server.database)
    assert store.acquire_lock("sync:blog", "another-run", 4e9, 900)
    busy = cli("sync", "--site", "blog", config=config_path)
    assert busy.exit_code == 0 and "another sync of this site is running" in busy.stderr
    assert busy.stdout == ""
    store.release_lock("sync:blog", "another-run")
    store.close()


def test_sync_exits_nonzero_when_a_site_fails(cli):
    result = cli("sync", config=cli.write("WRONG_PASSWORD"))
    assert result.exit_code == 1 and "blog: 0 new" in result.output and "FAILED" in result.output
