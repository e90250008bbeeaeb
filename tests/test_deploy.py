"""The systemd units in deploy/ as systemd itself reads them: `systemd-analyze
verify` with the ExecStart pointed at this checkout's real cms-bridge."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNITS = ["cms-bridge.service", "cms-bridge-sync.service"]
INSTALLED = "/opt/cms-bridge/.venv/bin/cms-bridge"


@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_and_is_hardened(tmp_path, unit):
    text = open(os.path.join(ROOT, "deploy", unit)).read()
    for setting in ("DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=cms-bridge", "NoNewPrivileges=yes"):
        assert setting in text
    here = os.path.join(os.path.dirname(sys.executable), "cms-bridge")
    assert os.access(here, os.X_OK)
    (tmp_path / unit).write_text(text.replace(INSTALLED, here))
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True,
                            timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if unit in line or "Unknown" in line or "not executable" in line]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_units_run_commands_that_exist():
    from click.testing import CliRunner

    from bridge.cli import main

    for unit in UNITS:
        for line in open(os.path.join(ROOT, "deploy", unit)):
            if line.startswith(("ExecStart=", "ExecStartPre=")):
                args = line.split("=", 1)[1].split()[3:]  # after the binary and --config PATH
                result = CliRunner().invoke(main, [*args, "--help"])
                assert result.exit_code == 0, (line, result.output)
