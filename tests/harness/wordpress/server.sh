#!/usr/bin/env bash
# tests/harness/wordpress/server.sh start|stop|status PORT
#
# Starts/stops the PHP built-in web server of the harness site on PORT
# (instance dir $WP_HARNESS_ROOT/PORT, made by up.sh). Used by up.sh, down.sh
# and WordPressSite.stop_server()/start_server().
#
#   start PORT [--ping-only]
#                        start it (no-op if already running), wait until the
#                        router answers with OUR instance dir and, unless
#                        --ping-only, until /wp-json/ answers 200.
#                        Exit 3 if the port is taken by something else.
#   stop                 kill its process group and wait until it is gone.
#   status               exit 0 if it is running.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${WP_HARNESS_ROOT:-/tmp/wp-harness}"
WORKERS="${WP_HARNESS_WORKERS:-4}"
CMD="${1:?usage: server.sh start|stop|status PORT}"
PORT="${2:?usage: server.sh start|stop|status PORT}"
DIR="$ROOT/$PORT"
URL="http://127.0.0.1:$PORT"
die() { echo "server.sh: $*" >&2; exit "${2:-1}"; }

# The server runs in its own process group (setsid), whose id is the pid in
# server.pid; PHP_CLI_SERVER_WORKERS children share it. Killing only the
# parent would orphan the workers, which keep the port. Dead processes can
# linger as zombies until PID 1 reaps them, so ignore those.
pgid() { cat "$DIR/server.pid" 2>/dev/null || true; }
alive() { local g; g=$(pgid); [ -n "$g" ] && ps -o stat= -g "$g" 2>/dev/null | grep -qv '^Z'; }

case "$CMD" in
status)
  alive
  ;;
stop)
  if alive; then
    g=$(pgid)
    kill -TERM -- "-$g" 2>/dev/null || true
    for _ in $(seq 1 100); do alive || break; sleep 0.02; done
    alive && kill -KILL -- "-$g" 2>/dev/null
  fi
  rm -f "$DIR/server.pid"
  ;;
start)
  [ -f "$DIR/config.php" ] || die "no harness site in $DIR (run up.sh)"
  if ! alive; then
    # opcache is ON under php -S (the cli-server SAPI is not "cli") with
    # revalidate_freq=2: edits to config.php/mu-plugins would be invisible for
    # up to 2 s. display_errors=stderr puts PHP errors into server.log.
    WP_HARNESS_DIR="$DIR" PHP_CLI_SERVER_WORKERS="$WORKERS" \
      setsid php -d upload_max_filesize=64M -d post_max_size=64M -d memory_limit=256M \
        -d max_execution_time=120 -d display_errors=stderr -d log_errors=Off \
        -d opcache.revalidate_freq=0 \
        -S "127.0.0.1:$PORT" -t /usr/share/wordpress "$HERE/router.php" \
        >>"$DIR/server.log" 2>&1 < /dev/null &
    # Not a process-group leader here (no job control), so setsid execs in
    # place: $! is php's pid and its process group id.
    echo $! > "$DIR/server.pid"
  fi
  # php -S exits at once if it cannot bind ("Address already in use"); the
  # ping check also makes sure the answer comes from this instance's router.
  for _ in $(seq 1 250); do
    [ "$(curl -s --max-time 1 "$URL/__wp-harness/ping" || true)" = "$DIR" ] && break
    if ! alive; then
      rm -f "$DIR/server.pid"
      die "php -S could not serve $URL (port taken?); see $DIR/server.log" 3
    fi
    sleep 0.02
  done
  [ "$(curl -s --max-time 2 "$URL/__wp-harness/ping" || true)" = "$DIR" ] \
    || die "$URL does not answer as $DIR; see $DIR/server.log"
  [ "${3:-}" = "--ping-only" ] && exit 0
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null --max-time 2 "$URL/wp-json/" && exit 0
    sleep 0.05
  done
  die "$URL/wp-json/ does not answer 200; see $DIR/server.log"
  ;;
*)
  die "usage: server.sh start|stop|status PORT"
  ;;
esac
