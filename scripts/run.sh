#!/usr/bin/env bash
# Sets up a fresh machine, loads the demo subdistrict once and serves the
# map on http://localhost:8080 (or $GRIDMAP_LISTEN).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
scripts/setup.sh
set -a; . ./.gridmap.env; set +a
go build -o bin/gridmap ./cmd/gridmap
go build -o bin/gridmap-load ./cmd/gridmap-load
bin/gridmap migrate
bin/gridmap seed --demo --if-empty

# The server, and volunteers walking the demo's streets so the map moves.
listen=${GRIDMAP_LISTEN:-:8080}
bin/gridmap serve "$@" &
server=$!
trap 'kill $server ${sim:-} 2>/dev/null || true; wait' INT TERM EXIT
if [[ ${GRIDMAP_SIMULATE:-true} == true ]]; then
	bin/gridmap-load simulate --url "http://127.0.0.1:${listen##*:}" --interval 2s --screen-every 3s &
	sim=$!
fi
wait $server
