#!/usr/bin/env bash
# Runs the test suite and stops what the run started.
#
# The WordPress fixtures start MariaDB when it is not running (and each test
# session's own php -S site, which they tear down themselves). If MariaDB was
# not running before the suite, it is shut down afterwards, so `make test` leaves
# the machine as it found it; a MariaDB someone else runs is left alone.
set -uo pipefail
cd "$(dirname "$0")/.."

mariadb_up() { command -v mysqladmin >/dev/null && mysqladmin --connect-timeout=2 ping >/dev/null 2>&1; }

was_up=0
mariadb_up && was_up=1

.venv/bin/python -m pytest "$@"
status=$?

if [ "$was_up" = 0 ] && mariadb_up; then
  mysqladmin shutdown >/dev/null 2>&1 && echo "run-tests: stopped the MariaDB the tests started"
fi
exit "$status"
