"""The TYPO3 connector's PHP: every file lints, and its PHPUnit unit tests pass.

Runs Debian's php and phpunit 9.6 (no Composer): the pure Domain classes load through
connectors/typo3/Tests/bootstrap.php without TYPO3 core. The TYPO3-facing classes cannot load here;
PHPUnit pins what TYPO3 needs from them (no final reaction class, the ReactionInterface signatures)
from their declarations, and the exact DataHandler arrays from Tests/Fixtures/datahandler-plans.json.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

CONNECTOR = Path(__file__).resolve().parent.parent / "connectors" / "typo3"


def test_every_php_file_lints():
    files = sorted(CONNECTOR.rglob("*.php"))
    assert len(files) >= 25
    failures = []
    for path in files:
        result = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            failures.append(f"{path.relative_to(CONNECTOR)}: {result.stdout}{result.stderr}")
    assert failures == []


def test_phpunit_unit_tests_pass():
    result = subprocess.run(["phpunit", "-c", "phpunit.xml.dist"], cwd=CONNECTOR, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ran = re.search(r"OK \((\d+) tests?", result.stdout)
    assert ran, result.stdout
    # the DI contract, the DataHandler plan fixture, field and file rights: a suite that shrinks lost tests
    assert int(ran.group(1)) >= 95, result.stdout
    assert not (CONNECTOR / ".phpunit.result.cache").exists()
