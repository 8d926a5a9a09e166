#!/usr/bin/env bash
# Copy the browser libraries that the page needs from node_modules into
# static/vendor/, where the Go binary serves (and embeds) them.
# Third-party code is never committed: static/vendor/ and node_modules/ are
# git-ignored, and this script recreates them from package-lock.json.
# Run from the repository root. Safe to run any number of times.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_version="1.9.4"
src="node_modules/leaflet"
dest="static/vendor/leaflet"

installed_version() {
  node -p "require('./${src}/package.json').version" 2>/dev/null || true
}

if [[ ! -f "${src}/dist/leaflet.js" || "$(installed_version)" != "${want_version}" ]]; then
  echo "vendor.sh: installing npm packages from package-lock.json" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

got="$(installed_version)"
if [[ "${got}" != "${want_version}" ]]; then
  echo "vendor.sh: want leaflet ${want_version}, node_modules has '${got}'" >&2
  exit 1
fi

# Rebuild the destination from scratch so stale files never linger.
rm -rf "${dest}"
mkdir -p "${dest}"
cp "${src}/dist/leaflet.js" "${src}/dist/leaflet.css" "${dest}/"
cp -R "${src}/dist/images" "${dest}/images"
cp "${src}/LICENSE" "${dest}/LICENSE"

echo "vendor.sh: leaflet ${got} -> ${dest}" >&2
