#!/usr/bin/env bash
# s3-down.sh - stop a server started by scripts/s3-up.sh and delete its data
# (only in a directory s3-up.sh made, marked .stilt-s3-base). The install
# cache BASE/cache is kept unless --all is given.
#
# Usage:  scripts/s3-down.sh BASE [--all]
# Stopping a server that is not running is not an error.
set -euo pipefail
die() { echo "s3-down: $*" >&2; exit 1; }
[ $# -ge 1 ] || die "usage: s3-down.sh BASE [--all]"
BASE=$1
[ -d "$BASE" ] || { echo "s3-down: $BASE does not exist: nothing to stop" >&2; exit 0; }
[ -f "$BASE/.stilt-s3-base" ] || die "$BASE was not made by s3-up.sh (no .stilt-s3-base); refusing"
if [ -f "$BASE/pid" ]; then
  PID=$(cat "$BASE/pid")
  [[ $PID =~ ^[0-9]+$ ]] || die "$BASE/pid does not hold a process id"
  if kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$PID" 2>/dev/null && kill -9 "$PID" 2>/dev/null || true
  fi
  rm -f "$BASE/pid"
fi
if [ -f "$BASE/watch.pid" ]; then
  W=$(cat "$BASE/watch.pid")
  [[ $W =~ ^[0-9]+$ ]] && kill "$W" 2>/dev/null || true
  rm -f "$BASE/watch.pid"
fi
rm -rf "$BASE/data" "$BASE/endpoint" "$BASE/bucket"
if [ "${2:-}" = --all ]; then
  rm -rf "$BASE"
  echo "s3-down: stopped and removed $BASE" >&2
else
  echo "s3-down: stopped; kept the install cache in $BASE" >&2
fi
