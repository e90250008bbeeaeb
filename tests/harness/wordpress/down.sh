#!/usr/bin/env bash
# tests/harness/wordpress/down.sh PORT|all [--stop-mariadb]
#
# Stops the php -S server of a site made by up.sh, drops its database and
# removes its instance dir. Leaves MariaDB running (it is shared by every
# site on the machine) unless --stop-mariadb is given.
#
# "all" removes EVERY site under $WP_HARNESS_ROOT, including those of other
# test runs going on at the same time: for cleaning up by hand only. Test code
# must only ever take down its own port.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${WP_HARNESS_ROOT:-/tmp/wp-harness}"
TARGET="${1:?usage: down.sh PORT|all [--stop-mariadb]}"
STOP_DB=0
[ "${2:-}" = "--stop-mariadb" ] && STOP_DB=1

down_one() {
  local port="$1"
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "down.sh: bad port: $port" >&2; return 1; }
  "$HERE/server.sh" stop "$port"
  mariadb -e "DROP DATABASE IF EXISTS \`wph_$port\`;" 2>/dev/null
  rm -rf "${ROOT:?}/$port"
  echo "down: $port"
}

if [ "$TARGET" = all ]; then
  for d in "$ROOT"/*/; do
    [ -d "$d" ] || continue
    p=$(basename "$d"); [[ "$p" =~ ^[0-9]+$ ]] && down_one "$p"
  done
else
  down_one "$TARGET" || exit 1
fi

if [ "$STOP_DB" = 1 ] && mysqladmin ping >/dev/null 2>&1; then
  mysqladmin shutdown && echo "MariaDB stopped"
fi
exit 0
