#!/usr/bin/env bash
# pg-up.sh - start a throw-away local PostgreSQL server for stilt-mpi's
# service mode ([registry] url = "postgres://...") and its tests.
#
# Usage:  URL=$(scripts/pg-up.sh [BASE])
#   BASE          directory for data, socket, log and PID (default: a new
#                 mktemp -d /tmp/stilt-pg.XXXXXX); must not be a running server's
#   PG_PORT       port (default: the first free port from 15432 up)
#   PG_BIN        directory of initdb/pg_ctl (default: newest /usr/lib/postgresql/*/bin)
#   PG_INSTALL=0  do not apt-get install postgresql when it is missing (root only)
#
# The server listens on 127.0.0.1 only, with trust authentication for the
# database user "stilt" (local testing only: anyone on this machine can
# connect). As root it runs as the postgres user, since PostgreSQL refuses
# to run as root. Stdout carries only the URL
#   postgres://stilt@127.0.0.1:PORT/stilt?sslmode=disable
# (also written to BASE/url); progress goes to stderr. Stop it with
#   scripts/pg-down.sh BASE
set -euo pipefail
die() { echo "pg-up: $*" >&2; exit 1; }
say() { echo "[pg-up] $*" >&2; }
MARK=.stilt-pg-base

# 1. binaries
find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -1
}
BIN=$(find_bin)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb) and not root to install them"
  [ "${PG_INSTALL:-1}" = 1 ] || die "PostgreSQL server binaries not found and PG_INSTALL=0"
  say "installing postgresql with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2 \
    || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql >&2; } \
    || die "apt-get install postgresql failed"
  BIN=$(find_bin)
  [ -x "$BIN/initdb" ] || die "initdb still not found after installing postgresql"
fi

# 2. base directory
if [ $# -ge 1 ]; then
  BASE=$1
  case "$BASE" in /*) ;; *) BASE="$(pwd)/$BASE" ;; esac
  if [ -f "$BASE/postmaster.pid" ] || [ -f "$BASE/data/postmaster.pid" ]; then
    die "$BASE holds a running (or crashed) server; stop it with scripts/pg-down.sh $BASE"
  fi
  if [ -d "$BASE" ] && [ -n "$(ls -A "$BASE")" ] && [ ! -f "$BASE/$MARK" ]; then
    die "$BASE exists, is not empty and was not made by pg-up.sh"
  fi
  mkdir -p "$BASE"
else
  BASE=$(mktemp -d /tmp/stilt-pg.XXXXXX)
fi
# the Unix socket path (BASE/.s.PGSQL.PORT) must fit in 107 bytes
[ ${#BASE} -le 80 ] || die "base directory path too long for the socket (${#BASE} > 80 chars): $BASE"
touch "$BASE/$MARK"

# 3. user to run as
RUN=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (created by Debian's postgresql package)"
  chown -R postgres: "$BASE"
  RUN=(runuser -u postgres --)
fi

# 4. port
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${PG_PORT:-}" ]; then
  [[ $PG_PORT =~ ^[0-9]+$ ]] || die "PG_PORT must be an integer, got '$PG_PORT'"
  port_free "$PG_PORT" || die "port $PG_PORT is in use"
  PORT=$PG_PORT
else
  PORT=""
  for p in $(seq 15432 15531); do if port_free "$p"; then PORT=$p; break; fi; done
  [ -n "$PORT" ] || die "no free port in 15432..15531 (set PG_PORT)"
fi

# 5. initdb and start
say "initdb into $BASE/data ($BIN)"
"${RUN[@]}" "$BIN/initdb" -D "$BASE/data" -U stilt -A trust -E UTF8 --locale=C >"$BASE/initdb.log" 2>&1 \
  || { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
say "starting postgres on 127.0.0.1:$PORT"
"${RUN[@]}" "$BIN/pg_ctl" -D "$BASE/data" -l "$BASE/postgres.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PORT -k $BASE -c max_connections=200" start >&2 \
  || { tail -20 "$BASE/postgres.log" >&2; die "postgres did not start"; }
"${RUN[@]}" "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U stilt stilt >&2 || die "createdb stilt failed"
URL="postgres://stilt@127.0.0.1:$PORT/stilt?sslmode=disable"
echo "$URL" >"$BASE/url"
echo "$BIN" >"$BASE/bin"
say "up: $URL (stop: scripts/pg-down.sh $BASE)"
echo "$URL"
