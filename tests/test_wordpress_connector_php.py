"""The WordPress connector plugin's PHP: every file lints, its PHPUnit tests pass, its signatures
verify with cms-bridge's own verifier, and the zip ``make wordpress-plugin`` builds is what
WordPress expects to upload.

Debian's php and phpunit 9.6; the pure classes (Signer, EventMerger, ChangeCursor, Backoff,
CommentShape) load without WordPress through Tests/bootstrap.php. The WordPress-facing classes are
exercised in the real harness WordPress by tests/test_wordpress_plugin.py.
"""
from __future__ import annotations

import json
import re
import subprocess
import time
import zipfile
from pathlib import Path

from tests.php_helpers import lint_failures, phpunit_passed
from tests.wp_plugin_helpers import build_zip
from webhooks import signatures

CONNECTOR = Path(__file__).resolve().parent.parent / "connectors" / "wordpress"


def test_every_php_file_lints():
    count, failures = lint_failures(CONNECTOR)
    assert count >= 15
    assert failures == []


def test_phpunit_unit_tests_pass():
    # a suite that shrinks lost tests
    assert phpunit_passed(CONNECTOR) >= 40


def test_the_plugins_signature_verifies_with_cms_bridges_verifier():
    secret = signatures.generate_secret()
    event = {"type": "comment.created", "data": {"comment": {"id": 5, "content": {"raw": "Grüße ✓"}}}}
    body = json.dumps(event, ensure_ascii=False)
    now = int(time.time())
    php = ("require 'includes/Signer.php';"
           "$in = json_decode(stream_get_contents(STDIN), true);"
           "echo json_encode(CmsBridge\\Connector\\Signer::headers($in['secret'], 'msg_abc', $in['ts'], $in['body']));")
    given = json.dumps({"secret": secret, "ts": now, "body": body})
    out = subprocess.run(["php", "-r", php], cwd=CONNECTOR, input=given, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    headers = json.loads(out.stdout)
    assert signatures.verify(secret, body.encode(), headers) == "msg_abc"
    tampered = body.replace("Grüße", "Grüsse").encode()
    assert tampered != body.encode()
    try:
        signatures.verify(secret, tampered, headers)
    except signatures.SignatureError as exc:
        assert "no matching signature" in str(exc)
    else:
        raise AssertionError("a changed body verified")


def test_the_zip_holds_one_plugin_folder_and_no_tests(tmp_path):
    path = build_zip(tmp_path / "cms-bridge-connector.zip")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        header = zf.read("cms-bridge-connector/cms-bridge-connector.php").decode()
    assert all(n.startswith("cms-bridge-connector/") for n in names)
    assert {"cms-bridge-connector/includes/Plugin.php", "cms-bridge-connector/mu-loader.php",
            "cms-bridge-connector/uninstall.php"} <= set(names)
    assert not [n for n in names if "Tests" in n or "phpunit" in n]
    assert "Requires at least: 6.1" in header and "Requires PHP:      7.4" in header
    version = re.search(r"Version:\s+(\S+)", header).group(1)
    plugin_php = (CONNECTOR / "includes" / "Plugin.php").read_text()
    assert f"VERSION = '{version}'" in plugin_php  # the header and the code agree
    assert build_zip(tmp_path / "again.zip").read_bytes() == path.read_bytes()  # reproducible
