#!/usr/bin/env bash
# Stops the throwaway cluster of start-postgres.sh. `--purge` also deletes its directory.
set -euo pipefail

DIR="${SNAPWARDEN_PG_DIR:-/tmp/snapwarden-pg}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
log() { echo "stop-postgres: $*" >&2; }

if [ "$(id -u)" = 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi

if [ -n "$BIN" ] && [ -f "$DIR/data/PG_VERSION" ] && as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2
  log "stopped"
else
  log "not running"
fi
if [ "${1:-}" = "--purge" ]; then
  rm -rf -- "$DIR"
  log "removed $DIR"
fi
