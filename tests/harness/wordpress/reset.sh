#!/usr/bin/env bash
# tests/harness/wordpress/reset.sh PORT
#
# Puts a site made by up.sh back to the state right after install (~0.1 s):
# database restored from the snapshot up.sh took, uploads emptied, test flags
# (see site.py set_flag) cleared. The server, the admin user and the
# application password printed by up.sh all stay valid. Does not restart a
# stopped server (WordPressSite.start_server() does).
set -euo pipefail
ROOT="${WP_HARNESS_ROOT:-/tmp/wp-harness}"
PORT="${1:?usage: reset.sh PORT}"
DIR="$ROOT/$PORT"
DB="wph_$PORT"
[ -f "$DIR/fresh.sql" ] || { echo "reset.sh: no site on port $PORT (run up.sh)" >&2; exit 1; }
find "$DIR/flags" -mindepth 1 -delete
# Drop + create (not just re-import) so tables a test added go away too.
mariadb -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
mariadb "$DB" < "$DIR/fresh.sql"
find "$DIR/wp-content/uploads" -mindepth 1 -delete
echo "reset: $PORT"
