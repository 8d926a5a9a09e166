#!/usr/bin/env bash
# Runs the Go benchmarks of two checkouts in turn (before, after, before, ...)
# and prints each result prefixed with its side, for medians per side.
#   scripts/bench-ab.sh /path/to/before-checkout [rounds]
# Builds each side's test binaries once; runs them in this checkout's
# package directories (test data), against the database of .gridmap.env.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1 rounds=${2:-3}
set -a; . ./.gridmap.env; set +a
out=$(mktemp -d)
declare -A pat=(
  [geo]='^Benchmark(AssignDemo|AssignCity|GCJ02ToWGS84|ParsePolygonal)$'
  [coverage]='^BenchmarkCoverageUpdate$'
  [store]='^Benchmark(WritePositions|ValidatePlanDemo|PublishSplitDemo)$'
  [track]='^BenchmarkObserve$'
)
for p in "${!pat[@]}"; do
  (cd "$before" && go test -c -o "$out/before-$p.test" "./$p")
  go test -c -o "$out/after-$p.test" "./$p"
done
for _ in $(seq "$rounds"); do
  for side in before after; do
    for p in "${!pat[@]}"; do
      (cd "$p" && "$out/$side-$p.test" -test.run '^$' -test.bench "${pat[$p]}" -test.benchtime 1s -test.benchmem) |
        grep '^Benchmark' | sed "s/^/$side /"
    done
  done
done
