#!/usr/bin/env bash
# Run each go-fuzz target for a bounded time (FUZZTIME, default 10s).
# Usage: scripts/fuzz.sh [FUZZTIME]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
t="${1:-${FUZZTIME:-10s}}"
targets=(
  "./met FuzzLabel"
  "./met FuzzIndex"
  "./met FuzzUnpack"
  "./config FuzzParse"
  "./receptor FuzzRead"
  "./receptor FuzzParseTime"
  "./footprint FuzzUnmarshalBinary"
  "./observations FuzzDecode"
)
for tg in "${targets[@]}"; do
  set -- $tg
  echo "== $2 ($1, $t)"
  go test -tags libsqlite3 -run '^$' -fuzz "^$2\$" -fuzztime "$t" "$1"
done
