#!/usr/bin/env bash
# Sets up a fresh machine (PostGIS, npm packages, Chromium, CJK font) and
# runs every test against the real services. CI=true turns a missing
# service into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
scripts/setup.sh --test
set -a; . ./.gridmap.env; set +a
export CI=${CI:-true}
npm run --silent lint # ESLint over static/ and the build scripts (eslint.config.js)
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [[ -n "$unformatted" ]]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
.tools/bin/staticcheck ./...
go test -count=1 -timeout 45m ./...  # the soak test alone runs 10 minutes
# Fuzz the hostile-input gates briefly on every run; a long run's figures
# are in BENCHMARKS.md. A crasher is saved under testdata/fuzz and fails here.
go test ./geo -run '^$' -fuzz '^FuzzParsePolygonal$' -fuzztime "${FUZZTIME:-20s}"
go test ./server -run '^$' -fuzz '^FuzzDecodeRequests$' -fuzztime "${FUZZTIME:-20s}"
go test ./sheet -run '^$' -fuzz '^FuzzParseCSV$' -fuzztime "${FUZZTIME:-20s}"
go test ./sheet -run '^$' -fuzz '^FuzzParseXLSX$' -fuzztime "${FUZZTIME:-20s}" -fuzzminimizetime 1s
go test ./boundaryfile -run '^$' -fuzz '^FuzzDecode$' -fuzztime "${FUZZTIME:-20s}" -fuzzminimizetime 1s
