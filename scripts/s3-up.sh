#!/usr/bin/env bash
# s3-up.sh - start a throw-away local S3-compatible server (the npm package
# s3rver) for stilt-mpi's object-store outputs ([output] url = "s3://...")
# and their tests.
#
# Usage:  ENDPOINT=$(scripts/s3-up.sh BASE)
#   BASE            directory for the install cache, data, log and PID
#                   (created; must not hold a running server)
#   S3_BUCKET       bucket created at start (default: stilt)
#   S3_PORT         port (default: the first free port of 14568..15567,
#                   from a random offset)
#   S3RVER_CACHE    where s3rver@3.7.1 is installed (default: BASE/cache);
#                   installed with `npm install` when missing
#   S3_WATCH_PID    stop the server when this process ends (test binaries)
#
# The server listens on 127.0.0.1 only. s3rver's fixed credentials are
# access key S3RVER, secret S3RVER (local testing only). Stdout carries only
# the endpoint URL http://127.0.0.1:PORT (also written to BASE/endpoint);
# progress goes to stderr. Stop it with scripts/s3-down.sh BASE.
set -euo pipefail
die() { echo "s3-up: $*" >&2; exit 1; }
say() { echo "[s3-up] $*" >&2; }
MARK=.stilt-s3-base
VERSION=3.7.1

[ $# -ge 1 ] || die "usage: s3-up.sh BASE"
BASE=$1
case "$BASE" in /*) ;; *) BASE="$(pwd)/$BASE" ;; esac
if [ -d "$BASE" ] && [ -n "$(ls -A "$BASE")" ] && [ ! -f "$BASE/$MARK" ]; then
  die "$BASE exists, is not empty and was not made by s3-up.sh"
fi
if [ -f "$BASE/pid" ] && kill -0 "$(cat "$BASE/pid")" 2>/dev/null; then
  die "$BASE holds a running server (pid $(cat "$BASE/pid")); stop it with scripts/s3-down.sh $BASE"
fi
mkdir -p "$BASE"
touch "$BASE/$MARK"
BUCKET=${S3_BUCKET:-stilt}

# 1. s3rver
command -v node >/dev/null || die "node not found on PATH"
CACHE=${S3RVER_CACHE:-$BASE/cache}
BIN=$CACHE/node_modules/.bin/s3rver
have_s3rver() { [ -x "$BIN" ] && grep -q "\"version\": \"$VERSION\"" "$CACHE/node_modules/s3rver/package.json" 2>/dev/null; }
mkdir -p "$CACHE"
exec 9>"$CACHE/.install.lock"
flock 9 # concurrent test packages share the cache: one installs, the others wait
if ! have_s3rver; then
  command -v npm >/dev/null || die "npm not found on PATH (needed to install s3rver@$VERSION)"
  say "installing s3rver@$VERSION into $CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "s3rver@$VERSION" >&2 \
    || die "npm install s3rver@$VERSION failed"
  have_s3rver || die "s3rver@$VERSION not found at $BIN after npm install"
fi
flock -u 9
exec 9>&-

# 2. port and start. Test packages start servers concurrently: a port
# taken between the check and s3rver's bind makes s3rver exit, and the next
# port is tried.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${S3_PORT:-}" ]; then
  [[ $S3_PORT =~ ^[0-9]+$ ]] || die "S3_PORT must be an integer, got '$S3_PORT'"
  port_free "$S3_PORT" || die "port $S3_PORT is in use"
  CANDIDATES=$S3_PORT
else
  OFF=$(( RANDOM % 1000 ))
  CANDIDATES=$(for i in $(seq 0 199); do echo $(( 14568 + (OFF + i) % 1000 )); done)
fi
rm -rf "$BASE/data"
mkdir -p "$BASE/data"
PORT=""
for p in $CANDIDATES; do
  port_free "$p" || continue
  say "starting s3rver on 127.0.0.1:$p (bucket $BUCKET, data $BASE/data)"
  setsid "$BIN" -d "$BASE/data" -a 127.0.0.1 -p "$p" --no-vhost-buckets \
    --configure-bucket "$BUCKET" >"$BASE/s3rver.log" 2>&1 </dev/null &
  PID=$!
  echo "$PID" >"$BASE/pid"
  up=""
  for _ in $(seq 1 150); do
    kill -0 "$PID" 2>/dev/null || break
    if ! port_free "$p" && [ -d "$BASE/data/$BUCKET" ]; then up=1; break; fi
    sleep 0.1
  done
  if [ -n "$up" ]; then PORT=$p; break; fi
  if kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    rm -f "$BASE/pid"
    tail -20 "$BASE/s3rver.log" >&2
    die "s3rver did not listen on $p within 15 s"
  fi
  rm -f "$BASE/pid"
  grep -q EADDRINUSE "$BASE/s3rver.log" || { tail -20 "$BASE/s3rver.log" >&2; die "s3rver exited during start"; }
  say "port $p taken meanwhile; trying the next"
done
[ -n "$PORT" ] || die "no free port found (set S3_PORT)"

# 3. optional watchdog: stop the server when process S3_WATCH_PID ends
# (a test binary that dies without running its cleanup)
if [ -n "${S3_WATCH_PID:-}" ]; then
  [[ $S3_WATCH_PID =~ ^[0-9]+$ ]] || die "S3_WATCH_PID must be a process id, got '$S3_WATCH_PID'"
  setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; kill "$2" 2>/dev/null' \
    s3-watch "$S3_WATCH_PID" "$PID" >/dev/null 2>&1 </dev/null &
  echo $! >"$BASE/watch.pid"
fi
URL="http://127.0.0.1:$PORT"
echo "$URL" >"$BASE/endpoint"
echo "$BUCKET" >"$BASE/bucket"
say "up: $URL bucket $BUCKET, keys S3RVER/S3RVER (stop: scripts/s3-down.sh $BASE)"
echo "$URL"
