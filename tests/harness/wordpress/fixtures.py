"""pytest plugin: real WordPress sites for tests.

Load with ``pytest_plugins = ["tests.harness.wordpress.fixtures"]`` (or
``-p tests.harness.wordpress.fixtures``). Fixtures:

``wordpress`` (session)
    One fresh site per pytest process, on a free port of its own (so several
    test runs can share the machine), torn down at the end of the session.
    Only this site is removed; the shared MariaDB keeps running.
``wp`` (function)
    That site reset to its just-installed state (flags cleared, server
    restarted if a previous test stopped it): a ``WordPressSite``.

Setup failures fail the tests with the path of up.sh's log; they never skip.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from .site import HarnessError, WordPressSite


@pytest.fixture(scope="session")
def wordpress() -> Iterator[WordPressSite]:
    try:
        site, error = WordPressSite.up(), None
    except (HarnessError, OSError, subprocess.TimeoutExpired) as exc:
        site, error = None, exc
    if error is not None:  # failed outside the except block: no chained traceback
        pytest.fail(f"could not bring up the WordPress test site: {error}", pytrace=False)
    try:
        yield site
    finally:
        site.down()


@pytest.fixture
def wp(wordpress: WordPressSite) -> WordPressSite:
    try:
        if not wordpress.server_running():  # a previous test stopped it
            wordpress.start_server()
        wordpress.reset()
        error = None
    except (HarnessError, OSError, subprocess.TimeoutExpired) as exc:
        error = exc
    if error is not None:
        pytest.fail(f"could not reset the WordPress test site (server log: "
                    f"{wordpress.server_log}): {error}", pytrace=False)
    return wordpress
