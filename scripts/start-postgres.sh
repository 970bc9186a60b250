#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the store tests and prints `PG_URL=…` on stdout
# (everything else goes to stderr), so `export $(bash scripts/start-postgres.sh)` works.
# Idempotent: when the cluster already runs it only prints the URL. Stop it with stop-postgres.sh.
#   SNAPWARDEN_PG_DIR  cluster directory   (default /tmp/snapwarden-pg)
#   SNAPWARDEN_PG_PORT port on 127.0.0.1   (default 55432)
set -euo pipefail

DIR="${SNAPWARDEN_PG_DIR:-/tmp/snapwarden-pg}"
PORT="${SNAPWARDEN_PG_PORT:-55432}"
DB=snapwarden_test
ROLE=snapwarden
PASSWORD=snapwarden-test # a throwaway test cluster on 127.0.0.1 only
log() { echo "start-postgres: $*" >&2; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
BIN="$(find_bin)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  log "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends postgresql >&2; then
    apt-get update >&2
    apt-get install -y --no-install-recommends postgresql >&2
  fi
  BIN="$(find_bin)"
fi
[ -x "$BIN/initdb" ] || { log "no initdb under /usr/lib/postgresql/*/bin"; exit 1; }

# PostgreSQL refuses to run as root: as root, run it as the `postgres` user.
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  as_pg() { runuser -u postgres -- "$@"; }
  mkdir -p "$DIR"
  chown postgres: "$DIR"
else
  as_pg() { "$@"; }
  mkdir -p "$DIR"
fi
chmod 700 "$DIR"

DATA="$DIR/data"
if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initialising a cluster in $DATA"
  pwfile="$(mktemp)"
  printf '%s\n' "$PASSWORD" >"$pwfile"
  chmod 644 "$pwfile"
  as_pg "$BIN/initdb" -D "$DATA" --username=postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 --pwfile="$pwfile" >&2
  rm -f "$pwfile"
fi

if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  log "already running on 127.0.0.1:$PORT"
else
  log "starting on 127.0.0.1:$PORT"
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/postgres.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" >&2
fi

psql_pg() { as_pg "$BIN/psql" -h "$DIR" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [ "$(psql_pg -c "select 1 from pg_roles where rolname = '$ROLE'")" != 1 ]; then
  psql_pg -c "create role $ROLE login password '$PASSWORD'" >&2
fi
# Test files that need a database of their own (Kysely's migrator sees every schema of one) create it.
if [ "$(psql_pg -c "select rolcreatedb from pg_roles where rolname = '$ROLE'")" != t ]; then
  psql_pg -c "alter role $ROLE createdb" >&2
fi
if [ "$(psql_pg -c "select 1 from pg_database where datname = '$DB'")" != 1 ]; then
  psql_pg -c "create database $DB owner $ROLE" >&2
fi

echo "PG_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
