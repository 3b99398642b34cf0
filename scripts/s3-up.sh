#!/usr/bin/env bash
# s3-up.sh - start a throw-away local S3-compatible server (the npm package
# s3rver) for stilt-mpi's object-store outputs ([output] url = "s3://...")
# and their tests.
#
# Usage:  ENDPOINT=$(scripts/s3-up.sh BASE)
#   BASE            directory for the install cache, data, log and PID
#                   (created; must not hold a running server)
#   S3_BUCKET       bucket created at start (default: stilt)
#   S3_PORT         port (default: the first free port from 14568 up)
#   S3RVER_CACHE    where s3rver@3.7.1 is installed (default: BASE/cache);
#                   installed with `npm install` when missing
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
if [ ! -x "$BIN" ] || ! grep -q "\"version\": \"$VERSION\"" "$CACHE/node_modules/s3rver/package.json" 2>/dev/null; then
  command -v npm >/dev/null || die "npm not found on PATH (needed to install s3rver@$VERSION)"
  say "installing s3rver@$VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error "s3rver@$VERSION" >&2 \
    || die "npm install s3rver@$VERSION failed"
  [ -x "$BIN" ] || die "s3rver not found at $BIN after npm install"
fi

# 2. port
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if [ -n "${S3_PORT:-}" ]; then
  [[ $S3_PORT =~ ^[0-9]+$ ]] || die "S3_PORT must be an integer, got '$S3_PORT'"
  port_free "$S3_PORT" || die "port $S3_PORT is in use"
  PORT=$S3_PORT
else
  PORT=""
  for p in $(seq 14568 14767); do if port_free "$p"; then PORT=$p; break; fi; done
  [ -n "$PORT" ] || die "no free port in 14568..14767 (set S3_PORT)"
fi

# 3. start
rm -rf "$BASE/data"
mkdir -p "$BASE/data"
say "starting s3rver on 127.0.0.1:$PORT (bucket $BUCKET, data $BASE/data)"
setsid "$BIN" -d "$BASE/data" -a 127.0.0.1 -p "$PORT" --no-vhost-buckets \
  --configure-bucket "$BUCKET" >"$BASE/s3rver.log" 2>&1 </dev/null &
PID=$!
echo "$PID" >"$BASE/pid"
for _ in $(seq 1 150); do
  if ! kill -0 "$PID" 2>/dev/null; then
    tail -20 "$BASE/s3rver.log" >&2; rm -f "$BASE/pid"; die "s3rver exited during start"
  fi
  if ! port_free "$PORT" && [ -d "$BASE/data/$BUCKET" ]; then break; fi
  sleep 0.1
done
port_free "$PORT" && { kill "$PID" 2>/dev/null || true; rm -f "$BASE/pid"; tail -20 "$BASE/s3rver.log" >&2; die "s3rver did not listen on $PORT within 15 s"; }
URL="http://127.0.0.1:$PORT"
echo "$URL" >"$BASE/endpoint"
echo "$BUCKET" >"$BASE/bucket"
say "up: $URL bucket $BUCKET, keys S3RVER/S3RVER (stop: scripts/s3-down.sh $BASE)"
echo "$URL"
