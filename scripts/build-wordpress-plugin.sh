#!/bin/bash
# Builds dist/cms-bridge-connector.zip, the file a site admin uploads in wp-admin
# (Plugins → Add New → Upload Plugin). The zip holds one folder, cms-bridge-connector/,
# as WordPress expects; tests and PHPUnit config stay out of it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src="$here/connectors/wordpress"
out="${1:-$here/dist/cms-bridge-connector.zip}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/cms-bridge-connector/includes" "$(dirname "$out")"
cp "$src/cms-bridge-connector.php" "$src/mu-loader.php" "$src/uninstall.php" "$src/readme.txt" "$stage/cms-bridge-connector/"
cp "$src"/includes/*.php "$stage/cms-bridge-connector/includes/"
for f in "$stage"/cms-bridge-connector/*.php "$stage"/cms-bridge-connector/includes/*.php; do
  php -l "$f" >/dev/null
done
rm -f "$out"
(cd "$stage" && TZ=UTC find cms-bridge-connector -exec touch -d '2026-01-01 00:00:00' {} + \
  && find cms-bridge-connector -type f | LC_ALL=C sort | zip -q -X "$out" -@)
echo "$out"
