# The two commands a newcomer needs: `make run` and `make test`. Both set up
# a fresh Debian machine first (scripts/setup.sh).
.PHONY: run test setup vendor build bench clean

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup.sh --test

vendor:
	scripts/vendor.sh

build: vendor
	go build -o bin/gridmap ./cmd/gridmap
	go build -o bin/gridmap-load ./cmd/gridmap-load

bench:
	go test -run '^$$' -bench . -benchtime 2s ./geo/

clean:
	rm -rf bin static/vendor static/dist
