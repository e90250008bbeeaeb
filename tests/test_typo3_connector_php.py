"""The TYPO3 connector's PHP: every file lints, and its PHPUnit unit tests pass.

Runs Debian's php and phpunit 9.6 (no Composer): the pure Domain classes load through
connectors/typo3/Tests/bootstrap.php without TYPO3 core. The TYPO3-facing classes cannot load here;
PHPUnit pins what TYPO3 needs from them (no final reaction class, the ReactionInterface signatures)
from their declarations, and the exact DataHandler arrays from Tests/Fixtures/datahandler-plans.json.
"""
from __future__ import annotations

from pathlib import Path

from tests.php_helpers import lint_failures, phpunit_passed

CONNECTOR = Path(__file__).resolve().parent.parent / "connectors" / "typo3"


def test_every_php_file_lints():
    count, failures = lint_failures(CONNECTOR)
    assert count >= 25
    assert failures == []


def test_phpunit_unit_tests_pass():
    # the DI contract, the DataHandler plan fixture, field and file rights: a suite that shrinks lost tests
    assert phpunit_passed(CONNECTOR) >= 129
