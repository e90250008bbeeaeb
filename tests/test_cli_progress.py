"""Long commands show progress on a terminal (click's bar with counts and an ETA, or
a running count when the total is unknown, on stderr) and nothing of it elsewhere:
under cron the log gets the command's lines and one summary line. The terminal is a
real pseudo-terminal (pty) given to the real CLI process as its stderr."""
from __future__ import annotations

import os
import pty
import re
import subprocess

import pytest

from tests.localhttp import LocalServer
from tests.test_backup import write_config
from tests.test_cli import CLI, free_port
from tests.test_source_admin import XML, rss
from tests.wp_bridge_helpers import site_config


def _config(tmp_path, extra: str = "") -> str:
    path = tmp_path / "config.toml"
    path.write_text('[server]\ndatabase = "var/bridge.db"\nmedia_dir = "var/media"\n\n'
                    '[media]\nallow_private = ["127.0.0.1"]\ntimeout = 5.0\n' + extra)
    return str(path)


def _env(extra: dict | None = None) -> dict:
    return {k: v for k, v in os.environ.items() if k != "CMS_BRIDGE_SECRET_KEY"} | (extra or {})


def on_a_terminal(conf: str, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    """Run the CLI with a pseudo-terminal as stderr; (exit code, stdout, what the terminal got)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([*CLI, "--config", conf, *args], stdout=subprocess.PIPE, stderr=slave,
                              stdin=subprocess.DEVNULL, env=_env(env), timeout=300, text=True)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
    return proc.returncode, proc.stdout, seen.decode(errors="replace")


def piped(conf: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "--config", conf, *args], capture_output=True, text=True, env=_env(env),
                          timeout=300)


@pytest.fixture
def feeds():
    with LocalServer() as server:
        for name in ("a", "b", "c"):
            server.add(f"/{name}.rss", rss(), headers=XML)
        yield server


def _feed_sources(feeds) -> str:
    return "".join(f'\n[[sources]]\nid = "{n}"\nkind = "feed"\nurl = "{feeds.base}/{n}.rss"\n' for n in "abc")


def test_sources_poll_piped_prints_its_lines_and_one_summary_and_no_bar(tmp_path, feeds):
    conf = _config(tmp_path, _feed_sources(feeds))
    result = piped(conf, "sources", "poll")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["a", "b", "c", "sources poll"]
    assert lines[-1].startswith("sources poll: 3 of 3 polled, ") and lines[-1].endswith(", 0 failed")
    assert result.stderr == ""  # no bar, no carriage returns in a cron mail


def test_sources_poll_on_a_terminal_shows_a_bar_with_counts(tmp_path, feeds):
    conf = _config(tmp_path, _feed_sources(feeds))
    code, out, terminal = on_a_terminal(conf, "sources", "poll")
    assert code == 0, out + terminal
    assert "sources" in terminal and "3/3" in terminal
    assert out.splitlines()[-1].startswith("sources poll: 3 of 3 polled")


def test_erase_at_origin_shows_a_bar_over_the_sites_only_on_a_terminal(tmp_path):
    down = f"http://127.0.0.1:{free_port()}"  # nobody listens: the site cannot be reached
    sites = "".join(f'\n[[sites]]\nid = "{n}"\nkind = "wordpress"\nurl = "{down}/{n}"\nusername = "u"\n'
                    f'password_env = "PW"\ntimeout = 2.0\n' for n in ("one", "two"))
    conf = _config(tmp_path, sites)
    env = {"PW": "abcd efgh ijkl mnop qrst uvwx"}
    code, out, terminal = on_a_terminal(conf, "erase", "--email", "ann@example.org", "--at-origin", env=env)
    assert "sites" in terminal and "2/2" in terminal, terminal
    result = piped(conf, "erase", "--email", "ann@example.org", "--at-origin", env=env)
    assert result.returncode == code and result.stdout == out
    assert "2/2" not in result.stderr and "\r" not in result.stderr


@pytest.mark.wordpress
def test_the_first_sync_of_a_site_counts_the_comments_pulled_on_a_terminal_only(tmp_path, wp):
    wp.seed_comments(7, status="approve")
    site = site_config(wp)
    conf = write_config(tmp_path, wp)
    env = {"WP_PASSWORD": wp.app_password}
    code, out, terminal = on_a_terminal(conf, "sync", "--no-sources", env=env)
    assert code == 0, out + terminal
    pulled = re.search(rf"{site['id']}: comments pulled: (\d+)", terminal)
    assert pulled and int(pulled.group(1)) >= 7, terminal  # the seeded ones (and WordPress's own sample)
    assert out.startswith(f"{site['id']}: {pulled.group(1)} new")
    again = piped(conf, "sync", "--no-sources", env=env)
    assert again.returncode == 0 and "comments pulled" not in again.stderr
    assert len(again.stdout.splitlines()) == 1  # one line per site, nothing else
