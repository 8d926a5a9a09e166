#!/usr/bin/env bash
# Installs and starts what gridmap needs on a Debian machine, then writes
# .gridmap.env with the database URLs to use. Safe to run again: it only
# installs what is missing. Run as root (or with sudo available).
#
#   scripts/setup.sh          PostgreSQL + PostGIS, Node.js/npm, the front-end build
#   scripts/setup.sh --test   the same, plus Chromium and a CJK font for browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
as_root() {
	if [[ $EUID -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		say "need root to run: $*"; exit 1; fi
}

apt_updated=false
apt_install() {
	if ! $apt_updated; then
		say "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
		apt_updated=true
	fi
	say "installing $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v go >/dev/null || [[ -x /usr/local/go/bin/go ]] || { say "Go 1.26 is required: https://go.dev/dl/"; exit 1; }
export PATH=/usr/local/go/bin:$PATH

# --- PostgreSQL: installed, running, reachable -------------------------------
PGHOST_ADDR=127.0.0.1
PGPORT_NUM=5432
if ! command -v pg_lsclusters >/dev/null && ! pg_isready -q -h $PGHOST_ADDR -p $PGPORT_NUM 2>/dev/null; then
	apt_install postgresql postgresql-client
fi
if ! pg_isready -q -h $PGHOST_ADDR -p $PGPORT_NUM 2>/dev/null; then
	if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
		major=$(ls /usr/lib/postgresql | sort -n | tail -1)
		say "creating PostgreSQL $major cluster"
		as_root pg_createcluster "$major" main
	fi
	read -r major name _ < <(pg_lsclusters -h | head -1)
	say "starting PostgreSQL $major/$name"
	as_root pg_ctlcluster --skip-systemctl-redirect "$major" "$name" start
	for _ in $(seq 1 30); do pg_isready -q -h $PGHOST_ADDR -p $PGPORT_NUM && break; sleep 1; done
fi

# Connect as postgres over TCP (trust auth on CI machines). A stock Debian
# install asks for a password instead: then make a gridmap superuser.
admin_url=${TEST_DATABASE_URL:-}
if [[ -z "$admin_url" ]]; then
	admin_url="postgres://postgres@$PGHOST_ADDR:$PGPORT_NUM/postgres?sslmode=disable"
	if ! psql "$admin_url" -qtAc 'SELECT 1' >/dev/null 2>&1; then
		say "postgres needs a password over TCP here; creating role gridmap"
		as_root su postgres -c "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gridmap') THEN CREATE ROLE gridmap LOGIN SUPERUSER PASSWORD 'gridmap'; END IF; END \\\$\\\$\""
		admin_url="postgres://gridmap:gridmap@$PGHOST_ADDR:$PGPORT_NUM/postgres?sslmode=disable"
	fi
fi
psql "$admin_url" -qtAc 'SELECT 1' >/dev/null

# --- PostGIS for the running server's major version --------------------------
major=$(psql "$admin_url" -qtAc 'SHOW server_version_num' | cut -c1-2)
if [[ $(psql "$admin_url" -qtAc "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'") == 0 ]]; then
	apt_install "postgresql-$major-postgis-3"
fi

db_url=${DATABASE_URL:-${admin_url/\/postgres\?//gridmap?}}
dbname=$(sed -E 's#.*/([^/?]+)(\?.*)?$#\1#' <<<"$db_url")
if [[ $(psql "$admin_url" -qtAc "SELECT count(*) FROM pg_database WHERE datname = '$dbname'") == 0 ]]; then
	say "creating database $dbname"
	psql "$admin_url" -qc "CREATE DATABASE \"$dbname\""
fi

# --- Front end: Node.js, npm packages, vendored and built into static/ -------
command -v npm >/dev/null || apt_install nodejs npm
if [[ ! -d node_modules/leaflet ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
	say "npm ci"
	npm ci --no-audit --no-fund --loglevel=error
fi
scripts/vendor.sh

# --- NATS for the multi-instance test -------------------------------------------
nats_up() { (exec 3<>/dev/tcp/127.0.0.1/4222) 2>/dev/null; }
if $want_test && ! nats_up; then
	command -v nats-server >/dev/null || apt_install nats-server
	say "starting nats-server on 127.0.0.1:4222"
	as_root start-stop-daemon --start --oknodo --background --exec "$(command -v nats-server)" -- -a 127.0.0.1 -p 4222
	for _ in $(seq 1 20); do nats_up && break; sleep 0.5; done
fi

# --- Browser tests -------------------------------------------------------------
if $want_test; then
	missing=()
	command -v chromium >/dev/null || missing+=(chromium)
	fc-list 2>/dev/null | grep -qi 'wenquanyi\|wqy' || missing+=(fonts-wqy-microhei)
	command -v ogrinfo >/dev/null || missing+=(gdal-bin)
	((${#missing[@]} == 0)) || apt_install "${missing[@]}"
	# The linter make test runs, at a fixed version, into the project.
	if [[ ! -x .tools/bin/staticcheck ]]; then
		say "installing staticcheck"
		GOBIN="$PWD/.tools/bin" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
	fi
fi

cat >.gridmap.env <<ENV
DATABASE_URL=$db_url
TEST_DATABASE_URL=$admin_url
ENV
say "ready: DATABASE_URL=$db_url"
