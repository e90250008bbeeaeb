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


def _self_signed(tmp_path) -> tuple[str, str]:
    """A certificate and key for bridge.example.org, made here (nginx -t loads both)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bridge.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("bridge.example.org")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


def test_the_nginx_example_passes_nginx_t(tmp_path):
    """Debian's own nginx reads the example (included into a minimal main config with a
    temporary prefix, the certificate paths pointed at a self-signed pair); nothing is
    started: ``nginx -t`` only parses, loads the certificate and exits."""
    text = open(os.path.join(ROOT, "deploy", "nginx-cms-bridge.conf")).read()
    for needed in ("behind_proxy = true", "X-Forwarded-Proto $scheme", "X-Forwarded-For", "location = /metrics",
                   "proxy_pass http://127.0.0.1:8000", "ssl_certificate "):
        assert needed in text
    cert, key = _self_signed(tmp_path)
    site = (tmp_path / "cms-bridge.conf")
    site.write_text(text.replace("/etc/letsencrypt/live/bridge.example.org/fullchain.pem", cert)
                    .replace("/etc/letsencrypt/live/bridge.example.org/privkey.pem", key))
    main_conf = tmp_path / "nginx.conf"
    main_conf.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
                         f"http {{\n  access_log off;\n  include {site};\n}}\n")
    result = subprocess.run(["nginx", "-t", "-q", "-p", str(tmp_path), "-c", str(main_conf),
                             "-e", str(tmp_path / "error.log")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "emerg" not in result.stderr, result.stderr
