#!/usr/bin/env bash
# pg-down.sh - stop a server started by scripts/pg-up.sh and delete its
# directory (only a directory pg-up.sh made, marked .stilt-pg-base).
#
# Usage:  scripts/pg-down.sh BASE [--keep]
#   --keep   stop the server but keep BASE (data and log)
# Stopping a server that is not running is not an error.
set -euo pipefail
die() { echo "pg-down: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: pg-down.sh BASE [--keep]"
BASE=$1
KEEP=${2:-}
[ -d "$BASE" ] || { echo "pg-down: $BASE does not exist: nothing to stop" >&2; exit 0; }
[ -f "$BASE/.stilt-pg-base" ] || die "$BASE was not made by pg-up.sh (no .stilt-pg-base); refusing"
BIN=$(cat "$BASE/bin" 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -1)
RUN=()
[ "$(id -u)" -eq 0 ] && RUN=(runuser -u postgres --)
if [ -f "$BASE/data/postmaster.pid" ]; then
  "${RUN[@]}" "$BIN/pg_ctl" -D "$BASE/data" -m fast -w -t 60 stop >&2 \
    || "${RUN[@]}" "$BIN/pg_ctl" -D "$BASE/data" -m immediate -w -t 30 stop >&2 \
    || die "could not stop the server in $BASE/data"
fi
if [ "$KEEP" != --keep ]; then
  rm -rf "$BASE"
  echo "pg-down: stopped and removed $BASE" >&2
else
  echo "pg-down: stopped; kept $BASE" >&2
fi
