#!/usr/bin/env bash
# scripts/install-system-deps.sh
#
# Installs the Debian packages `make test` needs (a real WordPress served by
# PHP's built-in server, MariaDB, Chromium, PHPUnit). Idempotent and cheap:
# when everything is already installed it only asks dpkg (no apt-get update,
# well under a second). Must run as root. Safe to run concurrently: a second
# caller waits on a lock instead of fighting over the dpkg/apt locks. nginx is
# only ever run as `nginx -t` (tests/test_deploy.py checks deploy/'s example);
# whether Debian's package starts its service is the machine's policy-rc.d.
#
# Output: one summary line on stdout; apt's chatter goes to stderr.
set -euo pipefail

PACKAGES=(wordpress wordpress-theme-twentytwentythree php-cli php-mysql php-xml
          php-gd php-imagick php-curl php-mbstring php-zip php-intl
          mariadb-server curl chromium phpunit systemd ffmpeg nginx)

# Print the packages from "$@" that are not fully installed ("ii").
# dpkg-query exits 1 when a name is unknown to dpkg (never installed on a
# fresh machine); under `set -e -o pipefail` that would silently end the
# script, hence the `|| true`.
missing_packages() {
  local installed p
  installed=" $(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null \
                | awk '$2 ~ /^ii/ {printf "%s ", $1}' || true) "
  for p in "$@"; do
    [[ "$installed" == *" $p "* ]] || printf '%s\n' "$p"
  done
}

mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi

# apt-get update has no lock timeout of its own; serialise concurrent callers
# (e.g. several test runs on a fresh machine) and re-check after the wait.
mkdir -p /run/lock
exec 9>/run/lock/cms-bridge-install-system-deps.lock
flock 9
mapfile -t missing < <(missing_packages "${PACKAGES[@]}")
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all ${#PACKAGES[@]} packages installed (by a concurrent run)"
  exit 0
fi

T0=$SECONDS
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# --no-install-recommends keeps it lean. apache2 + libapache2-mod-php still come
# in (wordpress Depends: apache2 | httpd) but the harness never starts them.
apt-get install -y -q --no-install-recommends \
  -o DPkg::Lock::Timeout=300 "${missing[@]}" >&2

still=$(missing_packages "${PACKAGES[@]}" | tr '\n' ' ')
[ -z "$still" ] || { echo "install-system-deps: still missing after install: $still" >&2; exit 1; }
echo "install-system-deps: installed ${#missing[@]} packages (${missing[*]}) in $((SECONDS - T0)) s"
