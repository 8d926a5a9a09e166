#!/usr/bin/env bash
# Sets up a fresh machine, loads the demo subdistrict once and serves the
# map on http://localhost:8080 (or $GRIDMAP_LISTEN).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
scripts/setup.sh
set -a; . ./.gridmap.env; set +a
go build -o bin/gridmap ./cmd/gridmap
bin/gridmap migrate
bin/gridmap seed --demo --if-empty
exec bin/gridmap serve "$@"
