#!/usr/bin/env bash
# Copy the browser libraries that the pages need from node_modules into
# static/vendor/, where the Go binary serves (and embeds) them, then build
# the app's own modules into static/dist/ (scripts/build-front.mjs).
# Third-party code is never committed: static/vendor/ and node_modules/ are
# git-ignored (as is static/dist/), and this script recreates them from
# package-lock.json.
# Run from the repository root. Safe to run any number of times.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

# package name, pinned version (as in package.json), a file that must exist.
# After the libraries come the build's tools: esbuild (scripts/build-front.mjs) and
# ESLint (npm run lint, in scripts/test.sh).
packages=(
  "leaflet 1.9.4 dist/leaflet.js"
  "@geoman-io/leaflet-geoman-free 2.20.2 dist/leaflet-geoman.js"
  "protomaps-leaflet 5.1.0 dist/esm/index.js"
  "esbuild 0.28.2 lib/main.js"
  "eslint 9.39.5 bin/eslint.js"
  "@eslint/js 9.39.5 package.json"
  "globals 17.15.0 index.js"
)

installed_version() {
  node -p "require('./node_modules/$1/package.json').version" 2>/dev/null || true
}

# Reinstall from the lock file when any package is missing or at another
# version, then check again.
check() {
  local name want file
  for p in "${packages[@]}"; do
    read -r name want file <<<"${p}"
    if [[ ! -f "node_modules/${name}/${file}" || "$(installed_version "${name}")" != "${want}" ]]; then
      return 1
    fi
  done
}

if ! check; then
  echo "vendor.sh: installing npm packages from package-lock.json" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
for p in "${packages[@]}"; do
  read -r name want file <<<"${p}"
  got="$(installed_version "${name}")"
  if [[ "${got}" != "${want}" || ! -f "node_modules/${name}/${file}" ]]; then
    echo "vendor.sh: want ${name} ${want}, node_modules has '${got}'" >&2
    exit 1
  fi
done

# An npm package may ship Go code (flatted does); a go.mod at the top of
# node_modules makes it a module apart, so `go test ./...`, vet and
# staticcheck never reach into it.
printf 'module ignore.invalid/node_modules\n' > node_modules/go.mod

# Rebuild each destination from scratch so stale files never linger.

src="node_modules/leaflet"
dest="static/vendor/leaflet"
rm -rf "${dest}"
mkdir -p "${dest}"
cp "${src}/dist/leaflet.js" "${src}/dist/leaflet.css" "${dest}/"
cp -R "${src}/dist/images" "${dest}/images"
cp "${src}/LICENSE" "${dest}/LICENSE"
echo "vendor.sh: leaflet $(installed_version leaflet) -> ${dest}" >&2

# Leaflet-Geoman (the planner's editor, /plan): one script and one
# stylesheet whose icons are inline data: URIs, so nothing else is needed.
src="node_modules/@geoman-io/leaflet-geoman-free"
dest="static/vendor/leaflet-geoman"
rm -rf "${dest}"
mkdir -p "${dest}"
cp "${src}/dist/leaflet-geoman.js" "${src}/dist/leaflet-geoman.css" "${dest}/"
cp "${src}/LICENSE" "${dest}/LICENSE"
echo "vendor.sh: leaflet-geoman $(installed_version @geoman-io/leaflet-geoman-free) -> ${dest}" >&2

# The app's own modules and stylesheets: bundled, minified, content-hashed
# files with source maps in static/dist/, and the manifest the server reads.
node scripts/build-front.mjs
