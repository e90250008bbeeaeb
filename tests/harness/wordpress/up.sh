#!/usr/bin/env bash
# tests/harness/wordpress/up.sh [auto|PORT]
#
# Creates a FRESH throwaway WordPress site (new database, empty uploads) served
# by PHP's built-in server on 127.0.0.1:PORT, installing the Debian packages
# and starting the shared MariaDB first if needed. Must run as root (apt-get,
# mariadbd, /etc/wordpress, MariaDB root over the unix socket).
#
#   auto (default)  pick a free port; safe with several up.sh running at once
#   PORT            use that port; an earlier harness site on it is torn down
#
# stdout: KEY=VALUE lines, also written to <instance>/site.env:
#   WP_URL WP_PORT WP_ADMIN_USER WP_ADMIN_PASSWORD WP_ADMIN_ID WP_APP_PASSWORD
#   WP_APP_PASSWORD_UUID WP_XMLRPC_URL WP_REST_URL (<url>/wp-json/wp/v2)
#   WP_API_ROOT (<url>/wp-json/) WP_SERVER_PID WP_HARNESS_DIR WP_DB_NAME
# Progress and timings go to stderr.
#
# Environment knobs:
#   WP_HARNESS_ROOT       parent of instance dirs (default /tmp/wp-harness)
#   WP_HARNESS_WORKERS    PHP_CLI_SERVER_WORKERS (default 4)
#   WP_HARNESS_OWNER_PID  pid of the process that owns the site (the pytest
#                         fixture passes its own): once that process is gone,
#                         a later up.sh tears the leftover site down
#   WP_ADMIN_USER / WP_ADMIN_PASSWORD / WP_ADMIN_EMAIL
#   WP_HARNESS_DB_USER / WP_HARNESS_DB_PASSWORD (default wpharness / wpharness)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${WP_HARNESS_ROOT:-/tmp/wp-harness}"
ADMIN_USER="${WP_ADMIN_USER:-admin}"
ADMIN_PASSWORD="${WP_ADMIN_PASSWORD:-admin-password}"
ADMIN_EMAIL="${WP_ADMIN_EMAIL:-admin@example.com}"
DB_USER="${WP_HARNESS_DB_USER:-wpharness}"
DB_PASSWORD="${WP_HARNESS_DB_PASSWORD:-wpharness}"
WP_DIR=/usr/share/wordpress
# MariaDB is one per machine, so its lock is machine-wide (not under ROOT).
MARIADB_LOCK=/run/lock/wp-harness-mariadb.lock

