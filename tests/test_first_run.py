"""The first hour of a new admin: the pages say which file to edit, and `make run`
serves the admin's own config.toml once it exists."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from bridge.config import load_config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(f'[server]\ndatabase = "{tmp_path / "bridge.db"}"\nmedia_dir = "{tmp_path / "media"}"\n'
                    f'secret_key_file = "{tmp_path / "secret_key"}"\n')
    return load_config(str(path), environ={})


@pytest.mark.parametrize("page", ["/", "/sites"])
def test_with_no_site_the_pages_name_the_config_file_and_the_steps(client, auth, tmp_path, page):
    auth.login()
    html = client.get(page).get_data(as_text=True)
    assert f"<code>{tmp_path / 'config.toml'}</code>" in html
    assert "[[sites]]" in html and "password_env" in html
    assert f"cms-bridge --config {tmp_path / 'config.toml'} sites check" in html
    assert "Restart the server" in html


def make_dry_run(workdir) -> str:
    return subprocess.run(["make", "-n", "run"], cwd=workdir, capture_output=True, text=True, check=True,
                          env={**os.environ, "MAKEFLAGS": ""}).stdout


def test_make_run_serves_config_toml_once_it_exists(tmp_path):
    for name in ("Makefile", "setup.cfg", "pyproject.toml", "config.example.toml"):
        shutil.copy(os.path.join(ROOT, name), tmp_path / name)
    before = make_dry_run(tmp_path)
    assert "--config config.example.toml serve" in before
    assert "copy it to config.toml" in before

    (tmp_path / "config.toml").write_text("[server]\nport = 8001\n")
    after = make_dry_run(tmp_path)
    assert "--config config.toml serve" in after and "config.example.toml" not in after