T0=$EPOCHREALTIME
log() { awk -v a="$T0" -v b="$EPOCHREALTIME" -v m="$*" 'BEGIN{printf "[wp-harness %6.2fs] %s\n", b-a, m}' >&2; }
die() { echo "wp-harness up.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (apt-get, mariadbd, /etc/wordpress)"

PORT_ARG="${1:-auto}"
[ "$PORT_ARG" = auto ] || [[ "$PORT_ARG" =~ ^[0-9]+$ ]] || die "bad port: $PORT_ARG"
mkdir -p "$ROOT" /run/lock

# 1. packages -----------------------------------------------------------------
PACKAGES=(wordpress wordpress-theme-twentytwentythree php-cli php-mysql php-xml
          php-gd php-imagick php-curl php-mbstring php-zip php-intl mariadb-server curl)
# dpkg-query exits 1 if any name is unknown (fresh machine): hence `|| true`.
installed=" $(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null \
              | awk '$2 ~ /^ii/ {printf "%s ", $1}' || true) "
for p in "${PACKAGES[@]}"; do
  if [[ "$installed" != *" $p "* ]]; then
    log "package $p missing: running scripts/install-system-deps.sh"
    DEPS="$HERE/../../../scripts/install-system-deps.sh"
    [ -f "$DEPS" ] || die "missing $p and no $DEPS to install it"
    bash "$DEPS" >&2
    log "packages installed"
    break
  fi
done

# Debian's wp-config.php loads /etc/wordpress/config-wpharness.php when
# $_SERVER['WORDPRESS_CONFIG'] is 'wpharness'. Other sites' servers read it on
# every request, so replace it atomically (rename) and only when it changed.
if ! cmp -s "$HERE/config-wpharness.php" /etc/wordpress/config-wpharness.php; then
  tmp=$(mktemp /etc/wordpress/.config-wpharness.XXXXXX)
  cp "$HERE/config-wpharness.php" "$tmp" && chmod 0644 "$tmp"
  mv -f "$tmp" /etc/wordpress/config-wpharness.php
fi

# 2. MariaDB ------------------------------------------------------------------
# Under a lock so that concurrent up.sh runs start one mariadbd between them:
# the first starts it, the others wait on the lock and then find it answering.
# No systemd: mariadbd is started directly, in its own session so it outlives
# this script (and the test run); it stays up for the next run.
(
  flock 9
  if ! mysqladmin --connect-timeout=2 ping >/dev/null 2>&1; then
    # A mariadbd that was shut down can linger as a zombie until PID 1 reaps
    # it: only a live one counts.
    if ps -C mariadbd -o stat= 2>/dev/null | grep -qv '^Z'; then
      # Started by something else and still starting (or shutting down): wait.
      log "a mariadbd is running but not answering yet: waiting"
    else
      log "starting MariaDB"
      mkdir -p /run/mysqld && chown mysql:root /run/mysqld   # /run is empty after boot
      if [ ! -d /var/lib/mysql/mysql ]; then                 # normally done by the postinst
        mariadb-install-db --user=mysql --datadir=/var/lib/mysql >&2
      fi
      # Durability off: a throwaway test DB does not need fsync per commit.
      # 9>&-: the daemon must not inherit the lock's fd, or it would hold the
      # lock for its whole life and every later up.sh would wait forever.
      setsid /usr/sbin/mariadbd --user=mysql \
          --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 --skip-log-bin \
          --innodb-doublewrite=0 --max-connections=500 \
          >>"$ROOT/mariadbd.log" 2>&1 < /dev/null 9>&- &
    fi
    for _ in $(seq 1 300); do
      mysqladmin --connect-timeout=1 ping >/dev/null 2>&1 && break
      sleep 0.1
    done
    mysqladmin ping >/dev/null 2>&1 || die "MariaDB did not come up; see $ROOT/mariadbd.log"
    log "MariaDB up (pid $(cat /run/mysqld/mysqld.pid 2>/dev/null || echo '?'))"
  fi
  mariadb -e "CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
              GRANT ALL PRIVILEGES ON \`wph\\_%\`.* TO '$DB_USER'@'localhost';"
) 9>"$MARIADB_LOCK"

# 3. leftovers ------------------------------------------------------------------
# Sites whose owner process died without tearing them down (killed test run).
for d in "$ROOT"/*/; do
  p=$(basename "$d")
  [[ "$p" =~ ^[0-9]+$ ]] && [ -f "$d/owner.pid" ] || continue
  owner=$(cat "$d/owner.pid" 2>/dev/null || true)
  if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
    log "removing leftover site on port $p (owner pid $owner is gone)"
    "$HERE/down.sh" "$p" >/dev/null 2>&1 || true
  fi
done

# 4. claim a port and start the server -------------------------------------------
# mkdir of the instance dir is the claim among harness runs (atomic: it fails
# if another run has the port); the server's bind is the claim against
# everything else. Both happen before the database is touched, so a run can
# never drop another run's database.
prepare_instance() {
  local dir="$1" url="$2" db="$3"
  mkdir -p "$dir/wp-content/uploads" "$dir/wp-content/plugins" "$dir/wp-content/mu-plugins" "$dir/flags"
  ln -sfn "$WP_DIR/wp-content/themes" "$dir/wp-content/themes"
  cp "$HERE/wp-harness-mu.php" "$dir/wp-content/mu-plugins/"
  chown -R www-data:www-data "$dir/wp-content/uploads"
  [ -z "${WP_HARNESS_OWNER_PID:-}" ] || echo "$WP_HARNESS_OWNER_PID" > "$dir/owner.pid"
  salt() { od -An -tx1 -N32 /dev/urandom | tr -d ' \n'; }
  cat > "$dir/config.php" <<PHP
<?php
// Written by tests/harness/wordpress/up.sh for the throwaway site at $url
define('DB_NAME', '$db');
define('DB_USER', '$DB_USER');
define('DB_PASSWORD', '$DB_PASSWORD');
define('DB_HOST', 'localhost');           // = the socket /run/mysqld/mysqld.sock
define('DB_CHARSET', 'utf8mb4');
\$table_prefix = 'wp_';
define('WP_HOME', '$url');
define('WP_SITEURL', '$url');
define('WP_CONTENT_DIR', '$dir/wp-content');
define('WP_CONTENT_URL', '$url/wp-content');
define('WP_ENVIRONMENT_TYPE', 'local');   // application passwords over plain http
define('DISABLE_WP_CRON', true);          // no self-requests from page loads
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);   // no internet: fail fast, not after timeouts
define('FS_METHOD', 'direct');
define('WP_DEBUG', false);
define('AUTH_KEY', '$(salt)');
define('SECURE_AUTH_KEY', '$(salt)');
define('LOGGED_IN_KEY', '$(salt)');
define('NONCE_KEY', '$(salt)');
define('AUTH_SALT', '$(salt)');
define('SECURE_AUTH_SALT', '$(salt)');
define('LOGGED_IN_SALT', '$(salt)');
define('NONCE_SALT', '$(salt)');
PHP
}

# On failure after the claim: show the server log, then remove this site only.
cleanup() {
  [ -z "${UP_OK:-}" ] && [ -n "${CLAIMED:-}" ] || return 0
  if [ -s "$ROOT/$CLAIMED/server.log" ]; then
    echo "--- server.log of the removed site, without its Accepted/Closing lines:" >&2
    grep -v -E '(Accepted|Closing)$' "$ROOT/$CLAIMED/server.log" | tail -n 40 >&2
  fi
  "$HERE/down.sh" "$CLAIMED" >/dev/null 2>&1 || true
}
trap cleanup EXIT

if [ "$PORT_ARG" = auto ]; then
  # Random ports below the kernel's ephemeral range (32768-60999 by default),
  # where client connections' source ports never land.
  for attempt in $(seq 1 50); do
    PORT=$((20000 + RANDOM % 12000))
    mkdir "$ROOT/$PORT" 2>/dev/null || continue
    CLAIMED=$PORT
    prepare_instance "$ROOT/$PORT" "http://127.0.0.1:$PORT" "wph_$PORT"
    rc=0; "$HERE/server.sh" start "$PORT" --ping-only || rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 3 ] || die "server did not start on port $PORT"
    log "port $PORT is taken by another program; trying another"
    rm -rf "${ROOT:?}/$PORT"; CLAIMED=""
  done
  [ -n "${CLAIMED:-}" ] || die "found no free port after 50 tries"
else
  PORT=$PORT_ARG
  "$HERE/down.sh" "$PORT" >/dev/null 2>&1 || true   # earlier harness site on this port
  mkdir "$ROOT/$PORT" || die "$ROOT/$PORT appeared meanwhile: another up.sh on port $PORT?"
  CLAIMED=$PORT
  prepare_instance "$ROOT/$PORT" "http://127.0.0.1:$PORT" "wph_$PORT"
  "$HERE/server.sh" start "$PORT" --ping-only || die "port $PORT is not usable"
fi
DIR="$ROOT/$PORT"
DB="wph_$PORT"
URL="http://127.0.0.1:$PORT"
log "server up on $URL, instance $DIR"

# 5. database + install -----------------------------------------------------------
mariadb -e "DROP DATABASE IF EXISTS \`$DB\`; CREATE DATABASE \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
CREDS=$(WP_HARNESS_DIR="$DIR" php -d memory_limit=256M -d display_errors=stderr "$HERE/install.php" \
          "$URL" "$ADMIN_USER" "$ADMIN_PASSWORD" "$ADMIN_EMAIL") \
  || { sed -e '/<style/,/<\/style>/d' -e 's/<[^>]*>//g' <<<"$CREDS" | grep -v '^[[:space:]]*$' | head -n 20 >&2   # wp_die() page
       die "install.php failed"; }
log "WordPress installed"
# Snapshot for reset.sh (restoring it takes ~0.1 s vs ~0.8 s for a new site).
mysqldump --single-transaction --skip-lock-tables "$DB" > "$DIR/fresh.sql"
"$HERE/server.sh" start "$PORT" || die "site on $URL is not answering"
log "serving $URL (pid $(cat "$DIR/server.pid"), ${WP_HARNESS_WORKERS:-4} workers)"

{
  echo "WP_URL=$URL"
  echo "WP_PORT=$PORT"
  echo "$CREDS"
  echo "WP_XMLRPC_URL=$URL/xmlrpc.php"
  echo "WP_REST_URL=$URL/wp-json/wp/v2"
  echo "WP_API_ROOT=$URL/wp-json/"
  echo "WP_SERVER_PID=$(cat "$DIR/server.pid")"
  echo "WP_HARNESS_DIR=$DIR"
  echo "WP_DB_NAME=$DB"
} > "$DIR/site.env.tmp"
mv "$DIR/site.env.tmp" "$DIR/site.env"
cat "$DIR/site.env"
UP_OK=1
